"""Mixed precision: bf16 autocast trains on CPU and saves fp32 weights; fp16 on CPU is a one-line error."""

import math

import pytest
import torch
from safetensors.torch import load_file

from apc_fixtures import build_features, build_model, synthetic_rows
from hf_absa.cli import main
from hf_absa.training import APCTrainer, APCTrainingArguments

LABELS = ["Negative", "Neutral", "Positive"]


def test_bf16_trains_on_cpu_and_saves_fp32_weights(tmp_path, tiny_backbone_dir, tiny_tokenizer):
    import hf_absa  # noqa: F401  (Auto classes)
    from transformers import AutoModelForSequenceClassification

    features = build_features(tiny_tokenizer, synthetic_rows(32), "fast_lsa_t_v2", LABELS)
    torch.manual_seed(0)
    args = APCTrainingArguments(
        output_dir=str(tmp_path), bf16=True, use_cpu=True, max_steps=4, per_device_train_batch_size=8,
        learning_rate=1e-3, eval_strategy="no", save_strategy="no", load_best_model_at_end=False,
        logging_steps=1, disable_tqdm=True, report_to="none",
    )
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "fast_lsa_t_v2"), args=args,
                         train_dataset=features["train"], processing_class=tiny_tokenizer)
    assert trainer.accelerator.mixed_precision == "bf16" and trainer.accelerator.native_amp  # real CPU autocast
    trainer.train()
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    assert len(losses) == 4 and all(math.isfinite(loss) for loss in losses)
    trainer.save_model()
    weights = load_file(tmp_path / "model.safetensors")
    assert {tensor.dtype for tensor in weights.values()} == {torch.float32}
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path)
    assert all(torch.equal(reloaded.state_dict()[k], v) for k, v in weights.items())


def test_fp16_on_cpu_is_a_one_line_error(tmp_path, capsys):
    assert main(["train", "--fp16", "--use_cpu", "--output_dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "--fp16 needs a GPU" in error and "--bf16" in error
    with pytest.raises(ValueError, match="fp16"):
        APCTrainingArguments(output_dir=str(tmp_path), fp16=True, use_cpu=True)
