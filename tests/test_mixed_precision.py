"""Mixed precision: bf16 autocast trains APC and ATEPC models on CPU and saves fp32 weights; fp16 on CPU is a one-line
error."""

import math

import pytest
import torch
from safetensors.torch import load_file

from apc_fixtures import build_features, build_model, synthetic_rows
from atepc_fixtures import write_atepc_dataset_folder
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


def test_atepc_bf16_trains_on_cpu_and_exports_fp32_weights_that_tag_alike(tmp_path, tiny_backbone_dir):
    from transformers import AutoModelForTokenClassification

    from hf_absa.commands.train import parse
    from hf_absa.models import ATEPCModelForTokenClassification
    from hf_absa.training.atepc import train_atepc

    data = write_atepc_dataset_folder(tmp_path / "data", n_train=40, n_test=12)
    out = tmp_path / "run"
    _, model_args, data_args, training_args = parse([
        "--task", "atepc", "--dataset", str(data), "--backbone", str(tiny_backbone_dir),
        "--architecture", "fast_lcf_atepc", "--max_seq_len", "16", "--bf16", "true", "--use_cpu",
        "--max_steps", "4", "--per_device_train_batch_size", "8", "--learning_rate", "1e-3", "--logging_steps", "1",
        "--eval_steps", "2", "--validation_fraction", "0.25", "--disable_tqdm", "true", "--report_to", "none",
        "--output_dir", str(out),
    ])
    metrics, trainer = train_atepc(model_args, data_args, training_args)
    assert trainer.accelerator.mixed_precision == "bf16" and trainer.accelerator.native_amp  # real CPU autocast
    log = trainer.state.log_history
    losses = [entry["loss"] for entry in log if "loss" in entry]
    assert len(losses) == 4 and all(math.isfinite(loss) for loss in losses)
    evaluations = [entry for entry in log if "eval_e2e_f1" in entry]  # under autocast too
    assert [entry["step"] for entry in evaluations] == [2, 4, 4]  # periodic, then the selected model's
    assert all(math.isfinite(entry["eval_loss"]) for entry in evaluations)
    for key in ("eval_ate_f1", "test_ate_f1", "test_e2e_f1", "test_apc_accuracy", "test_apc_f1"):
        assert 0.0 <= metrics[key] <= 1.0, key

    weights = load_file(out / "model.safetensors")
    assert {tensor.dtype for tensor in weights.values()} == {torch.float32}
    reloaded = AutoModelForTokenClassification.from_pretrained(out).eval()
    assert isinstance(reloaded, ATEPCModelForTokenClassification) and reloaded.dtype == torch.float32
    in_memory = trainer.model.eval()
    assert all(torch.equal(reloaded.state_dict()[name], tensor) for name, tensor in in_memory.state_dict().items())
    # The trained model as the Trainer runs it (accelerate wraps its forward in bf16 autocast) and the reloaded one
    # in fp32 give the same logits up to bf16 rounding, and the same tag to every word whose fp32 decision is not a
    # near-tie that rounding can flip.
    rows = trainer.eval_dataset
    batch = trainer.data_collator([rows[index] for index in range(len(rows))])
    inputs = {name: batch[name] for name in ("input_ids", "attention_mask", "token_type_ids", "aspect_spans")}
    with torch.no_grad():
        bf16, fp32 = in_memory(**inputs), reloaded(**inputs)
    assert bf16.logits.dtype == torch.float32 and fp32.logits.dtype == torch.float32  # bf16 only inside
    assert not torch.equal(bf16.logits, fp32.logits)  # autocast did run
    for name in ("logits", "polarity_logits"):  # both heads, up to bf16 rounding (under 1e-2 here)
        torch.testing.assert_close(getattr(bf16, name), getattr(fp32, name), atol=3e-2, rtol=0, msg=name)
    words = batch["labels"] != -100
    top_two = fp32.logits.topk(2, dim=-1).values
    decided = words & (top_two[..., 0] - top_two[..., 1] > 0.05)
    assert decided.sum() >= 0.5 * words.sum()
    assert torch.equal(bf16.logits.argmax(-1)[decided], fp32.logits.argmax(-1)[decided])


def test_fp16_on_cpu_is_a_one_line_error(tmp_path, capsys):
    assert main(["train", "--fp16", "--use_cpu", "--output_dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "--fp16 needs a GPU" in error and "--bf16" in error
    with pytest.raises(ValueError, match="fp16"):
        APCTrainingArguments(output_dir=str(tmp_path), fp16=True, use_cpu=True)
