#!/usr/bin/env python3
"""hf_absa against PyABSA 2.4.2 trained to convergence: up to ``--max-epochs`` epochs, each side stopping as a user
would, test accuracy and macro-F1 under both protocols, epochs run and wall time. Resumable.

For every (dataset, model, seed), one after the other, each in a fresh process (never two at a time):

- PyABSA (``../shared/peer/pyabsa_apc.py`` in its own virtualenv): ``--max-epochs`` epochs with its own defaults:
  a test evaluation every ``--peer-log-step`` steps (its English default, 5) and its default patience (99999, so
  it never stops early); its "max test" figures are its protocol, its final model's test figures the clean row.
- hf_absa, clean protocol (``benchmarks/hf_absa_apc.py --protocol clean``): a stratified tenth of train held out,
  evaluated every ``--eval-steps`` of an epoch, early stopping after ``--patience`` evaluations without a better
  validation accuracy (``--early_stopping_patience``), the best model tested once.
- hf_absa, PyABSA's protocol (``--protocol pyabsa``): all of train, the test split evaluated every
  ``--peer-log-step`` steps as PyABSA does (``--hf-pyabsa-eval-steps`` another interval, 0: once per epoch), the
  maximum reported, ``--max-epochs`` epochs (no stopping: PyABSA's protocol has no held-out part to stop on).

Both sides train with PyABSA's optimisation (``PYABSA_OPTIMISATION``); batch 16, max_seq_len 80, lr 2e-5,
all-MiniLM-L6-v2. hf_absa trains in its default precision unless ``--precision``. A run whose JSON is in ``--out``
is not run again (an interrupted comparison resumes); ``--only pyabsa|hf_absa`` runs one side; the report
(``report.md``, ``summary.json``) covers every run in ``--out`` and says which configurations are incomplete.

    python benchmarks/compare_convergence.py --peer-venv PEER_VENV --out benchmarks/runs/convergence
    python benchmarks/compare_convergence.py --datasets laptop14 --models BERT_SPC --seeds 1 --out ...  # one run
    python benchmarks/compare_convergence.py --from-runs benchmarks/runs/convergence                    # re-render
    python benchmarks/compare_convergence.py --only hf_absa --hf-protocols clean --out benchmarks/runs/lr5e-5 \
        --hf-extra --learning_rate 5e-5                                                                  # a study

Wall time is each side's training phase as run (periodic evaluations and checkpoint saves included; model loading
and featurisation excluded): PyABSA's ``train_wall_s``, hf_absa's ``train_runtime``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from compare_pyabsa import (
    DATASETS,
    DEFAULT_MODELS,
    HERE,
    MODELS,
    PEER_DRIVER,
    PYABSA_OPTIMISATION,
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

# PyABSA's English APC default log_step (evaluate the test split every 5 optimisation steps).
PEER_LOG_STEP = 5

# (label, hf_absa run, hf_absa field, PyABSA field, overview column); see compare_pyabsa.summarise.
ROWS = [
    ("test acc, clean protocol (hf_absa: early-stopped on the held-out tenth, selected model tested once; "
     "PyABSA: its final model)", "clean", "test_acc", "last_eval_acc", "acc, clean"),
    ("test macro-F1, clean protocol", "clean", "test_macro_f1", "last_eval_macro_f1", "F1, clean"),
    ("test acc, PyABSA protocol (max over the test evaluations, both sides every log-step unless the run says)",
     "pyabsa", "max_test_acc", "test_acc", "acc, PyABSA protocol"),
    ("test macro-F1, PyABSA protocol", "pyabsa", "max_test_macro_f1", "test_macro_f1", "F1, PyABSA protocol"),
    ("epochs run (hf_absa: clean run, early stopping; PyABSA: its run)", "clean", "epochs_run", "epochs", None),
    ("training wall s (hf_absa: clean run; PyABSA: its run; ratio < 1: hf_absa took less time)", "clean",
     "train_wall_s", "train_wall_s", "wall time"),
    ("training wall s, hf_absa PyABSA-protocol run (all epochs)", "pyabsa", "train_wall_s", "train_wall_s", None),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--datasets", nargs="+", default=["laptop14", "restaurant14"], choices=sorted(DATASETS))
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--patience", type=int, default=5,
                        help="hf_absa's early stopping: validation evaluations without improvement")
    parser.add_argument("--eval-steps", type=float, default=0.1,
                        help="hf_absa's validation interval (fraction of an epoch; its default)")
    parser.add_argument("--peer-log-step", type=int, default=PEER_LOG_STEP,
                        help="PyABSA's log_step (test evaluation every N steps; its English default 5)")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="hf_absa's training precision (auto: the library default)")
    parser.add_argument("--only", choices=["pyabsa", "hf_absa"], default=None, help="run one side only")
    parser.add_argument("--hf-protocols", nargs="+", choices=["clean", "pyabsa"], default=["clean", "pyabsa"],
                        help="hf_absa's protocols to run (default both): clean (a tenth of train held out, early "
                        "stopping, the selected model tested once) and pyabsa (all of train, every epoch, the test "
                        "split evaluated periodically, its maximum reported); a defaults study needs only clean")
    parser.add_argument("--hf-pyabsa-eval-steps", type=int, default=None,
                        help="hf_absa's test interval under PyABSA's protocol, in steps (default: --peer-log-step, "
                        "PyABSA's own; 0: once per epoch); only for the pyabsa protocol")
    parser.add_argument("--hf-extra", nargs=argparse.REMAINDER, default=[],
                        help="last: more `hf-absa train` flags for hf_absa's runs, after (so overriding) PyABSA's "
                        "optimisation, e.g. --hf-extra --learning_rate 5e-5 (a defaults study: give it its own --out)")
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"))
    parser.add_argument("--peer-venv", default=str(REPO.parent / ".peer_venv"))
    parser.add_argument("--out", default=None, help="output folder (default benchmarks/runs/convergence); an "
                        "existing one resumes")
    parser.add_argument("--from-runs", default=None,
                        help="only re-render summary.json and report.md from FOLDER/runs.json")
    return parser.parse_args(argv)


def hf_command(args: argparse.Namespace, protocol: str, model: str, dataset: str, seed: int, out_dir: Path,
               data_dir: Path) -> list[str]:
    """``benchmarks/hf_absa_apc.py`` for one hf_absa run: ``protocol`` "clean" (early stopping on the held-out
    tenth) or "pyabsa" (all epochs, test evaluated every `pyabsa_eval_steps`); no inference timing."""
    command = [sys.executable, str(HERE / "hf_absa_apc.py"), "--model", model, "--dataset", dataset,
               "--data-dir", str(data_dir), "--out-dir", str(out_dir), "--protocol", protocol,
               "--precision", args.precision, "--epochs", str(args.max_epochs), "--batch-size", "16",
               "--max-seq-len", "80", "--seed", str(seed), "--learning-rate", "2e-5", "--infer-precisions"]
    if protocol == "clean":
        command += ["--eval-steps", str(args.eval_steps)]
    extra = list(PYABSA_OPTIMISATION)
    if protocol == "clean":
        extra += ["--early_stopping_patience", str(args.patience)]
    elif pyabsa_eval_steps(args):  # after hf_absa_apc.py's "--eval_strategy epoch", so that it wins
        extra += ["--eval_strategy", "steps", "--eval_steps", str(pyabsa_eval_steps(args))]
    return command + ["--extra", *extra, *args.hf_extra]


def pyabsa_eval_steps(args: argparse.Namespace) -> int:
    """hf_absa's test interval in steps under PyABSA's protocol (0: once per epoch)."""
    return args.peer_log_step if args.hf_pyabsa_eval_steps is None else args.hf_pyabsa_eval_steps


def peer_command(args: argparse.Namespace, peer_python: Path, backbone: Path, model: str, dataset_dir: Path,
                 seed: int, out_dir: Path) -> list[str]:
    """The peer driver for one PyABSA run: ``--max-epochs`` epochs, its log step, its default patience."""
    return [str(peer_python), str(PEER_DRIVER), "--model", model, "--dataset-dir", str(dataset_dir),
            "--backbone", str(backbone), "--log-step", str(args.peer_log_step), "--out-dir", str(out_dir),
            "--epochs", str(args.max_epochs), "--batch-size", "16", "--max-seq-len", "80", "--seed", str(seed),
            "--learning-rate", "2e-5"]


ALL_SIDES = ("pyabsa", "hf_absa clean", "hf_absa pyabsa")


def incomplete(runs: list[dict], sides: tuple[str, ...] = ALL_SIDES) -> list[str]:
    """The configurations (``dataset/model seed N``) that lack one of the runs of ``sides``.

    >>> incomplete([{"library": "pyabsa", "dataset": "d", "model": "m", "seed": 1},
    ...             {"library": "hf_absa", "protocol": "clean", "dataset": "d", "model": "m", "seed": 1}])
    ['d/m seed 1: no hf_absa pyabsa run']
    >>> incomplete([{"library": "hf_absa", "protocol": "clean", "dataset": "d", "model": "m", "seed": 1}],
    ...            sides=("hf_absa clean",))
    []
    """
    present_sides: dict[tuple, set] = {}
    for run in runs:
        side = "pyabsa" if run["library"] == "pyabsa" else f"hf_absa {run['protocol']}"
        present_sides.setdefault((run["dataset"], run["model"], run["seed"]), set()).add(side)
    missing = []
    for (dataset, model, seed), present in present_sides.items():
        for side in sides:
            if side not in present:
                missing.append(f"{dataset}/{model} seed {seed}: no {side} run")
    return missing


def requested_sides(args: argparse.Namespace) -> tuple[str, ...]:
    """The runs each configuration has in this invocation: PyABSA's and hf_absa's ``--hf-protocols``, or one side
    with ``--only``."""
    sides = () if args.only == "hf_absa" else ("pyabsa",)
    if args.only != "pyabsa":
        sides += tuple(f"hf_absa {protocol}" for protocol in args.hf_protocols)
    return sides


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.from_runs:
        folder = Path(args.from_runs)
        runs, meta = read_runs(folder)
        write_report(folder, runs, meta, ROWS)
        return
    out = output_folder(args.out, "convergence")
    data_dir = Path(args.data_dir).resolve()
    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv) if args.only != "hf_absa" else None
    backbone = minilm_in(venv) if peer_python else None
    runs_file = out / "runs.json"
    runs = json.loads(runs_file.read_text(encoding="utf-8")) if runs_file.exists() else []
    done = {(run["library"], run.get("protocol"), run["dataset"], run["model"], run["seed"]) for run in runs}

    def record(run: dict) -> None:
        key = (run["library"], run.get("protocol"), run["dataset"], run["model"], run["seed"])
        if key not in done:
            done.add(key)
            runs.append(run)
            runs_file.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")

    for dataset in args.datasets:
        for model in args.models:
            for seed in args.seeds:
                name = f"{dataset}-{MODELS[model]}-seed{seed}"
                if args.only != "hf_absa":
                    peer = cached_run(out / f"pyabsa-{name}.json",
                                      peer_command(args, peer_python, backbone, model, data_dir / DATASETS[dataset],
                                                   seed, out / f"pyabsa-{name}"),
                                      out / f"pyabsa-{name}.log", cwd=out)
                    record({**peer, "library": "pyabsa", "dataset": dataset, "model": MODELS[model], "seed": seed})
                if args.only == "pyabsa":
                    continue
                for protocol in args.hf_protocols:
                    ours = cached_run(out / f"hf_absa-{protocol}-{name}.json",
                                      hf_command(args, protocol, MODELS[model], dataset, seed,
                                                 out / f"hf_absa-{protocol}-{name}", data_dir),
                                      out / f"hf_absa-{protocol}-{name}.log")
                    record(ours)
    meta = {**run_meta("compare_convergence.py", argv), "incomplete": incomplete(runs, requested_sides(args))}
    write_report(out, runs, meta, ROWS)
    if meta["incomplete"]:
        with open(out / "report.md", "a", encoding="utf-8") as report:
            report.write("\nIncomplete (run the same command again to resume):\n\n"
                         + "".join(f"- {line}\n" for line in meta["incomplete"]))


if __name__ == "__main__":
    main()
