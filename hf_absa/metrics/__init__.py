"""Evaluation metrics, one module per task: `apc` (accuracy, macro-F1, per-class F1 from a confusion matrix),
`atepc` (aspect extraction + polarity under the main exact-span protocol and PyABSA's lenient one), and
`evaluation_modules`, the same figures as `evaluate` modules (`APCPolarityMetric`, `AspectSpanMetric`).

The public names of the modules are re-exported here, so ``from hf_absa.metrics import APCMetrics`` works.
"""

from .apc import (
    APCMetrics,
    compute_apc_metrics,
    confusion_counts,
    metric_label_key,
    metrics_from_confusion_matrix,
)
from .atepc import (
    ATEPCMetrics,
    ATEPCMetricsAccumulator,
    compute_atepc_metrics,
    compute_pyabsa_ate_metrics,
    exact_span_scores,
    max_over_evaluations,
    spans_to_tags,
    tag_ids_to_spans,
    tags_to_spans,
)
from .evaluation_modules import APCPolarityMetric, AspectSpanMetric

__all__ = [
    "APCMetrics",
    "APCPolarityMetric",
    "AspectSpanMetric",
    "ATEPCMetrics",
    "ATEPCMetricsAccumulator",
    "compute_apc_metrics",
    "compute_atepc_metrics",
    "compute_pyabsa_ate_metrics",
    "confusion_counts",
    "exact_span_scores",
    "max_over_evaluations",
    "metric_label_key",
    "metrics_from_confusion_matrix",
    "spans_to_tags",
    "tag_ids_to_spans",
    "tags_to_spans",
]
