"""APC model cards: `APCModelCardData`, rendered with the packaged ``templates/model_card.md``.

The task-neutral parts (metadata, metrics and hyper-parameter tables, building the
data from a trainer or a saved folder) are `hf_absa.training.model_card_base`;
this module adds what is APC's: the architecture (``apc_model``), its PyABSA
name, the model hyper-parameters, the usage snippets and the metrics
(accuracy, macro-F1, per-class F1).

>>> card = APCModelCardData(model_id="me/laptop14-bert-spc", apc_model="bert_spc",
...                         labels=["Negative", "Neutral", "Positive"], dataset="laptop14",
...                         metrics={"test_accuracy": 0.8, "test_f1": 0.75})
>>> text = card.render()
>>> "library_name: hf_absa" in text and 'SentimentClassifier.from_pretrained("me/laptop14-bert-spc")' in text
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..metrics import metric_label_key
from ..models.configuration_apc import (
    APC_MODEL_SETTINGS,
    ENSEMBLE,
    PYABSA_MODEL_NAMES,
    SPC_MODELS,
    ModelSetting,
    settings_read_by,
)
from .model_card_base import (  # noqa: F401  (MODEL_CARD_NAME, METRICS_FILE: importers of this module use them)
    CARD_TAGS,
    METRICS_FILE,
    MODEL_CARD_NAME,
    TRAINING_HYPERPARAMETERS,
    ABSAModelCardData,
)
from .training_args import APCTrainingArguments

# The architecture's PyABSA name, for readers coming from PyABSA.
PYABSA_NAMES = {**PYABSA_MODEL_NAMES, ENSEMBLE: "APCEnsembler"}


@dataclass
class APCModelCardData(ABSAModelCardData):
    """What the model card of an hf_absa APC model says: `ABSAModelCardData` plus ``apc_model``, the architecture.

    ``apc_model`` is keyword-only (it follows the base fields); ``from_folder`` reads it from ``config.json`` and
    refuses folders without it.
    """

    template_name: ClassVar[str] = "model_card.md"
    task_name: ClassVar[str] = "Aspect Polarity Classification"
    task_type: ClassVar[str] = "text-classification"
    pipeline_tag: ClassVar[str] = "text-classification"
    headline_metrics: ClassVar[dict[str, str]] = {"accuracy": "accuracy", "f1": "macro F1"}
    model_type_key: ClassVar[str] = "apc_model"
    model_settings: ClassVar[tuple[ModelSetting, ...]] = APC_MODEL_SETTINGS
    training_arguments_class: ClassVar[type] = APCTrainingArguments
    training_hyperparameter_names: ClassVar[tuple[str, ...]] = (
        TRAINING_HYPERPARAMETERS[:1] + ("eta_lr",) + TRAINING_HYPERPARAMETERS[1:]
    )
    reserved_tags: ClassVar[tuple[str, ...]] = CARD_TAGS + tuple(PYABSA_NAMES)

    apc_model: str = field(kw_only=True)

    @classmethod
    def settings_read(cls, config: dict) -> tuple[str, ...]:
        """`settings_read_by` the config's architecture (an ensemble: its members'; bert_spc's LSA settings only
        with ``lsa``)."""
        return settings_read_by(config["apc_model"], bool(config.get("lsa")), config.get("ensemble_models"))

    @classmethod
    def task_fields(cls, config: dict) -> dict[str, Any]:
        return {"apc_model": config["apc_model"]}

    def task_tags(self) -> list[str]:
        return list(dict.fromkeys([self.apc_model, *self.ensemble_members]))

    @property
    def ensemble_members(self) -> list[str]:
        """The member architectures of an ensemble (empty for a single model)."""
        return list(self.model_hyperparameters.get("ensemble_models") or ()) if self.apc_model == ENSEMBLE else []

    def metric_names(self) -> list[str]:
        """Accuracy, macro-F1, then the F1 of each label (``f1_<label>``)."""
        return ["accuracy", "f1"] + [f"f1_{metric_label_key(label)}" for label in self.labels]

    def template_kwargs(self) -> dict[str, Any]:
        name = PYABSA_NAMES.get(self.apc_model, self.apc_model)
        if self.ensemble_members:
            name += " of " + " + ".join(PYABSA_NAMES.get(member, member) for member in self.ensemble_members)
        return {"pyabsa_name": name}

    @property
    def pair_pipeline_works(self) -> bool:
        """bert_spc(_v2) without lsa reads only the tokenizer's (sentence, aspect) pair encoding."""
        return self.apc_model in SPC_MODELS and not self.model_hyperparameters.get("lsa", False)
