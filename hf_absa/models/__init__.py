"""hf_absa's APC models: `APCConfig`, `APCModelForSequenceClassification` and the input-column registry.

Importing this package registers the classes with the transformers Auto classes (idempotent), so that
`AutoModelForSequenceClassification.from_pretrained(<hf_absa checkpoint>)` returns our class. The folder is
self-contained (torch, transformers and single-dot relative imports only), so save mode 2
(`hf_absa.training.export`) can copy it next to a checkpoint as Hub remote code.
"""

from transformers import AutoConfig, AutoModelForSequenceClassification

from .configuration_apc import (
    APC_MODEL_INPUTS,
    APC_MODEL_SETTINGS,
    APC_MODELS,
    HF_ABSA_VERSION,
    LSA_SPC_INPUTS,
    APCConfig,
    ModelSetting,
    required_inputs,
)
from .modeling_apc import APCModelForSequenceClassification, APCPreTrainedModel

__all__ = [
    "APC_MODEL_INPUTS",
    "APC_MODEL_SETTINGS",
    "APC_MODELS",
    "HF_ABSA_VERSION",
    "LSA_SPC_INPUTS",
    "APCConfig",
    "APCModelForSequenceClassification",
    "APCPreTrainedModel",
    "ModelSetting",
    "register_auto_classes",
    "required_inputs",
]


def register_auto_classes() -> None:
    """Register the APC classes with AutoConfig / AutoModelForSequenceClassification (safe to call again)."""
    AutoConfig.register(APCConfig.model_type, APCConfig, exist_ok=True)
    AutoModelForSequenceClassification.register(APCConfig, APCModelForSequenceClassification, exist_ok=True)


register_auto_classes()
