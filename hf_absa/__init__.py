"""hf_absa: aspect-based sentiment analysis on the Hugging Face stack."""

__version__ = "0.1.0"

# Importing the models registers them with the transformers Auto classes (idempotent).
from .models import APCConfig, APCModelForSequenceClassification, APCPreTrainedModel  # noqa: E402
