#!/usr/bin/env python3
"""The numbers a user gets without flags: `hf-absa train` and default inference against PyABSA 2.4.2's defaults.

The claims checked: "`hf-absa train` with default flags reaches >= 3x PyABSA's default training examples/s on
this machine (same run, same data and hyper-parameters), counting everything a user waits for (featurisation,
evaluations, best-model saves)" and "default inference (SentimentClassifier) >= 5x PyABSA's batch_predict without
flags".

For every (dataset, model, seed), one after the other (never at the same time), each in a fresh process:

- PyABSA (``../shared/peer/pyabsa_apc.py`` in its own virtualenv, ``--peer-venv``): batch 16, max_seq_len 80,
  learning rate 2e-5, ``--epochs``, ``--log-step -1`` (one test evaluation per epoch). PyABSA's true English
  default is ``log_step`` 5, an evaluation every 5 steps, about 2.7x slower on Laptop14
  (../shared/peer/README.md): one per epoch is PyABSA's fastest set-up, so the training ratio here is the
  conservative one. Reported: ``train_examples_per_s`` as run (its training phase, evaluations and checkpoint
  saves included; model loading and data preparation outside), ``script_wall_s`` (its whole script) and
  ``infer_examples_per_s`` (``batch_predict`` over the test set, batch 32, median of 3 passes, loading outside).
- hf_absa: the real CLI, ``python -m hf_absa train --dataset D --data_dir DIR --architecture M --seed S
  --num_train_epochs E --max_seq_len 80 --output_dir X`` and no other flag (`HF_TRAIN_FLAGS`; batch 16 and
  learning rate 2e-5 are the defaults, checked in the run's ``training_args.json``). Timed from process start to
  exit: imports, featurisation, training with its validation evaluations and best-model saves, the final test
  evaluation, the export. ``train_examples_per_s_process`` = examples trained on x epochs / that wall time (the
  examples trained on: train minus the tenth hf_absa holds out for selection, by default);
  ``train_examples_per_s_trainer`` the same over the trainer's ``train_runtime`` (its evaluations and saves
  included, featurisation and export not). ``precision`` / ``precision_source``: what the run used and how it
  was decided (``all_results.json``). ``test_acc`` / ``test_macro_f1``: the model selected on the held-out part,
  tested once (the clean protocol); PyABSA's side is its final model (``last_eval_*``; with one epoch and
  ``--log-step -1`` the only evaluation).
- hf_absa default inference: a fresh process, ``SentimentClassifier.from_pretrained(X)`` with no precision,
  device or batch-size argument (batch 32 is the default), ``predict`` over the test split, timed as
  ``benchmarks/hf_absa_apc.py`` does (`hf_absa_apc.time_predict`: median of 3 passes, featurisation inside,
  loading outside); ``infer_precision`` is what precision "auto" resolved to.

Ratios are hf_absa / PyABSA per configuration: ``ratio_of_means`` (the mean over seeds of each side) and
``mean_of_ratios`` (per seed, then averaged; with ``min``/``max``), against the targets (3x training, 5x
inference). Accuracy: mean ± std over seeds, both sides. Every run's JSON is kept in ``--out`` and reused when
there (``pyabsa-*.json``, ``hf_absa-train-*.json``, ``hf_absa-predict-*.json``: an interrupted comparison resumes;
``hf_absa-*.json`` merges hf_absa's two); ``runs.json``, ``summary.json`` and ``report.md`` are written there.

    python benchmarks/compare_defaults.py --quick --out benchmarks/runs/defaults-quick   # laptop14, bert_spc, seed 1
    python benchmarks/compare_defaults.py --out benchmarks/runs/defaults                 # 2 datasets x seeds 1 2 3
    python benchmarks/compare_defaults.py --from-runs benchmarks/runs/defaults           # re-render the report
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from compare_pyabsa import (
    DATASETS,
    SHARED,
    cached_run,
    markdown,
    mean_std,
    minilm_in,
    output_folder,
    peer_venv_python,
    read_runs,
    run_meta,
    summarise,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEER_DRIVER = SHARED / "peer" / "pyabsa_apc.py"

# hf_absa's architecture -> PyABSA's model name.
MODELS = {"bert_spc": "BERT_SPC", "fast_lcf_bert": "FAST_LCF_BERT", "fast_lsa_t_v2": "FAST_LSA_T_V2"}
# The shared hyper-parameters: PyABSA gets them as flags, hf_absa only max_seq_len (and epochs, seed); batch size
# and learning rate are its defaults, which `check_training_args` confirms in every run.
BATCH_SIZE, MAX_SEQ_LEN, LEARNING_RATE = 16, 80, 2e-5
# The only flags the hf_absa training command may carry: what the run is (data, architecture, seed, epochs,
# the shared max_seq_len) and where it goes. Anything else would no longer be "the defaults".
HF_TRAIN_FLAGS = ("--dataset", "--data_dir", "--architecture", "--seed", "--num_train_epochs", "--max_seq_len",
                  "--output_dir")
TARGETS = {"train": 3.0, "infer": 5.0}

# (label, hf_absa side, hf_absa field, PyABSA field, overview column); see compare_pyabsa.summarise.
ROWS = [
    ("train ex/s, whole process (hf_absa: `hf-absa train` start to exit; PyABSA: its training phase as run, "
     "evaluations and saves included)", "defaults", "train_examples_per_s_process", "train_examples_per_s",
     "train, whole process"),
    ("train ex/s, whole process on both sides (hf_absa: as above; PyABSA: its imports plus its APCTrainer from "
     "construction to return: data preparation, model loading, training, evaluations, saves)", "defaults",
     "train_examples_per_s_process", "train_examples_per_s_process", "train, both whole"),
    ("train ex/s (hf_absa: trainer's train_runtime; PyABSA: as run)", "defaults", "train_examples_per_s_trainer",
     "train_examples_per_s", "train, trainer runtime"),
    ("whole script wall s (hf_absa: `hf-absa train` process; PyABSA: its driver script, inference included)",
     "defaults", "process_wall_s", "script_wall_s", None),
    ("inference ex/s (test split, batch 32; hf_absa: SentimentClassifier defaults; PyABSA: batch_predict)",
     "defaults", "infer_examples_per_s", "infer_examples_per_s", "inference, defaults"),
    ("test acc (hf_absa: selected on the held-out tenth, tested once; PyABSA: final model)", "defaults",
     "test_acc", "last_eval_acc", "acc"),
    ("test macro-F1 (same models)", "defaults", "test_macro_f1", "last_eval_macro_f1", "F1"),
]
# The headline ratios: (summary name, hf_absa field, PyABSA field, target key).
HEADLINE = [
    ("train", "train_examples_per_s_process", "train_examples_per_s", "train"),
    ("infer", "infer_examples_per_s", "infer_examples_per_s", "infer"),
]


def with_process_rate(peer: dict) -> dict:
    """PyABSA's run with ``train_examples_per_s_process``: examples x epochs over what its user waits for in
    training, its imports (``import_s``) plus its ``APCTrainer(...)`` call (``trainer_total_s``: data preparation,
    model loading, training with its evaluations and saves); the driver's own set-up and the inference after it
    are left out. None when the run lacks either field."""
    waited = (peer.get("import_s") or 0) + (peer.get("trainer_total_s") or 0)
    examples = (peer.get("train_examples") or 0) * (peer.get("epochs") or 0)
    rate = round(examples / waited, 3) if peer.get("trainer_total_s") and examples else None
    return {**peer, "train_examples_per_s_process": rate}


def hf_train_command(dataset: str, data_dir: str | Path, model: str, seed: int, epochs: float,
                     output_dir: str | Path) -> list[str]:
    """The `hf-absa train` command of one run: `HF_TRAIN_FLAGS` only, everything else the library's default."""
    return [sys.executable, "-m", "hf_absa", "train", "--dataset", dataset, "--data_dir", str(data_dir),
            "--architecture", model, "--seed", str(seed), "--num_train_epochs", f"{epochs:g}",
            "--max_seq_len", str(MAX_SEQ_LEN), "--output_dir", str(output_dir)]


def peer_command(peer_python: Path, model: str, dataset_dir: Path, backbone: Path, seed: int, epochs: int,
                 out_dir: Path) -> list[str]:
    """PyABSA's run: the shared hyper-parameters and one test evaluation per epoch (``--log-step -1``)."""
    return [str(peer_python), str(PEER_DRIVER), "--model", MODELS[model], "--dataset-dir", str(dataset_dir),
            "--backbone", str(backbone), "--epochs", str(epochs), "--batch-size", str(BATCH_SIZE),
            "--max-seq-len", str(MAX_SEQ_LEN), "--learning-rate", str(LEARNING_RATE), "--seed", str(seed),
            "--log-step", "-1", "--out-dir", str(out_dir)]


def check_training_args(values: dict) -> None:
    """SystemExit unless the run trained with the shared batch size and learning rate (``training_args.json``)."""
    found = (values.get("per_device_train_batch_size"), values.get("learning_rate"))
    if found != (BATCH_SIZE, LEARNING_RATE):
        raise SystemExit(f"hf_absa's defaults are no longer batch {BATCH_SIZE}, learning rate {LEARNING_RATE}: "
                         f"the run used {found}; the comparison's hyper-parameters differ")


def train_record(output_dir: Path, wall_s: float, epochs: float) -> dict:
    """hf_absa's training figures from a finished run in ``output_dir`` timed at ``wall_s`` (process start to
    exit). The examples trained on come from the stock ``train_samples_per_second x train_runtime`` (= examples
    x epochs, rounded)."""
    results = json.loads((output_dir / "all_results.json").read_text(encoding="utf-8"))
    arguments = json.loads((output_dir / "training_args.json").read_text(encoding="utf-8"))
    check_training_args(arguments)
    runtime = results["train_runtime"]
    examples_x_epochs = round(results["train_samples_per_second"] * runtime)
    return {
        "train_examples": round(examples_x_epochs / epochs),
        "process_wall_s": round(wall_s, 3),
        "train_runtime_s": runtime,
        "train_examples_per_s_process": round(examples_x_epochs / wall_s, 3),
        "train_examples_per_s_trainer": round(examples_x_epochs / runtime, 3),
        "precision": results.get("precision"),
        "precision_source": results.get("precision_source"),
        "batch_size": arguments["per_device_train_batch_size"],
        "learning_rate": arguments["learning_rate"],
        "max_seq_len": MAX_SEQ_LEN,
        "test_acc": results.get("test_accuracy"),
        "test_macro_f1": results.get("test_f1"),
        "validation_acc": results.get("eval_accuracy"),
    }


def hf_env() -> dict:
    """The environment of hf_absa's processes: offline, and this checkout's hf_absa first on the path (the
    benchmark measures this code, whatever else is installed). PyABSA's runs keep the caller's environment."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return env


def run_hf_train(command: list[str], output_dir: Path, log: Path, epochs: float) -> dict:
    """Run the training ``command`` timed from process start to exit; its figures (`train_record`)."""
    with open(log, "w", encoding="utf-8") as out:
        started = time.perf_counter()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=hf_env(), cwd=REPO)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n  see {log}")
    return {**train_record(output_dir, wall, epochs), "command": " ".join(command[1:])}


def run_infer_worker(checkpoint: Path, dataset: str, data_dir: Path, repeats: int, result: Path, log: Path) -> dict:
    """Default inference of ``checkpoint`` in a fresh process (`infer_worker`); its JSON, kept at ``result`` and
    reused from there."""
    if result.exists():
        return json.loads(result.read_text(encoding="utf-8"))
    command = [sys.executable, str(Path(__file__).resolve()), "--infer-worker", str(checkpoint), "--dataset",
               dataset, "--data-dir", str(data_dir), "--infer-repeats", str(repeats)]
    with open(log, "w", encoding="utf-8") as err:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=err, text=True, env=hf_env(), cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n  see {log}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    result.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def infer_worker(checkpoint: str, dataset: str, data_dir: str, repeats: int) -> dict:
    """Default inference, in this (fresh) process: ``SentimentClassifier.from_pretrained(checkpoint)`` with no
    precision, device or batch size, timed over the dataset's test split as hf_absa_apc.py times it."""
    import tempfile

    from hf_absa.commands.train import parse
    from hf_absa.inference import SentimentClassifier
    from hf_absa.training.apc import load_training_data
    from hf_absa_apc import time_predict

    with tempfile.TemporaryDirectory() as scratch:
        _, _, data_args, _ = parse(["--dataset", dataset, "--data_dir", data_dir, "--output_dir", scratch])
        test = load_training_data(data_args)["test"]
    started = time.perf_counter()
    classifier = SentimentClassifier.from_pretrained(checkpoint)
    load_s = time.perf_counter() - started
    wall, labels = time_predict(classifier, test, repeats)
    return {
        "infer_examples": len(test),
        "infer_load_s": round(load_s, 3),
        "infer_wall_s": round(wall, 4),
        "infer_examples_per_s": round(len(test) / wall, 2),
        "infer_acc": round(sum(p == g for p, g in zip(labels, test["label"])) / len(labels), 6),
        "infer_batch_size": classifier.batch_size,
        "infer_precision": classifier.precision,
        "infer_precision_source": getattr(classifier, "precision_source", None),
        "infer_device": str(classifier.device),
    }


def seed_ratios(runs: list[dict]) -> dict:
    """Per configuration, the headline ratios (`HEADLINE`) seed by seed and over seeds, against `TARGETS`."""
    pairs = {}
    for run in runs:
        side = "pyabsa" if run["library"] == "pyabsa" else "hf_absa"
        pairs.setdefault(f"{run['dataset']}/{run['model']}", {}).setdefault(run["seed"], {})[side] = run
    result = {}
    for key, seeds in pairs.items():
        block = {}
        for name, hf_field, peer_field, target in HEADLINE:
            per_seed = {}
            for seed, sides in sorted(seeds.items()):
                hf, peer = (sides.get(side, {}).get(field) for side, field in (("hf_absa", hf_field),
                                                                              ("pyabsa", peer_field)))
                if hf is not None and peer:
                    per_seed[seed] = hf / peer
            hf_mean = mean_std([s["hf_absa"].get(hf_field) for s in seeds.values() if "hf_absa" in s])[0]
            peer_mean = mean_std([s["pyabsa"].get(peer_field) for s in seeds.values() if "pyabsa" in s])[0]
            ratios = list(per_seed.values())
            block[name] = {
                "per_seed": per_seed,
                "mean_of_ratios": statistics.mean(ratios) if ratios else None,
                "min": min(ratios) if ratios else None,
                "max": max(ratios) if ratios else None,
                "ratio_of_means": hf_mean / peer_mean if hf_mean is not None and peer_mean else None,
                "target": TARGETS[target],
                "meets_target": (statistics.mean(ratios) >= TARGETS[target]) if ratios else None,
            }
        hf_runs = [s["hf_absa"] for s in seeds.values() if "hf_absa" in s]
        block["precision"] = sorted({f"{r.get('precision')} ({r.get('precision_source')})" for r in hf_runs
                                     if r.get("precision")})
        block["infer_precision"] = sorted({f"{r.get('infer_precision')} ({r.get('infer_precision_source')})"
                                           for r in hf_runs if r.get("infer_precision")})
        result[key] = block
    return result


def headline(ratios: dict) -> list[str]:
    """The Markdown table of the two claims: ratio per configuration, target, met or not."""
    lines = ["| configuration | training ratio (mean of per-seed; min–max) | ≥ 3×? | inference ratio | ≥ 5×? "
             "| hf_absa precision (training; inference) |", "|---|---|---|---|---|---|"]
    for key, block in ratios.items():
        cells = []
        for name in ("train", "infer"):
            item = block[name]
            if item["mean_of_ratios"] is None:
                cells += ["–", "–"]
                continue
            cells += [f"{item['mean_of_ratios']:.2f}× ({item['min']:.2f}–{item['max']:.2f}; ratio of means "
                      f"{item['ratio_of_means']:.2f}×)", "yes" if item["meets_target"] else "**no**"]
        precision = f"{', '.join(block['precision']) or '–'}; {', '.join(block['infer_precision']) or '–'}"
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {precision} |")
    return lines


NOTES = [
    "Notes:",
    "",
    "- PyABSA ran with `--log-step -1` (one test evaluation per epoch), its fastest set-up; its true English default "
    "`log_step` 5 evaluates every 5 steps and trained about 2.7× slower on Laptop14 (../shared/peer/README.md), so "
    "the training ratio against PyABSA's real default would be higher: this is the conservative comparison.",
    "- hf_absa's training figure counts the whole `hf-absa train` process (imports, featurisation, training with its "
    "validation evaluations and best-model saves, the test evaluation, the export) and only the examples it trained "
    "on (train minus the held-out tenth); PyABSA's counts its training phase only (evaluations and saves included, "
    "model loading and data preparation not): both favour PyABSA.",
    "- Inference: test split, batch 32, median of 3 passes, featurisation inside, loading outside, each side in its "
    "own process; hf_absa's `SentimentClassifier.from_pretrained(checkpoint)` with no argument (precision \"auto\").",
    "- Accuracy: hf_absa's model is selected on its held-out tenth and tested once; PyABSA's is its final model.",
]


def render(out: Path, runs: list[dict], meta: dict) -> str:
    """Write ``summary.json`` and ``report.md`` of ``runs`` to ``out``; the report's text."""
    summary = summarise(runs, ROWS)
    ratios = seed_ratios(runs)
    (out / "summary.json").write_text(json.dumps({"meta": meta, "ratios": ratios, "summary": summary}, indent=2)
                                      + "\n", encoding="utf-8")
    report = "\n".join(["### Defaults: hf_absa without flags against PyABSA 2.4.2", "", *headline(ratios), "",
                        markdown(summary, meta, ROWS), *NOTES, ""])
    (out / "report.md").write_text(report, encoding="utf-8")
    return report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["laptop14", "restaurant14"], choices=sorted(DATASETS))
    parser.add_argument("--models", nargs="+", default=["bert_spc"], choices=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="laptop14, bert_spc, seed 1 only")
    parser.add_argument("--infer-repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"))
    parser.add_argument("--peer-venv", default=str(REPO.parent / "peer-venv"), help="PyABSA's virtualenv")
    parser.add_argument("--out", default=None,
                        help="output folder (default benchmarks/runs/defaults-<date>); an existing one resumes")
    parser.add_argument("--from-runs", default=None, metavar="FOLDER",
                        help="only re-render summary.json and report.md from FOLDER/runs.json")
    parser.add_argument("--infer-worker", default=None, metavar="CHECKPOINT", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", default=None, help=argparse.SUPPRESS)  # the worker's dataset
    args = parser.parse_args(argv)
    if args.infer_worker:
        print(json.dumps(infer_worker(args.infer_worker, args.dataset, args.data_dir, args.infer_repeats)))
        return
    if args.from_runs:
        folder = Path(args.from_runs)
        runs, meta = read_runs(folder)
        print(render(folder, runs, meta))
        return
    if args.quick:
        args.datasets, args.models, args.seeds = ["laptop14"], ["bert_spc"], [1]
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M")
    out = output_folder(args.out, f"defaults-{stamp}")
    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv)
    backbone = minilm_in(venv)
    data_dir = Path(args.data_dir).resolve()

    runs = []
    for dataset in args.datasets:
        for model in args.models:
            for seed in args.seeds:
                name = f"{dataset}-{model}-seed{seed}"
                fields = {"dataset": dataset, "model": model, "seed": seed}
                peer = cached_run(
                    out / f"pyabsa-{name}.json",
                    peer_command(peer_python, model, data_dir / DATASETS[dataset], backbone, seed, args.epochs,
                                 out / f"pyabsa-{name}"),
                    out / f"pyabsa-{name}.log", cwd=out, library="pyabsa", **fields,
                )
                peer = with_process_rate(peer)
                runs.append(peer)
                # Training and inference are kept apart, so that either resumes on its own.
                run_dir, train_path = out / f"hf_absa-{name}", out / f"hf_absa-train-{name}.json"
                if train_path.exists():
                    print(f"reusing {train_path}", file=sys.stderr)
                    trained = json.loads(train_path.read_text(encoding="utf-8"))
                else:
                    trained = run_hf_train(hf_train_command(dataset, data_dir, model, seed, args.epochs, run_dir),
                                           run_dir, out / f"hf_absa-{name}.log", args.epochs)
                    train_path.write_text(json.dumps(trained, indent=2) + "\n", encoding="utf-8")
                inferred = run_infer_worker(run_dir, dataset, data_dir, args.infer_repeats,
                                            out / f"hf_absa-predict-{name}.json", out / f"hf_absa-predict-{name}.log")
                ours = {**trained, **inferred, "library": "hf_absa", "protocol": "defaults", "epochs": args.epochs,
                        **fields}
                (out / f"hf_absa-{name}.json").write_text(json.dumps(ours, indent=2) + "\n", encoding="utf-8")
                runs.append(ours)
                print(f"{name}: train {ours['train_examples_per_s_process']:.1f} ex/s whole process "
                      f"({ours['precision']}, {ours['precision_source']}) vs PyABSA {peer['train_examples_per_s']:.1f};"
                      f" inference {ours['infer_examples_per_s']:.1f} ({ours['infer_precision']}) vs "
                      f"{peer['infer_examples_per_s']:.1f} ex/s", file=sys.stderr)
                (out / "runs.json").write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")

    meta = run_meta("compare_defaults.py", argv)
    print(render(out, runs, meta))


if __name__ == "__main__":
    main()
