"""`predict_file`: stream a 3-line ``$T$`` or ``.inference`` file through a `SentimentClassifier` into JSON Lines.

>>> from hf_absa import SentimentClassifier
>>> classifier = SentimentClassifier.from_pretrained("runs/laptop14")  # doctest: +SKIP
>>> report = classifier.predict_file("laptop14.test.txt", "predictions.jsonl", progress=True)  # doctest: +SKIP
>>> report["metrics"]["accuracy"], report["metrics"]["confusion_matrix"]  # doctest: +SKIP
(0.8025, [[101, 12, 15], [20, 128, 21], [9, 11, 321]])

Memory stays bounded whatever the length of the file: the reader yields one sentence at a time, the classifier
featurises and predicts ``chunk_size`` examples at a time (sorted by length into batches), each sentence's result
is written as soon as its chunk is done, and the metrics come from a running confusion matrix
(`hf_absa.metrics.metrics_from_confusion_matrix`), not from a list of every prediction.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ..data.readers import is_inference_file, iter_examples_file
from ..metrics import metrics_from_confusion_matrix

logger = logging.getLogger(__name__)


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
    the results of `SentimentClassifier.predict` (``{"sentence", "aspects": [...]}``, with ``reference`` and
    ``correct`` where the input has labels). It is written to a temporary file that replaces ``output_path`` only
    once complete.

    An ``.inference`` line whose reference labels do not match its aspects is predicted without references and
    counted in a logged warning (PyABSA's behaviour); with ``strict=True`` it is an error instead. ``progress``
    shows a tqdm bar on stderr.

    Returns a report: ``input``, ``output``, ``sentences``, ``aspects``, ``labelled`` (aspects with a reference
    label), ``unknown_references`` (reference labels the model does not have → count; left out of the metrics)
    and ``metrics``: accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix of the
    labelled aspects (`hf_absa.metrics.compute_apc_metrics` with ``detailed=True``), or None without labels.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.is_file():
        raise FileNotFoundError(f"input: {input_path} is not a file; expected a 3-line $T$ file or a .inference file")
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise ValueError(f"output: {output_path} is the input file; expected another path for the predictions")
    label_ids = {label: index for index, label in enumerate(classifier.labels)}
    confusion = np.zeros((len(label_ids), len(label_ids)), dtype=np.int64)
    unknown_references: Counter = Counter()
    sentences = aspects = 0

    inference_format = is_inference_file(input_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=output_path.parent, prefix=f".{output_path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as output, tqdm(
            total=_record_count(input_path, inference_format) if progress else None,
            unit="lines" if inference_format else "examples",
            desc=f"Predicting {input_path.name}",
            file=sys.stderr,
            disable=not progress,
            leave=False,  # erased when done, so that an error or the report follows on a clean line
        ) as bar:
            groups = iter_examples_file(input_path, strict=strict)
            for result in classifier.predict_example_groups(groups):
                output.write(json.dumps(result, ensure_ascii=False) + "\n")
                sentences += 1
                aspects += len(result["aspects"])
                for aspect in result["aspects"]:
                    reference = aspect.get("reference")
                    if reference is None:
                        continue
                    if reference in label_ids:
                        confusion[label_ids[reference], label_ids[aspect["label"]]] += 1
                    else:
                        unknown_references[reference] += 1
                bar.update(1 if inference_format else len(result["aspects"]))
        os.replace(staging, output_path)
    finally:
        if os.path.exists(staging):
            os.remove(staging)

    if unknown_references:
        logger.warning("%s: %d reference label(s) are not labels of the model (%s) and were left out of the "
                       "metrics: %s", input_path, sum(unknown_references.values()), ", ".join(classifier.labels),
                       dict(unknown_references))
    labelled = int(confusion.sum())
    return {
        "input": str(input_path),
        "output": str(output_path),
        "sentences": sentences,
        "aspects": aspects,
        "labelled": labelled,
        "unknown_references": dict(unknown_references),
        "metrics": metrics_from_confusion_matrix(confusion, classifier.labels, detailed=True) if labelled else None,
    }


def _record_count(path: Path, inference_format: bool) -> int:
    """The progress bar's total: non-blank lines of an ``.inference`` file, examples (a third of the non-blank
    lines) of a 3-line file. One quick pass over the bytes."""
    with open(path, "rb") as file:
        non_blank = sum(1 for line in file if line.strip())
    return non_blank if inference_format else non_blank // 3
