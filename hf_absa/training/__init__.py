"""Training: arguments, the trainer, checkpoint export, evaluation protocols and the training workflow.

Task-neutral: `workflow` (`TrainingSetup`, `fit_and_evaluate`), `protocols` (model selection on validation,
PyABSA's max-over-test figures), `splits` (the held-out validation part), `checkpoints`, `export`, `sampling`.
APC: `APCTrainer`, `APCTrainingArguments` and `apc` (its arguments, setup and `train_apc`).
"""

from .apc import APCDataArguments, APCModelArguments, APCSetup, prepare_apc_setup, train_apc
from .export import export_checkpoint
from .trainer import APCTrainer
from .training_args import SAVE_MODES, APCTrainingArguments
from .workflow import TrainingSetup, fit_and_evaluate

__all__ = [
    "SAVE_MODES",
    "APCDataArguments",
    "APCModelArguments",
    "APCSetup",
    "APCTrainer",
    "APCTrainingArguments",
    "TrainingSetup",
    "export_checkpoint",
    "fit_and_evaluate",
    "prepare_apc_setup",
    "train_apc",
]
