"""SentimentClassifier (the minimal predictor the demo uses; the full inference API builds on it)."""

import json

import pytest

from apc_fixtures import build_model
from hf_absa import SentimentClassifier
from hf_absa.training import export_checkpoint


@pytest.fixture(scope="module")
def classifier(tiny_backbone_dir, tiny_tokenizer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    export_checkpoint(build_model(tiny_backbone_dir, "fast_lsa_t_v2"), tiny_tokenizer, folder, mode=1)
    return SentimentClassifier.from_pretrained(str(folder), device="cpu")


def test_one_result_per_marked_aspect(classifier):
    result = classifier.predict("the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is dim")
    assert result["sentence"] == "the battery is good but the screen is dim"
    assert [a["aspect"] for a in result["aspects"]] == ["battery", "screen"]
    assert [(a["start"], a["end"]) for a in result["aspects"]] == [(4, 11), (28, 34)]
    for aspect in result["aspects"]:
        assert set(aspect["probabilities"]) == {"Negative", "Neutral", "Positive"}
        assert sum(aspect["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert aspect["label"] == max(aspect["probabilities"], key=aspect["probabilities"].get)
        assert aspect["confidence"] == aspect["probabilities"][aspect["label"]]
    json.dumps(result)  # plain JSON types only


def test_batch_matches_single_predictions_and_reports_references(classifier):
    texts = ["the [B-ASP]food[E-ASP] is delicious $LABEL$ Positive", "the [B-ASP]price[E-ASP] is bad"]
    batch = classifier.predict(texts)
    assert len(batch) == 2
    single = classifier.predict(texts[0])
    assert batch[0]["aspects"][0]["probabilities"] == pytest.approx(single["aspects"][0]["probabilities"], abs=1e-5)
    assert batch[0]["aspects"][0]["reference"] == "Positive"
    assert batch[0]["aspects"][0]["correct"] == (batch[0]["aspects"][0]["label"] == "Positive")
    assert "reference" not in batch[1]["aspects"][0]


def test_text_without_markers_is_an_error_that_says_how_to_mark(classifier):
    with pytest.raises(ValueError, match=r"\[B-ASP\]"):
        classifier.predict("the battery is good")
