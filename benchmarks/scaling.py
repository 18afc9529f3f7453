#!/usr/bin/env python3
"""How hf_absa's training time and memory scale: with the training set and with max_seq_len.

Runs ``benchmarks/hf_absa_apc.py`` (PyABSA's set-up: one epoch, all of train,
one test evaluation) in a fresh process per point, one after the other, and
tabulates per point: training examples, tokens actually processed (each batch
padded to its own longest sequence), the tokens a pad-to-max_seq_len pipeline
(PyABSA's) would process, optimizer-step time, time per 1,000 processed tokens,
and the process's peak RSS after training.

    python benchmarks/scaling.py --out benchmarks/runs/scaling --hf-flags --bf16 --group-by-length

Default points: Laptop14 -> Restaurant14 -> MAMS (2.3k -> 3.6k -> 11.2k
examples) at max_seq_len 80, and max_seq_len 80 -> 128 -> 256 on Laptop14 and
MAMS. Writes ``points.json`` and ``report.md`` to ``--out``.

Training precision: hf_absa's default (``--precision auto``: bf16 autocast where the hardware runs bf16
natively) unless ``--precision bf16|fp32`` (``--hf-flags --bf16`` still works); the table's last column is
what each point actually ran, "(auto)" when the library decided it (points.json of earlier runs: fp32 unless
they ran with ``--bf16``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from compare_pyabsa import DATASETS, PYABSA_OPTIMISATION, SHARED, cpu_model, precision_label, run_json

HERE = Path(__file__).resolve().parent

DEFAULT_POINTS = [
    ("laptop14", 80), ("restaurant14", 80), ("mams", 80),
    ("laptop14", 128), ("laptop14", 256), ("mams", 128), ("mams", 256),
]


def parse_point(text: str) -> tuple[str, int]:
    dataset, _, length = text.partition(":")
    if dataset not in DATASETS or not length.isdigit():
        raise argparse.ArgumentTypeError(f"expected DATASET:MAX_SEQ_LEN with DATASET in {sorted(DATASETS)}, got {text!r}")
    return dataset, int(length)


def table(points: list[dict]) -> str:
    lines = [
        "| dataset | max_seq_len | train examples | tokens processed | tokens if padded to max_seq_len "
        "| optimizer-step time s | ms per 1k tokens | train ex/s (steps) | peak RSS MB after training | precision |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in points:
        padded = p["train_examples"] * p["max_seq_len"]
        lines.append(
            f"| {p['dataset']} | {p['max_seq_len']} | {p['train_examples']:,} | {p['train_tokens']:,} | {padded:,} "
            f"| {p['train_steps_s']:.1f} | {1000 * p['train_steps_s'] / p['train_tokens']:.2f} "
            f"| {p['train_examples_per_s_excl_eval_save']:.1f} | {p['peak_rss_mb_after_train']:.0f} "
            f"| {precision_label(p) or '–'} |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", nargs="+", type=parse_point, default=DEFAULT_POINTS,
                        help="DATASET:MAX_SEQ_LEN pairs (default: the seven points of the docstring)")
    parser.add_argument("--model", default="fast_lsa_t_v2")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="training precision: auto (hf_absa's default), bf16 or fp32 (forced)")
    parser.add_argument("--hf-flags", nargs=argparse.REMAINDER, default=[],
                        help="extra flags for benchmarks/hf_absa_apc.py (e.g. --bf16 --group-by-length)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    points = []
    for dataset, max_seq_len in args.points:
        name = f"{dataset}-{max_seq_len}"
        result = run_json(
            [sys.executable, str(HERE / "hf_absa_apc.py"), "--model", args.model, "--dataset", dataset,
             "--data-dir", args.data_dir, "--max-seq-len", str(max_seq_len), "--epochs", "1", "--seed",
             str(args.seed), "--protocol", "pyabsa", "--precision", args.precision, "--out-dir", str(out / name),
             "--infer-precisions",
             *args.hf_flags, "--extra", *PYABSA_OPTIMISATION],
            out / f"{name}.log",
        )
        points.append(result)
        print(f"{name}: {result['train_tokens']} tokens in {result['train_steps_s']:.1f} s, "
              f"peak RSS {result['peak_rss_mb_after_train']:.0f} MB", file=sys.stderr)
        (out / "points.json").write_text(json.dumps(points, indent=2) + "\n", encoding="utf-8")
    import torch

    command = "python benchmarks/scaling.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report = (f"Run {datetime.date.today().isoformat()} on {cpu_model()} ({os.cpu_count()} cores, torch threads "
              f"{torch.get_num_threads()}), model {args.model}, command `{command}`.\n\n{table(points)}\n")
    (out / "report.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
