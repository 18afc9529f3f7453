"""Experiments: k-fold cross-validation, repeated runs, summaries and plots, over the training workflow.

The evaluation protocols and the held-out split belong to training (`hf_absa.training.protocols`,
`hf_absa.training.splits`); experiments repeat `hf_absa.training.workflow.fit_and_evaluate`.

- `cross_validation`: ``cross_validate_fold=k``, a fresh model per fold;
- `runner`: several seeds × architectures × backbones in one call
  (``hf-absa experiment``, or ``hf-absa train`` with several seeds / folds), with ``summary.json`` / ``summary.md``;
- `plots`: box plots of test metrics across seeds and training curves (PNG).
"""

from .cross_validation import cross_validate, stratified_folds
from .runner import ExperimentArguments, run_experiment, summarise_runs, summary_markdown
from .summary import aggregate, mean_std

__all__ = [
    "ExperimentArguments",
    "aggregate",
    "cross_validate",
    "mean_std",
    "run_experiment",
    "stratified_folds",
    "summarise_runs",
    "summary_markdown",
]
