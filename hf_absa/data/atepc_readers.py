"""Readers for aspect term extraction with polarity (ATEPC): one example per SENTENCE, all its aspects together.

An example (see ``ATEPC_COLUMNS``) holds the sentence ``text``, its ``words`` with their character offsets
(``text[word_starts[i]:word_ends[i]] == words[i]``), and the word-index span ``[aspect_starts[k],
aspect_ends[k])`` and polarity ``aspect_labels[k]`` of each aspect (sorted, non-overlapping; ``None`` = no
polarity). Aspect-free sentences are kept, with empty aspect lists.

Sources:

* PyABSA's ``.atepc`` files (`iter_atepc_file`): ``word IOB polarity`` per line, a blank line between sentences,
  ``-100``/``-999`` for "no polarity". A sentence with several aspects appears once per aspect, consecutively,
  either with only that aspect tagged or with every aspect tagged but only the one in focus given a polarity.
  Consecutive copies with the same words are merged back into one sentence with all aspects and polarities. A copy
  that contradicts what the copies before it say (the same aspect with another polarity, or an overlapping aspect)
  starts a new example instead, so no annotation is lost (SemEval-2016 gives one term several polarities, one per
  aspect category); such splits are counted in a logged message.
* The unified-tag files of Li et al. 2019 (`iter_unified_tag_file`): ``sentence####word=T-POS word=O ...``.
* APC 3-line rows converted (`apc_examples_to_atepc`), as PyABSA's ``convert_apc_set_to_atepc_set`` does, but with
  the aspects of one sentence merged into one example.
* In-memory rows (`atepc_example_from_row`): a sentence and a list of aspects (text, character span, polarity).

Raw text (APC sentences, in-memory rows) is split into words by `split_words`, the pre-splitter: one word per CJK
character (Chinese and Japanese are written without spaces), runs of other letters and digits as words, every other
non-space character alone; word boundaries are also forced at each aspect's edges. Token files (``.atepc``,
unified tags) keep their own words, and their ``text`` is the words joined by single spaces.

Bad input raises `APCDataError` naming the file and 1-based line (or the row) and what was expected.

>>> example = atepc_example_from_text("The battery life is great", [(4, 16, "Positive")])
>>> example["words"], example["aspect_starts"], example["aspect_ends"], example["aspect_labels"]
(['The', 'battery', 'life', 'is', 'great'], [1], [3], ['Positive'])
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .readers import APCDataError, _iter_lines, _map_span, iter_sentence_groups, normalize_label

logger = logging.getLogger(__name__)

ATEPC_COLUMNS = ("text", "words", "word_starts", "word_ends", "aspect_starts", "aspect_ends", "aspect_labels")

ATEPC_FORMAT = ("one token per line as 'word TAG polarity' (TAG one of O, B-ASP, I-ASP; polarity a label such as "
                "Positive, or -100 for none), a blank line between sentences")
UNIFIED_TAG_FORMAT = ("one sentence per line as 'sentence####word=TAG word=TAG ...', TAG one of O, T-POS, T-NEG, "
                      "T-NEU (B-/I-/E-/S- prefixes also accepted)")
ROW_FORMAT = ("a dict with 'sentence' (or 'text'): str and 'aspects': a list of dicts with 'aspect' (its text), "
              "'start' and 'end' (character offsets, optional: the first free occurrence is used) and 'label' "
              "(the polarity, optional)")

_IOB_TAGS = ("O", "B-ASP", "I-ASP")
# Han ideographs (with extensions and compatibility forms), kana, CJK symbols: one word per character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_WORD = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])[^\W_])+|\S")
_UNIFIED_POLARITY = {"POS": "Positive", "NEG": "Negative", "NEU": "Neutral"}


def split_words(text: str, boundaries: Iterable[int] = ()) -> list[tuple[int, int]]:
    """The character spans ``[start, end)`` of the words of ``text``: the pre-splitter for raw text.

    One word per CJK character (Han, kana), runs of other letters and digits (combining marks included) as words,
    every other non-space character (punctuation, symbols, ``_``) alone. Whitespace separates words and belongs to
    none. ``boundaries`` are character offsets where a word must end/start too (an aspect's edges).

    >>> text = "价格偏高, but the keyboard's fine"
    >>> [text[start:end] for start, end in split_words(text)]
    ['价', '格', '偏', '高', ',', 'but', 'the', 'keyboard', "'", 's', 'fine']
    """
    cuts = sorted({cut for cut in boundaries if 0 < cut < len(text)})
    spans: list[tuple[int, int]] = []
    previous = 0
    for cut in cuts + [len(text)]:
        spans.extend((previous + match.start(), previous + match.end()) for match in _WORD.finditer(text[previous:cut]))
        previous = cut
    return spans


def _empty_example(text: str, spans: Sequence[tuple[int, int]]) -> dict:
    return {"text": text, "words": [text[start:end] for start, end in spans],
            "word_starts": [start for start, _ in spans], "word_ends": [end for _, end in spans],
            "aspect_starts": [], "aspect_ends": [], "aspect_labels": []}


def atepc_example_from_words(words: Sequence[str], aspects: Iterable[tuple[int, int, str | None]] = ()) -> dict:
    """The example of a tokenised sentence: ``text`` is ``words`` joined by single spaces.

    ``aspects``: ``(first_word, end_word, label)`` with ``end_word`` exclusive; sorted and checked here (raises
    ``ValueError`` for an empty, out-of-range or overlapping span, or a word that is empty or holds whitespace).
    """
    spans, position = [], 0
    for index, word in enumerate(words):
        if not isinstance(word, str) or not word or any(char.isspace() for char in word):
            raise ValueError(f"word {index} is {word!r}; expected a non-empty string without whitespace")
        spans.append((position, position + len(word)))
        position += len(word) + 1
    example = _empty_example(" ".join(words), spans)
    _set_aspects(example, aspects)
    return example


def _set_aspects(example: dict, aspects: Iterable[tuple[int, int, str | None]]) -> None:
    ordered = sorted(aspects, key=lambda aspect: (aspect[0], aspect[1]))
    count = len(example["words"])
    previous_end = 0
    for start, end, _ in ordered:
        if not 0 <= start < end <= count:
            raise ValueError(f"the aspect span [{start}, {end}) is not within the {count} words; expected "
                             "0 <= first word < end word <= the number of words")
        if start < previous_end:
            raise ValueError(f"the aspect span [{start}, {end}) overlaps the aspect before it; expected "
                             "non-overlapping aspects")
        previous_end = end
    example["aspect_starts"] = [start for start, _, _ in ordered]
    example["aspect_ends"] = [end for _, end, _ in ordered]
    example["aspect_labels"] = [label for _, _, label in ordered]


def atepc_example_from_text(text: str, aspects: Iterable[tuple[int, int, str | None]] = ()) -> dict:
    """The example of a raw sentence with aspects given as character spans ``(start, end, label)``.

    The words come from `split_words`, with boundaries forced at each aspect's edges; the aspect covers the words
    inside its span. Raises ``ValueError`` for an empty, out-of-range or overlapping span.
    """
    aspects = list(aspects)
    for start, end, _ in aspects:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
                and text[start:end].strip()):
            raise ValueError(f"the aspect span [{start}, {end}) is not a non-blank part of the {len(text)}-character "
                             "sentence; expected 0 <= start < end <= len(sentence)")
    spans = split_words(text, [edge for start, end, _ in aspects for edge in (start, end)])
    example = _empty_example(text, spans)
    word_aspects = []
    for start, end, label in aspects:
        inside = [index for index, (word_start, word_end) in enumerate(spans)
                  if word_start >= start and word_end <= end]
        word_aspects.append((inside[0], inside[-1] + 1, label))
    _set_aspects(example, word_aspects)
    return example


def _aspect_key(aspect: tuple[int, int, Any]) -> tuple[int, int]:
    return aspect[0], aspect[1]


class _CopyMerger:
    """Merges consecutive copies of one sentence (same words) into as few examples as agree with each other."""

    def __init__(self) -> None:
        self.splits = 0

    def merge(self, copies: list[tuple[int, list[str], list[tuple[int, int, str | None]]]]
              ) -> Iterator[tuple[int, list[str], list[tuple[int, int, str | None]]]]:
        """(first line, words, aspects) per merged example, from (line, words, aspects) per copy."""
        line, words, merged = copies[0][0], copies[0][1], {}
        for copy_line, _, aspects in copies:
            if not self._agrees(merged, aspects):
                self.splits += 1
                yield line, words, list(merged.values())
                line, merged = copy_line, {}
            for aspect in aspects:
                known = merged.get(_aspect_key(aspect))
                if known is None or known[2] is None:
                    merged[_aspect_key(aspect)] = aspect
        yield line, words, list(merged.values())

    @staticmethod
    def _agrees(merged: dict, aspects: list[tuple[int, int, str | None]]) -> bool:
        for start, end, label in aspects:
            known = merged.get((start, end))
            if known is not None:
                if label is not None and known[2] is not None and known[2] != label:
                    return False
            elif any(start < other_end and other_start < end for other_start, other_end in merged):
                return False
        return True


def _no_label_to_none(label_of: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def read(value: Any) -> str | None:
        label = label_of(value)
        return None if label is None or label in ("-100", "-999") else label
    return read


def iter_atepc_file(path: str | os.PathLike, label_of: Callable[[Any], str | None] = normalize_label
                    ) -> Iterator[dict]:
    """Stream a PyABSA ``.atepc`` file: one example per sentence, the per-aspect copies merged (module docstring).

    ``label_of`` reads a polarity as written (default `hf_absa.data.readers.normalize_label`); -100/-999 always
    mean no polarity. The example's polarity of an aspect is the one its words carry (words marked -100 inside a
    labelled aspect are ignored). Raises ``APCDataError`` naming the file and line for a line without exactly three
    columns, an unknown tag, two polarities within one aspect, non-UTF-8 bytes, or a file without tokens.
    """
    return (example for _, example in iter_numbered_atepc_file(path, label_of))


def iter_numbered_atepc_file(path: str | os.PathLike, label_of: Callable[[Any], str | None] = normalize_label
                             ) -> Iterator[tuple[int, dict]]:
    """`iter_atepc_file` with the first line of each example: ``(line, example)``."""
    path = Path(path)
    label_of = _no_label_to_none(label_of)
    merger = _CopyMerger()
    group: list[tuple[int, list[str], list]] = []
    for line, words, aspects in _iter_atepc_sentences(path, label_of):
        if group and words != group[-1][1]:
            for first_line, merged_words, merged_aspects in merger.merge(group):
                yield first_line, atepc_example_from_words(merged_words, merged_aspects)
            group = []
        group.append((line, words, aspects))
    if not group:
        raise APCDataError(path, 1, "the file has no token lines", ATEPC_FORMAT)
    for first_line, merged_words, merged_aspects in merger.merge(group):
        yield first_line, atepc_example_from_words(merged_words, merged_aspects)
    if merger.splits:
        logger.info("%s: %d copies of a sentence gave an aspect another polarity (or an overlapping aspect) than the "
                    "copies before them, so they were kept as separate examples", path, merger.splits)


def _iter_atepc_sentences(path: Path, label_of: Callable[[Any], str | None]
                          ) -> Iterator[tuple[int, list[str], list[tuple[int, int, str | None]]]]:
    """(first line, words, aspects) of each sentence block of an ``.atepc`` file, as written (copies not merged)."""
    rows: list[tuple[int, str, str, str | None]] = []
    for number, line in _iter_lines(path):
        columns = line.split()
        if not columns:
            if rows:
                yield _sentence_of(path, rows)
                rows = []
            continue
        if len(columns) != 3:
            raise APCDataError(path, number, f"the line has {len(columns)} whitespace-separated columns "
                               f"({line[:80]!r})", ATEPC_FORMAT)
        word, tag, polarity = columns
        if tag not in _IOB_TAGS:
            raise APCDataError(path, number, f"the tag {tag!r} (column 2) is not O, B-ASP or I-ASP", ATEPC_FORMAT)
        rows.append((number, word, tag, label_of(polarity)))
    if rows:
        yield _sentence_of(path, rows)


def _sentence_of(path: Path, rows: list[tuple[int, str, str, str | None]]
                 ) -> tuple[int, list[str], list[tuple[int, int, str | None]]]:
    aspects: list[tuple[int, int, str | None]] = []
    labels: set[str] = set()
    start = None
    for index, (_, _, tag, label) in enumerate(rows + [(0, "", "O", None)]):
        if start is not None and tag != "I-ASP":
            aspects.append((start, index, labels.pop() if labels else None))
            start = None
        if tag == "B-ASP" or (tag == "I-ASP" and start is None):  # I-ASP after O begins an aspect (IOB1)
            start, labels = index, set()
        if start is not None and label is not None:
            labels.add(label)
            if len(labels) > 1:
                raise APCDataError(path, rows[index][0], f"the aspect starting at line {rows[start][0]} has the "
                                   f"polarities {' and '.join(sorted(labels))}",
                                   "one polarity per aspect (-100 for none)")
    return rows[0][0], [word for _, word, _, _ in rows], aspects


def read_atepc_file(path: str | os.PathLike) -> list[dict]:
    """`iter_atepc_file` collected into a list (polarities normalised)."""
    return list(iter_atepc_file(path))


def _unified_aspects(tags: list[str]) -> list[tuple[int, int, str]]:
    """Word spans of unified tags: consecutive T-x of one polarity form an aspect; B/I/E/S prefixes delimit too."""
    aspects: list[tuple[int, int, str]] = []
    start = None
    polarity = None
    for index, tag in enumerate(tags + ["O"]):
        prefix, _, current = tag.partition("-")
        begins = prefix in ("B", "S") or (prefix in ("T", "I", "E") and (start is None or current != polarity))
        if start is not None and (tag == "O" or begins):
            aspects.append((start, index, polarity))
            start = None
        if tag != "O" and start is None:
            start, polarity = index, current
        if prefix in ("E", "S"):
            aspects.append((start, index + 1, polarity))
            start = None
    return aspects


def iter_unified_tag_file(path: str | os.PathLike, label_of: Callable[[Any], str | None] = normalize_label
                          ) -> Iterator[dict]:
    """Stream a unified-tag file (``e2e_absa/*/{train,dev,test}.txt``): one example per non-blank line.

    ``text`` is the tagged words joined by single spaces (the words differ from the raw sentence before
    ``####``, which is not used). POS/NEG/NEU go through ``label_of`` as Positive/Negative/Neutral. Aspect-free
    sentences are kept. Raises ``APCDataError`` naming the file and line for a line without ``####``, a token
    without ``=TAG`` or with an unknown tag, or a file without sentences.
    """
    return (example for _, example in iter_numbered_unified_tag_file(path, label_of))


def iter_numbered_unified_tag_file(path: str | os.PathLike, label_of: Callable[[Any], str | None] = normalize_label
                                   ) -> Iterator[tuple[int, dict]]:
    """`iter_unified_tag_file` with the line of each example: ``(line, example)``."""
    path = Path(path)
    label_of = _no_label_to_none(label_of)
    sentences = 0
    for number, line in _iter_lines(path):
        if not line.strip():
            continue
        _, separator, tagged = line.rpartition("####")
        if not separator:
            raise APCDataError(path, number, "the line has no '####' between the sentence and its tags",
                               UNIFIED_TAG_FORMAT)
        words, tags = [], []
        for token in tagged.split():
            word, equals, tag = token.rpartition("=")
            prefix, dash, polarity = tag.partition("-")
            if not equals or not word or (tag != "O" and (not dash or prefix not in "TBIES" or len(prefix) != 1
                                                         or polarity not in _UNIFIED_POLARITY)):
                raise APCDataError(path, number, f"the token {token!r} is not word=TAG with a known TAG",
                                   UNIFIED_TAG_FORMAT)
            words.append(word)
            tags.append(tag)
        if not words:
            raise APCDataError(path, number, "the line has no tagged words after '####'", UNIFIED_TAG_FORMAT)
        sentences += 1
        yield number, atepc_example_from_words(words, [(start, end, label_of(_UNIFIED_POLARITY[polarity]))
                                               for start, end, polarity in _unified_aspects(tags)])
    if not sentences:
        raise APCDataError(path, 1, "the file has no sentence", UNIFIED_TAG_FORMAT)


def read_unified_tag_file(path: str | os.PathLike) -> list[dict]:
    """`iter_unified_tag_file` collected into a list."""
    return list(iter_unified_tag_file(path))


def atepc_file_format(path: str | os.PathLike) -> str | None:
    """``"atepc"`` for a PyABSA ``.atepc`` file (by its name), ``"unified"`` for a unified-tag file (its first
    non-blank line holds ``####``), None for anything else."""
    path = Path(path)
    if path.name.lower().endswith(".atepc"):
        return "atepc"
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        first = next((line for line in file if line.strip()), "")
    return "unified" if "####" in first else None


def iter_text_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(1-based line, text) of each non-blank line of a text file, the line terminator removed and the text
    otherwise untouched. Raises ``APCDataError`` naming the file and line for bytes that are not UTF-8."""
    return ((number, line) for number, line in _iter_lines(Path(path)) if line.strip())


EXTRACTION_FILE_FORMATS = ("text", "atepc", "unified")


def extraction_file_format(path: str | os.PathLike, file_format: str | None = None) -> str:
    """The format of an extraction input file: ``file_format`` when given (one of `EXTRACTION_FILE_FORMATS`), else
    `atepc_file_format`'s answer, ``"text"`` when it has none. Raises ``ValueError`` for an unknown
    ``file_format``."""
    if file_format is None:
        return atepc_file_format(path) or "text"
    if file_format not in EXTRACTION_FILE_FORMATS:
        raise ValueError(f"file_format is {file_format!r}; expected one of {', '.join(EXTRACTION_FILE_FORMATS)}, or "
                         "None to tell by the file's name and first line")
    return file_format


def iter_extraction_file(path: str | os.PathLike, file_format: str | None = None) -> Iterator[str | dict]:
    """The inputs of aspect extraction in a file, lazily, one per sentence (or review), in file order.

    ``"atepc"`` (`iter_atepc_file`) and ``"unified"`` (`iter_unified_tag_file`) files give ATEPC examples with their
    gold aspects, ``"text"`` files each non-blank line as a string (`iter_text_lines`); the format is
    `extraction_file_format`'s. Raises ``APCDataError`` naming the file and line for a malformed line or a file
    without any input (every line blank), ``ValueError`` for an unknown ``file_format``.
    """
    file_format = extraction_file_format(path, file_format)
    if file_format == "atepc":
        return iter_atepc_file(path)
    if file_format == "unified":
        return iter_unified_tag_file(path)
    return _text_lines(path)


def _text_lines(path: str | os.PathLike) -> Iterator[str]:
    """The texts of a text file (`iter_text_lines`), then an ``APCDataError`` if there was none, as the other
    formats' readers do: a file of blank lines is a mistake (a wrong file, a failed export), not zero reviews."""
    empty = True
    for _, text in iter_text_lines(path):
        empty = False
        yield text
    if empty:
        raise APCDataError(path, 1, "the file has no text (it is empty or every line is blank)", "one text per line")


def apc_examples_to_atepc(examples: Iterable[Mapping[str, Any]]) -> Iterator[dict]:
    """Convert canonical APC examples (``sentence``, ``aspect_start``, ``aspect_end``, ``label``; see
    `hf_absa.data.readers`) into ATEPC examples, as PyABSA's ``convert_apc_set_to_atepc_set``.

    Consecutive examples of one sentence (equal up to whitespace) become one example with all their aspects,
    split into words by `split_words`; a repeated aspect is kept once, and an aspect that contradicts the ones
    before it (another polarity for the same span, an overlapping span) starts a new example, as for ``.atepc``
    copies. Labels are kept as given (``None`` or -100/-999 = no polarity).

    >>> rows = [{"sentence": "good food, bad wine", "aspect_start": 5, "aspect_end": 9, "label": "Positive"},
    ...         {"sentence": "good food, bad wine", "aspect_start": 15, "aspect_end": 19, "label": "Negative"}]
    >>> [(e["words"], e["aspect_starts"], e["aspect_labels"]) for e in apc_examples_to_atepc(rows)]
    [(['good', 'food', ',', 'bad', 'wine'], [1, 4], ['Positive', 'Negative'])]
    """
    merger = _CopyMerger()
    for group in iter_sentence_groups(examples):
        text = group[0]["sentence"]
        # Spans are moved onto the first example's spelling of the sentence (they may differ in whitespace).
        aspects = [(*_map_span(example["sentence"], example["aspect_start"], example["aspect_end"], text),
                    example["label"]) for example in group]
        copies = [(0, text, [(start, end, None if label in ("-100", "-999") else label)])
                  for start, end, label in aspects]
        for _, _, merged in merger.merge(copies):
            yield atepc_example_from_text(text, merged)


def _row_error(index: int, where: str, problem: str, expected: str = ROW_FORMAT) -> APCDataError:
    return APCDataError(None, None, f"row {index} of {where}: {problem}", expected)


def atepc_example_from_row(row: Mapping[str, Any], index: int = 0, where: str = "the rows",
                           label_of: Callable[[Any], str | None] = normalize_label) -> dict:
    """The example of one in-memory row: either ``sentence`` (or ``text``) with ``aspects``, or a row already in
    the `ATEPC_COLUMNS` schema (e.g. from a loaded ``Dataset``), which is checked and kept.

    Each aspect is a dict with ``aspect`` (its text; also ``term``), optional ``start``/``end`` character offsets
    (without them the first occurrence not taken by an earlier aspect of the row is used) and an optional
    ``label`` (also ``polarity``), read by ``label_of``; or a ``(start, end, label)`` tuple. Raises
    ``APCDataError`` ("row {index} of {where}: ...") for a missing column, an aspect not in the sentence, offsets
    that do not match the aspect text, or overlapping aspects.

    >>> row = {"sentence": "Great food, rude staff", "aspects": [{"aspect": "staff", "label": "neg"}]}
    >>> example = atepc_example_from_row(row)
    >>> example["words"][example["aspect_starts"][0]], example["aspect_labels"]
    ('staff', ['Negative'])
    """
    if not isinstance(row, Mapping):
        raise _row_error(index, where, f"the row is of type {type(row).__name__}")
    label_of = _no_label_to_none(label_of)
    if "words" in row:
        return _checked_canonical_row(row, index, where, label_of)
    text = row.get("sentence", row.get("text"))
    if not isinstance(text, str) or not text.strip():
        raise _row_error(index, where, f"the sentence is {text!r}", "a non-empty string in 'sentence' (or 'text')")
    aspects = row.get("aspects")
    if aspects is None:
        aspects = []
    if isinstance(aspects, (str, bytes)) or not isinstance(aspects, Iterable):
        raise _row_error(index, where, f"'aspects' is of type {type(aspects).__name__}")
    spans: list[tuple[int, int, str | None]] = []
    for number, aspect in enumerate(aspects):
        try:
            spans.append(_aspect_span(text, aspect, spans, label_of))
        except ValueError as error:
            raise _row_error(index, where, f"aspect {number}: {error}") from None
    try:
        return atepc_example_from_text(text, spans)
    except ValueError as error:
        raise _row_error(index, where, str(error)) from None


def _aspect_span(text: str, aspect: Any, taken: list[tuple[int, int, Any]], label_of) -> tuple[int, int, str | None]:
    if isinstance(aspect, Sequence) and not isinstance(aspect, (str, bytes)) and len(aspect) in (2, 3):
        start, end = aspect[0], aspect[1]
        return int(start), int(end), label_of(aspect[2] if len(aspect) == 3 else None)
    if not isinstance(aspect, Mapping):
        raise ValueError(f"{aspect!r} is neither a dict nor a (start, end, label) tuple")
    term = aspect.get("aspect", aspect.get("term"))
    label = label_of(aspect.get("label", aspect.get("polarity")))
    start, end = aspect.get("start"), aspect.get("end")
    if start is not None:
        start = int(start)
        end = int(end) if end is not None else start + len(term or "")
        if term is not None and text[start:end] != term:
            raise ValueError(f"sentence[{start}:{end}] is {text[start:end]!r}, not the aspect {term!r}")
        return start, end, label
    if not isinstance(term, str) or not term.strip():
        raise ValueError(f"the aspect text is {term!r}; expected a non-empty string in 'aspect' (or 'start'/'end')")
    term = term.strip()
    position = text.find(term)
    while position >= 0 and any(position < end and start < position + len(term) for start, end, _ in taken):
        position = text.find(term, position + 1)
    if position < 0:
        raise ValueError(f"the aspect {term!r} does not occur in the sentence (apart from earlier aspects)")
    return position, position + len(term), label


def _checked_canonical_row(row: Mapping[str, Any], index: int, where: str, label_of) -> dict:
    missing = [column for column in ATEPC_COLUMNS if column not in row]
    if missing:
        raise _row_error(index, where, f"the columns {', '.join(missing)} are missing",
                         f"all of {', '.join(ATEPC_COLUMNS)}, or {ROW_FORMAT}")
    example = {column: row[column] if column == "text" else list(row[column]) for column in ATEPC_COLUMNS}
    text = example["text"]
    lengths = {len(example[column]) for column in ("words", "word_starts", "word_ends")}
    aspect_lengths = {len(example[column]) for column in ("aspect_starts", "aspect_ends", "aspect_labels")}
    if len(lengths) != 1 or len(aspect_lengths) != 1:
        raise _row_error(index, where, "the word (or aspect) columns have different lengths", "one value per word "
                         "in words/word_starts/word_ends, one per aspect in aspect_starts/aspect_ends/aspect_labels")
    for word, start, end in zip(example["words"], example["word_starts"], example["word_ends"]):
        if not isinstance(text, str) or text[start:end] != word or not word:
            raise _row_error(index, where, f"text[{start}:{end}] is not the word {word!r}",
                             "text[word_starts[i]:word_ends[i]] == words[i]")
    example["aspect_labels"] = [label_of(label) for label in example["aspect_labels"]]
    try:
        _set_aspects(example, list(zip(example["aspect_starts"], example["aspect_ends"], example["aspect_labels"])))
    except ValueError as error:
        raise _row_error(index, where, str(error)) from None
    return example
