"""The `evaluate` modules of hf_absa.metrics: the same figures as the core functions, seqeval's strict IOB2 figures
on tags, `evaluate.combine`, clear errors, no network and no file outside the HF metrics cache."""

import socket

import datasets
import evaluate
import numpy as np
import pytest
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from hf_absa.metrics import APCPolarityMetric, AspectSpanMetric, compute_apc_metrics, compute_atepc_metrics

POLARITIES = ["Negative", "Neutral", "Positive"]
NONE = -100


def test_apc_module_equals_compute_apc_metrics_on_random_data():
    rng = np.random.default_rng(5)
    for trial in range(20):
        num_labels = int(rng.integers(2, 5))
        names = [f"label {i}" for i in range(num_labels)]
        size = int(rng.integers(1, 80))
        predictions = rng.integers(0, num_labels, size)
        references = np.where(rng.random(size) < 0.1, NONE, rng.integers(0, num_labels, size))
        metric = APCPolarityMetric(labels=names)
        for start in range(0, size - 1, 16):  # batch by batch, then the last one alone
            metric.add_batch(predictions=predictions[start : min(start + 16, size - 1)],
                             references=references[start : min(start + 16, size - 1)])
        metric.add(prediction=predictions[-1], reference=references[-1])
        detailed = bool(trial % 2)
        assert metric.compute(detailed=detailed) == compute_apc_metrics(predictions, references, names,
                                                                         detailed=detailed), trial


def test_apc_module_labels_from_names_id2label_or_a_count():
    predictions, references = [0, 1, 1], [0, 1, 0]
    by_names = APCPolarityMetric(labels=["Negative", "Positive"]).compute(predictions=predictions,
                                                                           references=references)
    by_id2label = APCPolarityMetric(labels={"1": "Positive", "0": "Negative"}).compute(predictions=predictions,
                                                                                       references=references)
    assert by_names == by_id2label
    assert set(APCPolarityMetric(num_labels=2).compute(predictions=predictions, references=references)) == {
        "accuracy", "f1", "f1_0", "f1_1"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "give labels .* or num_labels"),
        ({"labels": ["a"], "num_labels": 1}, "give labels .* or num_labels"),
        ({"labels": []}, "labels is empty"),
        ({"labels": "abc"}, "labels is the string 'abc'"),
        ({"labels": {0: "a", 2: "b"}}, r"maps the ids \[0, 2\]; expected ids 0..1"),
        ({"labels": ["a b", "a_b"]}, "same metric key"),
        ({"num_labels": 0}, "expected an int >= 1"),
    ],
)
def test_apc_module_bad_labels_are_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        APCPolarityMetric(**kwargs)


def test_apc_module_unknown_label_ids_are_errors():
    metric = APCPolarityMetric(labels=POLARITIES)
    with pytest.raises(ValueError, match="predictions hold label id 3; expected ids 0..2"):
        metric.compute(predictions=[0, 3], references=[0, 1])
    with pytest.raises(ValueError, match=r"references hold label id -1; expected ids 0..2 \(or -100"):
        metric.compute(predictions=[0, 1], references=[0, -1])
    with pytest.raises(ValueError, match="Mismatch in the number of predictions"):  # evaluate's own check
        metric.add_batch(predictions=[0, 1], references=[0])


class ExampleCount(evaluate.Metric):
    """A second module to combine with: the number of examples."""

    def _info(self):
        return evaluate.MetricInfo(description="", citation="", features=datasets.Features(
            {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}))

    def _compute(self, predictions, references):
        return {"examples": len(predictions)}


def test_evaluate_combine_with_another_module_and_with_itself():
    combined = evaluate.combine([APCPolarityMetric(labels=POLARITIES), ExampleCount(keep_in_memory=True)])
    combined.add_batch(predictions=[0, 2], references=[0, 1])
    combined.add(prediction=2, reference=2)
    expected = compute_apc_metrics([0, 2, 2], [0, 1, 2], POLARITIES)
    assert combined.compute() == {**expected, "examples": 3}

    two_splits = evaluate.combine({"laptop": APCPolarityMetric(labels=POLARITIES),
                                   "restaurant": APCPolarityMetric(num_labels=3)}, force_prefix=True)
    result = two_splits.compute(predictions=[0, 1], references=[0, 0])
    assert result["laptop_accuracy"] == result["restaurant_accuracy"] == 0.5
    assert "laptop_f1_Negative" in result and "restaurant_f1_0" in result


def typed_tags(spans, types, length):
    tags = ["O"] * length
    for (start, end), kind in zip(spans, types):
        tags[start:end] = [f"B-{kind}"] + [f"I-{kind}"] * (end - start - 1)
    return tags


def random_spans(rng, length):
    """Non-overlapping spans, adjacent ones included (B-X B-X ... are two aspects)."""
    spans, position = [], 0
    while position < length:
        if rng.random() < 0.35:
            end = min(length, position + int(rng.integers(1, 4)))
            spans.append((position, end))
            position = end
        else:
            position += 1
    return spans


def test_span_module_equals_compute_atepc_metrics_on_random_data():
    rng = np.random.default_rng(7)
    for trial in range(30):
        rows = {name: [] for name in ("gold_spans", "gold_pol", "pred_spans", "pred_pol", "guesses")}
        predicted_tags, reference_tags = [], []
        for _ in range(int(rng.integers(1, 12))):
            length = int(rng.integers(1, 10))
            gold = random_spans(rng, length)
            # predictions: most gold spans kept (so that matches happen), plus random others that do not overlap
            kept = [span for span in gold if rng.random() < 0.6]
            extra = [span for span in random_spans(rng, length)
                     if all(span[1] <= s or span[0] >= e for s, e in kept)]
            predicted = sorted(kept + extra)
            gold_polarities = [int(p) for p in rng.choice([0, 1, 2, NONE], len(gold), p=[0.3, 0.2, 0.3, 0.2])]
            predicted_polarities = [int(p) for p in rng.choice([0, 1, 2, NONE], len(predicted),
                                                               p=[0.3, 0.2, 0.3, 0.2])]
            for name, value in (("gold_spans", gold), ("gold_pol", gold_polarities), ("pred_spans", predicted),
                                ("pred_pol", predicted_polarities), ("guesses", [0] * len(gold))):
                rows[name].append(value)
            # the tag form: polarity names as types, "ASP" for an aspect without polarity (-100)
            reference_tags.append(typed_tags(gold, ["ASP" if p == NONE else POLARITIES[p] for p in gold_polarities],
                                             length))
            predicted_tags.append(typed_tags(predicted, ["ASP" if p == NONE else POLARITIES[p]
                                                         for p in predicted_polarities], length))
        metric = AspectSpanMetric()
        metric.add_batch(predictions=predicted_tags[:-1], references=reference_tags[:-1])
        metric.add(prediction=predicted_tags[-1], reference=reference_tags[-1])
        expected = compute_atepc_metrics(rows["gold_spans"], rows["gold_pol"], rows["pred_spans"], rows["pred_pol"],
                                         rows["guesses"], POLARITIES)
        assert metric.compute() == {k: v for k, v in expected.items() if not k.startswith("apc_")}, trial


def random_valid_tags(rng, length, types):
    spans = random_spans(rng, length)
    return typed_tags(spans, [types[i] for i in rng.integers(0, len(types), len(spans))], length)


def test_span_module_matches_seqeval_strict_on_random_valid_sequences():
    rng = np.random.default_rng(13)
    strict = dict(mode="strict", scheme=IOB2, zero_division=0)

    def collapsed(sequences):
        return [[tag if tag == "O" else f"{tag[:2]}ASP" for tag in tags] for tags in sequences]

    typed_differs = 0
    for trial in range(100):
        references = [random_valid_tags(rng, int(rng.integers(1, 10)), POLARITIES)
                      for _ in range(int(rng.integers(1, 8)))]
        predictions = [random_valid_tags(rng, len(tags), POLARITIES) if rng.random() < 0.5
                       else [tag if rng.random() < 0.8 else "O" for tag in tags]  # a corrupted copy: partial spans
                       for tags in references]
        predictions = [[f"B-{tag[2:]}" if tag.startswith("I-") and (i == 0 or tags[i - 1] == "O") else tag
                        for i, tag in enumerate(tags)] for tags in predictions]  # kept valid IOB2
        result = AspectSpanMetric().compute(predictions=predictions, references=references)
        for prefix, true, pred in (("ate", collapsed(references), collapsed(predictions)),
                                   ("e2e", references, predictions)):
            assert result[f"{prefix}_precision"] == pytest.approx(precision_score(true, pred, **strict)), trial
            assert result[f"{prefix}_recall"] == pytest.approx(recall_score(true, pred, **strict)), trial
            assert result[f"{prefix}_f1"] == pytest.approx(f1_score(true, pred, **strict)), trial
        typed_differs += result["ate_f1"] != result["e2e_f1"]
    assert typed_differs > 10  # the polarity did matter in many trials, not only the spans


def test_span_module_unlabelled_aspects_and_bad_input():
    result = AspectSpanMetric(unlabelled_type="X").compute(
        predictions=[["B-Positive", "O", "B-X"]], references=[["B-Positive", "O", "B-X"]])
    # The X aspect counts for extraction only; end to end it is left out with the prediction on its span.
    assert (result["ate_precision"], result["e2e_precision"], result["e2e_recall"]) == (1.0, 1.0, 1.0)
    assert result["num_gold_aspects"] == 2
    metric = AspectSpanMetric()
    with pytest.raises(ValueError, match="sentence 1 has 2 predicted tags and 3 reference tags"):
        metric.compute(predictions=[["O"], ["O", "O"]], references=[["O"], ["O", "O", "O"]])
    with pytest.raises(ValueError, match=r"predictions\[0\]: tag 'T-POS' at position 1 is not IOB2"):
        metric.compute(predictions=[["O", "T-POS"]], references=[["O", "B-Positive"]])


def test_modules_use_no_network_and_write_nothing_outside_the_metrics_cache(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an evaluate module opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(evaluate.config, "HF_METRICS_CACHE", str(tmp_path / "cache"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    apc, spans = APCPolarityMetric(labels=POLARITIES), AspectSpanMetric()
    assert apc.keep_in_memory and spans.keep_in_memory
    apc.add_batch(predictions=[0, 1], references=[0, 1])
    spans.add_batch(predictions=[["B-Positive"]], references=[["B-Positive"]])
    assert apc.compute()["accuracy"] == 1.0 and spans.compute()["e2e_f1"] == 1.0
    written = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))
    # evaluate makes the module's cache folder at __init__; the data stayed in memory.
    assert [path for path in written if not (tmp_path / path).is_dir()] == []
    assert all(path == "work" or path.startswith("cache") for path in written), written
    assert "cache/apc_polarity_metric" in written and "cache/aspect_span_metric" in written
