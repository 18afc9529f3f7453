"""hf_absa: aspect-based sentiment analysis (APC) on the Hugging Face stack.

From data to a prediction (defaults throughout; the bundled all-MiniLM-L6-v2 backbone, the bundled sample set;
skipped in the test suite, where it would train MiniLM for minutes):

>>> from hf_absa import train_classifier
>>> classifier = train_classifier("sample")  # doctest: +SKIP
>>> classifier.predict("The [B-ASP]battery[E-ASP] lasts forever")  # doctest: +SKIP

The public API is the short list below; the layers beneath it stay importable from their subpackages
(`hf_absa.data` readers, `hf_absa.models`, `hf_absa.training`, `hf_absa.inference`, `hf_absa.experiments`).
Importing the package registers the APC model with the transformers Auto classes and the
``"aspect-sentiment"`` and ``"aspect-extraction"`` pipeline tasks. Nothing is downloaded at import time.

>>> import hf_absa
>>> hf_absa.APC_MODELS[:5]
('bert_spc', 'bert_spc_v2', 'lcf_bert', 'fast_lcf_bert', 'fast_lsa_t_v2')
"""

from .data import APCProcessor, DataCollatorForAPC, load_apc_dataset
from .inference import AspectExtractor, SentimentClassifier
from .inference.quickstart import train_classifier
from .metrics import APCMetrics
from .models import APC_MODELS, APCConfig, APCModelForSequenceClassification
from .models.configuration_apc import HF_ABSA_VERSION as __version__
from .training import APCTrainer, APCTrainingArguments, export_checkpoint
from .training.hub import push_to_hub

__all__ = [
    "APC_MODELS",
    "APCConfig",
    "APCMetrics",
    "APCModelForSequenceClassification",
    "APCProcessor",
    "APCTrainer",
    "APCTrainingArguments",
    "AspectExtractor",
    "DataCollatorForAPC",
    "SentimentClassifier",
    "__version__",
    "export_checkpoint",
    "load_apc_dataset",
    "push_to_hub",
    "train_classifier",
]
