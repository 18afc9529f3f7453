"""hf_absa: aspect-based sentiment analysis (APC) on the Hugging Face stack.

>>> import hf_absa
>>> hf_absa.APC_MODELS
('bert_spc', 'bert_spc_v2', 'lcf_bert', 'fast_lcf_bert', 'fast_lsa_t_v2')

Importing the package registers the APC model with the transformers Auto
classes, so ``AutoModelForSequenceClassification.from_pretrained(folder)``
loads an hf_absa checkpoint. Nothing is downloaded at import time.
"""

__version__ = "0.1.0"

from .data import (  # noqa: E402
    APCDataError,
    APCProcessor,
    DataCollatorForAPC,
    build_label_mapping,
    iter_apc_file,
    iter_inference_file,
    load_apc_dataset,
    parse_marked_text,
    read_apc_file,
    read_inference_file,
)
from .hub import push_to_hub  # noqa: E402
from .inference import SentimentClassifier, predict_file  # noqa: E402
from .metrics import compute_apc_metrics  # noqa: E402
from .training.model_card import APCModelCardData  # noqa: E402
from .models import (  # noqa: E402
    APC_MODELS,
    APCConfig,
    APCModelForSequenceClassification,
    APCPreTrainedModel,
    required_inputs,
)
from .training import APCTrainer, APCTrainingArguments, export_checkpoint  # noqa: E402

__all__ = [
    "APC_MODELS",
    "APCConfig",
    "APCDataError",
    "APCModelCardData",
    "APCModelForSequenceClassification",
    "APCPreTrainedModel",
    "APCProcessor",
    "APCTrainer",
    "APCTrainingArguments",
    "DataCollatorForAPC",
    "SentimentClassifier",
    "build_label_mapping",
    "compute_apc_metrics",
    "export_checkpoint",
    "iter_apc_file",
    "iter_inference_file",
    "load_apc_dataset",
    "parse_marked_text",
    "predict_file",
    "push_to_hub",
    "read_apc_file",
    "read_inference_file",
    "required_inputs",
]
