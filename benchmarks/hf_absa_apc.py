#!/usr/bin/env python3
"""hf_absa's side of the PyABSA comparison: train + evaluate + time inference of one APC run.

The counterpart of ``../shared/peer/pyabsa_apc.py``: same data, backbone,
max_seq_len, batch size, learning rate, epochs and seed; prints ONE JSON line
(also written to ``<out-dir>/summary.json``). ``compare_pyabsa.py`` runs it in
a fresh process per configuration, so ``peak_rss_mb`` is this run's alone.

    python benchmarks/hf_absa_apc.py --model fast_lsa_t_v2 --dataset laptop14 \
        --data-dir ../shared/datasets --epochs 1 --seed 1 --out-dir /tmp/bench/lap14-lsa-1

``--model ensemble --ensemble-models bert_spc fast_lcf_bert fast_lsa_t_v2`` trains an ensemble
(``hf-absa train --ensemble_models``).

Two protocols (``--protocol``), one per run:
- ``pyabsa`` (default): PyABSA's own set-up with ``--log-step -1``: all of train,
  the test split evaluated once per epoch, nothing selected. ``max_test_acc`` /
  ``max_test_macro_f1`` are PyABSA's "Max-Test-Acc w/o Valid Set" (maximum over those
  evaluations, each metric separately); ``test_acc`` / ``test_macro_f1`` the final model's.
- ``clean``: a stratified tenth of train held out as validation, evaluated every
  ``--eval-steps``; the best model on it is tested once (``test_acc`` / ``test_macro_f1``).

Fields:
- ``train_examples_per_s``: training examples x epochs / training wall time, which
  includes the periodic evaluations and checkpoint saves;
  ``train_examples_per_s_excl_eval_save`` counts only the optimizer steps (forward,
  backward, update, data loading).
- ``precision`` / ``precision_source``: the training precision the run ACTUALLY used
  (``"bf16"`` / ``"fp32"``) and how it was decided (``"auto"``: hf_absa's default, from
  the hardware; ``"flag"``), read from the run's ``all_results.json``;
  ``precision_requested`` is ``--precision`` (``auto`` passes no flag). ``bf16`` is
  ``precision == "bf16"`` (results written before automatic precision lack the first
  three fields, and there ``bf16`` false meant fp32).
- ``infer_examples_per_s``: test aspects / wall time of ``SentimentClassifier.predict``
  over the test split (featurisation included, loading excluded), median of
  ``--infer-repeats`` passes, per precision variant, with the share of predictions
  equal to the first variant's and the accuracy; each variant records the precision
  the classifier ran (``precision``: ``auto`` resolves to ``bf16`` or ``fp32``,
  also as ``infer_auto_precision``).
- ``peak_rss_mb_after_first_inference``: the process peak after training and the
  first (fp32) inference variant, the figure comparable with PyABSA's peak;
  ``peak_rss_mb`` also covers the further variants.
- ``train_tokens``, ``train_gflops_per_s``: tokens actually processed (each batch
  padded to its longest sequence) and the achieved training GFLOP/s, from
  6 x matmul parameters x tokens (forward + backward of a dense model) over the
  optimizer-step time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --precision → the `hf-absa train` flags: auto passes none (the library decides), the others force it.
PRECISION_FLAGS = {"auto": [], "bf16": ["--bf16", "true"], "fp32": ["--bf16", "false"]}
PRECISION_CHOICES = tuple(PRECISION_FLAGS)


def precision_flags(precision: str) -> list[str]:
    """The ``hf-absa train`` flags of ``--precision``.

    >>> precision_flags("auto"), precision_flags("fp32")
    ([], ['--bf16', 'false'])
    """
    return list(PRECISION_FLAGS[precision])


def add_precision_arguments(parser: argparse.ArgumentParser) -> None:
    """``--precision {auto,bf16,fp32}`` (see `precision_flags`) and ``--bf16``, its alias for bf16."""
    parser.add_argument(
        "--precision", choices=PRECISION_CHOICES, default="auto",
        help="training precision: auto (hf_absa's default, decided from the hardware; no flag passed), bf16 "
        "(--bf16 true) or fp32 (--bf16 false); the JSON records what the run actually used",
    )
    parser.add_argument("--bf16", dest="precision", action="store_const", const="bf16",
                        help="alias of --precision bf16 (kept for the commands recorded in BENCHMARKS.md)")


def run_precision(output_dir: Path, metrics: dict | None = None) -> dict:
    """``{"precision": ..., "precision_source": ...}`` the run in ``output_dir`` actually used, from its
    ``all_results.json`` (``metrics``, the same figures in memory, when the file is missing); None when neither
    records them."""
    results = {}
    path = Path(output_dir) / "all_results.json"
    if path.is_file():
        results = json.loads(path.read_text(encoding="utf-8"))
    results = results or metrics or {}
    return {"precision": results.get("precision"), "precision_source": results.get("precision_source")}


def time_predict(classifier, test, repeats: int, warm_up: bool = False) -> tuple[float, list]:
    """(median wall seconds of ``repeats`` ``classifier.predict(test)`` passes, the last pass's labels).

    Featurisation is inside each pass, loading outside; ``warm_up`` runs one untimed pass first (torch.compile
    compiles there). `compare_defaults.py` times default inference with this function too.
    """
    if warm_up:
        classifier.predict(test)
    timings, predicted = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        predicted = classifier.predict(test)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), predicted["pred_label"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="bert_spc", help="hf_absa architecture (bert_spc, fast_lcf_bert, ...)")
    parser.add_argument("--ensemble-models", nargs="+", default=None,
                        help="the members of --model ensemble (hf-absa train --ensemble_models)")
    parser.add_argument("--dataset", default="laptop14", help="registered dataset name")
    parser.add_argument("--data-dir", required=True, help="folder laid out like ABSADatasets")
    parser.add_argument("--backbone", default=None, help="backbone folder (default: bundled all-MiniLM-L6-v2)")
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq-len", type=int, default=80)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--protocol", choices=["pyabsa", "clean"], default="pyabsa",
        help="pyabsa: PyABSA's set-up (all of train, test evaluated once per epoch, maximum and final model "
        "reported); clean: a stratified tenth of train held out, evaluated every --eval-steps, the best model "
        "on it tested once",
    )
    parser.add_argument("--eval-steps", type=float, default=0.1,
                        help="clean protocol: validate every N steps (<1: fraction)")
    add_precision_arguments(parser)
    parser.add_argument("--torch-compile", action="store_true", help="torch.compile the model for training")
    parser.add_argument("--group-by-length", action="store_true", help="length-grouped training batches")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--infer-batch-size", type=int, default=32)
    parser.add_argument("--infer-repeats", type=int, default=3)
    parser.add_argument("--infer-precisions", nargs="*", default=["fp32", "fp32+compile", "bf16", "int8", "auto"],
                        help="inference variants: fp32, bf16, int8 or auto (SentimentClassifier's default, reported "
                        "with what it resolved to), '+compile' adds torch.compile; none: no inference timing")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more `hf-absa train` flags")
    return parser.parse_args(argv)


def train_flags(args: argparse.Namespace, output_dir: Path) -> list[str]:
    """The ``hf-absa train`` flags of one run (``--extra`` last, so that they win)."""
    flags = [
        "--dataset", args.dataset, "--data_dir", args.data_dir, "--architecture", args.model,
        "--max_seq_len", str(args.max_seq_len), "--num_train_epochs", str(args.epochs),
        "--per_device_train_batch_size", str(args.batch_size), "--learning_rate", str(args.learning_rate),
        "--seed", str(args.seed), "--output_dir", str(output_dir), "--save_mode", "1",
        "--disable_tqdm", "true", "--dataloader_num_workers", "0", "--use_cpu",
    ]
    if args.protocol == "pyabsa":
        flags += ["--validation_fraction", "0", "--report_max_test", "true", "--eval_strategy", "epoch",
                  "--save_strategy", "no", "--load_best_model_at_end", "false"]
    else:
        flags += ["--eval_steps", str(args.eval_steps)]
    if args.ensemble_models:
        flags += ["--ensemble_models", *args.ensemble_models]
    if args.backbone:
        flags += ["--backbone", args.backbone]
    flags += precision_flags(args.precision)
    if args.torch_compile:
        flags += ["--torch_compile", "true"]
    if args.group_by_length:
        flags += ["--train_sampling_strategy", "group_by_length"]
    return flags + list(args.extra)


def main(argv=None) -> dict:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from hf_absa.commands.train import parse
    from hf_absa.inference import SentimentClassifier
    from hf_absa.training.apc import load_training_data, prepare_apc_setup
    from hf_absa.training.workflow import fit_and_evaluate
    from step_timer import StepTimer

    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _, model_args, data_args, training_args = parse(train_flags(args, out_dir / "run"))

    started = time.perf_counter()
    raw = load_training_data(data_args)
    setup = prepare_apc_setup(model_args, raw, training_args, data_args.dataset)
    data_prep_s = time.perf_counter() - started
    timer = StepTimer()
    metrics, trainer = fit_and_evaluate(setup, training_args, callbacks=[timer])
    train_wall = metrics["train_runtime"]
    train_examples = trainer.state.num_train_epochs * len(trainer.train_dataset)

    lengths = [len(ids) for ids in trainer.train_dataset["input_ids"]]
    # FLOPs of a dense transformer step ~ 6 x (matmul parameters) x tokens; embedding tables are lookups,
    # and the attention-score terms (quadratic in the ~30-token lengths) are left out.
    matmul_parameters = sum(p.numel() for n, p in trainer.model.named_parameters() if "embeddings" not in n)

    result = {
        "library": "hf_absa",
        "model": model_args.apc_model,
        **({"ensemble_models": model_args.ensemble_models} if model_args.ensemble_models else {}),
        "dataset": args.dataset,
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "max_seq_len": args.max_seq_len,
        "learning_rate": args.learning_rate,
        "precision_requested": args.precision,
        **run_precision(out_dir / "run", metrics),
        "torch_compile": args.torch_compile,
        "group_by_length": args.group_by_length,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.platform(),
        "train_examples": len(trainer.train_dataset),
        "data_prep_s": round(data_prep_s, 3),
        "train_wall_s": round(train_wall, 3),
        "train_steps_s": round(timer.seconds, 3),
        "train_examples_per_s": round(train_examples / train_wall, 3),
        "train_examples_per_s_excl_eval_save": round(train_examples / timer.seconds, 3),
        "protocol": args.protocol,
        "extra_train_flags": args.extra,
        "n_evals_during_training": sum(
            1 for log in trainer.state.log_history if any(key.endswith("_runtime") and key.startswith("eval")
                                                          for key in log)
        ),
        "epochs_run": round(trainer.state.epoch, 3),  # below "epochs" when early stopping ended the run
        "test_acc": metrics.get("test_accuracy"),
        "test_macro_f1": metrics.get("test_f1"),
        "max_test_acc": metrics.get("max_test_accuracy"),
        "max_test_macro_f1": metrics.get("max_test_f1"),
        "validation_acc": metrics.get("eval_accuracy"),
        "matmul_parameters": matmul_parameters,
        "train_tokens": timer.tokens,
        "mean_train_length": round(sum(lengths) / len(lengths), 2),
        "train_gflops_per_s": round(6 * matmul_parameters * timer.tokens / timer.seconds / 1e9, 2),
        "peak_rss_mb_after_train": round(peak_rss_mb(), 1),
    }
    result["bf16"] = result["precision"] == "bf16"  # what ran (older results: what was asked, fp32 unless --bf16)

    # Inference on the test split, from the saved checkpoint, per precision variant. The training objects
    # go first: PyABSA's figure is likewise the process peak over training and then inference.
    del trainer, setup
    gc.collect()
    test = raw["test"]
    checkpoint = str(out_dir / "run")
    reference = None
    inference = {}
    for variant in args.infer_precisions:
        precision, _, compiled = variant.partition("+")
        classifier = SentimentClassifier.from_pretrained(
            checkpoint, device="cpu", precision=precision, compile=compiled == "compile",
            batch_size=args.infer_batch_size,
        )
        # compilation happens on the first pass; time the compiled passes
        wall, labels = time_predict(classifier, test, args.infer_repeats, warm_up=bool(compiled))
        reference = reference or labels
        accuracy = sum(p == g for p, g in zip(labels, test["label"])) / len(labels)
        inference[variant] = {
            "examples_per_s": round(len(test) / wall, 2),
            "accuracy": round(accuracy, 6),
            # the share equal to the first variant's predictions (fp32's in the default list)
            "same_as_fp32": round(sum(a == b for a, b in zip(labels, reference)) / len(labels), 6),
            "precision": classifier.precision,  # what ran: "auto" resolved to "bf16" or "fp32"
            "precision_source": getattr(classifier, "precision_source", None),
        }
        key = variant.replace("+", "_")
        result[f"infer_{key}_examples_per_s"] = inference[variant]["examples_per_s"]
        result[f"infer_{key}_acc"] = inference[variant]["accuracy"]
        result[f"infer_{key}_precision"] = classifier.precision
        del classifier
        if "peak_rss_mb_after_first_inference" not in result:
            # The further variants (compiled, bf16, int8) are extra models in this process.
            result["peak_rss_mb_after_first_inference"] = round(peak_rss_mb(), 1)
    result["inference"] = inference
    if args.infer_precisions:
        result["infer_examples_per_s"] = inference[args.infer_precisions[0]]["examples_per_s"]
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    line = json.dumps(result)
    (out_dir / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(line)
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
