"""What the labels of an APC dataset mean, decided once over the whole dataset (all its splits together).

A label is matched to its class without regard to case or surrounding spaces, and the usual abbreviations name the
same class (``pos``/``POS``/``positive`` are Positive, ``neg`` Negative, ``neu`` Neutral); other words are one class
each, capitalised (``conflict`` and ``Conflict`` are both Conflict). Numbers are PyABSA's -1/0/1 (Negative/Neutral/
Positive) and nothing else: any other number needs an explicit ``label_map``, because which number means which
class cannot be told from the data (0/1/2, 0/2 and 1..4 all occur in public sets). The decision is made over all
splits at once, since a test split alone may hold only 0 and 1.

-100 and -999 are PyABSA's "no label" padding values, never classes. Training data must be labelled throughout:
a "no label" value or a missing label stops the load (``drop_unlabelled=True`` drops those examples instead). A
source with no label at all is read as unlabelled data (labels ``None``), e.g. to featurise text for prediction;
`build_label_mapping` refuses it for training.

>>> census = LabelCensus()
>>> for label in ("POS", "neg", "Conflict", "conflict", "0"):
...     census.add("train", label, "reviews.train.txt", 3)
>>> resolve_label_classes(census)
{'POS': 'Positive', 'neg': 'Negative', 'Conflict': 'Conflict', 'conflict': 'Conflict', '0': 'Neutral'}
"""

from __future__ import annotations

import difflib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .readers import (
    NO_LABEL_VALUES,
    PYABSA_NUMERIC_LABELS,
    APCDataError,
    class_name,
    is_numeric_label,
    label_text,
)

logger = logging.getLogger(__name__)

LABEL_MAP_HELP = "load_apc_dataset(..., label_map={map}) in Python, or --label_map '{map}' on the command line"


@dataclass(frozen=True)
class LabelSource:
    """Where a label was read: line ``line`` of the file ``path``, or (``path`` None) row ``line`` of ``rows``.

    ``rows`` names in-memory data, e.g. ``"split 'train'"``; rows are 0-based like a list's indices.
    """

    path: str | None = None
    line: int | None = None
    rows: str | None = None

    def __str__(self) -> str:
        return f"row {self.line} of {self.rows}" if self.path is None else f"{self.path}:{self.line}"

    def error(self, problem: str, expected: str) -> APCDataError:
        """``APCDataError`` located here: ``"{path}:{line}: ..."`` or ``"row {index} of {rows}: ..."``."""
        if self.path is None:
            return APCDataError(None, None, f"{self}: {problem}", expected)
        return APCDataError(self.path, self.line, problem, expected)


class LabelCensus:
    """The labels of a dataset as written (`hf_absa.data.readers.label_text`), counted per split.

    ``counts[split][label]`` is the number of examples of ``split`` with that label (``None``: no label);
    ``first_seen[label]`` is where the label was first read, in reading order.
    """

    def __init__(self) -> None:
        self.counts: dict[str, Counter] = {}
        self.first_seen: dict[str | None, LabelSource] = {}

    def add(self, split: str, label: str | None, path: str | None = None, line: int | None = None,
            rows: str | None = None) -> None:
        """Count one example of ``split`` whose label reads ``label``, read at `LabelSource` (path, line, rows)."""
        self.counts.setdefault(split, Counter())[label] += 1
        if label not in self.first_seen:  # the source is built once per distinct label, not once per example
            self.first_seen[label] = LabelSource(path, line, rows)

    def total(self, label: str | None) -> int:
        """Examples with ``label`` in all splits together."""
        return sum(counts[label] for counts in self.counts.values())

    def per_split(self, labels: Iterable[str | None]) -> str:
        """``"3 in train, 1 in test"``: the examples with any of ``labels``, in each split that has some."""
        wanted = set(labels)
        totals = {split: sum(count for label, count in counts.items() if label in wanted)
                  for split, counts in self.counts.items()}
        return ", ".join(f"{total} in {split}" for split, total in totals.items() if total)


def is_no_label(label: str | None) -> bool:
    """Whether a label as written means "no label": missing, or PyABSA's padding value -100/-999."""
    return label is None or label in NO_LABEL_VALUES


def _map_key(label: str) -> str:
    """Labels as written that one ``label_map`` key matches share this key: numbers by value, words by lower case."""
    return label if is_numeric_label(label) else label.lower()


def _normalized_label_map(label_map: Mapping[Any, Any]) -> dict[str, str]:
    """``label_map`` with keys in `_map_key` form and values as class names; errors name the offending entry."""
    if not isinstance(label_map, Mapping):
        raise TypeError(f"label_map must be a dict from labels as written to class names, e.g. "
                        f'{{"0": "Negative", "1": "Neutral", "2": "Positive"}}; got a {type(label_map).__name__}')
    normalized: dict[str, str] = {}
    for key, value in label_map.items():
        written = label_text(key)
        if written is None or is_no_label(written):
            raise ValueError(f"label_map has the key {key!r}, which means 'no label'; expected labels that occur "
                             "in the data (-100/-999 and empty labels are never classes)")
        name = label_text(value) if isinstance(value, str) else None
        if name is None:
            raise ValueError(f"label_map maps {key!r} to {value!r}; expected a class name such as 'Positive'")
        normalized[_map_key(written)] = class_name(name)
    return normalized


def _format_labels(labels: Iterable[str]) -> str:
    """Numbers first in numeric order, then words: ``"-1, 0, 2, Conflict"``."""
    numbers = sorted((label for label in labels if is_numeric_label(label)), key=float)
    words = sorted(label for label in labels if not is_numeric_label(label))
    return ", ".join(numbers + words)


def _example_label_map(numbers: list[str]) -> str:
    """A label map for these numbers to show in an error (a plausible shape, not a guess the loader would act on)."""
    names = {2: ("Negative", "Positive"), 3: ("Negative", "Neutral", "Positive")}.get(len(numbers))
    if names is None:
        names = tuple("<class name>" for _ in numbers)
    return json.dumps(dict(zip(numbers, names)))


def resolve_label_classes(census: LabelCensus, label_map: Mapping[Any, Any] | None = None) -> dict[str, str]:
    """The class of every label as written in ``census``; "no label" values (`is_no_label`) are left out.

    Without ``label_map``: -1/0/1 are Negative/Neutral/Positive and words go through
    `hf_absa.data.readers.class_name`; a number outside -1/0/1 raises ``APCDataError`` at the first place it was
    read, listing every label of the dataset and showing how to pass a map. With ``label_map`` (labels as written
    -> class names, matched like the labels: words whatever their case, numbers by value): every label must be a
    key of the map or already one of its class names (``{"good": "Positive"}`` also keeps ``positive``); the first
    label that is neither raises ``APCDataError``.
    """
    labels = [label for label in census.first_seen if not is_no_label(label)]
    if label_map is not None:
        mapping = _normalized_label_map(label_map)
        targets = set(mapping.values())
        classes: dict[str, str] = {}
        unmapped = []
        for label in labels:
            if _map_key(label) in mapping:
                classes[label] = mapping[_map_key(label)]
            elif class_name(label) in targets:
                classes[label] = class_name(label)
            else:
                unmapped.append(label)
        if unmapped:
            raise census.first_seen[unmapped[0]].error(
                f"the label {unmapped[0]!r} is not in the label_map given; the dataset's unmapped labels (all "
                f"splits together) are {_format_labels(unmapped)}",
                f"every label of the data as a key of label_map (whose keys are {', '.join(map(repr, label_map))}) "
                f"or equal to one of its classes ({', '.join(sorted(targets))})")
        return classes

    outside = [label for label in labels if is_numeric_label(label) and label not in PYABSA_NUMERIC_LABELS]
    if outside:
        numbers = sorted((label for label in labels if is_numeric_label(label)), key=float)
        example = _example_label_map(numbers)
        raise census.first_seen[outside[0]].error(
            f"the label {outside[0]!r} is a number outside PyABSA's numeric labels -1/0/1 (Negative/Neutral/"
            f"Positive); the dataset's labels (all splits together) are {_format_labels(labels)}, and which class "
            "each number stands for cannot be told from the data",
            "an explicit label map, with the class of each number from the dataset's documentation, e.g. "
            + LABEL_MAP_HELP.format(map=example))
    classes = {label: PYABSA_NUMERIC_LABELS.get(label) or class_name(label) for label in labels}
    _refuse_misspelt_polarities(census, classes)
    return classes


# The polarity names a misspelt label is compared with (`_refuse_misspelt_polarities`).
STANDARD_POLARITIES = ("Negative", "Neutral", "Positive", "Conflict")


def _refuse_misspelt_polarities(census: LabelCensus, classes: Mapping[str, str]) -> None:
    """Raise ``APCDataError`` at the first label whose class is not a standard polarity but nearly spells one
    ("Postive"): it would silently become a class of its own. Other words (a dataset's own classes, "Mixed") are
    kept, with one warning naming them."""
    unusual = {label: name for label, name in classes.items()
               if not is_numeric_label(name) and name not in STANDARD_POLARITIES}
    nearest = {label: close[0] for label, name in unusual.items()
               if (close := difflib.get_close_matches(name, STANDARD_POLARITIES, n=1, cutoff=0.8))}
    if nearest:
        label = next(iter(nearest))
        fixed = {written: nearest.get(written, name) for written, name in classes.items()}
        raise census.first_seen[label].error(
            f"the label {label!r} looks like a misspelling of {nearest[label]!r} and would become a class of its own",
            f"{nearest[label]} (fix the data, or pass label_map={json.dumps(fixed)} if it means that class)")
    if unusual:
        logger.warning("Labels that are not Negative/Neutral/Positive/Conflict, kept as classes of their own: %s",
                       ", ".join(sorted(set(unusual.values()))))


@dataclass
class LabelReport:
    """What `hf_absa.data.load_apc_dataset` made of the labels (JSON-friendly: plain dicts of str and int).

    ``classes``: each label as written -> its class. ``counts``: split -> class -> examples kept (``None`` never
    appears: an unlabelled dataset has empty counts). ``dropped``: split -> class -> examples dropped by
    ``drop_labels``. ``dropped_unlabelled``: split -> examples dropped by ``drop_unlabelled``.
    """

    classes: dict[str, str] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    dropped_unlabelled: dict[str, int] = field(default_factory=dict)

    def dropped_per_split(self) -> dict[str, int]:
        """split -> examples dropped in all (by label and as unlabelled), splits without drops left out."""
        totals = {split: sum(by_class.values()) for split, by_class in self.dropped.items()}
        for split, count in self.dropped_unlabelled.items():
            totals[split] = totals.get(split, 0) + count
        return {split: count for split, count in totals.items() if count}


def _drop_classes(drop_labels: Iterable[Any] | str, label_map: Mapping[Any, Any] | None) -> set[str]:
    """The classes named by ``drop_labels``, matched like the data's labels (and through ``label_map``)."""
    if isinstance(drop_labels, str):
        drop_labels = (drop_labels,)
    mapping = _normalized_label_map(label_map) if label_map is not None else {}
    classes = set()
    for label in drop_labels:
        written = label_text(label)
        if written is None or is_no_label(written):
            raise ValueError(f"drop_labels holds {label!r}, which means 'no label'; expected class names such as "
                             "'conflict' (use drop_unlabelled=True to drop unlabelled examples)")
        if _map_key(written) in mapping:
            classes.add(mapping[_map_key(written)])
        else:
            classes.add(PYABSA_NUMERIC_LABELS.get(written) if label_map is None and written in PYABSA_NUMERIC_LABELS
                        else class_name(written))
    return classes


def assign_label_classes(
    examples_by_split: dict[str, list[dict]],
    census: LabelCensus,
    label_map: Mapping[Any, Any] | None = None,
    drop_labels: Iterable[Any] | str = (),
    drop_unlabelled: bool = False,
) -> LabelReport:
    """Replace each example's label as written by its class, in place, and drop the examples asked for.

    ``census`` must count exactly the labels of ``examples_by_split``. Classes come from `resolve_label_classes`.
    ``drop_labels`` names classes to leave out (matched like the labels). An example without a label (missing,
    -100 or -999) raises ``APCDataError`` at the first one read, unless ``drop_unlabelled`` drops them, or unless
    no example of the dataset has a label (unlabelled data: labels stay ``None``). Drops are logged, one line per
    split, and returned in the `LabelReport`.
    """
    classes = resolve_label_classes(census, label_map)
    unlabelled = [label for label in census.first_seen if is_no_label(label)]
    report = LabelReport(classes=classes)
    if not classes:
        if drop_unlabelled:
            raise APCDataError(None, None, "no example has a label, so drop_unlabelled=True would drop them all",
                               "a label on the examples to train on")
        logger.info("No example has a label: read as unlabelled data (labels None), which can be predicted on but "
                    "not trained on")
        for examples in examples_by_split.values():
            for example in examples:
                example["label"] = None
        return report
    if unlabelled and not drop_unlabelled:
        first = unlabelled[0]
        what = "the label is missing" if first is None else f"the label {first!r} is PyABSA's 'no label' value"
        raise census.first_seen[first].error(
            f"{what}, not a class; the dataset has {sum(map(census.total, unlabelled))} unlabelled example(s) "
            f"({census.per_split(unlabelled)})",
            "a label on every example of every split (all of a labelled dataset is training or evaluation data); "
            "pass drop_unlabelled=True to drop the unlabelled examples")

    to_drop = _drop_classes(drop_labels, label_map)
    absent = sorted(to_drop - set(classes.values()))
    if absent:
        logger.warning("drop_labels names %s, found in no split (the dataset's classes: %s)",
                       ", ".join(absent), ", ".join(sorted(set(classes.values()))))
    for split, examples in examples_by_split.items():
        kept = []
        dropped: Counter = Counter()
        dropped_unlabelled = 0
        for example in examples:
            written = example["label"]
            if is_no_label(written):
                dropped_unlabelled += 1
                continue
            example["label"] = classes[written]
            if example["label"] in to_drop:
                dropped[example["label"]] += 1
                continue
            kept.append(example)
        examples[:] = kept
        report.counts[split] = dict(sorted(Counter(example["label"] for example in kept).items()))
        if dropped:
            report.dropped[split] = dict(sorted(dropped.items()))
        if dropped_unlabelled:
            report.dropped_unlabelled[split] = dropped_unlabelled
        if dropped or dropped_unlabelled:
            reasons = [f"{name} {count}" for name, count in sorted(dropped.items())]
            if dropped_unlabelled:
                reasons.append(f"unlabelled {dropped_unlabelled}")
            logger.info("Split '%s': dropped %d of %d examples (%s)", split,
                        sum(dropped.values()) + dropped_unlabelled, len(kept) + sum(dropped.values())
                        + dropped_unlabelled, ", ".join(reasons))
    return report


def _count_phrase(count: int) -> str:
    return f"{count} example" + ("" if count == 1 else "s")


def build_label_mapping(dataset_dict: Mapping[str, Any]) -> list[str]:
    """The train split's labels, sorted as strings (Negative, Neutral, Positive); unlabelled rows ignored.

    Logs one INFO line per split with its labels and their counts. Raises ``ValueError`` when there is no train
    split, when train has no labelled example or a single label (naming it and its count), and when another split
    has a label that train lacks (naming the split, the label and its count), since the model could never predict
    it.
    """
    if "train" not in dataset_dict:
        raise ValueError(f"no 'train' split to take the labels from (splits: {', '.join(dataset_dict) or 'none'})")
    counts = {split: Counter(dataset["label"]) for split, dataset in dataset_dict.items()}
    for split, counter in counts.items():
        labelled = ", ".join(f"{label} {count}" for label, count in sorted(
            (label, count) for label, count in counter.items() if label is not None))
        unlabelled = f"; {counter[None]} unlabelled" if counter[None] else ""
        logger.info("Labels of split '%s' (%s): %s%s", split, _count_phrase(sum(counter.values())),
                    labelled or "none", unlabelled)
    labels = sorted(label for label in counts["train"] if label is not None)
    if not labels:
        raise ValueError("the 'train' split has no labelled example; expected a label on every training example")
    if len(labels) == 1:
        only = labels[0]
        raise ValueError(f"the 'train' split has a single label, {only!r} ({_count_phrase(counts['train'][only])}); "
                         "expected at least two labels, since a classifier of one class learns nothing")
    known = set(labels)
    for split, counter in counts.items():
        unknown = sorted(label for label in counter if label is not None and label not in known)
        if unknown:
            found = ", ".join(f"{label!r} on {_count_phrase(counter[label])}" for label in unknown)
            raise ValueError(f"split '{split}' has label(s) {', '.join(map(repr, unknown))} that the 'train' split "
                             f"lacks ({found}); expected only the train labels {', '.join(labels)}, since the "
                             "model could never predict the others (drop them with drop_labels=..., or add "
                             "training examples of them)")
    return labels
