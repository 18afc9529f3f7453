"""The prepared benchmark scripts still run (a smoke check: no figure is asserted here)."""

import json
import subprocess
import sys

from conftest import REPO_ROOT


def test_gpu_throughput_script_runs_in_smoke_mode_on_cpu(tmp_path):
    out = tmp_path / "gpu.json"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "gpu_throughput.py"), "--device", "cpu", "--smoke",
         "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    run = result["runs"][0]
    assert result["device"] == "cpu" and run["train_steps_measured"] == 3
    assert run["train_examples_per_s_bf16"] > 0 and run["infer_examples_per_s_bf16"] > 0


def test_compare_pyabsa_report_formats_ratios_and_point_differences():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_pyabsa import markdown, summarise

    runs = [
        {"library": "hf_absa", "protocol": protocol, "dataset": "laptop14", "model": "bert_spc", "seed": s,
         "train_examples_per_s_excl_eval_save": 40.0 + s, "test_acc": 0.70 + s / 100 + offset}
        for s in (1, 2) for protocol, offset in (("pyabsa", 0.0), ("clean", -0.05))
    ] + [
        {"library": "pyabsa", "dataset": "laptop14", "model": "bert_spc", "seed": s,
         "train_examples_per_s_excl_eval_save": 20.0, "last_eval_acc": 0.70}
        for s in (1, 2)
    ]
    summary = summarise(runs)
    rows = summary["laptop14/bert_spc"]["rows"]
    assert rows["train ex/s (optimizer steps only)"]["ratio"] == 41.5 / 20.0
    report = markdown(summary, {"date": "d", "cpu": "c", "cores": 2, "threads": 2, "command": "x"})
    assert "| train ex/s (optimizer steps only) | 41.5 ± 0.7 | 20.0 | 2.08× |" in report
    # The clean row reads the clean-protocol runs only.
    clean = next(line for line in report.splitlines() if line.startswith("| test acc, clean protocol"))
    assert clean.endswith("| 66.50 ± 0.71 | 70.00 | -3.50 pts |"), clean
    # The overview: one line per configuration with the ratios and the accuracy differences.
    overview = next(line for line in report.splitlines() if line.startswith("| laptop14/bert_spc |"))
    assert "| – | 2.08× |" in overview and overview.endswith("| -3.50 | – |"), overview


def test_scaling_table_reports_time_per_processed_token_and_padded_tokens():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import argparse

    import pytest
    from scaling import parse_point, table

    point = {"dataset": "mams", "max_seq_len": 256, "train_examples": 1000, "train_tokens": 40000,
             "train_steps_s": 20.0, "train_examples_per_s_excl_eval_save": 50.0, "peak_rss_mb_after_train": 1500.4}
    line = table([point]).splitlines()[-1]
    # points.json written before automatic precision: no "precision" field; "bf16" false meant fp32
    assert line == "| mams | 256 | 1,000 | 40,000 | 256,000 | 20.0 | 0.50 | 50.0 | 1500 | – |", line
    assert table([{**point, "bf16": False}]).endswith("| 1500 | fp32 |")
    assert table([{**point, "precision": "bf16", "precision_source": "auto"}]).endswith("| 1500 | bf16 (auto) |")
    assert parse_point("laptop14:128") == ("laptop14", 128)
    with pytest.raises(argparse.ArgumentTypeError, match="DATASET:MAX_SEQ_LEN"):
        parse_point("laptop14-128")


# --- precision in the benchmark drivers, and benchmarks/compare_defaults.py -------------------------------------


def test_hf_absa_apc_precision_option_keeps_bf16_as_an_alias_and_maps_to_train_flags():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from hf_absa_apc import parse_args, precision_flags

    base = ["--data-dir", "d", "--out-dir", "o"]
    assert parse_args(base).precision == "auto" and precision_flags("auto") == []  # the library decides
    assert parse_args(base + ["--bf16"]).precision == "bf16"  # the commands recorded in BENCHMARKS.md
    assert precision_flags(parse_args(base + ["--precision", "fp32"]).precision) == ["--bf16", "false"]
    assert precision_flags("bf16") == ["--bf16", "true"]
    assert "auto" in parse_args(base).infer_precisions


def test_old_comparison_results_still_render_and_new_ones_name_their_precision(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_pyabsa import main, markdown, summarise

    results = REPO_ROOT / "benchmarks" / "results"
    (tmp_path / "runs.json").write_text((results / "2026-11-26_full_runs.json").read_text())
    (tmp_path / "summary.json").write_text((results / "2026-11-26_full_summary.json").read_text())
    main(["--from-runs", str(tmp_path)])  # runs without the precision fields: "bf16" true meant --bf16
    report = (tmp_path / "report.md").read_text()
    assert "hf_absa training precision: pyabsa run: bf16 (flag)" in report
    run = {"library": "hf_absa", "protocol": "pyabsa", "dataset": "laptop14", "model": "bert_spc", "seed": 1,
           "precision": "bf16", "precision_source": "auto", "bf16": True, "infer_auto_precision": "bf16"}
    text = markdown(summarise([run]), {"date": "d", "cpu": "c", "cores": 2, "threads": 2, "command": "x"})
    assert "hf_absa training precision: pyabsa run: bf16 (auto). Inference precision=auto ran bf16." in text

