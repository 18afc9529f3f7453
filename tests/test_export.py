"""Save modes 0-3: round trips, no pickles, staged writes."""

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from apc_fixtures import build_features, build_model, synthetic_rows
from hf_absa.data.collator import DataCollatorForAPC
from hf_absa.training import APCTrainer, APCTrainingArguments, export_checkpoint
from hf_absa.training.export import BACKBONE_EXPORT_DIR
from remote_code import run_without_hf_absa

LABELS = ["Negative", "Neutral", "Positive"]
PICKLE_SUFFIXES = {".bin", ".pkl", ".pickle", ".pt", ".pth"}


@pytest.fixture(scope="module")
def trained(tiny_backbone_dir, tiny_tokenizer, tmp_path_factory):
    """A fast_lsa_t_v2 model after a few steps, a feature batch and its logits."""
    features = build_features(tiny_tokenizer, synthetic_rows(24), "fast_lsa_t_v2", LABELS)
    torch.manual_seed(0)
    model = build_model(tiny_backbone_dir, "fast_lsa_t_v2", lcf="fusion")
    args = APCTrainingArguments(
        output_dir=str(tmp_path_factory.mktemp("train")), max_steps=3, eval_strategy="no",
        save_strategy="no", load_best_model_at_end=False, learning_rate=1e-3, use_cpu=True, disable_tqdm=True,
    )
    APCTrainer(model=model, args=args, train_dataset=features["train"], processing_class=tiny_tokenizer).train()
    model.eval()
    batch = DataCollatorForAPC(tiny_tokenizer)([features["train"][i] for i in range(6)])
    batch.pop("labels", None)
    with torch.no_grad():
        logits = model(**batch).logits
    return model, batch, logits


def files_of(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def assert_no_pickles(folder):
    assert not [f for f in files_of(folder) if any(f.endswith(s) for s in PICKLE_SUFFIXES)]


def test_mode_1_round_trip_with_auto_class(trained, tiny_tokenizer, tmp_path):
    import hf_absa  # noqa: F401  (registers the Auto classes)

    model, batch, logits = trained
    export_checkpoint(model, tiny_tokenizer, tmp_path / "m1", mode=1)
    assert {"model.safetensors", "config.json", "tokenizer_config.json"} <= files_of(tmp_path / "m1")
    assert_no_pickles(tmp_path / "m1")
    assert "auto_map" not in json.loads((tmp_path / "m1" / "config.json").read_text())
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path / "m1").eval()
    assert type(loaded) is type(model)
    with torch.no_grad():
        assert torch.allclose(loaded(**batch).logits, logits, atol=1e-6)
    assert AutoTokenizer.from_pretrained(tmp_path / "m1").vocab == tiny_tokenizer.vocab


REMOTE_LOAD_SCRIPT = """
import sys

import torch
from transformers import AutoModelForSequenceClassification

checkpoint, inputs_path, out_path = sys.argv[1:4]
model = AutoModelForSequenceClassification.from_pretrained(checkpoint, trust_remote_code=True).eval()
assert "hf_absa" not in sys.modules, "hf_absa was imported"
with torch.no_grad():
    logits = model(**torch.load(inputs_path)).logits
torch.save({"logits": logits, "class": type(model).__module__ + "." + type(model).__name__}, out_path)
"""


def test_mode_2_loads_with_remote_code_where_hf_absa_is_not_importable(trained, tiny_tokenizer, tmp_path):
    model, batch, logits = trained
    checkpoint = tmp_path / "m2"
    export_checkpoint(model, tiny_tokenizer, checkpoint, mode=2)
    config = json.loads((checkpoint / "config.json").read_text())
    assert config["auto_map"] == {
        "AutoConfig": "configuration_apc.APCConfig",
        "AutoModelForSequenceClassification": "modeling_apc.APCModelForSequenceClassification",
    }
    assert {"configuration_apc.py", "modeling_apc.py", "layers.py"} <= files_of(checkpoint)
    assert_no_pickles(checkpoint)
    torch.save(dict(batch), tmp_path / "inputs.pt")
    run_without_hf_absa(REMOTE_LOAD_SCRIPT, checkpoint, tmp_path / "inputs.pt", tmp_path / "out.pt", workdir=tmp_path)
    result = torch.load(tmp_path / "out.pt")
    assert result["class"].startswith("transformers_modules.")
    assert result["class"].endswith("modeling_apc.APCModelForSequenceClassification")
    assert torch.allclose(result["logits"], logits, atol=1e-6)


def test_mode_3_backbone_is_a_stock_transformers_model(trained, tiny_tokenizer, tmp_path):
    model, _, _ = trained
    export_checkpoint(model, tiny_tokenizer, tmp_path / "m3", mode=3)
    backbone_dir = tmp_path / "m3" / BACKBONE_EXPORT_DIR
    assert_no_pickles(tmp_path / "m3")
    backbone = AutoModel.from_pretrained(backbone_dir)
    assert type(backbone).__name__ == "BertModel"
    live = model.backbone.state_dict()
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, live[key]), key
    assert AutoTokenizer.from_pretrained(backbone_dir).vocab == tiny_tokenizer.vocab


def test_mode_0_writes_nothing(trained, tiny_tokenizer, tmp_path):
    model, _, _ = trained
    assert export_checkpoint(model, tiny_tokenizer, tmp_path / "m0", mode=0) is None
    assert not (tmp_path / "m0").exists()
    with pytest.raises(ValueError, match="mode must be 0, 1, 2 or 3"):
        export_checkpoint(model, tiny_tokenizer, tmp_path / "m9", mode=9)


def test_a_crash_while_saving_leaves_the_previous_checkpoint_intact(trained, tiny_tokenizer, tmp_path, monkeypatch):
    model, _, _ = trained
    export_checkpoint(model, tiny_tokenizer, tmp_path / "good", mode=1)
    before = {f: (tmp_path / "good" / f).read_bytes() for f in files_of(tmp_path / "good")}

    original = type(model).save_pretrained

    def crash_half_way(self, folder, *args, **kwargs):
        original(self, folder, *args, **kwargs)
        (folder / "model.safetensors").write_bytes(b"truncated")
        raise OSError("disk full")

    monkeypatch.setattr(type(model), "save_pretrained", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        export_checkpoint(model, tiny_tokenizer, tmp_path / "good", mode=1)
    after = {f: (tmp_path / "good" / f).read_bytes() for f in files_of(tmp_path / "good")}
    assert after == before


def test_trainer_save_model_applies_save_mode(trained, tiny_tokenizer, tmp_path):
    model, batch, logits = trained
    for mode in (2, 3):
        args = APCTrainingArguments(output_dir=str(tmp_path / f"t{mode}"), save_mode=mode, use_cpu=True,
                                    eval_strategy="no", save_strategy="no", load_best_model_at_end=False)
        trainer = APCTrainer(model=model, args=args, processing_class=tiny_tokenizer)
        trainer.save_model()
        out = tmp_path / f"t{mode}"
        assert (out / "model.safetensors").is_file() and (out / "training_args.json").is_file()
        assert not (out / "training_args.bin").exists()
        assert ("auto_map" in json.loads((out / "config.json").read_text())) == (mode == 2)
        assert (out / BACKBONE_EXPORT_DIR).is_dir() == (mode == 3)
        assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    # A model loaded from a mode-2 folder carries its auto_map; a save without the code must not keep it.
    model.config.auto_map = {"AutoConfig": "configuration_apc.APCConfig"}
    try:
        args = APCTrainingArguments(output_dir=str(tmp_path / "t1"), save_mode=1, use_cpu=True,
                                    eval_strategy="no", save_strategy="no", load_best_model_at_end=False)
        APCTrainer(model=model, args=args, processing_class=tiny_tokenizer).save_model()
    finally:
        del model.config.auto_map
    assert "auto_map" not in json.loads((tmp_path / "t1" / "config.json").read_text())


def test_checkpoints_are_not_exported_but_the_final_save_is(trained, tiny_backbone_dir, tiny_tokenizer, tmp_path):
    features = build_features(tiny_tokenizer, synthetic_rows(16), "bert_spc", LABELS)
    args = APCTrainingArguments(output_dir=str(tmp_path / "run"), export_mode=2, max_steps=2, save_strategy="steps",
                                save_steps=1, eval_strategy="no", load_best_model_at_end=False, use_cpu=True,
                                disable_tqdm=True, report_to="none")
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args,
                         train_dataset=features["train"], processing_class=tiny_tokenizer)
    trainer.train()
    checkpoint = tmp_path / "run" / "checkpoint-2"
    assert {"model.safetensors", "training_args.json", "trainer_state.json"} <= files_of(checkpoint)
    assert not {"README.md", "modeling_apc.py", "training_args.bin"} & files_of(checkpoint)
    assert "auto_map" not in json.loads((checkpoint / "config.json").read_text())
    trainer.save_model()
    final = files_of(tmp_path / "run")
    assert {"README.md", "modeling_apc.py", "training_args.json"} <= final and "training_args.bin" not in final


def test_a_crash_in_trainer_save_model_leaves_the_previous_export(trained, tiny_tokenizer, tmp_path, monkeypatch):
    model, _, _ = trained
    args = APCTrainingArguments(output_dir=str(tmp_path / "out"), export_mode=3, use_cpu=True, eval_strategy="no",
                                save_strategy="no", load_best_model_at_end=False, report_to="none")
    trainer = APCTrainer(model=model, args=args, processing_class=tiny_tokenizer)
    trainer.save_model()
    out = tmp_path / "out"
    before = {f: (out / f).read_bytes() for f in files_of(out)}
    assert f"{BACKBONE_EXPORT_DIR}/model.safetensors" in before and "README.md" in before

    original = type(model).save_pretrained

    def crash_half_way(self, folder, *args, **kwargs):
        original(self, folder, *args, **kwargs)
        (Path(folder) / "model.safetensors").write_bytes(b"truncated")
        raise OSError("disk full")

    monkeypatch.setattr(type(model), "save_pretrained", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        trainer.save_model()
    assert {f: (out / f).read_bytes() for f in files_of(out)} == before
