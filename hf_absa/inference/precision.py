"""Device and numeric precision of a model used for prediction: fp32, bf16 autocast, dynamic int8, torch.compile.

* ``"auto"``: ``"bf16"`` where the device computes in bf16 natively (a CPU with AVX512-BF16 or AMX, a CUDA GPU
  with ``torch.cuda.is_bf16_supported()``), else ``"fp32"``: `resolve_precision`, decided by `hf_absa.hardware`.
  The default of `SentimentClassifier`, ``hf-absa predict`` and the ``aspect-sentiment`` pipeline; on a CPU with
  AVX512-BF16 it predicted about twice as fast as fp32 with the same label on 99.95 % of aspects (BENCHMARKS.md).
* ``"fp32"``: the model as trained.
* ``"bf16"``: forward passes under ``torch.autocast(device_type, dtype=torch.bfloat16)``; the weights stay fp32.
  With ``cast_linear_weights`` the forward function runs a copy of the model whose ``nn.Linear`` weights are
  stored in bf16 once (`with_bf16_linear_weights`), with the same results, made again when the model changes.
* ``"int8"``: ``torch.ao.quantization.quantize_dynamic`` of every ``nn.Linear`` (weights int8, activations
  quantised on the fly); CPU only.
* ``compile=True`` (any precision): ``torch.compile(model, dynamic=True)``, so that batches of every length
  reuse one compiled graph; the first batches are slow while it compiles.

>>> import torch
>>> model, forward = prepare_model(torch.nn.Sequential(torch.nn.Linear(4, 2)), torch.device("cpu"), "int8")
>>> model[0]
DynamicQuantizedLinear(in_features=4, out_features=2, dtype=torch.qint8, qscheme=torch.per_tensor_affine)
>>> forward(torch.ones(1, 4)).dtype
torch.float32
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Callable

import torch
from torch import nn

from ..hardware import native_bf16
from ..onednn import limit_onednn_primitive_cache

PRECISIONS = ("auto", "fp32", "bf16", "int8")
AUTO = "auto"


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device`` as a `torch.device`; None picks CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a torch device; expected e.g. 'cpu', 'cuda' or 'cuda:1'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}, but CUDA is not available on this machine; use device='cpu'")
    return resolved


def resolve_precision(precision: str, device: torch.device) -> str:
    """The precision that runs: ``precision`` itself, or for ``"auto"`` ``"bf16"`` when ``device`` computes in
    bf16 natively (`hf_absa.hardware.native_bf16`) and ``"fp32"`` otherwise.

    >>> resolve_precision("int8", torch.device("cpu"))
    'int8'
    """
    if precision == AUTO:
        return "bf16" if native_bf16(device.type) else "fp32"
    return precision


def check_precision(precision: str, device: torch.device) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not supported; expected one of {', '.join(PRECISIONS)}")
    if precision == "int8" and device.type != "cpu":
        raise ValueError(f"precision='int8' (dynamic int8 quantisation) runs on CPU only, but device is {device}; "
                         "use precision='bf16' on a GPU")


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` dynamically quantised to int8."""
    with warnings.catch_warnings():
        # torch announces that eager-mode quantisation is moving to torchao; the API still works, and torchao
        # would be one more dependency for the same kernels.
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization.*")
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


def autocast_context(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The context forward passes run in: bf16 autocast on ``device`` for ``"bf16"``, nothing otherwise."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def with_bf16_linear_weights(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` weights and biases are stored in bf16; it shares every other
    parameter and buffer with ``model`` (embeddings, layer norms), so it costs half the linear weights' memory.

    Under bf16 autocast a linear layer computes with its weight and bias cast to bf16 (torch's autocast op list),
    again at every forward pass; stored cast once, they give bit-identical outputs without those copies
    (`benchmarks/forward_precision.py` times both; BENCHMARKS.md). Only for forward passes under bf16
    autocast: without it the copy's linear layers refuse fp32 inputs. Weights changed in ``model`` later are not
    seen by the copy; `Bf16LinearRunner` makes it again when they change.

    >>> layer = with_bf16_linear_weights(torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.LayerNorm(2)))
    >>> layer[0].weight.dtype, layer[1].weight.dtype
    (torch.bfloat16, torch.float32)
    """
    linear_only: dict[int, bool] = {}  # tensor id -> held by exact nn.Linear modules only (tied ones are not)
    for module in model.modules():
        for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
            linear_only[id(tensor)] = linear_only.get(id(tensor), True) and type(module) is nn.Linear
    shared = {id(tensor): tensor for tensor in [*model.parameters(), *model.buffers()] if not linear_only[id(tensor)]}
    copied = copy.deepcopy(model, memo=shared)
    for module in copied.modules():
        # exactly nn.Linear (a subclass may use its weight outside F.linear), and none of its tensors shared
        if type(module) is nn.Linear and not any(id(tensor) in shared for tensor in module.parameters()):
            module.to(torch.bfloat16)
    return copied


class Bf16LinearRunner:
    """Calls `with_bf16_linear_weights` of ``model``, made again before a call whenever ``model`` changed since
    the copy was made: a parameter or buffer modified in place (its version counter moved) or replaced, or a
    module switched between train and eval. So edits to the model (fine-tuning, ``load_state_dict``, a new head)
    are never ignored; checking costs one pass over the parameters' version counters per call.

    >>> model = torch.nn.Linear(2, 1)
    >>> runner = Bf16LinearRunner(model)
    >>> with torch.no_grad():
    ...     _ = model.bias.fill_(5.0)
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     runner(torch.zeros(1, 2)).item()
    5.0
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self._refresh()

    def _state(self) -> tuple:
        tensors = [*self.model.parameters(), *self.model.buffers()]
        return (tuple((id(tensor), tensor._version) for tensor in tensors),
                tuple(module.training for module in self.model.modules()))

    def _refresh(self) -> None:
        self.module = with_bf16_linear_weights(self.model)
        self._made_from = self._state()

    def __call__(self, *args, **kwargs):
        if self._state() != self._made_from:
            self._refresh()
        return self.module(*args, **kwargs)


def prepare_model(
    model: nn.Module, device: torch.device, precision: str = "fp32", compile: bool = False,
    cast_linear_weights: bool = False,
) -> tuple[nn.Module, Callable[..., torch.Tensor]]:
    """(the model on ``device`` in eval mode — an int8 copy for ``"int8"`` —, a forward function).

    The forward function takes the model's keyword inputs and returns float32 logits, running under bf16
    autocast for ``"bf16"`` and through ``torch.compile`` when ``compile`` is set. With ``cast_linear_weights``
    and ``"bf16"`` (without ``compile``) it runs `with_bf16_linear_weights` of the model through a
    `Bf16LinearRunner`, which follows later changes to the model, for callers that never run it outside
    autocast; the model returned keeps its fp32 weights (to save or export). The forward function's
    ``module`` attribute is the module it runs.
    """
    check_precision(precision, device)
    if precision == "bf16" and device.type == "cpu":
        limit_onednn_primitive_cache()
    model = model.to(device).eval()
    if precision == "int8":
        model = quantize_int8(model)
    if precision == "bf16" and cast_linear_weights and not compile:
        runner = Bf16LinearRunner(model)
    else:  # under torch.compile the casts are part of the compiled graph; its guards follow the model
        runner = torch.compile(model, dynamic=True) if compile else model

    def forward(*args, **inputs) -> torch.Tensor:
        with autocast_context(device, precision):
            output = runner(*args, **inputs)
        logits = output.logits if hasattr(output, "logits") else output
        return logits.float()

    forward.module = runner  # what it runs (the bf16-weights copy, the compiled model...), for inspection
    return model, forward
