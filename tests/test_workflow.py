"""The training workflow end to end: train_classifier, data without a test split, the console."""

import json

import pytest

from apc_fixtures import synthetic_rows, write_apc_file
from hf_absa import SentimentClassifier, train_classifier
from hf_absa.cli import main


@pytest.fixture(scope="module")
def train_only_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train-only")
    write_apc_file(folder / "reviews.train.txt", synthetic_rows(48, seed=5))
    return folder


FAST = {"max_seq_len": 32, "max_steps": 4, "eval_steps": 2, "per_device_train_batch_size": 8, "use_cpu": True,
        "disable_tqdm": True}


def test_train_classifier_returns_a_ready_classifier(train_only_folder, tiny_backbone_dir, tmp_path):
    classifier = train_classifier(train_only_folder, output_dir=tmp_path / "run", model_name_or_path=str(tiny_backbone_dir),
                                  apc_model="fast_lcf_bert", seed=3, **FAST)
    assert isinstance(classifier, SentimentClassifier)
    assert classifier.model.config.apc_model == "fast_lcf_bert" and classifier.model.config.max_seq_len == 32
    result = classifier.predict("the [B-ASP]battery[E-ASP] is good")
    assert result["aspects"][0]["label"] in {"Negative", "Neutral", "Positive"}
    assert classifier.metrics["eval_accuracy"] == json.loads((tmp_path / "run" / "all_results.json").read_text())[
        "eval_accuracy"]


def test_train_classifier_refuses_unknown_settings(tmp_path):
    with pytest.raises(TypeError, match="learning_rat"):
        train_classifier("sample", output_dir=tmp_path, learning_rat=1e-3)


def test_data_without_a_test_split_says_so_everywhere(train_only_folder, tiny_backbone_dir, tmp_path, capsys):
    out = tmp_path / "run"
    flags = [f"--{name}={value}" for name, value in FAST.items()]
    code = main(["train", "--dataset", str(train_only_folder), "--backbone", str(tiny_backbone_dir), *flags,
                 "--output_dir", str(out)])
    captured = capsys.readouterr()
    stdout = captured.out
    assert code == 0, captured.err
    results = json.loads((out / "all_results.json").read_text())
    assert "eval_accuracy" in results and not any(key.startswith("test_") and key != "test_split" for key in results)
    assert "no test split" in results["test_split"]
    assert "Test: no test split was evaluated" in stdout
    card = (out / "README.md").read_text()
    assert "no test split was evaluated" in card and "test was evaluated once" not in card


def train_flags(folder, backbone, out, *more):
    flags = [f"--{name}={value}" for name, value in FAST.items()]
    return ["train", "--dataset", str(folder), "--backbone", str(backbone), *flags, "--output_dir", str(out), *more]


def test_export_mode_0_removes_the_best_model_checkpoints(train_only_folder, tiny_backbone_dir, tmp_path, capsys):
    """Metrics only: the checkpoints that served best-model selection (save_strategy best) go once the run is done."""
    out = tmp_path / "run"
    assert main(train_flags(train_only_folder, tiny_backbone_dir, out, "--export_mode", "0")) == 0, \
        capsys.readouterr().err
    assert json.loads((out / "trainer_state.json").read_text())["best_model_checkpoint"]  # there was one
    assert not list(out.glob("checkpoint-*")) and not (out / "model.safetensors").exists()
    results = json.loads((out / "all_results.json").read_text())
    assert "eval_accuracy" in results and "best_model_checkpoint" not in results  # names no removed folder


def test_export_mode_0_keeps_periodic_checkpoints(train_only_folder, tiny_backbone_dir, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(train_flags(train_only_folder, tiny_backbone_dir, out, "--save_mode", "0", "--save_strategy", "steps",
                            "--save_steps", "2"))
    assert code == 0, capsys.readouterr().err
    assert list(out.glob("checkpoint-*")), "periodic checkpoints are there to resume from"


def test_export_mode_0_keeps_the_checkpoints_of_a_failed_run(train_only_folder, tiny_backbone_dir, tmp_path,
                                                             monkeypatch):
    from hf_absa.training import workflow

    def fails_after_training(*args, **kwargs):
        raise RuntimeError("failed after training")

    monkeypatch.setattr(workflow, "max_test_metrics", fails_after_training)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="failed after training"):
        main(train_flags(train_only_folder, tiny_backbone_dir, out, "--export_mode", "0"))
    assert list(out.glob("checkpoint-*")), "a failed run keeps its checkpoints"


def test_remove_checkpoints_spares_the_folders_it_is_told_to_keep(tmp_path):
    from hf_absa.training import ABSATrainingArguments
    from hf_absa.training.checkpoints import remove_checkpoints, selection_only_checkpoints

    for name in ("checkpoint-2", "checkpoint-10", "checkpoint-x", "other"):
        (tmp_path / name).mkdir()
    assert remove_checkpoints(tmp_path, keep={"checkpoint-2"}) == ["checkpoint-10"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["checkpoint-2", "checkpoint-x", "other"]

    def arguments(**settings):
        return ABSATrainingArguments(output_dir=str(tmp_path), use_cpu=True, **settings)

    assert selection_only_checkpoints(arguments(export_mode=0))  # save_strategy best is the default
    assert not selection_only_checkpoints(arguments(export_mode=1))
    assert not selection_only_checkpoints(arguments(export_mode=0, save_strategy="epoch", eval_strategy="epoch"))
