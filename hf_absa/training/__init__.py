"""Training: arguments, trainers, checkpoint export, model cards and the end-to-end workflow.

Task-neutral classes (`ABSATrainingArguments`, `ABSATrainer`, `ABSAModelCardData`) hold what every hf_absa task
shares; aspect polarity classification is their first user (`APCTrainingArguments`, `APCTrainer`,
`APCModelCardData`).
"""

from .export import export_checkpoint
from .model_card import APCModelCardData
from .model_card_base import ABSAModelCardData
from .trainer import ABSATrainer, APCTrainer
from .training_args import EXPORT_MODES, SAVE_MODES, ABSATrainingArguments, APCTrainingArguments

__all__ = [
    "ABSAModelCardData",
    "ABSATrainer",
    "ABSATrainingArguments",
    "APCModelCardData",
    "APCTrainer",
    "APCTrainingArguments",
    "EXPORT_MODES",
    "SAVE_MODES",
    "export_checkpoint",
]
