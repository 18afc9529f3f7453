"""APC metrics, all derived from one confusion matrix and computed by scikit-learn.

The figures are PyABSA's pair (accuracy and macro-F1 over every label of the
model, present in the split or not) plus per-class F1. scikit-learn computes
them from the confusion matrix (its cells as weighted samples), so a streaming
job (`predict_file`) only keeps running counts and still reports exactly what
`compute_apc_metrics` reports over the whole prediction list. The same core is
behind the Trainer's `APCMetrics` and the `evaluate` module
`hf_absa.metrics.APCPolarityMetric`:

>>> metrics_from_confusion_matrix([[3, 1], [0, 4]], ["neg", "pos"])["accuracy"]
0.875
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

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

    ``label_names[i]`` names label id ``i``; ``matrix`` is ``n x n`` non-negative counts, ``n = len(label_names)``.
    The figures are scikit-learn's (``accuracy_score``, ``precision_recall_fscore_support``) over the cells of the
    matrix weighted by their counts, which equal its figures over the raw label lists (tested). Macro-F1 averages
    over every label of the model (PyABSA's ``labels=range(output_dim)``), so a class missing from a small
    evaluation split counts as F1 0 rather than being silently dropped; a ratio with a zero denominator is 0
    (``zero_division=0``), and every figure is 0 for an empty matrix.

    Returns ``accuracy``, ``f1`` (macro) and ``f1_<label>`` per label (`metric_label_key`), fractions in [0, 1];
    with ``detailed=True`` also ``per_class`` (label → precision/recall/f1/support), ``confusion_matrix`` and
    ``labels``, as plain Python types.

    Raises ``ValueError`` for a matrix that is not ``n x n`` or holds a negative count.
    """
    matrix = np.asarray(matrix, dtype=np.int64)
    num_labels = len(label_names)
    if matrix.shape != (num_labels, num_labels):
        raise ValueError(f"the confusion matrix has shape {matrix.shape}; expected one row and one column per "
                         f"label ({num_labels})")
    if (matrix < 0).any():
        raise ValueError(f"the confusion matrix holds the negative count {int(matrix.min())}; expected counts >= 0")
    support = matrix.sum(axis=1)  # the reference count per label: exact integers, not sklearn's float weights
    # One weighted sample per non-empty cell: (reference, prediction) repeated `count` times, in O(n^2) memory
    # whatever the number of examples.
    references, predictions = np.nonzero(matrix)
    weights = matrix[references, predictions]
    if weights.size:
        precision, recall, f1, _ = precision_recall_fscore_support(
            references, predictions, sample_weight=weights, labels=np.arange(num_labels), average=None,
            zero_division=0,
        )
        accuracy = float(accuracy_score(references, predictions, sample_weight=weights))
    else:  # sklearn's weighted mean divides by the total weight
        precision = recall = f1 = np.zeros(num_labels)
        accuracy = 0.0
    metrics: dict = {
        "accuracy": accuracy,
        # sklearn's average="macro" is this unweighted mean over `labels`; taken here to score once, not twice.
        "f1": float(f1.mean()) if num_labels else 0.0,
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

    ``predictions`` and ``references`` are label ids (any shape, flattened; the same number of each);
    ``label_names[i]`` names id ``i``. References of -100 (unlabelled examples) are left out; see
    `confusion_counts`, whose ``ValueError`` (different lengths, an id outside ``0..len(label_names) - 1``) this
    raises.
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
