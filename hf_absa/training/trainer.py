"""`APCTrainer`: `transformers.Trainer` with PyABSA's optimisation and export habits.

What it adds to the stock Trainer, and nothing more:

- the learnable ``eta1``/``eta2`` weights (LSA blocks, ``bert_spc_v2``) get
  their own AdamW group with ``args.eta_lr`` and no weight decay; every other
  parameter keeps the usual decay / no-decay split; the warmup + cosine
  schedule (a ``LambdaLR``) scales every group alike;
- defaults: the APC collator, accuracy / macro-F1 / per-class F1 metrics, and
  when no ``eval_dataset`` is given a stratified held-out part of train to
  select the best model on (never the test split);
- ``patience`` (early stopping counted in evaluations) and ``evaluate_begin``;
- saving: JSON training arguments instead of ``training_args.bin`` (no pickle),
  staged writes, and the ``save_mode`` export on every non-internal
  ``save_model`` call.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from transformers import EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments

from ..data.collator import DataCollatorForAPC
from ..data.splits import hold_out_validation
from ..metrics import APCMetrics
from .export import BACKBONE_EXPORT_DIR, export_backbone, staged_files, write_model_code
from .training_args import APCTrainingArguments

logger = logging.getLogger(__name__)

ETA_PARAMETER_PATTERN = re.compile(r"(^|\.)eta[12]$")
TRAINING_ARGS_JSON = "training_args.json"


class EvaluateBeginCallback(TrainerCallback):
    """Skip evaluations (and so best-model saves) before epoch ``evaluate_begin``."""

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


class APCTrainer(Trainer):
    """Trainer for `APCModelForSequenceClassification`.

    Example (``train`` and ``valid`` are datasets featurised by `APCProcessor`):

    >>> trainer = APCTrainer(model=model, args=APCTrainingArguments("runs/demo"),
    ...                      train_dataset=train, eval_dataset=valid,
    ...                      processing_class=tokenizer)  # doctest: +SKIP
    >>> trainer.train()  # doctest: +SKIP
    """

    def __init__(
        self,
        model=None,
        args: TrainingArguments | None = None,
        data_collator=None,
        train_dataset=None,
        eval_dataset=None,
        processing_class=None,
        compute_metrics=None,
        callbacks=None,
        **kwargs,
    ):
        if args is None:
            args = APCTrainingArguments(output_dir="hf_absa_output")
        elif not isinstance(args, APCTrainingArguments):
            # Plain TrainingArguments are upgraded (TRL's habit); to_dict() hides the token.
            values = {k: v for k, v in args.to_dict().items() if k in APCTrainingArguments.__dataclass_fields__}
            values["hub_token"] = args.hub_token
            args = APCTrainingArguments(**values)
        if data_collator is None and processing_class is not None:
            data_collator = DataCollatorForAPC(processing_class)
        if compute_metrics is None and model is not None:
            compute_metrics = APCMetrics(model.config.id2label)
        if eval_dataset is None and train_dataset is not None and args.eval_strategy != "no":
            train_dataset, eval_dataset = hold_out_validation(train_dataset, args.validation_fraction, seed=args.seed)
            logger.info(
                "No validation split: holding out %d of %d training examples (validation_fraction=%s) "
                "to select the best model.",
                len(eval_dataset),
                len(eval_dataset) + len(train_dataset),
                args.validation_fraction,
            )
        callbacks = list(callbacks or [])
        if args.patience is not None:
            callbacks.append(EarlyStoppingCallback(early_stopping_patience=args.patience))
        if args.evaluate_begin > 0:
            callbacks.append(EvaluateBeginCallback(args.evaluate_begin))
        super().__init__(
            model=model,
            args=args,
            data_collator=data_collator,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=processing_class,
            compute_metrics=compute_metrics,
            callbacks=callbacks,
            **kwargs,
        )
        self._export_on_save = False

    # ---- optimisation -------------------------------------------------------------------------

    def get_optimizer_cls_and_kwargs(self, args, model=None):
        """Stock optimizer choice, with the eta weights moved to their own group (ST's pattern)."""
        optimizer_cls, optimizer_kwargs = Trainer.get_optimizer_cls_and_kwargs(args, model)
        if model is None:
            return optimizer_cls, optimizer_kwargs
        decay_names = set(self.get_decay_parameter_names(model))
        groups = {"decay": [], "no_decay": [], "eta": []}
        for name, parameter in model.named_parameters():
            if not parameter.requires_grad:
                continue
            if ETA_PARAMETER_PATTERN.search(name):
                groups["eta"].append(parameter)
            elif name in decay_names:
                groups["decay"].append(parameter)
            else:
                groups["no_decay"].append(parameter)
        param_groups = [
            {"params": groups["decay"], "weight_decay": args.weight_decay},
            {"params": groups["no_decay"], "weight_decay": 0.0},
        ]
        if groups["eta"]:
            eta_lr = getattr(args, "eta_lr", args.learning_rate)
            param_groups.append({"params": groups["eta"], "weight_decay": 0.0, "lr": eta_lr})
        optimizer_kwargs["optimizer_dict"] = [group for group in param_groups if group["params"]]
        return optimizer_cls, optimizer_kwargs

    # ---- saving -------------------------------------------------------------------------------

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        """Save as the stock Trainer does; a user-level call also applies ``args.save_mode``."""
        self._export_on_save = not _internal_call
        try:
            super().save_model(output_dir, _internal_call=_internal_call)
        finally:
            self._export_on_save = False

    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        output_dir = Path(output_dir if output_dir is not None else self.args.output_dir)
        if not self.args.should_save:
            super()._save(str(output_dir), state_dict=state_dict)
            return
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        with staged_files(output_dir) as staging:
            super()._save(str(staging), state_dict=state_dict)
            # The stock Trainer pickles the arguments; a JSON copy says the same without the pickle.
            (staging / "training_args.bin").unlink(missing_ok=True)
            (staging / TRAINING_ARGS_JSON).write_text(self.args.to_json_string(), encoding="utf-8")
            if self._export_on_save and self.args.save_mode == 2:
                write_model_code(model, staging)
        if self._export_on_save and self.args.save_mode == 3:
            export_backbone(model, self.processing_class, output_dir / BACKBONE_EXPORT_DIR, state_dict=state_dict)


