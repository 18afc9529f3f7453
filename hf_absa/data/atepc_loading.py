"""Turn any supported ATEPC data source into a ``datasets.DatasetDict`` of sentence examples (`ATEPC_FEATURES`).

Sources (``load_atepc_dataset``):

* a registered dataset name (``laptop14``, ``Restaurant14``, ...; the names of `hf_absa.data.APC_DATASETS`),
  found under ``<data_dir>/atepc_datasets/`` (else ``$HF_ABSA_DATA_DIR``, else an earlier download);
* ``e2e_absa/<name>`` (``e2e_absa/laptop14``, ``e2e_absa/rest14``, ``e2e_absa/rest15``, ``e2e_absa/rest16``):
  the unified-tag splits of Li et al. 2019 under ``<data_dir>/e2e_absa/<name>/{train,dev,test}.txt``, with their
  official dev split as ``validation``;
* a folder or a file: ``.atepc`` files, unified-tag files (lines with ``####``), or APC files (3-line ``$T$``
  or ``.inference``), converted as PyABSA's ``convert_apc_set_to_atepc_set``. A folder holding ``.atepc`` files
  is read from those alone (PyABSA writes them next to the APC files they were converted from);
* a dict mapping split names to files or rows; a list of row dicts, a pandas DataFrame, a ``datasets.Dataset``
  (the train split) or a ``DatasetDict``. Rows are read by `hf_absa.data.atepc_readers.atepc_example_from_row`.

Polarities become classes over all splits together, as for APC (`hf_absa.data.labels`): ``pos``/``POSITIVE``
are Positive, -1/0/1 are Negative/Neutral/Positive, other numbers need ``label_map``. An aspect without a polarity
(-100/-999, or none given) keeps ``None``: it still counts for extraction.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, Features, List, Value

from .atepc_readers import (
    apc_examples_to_atepc,
    atepc_example_from_row,
    atepc_file_format,
    iter_numbered_atepc_file,
    iter_numbered_unified_tag_file,
)
from .labels import LabelCensus, LabelReport, resolve_label_classes
from .loading import is_dataframe, is_path, split_name
from .readers import label_text, read_labels_as_written
from .registry import DATA_DIR_ENV, SPLITS, DatasetNotFoundError, resolve_dataset_files, split_in_name

ATEPC_TASK_FOLDER = "atepc_datasets"
E2E_FOLDER = "e2e_absa"
E2E_DATASETS = ("laptop14", "rest14", "rest15", "rest16")

ATEPC_FEATURES = Features({
    "text": Value("string"),
    "words": List(Value("string")),
    "word_starts": List(Value("int32")),
    "word_ends": List(Value("int32")),
    "aspect_starts": List(Value("int32")),
    "aspect_ends": List(Value("int32")),
    "aspect_labels": List(Value("string")),
})



def load_atepc_dataset(
    data: Any,
    data_dir: str | os.PathLike | None = None,
    *,
    label_map: Mapping[Any, str] | None = None,
    return_report: bool = False,
) -> DatasetDict | tuple[DatasetDict, LabelReport]:
    """Load ATEPC data from any supported source (module docstring) into a ``DatasetDict`` with `ATEPC_FEATURES`.

    One row per sentence: ``text``, ``words``, ``word_starts``/``word_ends`` (character offsets),
    ``aspect_starts``/``aspect_ends`` (word-index spans, end exclusive) and ``aspect_labels`` (class names, or
    None for an aspect without a polarity). Splits among ``train``, ``validation`` and ``test`` appear in that
    order. With ``return_report=True`` the result is ``(dataset_dict, LabelReport)``: the class of each label as
    written and the aspects per class and split.

    Raises ``APCDataError`` (a ``ValueError``) naming the file and line, or the row, of bad data;
    ``DatasetNotFoundError`` for a dataset found nowhere.

    >>> rows = [{"sentence": "Great food but rude staff",
    ...          "aspects": [{"aspect": "food", "label": "pos"}, {"aspect": "staff", "label": "NEG"}]},
    ...         {"sentence": "We went there twice", "aspects": []}]
    >>> loaded = load_atepc_dataset(rows)
    >>> list(loaded["train"]["aspect_labels"]), list(loaded["train"]["aspect_starts"])
    ([['Positive', 'Negative'], []], [[1, 4], []])
    """
    census = LabelCensus()
    examples = _examples_by_split(data, data_dir, census)
    classes = resolve_label_classes(census, label_map)
    report = LabelReport(classes=classes)
    for split, split_examples in examples.items():
        counts: Counter = Counter()
        for example in split_examples:
            example["aspect_labels"] = [None if label is None else classes[label] for label in example["aspect_labels"]]
            counts.update(label for label in example["aspect_labels"] if label is not None)
        report.counts[split] = dict(sorted(counts.items()))
    dataset_dict = DatasetDict({
        split: Dataset.from_list(examples[split], features=ATEPC_FEATURES) for split in SPLITS if split in examples
    })
    return (dataset_dict, report) if return_report else dataset_dict


def atepc_polarity_labels(dataset_dict: Mapping[str, Any]) -> list[str]:
    """The train split's polarity classes, sorted (e.g. ``["Negative", "Neutral", "Positive"]``): the class order
    of ``config.polarity_labels``. Raises ``ValueError`` when there is no train split, when it has fewer than two
    classes, or when another split has a class that train lacks."""
    if "train" not in dataset_dict:
        raise ValueError(f"no 'train' split to take the polarities from (splits: {', '.join(dataset_dict) or 'none'})")
    found = {split: {label for labels in dataset["aspect_labels"] for label in labels if label is not None}
             for split, dataset in dataset_dict.items()}
    labels = sorted(found["train"])
    if len(labels) < 2:
        raise ValueError(f"the 'train' split has the polarities {labels}; expected at least two classes")
    for split, classes in found.items():
        unknown = sorted(classes - set(labels))
        if unknown:
            raise ValueError(f"split '{split}' has polarities {unknown} that the 'train' split lacks; expected only "
                             f"{', '.join(labels)}, since the model could never predict the others")
    return labels


def e2e_dataset_folder(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The folder of ``e2e_absa/<name>`` under ``data_dir`` (else ``$HF_ABSA_DATA_DIR``), or None when ``name``
    is not of that form. Raises ``DatasetNotFoundError`` when the name is of that form but the folder is missing."""
    parts = str(name).strip().replace("\\", "/").strip("/").split("/")
    if len(parts) != 2 or parts[0].lower() != E2E_FOLDER:
        return None
    dataset = parts[1].lower()
    root = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    if dataset not in E2E_DATASETS:
        raise DatasetNotFoundError(f"'{name}' is not one of the e2e_absa splits; expected "
                                   f"{', '.join(f'{E2E_FOLDER}/{known}' for known in E2E_DATASETS)}")
    if root is None:
        raise DatasetNotFoundError(f"'{name}' needs data_dir=... (or {DATA_DIR_ENV}) naming the folder that contains "
                                   f"{E2E_FOLDER}/{dataset}/{{train,dev,test}}.txt")
    folder = Path(root).expanduser() / E2E_FOLDER / dataset
    if not folder.is_dir():
        raise DatasetNotFoundError(f"{folder} does not exist; expected {E2E_FOLDER}/{dataset}/{{train,dev,test}}.txt "
                                   f"under data_dir (or {DATA_DIR_ENV})")
    return folder


def _is_path_list(value: Any) -> bool:
    return (isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and bool(value)
            and all(map(is_path, value)))


def _files_of(data: str | os.PathLike, data_dir: str | os.PathLike | None) -> dict[str, list[Path]]:
    folder = e2e_dataset_folder(str(data), data_dir) if not Path(data).expanduser().exists() else None
    files = resolve_dataset_files(folder or data, data_dir, task_folder=ATEPC_TASK_FOLDER)
    if any(_is_atepc_file(path) for paths in files.values() for path in paths):
        files = {split: [path for path in paths if _is_atepc_file(path)] for split, paths in files.items()}
    return {split: paths for split, paths in files.items() if paths}


def _is_atepc_file(path: str | os.PathLike) -> bool:
    return Path(path).name.lower().endswith(".atepc")


def _examples_by_split(data: Any, data_dir: str | os.PathLike | None, census: LabelCensus) -> dict[str, list[dict]]:
    examples: dict[str, list[dict]] = {}

    def add_file(split: str, path: str | os.PathLike) -> None:
        path = Path(path)
        file_format = atepc_file_format(path)
        if file_format:
            reader = iter_numbered_atepc_file if file_format == "atepc" else iter_numbered_unified_tag_file
            for line, example in reader(path, label_text):
                for label in example["aspect_labels"]:
                    census.add(split, label, str(path), line)
                examples.setdefault(split, []).append(example)
            return
        numbered = read_labels_as_written(path)
        for line, example in numbered:  # APC labels are counted where they are written
            census.add(split, example["label"], str(path), line)
        examples.setdefault(split, []).extend(apc_examples_to_atepc(example for _, example in numbered))

    def add_rows(split: str, rows: Any, where: str) -> None:
        if is_dataframe(rows):
            rows = rows.to_dict("records")
        elif isinstance(rows, Dataset):
            rows = rows.to_list()
        if isinstance(rows, Mapping) or not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)):
            raise TypeError(f"cannot read rows of {where} from {type(rows).__name__}; expected a list of dicts, a "
                            "pandas DataFrame or a Dataset")
        if not rows:
            raise ValueError(f"{where} has no rows; expected at least one sentence")
        for index, row in enumerate(rows):
            example = atepc_example_from_row(row, index, where, label_text)
            for label in example["aspect_labels"]:
                census.add(split, label, line=index, rows=where)
            examples.setdefault(split, []).append(example)

    if isinstance(data, DatasetDict):
        for split, dataset in data.items():
            add_rows(split_name(split), dataset, f"split '{split}'")
    elif isinstance(data, Dataset) or is_dataframe(data):
        add_rows("train", data, "the train data")
    elif is_path(data):
        for split, paths in _files_of(data, data_dir).items():
            for path in paths:
                add_file(split, path)
    elif isinstance(data, Mapping):
        for name, value in data.items():
            split = split_name(name)
            if is_path(value):
                add_file(split, value)
            elif _is_path_list(value):
                for path in value:
                    add_file(split, path)
            else:
                add_rows(split, value, f"split '{split}'")
    elif _is_path_list(data):
        for path in data:
            add_file(split_in_name(path) or "train", path)
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        add_rows("train", data, "the train data")
    else:
        raise TypeError(f"cannot load ATEPC data from {type(data).__name__}; expected a dataset name, a folder or "
                        "file path, a dict of splits, a list of row dicts, a pandas DataFrame, a Dataset or a "
                        "DatasetDict")
    return examples
