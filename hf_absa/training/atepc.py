"""Aspect term extraction + polarity (ATEPC) on the task-neutral workflow: its arguments, setup, `train_atepc`.

`ATEPCModelArguments` is derived from `hf_absa.models.ATEPC_MODEL_SETTINGS` (each setting declared once, on the
config) plus the backbone; `ATEPCDataArguments` names the data (`hf_absa.data.load_atepc_dataset`: registered
names under ``atepc_datasets/``, ``e2e_absa/<name>``, folders, files). `ATEPCSetup` is ATEPC's `TrainingSetup`:
it builds `ATEPCModelForTokenClassification` models and trains them with `ATEPCTrainer`; the gold aspects that
``max_seq_len`` cut off are logged and reported in ``all_results.json`` (``gold_aspects_cut_off``).
`ATEPC_TASK` plugs the task into ``hf-absa train --task atepc``, the experiment runner and the benchmarks.

>>> args = ATEPCModelArguments(atepc_model="fast_lcf_atepc", srd=5)
>>> args.atepc_model, args.srd, args.lcf
('fast_lcf_atepc', 5, 'cdw')
>>> ATEPCModelArguments().atepc_model == ATEPCConfig().atepc_model  # one default, declared once
True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from datasets import Dataset, DatasetDict
from transformers import AutoTokenizer, set_seed

from ..data.atepc_loading import atepc_polarity_labels, load_atepc_dataset
from ..data.atepc_processing import ATEPCProcessor
from ..models import ATEPC_MODEL_SETTINGS, ATEPC_MODELS, ATEPCConfig, ATEPCModelForTokenClassification
from ..models.configuration_apc import label_maps
from .atepc_trainer import ATEPCTrainer, sentence_classes
from .training_args import ATEPCTrainingArguments
from .workflow import TrainingSetup, TrainingTask, model_arguments_class, parse_label_map, resolve_backbone

logger = logging.getLogger(__name__)

__all__ = [
    "ATEPC_TASK",
    "ATEPCDataArguments",
    "ATEPCModelArguments",
    "ATEPCSetup",
    "load_atepc_training_data",
    "prepare_atepc_setup",
    "train_atepc",
]

# The all_results.json key of the aspects cut off by max_seq_len (per split: cut off, gold).
CUT_OFF_KEY = "gold_aspects_cut_off"

ATEPCModelArguments = model_arguments_class(
    "ATEPCModelArguments",
    ATEPC_MODEL_SETTINGS,
    __name__,
    "Which ATEPC model to train: the backbone (``model_name_or_path``, alias ``backbone``) and the model settings "
    "of `hf_absa.models.ATEPC_MODEL_SETTINGS` (same names, defaults and help; ``atepc_model`` is also "
    "``--architecture``, ``srd`` also ``--SRD`` and ``polarity_loss_weight`` also ``--ate_loss_weight``).",
)


@dataclass
class ATEPCDataArguments:
    """Which ATEPC data to train on (see `hf_absa.data.load_atepc_dataset`).

    Raises ValueError when ``label_map`` is not a JSON object.
    """

    dataset: str = field(
        default="laptop14",
        metadata={
            "help": "A registered dataset name (laptop14, restaurant14, ...: atepc_datasets/ under --data_dir), "
            "e2e_absa/<laptop14|rest14|rest15|rest16> (unified tags, official dev split), a folder or a file "
            "(.atepc, unified-tag or APC files)."
        },
    )
    data_dir: str | None = field(
        default=None,
        metadata={"help": "Folder laid out like ABSADatasets (atepc_datasets/..., e2e_absa/...); default: env "
                  "HF_ABSA_DATA_DIR."},
    )
    label_map: str | None = field(
        default=None,
        metadata={"help": "JSON object from the polarities as written to class names, e.g. "
                  "'{\"0\": \"Negative\", \"1\": \"Neutral\", \"2\": \"Positive\"}': needed for numeric polarities "
                  "other than PyABSA's -1/0/1 (-100 and -999 always mean no polarity)."},
    )

    def __post_init__(self):
        self.label_map = parse_label_map(self.label_map)


def load_atepc_training_data(data_args: ATEPCDataArguments) -> DatasetDict:
    """The raw sentence splits named by ``data_args`` (`hf_absa.data.load_atepc_dataset`)."""
    raw = load_atepc_dataset(data_args.dataset, data_dir=data_args.data_dir, label_map=data_args.label_map)
    logger.info("Data %s: %s sentences", data_args.dataset,
                ", ".join(f"{split} {len(dataset)}" for split, dataset in raw.items()))
    return raw


def model_settings(model_args) -> dict[str, Any]:
    """The `ATEPC_MODEL_SETTINGS` values of ``model_args`` (the keyword arguments of a new model's config)."""
    return {setting.name: getattr(model_args, setting.name) for setting in ATEPC_MODEL_SETTINGS}


def check_model_arguments(model_args) -> None:
    """Raise ValueError for a missing backbone or invalid model settings, before any data is read."""
    resolve_backbone(model_args)
    ATEPCConfig(**model_settings(model_args))


def load_word_tokenizer(backbone: str, **kwargs):
    """The backbone's fast tokenizer, with ``add_prefix_space=True`` where the tokenizer has that option (byte-level
    BPE such as RoBERTa's must encode a pre-split word like a word after a space). ``kwargs`` go to
    ``AutoTokenizer.from_pretrained`` (``revision``, ``token``…)."""
    tokenizer = AutoTokenizer.from_pretrained(backbone, **kwargs)
    if getattr(tokenizer, "add_prefix_space", None) is False:
        tokenizer = AutoTokenizer.from_pretrained(backbone, add_prefix_space=True, **kwargs)
    return tokenizer


@dataclass
class ATEPCSetup(TrainingSetup):
    """ATEPC's `TrainingSetup`: the backbone, polarity labels and model settings every run of one configuration
    shares, and the gold aspects that ``max_seq_len`` cut off per split (``dropped_aspects``: split ->
    (cut off, gold), from `ATEPCProcessor.dropped_aspects`).

    Built once by `prepare_atepc_setup`; each run (seed, fold) then trains a `new_model`.
    """

    model_args: Any = None
    backbone: str | None = None
    polarity_labels: list[str] = field(default_factory=list)
    dropped_aspects: dict[str, tuple[int, int]] = field(default_factory=dict)

    trainer_class: ClassVar[type[ATEPCTrainer]] = ATEPCTrainer

    def new_model(self, seed: int) -> ATEPCModelForTokenClassification:
        """A fresh model from the backbone; the seed fixes the new heads' initial weights."""
        set_seed(seed)  # the heads are initialised here, before the Trainer seeds anything
        return ATEPCModelForTokenClassification.from_pretrained(
            self.backbone, polarity_labels=self.polarity_labels, **model_settings(self.model_args)
        )

    def stratification_labels(self, dataset: Dataset) -> list[int]:
        """Per sentence: aspect-free, its aspects' common polarity, or mixed (`sentence_classes`)."""
        return sentence_classes(dataset)

    def results(self) -> dict[str, Any]:
        """``{"gold_aspects_cut_off": {split: {"cut_off": n, "gold": total}}}`` for ``all_results.json``."""
        return {CUT_OFF_KEY: {split: {"cut_off": cut_off, "gold": gold}
                              for split, (cut_off, gold) in self.dropped_aspects.items()}}


def prepare_atepc_setup(
    model_args, raw: DatasetDict, training_args: ATEPCTrainingArguments, dataset_name: str | None = None
) -> ATEPCSetup:
    """Polarity labels, tokenizer and featurised splits of ``raw`` (sentence rows) for the model of ``model_args``.

    Raises ValueError for invalid settings, a train split with fewer than two polarities, or polarities in another
    split that train lacks (`hf_absa.data.atepc_polarity_labels`).
    """
    backbone = resolve_backbone(model_args)
    settings = model_settings(model_args)
    ATEPCConfig(**settings)  # invalid settings fail here, before the data is featurised
    polarity_labels = atepc_polarity_labels(raw)
    logger.info("Polarities %s; %s on %s", polarity_labels, model_args.atepc_model, backbone)
    tokenizer = load_word_tokenizer(backbone)
    processor = ATEPCProcessor(tokenizer, max_seq_len=model_args.max_seq_len,
                               label2id=label_maps(polarity_labels)[1])
    with training_args.main_process_first(desc="featurising"):
        features = processor.apply(raw)
    for split, (cut_off, gold) in processor.dropped_aspects.items():
        logger.info("Split '%s': %d of %d gold aspects cut off by max_seq_len=%d", split, cut_off, gold,
                    model_args.max_seq_len)
    return ATEPCSetup(
        tokenizer=tokenizer, features=features, dataset_name=dataset_name, model_args=model_args, backbone=backbone,
        polarity_labels=polarity_labels, dropped_aspects=dict(processor.dropped_aspects),
    )


def train_atepc(model_args, data_args: ATEPCDataArguments, training_args: ATEPCTrainingArguments,
                callbacks: list | None = None) -> tuple[dict, ATEPCTrainer]:
    """Train, select on validation, test the selected model, export; returns (metrics, trainer).

    ``metrics`` (also ``all_results.json``) holds the main protocol's ``test_ate_f1``, ``test_e2e_f1``,
    ``test_apc_accuracy``, ``test_apc_f1``, PyABSA's ``test_pyabsa_ate_f1``, ``gold_aspects_cut_off`` and, with
    ``report_max_test``, the ``max_test_*`` figures. (Skipped in the test suite: it trains MiniLM.)

    >>> results, trainer = train_atepc(ATEPCModelArguments(atepc_model="fast_lcf_atepc"),
    ...                                ATEPCDataArguments("laptop14", data_dir="datasets"),
    ...                                ATEPCTrainingArguments("runs/laptop14", num_train_epochs=1))  # doctest: +SKIP
    >>> results["test_e2e_f1"]  # doctest: +SKIP
    """
    return ATEPC_TASK.train(model_args, data_args, training_args, callbacks)


ATEPC_TASK = TrainingTask(
    name="atepc",
    model_arguments=ATEPCModelArguments,
    data_arguments=ATEPCDataArguments,
    training_arguments=ATEPCTrainingArguments,
    architecture_field="atepc_model",
    architectures=ATEPC_MODELS,
    load_data=load_atepc_training_data,
    prepare_setup=prepare_atepc_setup,
    check_model_arguments=check_model_arguments,
    backbone=resolve_backbone,
)
