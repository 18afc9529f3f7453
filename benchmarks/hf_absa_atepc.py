#!/usr/bin/env python3
"""hf_absa's side of the PyABSA ATEPC comparison: train + test one aspect term extraction + polarity run.

The counterpart of ``../shared/peer/pyabsa_atepc.py``: same data, backbone, max_seq_len, batch size, learning
rate, epochs and seed; prints ONE JSON line (also written to ``<out-dir>/summary.json``).
``compare_pyabsa_atepc.py`` runs it in a fresh process per configuration, so ``peak_rss_mb`` is this run's alone.
The training precision is hf_absa's default unless ``--precision bf16|fp32`` (the JSON says which ran).

    python benchmarks/hf_absa_atepc.py --model fast_lcf_atepc --dataset laptop14 \
        --data-dir ../shared/datasets --epochs 1 --seed 1 --out-dir /tmp/bench/lap14-fast-lcf-atepc-1

Two protocols (``--protocol``), one per run:
- ``pyabsa`` (default): PyABSA's own set-up: all of train (``validation_fraction 0``), the test split evaluated
  once per epoch, nothing selected (``report_max_test``). ``max_test_pyabsa_ate_f1``, ``max_test_apc_accuracy``,
  ``max_test_apc_f1`` are PyABSA's "max test" figures (maximum over those evaluations, each metric separately;
  ATE F1 by seqeval's lenient default over the per-aspect copies); ``test_*`` the final model's.
- ``main``: the model is selected on validation (the data's own split, e.g. e2e_absa's official dev, else a
  stratified tenth of train held out), evaluated every ``--eval-steps``; the selected model is tested once.

Fields (fractions, not percent):
- ``train_sentences``: training rows (one per sentence: hf_absa merges PyABSA's per-aspect copies);
  ``train_aspects``: the gold aspects in them that ``max_seq_len`` kept, i.e. PyABSA's unit (one PyABSA
  example per aspect block).
- ``train_examples_per_s``: train_aspects x epochs / training wall time, which includes the periodic
  evaluations (and checkpoint saves under ``main``); ``train_examples_per_s_excl_eval_save`` counts only the
  optimizer steps (forward, backward, update, data loading); ``train_sentences_per_s`` the same as the first
  in sentences.
- ``test_ate_f1``, ``test_e2e_f1``, ``test_apc_accuracy``, ``test_apc_f1``: the main protocol's scorer on the
  tested model (exact spans over de-duplicated sentences; polarity on the gold aspects);
  ``test_pyabsa_ate_f1``: PyABSA's lenient ATE F1 of the same model.
- ``precision`` / ``precision_source``: the training precision the run actually used and how it was decided
  (``"auto"``: hf_absa's default, from the hardware; ``"flag"``), from the run's ``all_results.json``;
  ``precision_requested`` is ``--precision`` (``auto`` passes no flag; ``--bf16`` = ``--precision bf16``).
  Results written before automatic precision lack them; those runs trained in fp32 unless ``--extra --bf16``.
- ``disagreeing_aspects``: the trained model's polarity of each aspect of `DISAGREEING_ASPECTS` (sentences whose
  aspects disagree, given with their aspects: `AspectExtractor.predict(..., aspects=...)`), and
  ``disagreeing_aspects_right``: whether every one came out as expected (the ATEPC issue asks for Positive /
  Negative in the first after training on Restaurant14).
- ``peak_rss_mb``: peak resident memory of the process (training and the test evaluation).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from hf_absa_apc import add_precision_arguments, precision_flags, run_precision

# all_results.json keys reported as they are (fractions); missing ones come out as null.
METRIC_KEYS = (
    "test_ate_f1", "test_e2e_f1", "test_apc_accuracy", "test_apc_f1", "test_pyabsa_ate_f1",
    "max_test_pyabsa_ate_f1", "max_test_apc_accuracy", "max_test_apc_f1", "max_test_ate_f1", "max_test_e2e_f1",
    "eval_ate_f1", "eval_e2e_f1", "eval_apc_accuracy", "eval_apc_f1",
)


# (sentence, {aspect: expected polarity}): aspects of one sentence that disagree.
DISAGREEING_ASPECTS = [
    ("the staff was so nice to us, but the service was bad", {"staff": "Positive", "service": "Negative"}),
    ("the food was great but the waiter was rude", {"food": "Positive", "waiter": "Negative"}),
]


def disagreeing_aspects(model, tokenizer) -> dict:
    """`DISAGREEING_ASPECTS` classified by ``model`` with their aspects given: the predictions and whether all are
    as expected."""
    from hf_absa import AspectExtractor

    extractor = AspectExtractor(model, tokenizer, device=model.device)
    predicted = []
    for sentence, expected in DISAGREEING_ASPECTS:
        result = extractor.predict(sentence, aspects=list(expected))
        predicted.append({"sentence": sentence, "expected": expected,
                          "predicted": {aspect["aspect"]: aspect["label"] for aspect in result["aspects"]}})
    return {"disagreeing_aspects": predicted,
            "disagreeing_aspects_right": all(item["predicted"] == item["expected"] for item in predicted)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="fast_lcf_atepc", help="hf_absa ATEPC architecture (fast_lcf_atepc, "
                        "bert_base_atepc, lcf_atepc)")
    parser.add_argument("--dataset", default="laptop14",
                        help="registered ATEPC dataset name (laptop14, restaurant14, ...) or e2e_absa/<name>")
    parser.add_argument("--data-dir", required=True, help="folder laid out like ABSADatasets")
    parser.add_argument("--backbone", default=None, help="backbone folder (default: bundled all-MiniLM-L6-v2)")
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq-len", type=int, default=80)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--protocol", choices=["pyabsa", "main"], default="pyabsa",
        help="pyabsa: PyABSA's set-up (all of train, test evaluated once per epoch, maximum and final model "
        "reported); main: selected on validation (the data's own split or a held-out tenth of train), evaluated "
        "every --eval-steps, the selected model tested once",
    )
    parser.add_argument("--eval-steps", type=float, default=0.1,
                        help="main protocol: validate every N steps (<1: fraction of the training steps)")
    add_precision_arguments(parser)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more `hf-absa train` flags")
    return parser.parse_args(argv)


def train_flags(args: argparse.Namespace, output_dir: Path) -> list[str]:
    """The ``hf-absa train --task atepc`` flags of one run (``--extra`` last, so that they win)."""
    flags = [
        "--task", "atepc", "--dataset", args.dataset, "--data_dir", args.data_dir, "--architecture", args.model,
        "--max_seq_len", str(args.max_seq_len), "--num_train_epochs", str(args.epochs),
        "--per_device_train_batch_size", str(args.batch_size), "--learning_rate", str(args.learning_rate),
        "--seed", str(args.seed), "--output_dir", str(output_dir), "--export_mode", "0",
        "--disable_tqdm", "true", "--dataloader_num_workers", "0", "--use_cpu",
    ]
    if args.protocol == "pyabsa":
        flags += ["--validation_fraction", "0", "--report_max_test", "true", "--eval_strategy", "epoch",
                  "--save_strategy", "no", "--load_best_model_at_end", "false"]
    else:
        flags += ["--eval_strategy", "steps", "--eval_steps", str(args.eval_steps)]
    if args.backbone:
        flags += ["--backbone", args.backbone]
    return flags + precision_flags(getattr(args, "precision", "auto")) + list(args.extra)


def main(argv=None) -> dict:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from hf_absa.commands.train import parse
    from hf_absa.training.atepc import load_atepc_training_data, prepare_atepc_setup
    from hf_absa.training.workflow import fit_and_evaluate
    from step_timer import StepTimer

    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _, model_args, data_args, training_args = parse(train_flags(args, out_dir / "run"))

    started = time.perf_counter()
    raw = load_atepc_training_data(data_args)
    setup = prepare_atepc_setup(model_args, raw, training_args, data_args.dataset)
    data_prep_s = time.perf_counter() - started
    timer = StepTimer()
    metrics, trainer = fit_and_evaluate(setup, training_args, callbacks=[timer])
    epochs = trainer.state.epoch  # epochs actually run (a fraction for --epochs < 1)
    train_wall = metrics["train_runtime"]
    sentences = len(trainer.train_dataset)
    aspects = sum(len(polarities) for polarities in trainer.train_dataset["polarity_labels"])

    result = {
        "library": "hf_absa",
        "task": "atepc",
        "model": args.model,
        "dataset": args.dataset,
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "max_seq_len": args.max_seq_len,
        "learning_rate": args.learning_rate,
        "protocol": args.protocol,
        "extra_train_flags": args.extra,
        "precision_requested": args.precision,
        **run_precision(out_dir / "run", metrics),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.platform(),
        "train_sentences": sentences,
        "train_aspects": aspects,
        "validation_sentences": len(trainer.eval_dataset) if args.protocol == "main" else 0,
        "data_prep_s": round(data_prep_s, 3),
        "train_wall_s": round(train_wall, 3),
        "train_steps_s": round(timer.seconds, 3),
        "train_examples_per_s": round(aspects * epochs / train_wall, 3),
        "train_examples_per_s_excl_eval_save": round(aspects * epochs / timer.seconds, 3),
        "train_sentences_per_s": round(sentences * epochs / train_wall, 3),
        "train_tokens": timer.tokens,
        "n_evals_during_training": sum(
            1 for log in trainer.state.log_history
            if any(key.startswith("eval") and key.endswith("_runtime") for key in log)
        ),
        **{key: metrics.get(key) for key in METRIC_KEYS},
        "gold_aspects_cut_off": metrics.get("gold_aspects_cut_off"),
        "peak_rss_mb_after_train": round(peak_rss_mb(), 1),
        **disagreeing_aspects(trainer.model.eval(), trainer.processing_class),
    }
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    (out_dir / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
