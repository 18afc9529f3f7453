#!/usr/bin/env python3
"""hf_absa against PyABSA 2.4.2 on aspect term extraction + polarity (ATEPC): speed, memory, accuracy.

For every (dataset, model, seed) it runs PyABSA (through ../shared/peer/pyabsa_atepc.py in PyABSA's own
virtualenv, created if missing) and then hf_absa (benchmarks/hf_absa_atepc.py), one after the other — never at
the same time — each in a fresh process, with the same backbone (all-MiniLM-L6-v2), data, max_seq_len, batch
size, learning rate, epochs and seed. It writes every run's JSON (a run whose JSON exists is not run again, so
an interrupted comparison resumes), ``runs.json``, ``summary.json`` and ``report.md`` with mean ± std over seeds
and hf_absa / PyABSA ratios (the pieces of ``compare_pyabsa.py``, with the ATEPC rows `ROWS`).

    python benchmarks/compare_pyabsa_atepc.py --quick          # laptop14, FAST_LCF_ATEPC, seed 1
    python benchmarks/compare_pyabsa_atepc.py                  # 2 models x 2 datasets x seeds 1 2 3
    python benchmarks/compare_pyabsa_atepc.py --from-runs benchmarks/runs/atepc-2026-11-30_1500   # re-render

The runs:

- PyABSA: one evaluation on the test split at the end of each epoch (``--log-step`` = 2 x batches per epoch,
  see the README's "Evaluation schedule"), then its own evaluation after the loop; its "max test" figures
  (percent in its JSON) are divided by 100 here, so both sides are fractions.
- hf_absa ``--protocol pyabsa``: PyABSA's set-up (all of train, the test split evaluated once per epoch,
  nothing selected), scored both ways: PyABSA's protocol (lenient ATE F1 over the per-aspect copies, APC on
  the gold aspects, maxima over the evaluations) and the main one (exact spans over de-duplicated sentences),
  beside the peer driver's exact-span scores of PyABSA's reloaded checkpoint.
- hf_absa ``--protocol main`` on e2e_absa (laptop14 / rest14, unified tags): the model selected on the official
  dev split, tested once; PyABSA has no reader for that format, so that row is hf_absa's alone.

hf_absa trains in its default precision (``--precision auto``: bf16 autocast where the hardware runs bf16
natively, fp32 elsewhere) unless ``--precision bf16|fp32``; the run JSONs and the report say which precision
each run actually used ("auto" or "flag").

Training speed is in PyABSA's unit, one example per gold aspect (PyABSA trains one copy of a sentence per
aspect; hf_absa one row per sentence with all its aspects), so the ratio is the ratio of epoch times.
Both sides train with PyABSA's English ATEPC optimisation (constant learning rate, no clipping, weight decay
1e-5: ``PYABSA_ATEPC_OPTIMISATION``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
from pathlib import Path

from compare_pyabsa import (
    HERE,
    REPO,
    SHARED,
    cached_run,
    minilm_in,
    output_folder,
    peer_venv_python,
    read_runs,
    run_meta,
    write_report,
)

PEER_DRIVER = SHARED / "peer" / "pyabsa_atepc.py"

# dataset -> (PyABSA's .atepc folder, the e2e_absa name with the same sentences' source and an official dev split)
DATASETS = {
    "laptop14": ("atepc_datasets/110.SemEval/113.laptop14", "e2e_absa/laptop14"),
    "restaurant14": ("atepc_datasets/110.SemEval/114.restaurant14", "e2e_absa/rest14"),
}
MODELS = {"FAST_LCF_ATEPC": "fast_lcf_atepc", "BERT_BASE_ATEPC": "bert_base_atepc"}

# PyABSA's English ATEPC optimisation in hf_absa flags: AdamW(lr, weight_decay=l2reg=1e-5), constant learning
# rate (warmup_step=-1), no gradient clipping.
PYABSA_ATEPC_OPTIMISATION = ["--lr_scheduler_type", "constant", "--warmup_steps", "0", "--max_grad_norm", "0",
                             "--weight_decay", "1e-5"]

# PyABSA's JSON fields in percent (its own rounding), divided by 100 by `peer_fractions`.
PEER_PERCENT_FIELDS = ("max_apc_test_acc", "max_apc_test_f1", "max_ate_test_f1", "last_eval_apc_acc",
                       "last_eval_apc_f1", "last_eval_ate_f1")

# (label, hf_absa run, hf_absa field, PyABSA field or None, overview column or None); the hf_absa run is
# "pyabsa" (PyABSA's set-up) or "e2e" (e2e_absa, selected on its dev split). See compare_pyabsa.summarise.
ROWS = [
    ("train ex/s (as run: one test evaluation per epoch; one example per gold aspect)", "pyabsa",
     "train_examples_per_s", "train_examples_per_s", "train, as run"),
    ("train ex/s (optimizer steps only)", "pyabsa", "train_examples_per_s_excl_eval_save",
     "train_examples_per_s_excl_eval_save", "train, steps only"),
    ("test evaluations during training", "pyabsa", "n_evals_during_training", "n_evals_during_training", None),
    ("peak RSS MB (training)", "pyabsa", "peak_rss_mb_after_train", "peak_rss_mb_after_train", "peak RSS"),
    ("ATE F1, PyABSA protocol (seqeval lenient over per-aspect copies, max over test evaluations)", "pyabsa",
     "max_test_pyabsa_ate_f1", "max_ate_test_f1", "ATE F1, PyABSA protocol"),
    ("APC acc on gold aspects, PyABSA protocol (max)", "pyabsa", "max_test_apc_accuracy", "max_apc_test_acc",
     "APC acc, PyABSA protocol"),
    ("APC macro-F1 on gold aspects, PyABSA protocol (max)", "pyabsa", "max_test_apc_f1", "max_apc_test_f1", None),
    ("ATE F1, exact spans (hf_absa: final model, main scorer; PyABSA: reloaded checkpoint, peer driver's scorer)",
     "pyabsa", "test_ate_f1", "infer_ate_f1", "ATE F1, exact"),
    ("e2e F1, exact spans and polarity (same sources)", "pyabsa", "test_e2e_f1", "infer_joint_f1",
     "e2e F1, exact"),
    ("e2e_absa test e2e F1 (selected on the official dev split; hf_absa only)", "e2e", "test_e2e_f1", None,
     "e2e_absa e2e F1"),
    ("e2e_absa test ATE F1 (same run)", "e2e", "test_ate_f1", None, None),
    ("e2e_absa test APC acc on gold aspects (same run)", "e2e", "test_apc_accuracy", None, None),
]


def peer_fractions(run: dict) -> dict:
    """``run`` with PyABSA's percent fields (`PEER_PERCENT_FIELDS`) as fractions, like hf_absa's."""
    converted = {field: run[field] / 100 for field in PEER_PERCENT_FIELDS if run.get(field) is not None}
    return {**run, **converted, "percent_fields_divided_by_100": sorted(converted)}


def atepc_file_blocks(dataset_dir: Path, split: str = "train") -> int:
    """Blank-line separated blocks (PyABSA's examples, one per aspect) of the one ``*<split>*.atepc`` file in
    ``dataset_dir`` (file names compared in lower case); SystemExit when there is not exactly one."""
    files = sorted(path for path in dataset_dir.iterdir()
                   if split in path.name.lower() and path.name.endswith(".atepc"))
    if len(files) != 1:
        raise SystemExit(f"{dataset_dir}: expected one *{split}*.atepc file, found {[f.name for f in files]}")
    blocks, in_block = 0, False
    with open(files[0], encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                blocks += not in_block
                in_block = True
            else:
                in_block = False
    return blocks


def pyabsa_log_step(train_blocks: int, batch_size: int) -> int:
    """PyABSA's ``log_step`` for exactly one evaluation at the end of each epoch: its ATEPC loop counts two per
    optimisation step and evaluates when the count is a multiple of ``log_step``.

    >>> pyabsa_log_step(2328, 16)  # Laptop14: 146 batches
    292
    """
    return 2 * math.ceil(train_blocks / batch_size)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq-len", type=int, default=80)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--quick", action="store_true", help="laptop14, FAST_LCF_ATEPC, seed 1 only")
    parser.add_argument("--no-e2e", action="store_true", help="run no new hf_absa e2e_absa runs (those already in --out are still reported)")
    parser.add_argument("--only", choices=["pyabsa", "hf_absa"], default=None,
                        help="run one side only (its results are kept; a later invocation without --only, same "
                        "--out, reuses them and runs the other side); the report is written when both sides ran")
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"))
    parser.add_argument("--peer-venv", default=str(REPO.parent / ".peer_venv"))
    parser.add_argument("--out", default=None,
                        help="output folder (default benchmarks/runs/atepc-<date>); an existing one resumes")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="hf_absa's training precision: auto (the library default, decided from the hardware), "
                        "bf16 or fp32 (forced); the report says what each run actually used")
    parser.add_argument("--hf-flags", nargs=argparse.REMAINDER, default=[],
                        help="extra flags for benchmarks/hf_absa_atepc.py (e.g. --threads 2)")
    parser.add_argument("--from-runs", default=None,
                        help="only re-render summary.json and report.md from FOLDER/runs.json of an earlier run")
    args = parser.parse_args(argv)
    if args.from_runs:
        folder = Path(args.from_runs)
        runs, meta = read_runs(folder)
        write_report(folder, runs, meta, ROWS)
        return
    if args.quick:
        args.datasets, args.models, args.seeds = ["laptop14"], ["FAST_LCF_ATEPC"], [1]
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M")
    out = output_folder(args.out, f"atepc-{stamp}")
    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv)
    backbone = minilm_in(venv)
    data_dir = Path(args.data_dir).resolve()

    hf_flags = list(args.hf_flags)
    # PyABSA's optimisation goes first in the --extra flags, so that flags given here win.
    at = hf_flags.index("--extra") + 1 if "--extra" in hf_flags else len(hf_flags)
    hf_flags[at:at] = ([] if "--extra" in hf_flags else ["--extra"]) + PYABSA_ATEPC_OPTIMISATION
    common = ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--max-seq-len",
              str(args.max_seq_len), "--learning-rate", str(args.learning_rate)]

    runs = []
    for dataset in args.datasets:
        atepc_dir, e2e_name = DATASETS[dataset]
        log_step = pyabsa_log_step(atepc_file_blocks(data_dir / atepc_dir), args.batch_size)
        for model in args.models:
            for seed in args.seeds:
                name = f"{dataset}-{MODELS[model]}-seed{seed}"
                seeded = [*common, "--seed", str(seed)]
                if args.only == "hf_absa" and not (out / f"pyabsa-{name}.json").exists():
                    continue
                peer = cached_run(
                    out / f"pyabsa-{name}.json",
                    [str(peer_python), str(PEER_DRIVER), "--model", model, "--dataset-dir", str(data_dir / atepc_dir),
                     "--backbone", str(backbone), "--log-step", str(log_step), "--infer-single", "0",
                     "--out-dir", str(out / f"pyabsa-{name}"), *seeded],
                    out / f"pyabsa-{name}.log", cwd=out,
                )
                runs.append({**peer_fractions(peer), "library": "pyabsa", "dataset": dataset,
                             "model": MODELS[model], "seed": seed})
                if args.only == "pyabsa":
                    continue
                e2e_done = (out / f"hf_absa-e2e-{name}.json").exists()
                hf_runs = [("pyabsa", dataset)] + ([] if args.no_e2e and not e2e_done else [("e2e", e2e_name)])
                for side, data in hf_runs:
                    protocol = "pyabsa" if side == "pyabsa" else "main"
                    ours = cached_run(
                        out / f"hf_absa-{side}-{name}.json",
                        [sys.executable, str(HERE / "hf_absa_atepc.py"), "--model", MODELS[model], "--dataset", data,
                         "--data-dir", str(data_dir), "--protocol", protocol, "--precision", args.precision,
                         "--out-dir", str(out / f"hf_absa-{side}-{name}"), *seeded, *hf_flags],
                        out / f"hf_absa-{side}-{name}.log",
                        # summarise() keys a run by dataset/model and its side by protocol
                        dataset=dataset, data=data, protocol=side,
                    )
                    runs.append(ours)
                    print(f"{name} [{side}]: hf_absa e2e F1 {ours['test_e2e_f1']:.4f}, train "
                          f"{ours['train_examples_per_s_excl_eval_save']:.1f} ex/s (PyABSA "
                          f"{peer['train_examples_per_s_excl_eval_save']:.1f})", file=sys.stderr)
                (out / "runs.json").write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")

    if args.only == "pyabsa":
        return
    meta = run_meta("compare_pyabsa_atepc.py", argv)
    write_report(out, runs, meta, ROWS)


if __name__ == "__main__":
    main()
