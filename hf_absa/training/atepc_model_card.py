"""ATEPC model cards: `ATEPCModelCardData`, rendered with the packaged ``templates/atepc_model_card.md``.

The task-neutral parts are `hf_absa.training.model_card_base`; this module adds what is ATEPC's: the architecture
(``atepc_model``) and its PyABSA name, the polarity labels (the card's ``labels`` are the token head's tags), the
model hyper-parameters of `ATEPC_MODEL_SETTINGS`, and the metrics of both scoring protocols, each named after its
protocol (the card states which is which).

>>> card = ATEPCModelCardData(model_id="me/laptop14-fast-lcf-atepc", labels=["O", "B-ASP", "I-ASP"],
...                           atepc_model="fast_lcf_atepc", polarity_labels=["Negative", "Neutral", "Positive"],
...                           metrics={"test_ate_f1": 0.8, "test_e2e_f1": 0.6, "test_pyabsa_ate_f1": 0.85})
>>> text = card.render()
>>> "pipeline_tag: token-classification" in text and "Scoring protocol" in text
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..metrics import metric_label_key
from ..models.configuration_apc import ModelSetting
from ..models.configuration_atepc import ATEPC_MODEL_SETTINGS
from .model_card_base import CARD_TAGS, TRAINING_HYPERPARAMETERS, ABSAModelCardData
from .training_args import ATEPCTrainingArguments

__all__ = ["ATEPCModelCardData"]

# The architecture's PyABSA name, for readers coming from PyABSA.
PYABSA_ATEPC_NAMES = {"bert_base_atepc": "BERT_BASE_ATEPC", "fast_lcf_atepc": "FAST_LCF_ATEPC",
                      "lcf_atepc": "LCF_ATEPC"}
# Main-protocol figures (exact spans over de-duplicated sentences), then PyABSA's lenient ATE F1.
MAIN_PROTOCOL_METRICS = {
    "ate_f1": "aspect extraction F1 (exact spans)",
    "e2e_f1": "end-to-end F1 (span and polarity)",
    "apc_accuracy": "polarity accuracy (gold aspects)",
    "apc_f1": "polarity macro F1 (gold aspects)",
}
PYABSA_PROTOCOL_METRICS = ("pyabsa_ate_f1",)


@dataclass
class ATEPCModelCardData(ABSAModelCardData):
    """What the model card of an hf_absa ATEPC model says: `ABSAModelCardData` plus ``atepc_model`` (the
    architecture) and ``polarity_labels`` (``labels`` are the tags O / B-ASP / I-ASP).

    Both are keyword-only; ``from_folder`` reads them from ``config.json`` and refuses folders without
    ``atepc_model``.
    """

    template_name: ClassVar[str] = "atepc_model_card.md"
    task_name: ClassVar[str] = "Aspect Term Extraction and Polarity Classification"
    task_type: ClassVar[str] = "token-classification"
    pipeline_tag: ClassVar[str] = "token-classification"
    headline_metrics: ClassVar[dict[str, str]] = MAIN_PROTOCOL_METRICS
    model_type_key: ClassVar[str] = "atepc_model"
    model_settings: ClassVar[tuple[ModelSetting, ...]] = ATEPC_MODEL_SETTINGS
    training_arguments_class: ClassVar[type] = ATEPCTrainingArguments
    training_hyperparameter_names: ClassVar[tuple[str, ...]] = (
        TRAINING_HYPERPARAMETERS[:1] + ("tag_head_learning_rate", "polarity_head_learning_rate") + TRAINING_HYPERPARAMETERS[1:]
    )
    reserved_tags: ClassVar[tuple[str, ...]] = CARD_TAGS + tuple(PYABSA_ATEPC_NAMES) + ("aspect-term-extraction",)

    atepc_model: str = field(kw_only=True)
    polarity_labels: list[str] = field(default_factory=list, kw_only=True)

    @classmethod
    def task_fields(cls, config: dict) -> dict[str, Any]:
        return {"atepc_model": config["atepc_model"], "polarity_labels": list(config.get("polarity_labels") or [])}

    def task_tags(self) -> list[str]:
        return ["aspect-term-extraction", self.atepc_model]

    def metric_names(self) -> list[str]:
        """The main protocol's figures, the polarity F1 per class, then PyABSA's lenient ATE F1."""
        per_class = [f"apc_f1_{metric_label_key(label)}" for label in self.polarity_labels]
        return [*MAIN_PROTOCOL_METRICS, *per_class, *PYABSA_PROTOCOL_METRICS]

    def template_kwargs(self) -> dict[str, Any]:
        return {"pyabsa_name": PYABSA_ATEPC_NAMES.get(self.atepc_model, self.atepc_model),
                "main_protocol_metrics": MAIN_PROTOCOL_METRICS}
