"""hf_absa's models: APC (`APCConfig`, `APCModelForSequenceClassification`, its ensembles
`APCEnsembleForSequenceClassification`, the input-column registry) and ATEPC
(`ATEPCConfig`, `ATEPCModelForTokenClassification`).

Importing this package registers the classes with the transformers Auto classes (idempotent), so that
`AutoModelForSequenceClassification.from_pretrained(<hf_absa APC checkpoint>)` and
`AutoModelForTokenClassification.from_pretrained(<hf_absa ATEPC checkpoint>)` return our classes. The folder is
self-contained (torch, transformers and single-dot relative imports only), so save mode 2
(`hf_absa.training.export`) can copy it next to a checkpoint as Hub remote code.
"""

from transformers import AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification

from .configuration_apc import (
    APC_ARCHITECTURES,
    APC_MODEL_INPUTS,
    APC_MODEL_SETTINGS,
    APC_MODELS,
    ENSEMBLE,
    HF_ABSA_VERSION,
    LSA_SPC_INPUTS,
    APCConfig,
    ModelSetting,
    required_inputs,
)
from .configuration_atepc import ATEPC_MODEL_SETTINGS, ATEPC_MODELS, ATEPC_TAGS, ATEPCConfig
from .modeling_apc import APCModelForSequenceClassification, APCPreTrainedModel
from .modeling_apc import APCEnsembleForSequenceClassification
from .modeling_atepc import ATEPCModelForTokenClassification, ATEPCOutput, ATEPCPreTrainedModel

__all__ = [
    "APC_ARCHITECTURES",
    "APC_MODEL_INPUTS",
    "APC_MODEL_SETTINGS",
    "APC_MODELS",
    "ATEPC_MODEL_SETTINGS",
    "ATEPC_MODELS",
    "ATEPC_TAGS",
    "ENSEMBLE",
    "HF_ABSA_VERSION",
    "LSA_SPC_INPUTS",
    "APCConfig",
    "APCEnsembleForSequenceClassification",
    "APCModelForSequenceClassification",
    "APCPreTrainedModel",
    "ATEPCConfig",
    "ATEPCModelForTokenClassification",
    "ATEPCOutput",
    "ATEPCPreTrainedModel",
    "ModelSetting",
    "register_auto_classes",
    "required_inputs",
]


def register_auto_classes() -> None:
    """Register the APC and ATEPC classes with AutoConfig / AutoModelForSequenceClassification /
    AutoModelForTokenClassification (safe to call again)."""
    AutoConfig.register(APCConfig.model_type, APCConfig, exist_ok=True)
    AutoModelForSequenceClassification.register(APCConfig, APCModelForSequenceClassification, exist_ok=True)
    AutoConfig.register(ATEPCConfig.model_type, ATEPCConfig, exist_ok=True)
    AutoModelForTokenClassification.register(ATEPCConfig, ATEPCModelForTokenClassification, exist_ok=True)


register_auto_classes()
