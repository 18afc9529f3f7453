"""predict_file: streamed JSON Lines in input order, metrics from running counts, lenient labels, bounded reads."""

import json
import logging
import random

import pytest

from apc_fixtures import ASPECTS, NEGATIVE, POSITIVE, synthetic_rows, write_apc_file
from hf_absa import SentimentClassifier
from hf_absa.metrics import compute_apc_metrics
from hf_absa.data import APCDataError
from hf_absa.inference import batch
from hf_absa.inference.batch import APCMetricsAccumulator
from hf_absa.inference.streaming import ProgressBar, stream_predictions

LABELS = ["Negative", "Neutral", "Positive"]


@pytest.fixture(scope="module")
def classifier(tiny_apc_checkpoint):
    # Small chunks so that the files below span many chunks.
    return SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu", chunk_size=256)


def marked_lines(count, seed=0):
    """``.inference`` lines with one or two aspects and their reference labels."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        first, second = rng.sample(ASPECTS, 2)
        good, bad = rng.choice(POSITIVE), rng.choice(NEGATIVE)
        if rng.random() < 0.5:
            lines.append(f"the [B-ASP]{first}[E-ASP] is {good} but the [B-ASP]{second}[E-ASP] is {bad} "
                         f"$LABEL$ Positive, Negative")
        else:
            label = rng.choice(LABELS)
            lines.append(f"i like the [B-ASP]{first}[E-ASP] and it is {bad} $LABEL$ {label}")
    return lines


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def metrics_of(results):
    aspects = [aspect for result in results for aspect in result["aspects"] if "reference" in aspect]
    return compute_apc_metrics([LABELS.index(a["label"]) for a in aspects],
                               [LABELS.index(a["reference"]) for a in aspects], LABELS, detailed=True)


def test_inference_file_in_input_order_with_the_metrics_of_predict(classifier, tmp_path):
    lines = marked_lines(3000)
    source = write_lines(tmp_path / "reviews.inference", lines)
    report = classifier.predict_file(source, tmp_path / "out" / "predictions.jsonl")

    written = read_jsonl(tmp_path / "out" / "predictions.jsonl")
    expected = classifier.predict(lines)
    assert written == expected  # one object per line, input order, the shape of predict() results
    assert report["sentences"] == 3000
    assert report["aspects"] == report["labelled"] == sum(len(result["aspects"]) for result in expected)
    assert report["unknown_references"] == {}
    assert report["metrics"] == metrics_of(expected)
    assert set(report["metrics"]) >= {"accuracy", "f1", "per_class", "confusion_matrix", "labels"}
    assert 0 < report["metrics"]["accuracy"] < 1  # the fixture model gets some right and some wrong
    json.dumps(report)
    assert not list((tmp_path / "out").glob(".*partial"))  # the staging file is gone


def test_three_line_file_gives_one_object_per_sentence(classifier, tmp_path):
    rows = synthetic_rows(300, seed=4)
    source = tmp_path / "tiny.test.txt"
    write_apc_file(source, rows)
    report = classifier.predict_file(source, tmp_path / "predictions.jsonl")
    written = read_jsonl(tmp_path / "predictions.jsonl")
    # consecutive rows of one sentence are one object, with their aspects in file order
    assert [aspect["reference"] for result in written for aspect in result["aspects"]] == [r["label"] for r in rows]
    sentences = [row["sentence"] for row in rows]
    assert [result["sentence"] for result in written] == [
        sentence for index, sentence in enumerate(sentences) if index == 0 or sentences[index - 1] != sentence
    ]
    assert any(len(result["aspects"]) == 2 for result in written)
    assert report["labelled"] == 300 and report["metrics"] == metrics_of(written)


def test_labels_not_matching_the_aspects_are_dropped_with_a_warning_unless_strict(classifier, tmp_path, caplog):
    lines = ["the [B-ASP]food[E-ASP] is good $LABEL$ Positive",
             "the [B-ASP]food[E-ASP] is good but the [B-ASP]wine[E-ASP] is bad $LABEL$ Positive",
             "the [B-ASP]staff[E-ASP] is rude $LABEL$ Negative, , Neutral"]
    source = write_lines(tmp_path / "mixed.inference", lines)
    with caplog.at_level(logging.WARNING, logger="hf_absa"):
        report = classifier.predict_file(source, tmp_path / "predictions.jsonl")
    assert report["sentences"] == 3 and report["aspects"] == 4 and report["labelled"] == 1
    written = read_jsonl(tmp_path / "predictions.jsonl")
    assert ["reference" in aspect for result in written for aspect in result["aspects"]] == [True, False, False, False]
    assert any("2 of 3 lines have reference labels that do not match" in record.getMessage()
               and "first at line 2" in record.getMessage() for record in caplog.records)

    with pytest.raises(APCDataError, match=r"mixed.inference:2: 1 label\(s\) after \$LABEL\$ for 2 marked aspect"):
        classifier.predict_file(source, tmp_path / "strict.jsonl", strict=True)
    assert not (tmp_path / "strict.jsonl").exists()


def test_unknown_reference_labels_are_counted_and_left_out_of_the_metrics(classifier, tmp_path):
    source = write_lines(tmp_path / "conflict.inference", ["the [B-ASP]food[E-ASP] is good $LABEL$ Positive",
                                                          "the [B-ASP]wine[E-ASP] is odd $LABEL$ Conflict"])
    report = classifier.predict_file(source, tmp_path / "predictions.jsonl")
    assert report["unknown_references"] == {"Conflict": 1}
    assert report["labelled"] == 1 and sum(map(sum, report["metrics"]["confusion_matrix"])) == 1


def test_unlabelled_file_has_no_metrics_and_keeps_unicode(classifier, tmp_path):
    source = write_lines(tmp_path / "plain.inference", ["the [B-ASP]café[E-ASP] is nice"])
    report = classifier.predict_file(source, tmp_path / "predictions.jsonl")
    assert report["metrics"] is None and report["labelled"] == 0
    assert '"café"' in (tmp_path / "predictions.jsonl").read_text(encoding="utf-8")


def test_the_file_is_read_lazily_one_chunk_at_a_time(classifier, tmp_path, monkeypatch):
    source = write_lines(tmp_path / "reviews.inference", marked_lines(2000, seed=1))
    pulled = []
    read = batch.iter_examples_file

    def counting_reader(*args, **kwargs):
        for group in read(*args, **kwargs):
            pulled.append(len(group))
            yield group

    pulled_at_each_chunk = []
    predict_chunk = classifier.probabilities

    def recording_probabilities(examples):
        pulled_at_each_chunk.append((sum(pulled), len(examples)))
        return predict_chunk(examples)

    monkeypatch.setattr(batch, "iter_examples_file", counting_reader)
    monkeypatch.setattr(classifier, "probabilities", recording_probabilities)
    classifier.predict_file(source, tmp_path / "predictions.jsonl")

    assert len(pulled_at_each_chunk) > 5
    predicted_before = 0
    for examples_read, chunk in pulled_at_each_chunk:
        # when a chunk is predicted, only that chunk has been read beyond what was already predicted
        assert examples_read == predicted_before + chunk
        assert chunk < classifier.chunk_size + 2
        predicted_before += chunk
    assert predicted_before == sum(pulled)


def test_a_failure_leaves_the_previous_output_in_place(classifier, tmp_path):
    lines = marked_lines(600, seed=2)
    lines[450] = "the food has no marker"
    source = write_lines(tmp_path / "broken.inference", lines)
    output = write_lines(tmp_path / "predictions.jsonl", ['{"previous": true}'])
    with pytest.raises(APCDataError, match=r"broken.inference:451: no aspect is marked"):
        classifier.predict_file(source, output)
    assert read_jsonl(output) == [{"previous": True}]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.inference", "predictions.jsonl"]  # no staging


def test_input_errors(classifier, tmp_path):
    with pytest.raises(FileNotFoundError, match="input: .*missing.inference is not a file"):
        classifier.predict_file(tmp_path / "missing.inference", tmp_path / "out.jsonl")
    source = write_lines(tmp_path / "x.inference", ["the [B-ASP]food[E-ASP] is good"])
    with pytest.raises(ValueError, match="output: .* is the input file"):
        classifier.predict_file(source, source)


# ------------------------------------------------------------------ the task-neutral seam


class CapitalisedWordTagger:
    """A token-level predictor (the shape aspect extraction will have): one group per sentence, one result per
    group with the extracted spans, reading at most ``chunk_size`` groups ahead."""

    def __init__(self, chunk_size=3):
        self.chunk_size = chunk_size
        self.read_ahead = []

    def predict_example_groups(self, groups):
        chunk = []
        for group in groups:
            chunk.append(group)
            if len(chunk) == self.chunk_size:
                self.read_ahead.append(len(chunk))
                yield from map(self.tag, chunk)
                chunk = []
        yield from map(self.tag, chunk)

    @staticmethod
    def tag(group):
        (example,) = group
        return {"tokens": example["tokens"],
                "aspects": [index for index, token in enumerate(example["tokens"]) if token[0].isupper()]}


class SpanCounter:
    """A metrics accumulator: predicted vs gold aspect positions, as a span-F1 accumulator would count them."""

    def __init__(self, gold):
        self.gold, self.true_positives, self.predicted = iter(gold), 0, 0

    def add(self, result):
        gold = set(next(self.gold))
        self.true_positives += len(gold & set(result["aspects"]))
        self.predicted += len(result["aspects"])

    def compute(self):
        return {"precision": self.true_positives / self.predicted}


def test_a_token_level_task_plugs_into_the_stream_with_its_own_reader_predictor_and_metrics(tmp_path, capsys):
    sentences = [f"the Battery {index} and the Screen" if index % 2 else f"nice Staff {index}" for index in range(10)]
    reader = ([{"tokens": sentence.split()}] for sentence in sentences)
    gold = [[1, 5] if index % 2 else [0] for index in range(10)]  # every second sentence: "nice" is gold, not Staff
    metrics = SpanCounter(gold)
    predictor = CapitalisedWordTagger()
    counts = stream_predictions(predictor, reader, tmp_path / "tags.jsonl", metrics=metrics,
                                progress=ProgressBar("Tagging", total=10, unit="sentences", per_example=False))
    assert counts == {"sentences": 10, "examples": 10}
    written = read_jsonl(tmp_path / "tags.jsonl")
    assert [" ".join(result["tokens"]) for result in written] == sentences  # input order
    assert written[1]["aspects"] == [1, 5] and written[0]["aspects"] == [1]
    assert metrics.compute() == {"precision": 10 / 15}
    assert predictor.read_ahead == [3, 3, 3]  # streamed chunk by chunk
    assert "Tagging" in capsys.readouterr().err


@pytest.mark.parametrize("results_per_group", [0, 2])
def test_a_predictor_not_yielding_one_result_per_group_is_an_error_and_writes_nothing(tmp_path, results_per_group):
    class Broken:
        def predict_example_groups(self, groups):
            for group in groups:
                yield from [{"group": len(group)}] * results_per_group

    output = write_lines(tmp_path / "out.jsonl", ['{"previous": true}'])
    with pytest.raises(RuntimeError, match="Broken.predict_example_groups yielded .*expected one result per group"):
        stream_predictions(Broken(), iter([[{}], [{}, {}]]), output)
    assert read_jsonl(output) == [{"previous": True}]


def test_the_apc_metrics_accumulator_matches_compute_apc_metrics(classifier):
    results = classifier.predict(marked_lines(200, seed=5) + ["the [B-ASP]wine[E-ASP] is odd $LABEL$ Conflict",
                                                              "the [B-ASP]food[E-ASP] is good"])
    metrics = APCMetricsAccumulator(LABELS)
    for result in results:
        metrics.add(result)
    summary = metrics.compute()
    assert summary["metrics"] == metrics_of(results[:200])
    assert summary["labelled"] == sum(len(result["aspects"]) for result in results[:200])
    assert summary["unknown_references"] == {"Conflict": 1}
    assert APCMetricsAccumulator(LABELS).compute() == {"labelled": 0, "unknown_references": {}, "metrics": None}
