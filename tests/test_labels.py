"""What labels mean: one class per polarity whatever its spelling, numbers decided over the whole dataset, the
"no label" values, dropping classes, and the label checks before training."""

import json
import logging
import re

import pytest
from datasets import Dataset, DatasetDict

from hf_absa import SentimentClassifier
from hf_absa.data.labels import LabelReport, build_label_mapping
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.readers import APCDataError, iter_examples_file, read_apc_file, read_inference_file


def write_examples(path, examples):
    """A 3-line file of (sentence with $T$, aspect, label) triples."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{sentence}\n{aspect}\n{label}\n" for sentence, aspect, label in examples),
                    encoding="utf-8")
    return path


def labelled(*labels, aspect="food"):
    """One example per label, each its own sentence (line 3k+3 of the file holds the k-th label)."""
    return [(f"the $T$ number {index} is here", aspect, label) for index, label in enumerate(labels)]


def labels_of(loaded):
    return {split: dataset["label"] for split, dataset in loaded.items()}


def test_polarity_spellings_and_abbreviations_are_three_classes(tmp_path):
    folder = tmp_path / "mixed"
    write_examples(folder / "mixed.train.txt", labelled("POS", "Neg", "NEU", "Positive ", "negative ", "neutral",
                                                        " pos", "neg", "Neu"))
    write_examples(folder / "mixed.test.txt", labelled("positive", "NEGATIVE", "Neutral"))
    loaded = load_apc_dataset(folder)
    assert labels_of(loaded) == {
        "train": ["Positive", "Negative", "Neutral"] * 3,
        "test": ["Positive", "Negative", "Neutral"],
    }
    assert build_label_mapping(loaded) == ["Negative", "Neutral", "Positive"]


def test_other_label_words_are_one_class_whatever_their_case(tmp_path):
    path = write_examples(tmp_path / "x.train.txt", labelled("conflict", "Conflict", " CONFLICT ", "Positive"))
    loaded = load_apc_dataset(path)
    assert loaded["train"]["label"] == ["Conflict", "Conflict", "Conflict", "Positive"]
    assert build_label_mapping(loaded) == ["Conflict", "Positive"]


def test_a_misspelt_polarity_is_refused_at_its_line_and_other_words_are_warned_about(tmp_path, caplog):
    path = write_examples(tmp_path / "typo.train.txt", labelled("Positive", "Negative", "Postive", "Neutral"))
    with pytest.raises(APCDataError, match=r"typo\.train\.txt:9: the label 'Postive' looks like a misspelling of "
                                           r"'Positive'") as error_info:
        load_apc_dataset(path)
    suggested = json.loads(re.search(r"label_map=(\{.*?\})", str(error_info.value)).group(1))
    assert suggested == {"Positive": "Positive", "Negative": "Negative", "Postive": "Positive", "Neutral": "Neutral"}
    assert load_apc_dataset(path, label_map=suggested)["train"]["label"] == [
        "Positive", "Negative", "Positive", "Neutral"]
    from hf_absa.data import load_atepc_dataset

    rows = [{"sentence": "great food", "aspects": [{"aspect": "food", "label": "Postive"}]},
            {"sentence": "rude staff", "aspects": [{"aspect": "staff", "label": "Negative"}]}]
    with pytest.raises(APCDataError, match="'Postive' looks like a misspelling of 'Positive'"):
        load_atepc_dataset(rows)
    custom = write_examples(tmp_path / "custom.train.txt", labelled("Awful", "Great", "Neutral"))
    with caplog.at_level("WARNING", logger="hf_absa.data.labels"):
        assert load_apc_dataset(custom)["train"]["label"] == ["Awful", "Great", "Neutral"]
    assert "kept as classes of their own: Awful, Great" in caplog.text


def test_drop_labels_drops_per_split_logs_and_reports(tmp_path, caplog):
    folder = tmp_path / "with-conflict"
    write_examples(folder / "r.train.txt", labelled("Positive", "conflict", "Negative", "Conflict", "Positive"))
    write_examples(folder / "r.test.txt", labelled("negative", "CONFLICT"))
    with caplog.at_level(logging.INFO, logger="hf_absa.data.labels"):
        loaded, report = load_apc_dataset(folder, drop_labels=(" conflict",), return_report=True)
    assert labels_of(loaded) == {"train": ["Positive", "Negative", "Positive"], "test": ["Negative"]}
    assert isinstance(report, LabelReport)
    assert report.dropped == {"train": {"Conflict": 2}, "test": {"Conflict": 1}}
    assert report.dropped_per_split() == {"train": 2, "test": 1}
    assert report.counts == {"train": {"Negative": 1, "Positive": 2}, "test": {"Negative": 1}}
    json.dumps(report.__dict__)  # plain data, for a results file
    messages = [record.getMessage() for record in caplog.records]
    assert "Split 'train': dropped 2 of 5 examples (Conflict 2)" in messages, messages
    assert "Split 'test': dropped 1 of 2 examples (Conflict 1)" in messages, messages
    # a single string is one label, not its characters
    assert load_apc_dataset(folder, drop_labels="Conflict")["test"]["label"] == ["Negative"]
    # without the option the class stays
    assert "Conflict" in load_apc_dataset(folder)["train"]["label"]


def test_pyabsa_numbers_are_read_without_a_map(tmp_path):
    folder = tmp_path / "numbers"
    write_examples(folder / "n.train.txt", labelled("-1", "0", "1", " 1 "))
    write_examples(folder / "n.test.txt", labelled("0", "1"))
    assert labels_of(load_apc_dataset(folder)) == {"train": ["Negative", "Neutral", "Positive", "Positive"],
                                                   "test": ["Neutral", "Positive"]}


def test_other_numbers_stop_at_the_first_value_outside_the_scheme_over_all_splits(tmp_path):
    folder = tmp_path / "zero-one-two"
    train = write_examples(folder / "n.train.txt", labelled("0", "1", "1", "2", "0"))
    test = write_examples(folder / "n.test.txt", labelled("0", "1"))
    # the test split alone holds only 0 and 1: it is read as PyABSA's scheme...
    assert load_apc_dataset(test)["test"]["label"] == ["Neutral", "Positive"]
    # ...but with the train split, the dataset is 0/1/2, and the first 2 (4th example, line 12) stops the load
    with pytest.raises(APCDataError) as error_info:
        load_apc_dataset(folder)
    message = str(error_info.value)
    assert message.startswith(f"{train}:12: the label '2' is a number outside PyABSA's numeric labels -1/0/1"), message
    assert "the dataset's labels (all splits together) are 0, 1, 2" in message
    assert """label_map={"0": "Negative", "1": "Neutral", "2": "Positive"}""" in message
    assert """--label_map '{"0": "Negative", "1": "Neutral", "2": "Positive"}'""" in message
    assert error_info.value.line == 12


@pytest.mark.parametrize("labels, values, line", [
    (("0", "2", "2"), "0, 2", 6),
    (("1", "2", "3", "4"), "1, 2, 3, 4", 6),
    (("Positive", "-1", "5"), "-1, 5, Positive", 9),
])
def test_any_other_numeric_label_set_needs_a_map(tmp_path, labels, values, line):
    path = write_examples(tmp_path / "x.train.txt", labelled(*labels))
    with pytest.raises(APCDataError, match=rf"^{path}:{line}: .* are {values}, and which class") as error_info:
        load_apc_dataset(path)
    assert "label_map=" in str(error_info.value) and "--label_map" in str(error_info.value)


def test_label_map_for_numbers_applies_to_every_split(tmp_path):
    folder = tmp_path / "mapped"
    write_examples(folder / "n.train.txt", labelled("0", "1", "2"))
    write_examples(folder / "n.test.txt", labelled("2", "0"))
    loaded = load_apc_dataset(folder, label_map={"0": "Negative", 1: "neutral", "2": "Positive"})
    assert labels_of(loaded) == {"train": ["Negative", "Neutral", "Positive"], "test": ["Positive", "Negative"]}
    # drop_labels names classes, also those of the map
    write_examples(folder / "n.test.txt", labelled("2", "3", "0"))
    mapping = {"0": "Negative", "1": "Neutral", "2": "Positive", "3": "conflict"}
    loaded, report = load_apc_dataset(folder, label_map=mapping, drop_labels=["CONFLICT"], return_report=True)
    assert loaded["test"]["label"] == ["Positive", "Negative"] and report.dropped == {"test": {"Conflict": 1}}


def test_label_map_for_words_and_unmapped_labels(tmp_path):
    path = write_examples(tmp_path / "x.train.txt", labelled("good", "BAD", "Positive", "meh", "good"))
    mapping = {"good": "Positive", "bad": "Negative"}
    with pytest.raises(APCDataError) as error_info:
        load_apc_dataset(path, label_map=mapping)
    message = str(error_info.value)
    assert message.startswith(f"{path}:12: the label 'meh' is not in the label_map given"), message
    assert "the dataset's unmapped labels (all splits together) are meh" in message
    # 'Positive' is one of the map's classes, so it is not unmapped
    loaded = load_apc_dataset(path, label_map={**mapping, "MEH": "Neutral"})
    assert loaded["train"]["label"] == ["Positive", "Negative", "Positive", "Neutral", "Positive"]


def test_label_map_entries_are_checked():
    rows = [{"sentence": "the food", "aspect": "food", "label": "good"}]
    with pytest.raises(ValueError, match="label_map has the key '-100', which means 'no label'"):
        load_apc_dataset(rows, label_map={"-100": "Neutral", "good": "Positive"})
    with pytest.raises(ValueError, match=r"label_map maps 'good' to 3; expected a class name"):
        load_apc_dataset(rows, label_map={"good": 3})


@pytest.mark.parametrize("no_label", ["-100", "-999"])
def test_no_label_values_in_training_data_stop_or_are_dropped(tmp_path, no_label, caplog):
    folder = tmp_path / "padded"
    write_examples(folder / "p.train.txt", labelled("Positive", "Negative", no_label))
    test = write_examples(folder / "p.test.txt", labelled(no_label, "Positive", no_label))
    with pytest.raises(APCDataError) as error_info:
        load_apc_dataset(folder)
    message = str(error_info.value)
    assert message.startswith(f"{folder / 'p.train.txt'}:9: the label '{no_label}' is PyABSA's 'no label' value, "
                              "not a class; the dataset has 3 unlabelled example(s) (1 in train, 2 in test)"), message
    assert "drop_unlabelled=True" in message
    # any split is training data: the test file alone stops too, at its first unlabelled example
    with pytest.raises(APCDataError, match=rf"^{test}:3: the label '{no_label}'"):
        load_apc_dataset(test)

    with caplog.at_level(logging.INFO, logger="hf_absa.data.labels"):
        loaded, report = load_apc_dataset(folder, drop_unlabelled=True, return_report=True)
    assert labels_of(loaded) == {"train": ["Positive", "Negative"], "test": ["Positive"]}
    assert report.dropped_unlabelled == {"train": 1, "test": 2}
    assert report.dropped_per_split() == {"train": 1, "test": 2}
    assert "Split 'test': dropped 2 of 3 examples (unlabelled 2)" in [r.getMessage() for r in caplog.records]
    assert no_label not in report.classes


def test_missing_labels_in_training_data_stop_or_are_dropped(tmp_path):
    marked = tmp_path / "m.train.inference"
    marked.write_text("the [B-ASP]food[E-ASP] is good $LABEL$ pos\nthe [B-ASP]tea[E-ASP] is cold\n"
                      "the [B-ASP]wine[E-ASP] is bad $LABEL$ NEG\n", encoding="utf-8")
    with pytest.raises(APCDataError, match=rf"^{marked}:2: the label is missing, not a class"):
        load_apc_dataset(marked)
    assert load_apc_dataset(marked, drop_unlabelled=True)["train"]["label"] == ["Positive", "Negative"]

    rows = [{"sentence": "the food", "aspect": "food", "label": "Positive"},
            {"sentence": "the tea", "aspect": "tea", "label": -100},
            {"sentence": "the wine", "aspect": "wine", "label": None}]
    with pytest.raises(APCDataError, match=r"^row 1 of the train data: the label '-100' is PyABSA's 'no label' "
                                           r"value, not a class; the dataset has 2 unlabelled"):
        load_apc_dataset(rows)
    assert load_apc_dataset(rows, drop_unlabelled=True)["train"]["aspect"] == ["food"]


def test_data_without_any_label_is_unlabelled_data_not_training_data():
    rows = [{"sentence": "the food", "aspect": "food", "label": None},
            {"sentence": "the tea", "aspect": "tea", "label": "-100"}]
    loaded = load_apc_dataset(rows)
    assert loaded["train"]["label"] == [None, None]
    with pytest.raises(ValueError, match="the 'train' split has no labelled example"):
        build_label_mapping(loaded)
    with pytest.raises(APCDataError, match="no example has a label, so drop_unlabelled=True would drop them all"):
        load_apc_dataset(rows, drop_unlabelled=True)


def test_no_label_values_in_prediction_files_mean_no_reference(tmp_path):
    three_line = write_examples(tmp_path / "x.test.txt", labelled("-100", "Positive", "-999", "neg"))
    assert [e["label"] for e in read_apc_file(three_line)] == [None, "Positive", None, "Negative"]
    marked = tmp_path / "x.test.inference"
    marked.write_text("the [B-ASP]food[E-ASP] and [B-ASP]tea[E-ASP] $LABEL$ -100, POS\n", encoding="utf-8")
    assert [e["label"] for e in read_inference_file(marked)] == [None, "Positive"]
    assert [e["label"] for group in iter_examples_file(marked) for e in group] == [None, "Positive"]


def test_predict_file_leaves_no_label_references_out(tiny_apc_checkpoint, tmp_path):
    classifier = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu")
    source = tmp_path / "refs.inference"
    source.write_text("the [B-ASP]food[E-ASP] is good but the [B-ASP]wine[E-ASP] is bad $LABEL$ -100, Negative\n"
                      "the [B-ASP]staff[E-ASP] is nice $LABEL$ -999\n"
                      "the [B-ASP]tea[E-ASP] is hot $LABEL$ pos\n", encoding="utf-8")
    report = classifier.predict_file(source, tmp_path / "out.jsonl")
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    aspects = [aspect for result in written for aspect in result["aspects"]]
    assert [aspect["aspect"] for aspect in aspects] == ["food", "wine", "staff", "tea"]
    assert [aspect.get("reference") for aspect in aspects] == [None, "Negative", None, "Positive"]
    assert ["correct" in aspect for aspect in aspects] == [False, True, False, True]
    assert report["aspects"] == 4 and report["labelled"] == 2 and report["unknown_references"] == {}
    assert sum(map(sum, report["metrics"]["confusion_matrix"])) == 2
    correct = [aspect["correct"] for aspect in aspects if "correct" in aspect]
    assert report["metrics"]["accuracy"] == pytest.approx(sum(correct) / 2)


def splits(**labels):
    return DatasetDict({split: Dataset.from_dict({"label": values}) for split, values in labels.items()})


def test_build_label_mapping_logs_each_split(caplog):
    with caplog.at_level(logging.INFO, logger="hf_absa.data.labels"):
        build_label_mapping(splits(train=["Positive", "Negative", "Positive", None], test=["Negative"]))
    messages = [record.getMessage() for record in caplog.records]
    assert "Labels of split 'train' (4 examples): Negative 1, Positive 2; 1 unlabelled" in messages, messages
    assert "Labels of split 'test' (1 example): Negative 1" in messages, messages


def test_build_label_mapping_refuses_a_single_training_label():
    with pytest.raises(ValueError, match=r"^the 'train' split has a single label, 'Positive' \(3 examples\); "
                                         r"expected at least two labels"):
        build_label_mapping(splits(train=["Positive", "Positive", None, "Positive"], test=["Positive"]))


def test_build_label_mapping_names_the_split_label_and_count_train_lacks():
    with pytest.raises(ValueError, match=r"^split 'test' has label\(s\) 'Conflict', 'Neutral' that the 'train' split "
                                         r"lacks \('Conflict' on 2 examples, 'Neutral' on 1 example\)"):
        build_label_mapping(splits(train=["Positive", "Negative"], validation=["Positive"],
                                   test=["Conflict", "Neutral", "Conflict", "Positive"]))
