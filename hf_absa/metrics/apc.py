"""APC metrics in plain numpy, all derived from one confusion matrix.

`evaluate.load("accuracy")` needs the Hub, so the metric code lives here. The
figures are PyABSA's pair (accuracy and macro-F1 over every label of the
model, present in the split or not) plus per-class F1. Everything is computed
from the confusion matrix, so a streaming job (`predict_file`) only keeps
running counts and still reports exactly what `compute_apc_metrics` reports
over the whole prediction list:

>>> metrics_from_confusion_matrix([[3, 1], [0, 4]], ["neg", "pos"])["accuracy"]
0.875
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..data.processing import IGNORED_LABEL_ID


def metric_label_key(label: str) -> str:
    """A metric-name-safe form of a label name (``f1_Positive``; spaces become ``_``)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(label))


def confusion_counts(
    predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray, num_labels: int
) -> np.ndarray:
    """``num_labels`` x ``num_labels`` int64 counts, rows = reference id, columns = predicted id.

    References of ``IGNORED_LABEL_ID`` (-100, unlabelled examples) are left out, as the loss leaves them out.
    """
    predictions = np.asarray(predictions, dtype=np.int64).reshape(-1)
    references = np.asarray(references, dtype=np.int64).reshape(-1)
    if predictions.shape != references.shape:
        raise ValueError(
            f"predictions and references differ in length: {predictions.shape[0]} vs {references.shape[0]}"
        )
    labelled = references != IGNORED_LABEL_ID
    predictions, references = predictions[labelled], references[labelled]
    for name, ids in (("predictions", predictions), ("references", references)):
        outside = ids[(ids < 0) | (ids >= num_labels)]
        if outside.size:
            raise ValueError(f"{name} hold label id {int(outside[0])}; expected ids 0..{num_labels - 1} "
                             f"(or {IGNORED_LABEL_ID} for an unlabelled reference)")
    matrix = np.zeros((num_labels, num_labels), dtype=np.int64)
    np.add.at(matrix, (references, predictions), 1)
    return matrix


def metrics_from_confusion_matrix(
    matrix: Sequence[Sequence[int]] | np.ndarray, label_names: Sequence[str], *, detailed: bool = False
) -> dict:
    """Accuracy, macro-F1 and per-class F1 from a confusion matrix (rows = reference, columns = prediction).

    ``label_names[i]`` names label id ``i``. Macro-F1 averages over every label of the model (PyABSA's
    ``labels=range(output_dim)``), so a class missing from a small evaluation split counts as F1 0 rather than
    being silently dropped; a ratio with a zero denominator is 0 (scikit-learn's ``zero_division=0``). With
    ``detailed=True`` per-class precision/recall/support and the confusion matrix are added as plain Python lists.
    """
    matrix = np.asarray(matrix, dtype=np.int64)
    if matrix.shape != (len(label_names), len(label_names)):
        raise ValueError(f"the confusion matrix has shape {matrix.shape}; expected one row and one column per "
                         f"label ({len(label_names)})")
    true_positives = np.diag(matrix).astype(np.float64)
    support = matrix.sum(axis=1)
    predicted = matrix.sum(axis=0)
    total = int(matrix.sum())

    def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)

    precision = ratio(true_positives, predicted.astype(np.float64))
    recall = ratio(true_positives, support.astype(np.float64))
    f1 = ratio(2 * true_positives, (support + predicted).astype(np.float64))
    metrics: dict = {
        "accuracy": float(true_positives.sum() / total) if total else 0.0,
        "f1": float(f1.mean()),
    }
    for name, value in zip(label_names, f1):
        metrics[f"f1_{metric_label_key(name)}"] = float(value)
    if detailed:
        metrics["per_class"] = {
            str(name): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(label_names, precision, recall, f1, support)
        }
        metrics["confusion_matrix"] = matrix.tolist()
        metrics["labels"] = [str(name) for name in label_names]
    return metrics


def compute_apc_metrics(
    predictions: Sequence[int] | np.ndarray,
    references: Sequence[int] | np.ndarray,
    label_names: Sequence[str],
    *,
    detailed: bool = False,
) -> dict:
    """Accuracy, macro-F1 and per-class F1 of label ids (`metrics_from_confusion_matrix` of their counts).

    References of -100 (unlabelled examples) are left out; see `confusion_counts`.
    """
    return metrics_from_confusion_matrix(
        confusion_counts(predictions, references, len(label_names)), label_names, detailed=detailed
    )


class APCMetrics:
    """`compute_metrics` for `transformers.Trainer`: logits + label ids → APC metrics.

    >>> metrics = APCMetrics({0: "Negative", 1: "Neutral", 2: "Positive"})
    >>> from transformers import EvalPrediction
    >>> logits = np.array([[0.1, 0.2, 3.0], [2.0, 0.1, 0.0]])
    >>> metrics(EvalPrediction(predictions=logits, label_ids=np.array([2, 1])))["accuracy"]
    0.5
    """

    def __init__(self, id2label: Mapping[int, str]):
        self.label_names = [id2label[i] for i in sorted(int(k) for k in id2label)]

    def __call__(self, eval_prediction) -> dict:
        logits = eval_prediction.predictions
        if isinstance(logits, (tuple, list)):
            logits = logits[0]
        predictions = np.asarray(logits).argmax(-1)
        return compute_apc_metrics(predictions, eval_prediction.label_ids, self.label_names)
