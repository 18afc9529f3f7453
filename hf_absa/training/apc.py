"""Aspect polarity classification (APC) on the task-neutral workflow: its arguments, its setup, `train_apc`.

`APCModelArguments` is derived from `hf_absa.models.APC_MODEL_SETTINGS` (each model setting's name, default, help,
choices and aliases are declared there once) plus the backbone; `APCDataArguments` names the data. `APCSetup`
is APC's `TrainingSetup`: it builds `APCModelForSequenceClassification` models and trains them with
`APCTrainer`. `train_apc` reads, featurises, trains, tests and exports in one call.

>>> args = APCModelArguments(apc_model="fast_lsa_t_v2", srd=5)
>>> args.apc_model, args.srd, args.lcf
('fast_lsa_t_v2', 5, 'cdw')
>>> APCModelArguments().apc_model == APCConfig().apc_model  # one default, declared once
True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from datasets import DatasetDict
from transformers import AutoTokenizer, set_seed

from ..data.loading import build_label_mapping, load_apc_dataset
from ..data.processing import APCProcessor
from ..models import APC_ARCHITECTURES, APC_MODEL_SETTINGS, ENSEMBLE, APCConfig, APCModelForSequenceClassification
from ..models.configuration_apc import ensemble_architecture, ensemble_members, label_maps
from .trainer import APCTrainer
from .training_args import APCTrainingArguments
from .workflow import (  # noqa: F401  (BACKBONE_HELP, resolve_backbone: re-exported for APC's users)
    BACKBONE_HELP,
    TrainingSetup,
    TrainingTask,
    model_arguments_class,
    parse_label_map,
    resolve_backbone,
)

logger = logging.getLogger(__name__)

__all__ = ["APC_TASK", "APCDataArguments", "APCModelArguments", "APCSetup", "prepare_apc_setup", "train_apc"]



def _name_the_ensemble(model_args) -> None:
    # `--ensemble_models a b` alone makes an ensemble: its architecture is named here as in its config, so that
    # runs and summaries call it "ensemble" (a contradicting --architecture is left for the config to refuse).
    try:
        members = ensemble_members(model_args.ensemble_models)
        model_args.apc_model = ensemble_architecture(model_args.apc_model, members)
    except ValueError:
        pass


APCModelArguments = model_arguments_class(
    "APCModelArguments",
    APC_MODEL_SETTINGS,
    __name__,
    "Which model to train: the backbone (``model_name_or_path``, alias ``backbone``) and the model settings of "
    "`hf_absa.models.APC_MODEL_SETTINGS` (same names, defaults and help; ``apc_model`` is also ``--architecture`` "
    "and ``srd`` also ``--SRD`` on the command line; ``ensemble_models`` alone sets ``apc_model`` to "
    "``'ensemble'``).",
    post_init=_name_the_ensemble,
)


@dataclass
class APCDataArguments:
    """Which data to train on, and how its labels are read (see `hf_absa.data.load_apc_dataset`)."""

    dataset: str = field(
        default="sample",
        metadata={
            "help": "A registered dataset name (laptop14, restaurant14, ...), a folder or a file; "
            "'sample' is the small set shipped with hf_absa."
        },
    )
    data_dir: str | None = field(
        default=None,
        metadata={"help": "Folder laid out like ABSADatasets (apc_datasets/...); default: env HF_ABSA_DATA_DIR."},
    )
    label_map: str | None = field(
        default=None,
        metadata={"help": "JSON object from the labels as written to class names, e.g. "
                  "'{\"0\": \"Negative\", \"1\": \"Neutral\", \"2\": \"Positive\"}': needed for numeric labels other "
                  "than PyABSA's -1/0/1."},
    )
    drop_labels: list[str] | None = field(
        default=None,
        metadata={"help": "Labels whose examples are left out of training and evaluation, e.g. conflict "
                  "(the count dropped per split is logged)."},
    )
    drop_unlabelled: bool = field(
        default=False,
        metadata={"help": "Drop examples without a label (-100, -999 or none) instead of stopping at the first."},
    )

    def __post_init__(self):
        self.label_map = parse_label_map(self.label_map)

    def load_options(self) -> dict[str, Any]:
        """The label options of `hf_absa.data.load_apc_dataset`."""
        return {"label_map": self.label_map, "drop_labels": tuple(self.drop_labels or ()),
                "drop_unlabelled": self.drop_unlabelled}


def load_training_data(data_args: APCDataArguments) -> DatasetDict:
    """The raw splits named by ``data_args`` (``sample``: the set bundled with hf_absa)."""
    raw = load_apc_dataset(data_args.dataset, data_dir=data_args.data_dir, **data_args.load_options())
    logger.info("Data %s: %s", data_args.dataset, ", ".join(f"{split} {len(ds)}" for split, ds in raw.items()))
    return raw


def check_model_arguments(model_args: APCModelArguments) -> None:
    """Raise ValueError for a missing backbone or invalid model settings, before any data is read."""
    resolve_backbone(model_args)
    APCConfig(**model_settings(model_args))


def model_settings(model_args: APCModelArguments) -> dict[str, Any]:
    """The `APC_MODEL_SETTINGS` values of ``model_args`` (the keyword arguments of a new model's config)."""
    return {setting.name: getattr(model_args, setting.name) for setting in APC_MODEL_SETTINGS}


@dataclass
class APCSetup(TrainingSetup):
    """APC's `TrainingSetup`: the backbone, labels and model settings every run of one configuration shares.

    Built once by `prepare_apc_setup`; each run (seed, fold) then trains a `new_model`.
    """

    model_args: APCModelArguments | None = None
    backbone: str | None = None
    labels: list[str] = field(default_factory=list)

    trainer_class: ClassVar[type[APCTrainer]] = APCTrainer

    def new_model(self, seed: int) -> APCModelForSequenceClassification:
        """A fresh model from the backbone; the seed fixes the new head's initial weights (same seed, same start)."""
        # The head is initialised here, before the Trainer seeds anything: seed first, so that a seed fixes the run.
        set_seed(seed)
        return APCModelForSequenceClassification.from_pretrained(
            self.backbone, labels=self.labels, **model_settings(self.model_args)
        )


def prepare_apc_setup(
    model_args: APCModelArguments, raw: DatasetDict, training_args: APCTrainingArguments, dataset_name: str | None = None
) -> APCSetup:
    """Label mapping, tokenizer and featurised splits of ``raw`` for the model of ``model_args``."""
    backbone = resolve_backbone(model_args)
    config = APCConfig(**model_settings(model_args))  # invalid settings fail here, before the data is featurised
    labels = build_label_mapping(raw)
    architecture = config.apc_model if not config.ensemble_models else (
        f"{config.apc_model} of {', '.join(config.ensemble_models)} ({config.ensemble_mode}"
        f"{', one backbone each' if config.deep_ensemble else ', shared backbone'})")
    logger.info("Labels %s; %s on %s", labels, architecture, backbone)
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    # Exactly the columns the model's forward reads, known before it is built (an ensemble: the union of its
    # members', computed once).
    processor = APCProcessor(tokenizer, **config.processor_arguments(), label2id=label_maps(labels)[1])
    with training_args.main_process_first(desc="featurising"):
        features = processor.apply(raw)
    return APCSetup(
        tokenizer=tokenizer, features=features, dataset_name=dataset_name, model_args=model_args, backbone=backbone,
        labels=labels,
    )


def train_apc(
    model_args: APCModelArguments,
    data_args: APCDataArguments,
    training_args: APCTrainingArguments,
    callbacks: list | None = None,
) -> tuple[dict, APCTrainer]:
    """Train, select on validation, test the selected model, export; returns (metrics, trainer).

    (Skipped in the test suite: it trains MiniLM for an epoch.)

    >>> from hf_absa.training.apc import APCDataArguments, APCModelArguments, train_apc
    >>> results, trainer = train_apc(APCModelArguments(apc_model="bert_spc"), APCDataArguments("sample"),
    ...                     APCTrainingArguments("runs/sample", num_train_epochs=1))  # doctest: +SKIP
    >>> results["test_accuracy"]  # doctest: +SKIP
    """
    return APC_TASK.train(model_args, data_args, training_args, callbacks)


def apc_architecture_settings(model_args: APCModelArguments, architecture: str) -> dict[str, Any]:
    """The model settings of ``architecture`` in an experiment comparing architectures: the members of
    ``--ensemble_models`` belong to the ``ensemble`` configuration only, so that an ensemble and its members are
    compared in one experiment.

    >>> args = APCModelArguments(ensemble_models=["bert_spc", "fast_lcf_bert"])
    >>> apc_architecture_settings(args, "fast_lcf_bert"), apc_architecture_settings(args, "ensemble")
    ({'apc_model': 'fast_lcf_bert', 'ensemble_models': None}, {'apc_model': 'ensemble', \
'ensemble_models': ['bert_spc', 'fast_lcf_bert']})
    """
    members = model_args.ensemble_models if architecture == ENSEMBLE else None
    return {"apc_model": architecture, "ensemble_models": members}


APC_TASK = TrainingTask(
    name="apc",
    model_arguments=APCModelArguments,
    data_arguments=APCDataArguments,
    training_arguments=APCTrainingArguments,
    architecture_field="apc_model",
    architectures=APC_ARCHITECTURES,
    architecture_settings=apc_architecture_settings,
    load_data=load_training_data,
    prepare_setup=prepare_apc_setup,
    check_model_arguments=check_model_arguments,
    backbone=resolve_backbone,
)
