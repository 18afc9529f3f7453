"""ATEPC readers and load_atepc_dataset: every expected value is worked out by hand from inputs written here."""

import pandas as pd
import pytest
from datasets import Dataset

from conftest import SHARED_DATASETS
from hf_absa.data import (
    apc_examples_to_atepc,
    atepc_example_from_row,
    atepc_polarity_labels,
    load_atepc_dataset,
    read_atepc_file,
    read_unified_tag_file,
    split_words,
)
from hf_absa.data.readers import APCDataError, read_apc_file


def aspects(example):
    """(aspect words joined, label) of each aspect."""
    return [(" ".join(example["words"][s:e]), label)
            for s, e, label in zip(example["aspect_starts"], example["aspect_ends"], example["aspect_labels"])]


def atepc_lines(*sentences):
    return "\n\n".join("\n".join(" ".join(token) for token in sentence) for sentence in sentences) + "\n"


# One sentence, two aspects, in each of the two copy styles of the README.
ONLY_FOCUS_TAGGED = [
    [("good", "O", "-100"), ("cord", "B-ASP", "Neutral"), ("battery", "O", "-100"), ("life", "O", "-100")],
    [("good", "O", "-100"), ("cord", "O", "-100"), ("battery", "B-ASP", "Positive"), ("life", "I-ASP", "Positive")],
]
ALL_TAGGED = [
    [("good", "O", "-100"), ("cord", "B-ASP", "Neutral"), ("battery", "B-ASP", "-100"), ("life", "I-ASP", "-100")],
    [("good", "O", "-100"), ("cord", "B-ASP", "-999"), ("battery", "B-ASP", "Positive"), ("life", "I-ASP", "Positive")],
]


@pytest.mark.parametrize("copies", [ONLY_FOCUS_TAGGED, ALL_TAGGED], ids=["only-focus-tagged", "all-tagged"])
def test_atepc_copies_merge_into_one_sentence(tmp_path, copies):
    path = tmp_path / "x.train.atepc"
    path.write_text(atepc_lines(*copies, [("no", "O", "-100"), ("aspect", "O", "-100")]), encoding="utf-8")
    first, second = read_atepc_file(path)
    assert first["text"] == "good cord battery life"
    assert first["word_starts"] == [0, 5, 10, 18] and first["word_ends"] == [4, 9, 17, 22]
    assert aspects(first) == [("cord", "Neutral"), ("battery life", "Positive")]
    assert aspects(second) == []  # aspect-free sentences are kept


def test_atepc_conflicting_copy_starts_a_new_example(tmp_path):
    path = tmp_path / "x.atepc"
    path.write_text(atepc_lines([("the", "O", "-100"), ("food", "B-ASP", "Positive")],
                                [("the", "O", "-100"), ("food", "B-ASP", "Negative")]), encoding="utf-8")
    assert [aspects(example) for example in read_atepc_file(path)] == [[("food", "Positive")], [("food", "Negative")]]


@pytest.mark.parametrize("line, problem", [
    ("food B-ASP", "the line has 2 whitespace-separated columns"),
    ("food X-ASP Positive", "the tag 'X-ASP'"),
])
def test_atepc_malformed_line_names_file_and_line(tmp_path, line, problem):
    path = tmp_path / "bad.atepc"
    path.write_text(f"the O -100\n\nthe O -100\n{line}\n", encoding="utf-8")
    with pytest.raises(APCDataError, match=rf"bad.atepc:4: {problem}"):
        read_atepc_file(path)


def test_atepc_two_polarities_in_one_aspect_rejected(tmp_path):
    path = tmp_path / "bad.atepc"
    path.write_text("battery B-ASP Positive\nlife I-ASP Negative\n", encoding="utf-8")
    with pytest.raises(APCDataError, match=r"bad.atepc:2: the aspect starting at line 1 has the polarities"):
        read_atepc_file(path)


def test_unified_tags_group_aspects_and_keep_aspect_free_lines(tmp_path):
    path = tmp_path / "dev.txt"
    path.write_text("Boot time is fast.####Boot=T-POS time=T-POS is=O fast=O .=O\n"
                    "It works.####It=O works=O .=O\n"
                    "good a=b screen####good=O a=b=T-NEG screen=T-POS\n", encoding="utf-8")
    first, second, third = read_unified_tag_file(path)
    assert first["words"] == ["Boot", "time", "is", "fast", "."]
    assert aspects(first) == [("Boot time", "Positive")]
    assert aspects(second) == []
    # '=' inside a word; a change of polarity ends an aspect
    assert aspects(third) == [("a=b", "Negative"), ("screen", "Positive")]


def test_unified_tags_bad_token_named(tmp_path):
    path = tmp_path / "test.txt"
    path.write_text("ok####ok=O\nbad####bad=T-XYZ\n", encoding="utf-8")
    with pytest.raises(APCDataError, match=r"test.txt:2: the token 'bad=T-XYZ'"):
        read_unified_tag_file(path)


def test_split_words_one_word_per_cjk_character_and_forced_boundaries():
    text = "屏幕很好, pizzas!"
    assert [text[s:e] for s, e in split_words(text)] == ["屏", "幕", "很", "好", ",", "pizzas", "!"]
    assert [text[s:e] for s, e in split_words(text, [11])] == ["屏", "幕", "很", "好", ",", "pizza", "s", "!"]


def test_apc_rows_converted_with_all_aspects_of_a_sentence(tmp_path):
    path = tmp_path / "apc.train.txt"
    path.write_text("The $T$ was great but the wine was bad\nfood\nPositive\n"
                    "The food was great but the $T$ was bad\nwine\n-1\n"
                    "Nice $T$\nstaff\n1\n", encoding="utf-8")
    first, second = apc_examples_to_atepc(read_apc_file(path))
    assert aspects(first) == [("food", "Positive"), ("wine", "Negative")]
    assert aspects(second) == [("staff", "Positive")]


def test_row_aspects_located_in_order_and_spans_checked():
    row = {"text": "the food and the food", "aspects": [{"aspect": "food", "label": "pos"},
                                                        {"aspect": "food", "polarity": "neg"}]}
    example = atepc_example_from_row(row)
    assert example["aspect_starts"] == [1, 4] and example["aspect_labels"] == ["Positive", "Negative"]
    expected = r"row 3 of the rows: aspect 0: sentence\[0:4\] is 'the ', not the aspect 'food'"
    with pytest.raises(APCDataError, match=expected):
        atepc_example_from_row({"sentence": "the food", "aspects": [{"aspect": "food", "start": 0}]}, 3)


def test_load_in_memory_sources_agree():
    rows = [{"sentence": "Great food but rude staff",
             "aspects": [{"aspect": "food", "label": "1"}, {"aspect": "staff", "label": "-1", "start": 20}]},
            {"sentence": "Nothing to say", "aspects": []}]
    expected = [[("food", "Positive"), ("staff", "Negative")], []]
    for source in (rows, pd.DataFrame(rows), Dataset.from_list(rows), {"train": rows, "test": rows}):
        loaded = load_atepc_dataset(source)
        assert [aspects(example) for example in loaded["train"]] == expected
    reloaded = load_atepc_dataset(loaded)  # rows already in the schema are kept as they are
    assert reloaded["test"].to_list() == loaded["test"].to_list()
    assert atepc_polarity_labels(loaded) == ["Negative", "Positive"]


def test_load_folder_prefers_atepc_files_and_reads_unified_tags(tmp_path):
    (tmp_path / "r.train.txt").write_text("Nice $T$\nstaff\nPositive\n", encoding="utf-8")
    (tmp_path / "r.train.txt.atepc").write_text(atepc_lines([("Nice", "O", "-100"), ("staff", "B-ASP", "Negative")]),
                                                encoding="utf-8")
    (tmp_path / "r.dev.txt").write_text("Nice staff####Nice=O staff=T-NEU\n", encoding="utf-8")
    loaded = load_atepc_dataset(tmp_path)
    assert list(loaded) == ["train"]  # the .atepc copy alone is read when there is one
    assert [aspects(example) for example in loaded["train"]] == [[("staff", "Negative")]]
    loaded = load_atepc_dataset({"validation": tmp_path / "r.dev.txt", "train": tmp_path / "r.train.txt"})
    assert list(loaded) == ["train", "validation"]
    assert aspects(loaded["train"][0]) == [("staff", "Positive")]
    assert aspects(loaded["validation"][0]) == [("staff", "Neutral")]


needs_shared = pytest.mark.skipif(not (SHARED_DATASETS / "atepc_datasets").is_dir(),
                                  reason="../shared/datasets is not available")


@needs_shared
def test_shared_laptop14_atepc_merges_to_sentences():
    loaded = load_atepc_dataset("laptop14", data_dir=SHARED_DATASETS)
    # README: 2328 / 638 aspects; the test set repeats one aspect in one sentence, merged into one
    assert [sum(map(len, loaded[split]["aspect_starts"])) for split in ("train", "test")] == [2328, 637]
    assert len(loaded["train"]) < 2328
    assert all(label is not None for labels in loaded["train"]["aspect_labels"] for label in labels)


@needs_shared
def test_shared_e2e_split_has_dev_and_aspect_free_sentences():
    loaded = load_atepc_dataset("e2e_absa/laptop14", data_dir=SHARED_DATASETS)
    assert {split: len(dataset) for split, dataset in loaded.items()} == {"train": 2741, "validation": 304,
                                                                         "test": 800}
    assert any(not starts for starts in loaded["test"]["aspect_starts"])


@needs_shared
def test_shared_malformed_political_file_rejected_with_line():
    path = SHARED_DATASETS / "atepc_datasets" / "99.PoliticalData" / "custom.test.txt.atepc"
    with pytest.raises(APCDataError, match=r"custom.test.txt.atepc:\d+: the line has 38 whitespace-separated"):
        read_atepc_file(path)
