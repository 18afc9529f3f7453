"""Measure this machine's dense matmul peak (GFLOP/s) in fp32 and bf16 with torch.

The peak is the reference for the training-efficiency figures in BENCHMARKS.md
(achieved FLOP/s of a training run / this peak).

    python benchmarks/matmul_peak.py --json benchmarks/results/matmul_peak.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch


def matmul_gflops(dtype: torch.dtype, size: int, repeats: int) -> float:
    """Best-of-``repeats`` GFLOP/s of one ``size``×``size`` @ ``size``×``size`` product."""
    a = torch.randn(size, size).to(dtype)
    b = torch.randn(size, size).to(dtype)
    torch.matmul(a, b)  # warm-up (kernel selection, page faults)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def measure(sizes=(1024, 2048), repeats: int = 5) -> dict:
    result = {
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        result[f"{name}_gflops"] = round(max(matmul_gflops(dtype, size, repeats) for size in sizes), 1)
    result["bf16_over_fp32"] = round(result["bf16_gflops"] / result["fp32_gflops"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the result to this file")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    result = measure(repeats=args.repeats)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
