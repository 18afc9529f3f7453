"""`train_classifier`: from a dataset to a ready `SentimentClassifier` in one call, defaults throughout.

PyABSA users know this as ``APCTrainer(config, dataset).load_trained_model()``. It runs the same workflow as
``hf-absa train`` (`hf_absa.training.apc.train_apc`): the low-level parts stay available for everything else.
(Skipped in the test suite, where it would train MiniLM for minutes; tests/test_workflow.py runs it on a tiny
model.)

>>> from hf_absa import train_classifier
>>> classifier = train_classifier("sample", output_dir="runs/sample")  # doctest: +SKIP
>>> classifier.predict("The [B-ASP]battery[E-ASP] lasts forever")["aspects"][0]["label"]  # doctest: +SKIP
'Positive'
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from ..training.apc import APCDataArguments, APCModelArguments, train_apc
from ..training.training_args import APCTrainingArguments
from .classifier import SentimentClassifier

__all__ = ["train_classifier"]


def _field_names(cls) -> set[str]:
    return {item.name for item in dataclasses.fields(cls) if item.init}


def train_classifier(
    dataset: Any = "sample",
    *,
    data_dir: str | os.PathLike | None = None,
    output_dir: str | os.PathLike = "runs/hf_absa",
    **settings: Any,
) -> SentimentClassifier:
    """Train an APC model on ``dataset`` and return it as a `SentimentClassifier` (its figures in ``.metrics``).

    Args:
        dataset: a registered name (``"laptop14"``...), a folder or a file, as ``hf-absa train --dataset``;
            ``"sample"`` is the small set shipped with hf_absa.
        data_dir: where registered datasets live (default: env ``HF_ABSA_DATA_DIR``).
        output_dir: where the run writes its checkpoints, ``all_results.json`` and the exported model.
        settings: any model argument (`hf_absa.training.apc.APCModelArguments`: ``model_name_or_path``,
            ``apc_model``, ``max_seq_len``...) or training argument (`APCTrainingArguments`: ``num_train_epochs``,
            ``learning_rate``, ``seed``...) or label option (``label_map``, ``drop_labels``, ``drop_unlabelled``),
            by its name.

    Raises:
        TypeError: a setting that is neither a model nor a training argument.
        ValueError, FileNotFoundError: bad settings or data, as ``hf-absa train`` reports them.
    """
    model_fields, training_fields = _field_names(APCModelArguments), _field_names(APCTrainingArguments)
    data_fields = _field_names(APCDataArguments) - {"dataset", "data_dir"}
    unknown = sorted(set(settings) - model_fields - training_fields - data_fields)
    if unknown:
        raise TypeError(f"train_classifier got unknown setting(s) {unknown}; expected model arguments "
                        f"({', '.join(sorted(model_fields))}), label options ({', '.join(sorted(data_fields))}) "
                        "or APCTrainingArguments fields")
    model_args = APCModelArguments(**{k: v for k, v in settings.items() if k in model_fields})
    training_args = APCTrainingArguments(
        output_dir=str(output_dir), **{k: v for k, v in settings.items() if k in training_fields}
    )
    data_args = APCDataArguments(
        dataset=str(dataset), data_dir=None if data_dir is None else str(data_dir),
        **{k: v for k, v in settings.items() if k in data_fields},
    )
    metrics, trainer = train_apc(model_args, data_args, training_args)
    classifier = SentimentClassifier(trainer.model, trainer.processing_class)
    classifier.metrics = metrics
    return classifier
