"""`AspectExtractor.predict_file` (hf_absa.inference.extraction_batch): text, .atepc and unified-tag files streamed
into JSON Lines in input order, scored by the main protocol's scorer, atomic on error.

The model is the hand-set tagger of tests/atepc_fixtures.py: it extracts "battery life" and "screen" wherever they
occur and misses the other aspects of the synthetic data, so extraction is right in part and wrong in part."""

import json

import pytest

from atepc_fixtures import POLARITIES, synthetic_sentences, tagging_model, write_atepc_file, write_unified_tag_file
from hf_absa import AspectExtractor, SentimentClassifier
from hf_absa.data import APCDataError
from hf_absa.data.atepc_readers import iter_extraction_file
from hf_absa.metrics import compute_atepc_metrics

TEXTS = ["The battery life is great but the screen is dim", "i love this place", "battery", "the screen is dim"]


@pytest.fixture(scope="module")
def model(tiny_backbone_dir, tiny_tokenizer):
    return tagging_model(tiny_backbone_dir, tiny_tokenizer)


@pytest.fixture(scope="module")
def extractor(model, tiny_tokenizer):
    return AspectExtractor(model, tiny_tokenizer, device="cpu", batch_size=2, chunk_size=3)


@pytest.fixture(scope="module")
def atepc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("extract-file") / "tiny.test.atepc"
    write_atepc_file(path, synthetic_sentences(14, seed=3))
    return path


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_metrics(extractor, results, labels, classify):
    """compute_atepc_metrics on the written predictions, the gold aspects classified by ``classify(text, spans)``
    (an independent path: predict(text, aspects=gold))."""
    label_id = {label: index for index, label in enumerate(labels)}
    gold_spans, gold_polarities, predicted_spans, predicted_polarities, guesses = [], [], [], [], []
    for result in results:
        references = result["references"]
        gold_spans.append([(r["word_start"], r["word_end"]) for r in references])
        gold_polarities.append([label_id[r["label"]] for r in references])
        predicted_spans.append([(a["word_start"], a["word_end"]) for a in result["aspects"]])
        predicted_polarities.append([label_id[a["label"]] for a in result["aspects"]])
        classified = classify(result["sentence"], [(r["start"], r["end"]) for r in references]) if references else []
        guesses.append([label_id[label] for label in classified])
    return compute_atepc_metrics(gold_spans, gold_polarities, predicted_spans, predicted_polarities, guesses, labels)


def test_text_file_keeps_order_across_chunks_and_each_line_untouched(extractor, tmp_path):
    texts = [f"{TEXTS[index % len(TEXTS)]} {'and the screen ' * (index % 3)}".rstrip() for index in range(11)]
    texts[4] = "  the battery life\tis good  "  # leading and inner whitespace stay
    path = tmp_path / "reviews.txt"
    # CRLF endings and blank lines: the line terminator goes, blank lines are skipped
    path.write_bytes(("\r\n".join(texts[:5]) + "\r\n\n   \n" + "\n".join(texts[5:]) + "\n").encode("utf-8"))
    output = tmp_path / "out" / "aspects.jsonl"  # the folder is created
    report = extractor.predict_file(path, output)
    results = read_lines(output)
    # chunk_size 3: 11 texts in 4 chunks, written in input order, equal to predicting the list at once
    assert [result["sentence"] for result in results] == texts
    assert results == extractor.predict(texts)
    assert report == {"input": str(path), "output": str(output), "file_format": "text", "sentences": 11,
                      "precision": "fp32", "rechecked_windows": 0,
                      "aspects": sum(len(result["aspects"]) for result in results), "gold_aspects": 0,
                      "unknown_references": {}, "metrics": None}


def test_atepc_file_metrics_equal_the_metrics_module_on_the_same_predictions(extractor, atepc_file, tmp_path):
    output = tmp_path / "aspects.jsonl"
    report = extractor.predict_file(atepc_file, output)
    results = read_lines(output)
    assert report["file_format"] == "atepc" and report["sentences"] == len(results) == 14
    assert [result["sentence"] for result in results] == [example["text"] for example in
                                                          iter_extraction_file(atepc_file)]
    assert any(result["aspects"] for result in results) and not all(
        len(result["aspects"]) == len(result["references"]) for result in results)  # partly right

    def classify(text, spans):
        return [aspect["label"] for aspect in extractor.predict(text, aspects=spans)["aspects"]]

    expected = expected_metrics(extractor, results, POLARITIES, classify)
    assert report["metrics"] == pytest.approx(expected)
    assert 0 < expected["ate_precision"] and expected["ate_recall"] < 1
    assert report["gold_aspects"] == expected["num_gold_aspects"]
    # every gold aspect was classified as a given aspect, and written beside its reference
    assert all(reference["predicted_label"] in POLARITIES for result in results for reference in result["references"])


def test_a_sentiment_model_classifies_both_the_extracted_and_the_gold_aspects(model, tiny_tokenizer,
                                                                            tiny_apc_checkpoint, atepc_file,
                                                                            tmp_path):
    two_stage = AspectExtractor(model, tiny_tokenizer, device="cpu", sentiment_model=tiny_apc_checkpoint)
    classifier = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu")
    output = tmp_path / "aspects.jsonl"
    report = two_stage.predict_file(atepc_file, output)

    def classify(text, spans):
        aspects = [(text[start:end], start) for start, end in spans]
        return [aspect["label"] for aspect in classifier.predict(text, aspects=aspects)["aspects"]]

    assert report["metrics"] == pytest.approx(expected_metrics(two_stage, read_lines(output), classifier.labels,
                                                               classify))


def test_unified_tag_file_without_sentiment_scores_extraction_only(extractor, tmp_path):
    sentences = synthetic_sentences(9, seed=5)
    path = tmp_path / "test.txt"  # e2e_absa's names: told apart from plain text by the '####'
    write_unified_tag_file(path, sentences)
    output = tmp_path / "aspects.jsonl"
    report = extractor.predict_file(path, output, sentiment=False)
    results = read_lines(output)
    assert report["file_format"] == "unified" and len(results) == 9
    assert all("label" not in aspect for result in results for aspect in result["aspects"])
    assert all("predicted_label" not in reference for result in results for reference in result["references"])
    gold = [[(r["word_start"], r["word_end"]) for r in result["references"]] for result in results]
    predicted = [[(a["word_start"], a["word_end"]) for a in result["aspects"]] for result in results]
    nothing = [[-100] * len(spans) for spans in gold]
    full = compute_atepc_metrics(gold, nothing, predicted, [[-100] * len(spans) for spans in predicted], nothing,
                                 POLARITIES)
    assert report["metrics"] == {name: value for name, value in full.items()
                                 if name.startswith("ate_") or name.startswith("num_")}
    # the same file read as plain text: every line is a text, '####' and tags included
    as_text = extractor.predict_file(path, tmp_path / "as-text.jsonl", file_format="text", sentiment=False)
    assert as_text["metrics"] is None and "####" in read_lines(tmp_path / "as-text.jsonl")[0]["sentence"]


def test_gold_polarities_the_model_lacks_are_counted_not_scored(extractor, tmp_path):
    path = tmp_path / "conflict.atepc"
    path.write_text("the O -100\nscreen B-ASP Conflict\nis O -100\ndim O -100\n\n"
                    "the O -100\nscreen B-ASP Negative\n", encoding="utf-8")
    report = extractor.predict_file(path, tmp_path / "aspects.jsonl")
    assert report["unknown_references"] == {"Conflict": 1}
    assert report["gold_aspects"] == 2 and report["metrics"]["ate_f1"] == 1.0
    # only the Negative aspect is scored for polarity: accuracy is 0 or 1
    assert report["metrics"]["apc_accuracy"] in (0.0, 1.0)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bad.atepc", "the O -100\nscreen B-ASP\n", "bad.atepc:2: the line has 2 whitespace-separated columns"),
        ("bad.txt", "good####good=O\nno tags here\n", "bad.txt:2: the line has no '####'"),
        ("bytes.txt", b"fine\nnot \xff utf-8\n", "bytes.txt:2: byte 0xff is not valid UTF-8"),
    ],
)
def test_a_malformed_line_names_file_and_line_and_writes_nothing(extractor, tmp_path, name, content, fragment):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    output = tmp_path / "aspects.jsonl"
    output.write_text("previous\n", encoding="utf-8")
    with pytest.raises(APCDataError, match=fragment.replace("(", r"\(")):
        extractor.predict_file(path, output)
    assert output.read_text(encoding="utf-8") == "previous\n"  # the earlier output is left as it was
    assert sorted(item.name for item in tmp_path.iterdir()) == sorted([name, "aspects.jsonl"])  # no temporary


def test_file_errors(extractor, tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("the screen\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="is not a file; expected a text file"):
        extractor.predict_file(tmp_path / "missing.txt", tmp_path / "out.jsonl")
    with pytest.raises(ValueError, match="is the input file"):
        extractor.predict_file(path, path)
    with pytest.raises(TypeError, match="^input is of type int; expected a file path"):
        extractor.predict_file(5, tmp_path / "out.jsonl")
    with pytest.raises(TypeError, match="^output is of type int; expected a file path"):
        extractor.predict_file(path, 5)
    with pytest.raises(ValueError, match="file_format is 'csv'; expected one of text, atepc, unified"):
        extractor.predict_file(path, tmp_path / "out.jsonl", file_format="csv")
    assert not (tmp_path / "out.jsonl").exists()


def test_progress_bar_on_stderr(extractor, tmp_path, capsys):
    path = tmp_path / "reviews.txt"
    path.write_text("the screen\n\nthe battery life\n", encoding="utf-8")
    extractor.predict_file(path, tmp_path / "out.jsonl", progress=True)
    err = capsys.readouterr().err
    assert "Extracting reviews.txt" in err and "/2 [" in err  # the total: the non-blank lines
