"""transformers pipelines: the "aspect-sentiment" task for every architecture, the stock text-classification
pair call for bert_spc, and mode-2 (remote code) exports predicting like hf_absa where hf_absa is not installed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from apc_fixtures import build_model, probabilities_on_processor_features, randomized
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.readers import parse_marked_text
from hf_absa.inference import SentimentClassifier
from hf_absa.inference.pipeline import (
    ASPECT_SENTIMENT_TASK,
    AspectSentimentPipeline,
    register_aspect_sentiment_pipeline,
)
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
    # members with neighbour pairs and both LCF vectors: the ensemble's inputs are the union of theirs
    "ensemble": {"ensemble_models": ["bert_spc_v2", "fast_lsa_t_v2"], "lsa": True, "lcf": "fusion"},
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


def pipeline_probabilities(results):
    return torch.tensor([[aspect["probabilities"][label] for label in LABELS] for result in results
                         for aspect in result["aspects"]])


@pytest.mark.parametrize("apc_model", list(ARCHITECTURES))
def test_aspect_sentiment_pipeline_equals_the_model_on_processor_features(checkpoints, tiny_tokenizer, apc_model):
    model, folder = checkpoints[apc_model]
    classifier = pipeline(ASPECT_SENTIMENT_TASK, model=str(folder))
    assert isinstance(classifier, AspectSentimentPipeline)

    results = classifier(MARKED)
    expected = probabilities_on_processor_features(model, tiny_tokenizer, ROWS)
    assert expected.max() - expected.min() > 0.1, "near-uniform probabilities would hide a wrong input"
    assert torch.allclose(pipeline_probabilities(results), expected, atol=1e-5)
    assert [result["sentence"] for result in results] == [ROWS[0]["sentence"], ROWS[3]["sentence"]]
    aspects = [aspect for result in results for aspect in result["aspects"]]
    assert [(a["aspect"], a["start"], a["end"]) for a in aspects] == [
        ("battery", 4, 11), ("screen", 28, 34), ("keyboard", 50, 58), ("food", 11, 15)]
    for aspect, probs in zip(aspects, expected):
        assert aspect["label"] == LABELS[int(probs.argmax())]
        assert aspect["score"] == aspect["probabilities"][aspect["label"]]
    batched = classifier(MARKED, batch_size=2)
    assert torch.allclose(pipeline_probabilities(batched), expected, atol=1e-5)


def spans_and_labels(results):
    return [[(a["aspect"], a["start"], a["end"], a["label"]) for a in result["aspects"]] for result in results]


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


PLAIN = ROWS[0]["sentence"]
# (inputs, aspects) pairs that both engines take; every form of input, single and in lists
SAME_INPUTS = [
    (MARKED[0], None),
    ("the [B-ASP]food[E-ASP] is bad $LABEL$ Negative", None),  # a reference label gives reference/correct
    ({"text": PLAIN, "aspects": ["screen", ("battery", 4)]}, None),
    (PLAIN, ["keyboard", "battery"]),
    (MARKED, None),
    ([MARKED[1], {"text": PLAIN, "aspects": "screen"}], None),
    ([PLAIN, "i hate the food"], [["battery", "screen"], "food"]),
    ([], None),
]


def stock_pair_classifier(tiny_backbone_dir, tiny_tokenizer, folder):
    config = BertConfig.from_pretrained(tiny_backbone_dir, id2label=dict(enumerate(LABELS)),
                                        label2id={label: i for i, label in enumerate(LABELS)})
    torch.manual_seed(0)
    randomized(BertForSequenceClassification(config)).save_pretrained(folder)
    tiny_tokenizer.save_pretrained(folder)
    return folder


def as_list(results):
    return results if isinstance(results, list) else [results]


def without_probabilities(results):
    return [[{key: value for key, value in aspect.items() if key not in ("score", "probabilities")}
             for aspect in result["aspects"]] for result in as_list(results)]


def all_probabilities(results):
    return [p for result in as_list(results) for aspect in result["aspects"] for p in aspect["probabilities"].values()]


# "mode 2": the folder with model code, loaded here by the local classes (remote code: the subprocess test below)
@pytest.mark.parametrize("checkpoint", ["fast_lsa_t_v2", "bert_spc_v2", "mode 2 lcf_bert", "stock pair classifier"])
def test_the_pipeline_returns_exactly_what_the_classifier_returns(checkpoints, tiny_backbone_dir, tiny_tokenizer,
                                                                  tmp_path, checkpoint):
    if checkpoint == "stock pair classifier":
        folder = stock_pair_classifier(tiny_backbone_dir, tiny_tokenizer, tmp_path / "stock")
    elif checkpoint.startswith("mode 2"):
        folder = export_checkpoint(checkpoints["lcf_bert"][0], tiny_tokenizer, tmp_path / "mode2", mode=2)
    else:
        folder = checkpoints[checkpoint][1]
    aspect_pipeline = pipeline(ASPECT_SENTIMENT_TASK, model=str(folder), device="cpu")
    classifier = SentimentClassifier.from_pretrained(folder, device="cpu")
    for inputs, aspects in SAME_INPUTS:
        expected = classifier.predict(inputs, aspects=aspects)
        assert aspect_pipeline(inputs, aspects=aspects) == expected, inputs
        one_by_one = aspect_pipeline(inputs, aspects=aspects, batch_size=1)  # padding changes the last float bits
        assert without_probabilities(one_by_one) == without_probabilities(expected), inputs
        assert all_probabilities(one_by_one) == pytest.approx(all_probabilities(expected), abs=1e-5)
    labelled = classifier.predict(SAME_INPUTS[1][0])["aspects"][0]
    assert labelled["reference"] == "Negative" and labelled["correct"] == (labelled["label"] == "Negative")
    streamed = aspect_pipeline(text for text in MARKED)
    assert not isinstance(streamed, list) and list(streamed) == classifier.predict(MARKED)
    json.dumps(classifier.predict(MARKED))  # plain JSON types only


def test_batch_size_counts_aspects_across_sentences(checkpoints, tiny_tokenizer):
    aspect_pipeline = pipeline(ASPECT_SENTIMENT_TASK, model=checkpoints["fast_lsa_t_v2"][0], tokenizer=tiny_tokenizer,
                               device="cpu")
    batches = []
    collate = aspect_pipeline.classifier.collator

    def recording_collator(rows):
        batches.append(len(rows))
        return collate(rows)

    aspect_pipeline.classifier.collator = recording_collator
    expected = aspect_pipeline.classifier.predict(MARKED * 3)  # 12 aspects in 6 sentences, default batch size 32
    # Batches of up to 32 aspects from several sentences (2 each), cut only where lengths differ by half
    # (`length_batches`).
    assert sum(batches) == 12 and max(batches) > 2 and len(batches) <= 2
    batches.clear()
    assert without_probabilities(aspect_pipeline(MARKED * 3, batch_size=5)) == without_probabilities(expected)
    assert sum(batches) == 12 and max(batches) == 5
    batches.clear()
    aspect_pipeline(MARKED[0])
    assert batches == [3]  # one input: its aspects in one forward pass


REMOTE_CODE_ENGINES_SCRIPT = """
import json
import sys

from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

folder, texts, out_path = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
# Loaded before hf_absa registers its classes, so that the model and its config come from the folder's code.
model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True)
tokenizer = AutoTokenizer.from_pretrained(folder)

from hf_absa import SentimentClassifier  # noqa: E402  (registers the "aspect-sentiment" task)

aspect_pipeline = pipeline("aspect-sentiment", model=model, tokenizer=tokenizer, device="cpu", precision="fp32")
classifier = SentimentClassifier(model, tokenizer, device="cpu", precision="fp32")
json.dump({"classes": [type(model).__module__, type(model.config).__module__],
           "classifier": classifier.predict(texts), "pipeline": aspect_pipeline(texts)}, open(out_path, "w"))
"""


def test_remote_code_checkpoints_run_through_both_engines(checkpoints, tiny_tokenizer, tmp_path):
    """A save mode 2 model loaded with trust_remote_code has its own config class: the engines accept it by
    model_type, and predict what the hf_absa classes predict."""
    folder = export_checkpoint(checkpoints["fast_lsa_t_v2"][0], tiny_tokenizer, tmp_path / "mode2", mode=2)
    env = {**os.environ, "HF_MODULES_CACHE": str(tmp_path / "modules"), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    completed = subprocess.run([sys.executable, "-c", REMOTE_CODE_ENGINES_SCRIPT, str(folder), json.dumps(MARKED),
                                str(tmp_path / "out.json")], cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    remote = json.loads((tmp_path / "out.json").read_text())
    assert all(module.startswith("transformers_modules.") for module in remote["classes"]), remote["classes"]
    assert remote["pipeline"] == remote["classifier"]
    local = SentimentClassifier.from_pretrained(folder, device="cpu").predict(MARKED)
    assert without_probabilities(remote["classifier"]) == without_probabilities(local)
    assert all_probabilities(remote["classifier"]) == pytest.approx(all_probabilities(local), abs=1e-6)


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
    with pytest.raises(TypeError, match="no parameter top_k; expected aspects= or batch_size="):
        classifier(MARKED[0], top_k=2)
    with pytest.raises(ValueError, match=r"^inputs\[1\]: no aspect is marked"):
        classifier([MARKED[0], "the battery is good"])
    with pytest.raises(TypeError, match=r"aspects= goes with a plain sentence or a list of them; got the dict"):
        classifier({"text": "the battery is good", "aspects": ["battery"]}, aspects=["battery"])
    with pytest.raises(ValueError, match="one entry .* per text, 2 in all"):
        classifier(["the battery is good", "the screen is dim"], aspects=["battery"])


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
        [predicted] = aspect_classifier({"text": sentence, "aspects": [aspect]})["aspects"]
        assert predicted["probabilities"] == pytest.approx(dict(zip(LABELS, expected.tolist())), abs=1e-6)


def test_aspect_sentiment_pipeline_runs_stock_pair_classifiers(tiny_backbone_dir, tiny_tokenizer, tmp_path):
    """A plain *ForSequenceClassification checkpoint (like yangheng/deberta-v3-base-absa-v1.1) works as well."""
    folder = str(stock_pair_classifier(tiny_backbone_dir, tiny_tokenizer, tmp_path))
    classifier = pipeline(ASPECT_SENTIMENT_TASK, model=folder)
    reference = pipeline("text-classification", model=folder)
    for sentence, aspect in PAIRS:
        [predicted] = classifier({"text": sentence, "aspects": [aspect]})["aspects"]
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
    spc_expected = [spc_classifier(sentence, aspects=[aspect])["aspects"][0] for sentence, aspect in PAIRS]
    lsa_expected = [aspect for result in lsa_classifier(MARKED) for aspect in result["aspects"]]
    engine = lsa_classifier.classifier
    features = engine.collator(engine.processor.feature_rows([e for text in MARKED for e in parse_marked_text(text)]))
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
