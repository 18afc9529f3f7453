"""`hf-absa train`: one-line errors with exit code 2, and a complete tiny run."""

import json
import os
import subprocess
import sys

import pytest

from apc_fixtures import synthetic_rows, write_apc_file
from hf_absa.cli import main


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tinyset")
    write_apc_file(folder / "tiny.train.txt", synthetic_rows(40, seed=1))
    write_apc_file(folder / "tiny.test.txt", synthetic_rows(16, seed=2))
    return folder


def run_main(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, *fragments):
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_flag(capsys):
    code, _, err = run_main(["train", "--no_such_flag", "1"], capsys)
    assert_one_line_error(code, err, "--no_such_flag")


def test_unknown_command(capsys):
    code, _, err = run_main(["fly"], capsys)
    assert_one_line_error(code, err, "unknown command 'fly'")


def test_bad_architecture(capsys, data_folder, tiny_backbone_dir, tmp_path):
    code, _, err = run_main(
        ["train", "--dataset", str(data_folder), "--backbone", str(tiny_backbone_dir), "--architecture", "lstm",
         "--output_dir", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "lstm")


def test_bad_training_argument_value(capsys, data_folder, tmp_path):
    code, _, err = run_main(["train", "--dataset", str(data_folder), "--save_mode", "7",
                             "--output_dir", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "save_mode")


def test_missing_dataset(capsys, tiny_backbone_dir, tmp_path):
    code, _, err = run_main(["train", "--dataset", str(tmp_path / "nowhere"), "--backbone", str(tiny_backbone_dir),
                             "--output_dir", str(tmp_path / "o")], capsys)
    assert_one_line_error(code, err, "nowhere")


def test_malformed_data_names_file_and_line(capsys, tiny_backbone_dir, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    # Line 5 is where an aspect line should be, but the file went out of step (a label line is missing).
    (folder / "broken.train.txt").write_text(
        "the $T$ is good\nbattery\nPositive\nthe $T$ is bad\nscreen\nthe $T$ is fine\nprice\nNeutral\nx\n"
    )
    code, _, err = run_main(["train", "--dataset", str(folder), "--backbone", str(tiny_backbone_dir),
                             "--output_dir", str(tmp_path / "o")], capsys)
    assert_one_line_error(code, err, "broken.train.txt:")


def test_train_writes_all_results(data_folder, tiny_backbone_dir, tmp_path):
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "hf_absa", "train", "--dataset", str(data_folder),
        "--backbone", str(tiny_backbone_dir), "--architecture", "fast_lcf_bert", "--max_seq_len", "32",
        "--num_train_epochs", "2", "--per_device_train_batch_size", "8", "--learning_rate", "1e-3",
        "--use_cpu", "--output_dir", str(out), "--save_mode", "1",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((out / "all_results.json").read_text())
    for key in ("test_accuracy", "test_f1", "train_samples_per_second", "eval_accuracy"):
        assert key in results, key
    assert 0.0 <= results["test_accuracy"] <= 1.0
    table = result.stdout[result.stdout.index("Results"):].splitlines()
    assert table[1].split() == ["metric", "validation", "test"]
    accuracy_row = next(line.split() for line in table if line.startswith("accuracy "))
    assert float(accuracy_row[2]) == pytest.approx(results["test_accuracy"], abs=1e-4)
    assert "{'loss'" not in result.stdout  # one bar per phase: the per-step log dicts stay in trainer_state.json
    assert (out / "model.safetensors").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["apc_model"] == "fast_lcf_bert" and config["max_seq_len"] == 32
    assert config["id2label"] == {"0": "Negative", "1": "Neutral", "2": "Positive"}


@pytest.mark.parametrize(
    "model_flags",
    [["--architecture", "bert_spc_v2", "--lsa", "true"], ["--apc_model", "lcf_bert", "--lcf", "fusion"],
     ["--architecture", "fast_lsa_t_v2", "--window", "l", "--lcf", "cdm"]],
    ids=["bert_spc_v2-lsa", "lcf_bert-fusion", "fast_lsa_t_v2-l-cdm"],
)
def test_every_architecture_trains_from_the_cli(model_flags, data_folder, tiny_backbone_dir, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run_main(
        ["train", "--dataset", str(data_folder), "--backbone", str(tiny_backbone_dir), *model_flags,
         "--max_steps", "4", "--eval_steps", "2", "--per_device_train_batch_size", "8", "--use_cpu",
         "--disable_tqdm", "true", "--output_dir", str(out)], capsys)
    assert code == 0, err
    config = json.loads((out / "config.json").read_text())
    assert config["apc_model"] == model_flags[1]
    assert "test_accuracy" in json.loads((out / "all_results.json").read_text())


def test_train_accepts_pyabsa_repetition_options(data_folder, tiny_backbone_dir, tmp_path, capsys):
    """PyABSA trains with cross_validate_fold and a list of seeds; `train` runs the experiment runner for them."""
    out = tmp_path / "cv"
    code, stdout, err = run_main(
        ["train", "--dataset", str(data_folder), "--backbone", str(tiny_backbone_dir), "--seeds", "1", "2",
         "--cross_validate_fold", "2", "--max_seq_len", "32", "--max_steps", "2", "--eval_steps", "1",
         "--per_device_train_batch_size", "16", "--save_mode", "0", "--use_cpu", "--disable_tqdm", "true",
         "--output_dir", str(out)], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cross_validate_fold"] == 2
    assert [run["seed"] for run in summary["runs"]] == [1, 2]
    assert all((out / run["output_dir"] / "fold-1" / "all_results.json").is_file() for run in summary["runs"])
    assert "| bert_spc | 2 |" in stdout


def test_internal_errors_keep_their_traceback(monkeypatch, capsys):
    """Only user errors become one line; a KeyError from a bug is not disguised as a usage error."""
    from hf_absa.commands import train

    def broken(argv):
        raise KeyError("internal")

    monkeypatch.setattr(train, "main", broken)
    with pytest.raises(KeyError):
        main(["train"])
    assert capsys.readouterr().err == ""


def test_value_errors_from_other_libraries_keep_their_traceback(monkeypatch):
    from hf_absa.commands import train

    def broken(argv):
        import json as library

        library.loads("{")  # a ValueError raised inside another library's code

    monkeypatch.setattr(train, "main", broken)
    with pytest.raises(ValueError):
        main(["train"])


def test_numeric_labels_need_a_label_map_flag(tiny_backbone_dir, tmp_path, capsys):
    folder = tmp_path / "numeric"
    folder.mkdir()
    rows = synthetic_rows(40, seed=3)
    numbers = {"Negative": "0", "Neutral": "1", "Positive": "2"}
    write_apc_file(folder / "n.train.txt", [{**row, "label": numbers[row["label"]]} for row in rows])
    flags = ["train", "--dataset", str(folder), "--backbone", str(tiny_backbone_dir), "--max_seq_len", "32",
             "--max_steps", "2", "--eval_steps", "1", "--use_cpu", "--disable_tqdm", "true",
             "--output_dir", str(tmp_path / "o")]
    code, _, err = run_main(flags, capsys)
    assert_one_line_error(code, err, "n.train.txt:", "--label_map")
    code, _, err = run_main(flags + ["--label_map", '{"0": "Negative", "1": "Neutral", "2": "Positive"}'], capsys)
    assert code == 0, err
    config = json.loads((tmp_path / "o" / "config.json").read_text())
    assert sorted(config["label2id"]) == ["Negative", "Neutral", "Positive"]


def test_label_map_flag_must_be_json(capsys, tmp_path):
    code, _, err = run_main(["train", "--label_map", "0=Negative", "--output_dir", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "--label_map", "JSON")


def test_drop_labels_flag_leaves_a_class_out(tiny_backbone_dir, tmp_path, capsys, caplog):
    folder = tmp_path / "conflict"
    folder.mkdir()
    rows = synthetic_rows(40, seed=4)
    rows[:5] = [{**row, "label": "conflict"} for row in rows[:5]]
    write_apc_file(folder / "c.train.txt", rows)
    code, _, err = run_main(
        ["train", "--dataset", str(folder), "--backbone", str(tiny_backbone_dir), "--drop_labels", "Conflict",
         "--max_seq_len", "32", "--max_steps", "2", "--eval_steps", "1", "--use_cpu", "--disable_tqdm", "true",
         "--output_dir", str(tmp_path / "o")], capsys)
    assert code == 0, err
    config = json.loads((tmp_path / "o" / "config.json").read_text())
    assert sorted(config["label2id"]) == ["Negative", "Neutral", "Positive"]
    assert "5" in caplog.text and "Conflict" in caplog.text  # the count dropped is reported


def test_experiment_takes_the_task_flag(capsys, tmp_path):
    """`--task` selects the flags of `experiment` as of `train` (an unknown dataset is the first error here)."""
    code, _, err = run_main(["experiment", "--task", "atepc", "--seeds", "1", "--dataset", str(tmp_path / "none"),
                             "--output_dir", str(tmp_path / "o")], capsys)
    assert_one_line_error(code, err, "none")
    assert "not used" not in err


def help_entry(help_text, flag):
    """The help of ``flag`` in an argparse --help text, on one line (wrapping undone)."""
    lines = help_text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.strip().startswith(flag + " "))
    end = next((index for index in range(start + 1, len(lines)) if lines[index].startswith("  -")
                or not lines[index].strip()), len(lines))
    return " ".join(" ".join(lines[start:end]).split())


def test_train_help_states_the_real_defaults(capsys):
    """Fields that default to None and are resolved later show the default they resolve to, not None."""
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    expected = {"--export_mode": "(default: 1)", "--save_mode": "(default: --export_mode's, 1)",
                "--early_stopping_patience": "(default: off, train to the end)",
                "--patience": "(default: off, train to the end)"}
    for flag, default in expected.items():
        entry = help_entry(out, flag)
        assert default in entry and "(default: None)" not in entry, entry
    assert "(default: 2e-05)" in help_entry(out, "--learning_rate")  # defaults that are values still shown


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--task", "atepc", "--eta_lr", "0.1"], "--eta_lr is an APC flag; --task atepc does not take it"),
        (["train", "--task=atepc", "--window=l"], "--window is an APC flag; --task atepc does not take it"),
        (["train", "--tag_head_learning_rate", "1e-3"],
         "--tag_head_learning_rate is an ATEPC flag; --task apc (the default) does not take it"),
        (["experiment", "--task", "apc", "--atepc_model", "lcf_atepc"],
         "--atepc_model is an ATEPC flag; --task apc does not take it"),
    ],
)
def test_a_flag_of_the_other_task_is_named_as_such(argv, message, capsys, tmp_path):
    code, _, err = run_main([*argv, "--output_dir", str(tmp_path)], capsys)
    assert_one_line_error(code, err, message)
