"""k-fold cross-validation (PyABSA's ``cross_validate_fold``), done the way PyABSA meant it.

The training split is cut into k stratified folds (scikit-learn's
``StratifiedKFold``, shuffled with the run's seed). Fold i selects its model on
fold i and trains on the other k-1; every fold starts from a **fresh** model
re-created from the backbone with the same seed, and gets a fresh optimizer and
scheduler (a new Trainer) — PyABSA carries the previous fold's weights and
optimizer over (reference §1.8, §6 item 21). Each fold's selected model is
evaluated on the test split; the summary reports every fold and the mean ± std
over folds (PyABSA reports the maximum over folds).

Layout under ``output_dir``::

    fold-0/all_results.json, trainer_state.json, (model per export_mode)
    ...
    fold-{k-1}/...
    cv_summary.json   per-fold figures, mean and sample std over folds
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from datasets import DatasetDict
from sklearn.model_selection import StratifiedKFold

from ..training.training_args import replace_arguments
from ..training.workflow import fit_and_evaluate
from .summary import STD_NOTE, aggregate, headline_metrics, write_json

logger = logging.getLogger(__name__)

CV_SUMMARY_FILE = "cv_summary.json"


def fold_dir_name(fold: int) -> str:
    return f"fold-{fold}"


def check_fold_count(folds: int) -> None:
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"cross_validate_fold must be -1 (off) or an integer >= 2, got {folds!r}")


def stratified_folds(labels, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train_indices, validation_indices)`` for each of ``folds`` stratified folds.

    The validation parts are disjoint, cover every example and keep each
    class's share within one example of its share overall.

    >>> parts = stratified_folds([0, 0, 0, 1, 1, 1], folds=3, seed=0)
    >>> [sorted(np.asarray([0, 0, 0, 1, 1, 1])[valid].tolist()) for _, valid in parts]
    [[0, 1], [0, 1], [0, 1]]
    """
    check_fold_count(folds)
    labels = np.asarray(labels)
    largest_class = int(np.unique(labels, return_counts=True)[1].max()) if labels.size else 0
    if largest_class < folds:
        raise ValueError(
            f"cross_validate_fold={folds} needs at least {folds} training examples of some class; "
            f"the largest class has {largest_class}"
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(np.sort(train), np.sort(valid)) for train, valid in splitter.split(np.zeros(len(labels)), labels)]


def cross_validate(setup, training_args, folds: int) -> dict:
    """Run k-fold cross-validation of ``setup`` (an `APCSetup`); returns the ``cv_summary.json`` content.

    Each fold is an ordinary `fit_and_evaluate` run in ``output_dir/fold-{i}``
    (model selection on the fold, test with the selected model, the
    ``report_max_test`` figures when asked for). (Skipped in the test suite: ``raw`` and ``args`` are not built
    here, and it trains five models.)

    >>> from hf_absa.training.apc import APCModelArguments, load_training_data, prepare_apc_setup
    >>> setup = prepare_apc_setup(APCModelArguments(apc_model="bert_spc"), raw, args)  # doctest: +SKIP
    >>> cross_validate(setup, args, folds=5)["aggregate"]["test_accuracy"]  # doctest: +SKIP
    {'mean': 0.79, 'std': 0.012, 'n': 5}
    """
    check_fold_count(folds)
    train, test = setup.features["train"], setup.features.get("test")
    if "validation" in setup.features:
        logger.info("Cross-validation: the validation split is not used; each fold selects on its own part of train")
    output_dir = Path(training_args.output_dir)
    per_fold = []
    labels = setup.stratification_labels(train)
    if labels is None:
        raise ValueError(f"cross-validation needs one class per training example to stratify on; "
                         f"{type(setup).__name__} gives none")
    for fold, (train_indices, valid_indices) in enumerate(stratified_folds(labels, folds, training_args.seed)):
        logger.info("Fold %d/%d: %d training, %d validation examples", fold + 1, folds, len(train_indices),
                    len(valid_indices))
        splits = {"train": train.select(train_indices), "validation": train.select(valid_indices)}
        if test is not None:
            splits["test"] = test
        fold_args = replace_arguments(training_args, output_dir=str(output_dir / fold_dir_name(fold)))
        # A new Trainer with a new model from the same seed: every fold starts from the same fresh weights.
        metrics, trainer = fit_and_evaluate(setup, fold_args, DatasetDict(splits))
        per_fold.append(
            {
                "fold": fold,
                "output_dir": fold_dir_name(fold),
                "train_examples": len(train_indices),
                "validation_examples": len(valid_indices),
                **headline_metrics(metrics),
            }
        )
        release(trainer)
    summary = {
        "folds": folds,
        "stratified": True,
        "seed": training_args.seed,
        "std": STD_NOTE,
        "aggregate": aggregate(per_fold),
        "per_fold": per_fold,
    }
    if training_args.should_save:
        write_json(output_dir / CV_SUMMARY_FILE, summary)
    return summary


def release(trainer) -> None:
    """Drop a finished run's model and optimizer state before the next run starts."""
    import gc

    import torch

    trainer.accelerator.free_memory()
    trainer.model = trainer.model_wrapped = trainer.optimizer = trainer.lr_scheduler = None
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
