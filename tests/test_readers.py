"""Readers of the 3-line ``$T$`` format and the marked (``.inference``) format."""

import logging
import os

import pytest

from hf_absa.data.readers import (
    APCDataError,
    ReferenceLabelError,
    add_neighbour_spans,
    iter_apc_file,
    iter_examples_file,
    iter_inference_file,
    normalize_label,
    parse_marked_text,
    read_apc_file,
    read_inference_file,
)
from hf_absa.data.registry import split_of_file

THREE_ASPECTS = [
    "The $T$ was great , the service slow and the wine cheap .", "food", "1",
    "The food was great , the $T$ slow and the wine cheap .", "service", "-1",
    "The food was great , the service slow and the $T$ cheap .", "wine", "0",
    "$T$ lasts forever", "battery life", "positive",
]


def write_lines(path, lines, newline="\n", bom=False, trailer=""):
    data = newline.join(lines) + newline + trailer
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def assert_data_error(error_info, path, line, *fragments):
    message = str(error_info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert "; expected " in message
    for fragment in fragments:
        assert fragment in message, message
    assert error_info.value.line == line


@pytest.mark.parametrize(
    "raw, expected",
    [("-1", "Negative"), ("0", "Neutral"), ("1", "Positive"), (1, "Positive"), (-1, "Negative"), (0.0, "Neutral"),
     (" positive ", "Positive"), ("NEGATIVE", "Negative"), ("Neutral", "Neutral"), ("Conflict", "Conflict"),
     (" conflict ", "Conflict"), ("CONFLICT", "Conflict"), ("pos", "Positive"), ("POS ", "Positive"),
     ("Neg", "Negative"), ("NEU", "Neutral"), ("neu", "Neutral"), ("+1", "Positive"), ("1.0", "Positive"),
     ("2", "2"), (None, None), ("", None), (float("nan"), None), ("-100", None), (-100, None), ("-999", None),
     (-999.0, None)],
)
def test_normalize_label(raw, expected):
    assert normalize_label(raw) == expected


def test_read_apc_file_spans_labels_and_neighbours(tmp_path):
    path = write_lines(tmp_path / "x.train.txt", THREE_ASPECTS, newline="\r\n", bom=True, trailer="\r\n  \r\n\n")
    examples = read_apc_file(path)

    sentence = "The food was great , the service slow and the wine cheap ."
    food, service, wine = (4, 8), (25, 32), (46, 50)
    assert [e["sentence"] for e in examples[:3]] == [sentence] * 3
    assert [(e["aspect"], e["aspect_start"], e["aspect_end"], e["label"]) for e in examples] == [
        ("food", *food, "Positive"),
        ("service", *service, "Negative"),
        ("wine", *wine, "Neutral"),
        ("battery life", 0, 12, "Positive"),
    ]
    neighbours = [(e["left_aspect_start"], e["left_aspect_end"], e["right_aspect_start"], e["right_aspect_end"])
                  for e in examples]
    assert neighbours == [(*food, *service), (*food, *wine), (*service, *wine), (0, 12, 0, 12)]
    for example in examples:
        assert example["sentence"][example["aspect_start"]:example["aspect_end"]] == example["aspect"]
        assert "\r" not in example["sentence"] and "\ufeff" not in example["sentence"]


def test_read_apc_file_strips_whitespace(tmp_path):
    path = write_lines(tmp_path / "x.txt", ["  the $T$ is slow  ", " keyboard ", " Negative "])
    [example] = read_apc_file(path)
    assert (example["sentence"], example["aspect"], example["aspect_start"], example["label"]) == (
        "the keyboard is slow", "keyboard", 4, "Negative")


@pytest.mark.parametrize(
    "lines, line, fragments",
    [
        (THREE_ASPECTS[:3] + [""] + THREE_ASPECTS[3:], 4, ["blank line where the sentence should be"]),
        (THREE_ASPECTS[:4] + ["   "] + THREE_ASPECTS[5:], 5,
         ["blank line where the aspect of the example starting at line 4 should be"]),
        (THREE_ASPECTS[:5] + [""] + THREE_ASPECTS[6:], 6,
         ["blank line where the label of the example starting at line 4 should be"]),
        (THREE_ASPECTS[:-1], 10, ["incomplete example", "11 non-blank lines, not a multiple of 3"]),
        # an aspect line is missing: the next sentence lands on the label line
        (THREE_ASPECTS[:4] + THREE_ASPECTS[5:], 6,
         ["label line of the example starting at line 4 contains '$T$'", "out of step"]),
        (THREE_ASPECTS[:3] + ["food"] + THREE_ASPECTS[3:], 5,
         ["aspect line of the example starting at line 4 contains '$T$'", "out of step"]),
    ],
    ids=["blank-sentence", "empty-aspect", "empty-label", "not-multiple-of-3", "label-looks-like-sentence",
         "aspect-looks-like-sentence"],
)
def test_read_apc_file_errors_name_file_and_line(tmp_path, lines, line, fragments):
    path = write_lines(tmp_path / "bad.train.txt", lines)
    with pytest.raises(APCDataError) as error_info:
        read_apc_file(path)
    assert_data_error(error_info, path, line, *fragments)
    assert isinstance(error_info.value, ValueError)


def test_read_apc_file_rejects_empty_and_non_utf8_files(tmp_path):
    empty = write_lines(tmp_path / "empty.txt", [""])
    with pytest.raises(APCDataError) as error_info:
        read_apc_file(empty)
    assert_data_error(error_info, empty, 1, "no examples")

    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("the $T$ is slow\nkeyboard\nNegative\nthe caf\xe9 $T$\nfood\nPositive\n".encode("latin-1"))
    with pytest.raises(APCDataError) as error_info:
        read_apc_file(latin1)
    assert_data_error(error_info, latin1, 4, "not valid UTF-8")


def test_read_apc_file_skips_repeated_placeholder_and_unlocatable_aspects(tmp_path, caplog):
    lines = [
        "$T$ is great and I love $T$", "pizza", "Positive",          # two $T$: skipped like PyABSA
        "Bediening was traag .", "bediening", "Negative",             # no $T$: located case-insensitively
        "the screen is bright", "screen", "Positive",                 # no $T$: located exactly
        "not to sound too positive", "delivary", "Positive",          # no $T$, aspect absent: skipped
        "the $T$ is slow", "keyboard", "Negative",
    ]
    path = write_lines(tmp_path / "quirks.test.dat", lines)
    with caplog.at_level(logging.WARNING, logger="hf_absa.data.readers"):
        examples = read_apc_file(path)
    assert [(e["sentence"], e["aspect"], e["aspect_start"]) for e in examples] == [
        ("Bediening was traag .", "Bediening", 0),
        ("the screen is bright", "screen", 4),
        ("the keyboard is slow", "keyboard", 4),
    ]
    messages = [record.getMessage() for record in caplog.records]
    assert any("skipped 1 of 5 examples whose sentence contains '$T$' more than once" in m and "line 1" in m
               for m in messages), messages
    assert any("skipped 1 of 5 examples whose sentence has no '$T$' and does not contain the aspect" in m
               and "10" in m for m in messages), messages


def test_add_neighbour_spans_maps_spans_across_whitespace_differences():
    first = {"sentence": "the  food and  service", "aspect": "food", "aspect_start": 5, "aspect_end": 9}
    second = {"sentence": "the food and service", "aspect": "service", "aspect_start": 13, "aspect_end": 20}
    other = {"sentence": "the food and service!", "aspect": "food", "aspect_start": 4, "aspect_end": 8}
    result = add_neighbour_spans([first, second, other])
    assert "left_aspect_start" not in first  # inputs are not modified
    assert (result[0]["right_aspect_start"], result[0]["right_aspect_end"]) == (15, 22)
    assert result[0]["sentence"][15:22] == "service"
    assert (result[1]["left_aspect_start"], result[1]["left_aspect_end"]) == (4, 8)
    assert (result[1]["right_aspect_start"], result[1]["right_aspect_end"]) == (13, 20)
    assert (result[2]["left_aspect_start"], result[2]["right_aspect_end"]) == (4, 8)  # a different sentence


def test_parse_marked_text_with_labels():
    text = "The [B-ASP]food[E-ASP] was good, but the [B-ASP]service[E-ASP] was bad. $LABEL$ Positive, Negative"
    assert parse_marked_text(text) == [
        {"sentence": "The food was good, but the service was bad.", "aspect": "food", "aspect_start": 4,
         "aspect_end": 8, "label": "Positive", "left_aspect_start": 4, "left_aspect_end": 8,
         "right_aspect_start": 27, "right_aspect_end": 34},
        {"sentence": "The food was good, but the service was bad.", "aspect": "service", "aspect_start": 27,
         "aspect_end": 34, "label": "Negative", "left_aspect_start": 4, "left_aspect_end": 8,
         "right_aspect_start": 27, "right_aspect_end": 34},
    ]


def test_parse_marked_text_without_labels_legacy_markers_and_padding():
    examples = parse_marked_text("  [ASP] Boot time [ASP] is super fast ,  [B-ASP]screen[E-ASP] too  ")
    assert [(e["sentence"], e["aspect"], e["aspect_start"], e["aspect_end"], e["label"]) for e in examples] == [
        ("Boot time  is super fast ,  screen too", "Boot time", 0, 9, None),
        ("Boot time  is super fast ,  screen too", "screen", 28, 34, None),
    ]
    assert parse_marked_text("the [B-ASP]wine[E-ASP] $LABEL$ ")[0]["label"] is None
    assert parse_marked_text("the [B-ASP]wine[E-ASP] !sent! -1")[0]["label"] == "Negative"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("The food was good. $LABEL$ Positive", "no aspect is marked"),
        ("The [B-ASP]food was good.", "never closed"),
        ("The [B-ASP]food [B-ASP]menu[E-ASP][E-ASP] was good.", "nested aspect markers"),
        ("The food[E-ASP] was good.", "closes no aspect"),
        ("The [B-ASP]food[ASP] was good.", "closes an aspect opened with '[B-ASP]'"),
        ("The [B-ASP]  [E-ASP] was good.", "is empty"),
        ("The [B-ASP]food[E-ASP] and [B-ASP]wine[E-ASP]. $LABEL$ Positive", "1 label(s) after $LABEL$ for 2"),
        ("The [B-ASP]food[E-ASP] and [B-ASP]wine[E-ASP]. $LABEL$ Positive,", "empty label"),
    ],
)
def test_parse_marked_text_errors(text, fragment):
    with pytest.raises(APCDataError) as error_info:
        parse_marked_text(text, line=7, path="in.inference")
    message = str(error_info.value)
    assert message.startswith("in.inference:7: ") and fragment in message, message
    if "label" not in fragment:
        assert "[B-ASP]aspect[E-ASP]" in message  # tells how to mark aspects


def test_parse_marked_text_error_without_location_is_a_value_error():
    with pytest.raises(ValueError, match=r"^no aspect is marked in the text; expected each aspect wrapped as "):
        parse_marked_text("Nothing marked here")


def test_read_inference_file(tmp_path):
    path = write_lines(tmp_path / "x.test.txt.inference", [
        "The [B-ASP]food[E-ASP] was good, but the [B-ASP]service[E-ASP] was bad. $LABEL$ Positive, Negative",
        "",
        "The food was good, but the [B-ASP]service[E-ASP] was bad. $LABEL$ 0",
    ], newline="\r\n", bom=True)
    examples = read_inference_file(path)
    assert [(e["aspect"], e["label"]) for e in examples] == [("food", "Positive"), ("service", "Negative"),
                                                            ("service", "Neutral")]
    # neighbours link the aspects of one line only, even when the next line has the same sentence
    assert (examples[2]["left_aspect_start"], examples[2]["right_aspect_start"]) == (27, 27)
    assert (examples[1]["left_aspect_start"], examples[1]["right_aspect_start"]) == (4, 27)

    bad = write_lines(tmp_path / "bad.inference", ["The [B-ASP]food[E-ASP] was good.", "", "no marker here"])
    with pytest.raises(APCDataError) as error_info:
        read_inference_file(bad)
    assert_data_error(error_info, bad, 3, "no aspect is marked")


def test_iter_apc_file_yields_one_group_per_sentence_lazily(tmp_path):
    # The error at the end of the file is only reached when the reader gets there: the file is streamed.
    path = write_lines(tmp_path / "x.train.txt", THREE_ASPECTS + ["the $T$ is slow", "keyboard"])
    groups = iter_apc_file(path)
    first = next(groups)
    assert [e["aspect"] for e in first] == ["food", "service", "wine"]
    assert (first[1]["left_aspect_start"], first[1]["right_aspect_start"]) == (4, 46)
    # the "battery life" sentence could go on with more aspects, so the reader reads on and hits the error
    with pytest.raises(APCDataError) as error_info:
        next(groups)
    assert_data_error(error_info, path, 13, "incomplete example")


def test_iter_inference_file_is_lazy_and_lenient_with_labels_unless_strict(tmp_path, caplog):
    lines = ["The [B-ASP]food[E-ASP] was good. $LABEL$ Positive",
             "The [B-ASP]food[E-ASP] and [B-ASP]wine[E-ASP] were good. $LABEL$ Positive",
             "The [B-ASP]wine[E-ASP] was dull. $LABEL$ ,",
             "no marker"]
    path = write_lines(tmp_path / "mixed.inference", lines)
    groups = iter_inference_file(path)
    assert [e["label"] for e in next(groups)] == ["Positive"]
    with pytest.raises(ReferenceLabelError) as error_info:
        next(groups)
    assert_data_error(error_info, path, 2, "1 label(s) after $LABEL$ for 2 marked aspect(s)")

    lenient = iter_inference_file(path, strict=False)
    with caplog.at_level(logging.WARNING, logger="hf_absa.data.readers"):
        read = [next(lenient) for _ in range(3)]
        with pytest.raises(APCDataError, match="mixed.inference:4: no aspect is marked"):
            next(lenient)  # only the labels are lenient
    assert [[e["label"] for e in group] for group in read] == [["Positive"], [None, None], [None]]
    assert [(e["aspect"], e["right_aspect_start"]) for e in read[1]] == [("food", 13), ("wine", 13)]


def test_lenient_label_warning_counts_the_lines(tmp_path, caplog):
    path = write_lines(tmp_path / "x.inference", ["The [B-ASP]food[E-ASP] was good. $LABEL$ Positive, Negative",
                                                  "The [B-ASP]wine[E-ASP] was dull. $LABEL$ Negative"])
    with caplog.at_level(logging.WARNING, logger="hf_absa.data.readers"):
        examples = [e for group in iter_examples_file(path, strict=False) for e in group]
    assert [e["label"] for e in examples] == [None, "Negative"]
    assert any("1 of 2 lines have reference labels that do not match" in record.getMessage()
               for record in caplog.records)
    assert read_inference_file(path, strict=False) == examples


def _real_apc_files(root):
    return sorted(
        path for path in (root / "apc_datasets").rglob("*")
        if path.is_file() and split_of_file(path) is not None and path.parent.name != "99.PoliticalData"
    )


def test_reads_every_real_apc_file(shared_datasets):
    files = _real_apc_files(shared_datasets)
    assert len(files) >= 40
    counts = {}
    for path in files:
        examples = read_apc_file(path)
        counts[os.path.relpath(path, shared_datasets / "apc_datasets")] = len(examples)
        for example in examples:
            sentence = example["sentence"]
            assert sentence == sentence.strip() and "$T$" not in sentence, path
            assert sentence[example["aspect_start"]:example["aspect_end"]] == example["aspect"], path
            assert sentence[example["left_aspect_start"]:example["left_aspect_end"]], path
            assert sentence[example["right_aspect_start"]:example["right_aspect_end"]], path
            assert example["label"] in {"Positive", "Negative", "Neutral"}, (path, example["label"])
    # SemEval-2014 files are clean: every example kept (README counts)
    assert counts["110.SemEval/113.laptop14/Laptops_Train.xml.seg"] == 2328
    assert counts["110.SemEval/113.laptop14/Laptops_Test_Gold.xml.seg"] == 638
    assert counts["110.SemEval/114.restaurant14/Restaurants_Test_Gold.xml.seg"] == 1120
    # Twitter: 368 of 6248 sentences carry $T$ twice and are skipped, as PyABSA does
    assert counts["101.ACL_Twitter/acl-14-short-data/train.raw"] == 6248 - 368
    assert counts["109.MAMS/valid.xml.dat"] == 1332


def test_rejects_malformed_political_test_file(shared_datasets):
    path = shared_datasets / "apc_datasets" / "99.PoliticalData" / "custom.test.txt"
    with pytest.raises(APCDataError) as error_info:
        read_apc_file(path)
    assert_data_error(error_info, path, 105, "custom.test.txt", "label line of the example starting at line 103",
                      "out of step")
    assert len(read_apc_file(path.with_name("custom.train.txt"))) == 67  # its CRLF train file is fine


PLAIN = ["The food was great .", "The service was slow .", "We will come back .", "Prices are fair ."]


@pytest.mark.parametrize("lines", [PLAIN, PLAIN[:3], PLAIN[:2], PLAIN[:2] + [""] + PLAIN[2:], PLAIN * 3],
                         ids=["4-lines", "3-lines", "2-lines", "blank-line", "12-lines"])
def test_plain_sentence_file_is_named_as_such(tmp_path, lines):
    path = write_lines(tmp_path / "reviews.train.txt", [""] + lines)
    with pytest.raises(APCDataError) as error_info:
        read_apc_file(path)
    assert_data_error(error_info, path, 2, "the file looks like plain sentences, no aspect marked",
                      "'The $T$ was great' / 'food' / 'Positive'", "*.inference",
                      "'The [B-ASP]food[E-ASP] was great $LABEL$ Positive'")

    marked = write_lines(tmp_path / "reviews.test.inference", lines)
    with pytest.raises(APCDataError) as error_info:
        read_inference_file(marked)
    assert_data_error(error_info, marked, 1, "the file looks like plain sentences, no aspect marked",
                      "'The $T$ was great' / 'food' / 'Positive'", "[B-ASP]food[E-ASP]")


def test_a_file_in_the_other_format_is_named_as_such(tmp_path):
    marked_lines = [f"The [B-ASP]{aspect}[E-ASP] was great $LABEL$ Positive" for aspect in ("food", "wine", "tea")]
    path = write_lines(tmp_path / "reviews.train.txt", marked_lines)
    with pytest.raises(APCDataError) as error_info:
        read_apc_file(path)
    assert_data_error(error_info, path, 1, "looks like the marked format", "rename the file to end with .inference")

    path = write_lines(tmp_path / "reviews.inference", THREE_ASPECTS)
    with pytest.raises(APCDataError) as error_info:
        read_inference_file(path)
    assert_data_error(error_info, path, 1, "looks like the 3-line format", "not end with .inference")


def test_one_unmarked_line_among_marked_ones_keeps_the_line_error(tmp_path):
    path = write_lines(tmp_path / "x.inference", ["The [B-ASP]food[E-ASP] was good.", "The wine was good."])
    with pytest.raises(APCDataError) as error_info:
        read_inference_file(path)
    assert_data_error(error_info, path, 2, "no aspect is marked in the text")
    assert "plain sentences" not in str(error_info.value)


def test_a_file_of_plain_sentences_gives_the_error_alone(tmp_path, caplog):
    """No 'skipped N examples' warning before the error: the command line shows one line, not two."""
    path = tmp_path / "bad.train.txt"
    path.write_text("the battery dies fast\nthe screen is dim\nthe keys are loud\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING), pytest.raises(APCDataError, match="plain sentences"):
        read_apc_file(path)
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
