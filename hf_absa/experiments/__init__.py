"""Experiments: evaluation protocols, k-fold cross-validation, repeated runs, summaries and plots.

- `protocols`: model selection on validation (always) and PyABSA's max-over-test
  figures (opt-in ``report_max_test``), both from one run;
- `cross_validation`: ``cross_validate_fold=k``, a fresh model per fold;
- `runner`: several seeds × architectures × backbones in one call
  (``hf-absa experiment``), with ``summary.json`` / ``summary.md``;
- `plots`: box plots of test metrics across seeds and training curves (PNG).
"""

from .cross_validation import cross_validate, stratified_folds
from .protocols import evaluation_protocol, max_test_metrics
from .runner import ExperimentArguments, run_experiment, summarise_runs, summary_markdown
from .summary import aggregate, mean_std

__all__ = [
    "ExperimentArguments",
    "aggregate",
    "cross_validate",
    "evaluation_protocol",
    "max_test_metrics",
    "mean_std",
    "run_experiment",
    "stratified_folds",
    "summarise_runs",
    "summary_markdown",
]
