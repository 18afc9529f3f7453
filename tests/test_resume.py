"""Interruption and resume: staged checkpoints, ``--resume_from_checkpoint latest``, kill -9 at any point."""

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from apc_fixtures import build_features, build_model, synthetic_rows, write_apc_dataset_folder
from hf_absa.training import APCTrainer, APCTrainingArguments
from hf_absa.training.checkpoints import (
    PARTIAL_CHECKPOINTS_DIR,
    is_complete_checkpoint,
    latest_checkpoint,
    resolve_resume_from_checkpoint,
)

LABELS = ["Negative", "Neutral", "Positive"]

# Runs `hf-absa train` and SIGKILLs itself at step HF_ABSA_TEST_KILL_STEP: mid-epoch, before that step's
# successor ("step"), or half-way through writing checkpoint-<step> ("checkpoint": weights and optimizer
# written, RNG state and trainer state not). SIGKILL runs no cleanup, exactly like `kill -9`.
KILLABLE_TRAIN = r"""
import os, signal, sys
from hf_absa.training.trainer import APCTrainer

kill_step = int(os.environ.get("HF_ABSA_TEST_KILL_STEP", "-1"))
hook = {"step": "training_step", "checkpoint": "_save_rng_state"}.get(os.environ.get("HF_ABSA_TEST_KILL_IN"))
if hook:
    original = getattr(APCTrainer, hook)

    def killing(self, *args, **kwargs):
        if self.state.global_step == kill_step:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, *args, **kwargs)

    setattr(APCTrainer, hook, killing)
from hf_absa.cli import main
sys.exit(main(sys.argv[1:]))
"""


def train_command(data_dir, backbone, output_dir, *extra):
    # 48 examples / batch 8 = 6 steps per epoch, 3 epochs; checkpoints every 4 steps fall mid-epoch (4, 8, 16)
    # and on an epoch boundary (12).
    return [
        sys.executable, "-c", KILLABLE_TRAIN, "train", "--dataset", str(data_dir), "--backbone", str(backbone),
        "--architecture", "bert_spc", "--max_seq_len", "40", "--num_train_epochs", "3", "--per_device_train_batch_size", "8",
        "--learning_rate", "1e-3", "--eval_steps", "4", "--save_strategy", "steps", "--save_steps", "4",
        # the validation loss falls at every evaluation here, so the last checkpoint (trained across every
        # interruption) is the one selected and exported
        "--metric_for_best_model", "loss", "--greater_is_better", "false",
        "--seed", "3", "--use_cpu", "--bf16", "false",  # exact figures: fp32 whatever the CPU's bf16 support
        "--disable_tqdm", "true", "--dataloader_num_workers", "0",
        "--report_to", "none", "--output_dir", str(output_dir), *extra,
    ]


def run_training(command, kill_in=None, kill_step=None):
    env = dict(os.environ, HF_ABSA_TEST_KILL_IN=kill_in or "", HF_ABSA_TEST_KILL_STEP=str(kill_step or -1))
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def final_results(output_dir):
    results = json.loads((output_dir / "all_results.json").read_text())
    metrics = {k: v for k, v in results.items() if k.startswith(("eval_", "test_")) and "runtime" not in k
               and "per_second" not in k}
    return metrics, load_file(output_dir / "model.safetensors")


@pytest.mark.slow
def test_training_killed_anywhere_resumes_to_the_uninterrupted_result(tmp_path, tiny_backbone_dir):
    data_dir = write_apc_dataset_folder(tmp_path / "data")
    reference_dir, resumed_dir = tmp_path / "reference", tmp_path / "resumed"
    reference = subprocess.Popen(train_command(data_dir, tiny_backbone_dir, reference_dir),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    # 1. kill -9 half-way through writing checkpoint-8: it never appears, checkpoint-4 stays whole.
    killed = run_training(train_command(data_dir, tiny_backbone_dir, resumed_dir), "checkpoint", 8)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert not (resumed_dir / "checkpoint-8").exists()
    assert (resumed_dir / PARTIAL_CHECKPOINTS_DIR / "checkpoint-8").is_dir()  # the half-written one, hidden
    assert latest_checkpoint(resumed_dir).endswith("checkpoint-4")

    # 2. resume from the mid-epoch checkpoint-4, then kill -9 mid-epoch after checkpoint-12 was written.
    killed = run_training(train_command(data_dir, tiny_backbone_dir, resumed_dir, "--resume_from_checkpoint",
                                        "latest"), "step", 14)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert latest_checkpoint(resumed_dir).endswith("checkpoint-12")
    assert not (resumed_dir / PARTIAL_CHECKPOINTS_DIR).exists()  # the next save cleared the leftover

    # 3. resume from checkpoint-12 (an epoch boundary) to the end.
    finished = run_training(train_command(data_dir, tiny_backbone_dir, resumed_dir, "--resume_from_checkpoint",
                                          "true"))
    assert finished.returncode == 0, finished.stderr[-2000:]
    output, _ = reference.communicate(timeout=300)
    assert reference.returncode == 0, output[-2000:]

    reference_metrics, reference_weights = final_results(reference_dir)
    resumed_metrics, resumed_weights = final_results(resumed_dir)
    assert "test_accuracy" in reference_metrics and "eval_accuracy" in reference_metrics
    assert json.loads((resumed_dir / "all_results.json").read_text())["best_model_checkpoint"].endswith("-18")
    assert resumed_metrics == pytest.approx(reference_metrics, abs=1e-6)
    assert reference_weights.keys() == resumed_weights.keys()
    for name, tensor in reference_weights.items():
        torch.testing.assert_close(resumed_weights[name], tensor, atol=1e-6, rtol=0)


def test_crash_while_writing_a_checkpoint_leaves_the_previous_one(tmp_path, tiny_backbone_dir, tiny_tokenizer,
                                                                   monkeypatch):
    features = build_features(tiny_tokenizer, synthetic_rows(40), "bert_spc", LABELS)
    args = APCTrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=6, per_device_train_batch_size=8, learning_rate=1e-3,
        eval_strategy="no", save_strategy="steps", save_steps=2, save_total_limit=None, load_best_model_at_end=False,
        use_cpu=True, disable_tqdm=True, report_to="none",
    )

    def trainer():
        torch.manual_seed(0)
        return APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args,
                          train_dataset=features["train"], processing_class=tiny_tokenizer)

    def failing_rng_save(self, output_dir):
        if self.state.global_step == 4:
            raise OSError("disk full")
        return original(self, output_dir)

    original = APCTrainer._save_rng_state
    monkeypatch.setattr(APCTrainer, "_save_rng_state", failing_rng_save)
    with pytest.raises(OSError, match="disk full"):
        trainer().train()
    out = tmp_path / "out"
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2"]
    assert is_complete_checkpoint(out / "checkpoint-2")
    assert (out / "checkpoint-2" / "optimizer.pt").is_file() and (out / "checkpoint-2" / "rng_state.pth").is_file()

    monkeypatch.setattr(APCTrainer, "_save_rng_state", original)
    resumed = trainer()
    resumed.train(resume_from_checkpoint="latest")
    assert resumed.state.global_step == 6
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4", "checkpoint-6"]
    assert not (out / PARTIAL_CHECKPOINTS_DIR).exists()
    state = json.loads((out / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_best_model_checkpoint_names_the_final_folder(tmp_path, tiny_backbone_dir, tiny_tokenizer):
    features = build_features(tiny_tokenizer, synthetic_rows(40), "bert_spc", LABELS)
    args = APCTrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=2, per_device_train_batch_size=8, learning_rate=1e-3,
        eval_steps=2, use_cpu=True, disable_tqdm=True, report_to="none",  # save_strategy "best", limit 1
    )
    torch.manual_seed(0)
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args,
                         train_dataset=features["train"], processing_class=tiny_tokenizer)
    trainer.train()
    best = trainer.state.best_model_checkpoint
    assert PARTIAL_CHECKPOINTS_DIR not in best and os.path.isdir(best)
    saved_state = json.loads((tmp_path / "out" / os.path.basename(best) / "trainer_state.json").read_text())
    assert saved_state["best_model_checkpoint"] == best
    assert [p.name for p in (tmp_path / "out").glob("checkpoint-*")] == [os.path.basename(best)]


def test_resume_values(tmp_path):
    assert resolve_resume_from_checkpoint(None, tmp_path) is None
    assert resolve_resume_from_checkpoint("False", tmp_path) is None
    with pytest.raises(ValueError, match="no complete checkpoint-N folder"):
        resolve_resume_from_checkpoint(True, tmp_path)
    (tmp_path / "checkpoint-7").mkdir()  # incomplete: no trainer_state.json
    with pytest.raises(ValueError, match="incomplete"):
        resolve_resume_from_checkpoint(str(tmp_path / "checkpoint-7"), tmp_path)
    with pytest.raises(FileNotFoundError):
        resolve_resume_from_checkpoint(str(tmp_path / "checkpoint-9"), tmp_path)
    (tmp_path / "checkpoint-3").mkdir()
    (tmp_path / "checkpoint-3" / "trainer_state.json").write_text("{}")
    assert resolve_resume_from_checkpoint("LATEST", tmp_path) == str(tmp_path / "checkpoint-3")
