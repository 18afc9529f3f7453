"""Automatic precision: bf16 where the hardware computes in bf16 natively, fp32 elsewhere — decided in one place.

Training (`hf_absa.training.ABSATrainingArguments`, ``bf16`` unset) and sentiment prediction
(`hf_absa.inference.SentimentClassifier`, ``precision="auto"``) both ask `native_bf16` whether bf16 autocast is
worth it on the device they run on:

* a CUDA GPU: ``torch.cuda.is_bf16_supported(including_emulation=False)`` (compute capability 8.0+, Ampere and
  newer; ROCm GPUs too). Older GPUs emulate bf16, slower than fp32.
* a CPU: AVX512-BF16 or AMX-BF16 (`torch.cpu.get_capabilities`, probed once per process). oneDNN runs bf16
  matmuls natively there: on a 2-core AMD EPYC with avx512_bf16, bf16 autocast trained about 3x faster and
  predicted about 2x faster than fp32 (BENCHMARKS.md). Without them oneDNN converts to fp32 and bf16 only costs.
* any other device (MPS, XPU, ...): not probed, so fp32.

Explicit arguments always win (``--bf16`` / ``--bf16 false`` for training, ``precision="fp32"`` / ``"bf16"`` for
prediction); there is no environment variable. Figures and the measurements behind them are in BENCHMARKS.md.

>>> decision = decide_bf16(None, "cpu", probe=lambda device_type: True)
>>> decision.bf16, decision.precision, decision.source
(True, 'bf16', 'auto')
>>> decide_bf16(False, "cpu", probe=lambda device_type: True).precision
'fp32'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["PrecisionDecision", "cpu_has_native_bf16", "cuda_has_native_bf16", "decide_bf16", "native_bf16"]

# The CPU capabilities (names as torch.cpu.get_capabilities() reports them) that give native bf16 matmuls.
CPU_BF16_CAPABILITIES = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=None)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU has AVX512-BF16 or AMX-BF16 (probed once per process; False when torch cannot tell)."""
    get_capabilities = getattr(getattr(torch, "cpu", None), "get_capabilities", None)  # torch >= 2.8
    if get_capabilities is not None:
        try:
            capabilities = get_capabilities()
        except (RuntimeError, AttributeError):  # a build without cpuinfo
            capabilities = {}
        return any(bool(capabilities.get(name, False)) for name in CPU_BF16_CAPABILITIES)
    # Older torch: the private probes of torch.cpu (torch >= 2.2).
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes)


def cuda_has_native_bf16() -> bool:
    """Whether the current CUDA (or ROCm) device computes in bf16 natively, emulation not counted."""
    if not torch.cuda.is_available():
        return False
    try:
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    except TypeError:  # torch < 2.3 has no including_emulation and counts no emulation
        return bool(torch.cuda.is_bf16_supported())


def native_bf16(device_type: str) -> bool:
    """Whether bf16 autocast runs natively on a device of ``device_type`` (``"cpu"``, ``"cuda"``; others: False)."""
    if device_type == "cpu":
        return cpu_has_native_bf16()
    if device_type == "cuda":
        return cuda_has_native_bf16()
    return False


@dataclass(frozen=True)
class PrecisionDecision:
    """Which precision a run uses and why.

    Attributes:
        precision: ``"bf16"`` (autocast), ``"fp32"``, or what a flag asked for (``"fp16"``, ``"int8"``).
        source: ``"auto"`` (decided from the hardware) or ``"flag"`` (an explicit argument).
        device_type: the device the decision was made for (``"cpu"``, ``"cuda"``, ...).
    """

    precision: str
    source: str
    device_type: str

    @property
    def bf16(self) -> bool:
        return self.precision == "bf16"

    def describe(self, fp32_flag: str = "--bf16 false", bf16_flag: str = "--bf16") -> str:
        """One line for the log, e.g. ``precision: bf16 autocast (auto: cpu has native bf16; --bf16 false for
        fp32)``."""
        name = "bf16 autocast" if self.bf16 else self.precision
        if self.source == "flag":
            return f"precision: {name} (set by a flag)"
        if self.bf16:
            return f"precision: {name} (auto: {self.device_type} has native bf16; {fp32_flag} for fp32)"
        return f"precision: {name} (auto: {self.device_type} has no native bf16; {bf16_flag} forces bf16 autocast)"


def decide_bf16(
    requested: bool | None, device_type: str, probe: Callable[[str], bool] | None = None
) -> PrecisionDecision:
    """bf16 or fp32 for a run on ``device_type``: ``requested`` (True / False) when given, else `native_bf16`.

    ``probe`` replaces `native_bf16` (tests).
    """
    if requested is not None:
        return PrecisionDecision("bf16" if requested else "fp32", "flag", device_type)
    native = (probe or native_bf16)(device_type)
    return PrecisionDecision("bf16" if native else "fp32", "auto", device_type)
