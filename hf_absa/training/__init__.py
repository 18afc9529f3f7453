"""Training: arguments, trainers, checkpoint export, model cards, evaluation protocols and the training workflow.

Task-neutral: `ABSATrainingArguments`, `ABSATrainer`, `ABSAModelCardData` (what every hf_absa task's trainer
shares), `workflow` (`TrainingTask`, `TrainingSetup`, `fit_and_evaluate`), `protocols` (model selection on
validation, PyABSA's max-over-test figures), `splits` (the held-out validation part), `checkpoints`, `export`,
`sampling`, `console`. Aspect polarity classification is their first user: `APCTrainingArguments`,
`APCTrainer`, `APCModelCardData` and `apc` (its arguments, setup, `APC_TASK` and `train_apc`); aspect term
extraction + polarity the second: `ATEPCTrainingArguments`, `ATEPCTrainer` (`atepc_trainer`),
`ATEPCModelCardData` (`atepc_model_card`) and `atepc` (`ATEPC_TASK`, `train_atepc`).
"""

from .apc import APC_TASK, APCDataArguments, APCModelArguments, APCSetup, prepare_apc_setup, train_apc
from .atepc import ATEPC_TASK, ATEPCDataArguments, ATEPCModelArguments, ATEPCSetup, prepare_atepc_setup, train_atepc
from .atepc_model_card import ATEPCModelCardData
from .atepc_trainer import ATEPCTrainer
from .export import export_checkpoint
from .model_card import APCModelCardData
from .model_card_base import ABSAModelCardData
from .trainer import ABSATrainer, APCTrainer
from .training_args import EXPORT_MODES, SAVE_MODES, ABSATrainingArguments, APCTrainingArguments, ATEPCTrainingArguments
from .workflow import TrainingSetup, TrainingTask, fit_and_evaluate

__all__ = [
    "APC_TASK",
    "ATEPC_TASK",
    "EXPORT_MODES",
    "SAVE_MODES",
    "ABSAModelCardData",
    "ABSATrainer",
    "ABSATrainingArguments",
    "APCDataArguments",
    "APCModelArguments",
    "APCModelCardData",
    "APCSetup",
    "APCTrainer",
    "APCTrainingArguments",
    "ATEPCDataArguments",
    "ATEPCModelArguments",
    "ATEPCModelCardData",
    "ATEPCSetup",
    "ATEPCTrainer",
    "ATEPCTrainingArguments",
    "TrainingSetup",
    "TrainingTask",
    "export_checkpoint",
    "fit_and_evaluate",
    "prepare_apc_setup",
    "prepare_atepc_setup",
    "train_apc",
    "train_atepc",
]
