"""Evaluation metrics, one module per task: `apc` (accuracy, macro-F1, per-class F1 from a confusion matrix).

The names of `hf_absa.metrics.apc` are re-exported here, so ``from hf_absa.metrics import APCMetrics`` works.
"""

from .apc import (
    APCMetrics,
    compute_apc_metrics,
    confusion_counts,
    metric_label_key,
    metrics_from_confusion_matrix,
)

__all__ = [
    "APCMetrics",
    "compute_apc_metrics",
    "confusion_counts",
    "metric_label_key",
    "metrics_from_confusion_matrix",
]
