"""Turn any supported APC data source into a ``datasets.DatasetDict`` in the canonical example schema.

Sources: a registered dataset name (or ``sample``, the set bundled with hf_absa), a folder, a file (3-line ``$T$``
or ``.inference``), a dict mapping split names to files or rows, a list of row dicts, a pandas DataFrame, a
``datasets.Dataset`` (taken as the train split) or a ``datasets.DatasetDict``. In-memory rows need ``sentence``,
``aspect`` and ``label``; the aspect is located at its first occurrence in the sentence unless ``aspect_start`` is
given, and a sentence may also carry ``$T$`` in place of the aspect. What the labels mean is decided over the whole
dataset (see `hf_absa.data.labels`). Holding out part of train for validation is the trainer's job, not this
module's.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, Features, Value

from .labels import LabelCensus, LabelReport, assign_label_classes
from .labels import build_label_mapping  # noqa: F401  (its former home; `hf_absa.training` imports it from here)
from .readers import (
    ASPECT_PLACEHOLDER,
    EXAMPLE_COLUMNS,
    NEIGHBOUR_COLUMNS,
    add_neighbour_spans,
    canonical_example,
    iter_examples_file,
    label_text,
    normalize_label,
    read_labels_as_written,
)
from .registry import SPLITS, resolve_dataset_files, split_in_name

_TEXT_COLUMNS = ("sentence", "aspect", "label")
# Character offsets as int32 and every text column (label included, None = no label) as string.
APC_FEATURES = Features({
    column: Value("string") if column in _TEXT_COLUMNS else Value("int32") for column in EXAMPLE_COLUMNS
})

REQUIRED_COLUMNS = ("sentence", "aspect", "label")
_SPLIT_ALIASES = {"train": "train", "training": "train", "validation": "validation", "valid": "validation",
                  "val": "validation", "dev": "validation", "test": "test", "testing": "test"}


def read_examples_file(path: str | os.PathLike) -> list[dict]:
    """Canonical examples of one file: ``.inference`` files in the marked format, others in the 3-line format."""
    return [example for group in iter_examples_file(path) for example in group]


def load_apc_dataset(
    data: Any,
    data_dir: str | os.PathLike | None = None,
    *,
    label_map: Mapping[Any, str] | None = None,
    drop_labels: Iterable[Any] | str = (),
    drop_unlabelled: bool = False,
    return_report: bool = False,
) -> DatasetDict | tuple[DatasetDict, LabelReport]:
    """Load APC data from any supported source into a ``DatasetDict`` with fixed ``APC_FEATURES``.

    Splits present in the source among ``train``, ``validation`` (also called valid/dev/val) and ``test`` appear in
    that order. ``data_dir`` is the root searched for registered dataset names (see
    ``registry.resolve_dataset_files``).

    Labels become classes over all splits together (`hf_absa.data.labels`): case and spaces do not matter,
    ``pos``/``neg``/``neu`` are Positive/Negative/Neutral, numbers other than -1/0/1 need ``label_map`` (labels as
    written -> class names, e.g. ``{"0": "Negative", "1": "Neutral", "2": "Positive"}``; also for words, e.g.
    ``{"good": "Positive"}``). ``drop_labels`` leaves out the examples of the classes it names (e.g.
    ``("conflict",)``). Every example must have a label, -100/-999 meaning none, unless ``drop_unlabelled`` drops
    the unlabelled ones or no example has a label (unlabelled data, labels ``None``). Drops are logged per split;
    with ``return_report=True`` the result is ``(dataset_dict, LabelReport)``, the report holding the classes and
    the kept and dropped counts per split.

    Raises ``APCDataError`` (a ``ValueError``) naming the file and line, or the row, of bad data or labels;
    ``DatasetNotFoundError`` for a dataset found nowhere.

    >>> rows = [{"sentence": "great food", "aspect": "food", "label": "POS"},
    ...         {"sentence": "rude staff", "aspect": "staff", "label": "neg "},
    ...         {"sentence": "the menu", "aspect": "menu", "label": "conflict"}]
    >>> loaded, report = load_apc_dataset(rows, drop_labels=("Conflict",), return_report=True)
    >>> loaded["train"].to_dict()["label"], report.dropped
    (['Positive', 'Negative'], {'train': {'Conflict': 1}})
    """
    census = LabelCensus()
    examples = _examples_by_split(data, data_dir, census)
    report = assign_label_classes(examples, census, label_map=label_map, drop_labels=drop_labels,
                                  drop_unlabelled=drop_unlabelled)
    dataset_dict = DatasetDict({
        split: Dataset.from_list(examples[split], features=APC_FEATURES) for split in SPLITS if split in examples
    })
    return (dataset_dict, report) if return_report else dataset_dict


def split_name(name: Any) -> str:
    """``train``, ``validation`` or ``test`` for a split name as users write it (valid, dev, testing...)."""
    split = _SPLIT_ALIASES.get(str(name).strip().lower())
    if split is None:
        raise ValueError(f"unknown split name {name!r}; expected train, validation (or valid/dev/val) or test")
    return split


def is_path(value: Any) -> bool:
    """Whether ``value`` names a file or folder (str or path-like) rather than holding data."""
    return isinstance(value, (str, os.PathLike))


def is_dataframe(value: Any) -> bool:
    """Whether ``value`` is a pandas DataFrame (checked without importing pandas)."""
    return type(value).__module__.startswith("pandas") and hasattr(value, "to_dict") and hasattr(value, "columns")


def _examples_by_split(data: Any, data_dir: str | os.PathLike | None, census: LabelCensus) -> dict[str, list[dict]]:
    """The examples of each split, labels as written (`label_text`), each label counted in ``census``."""
    examples: dict[str, list[dict]] = {}

    def add_rows(split: str, rows: Any, where: str) -> None:
        examples.setdefault(split, []).extend(_examples_from_rows(rows, where, split, census))

    def add_file(split: str, path: str | os.PathLike) -> None:
        examples.setdefault(split, []).extend(_examples_of_file(path, split, census))

    if isinstance(data, DatasetDict):
        for split, dataset in data.items():
            add_rows(split_name(split), dataset, f"split '{split}'")
    elif isinstance(data, Dataset) or is_dataframe(data):
        add_rows("train", data, "the train data")
    elif is_path(data):
        for split, paths in resolve_dataset_files(data, data_dir).items():
            for path in paths:
                add_file(split, path)
    elif isinstance(data, Mapping):
        if any(str(key).strip().lower() in _SPLIT_ALIASES for key in data):
            for name, value in data.items():
                split = split_name(name)
                if is_path(value):
                    add_file(split, value)
                elif _is_path_list(value):
                    for path in value:
                        add_file(split, path)
                else:
                    add_rows(split, _columns_to_rows(value) if isinstance(value, Mapping) and "sentence" in value
                             else value, f"split '{split}'")
        elif "sentence" in data:
            add_rows("train", _columns_to_rows(data), "the train data")
        else:
            raise ValueError(f"a dict must map split names (train, validation, test) to files or rows, or hold the "
                             f"columns {', '.join(REQUIRED_COLUMNS)}; got the keys {', '.join(map(repr, data))}")
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        if _is_path_list(data):
            for path in data:
                add_file(split_in_name(path) or "train", path)
        else:
            add_rows("train", data, "the train data")
    else:
        raise TypeError(f"cannot load APC data from {type(data).__name__}; expected a dataset name, a folder or file "
                        "path, a dict of splits, a list of row dicts, a pandas DataFrame, a Dataset or a DatasetDict")
    return examples


def _is_path_list(value: Any) -> bool:
    return (isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and bool(value)
            and all(map(is_path, value)))


def _examples_of_file(path: str | os.PathLike, split: str, census: LabelCensus) -> list[dict]:
    """The examples of one data file, labels as written, counted in ``census`` with their file and line."""
    examples = []
    for line, example in read_labels_as_written(path):
        census.add(split, example["label"], str(path), line)
        examples.append(example)
    return examples


def _columns_to_rows(columns: Mapping[str, Sequence]) -> list[dict]:
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"the columns have different lengths ({lengths}); expected one value per row in each")
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*(columns[name] for name in names))]


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rows(data: Any) -> list[dict]:
    if is_dataframe(data):
        return data.to_dict("records")
    if isinstance(data, Dataset):
        return data.to_list()
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        for index, row in enumerate(data):
            if not isinstance(row, Mapping):
                raise TypeError(f"row {index} is of type {type(row).__name__}; expected a dict with the columns "
                                f"{', '.join(REQUIRED_COLUMNS)}")
        return list(data)
    raise TypeError(f"cannot read rows from {type(data).__name__}; expected a list of dicts, a pandas DataFrame "
                    "or a Dataset")


def _examples_from_rows(data: Any, where: str, split: str, census: LabelCensus) -> list[dict]:
    """Canonical examples from in-memory rows, labels as written and counted in ``census``; neighbour spans kept
    if every row has them, else computed."""
    rows = _rows(data)
    if not rows:
        raise ValueError(f"{where} has no rows; expected at least one example")
    examples = [_example_from_row(row, index, where, True, label_text) for index, row in enumerate(rows)]
    for index, example in enumerate(examples):
        census.add(split, example["label"], line=index, rows=where)
    # rows already in the canonical schema (e.g. a loaded Dataset, maybe shuffled) keep their neighbours
    if all(row["sentence"] == example["sentence"] and all(_is_integer(row.get(column)) for column in NEIGHBOUR_COLUMNS)
           for row, example in zip(rows, examples)):
        for example, row in zip(examples, rows):
            example.update({column: int(row[column]) for column in NEIGHBOUR_COLUMNS})
        return examples
    return add_neighbour_spans(examples)


def example_from_row(row: Mapping, index: int, where: str, label_required: bool = True) -> dict:
    """The canonical example of one in-memory row (``sentence``, ``aspect``, ``label``, optional ``aspect_start``).

    The aspect is located at ``aspect_start``, else at ``$T$`` in the sentence, else at its first occurrence.
    Neighbour spans are the example's own (`add_neighbour_spans` links the aspects of a sentence). Errors are
    ``ValueError("row {index} of {where}: ...")``. With ``label_required=False`` a row may lack ``label``.

    The label goes through `hf_absa.data.readers.normalize_label` (-100/-999 and blanks give ``None``).

    >>> row = {"sentence": "Tasty food", "aspect": "food"}
    >>> example_from_row(row, 0, "the rows", label_required=False)["aspect_start"]
    6
    """
    return _example_from_row(row, index, where, label_required, normalize_label)


def _example_from_row(row: Mapping, index: int, where: str, label_required: bool,
                      label_of: Callable[[Any], str | None]) -> dict:
    """`example_from_row` with ``label_of`` turning the ``label`` value into the example's label."""

    def fail(problem: str, expected: str) -> ValueError:
        return ValueError(f"row {index} of {where}: {problem}; expected {expected}")

    required = REQUIRED_COLUMNS if label_required else tuple(c for c in REQUIRED_COLUMNS if c != "label")
    for column in required:
        if column not in row:
            raise fail(f"column '{column}' is missing", f"the columns {', '.join(required)} in every row")
    raw_sentence, raw_aspect = row["sentence"], row["aspect"]
    if not isinstance(raw_sentence, str) or not raw_sentence.strip():
        raise fail(f"column 'sentence' is {raw_sentence!r}", "a non-empty string")
    if not isinstance(raw_aspect, str) or not raw_aspect.strip():
        raise fail(f"column 'aspect' is {raw_aspect!r}", "a non-empty string")
    try:
        label = label_of(row.get("label"))
    except TypeError as error:
        raise fail(f"column 'label' is {row['label']!r}", "a string, -1/0/1, or None for no label") from error

    aspect = raw_aspect.strip()
    given_start = row.get("aspect_start")
    if not _is_missing(given_start):
        if not _is_integer(given_start) and not (isinstance(given_start, float) and given_start.is_integer()):
            raise fail(f"column 'aspect_start' is {given_start!r}", "an integer character offset")
        start = int(given_start) + len(raw_aspect) - len(raw_aspect.lstrip())
        given_end = row.get("aspect_end")
        if not _is_missing(given_end) and int(given_end) != int(given_start) + len(raw_aspect):
            raise fail(f"column 'aspect_end' is {given_end}, but aspect_start {given_start} plus the aspect's length "
                       f"{len(raw_aspect)} is {int(given_start) + len(raw_aspect)}", "aspect_end = aspect_start + "
                       "len(aspect)")
        if raw_sentence[start : start + len(aspect)] != aspect:
            raise fail(f"column 'aspect_start' is {given_start}, but sentence[{start}:{start + len(aspect)}] is "
                       f"{raw_sentence[start : start + len(aspect)]!r}, not the aspect {aspect!r}",
                       "the character offset of the aspect in the sentence")
        sentence = raw_sentence
    else:
        placeholders = raw_sentence.count(ASPECT_PLACEHOLDER)
        if placeholders > 1:
            raise fail("column 'sentence' contains '$T$' more than once", "'$T$' at most once, where the aspect is")
        if placeholders == 1:
            start = raw_sentence.index(ASPECT_PLACEHOLDER)
            sentence = raw_sentence[:start] + aspect + raw_sentence[start + len(ASPECT_PLACEHOLDER) :]
        else:
            start = raw_sentence.find(aspect)
            if start < 0:
                raise fail(f"the aspect {aspect!r} (column 'aspect') does not occur in column 'sentence' "
                           f"({raw_sentence!r})", "the aspect verbatim in the sentence, '$T$' in its place, or "
                           "an 'aspect_start' column")
            sentence = raw_sentence
    shift = len(sentence) - len(sentence.lstrip())
    return canonical_example(sentence.strip(), start - shift, start - shift + len(aspect), label)
