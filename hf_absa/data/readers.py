"""Readers for the two plain-text APC formats that PyABSA users exchange.

* The 3-line ``$T$`` format (training/test/valid files): the sentence with the aspect replaced by ``$T$``,
  the aspect, the label -- repeated once per aspect.
* The marked format (``.inference`` files and ``predict()`` strings): one sentence per line, every aspect wrapped
  as ``[B-ASP]aspect[E-ASP]``, optionally followed by ``$LABEL$ label1, label2``.

Both produce examples in the canonical schema (see ``EXAMPLE_COLUMNS``): the plain sentence, the aspect, its
character span, the normalised label, and the character spans of the neighbouring aspects of the same sentence
(what the LSA models aggregate over). ``iter_apc_file`` / ``iter_inference_file`` stream a file one sentence at a
time (a list of its examples), so a million-line file is never held in memory; ``read_apc_file`` /
``read_inference_file`` are the same readers collected into one list.

>>> parse_marked_text("The [B-ASP]food[E-ASP] was great $LABEL$ Positive")[0]["aspect_start"]
4

Bad input raises ``APCDataError`` naming the file and the 1-based line. Two irregularities of the public benchmark
files are tolerated instead of rejected, because PyABSA reads those files and users expect them to load:
a sentence line with ``$T$`` more than once is skipped (as PyABSA does), and a sentence line without ``$T$`` gets
its aspect located in the sentence text (skipped when the aspect does not occur in it). Both are logged with counts.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ASPECT_PLACEHOLDER = "$T$"
LABEL_SEPARATOR = "$LABEL$"
# v1 of PyABSA separated the reference labels with "!sent!"; still found in old files.
LEGACY_LABEL_SEPARATOR = "!sent!"

EXAMPLE_COLUMNS = (
    "sentence",
    "aspect",
    "aspect_start",
    "aspect_end",
    "label",
    "left_aspect_start",
    "left_aspect_end",
    "right_aspect_start",
    "right_aspect_end",
)
NEIGHBOUR_COLUMNS = EXAMPLE_COLUMNS[5:]

# PyABSA's numeric labels; the only numbers read as classes without an explicit label map.
PYABSA_NUMERIC_LABELS = {"-1": "Negative", "0": "Neutral", "1": "Positive"}
# PyABSA's "no label" values (-100 in v2, -999 in v1): they pad the label of an unlabelled example, never a class.
NO_LABEL_VALUES = frozenset({"-100", "-999"})
# Polarity words and their usual abbreviations, lower-cased -> the class name.
POLARITY_WORDS = {
    "positive": "Positive", "pos": "Positive",
    "negative": "Negative", "neg": "Negative",
    "neutral": "Neutral", "neu": "Neutral",
}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")

THREE_LINE_FORMAT = "3 lines per example (sentence with $T$, aspect, label) and no blank lines between examples"
MARKED_FORMAT = (
    "each aspect wrapped as [B-ASP]aspect[E-ASP], e.g. "
    "'The [B-ASP]food[E-ASP] was good, but the [B-ASP]service[E-ASP] was slow. $LABEL$ Positive, Negative' "
    "(the part from $LABEL$ on is optional)"
)
HOW_TO_MARK_ASPECTS = (
    "each aspect marked, in one of two formats: 3 lines per aspect in any file, e.g. 'The $T$ was great' / "
    "'food' / 'Positive' (the sentence with $T$ in place of the aspect, the aspect, the label); or, in a file named "
    "*.inference, one sentence per line with each aspect wrapped, e.g. 'The [B-ASP]food[E-ASP] was great "
    "$LABEL$ Positive' (the part from $LABEL$ on is optional)"
)


class APCDataError(ValueError):
    """Malformed APC data; the message reads ``"{path}:{line}: {problem}; expected {expected}"``.

    ``path`` and ``line`` are left out of the message when unknown (e.g. a string passed to ``predict``).
    """

    def __init__(self, path: str | os.PathLike | None, line: int | None, problem: str, expected: str):
        self.path = None if path is None else str(path)
        self.line = line
        self.problem = problem
        self.expected = expected
        if self.path is not None:
            location = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        else:
            location = f"line {line}: " if line is not None else ""
        super().__init__(f"{location}{problem}; expected {expected}")


class ReferenceLabelError(APCDataError):
    """The reference labels after ``$LABEL$`` do not match the marked aspects of the text.

    ``examples`` holds the text's examples without reference labels, for readers that go on without them.
    """

    examples: list[dict] | None = None


def label_text(label: Any) -> str | None:
    """A label as written, tidied: stripped, inner whitespace collapsed, integral numbers as integers.

    ``2``, ``2.0``, ``"+2"`` and ``" 2.0 "`` all give ``"2"`` (pandas turns an integer column with a gap into
    floats). ``None``, NaN and blank strings give ``None`` (no label). Raises ``TypeError`` for a boolean.

    >>> label_text("  very   positive "), label_text(-1.0), label_text(float("nan"))
    ('very positive', '-1', None)
    """
    if label is None:
        return None
    if isinstance(label, bool):
        raise TypeError(f"a label must be a string or an integer, got the boolean {label!r}")
    if isinstance(label, float) or type(label).__name__.startswith("float"):
        if math.isnan(float(label)):
            return None
    text = " ".join(str(label).split())
    if not text:
        return None
    if _NUMBER.fullmatch(text):
        value = float(text)
        if value.is_integer():
            return str(int(value))
    return text


def is_numeric_label(text: str) -> bool:
    """Whether a label (as given by `label_text`) is a number, e.g. ``"2"`` or ``"-1"``."""
    return _NUMBER.fullmatch(text) is not None


def class_name(text: str) -> str:
    """The class a label word stands for, whatever its case: polarity words and abbreviations (``pos``, ``NEG``,
    ``neutral``) give Positive/Negative/Neutral, other words are capitalised (``conflict`` -> ``Conflict``).

    ``text`` is tidied like `label_text`. Numbers are returned unchanged (their meaning is the dataset's choice).

    >>> [class_name(word) for word in ("POS", "Negative ", "neu", "CONFLICT", "2")]
    ['Positive', 'Negative', 'Neutral', 'Conflict', '2']
    """
    text = " ".join(text.split())
    if is_numeric_label(text):
        return text
    return POLARITY_WORDS.get(text.lower(), text.capitalize())


def normalize_label(label: Any) -> str | None:
    """The class of one label read on its own (a reference label in a prediction file, a row to predict).

    ``None``, NaN, blank strings and PyABSA's "no label" values -100/-999 give ``None``; -1/0/1 give
    Negative/Neutral/Positive; words go through `class_name`; other numbers are kept as text. Training data is
    read through `hf_absa.data.load_apc_dataset`, which decides what numbers mean over the whole dataset.

    >>> [normalize_label(label) for label in (" pos", 1, "-100", "conflict", "2")]
    ['Positive', 'Positive', None, 'Conflict', '2']
    """
    text = label_text(label)
    if text is None or text in NO_LABEL_VALUES:
        return None
    return PYABSA_NUMERIC_LABELS.get(text) or class_name(text)


def _iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based number, line without terminator) of each file line, read lazily; UTF-8 with or without BOM."""
    # Binary lines split on LF only: str.splitlines would also split on \x85, \u2028 etc., which occur inside
    # real sentences and would shift every following line out of step. A CR before the LF is dropped.
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise APCDataError(path, number, f"byte {raw[error.start]:#04x} is not valid UTF-8",
                                   "UTF-8 encoded text") from None
            if line.endswith("\n"):
                line = line[:-1]
            yield number, line[:-1] if line.endswith("\r") else line


def _without_trailing_blank_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The numbered lines up to the last non-blank one (blank lines inside are kept), lazily."""
    blank_run: list[tuple[int, str]] = []
    for numbered in lines:
        if numbered[1].strip():
            yield from blank_run
            blank_run.clear()
            yield numbered
        else:
            blank_run.append(numbered)


def _find_aspect(sentence: str, aspect: str) -> int:
    """Start of the first occurrence of ``aspect`` in ``sentence`` (exact, else case-insensitive), or -1."""
    start = sentence.find(aspect)
    if start < 0:
        start = sentence.casefold().find(aspect.casefold())
        # casefold can change lengths (e.g. German sharp s); only trust a match that maps back exactly
        if start >= 0 and sentence[start : start + len(aspect)].casefold() != aspect.casefold():
            start = -1
    return start


def iter_apc_file(path: str | os.PathLike) -> Iterator[list[dict]]:
    """Stream a PyABSA 3-line ``$T$`` file: one list of canonical examples per sentence, in file order.

    Consecutive examples of one sentence form one list (their neighbour spans link them). The file is read
    lazily, so memory does not grow with its length. Labels go through `normalize_label` (-100/-999 give
    ``None``: no reference). Raises ``APCDataError`` naming the file and 1-based line for blank lines inside the
    file, an empty aspect or label, lines out of step (an aspect or label line containing ``$T$``), a line count
    that is not a multiple of 3, and a file of plain sentences (no aspect marked). Skips, with one logged warning
    per file, sentences containing ``$T$`` more than once (as PyABSA does) and sentences without ``$T$`` whose
    aspect does not occur in them.
    """
    return iter_sentence_groups(example for _, example in _iter_apc_examples(Path(path), normalize_label))


def read_apc_file(path: str | os.PathLike) -> list[dict]:
    """Read a PyABSA 3-line ``$T$`` file into canonical examples (in file order, with neighbour spans).

    `iter_apc_file` collected into one list; same errors and warnings.
    """
    return [example for group in iter_apc_file(path) for example in group]


def _unmarked_file_error(path: Path, line: int, marked_format_seen: bool) -> APCDataError:
    """The error for a file whose lines mark no aspect in the format its name calls for."""
    if marked_format_seen:
        return APCDataError(
            path, line, "the file looks like the marked format ([B-ASP]aspect[E-ASP] in its lines), which is only "
            "read from files whose name ends with .inference", f"{THREE_LINE_FORMAT}; or rename the file to end "
            f"with .inference, that format being {MARKED_FORMAT}")
    return APCDataError(path, line, "the file looks like plain sentences, no aspect marked (no '$T$' in place of an "
                        "aspect, no [B-ASP]...[E-ASP] markers)", HOW_TO_MARK_ASPECTS)


def _iter_apc_examples(path: Path, label_of: Callable[[Any], str | None]) -> Iterator[tuple[int, dict]]:
    """(line of the label, example without neighbour spans) of a 3-line file, validated block by block.

    ``label_of`` turns the label line into the example's label.
    """
    slot_names = ("sentence", "aspect", "label")
    several_placeholders: list[int] = []
    aspect_not_found: list[int] = []
    located_without_placeholder: list[int] = []
    total = 0
    produced = 0
    first_line: int | None = None
    placeholder_seen = marker_seen = False

    def fail(line: int, problem: str, expected: str) -> APCDataError:
        # Before any usable example and without a single $T$, the file is not in this format at all: say so
        # rather than report the first symptom (a blank line, a line count), which would send the user astray.
        if first_line is not None and not placeholder_seen and not produced:
            return _unmarked_file_error(path, first_line, marker_seen)
        return APCDataError(path, line, problem, expected)

    block: list[tuple[int, str]] = []
    for numbered in _without_trailing_blank_lines(_iter_lines(path)):
        block.append(numbered)
        if first_line is None and numbered[1].strip():
            first_line = numbered[0]
        placeholder_seen = placeholder_seen or ASPECT_PLACEHOLDER in numbered[1]
        marker_seen = marker_seen or ASPECT_MARKER.search(numbered[1]) is not None
        if len(block) < 3:
            continue
        block_line = block[0][0]
        values = [line.strip() for _, line in block]
        block = []
        total += 1
        for offset, (slot, value) in enumerate(zip(slot_names, values)):
            if not value:
                owner = "" if offset == 0 else f" of the example starting at line {block_line}"
                raise fail(block_line + offset, f"blank line where the {slot}{owner} should be",
                           f"a non-empty {slot}; the file must have {THREE_LINE_FORMAT}")
            if offset and ASPECT_PLACEHOLDER in value:
                raise fail(
                    block_line + offset,
                    f"the {slot} line of the example starting at line {block_line} contains '$T$', so it looks "
                    "like a sentence: the lines are out of step (a line is missing or extra before it)",
                    f"the {slot} of the sentence on line {block_line}; the file must have {THREE_LINE_FORMAT}",
                )
        template, aspect, label = values
        placeholders = template.count(ASPECT_PLACEHOLDER)
        if placeholders > 1:
            several_placeholders.append(block_line)
            continue
        if placeholders == 1:
            start = template.index(ASPECT_PLACEHOLDER)
            sentence = template[:start] + aspect + template[start + len(ASPECT_PLACEHOLDER) :]
        else:
            start = _find_aspect(template, aspect)
            if start < 0:
                aspect_not_found.append(block_line)
                continue
            located_without_placeholder.append(block_line)
            sentence = template
            aspect = template[start : start + len(aspect)]  # the sentence's own spelling of a case-insensitive match
        produced += 1
        yield block_line + 2, canonical_example(sentence, start, start + len(aspect), label_of(label))

    if block:
        last_line = block[-1][0]
        raise fail(
            block[0][0],
            f"the file ends with an incomplete example ({last_line} non-blank lines, not a multiple of 3)",
            THREE_LINE_FORMAT,
        )
    if not total:
        raise APCDataError(path, 1, "the file has no examples", THREE_LINE_FORMAT)
    if not produced:  # before the warnings: the error alone says what is wrong with the file, in one line
        raise fail(1, "no usable example in the file", THREE_LINE_FORMAT)
    if several_placeholders:
        logger.warning(
            "%s: skipped %d of %d examples whose sentence contains '$T$' more than once (as PyABSA does), "
            "first at line %d", path, len(several_placeholders), total, several_placeholders[0])
    if aspect_not_found:
        logger.warning(
            "%s: skipped %d of %d examples whose sentence has no '$T$' and does not contain the aspect, "
            "at lines %s", path, len(aspect_not_found), total, ", ".join(map(str, aspect_not_found[:10])))
    if located_without_placeholder:
        logger.info(
            "%s: %d of %d examples have no '$T$' in their sentence; their aspect was located in the sentence text "
            "(first at line %d)", path, len(located_without_placeholder), total, located_without_placeholder[0])


def canonical_example(sentence: str, start: int, end: int, label: str | None = None) -> dict:
    """The example of the aspect ``sentence[start:end]``, its own span standing in for both neighbours.

    >>> canonical_example("the food was good", 4, 8)["aspect"]
    'food'
    """
    return {
        "sentence": sentence,
        "aspect": sentence[start:end],
        "aspect_start": start,
        "aspect_end": end,
        "label": label,
        "left_aspect_start": start,
        "left_aspect_end": end,
        "right_aspect_start": start,
        "right_aspect_end": end,
    }


def _collapsed(sentence: str) -> str:
    return " ".join(sentence.split())


def _non_space_positions(sentence: str) -> list[int]:
    return [index for index, char in enumerate(sentence) if not char.isspace()]


def _map_span(source: str, start: int, end: int, target: str) -> tuple[int, int]:
    """Map a span of ``source`` onto ``target``, a sentence equal to it up to whitespace.

    The two sentences have the same sequence of non-space characters, so the k-th non-space character of one is
    the k-th of the other.
    """
    if source == target:
        return start, end
    source_positions = _non_space_positions(source)
    target_positions = _non_space_positions(target)
    rank = {position: k for k, position in enumerate(source_positions)}
    first = rank.get(start)
    last = rank.get(end - 1)
    if first is None or last is None:  # a span with surrounding spaces; not produced by our readers
        return start, end
    return target_positions[first], target_positions[last] + 1


def add_neighbour_spans(examples: Sequence[dict]) -> list[dict]:
    """Copies of ``examples`` with the left/right neighbour aspect spans filled in (`iter_sentence_groups`,
    flattened)."""
    return [example for group in iter_sentence_groups(examples) for example in group]


def iter_sentence_groups(examples: Iterable[dict]) -> Iterator[list[dict]]:
    """Group consecutive examples of one sentence, as copies with their left/right neighbour spans filled in.

    Consecutive examples whose sentences are equal after collapsing whitespace are aspects of one sentence; the
    left neighbour of an example is the previous example of its sentence, the right neighbour the next one, and
    an example at either end of its sentence is its own neighbour (PyABSA ``build_sentiment_window``).
    Neighbour spans are expressed in each example's own sentence. Lazy: holds one sentence's examples at a time.

    >>> rows = [canonical_example("the food and the wine", 4, 8), canonical_example("the food and the wine", 17, 21)]
    >>> [(e["left_aspect_start"], e["right_aspect_start"]) for group in iter_sentence_groups(rows) for e in group]
    [(4, 17), (4, 17)]
    """
    group: list[dict] = []
    key = None
    for example in examples:
        example_key = _collapsed(example["sentence"])
        if group and example_key != key:
            yield _with_neighbour_spans(group)
            group = []
        group.append(dict(example))
        key = example_key
    if group:
        yield _with_neighbour_spans(group)


def _with_neighbour_spans(group: list[dict]) -> list[dict]:
    """Fill in the neighbour spans of the examples of one sentence, in place."""
    # Computed from the original spans before any example is updated (neighbour spans never feed back).
    own_spans = [(example["sentence"], example["aspect_start"], example["aspect_end"]) for example in group]
    for index, example in enumerate(group):
        own = example["sentence"]
        left = own_spans[index - 1] if index > 0 else own_spans[index]
        right = own_spans[index + 1] if index + 1 < len(group) else own_spans[index]
        example["left_aspect_start"], example["left_aspect_end"] = _map_span(*left, own)
        example["right_aspect_start"], example["right_aspect_end"] = _map_span(*right, own)
    return group


# Any aspect marker: [B-ASP] / [E-ASP], or the legacy [ASP] that both opens and closes.
ASPECT_MARKER = re.compile(r"\[B-ASP\]|\[E-ASP\]|\[ASP\]", re.IGNORECASE)


def parse_marked_text(text: str, line: int | None = None, path: str | os.PathLike | None = None) -> list[dict]:
    """Parse one marked sentence into one canonical example per marked aspect.

    ``text`` looks like ``The [B-ASP]food[E-ASP] was good, but the [B-ASP]service[E-ASP] was bad. $LABEL$
    Positive, Negative``; legacy ``[ASP]aspect[ASP]`` markers and the v1 ``!sent!`` separator are accepted.
    Reference labels are optional; when given there must be one per aspect, in aspect order. The examples carry
    the marker-free sentence, character spans, and neighbour spans over the aspects of this text.
    ``line``/``path`` only locate errors (``APCDataError``). Reference labels go through `normalize_label`.
    """
    return _parse_marked(text, line, path, normalize_label)


def _parse_marked(text: str, line: int | None, path: str | os.PathLike | None,
                  label_of: Callable[[Any], str | None]) -> list[dict]:
    """`parse_marked_text` with ``label_of`` turning each reference label into the example's label."""

    def fail(problem: str, expected: str = MARKED_FORMAT) -> APCDataError:
        return APCDataError(path, line, problem, expected)

    if not isinstance(text, str):
        raise TypeError(f"expected the marked text as a string, got {type(text).__name__}")
    separator = LABEL_SEPARATOR if LABEL_SEPARATOR in text else LEGACY_LABEL_SEPARATOR
    body, _, references = text.partition(separator)
    if separator in references:
        raise fail(f"'{separator}' occurs more than once",
                   f"'{separator}' once, followed by the comma-separated labels of the aspects")
    if not body.strip():
        # Said as such: "no aspect is marked" would send the user looking for a marker in a text that is not there.
        raise fail("the text is empty" if not body else "the text is blank (only whitespace)")

    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    open_marker: str | None = None
    open_at = 0
    open_column = 0
    position = 0
    for match in ASPECT_MARKER.finditer(body):
        pieces.append(body[position : match.start()])
        length += match.start() - position
        position = match.end()
        marker = match.group().upper()
        column = match.start() + 1
        if marker == "[E-ASP]" or (marker == "[ASP]" and open_marker is not None):
            if open_marker is None:
                raise fail(f"'{match.group()}' at column {column} closes no aspect (no '[B-ASP]' before it)")
            if open_marker != ("[B-ASP]" if marker == "[E-ASP]" else "[ASP]"):
                raise fail(f"'{match.group()}' at column {column} closes an aspect opened with '{open_marker}'")
            spans.append(_stripped_span(pieces, open_at, length, fail, open_column))
            open_marker = None
        else:
            if open_marker is not None:
                raise fail(f"nested aspect markers: '{match.group()}' at column {column} inside the aspect "
                           f"opened at column {open_column}")
            open_marker, open_at, open_column = marker, length, column
    if open_marker is not None:
        raise fail(f"the aspect opened with '{open_marker}' at column {open_column} is never closed")
    pieces.append(body[position:])
    if not spans:
        raise fail("no aspect is marked in the text")

    plain = "".join(pieces)
    sentence = plain.strip()
    shift = len(plain) - len(plain.lstrip())
    spans = [(start - shift, end - shift) for start, end in spans]
    try:
        labels = _marked_labels(references, len(spans), path, line, label_of)
    except ReferenceLabelError as error:
        error.examples = add_neighbour_spans([canonical_example(sentence, *span) for span in spans])
        raise
    return add_neighbour_spans([canonical_example(sentence, *span, label) for span, label in zip(spans, labels)])


def _stripped_span(pieces: list[str], start: int, end: int, fail, column: int) -> tuple[int, int]:
    """The span of the marked aspect without surrounding whitespace; an empty aspect is an error."""
    aspect = "".join(pieces)[start:end]
    if not aspect.strip():
        raise fail(f"the aspect marked at column {column} is empty")
    leading = len(aspect) - len(aspect.lstrip())
    trailing = len(aspect) - len(aspect.rstrip())
    return start + leading, end - trailing


def _marked_labels(references: str, aspect_count: int, path, line, label_of) -> list[str | None]:
    if not references.strip():
        return [None] * aspect_count
    labels = [part.strip() for part in references.split(",")]
    expected = f"one label per marked aspect ({aspect_count}), comma-separated in aspect order"
    if any(not part for part in labels):
        raise ReferenceLabelError(path, line, "an empty label in the comma-separated list after $LABEL$", expected)
    if len(labels) != aspect_count:
        raise ReferenceLabelError(
            path, line, f"{len(labels)} label(s) after $LABEL$ for {aspect_count} marked aspect(s)", expected)
    return [label_of(part) for part in labels]


def iter_inference_file(path: str | os.PathLike, strict: bool = True) -> Iterator[list[dict]]:
    """Stream a marked-format file (``.inference``): the examples of each non-blank line, one list per line.

    Every line goes through `parse_marked_text`; neighbour spans link the aspects of one line only. Errors name
    the file and the 1-based line. With ``strict=False`` a line whose reference labels do not match its marked
    aspects (a different count, an empty label) is read without reference labels instead, and the lines are
    counted in one logged warning (PyABSA's behaviour), so that one bad line does not stop a long job.
    """
    for _, group in _iter_inference_lines(Path(path), strict, normalize_label):
        yield group


def _iter_inference_lines(path: Path, strict: bool, label_of: Callable[[Any], str | None]
                          ) -> Iterator[tuple[int, list[dict]]]:
    """(line, its examples) of each non-blank line of a marked-format file; ``label_of`` reads the labels."""
    unlabelled_lines: list[int] = []
    lines = 0
    marker_seen = False
    for number, text in _iter_lines(path):
        if not text.strip():
            continue
        lines += 1
        if not marker_seen:
            if ASPECT_MARKER.search(text) is None:
                # The first line already lacks markers: the whole file is in another form, and the error says which.
                if ASPECT_PLACEHOLDER in text:
                    raise APCDataError(
                        path, number, "the file looks like the 3-line format ('$T$' in place of the aspect), which "
                        "is read from files whose name does not end with .inference",
                        f"one sentence per line, {MARKED_FORMAT}; or rename the file, that format having "
                        f"{THREE_LINE_FORMAT}")
                raise _unmarked_file_error(path, number, marked_format_seen=False)
            marker_seen = True
        try:
            yield number, _parse_marked(text, number, path, label_of)
        except ReferenceLabelError as error:
            if strict:
                raise
            unlabelled_lines.append(number)
            yield number, error.examples
    if unlabelled_lines:
        logger.warning(
            "%s: %d of %d lines have reference labels that do not match their marked aspects (a different count "
            "or an empty label); they were read without reference labels, first at line %d",
            path, len(unlabelled_lines), lines, unlabelled_lines[0])
    if not lines:
        raise APCDataError(path, 1, "the file has no marked sentence", f"one sentence per line, {MARKED_FORMAT}")


def read_inference_file(path: str | os.PathLike, strict: bool = True) -> list[dict]:
    """Read a marked-format file (``.inference``) into canonical examples: `iter_inference_file` in one list."""
    return [example for group in iter_inference_file(path, strict=strict) for example in group]


def is_inference_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is in the marked format (its name ends with ``.inference``) rather than the 3-line one."""
    return Path(path).name.lower().endswith(".inference")


def iter_examples_file(path: str | os.PathLike, strict: bool = True) -> Iterator[list[dict]]:
    """Stream either format, one list of examples per sentence: `iter_inference_file` for ``.inference`` files,
    `iter_apc_file` for others (``strict`` only applies to the former)."""
    return iter_inference_file(path, strict=strict) if is_inference_file(path) else iter_apc_file(path)


def read_labels_as_written(path: str | os.PathLike) -> list[tuple[int, dict]]:
    """(1-based line of the label, example) of each example of a file in either format, labels as written.

    For readers that decide what the labels mean over a whole dataset (`hf_absa.data.load_apc_dataset`): each
    label is `label_text` of the file's text (``None`` where an ``.inference`` line has none), not yet a class.
    Examples carry their neighbour spans. Reads strictly (a reference label count that does not match the
    aspects is an error); otherwise the same errors as `iter_examples_file`.
    """
    path = Path(path)
    if is_inference_file(path):
        return [(line, example) for line, group in _iter_inference_lines(path, True, label_text) for example in group]
    numbered = list(_iter_apc_examples(path, label_text))
    examples = add_neighbour_spans([example for _, example in numbered])
    return [(line, example) for (line, _), example in zip(numbered, examples)]
