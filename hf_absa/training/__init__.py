"""Training: arguments, the APC trainer, checkpoint export and the end-to-end workflow."""

from .export import export_checkpoint
from .trainer import APCTrainer
from .training_args import SAVE_MODES, APCTrainingArguments

__all__ = ["APCTrainer", "APCTrainingArguments", "SAVE_MODES", "export_checkpoint"]
