"""APC metrics in plain numpy/scikit-learn.

`evaluate.load("accuracy")` needs the Hub, so the metric code lives here. The
figures are PyABSA's pair (accuracy and macro-F1 over every label of the
model, present in the split or not) plus per-class F1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support


def metric_label_key(label: str) -> str:
    """A metric-name-safe form of a label name (``f1_Positive``; spaces become ``_``)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(label))


def compute_apc_metrics(
    predictions: Sequence[int] | np.ndarray,
    references: Sequence[int] | np.ndarray,
    label_names: Sequence[str],
    *,
    detailed: bool = False,
) -> dict:
    """Accuracy, macro-F1 and per-class F1 of label ids.

    ``label_names[i]`` names label id ``i``. Macro-F1 averages over every
    label of the model (PyABSA's ``labels=range(output_dim)``), so a class
    missing from a small evaluation split counts as F1 0 rather than being
    silently dropped. With ``detailed=True`` per-class precision/recall/support
    and the confusion matrix (rows = reference, columns = prediction) are
    added as plain Python lists.
    """
    predictions = np.asarray(predictions).reshape(-1)
    references = np.asarray(references).reshape(-1)
    if predictions.shape != references.shape:
        raise ValueError(
            f"predictions and references differ in length: {predictions.shape[0]} vs {references.shape[0]}"
        )
    labels = list(range(len(label_names)))
    metrics: dict = {
        "accuracy": float(accuracy_score(references, predictions)) if references.size else 0.0,
        "f1": float(f1_score(references, predictions, labels=labels, average="macro", zero_division=0)),
    }
    precision, recall, f1, support = precision_recall_fscore_support(
        references, predictions, labels=labels, average=None, zero_division=0
    )
    for name, value in zip(label_names, f1):
        metrics[f"f1_{metric_label_key(name)}"] = float(value)
    if detailed:
        metrics["per_class"] = {
            str(name): {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for name, p, r, f, s in zip(label_names, precision, recall, f1, support)
        }
        metrics["confusion_matrix"] = confusion_matrix(references, predictions, labels=labels).tolist()
        metrics["labels"] = [str(name) for name in label_names]
    return metrics


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
