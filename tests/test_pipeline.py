"""transformers pipelines: the "aspect-sentiment" task for every architecture, the stock text-classification
pair call for bert_spc, and mode-2 (remote code) exports predicting like hf_absa where hf_absa is not installed."""

import json

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from apc_fixtures import build_model
from hf_absa.data.collator import DataCollatorForAPC
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.processing import APCProcessor
from hf_absa.inference.pipeline import (
    ASPECT_SENTIMENT_TASK,
    AspectSentimentPipeline,
    register_aspect_sentiment_pipeline,
)
from hf_absa.models import required_inputs
from hf_absa.training import export_checkpoint
from remote_code import run_without_hf_absa

LABELS = ["Negative", "Neutral", "Positive"]
# apc_model -> config overrides; lsa / fusion so that the neighbour encodings and both LCF vectors are exercised
ARCHITECTURES = {
    "bert_spc": {},
    "bert_spc_v2": {"lsa": True},
    "lcf_bert": {"lcf": "fusion"},
    "fast_lcf_bert": {},
    "fast_lsa_t_v2": {"lcf": "fusion"},
}
MARKED = [
    "the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is dim and the [B-ASP]keyboard[E-ASP] is cheap",
    "i hate the [B-ASP]food[E-ASP]",
]
# The same aspects as rows, for the reference path through load_apc_dataset (which finds neighbours itself).
ROWS = [
    {"sentence": "the battery is good but the screen is dim and the keyboard is cheap", "aspect": aspect,
     "label": None}
    for aspect in ("battery", "screen", "keyboard")
] + [{"sentence": "i hate the food", "aspect": "food", "label": None}]
PAIRS = [(row["sentence"], row["aspect"]) for row in ROWS]


def randomized(model):
    """The model with every weight redrawn, so that its probabilities are far from uniform (a wrong input shows)."""
    torch.manual_seed(1)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.5)
    return model.eval()


@pytest.fixture(scope="module")
def checkpoints(tiny_backbone_dir, tiny_tokenizer, tmp_path_factory):
    """apc_model -> (in-memory model, mode-1 checkpoint folder)."""
    saved = {}
    for apc_model, overrides in ARCHITECTURES.items():
        model = randomized(build_model(tiny_backbone_dir, apc_model, max_seq_len=40, **overrides))
        folder = tmp_path_factory.mktemp(apc_model)
        export_checkpoint(model, tiny_tokenizer, folder, mode=1)
        saved[apc_model] = model, folder
    return saved


def probabilities_on_processor_features(model, tokenizer, rows):
    """The model run directly on APCProcessor features of ``rows`` (the training path), as softmax rows."""
    config = model.config
    processor = APCProcessor(tokenizer, max_seq_len=config.max_seq_len, srd=config.srd,
                             input_names=required_inputs(config.apc_model, config.lsa))
    features = processor.apply(load_apc_dataset(rows))["train"]
    batch = DataCollatorForAPC(tokenizer)(list(features))
    with torch.no_grad():
        return torch.softmax(model(**batch).logits, dim=-1)


def pipeline_probabilities(results):
    return torch.tensor([[aspect["probabilities"][label] for label in LABELS] for result in results
                         for aspect in result])


@pytest.mark.parametrize("apc_model", list(ARCHITECTURES))
def test_aspect_sentiment_pipeline_equals_the_model_on_processor_features(checkpoints, tiny_tokenizer, apc_model):
    model, folder = checkpoints[apc_model]
    classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(folder))
    assert isinstance(classifier, AspectSentimentPipeline)

    results = classifier(MARKED)
    expected = probabilities_on_processor_features(model, tiny_tokenizer, ROWS)
    assert expected.max() - expected.min() > 0.1, "near-uniform probabilities would hide a wrong input"
    assert torch.allclose(pipeline_probabilities(results), expected, atol=1e-5)
    aspects = [aspect for result in results for aspect in result]
    assert [(a["aspect"], a["start"], a["end"]) for a in aspects] == [
        ("battery", 4, 11), ("screen", 28, 34), ("keyboard", 50, 58), ("food", 11, 15)]
    for aspect, probs in zip(aspects, expected):
        assert aspect["label"] == LABELS[int(probs.argmax())]
        assert aspect["score"] == aspect["probabilities"][aspect["label"]]
    batched = classifier(MARKED, batch_size=2)
    assert torch.allclose(pipeline_probabilities(batched), expected, atol=1e-5)


def spans_and_labels(results):
    return [[(a["aspect"], a["start"], a["end"], a["label"]) for a in result] for result in results]


def test_dict_inputs_single_inputs_and_generators_agree_with_marked_text(checkpoints, tiny_tokenizer):
    classifier = pipeline(ASPECT_SENTIMENT_TASK, model=checkpoints["fast_lsa_t_v2"][0], tokenizer=tiny_tokenizer)
    expected = classifier(MARKED)
    single = [classifier(text) for text in MARKED]
    as_dicts = [classifier({"text": ROWS[0]["sentence"], "aspects": ["battery", "screen", "keyboard"]}),
                classifier({"text": "i hate the food", "aspects": "food"})]
    streamed = list(classifier((text for text in MARKED), batch_size=2))
    for results in (single, as_dicts, streamed):
        assert spans_and_labels(results) == spans_and_labels(expected)
        assert torch.allclose(pipeline_probabilities(results), pipeline_probabilities(expected), atol=1e-6)
    json.dumps(expected)  # plain JSON types only


def test_bad_inputs_and_parameters_are_errors_that_say_what_is_expected(checkpoints):
    classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(checkpoints["bert_spc"][1]))
    with pytest.raises(ValueError, match=r"\[B-ASP\]"):
        classifier("the battery is good")
    with pytest.raises(ValueError, match="does not occur"):
        classifier({"text": "the battery is good", "aspects": ["screen"]})
    with pytest.raises(ValueError, match="no aspects given"):
        classifier({"text": "the battery is good", "aspects": []})
    with pytest.raises(TypeError, match="expected a sentence with its aspects marked"):
        classifier({"sentence": "the battery is good"})
    with pytest.raises(TypeError, match="top_k"):
        classifier(MARKED[0], top_k=2)


def test_registration_is_idempotent(monkeypatch):
    impl = PIPELINE_REGISTRY.supported_tasks[ASPECT_SENTIMENT_TASK]
    assert impl["impl"] is AspectSentimentPipeline and impl["type"] == "text"

    def fail(*args, **kwargs):
        raise AssertionError("registered twice")

    monkeypatch.setattr(PIPELINE_REGISTRY, "register_pipeline", fail)
    register_aspect_sentiment_pipeline()
    assert PIPELINE_REGISTRY.supported_tasks[ASPECT_SENTIMENT_TASK] is impl


def pair_probabilities(model, tokenizer, sentence, aspect):
    with torch.no_grad():
        return torch.softmax(model(**tokenizer(sentence, aspect, return_tensors="pt")).logits[0], dim=-1)


def test_stock_text_classification_pipeline_takes_the_sentence_aspect_pair(checkpoints, tiny_tokenizer):
    model, folder = checkpoints["bert_spc"]
    text_classifier = pipeline("text-classification", model=str(folder))
    aspect_classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(folder))
    for sentence, aspect in PAIRS:
        expected = pair_probabilities(model, tiny_tokenizer, sentence, aspect)
        best = int(expected.argmax())
        assert text_classifier(sentence, text_pair=aspect) == [
            {"label": LABELS[best], "score": pytest.approx(float(expected[best]), abs=1e-6)}]
        assert text_classifier({"text": sentence, "text_pair": aspect}) == {
            "label": LABELS[best], "score": pytest.approx(float(expected[best]), abs=1e-6)}
        every_label = text_classifier(sentence, text_pair=aspect, top_k=None)
        assert {entry["label"]: entry["score"] for entry in every_label} == pytest.approx(
            dict(zip(LABELS, expected.tolist())), abs=1e-6)
        # the APC processor's encoding of an untruncated pair is the tokenizer's own pair encoding
        [predicted] = aspect_classifier({"text": sentence, "aspects": [aspect]})
        assert predicted["probabilities"] == pytest.approx(dict(zip(LABELS, expected.tolist())), abs=1e-6)


def test_aspect_sentiment_pipeline_runs_stock_pair_classifiers(tiny_backbone_dir, tiny_tokenizer, tmp_path):
    """A plain *ForSequenceClassification checkpoint (like yangheng/deberta-v3-base-absa-v1.1) works as well."""
    config = BertConfig.from_pretrained(tiny_backbone_dir, id2label=dict(enumerate(LABELS)),
                                        label2id={label: i for i, label in enumerate(LABELS)})
    torch.manual_seed(0)
    randomized(BertForSequenceClassification(config)).save_pretrained(tmp_path)
    tiny_tokenizer.save_pretrained(tmp_path)
    classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(tmp_path))
    reference = pipeline("text-classification", model=str(tmp_path))
    for sentence, aspect in PAIRS:
        [predicted] = classifier({"text": sentence, "aspects": [aspect]})
        expected = {entry["label"]: entry["score"] for entry in reference(sentence, text_pair=aspect, top_k=None)}
        assert predicted["probabilities"] == pytest.approx(expected, abs=1e-6)


REMOTE_PREDICT_SCRIPT = """
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification, pipeline

spc_checkpoint, pairs_path, lsa_checkpoint, features_path, out_path = sys.argv[1:6]
text_classifier = pipeline("text-classification", model=spc_checkpoint, trust_remote_code=True)
pairs = json.load(open(pairs_path))
spc = [text_classifier(sentence, text_pair=aspect, top_k=None) for sentence, aspect in pairs]
model = AutoModelForSequenceClassification.from_pretrained(lsa_checkpoint, trust_remote_code=True).eval()
with torch.no_grad():
    probabilities = torch.softmax(model(**torch.load(features_path)).logits, dim=-1)
assert "hf_absa" not in sys.modules, "hf_absa was imported"
lsa = [{model.config.id2label[i]: float(p) for i, p in enumerate(row)} for row in probabilities]
json.dump({"spc": spc, "lsa": lsa, "class": type(model).__module__}, open(out_path, "w"))
"""


def test_mode_2_exports_predict_like_hf_absa_where_it_is_not_installed(checkpoints, tiny_tokenizer, tmp_path):
    folders = {}
    for apc_model in ("bert_spc", "fast_lsa_t_v2"):
        folders[apc_model] = export_checkpoint(checkpoints[apc_model][0], tiny_tokenizer, tmp_path / apc_model, mode=2)
    # hf_absa's own predictions, and the features it feeds the fast_lsa_t_v2 model, from this process
    spc_classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(folders["bert_spc"]))
    lsa_classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(folders["fast_lsa_t_v2"]))
    spc_expected = [spc_classifier({"text": sentence, "aspects": [aspect]})[0] for sentence, aspect in PAIRS]
    lsa_expected = [aspect for result in lsa_classifier(MARKED) for aspect in result]
    features = lsa_classifier.collate_inputs([lsa_classifier.preprocess(text) for text in MARKED])["model_inputs"]
    torch.save(features, tmp_path / "features.pt")
    (tmp_path / "pairs.json").write_text(json.dumps(PAIRS))

    run_without_hf_absa(REMOTE_PREDICT_SCRIPT, folders["bert_spc"], tmp_path / "pairs.json",
                        folders["fast_lsa_t_v2"], tmp_path / "features.pt", tmp_path / "out.json", workdir=tmp_path)
    remote = json.loads((tmp_path / "out.json").read_text())

    assert remote["class"].startswith("transformers_modules.")
    for expected, every_label in zip(spc_expected, remote["spc"]):
        assert every_label[0]["label"] == expected["label"]  # top_k=None sorts by score
        assert {entry["label"]: entry["score"] for entry in every_label} == pytest.approx(
            expected["probabilities"], abs=1e-5)
    assert len(remote["lsa"]) == len(lsa_expected) == 4
    for expected, probabilities in zip(lsa_expected, remote["lsa"]):
        assert max(probabilities, key=probabilities.get) == expected["label"]
        assert probabilities == pytest.approx(expected["probabilities"], abs=1e-5)
