"""Holding out part of the training split to select the best model on."""

from __future__ import annotations

import logging

import numpy as np
from datasets import Dataset
from sklearn.model_selection import train_test_split

logger = logging.getLogger(__name__)


def hold_out_validation(
    dataset: Dataset, fraction: float, seed: int = 42, label_column: str = "labels", labels=None
) -> tuple[Dataset, Dataset]:
    """Split ``dataset`` into (train, validation), stratified on ``label_column`` (one class per example), or on
    ``labels`` when given (a class per example, e.g. a task's `TrainingSetup.stratification_labels`).

    Stratification keeps rare classes in both parts; when a class is too rare
    to stratify (fewer than two examples) the split falls back to a plain
    shuffled split rather than failing.

    >>> ds = Dataset.from_dict({"labels": [0, 1] * 10})
    >>> train, valid = hold_out_validation(ds, 0.2)
    >>> len(train), len(valid), sorted(valid["labels"])
    (16, 4, [0, 0, 1, 1])
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    if len(dataset) < 2:
        raise ValueError(f"cannot hold out a validation part of a dataset with {len(dataset)} example(s)")
    indices = np.arange(len(dataset))
    if labels is None and label_column in dataset.column_names:
        labels = dataset[label_column]
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(dataset),):
            raise ValueError(f"stratification labels must be one class per example ({len(dataset)}), "
                             f"got shape {labels.shape}")
    stratify = labels
    if labels is not None:
        _, counts = np.unique(labels, return_counts=True)
        n_valid = max(1, int(round(fraction * len(dataset))))
        if counts.min() < 2 or n_valid < len(counts) or len(dataset) - n_valid < len(counts):
            stratify = None
    train_idx, valid_idx = train_test_split(indices, test_size=fraction, random_state=seed, stratify=stratify)
    logger.info(
        "Holding out %d of %d training examples (fraction %s) as the validation split that selects the best model.",
        len(valid_idx),
        len(dataset),
        fraction,
    )
    return dataset.select(np.sort(train_idx)), dataset.select(np.sort(valid_idx))
