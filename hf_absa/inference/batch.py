"""`predict_file`: stream a 3-line ``$T$`` or ``.inference`` file through a `SentimentClassifier` into JSON Lines.

(Skipped in the test suite: it needs a trained checkpoint in ``runs/laptop14``.)

>>> from hf_absa import SentimentClassifier
>>> classifier = SentimentClassifier.from_pretrained("runs/laptop14")  # doctest: +SKIP
>>> report = classifier.predict_file("laptop14.test.txt", "predictions.jsonl", progress=True)  # doctest: +SKIP
>>> report["metrics"]["accuracy"], report["metrics"]["confusion_matrix"]  # doctest: +SKIP
(0.8025, [[101, 12, 15], [20, 128, 21], [9, 11, 321]])

APC is the first user of the task-neutral `hf_absa.inference.streaming.stream_predictions`: its reader is
`iter_examples_file` (one group per sentence), its predictor the `SentimentClassifier` and its metrics accumulator
`APCMetricsAccumulator`. Memory stays bounded whatever the length of the file: the reader yields one sentence at a
time, the classifier featurises and predicts ``chunk_size`` examples at a time (sorted by length into batches),
each sentence's result is written as soon as its chunk is done, and the metrics come from a running confusion
matrix (`hf_absa.metrics.metrics_from_confusion_matrix`), not from a list of every prediction.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..data.readers import is_inference_file, iter_examples_file
from ..metrics import metrics_from_confusion_matrix
from .streaming import ProgressBar, check_input_output, stream_predictions

__all__ = ["APCMetricsAccumulator", "predict_file"]

logger = logging.getLogger(__name__)

INPUT_EXPECTED = "a 3-line $T$ file or a .inference file"


class APCMetricsAccumulator:
    """Running APC metrics over sentence results: a confusion matrix of the aspects with a reference label.

    Args:
        labels: the model's labels, in label-id order.

    >>> metrics = APCMetricsAccumulator(["Negative", "Positive"])
    >>> metrics.add({"sentence": "...", "aspects": [{"label": "Positive", "reference": "Positive"},
    ...                                             {"label": "Positive", "reference": "Conflict"},
    ...                                             {"label": "Negative"}]})
    >>> summary = metrics.compute()
    >>> summary["labelled"], summary["unknown_references"], summary["metrics"]["accuracy"]
    (1, {'Conflict': 1}, 1.0)
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.label_ids = {label: index for index, label in enumerate(self.labels)}
        self.confusion = np.zeros((len(self.labels), len(self.labels)), dtype=np.int64)
        self.unknown_references: Counter = Counter()

    def add(self, result: Mapping[str, Any]) -> None:
        """Count the aspects of one sentence result that have a ``reference`` label."""
        for aspect in result["aspects"]:
            reference = aspect.get("reference")
            if reference is None:
                continue
            if reference in self.label_ids:
                self.confusion[self.label_ids[reference], self.label_ids[aspect["label"]]] += 1
            else:
                self.unknown_references[reference] += 1

    def compute(self) -> dict[str, Any]:
        """``labelled`` (aspects with a reference label the model has), ``unknown_references`` (other reference
        labels → count; left out of the metrics) and ``metrics``: accuracy, macro-F1, per-class
        precision/recall/F1/support and the confusion matrix (`metrics_from_confusion_matrix` with
        ``detailed=True``), or None without labelled aspects."""
        labelled = int(self.confusion.sum())
        return {
            "labelled": labelled,
            "unknown_references": dict(self.unknown_references),
            "metrics": metrics_from_confusion_matrix(self.confusion, self.labels, detailed=True) if labelled else None,
        }


def predict_file(
    classifier: Any,
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    strict: bool = False,
    progress: bool = False,
) -> dict:
    """Predict every aspect of ``input_path`` with ``classifier`` and write the results to ``output_path``.

    The input is an ``.inference`` file (marked format, optional ``$LABEL$`` references) or a 3-line ``$T$`` file
    (with gold labels). The output is JSON Lines, UTF-8: one object per sentence, in input order — one per line of
    an ``.inference`` file, one per run of consecutive examples of the same sentence in a 3-line file — shaped like
    the results of `SentimentClassifier.predict` (`hf_absa.inference.results`, with ``reference`` and ``correct``
    where the input has labels). It replaces ``output_path`` only once complete.

    ``classifier`` is a `SentimentClassifier` (anything with ``labels`` and ``predict_example_groups``). An
    ``.inference`` line whose reference labels do not match its aspects is predicted without references and
    counted in a logged warning (PyABSA's behaviour); with ``strict=True`` it is an error instead. ``progress``
    shows a tqdm bar on stderr.

    Returns a report: ``input``, ``output``, ``sentences``, ``aspects``, then the entries of
    `APCMetricsAccumulator.compute`: ``labelled``, ``unknown_references`` and ``metrics``.

    Raises:
        FileNotFoundError: ``input_path`` is not a file.
        ValueError: ``output_path`` is the input; `hf_absa.data.APCDataError` for a malformed input line (naming
            the file and line). Nothing is written then.
    """
    input_path, output_path = check_input_output(input_path, output_path, INPUT_EXPECTED)
    inference_format = is_inference_file(input_path)
    metrics = APCMetricsAccumulator(classifier.labels)
    bar = None
    if progress:
        bar = ProgressBar(
            f"Predicting {input_path.name}",
            total=_record_count(input_path, inference_format),
            unit="lines" if inference_format else "examples",
            per_example=not inference_format,  # an .inference line is one group, whatever its aspects
        )
    counts = stream_predictions(
        classifier, iter_examples_file(input_path, strict=strict), output_path, metrics=metrics, progress=bar
    )
    summary = metrics.compute()
    if summary["unknown_references"]:
        logger.warning("%s: %d reference label(s) are not labels of the model (%s) and were left out of the "
                       "metrics: %s", input_path, sum(summary["unknown_references"].values()),
                       ", ".join(classifier.labels), summary["unknown_references"])
    return {
        "input": str(input_path),
        "output": str(output_path),
        "sentences": counts["sentences"],
        "aspects": counts["examples"],
        "precision": getattr(classifier, "precision", None),  # what ran ("bf16" or "fp32" for precision="auto")
        **summary,
    }


def _record_count(path: Path, inference_format: bool) -> int:
    """The progress bar's total: non-blank lines of an ``.inference`` file, examples (a third of the non-blank
    lines) of a 3-line file. One quick pass over the bytes."""
    with open(path, "rb") as file:
        non_blank = sum(1 for line in file if line.strip())
    return non_blank if inference_format else non_blank // 3
