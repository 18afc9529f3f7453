"""Trainer callbacks that `ABSATrainer` adds from its arguments."""

from __future__ import annotations

from transformers import EarlyStoppingCallback, TrainerCallback


class EvaluateBeginCallback(TrainerCallback):
    """Skip evaluations (and so best-model saves) before epoch ``evaluate_begin`` (PyABSA's ``evaluate_begin``).

    Only for ``eval_strategy="steps"``: there the stock ``eval_delay`` counts steps, and the steps per epoch are
    known only once training starts. With ``eval_strategy="epoch"`` `ABSATrainingArguments` sets ``eval_delay``
    instead.
    """

    def __init__(self, evaluate_begin: float):
        self.evaluate_begin = evaluate_begin

    def _hold_back(self, state, control):
        if state.epoch is not None and state.epoch < self.evaluate_begin:
            control.should_evaluate = False
        return control

    def on_step_end(self, args, state, control, **kwargs):
        return self._hold_back(state, control)

    def on_epoch_end(self, args, state, control, **kwargs):
        return self._hold_back(state, control)


def callbacks_from_arguments(args) -> list[TrainerCallback]:
    """The callbacks ``args`` asks for: early stopping (``early_stopping_patience``) and ``evaluate_begin``."""
    callbacks: list[TrainerCallback] = []
    if args.early_stopping_patience is not None:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=args.early_stopping_patience))
    if args.evaluate_begin_needs_callback:
        callbacks.append(EvaluateBeginCallback(args.evaluate_begin))
    return callbacks
