"""`APCTrainer`: `transformers.Trainer` with PyABSA's optimisation and export habits.

What it adds to the stock Trainer, and nothing more:

- the learnable ``eta1``/``eta2`` weights (LSA blocks, ``bert_spc_v2``) get
  their own AdamW group with ``args.eta_lr`` and no weight decay; every other
  parameter keeps the usual decay / no-decay split; the learning-rate
  schedule (constant by default, warmup + cosine on request) scales every group alike;
- ``train_sampling_strategy="group_by_length"``: batches of similar length from
  small windows (``length_group_window``), see `hf_absa.training.sampling`;
- bf16 on CPU: a bounded oneDNN primitive cache (`hf_absa.onednn`), which dynamic padding would fill;
- defaults: the APC collator, accuracy / macro-F1 / per-class F1 metrics, and
  when no ``eval_dataset`` is given a stratified held-out part of train to
  select the best model on (never the test split);
- ``patience`` (early stopping counted in evaluations) and ``evaluate_begin``;
- saving: JSON training arguments instead of ``training_args.bin`` (no pickle),
  staged writes, and the ``save_mode`` export plus a model card (README.md) on
  every non-internal ``save_model`` call and on ``push_to_hub``;
- checkpoints written into a hidden staging folder and renamed into place once
  complete (`hf_absa.training.checkpoints`), and ``resume_from_checkpoint``
  accepting ``True`` / ``"latest"`` for the newest complete checkpoint.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from datasets import Dataset
from transformers import EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, rotate_checkpoints

from ..data.collator import DataCollatorForAPC
from .splits import hold_out_validation
from ..metrics import APCMetrics
from ..onednn import limit_onednn_primitive_cache
from .checkpoints import PARTIAL_CHECKPOINTS_DIR, resolve_resume_from_checkpoint
from .export import (
    BACKBONE_EXPORT_DIR,
    TRAINING_ARGS_JSON,
    export_backbone,
    replace_directory,
    staged_files,
    write_model_code,
)
from .model_card import MODEL_CARD_NAME, APCModelCardData
from .sampling import WindowedLengthSampler, sequence_lengths
from .training_args import APCTrainingArguments, has_accelerator

logger = logging.getLogger(__name__)

ETA_PARAMETER_PATTERN = re.compile(r"(^|\.)eta[12]$")


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

    ``dataset_name`` only names the training data in the model card.
    """

    # True while the stock `_save_checkpoint` runs: `_get_output_dir` then points it at the staging folder.
    _staging_checkpoint = False

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
        dataset_name: str | None = None,
        **kwargs,
    ):
        if args is None:
            args = APCTrainingArguments(output_dir="hf_absa_output")
        elif not isinstance(args, APCTrainingArguments):
            # Plain TrainingArguments are upgraded (TRL's habit); to_dict() hides the token.
            values = {k: v for k, v in args.to_dict().items() if k in APCTrainingArguments.__dataclass_fields__}
            values["hub_token"] = args.hub_token
            args = APCTrainingArguments(**values)
        if (args.bf16 or args.bf16_full_eval) and (args.use_cpu or not has_accelerator()):
            limit_onednn_primitive_cache()  # dynamic padding would fill oneDNN's per-shape cache (hf_absa.onednn)
        if data_collator is None and processing_class is not None:
            data_collator = DataCollatorForAPC(processing_class)
        if compute_metrics is None and model is not None:
            compute_metrics = APCMetrics(model.config.id2label)
        if eval_dataset is None and train_dataset is not None and args.holds_out_validation:
            train_dataset, eval_dataset = hold_out_validation(train_dataset, args.validation_fraction, seed=args.seed)
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
        self.dataset_name = dataset_name

    # ---- optimisation -------------------------------------------------------------------------

    def _get_train_sampler(self, train_dataset=None):
        # Length grouping over small windows (hf_absa.training.sampling): the stock sampler's 50-batch windows
        # put the aspects of one sentence into one batch.
        dataset = self.train_dataset if train_dataset is None else train_dataset
        window = self.args.length_group_window
        if self.args.train_sampling_strategy == "group_by_length" and window and isinstance(dataset, Dataset):
            # Grouped by the global batch: under DDP accelerate deals consecutive per-device batches to the
            # processes, so one optimizer step then sees the same examples as on one device.
            batch_size = self.args.train_batch_size * self.args.gradient_accumulation_steps * self.args.world_size
            return WindowedLengthSampler(sequence_lengths(dataset), batch_size, window=window, seed=self.args.seed)
        return super()._get_train_sampler(train_dataset)

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

    # ---- training -----------------------------------------------------------------------------

    def train(self, resume_from_checkpoint: str | bool | None = None, trial=None, ignore_keys_for_eval=None, **kwargs):
        """Stock training; ``resume_from_checkpoint`` may also be ``"latest"`` / ``"true"``: the newest complete
        checkpoint of ``output_dir`` (`hf_absa.training.checkpoints.resolve_resume_from_checkpoint`)."""
        resume_from_checkpoint = resolve_resume_from_checkpoint(resume_from_checkpoint, self.args.output_dir)
        return super().train(
            resume_from_checkpoint=resume_from_checkpoint, trial=trial, ignore_keys_for_eval=ignore_keys_for_eval,
            **kwargs,
        )

    # ---- saving -------------------------------------------------------------------------------

    @contextmanager
    def _exporting(self, enabled: bool):
        """Within this block, saves of the model apply ``args.save_mode`` and write the model card."""
        previous = self._export_on_save
        self._export_on_save = previous or enabled
        try:
            yield
        finally:
            self._export_on_save = previous

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        """Save as the stock Trainer does; a user-level call also applies ``args.save_mode`` and writes README.md."""
        with self._exporting(not _internal_call):
            super().save_model(output_dir, _internal_call=_internal_call)

    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        output_dir = Path(output_dir if output_dir is not None else self.args.output_dir)
        if not self.args.should_save:
            super()._save(str(output_dir), state_dict=state_dict)
            return
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        with staged_files(output_dir) as staging:
            # A copy: save_pretrained empties the dict it is given, and mode 3 needs the gathered weights after.
            super()._save(str(staging), state_dict=dict(state_dict) if state_dict is not None else None)
            # The stock Trainer pickles the arguments; a JSON copy says the same without the pickle.
            (staging / "training_args.bin").unlink(missing_ok=True)
            (staging / TRAINING_ARGS_JSON).write_text(self.args.to_json_string(), encoding="utf-8")
            if self._export_on_save:
                if self.args.save_mode == 2:
                    write_model_code(model, staging)
                self._write_model_card(staging, model_id=self._model_card_id(output_dir))
        if self._export_on_save and self.args.save_mode == 3:
            export_backbone(model, self.processing_class, output_dir / BACKBONE_EXPORT_DIR, state_dict=state_dict)

    def _get_output_dir(self, trial) -> str:
        run_dir = super()._get_output_dir(trial)
        return os.path.join(run_dir, PARTIAL_CHECKPOINTS_DIR) if self._staging_checkpoint else run_dir

    def _save_checkpoint(self, model, trial) -> None:
        """Write ``checkpoint-N`` complete or not at all: staged under a hidden folder, renamed once written.

        The stock method runs unchanged with its run folder pointed at ``.partial-checkpoints`` (every rank
        writes its part there: weights, optimizer, RNG states, DeepSpeed/FSDP shards); after a barrier the
        writer renames the folder into place, fixes ``best_model_checkpoint`` (the stock method names the
        staging path), pushes it when ``hub_strategy`` asks (an upload reads the folder later, so never the
        staging one) and rotates the checkpoints of the real run folder.
        """
        run_dir = self._get_output_dir(trial)
        staging_root = os.path.join(run_dir, PARTIAL_CHECKPOINTS_DIR)
        name = f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
        staged, final = os.path.join(staging_root, name), os.path.join(run_dir, name)
        if self.args.should_save:
            shutil.rmtree(staging_root, ignore_errors=True)  # what a run killed while saving left behind
        self.accelerator.wait_for_everyone()
        self._staging_checkpoint = True
        try:
            super()._save_checkpoint(model, trial)
        finally:
            self._staging_checkpoint = False
        self.accelerator.wait_for_everyone()  # every rank has written its part
        if self.state.best_model_checkpoint == staged:
            self.state.best_model_checkpoint = final
        if self.args.should_save:
            # Resuming reads best_model_checkpoint from this file, so it must name the final folder.
            self.state.save_to_json(os.path.join(staged, TRAINER_STATE_NAME))
            replace_directory(Path(staged), Path(final))
            shutil.rmtree(staging_root, ignore_errors=True)
        if self.args.push_to_hub:
            self._push_from_checkpoint(final)  # held back while staging: the upload reads the folder later
        if self.args.should_save:
            rotate_checkpoints(
                output_dir=run_dir,
                save_total_limit=self.args.save_total_limit,
                best_model_checkpoint=self.state.best_model_checkpoint,
                use_mtime=True,
            )
        self.accelerator.wait_for_everyone()  # no rank reads checkpoint-N before it exists

    # ---- model card and Hub -------------------------------------------------------------------

    def _push_from_checkpoint(self, checkpoint_folder: str) -> None:
        if self._staging_checkpoint:
            return  # `_save_checkpoint` pushes the checkpoint once it is renamed into place
        super()._push_from_checkpoint(checkpoint_folder)

    def _model_card_id(self, folder: str | os.PathLike) -> str:
        """How the card's usage snippets name the model: its Hub repo when there is one, else the folder."""
        return self.hub_model_id or self.args.hub_model_id or str(folder)

    def _write_model_card(self, folder: str | os.PathLike, model_id: str, **card_fields) -> None:
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        card = APCModelCardData.from_trainer(self, model=model, model_id=model_id, **card_fields)
        card.save(Path(folder) / MODEL_CARD_NAME)

    def create_model_card(
        self,
        language: str | None = None,
        license: str | None = None,
        tags: str | list[str] | None = None,
        model_name: str | None = None,
        finetuned_from: str | None = None,
        tasks: str | list[str] | None = None,
        dataset_tags: str | list[str] | None = None,
        dataset: str | list[str] | None = None,
        dataset_args: str | list[str] | None = None,
    ) -> None:
        """Write hf_absa's model card to ``output_dir/README.md`` (never transformers' default card, which
        looks the base model up on the Hub). ``tasks``, ``dataset_tags`` and ``dataset_args`` are ignored."""
        if not self.is_world_process_zero():
            return
        self._write_model_card(
            self.args.output_dir,
            model_id=self._model_card_id(self.args.output_dir),
            language=language,
            license=license,
            tags=[tags] if isinstance(tags, str) else tags,
            model_name=model_name,
            base_model=finetuned_from,
            dataset=dataset if isinstance(dataset, str) else None,
        )

    def push_to_hub(self, *args, **kwargs):
        """Stock push (``save_model`` → ``create_model_card`` → ``upload_folder`` of ``output_dir``), uploading the
        export of ``args.save_mode``: mode-2 code files and the mode-3 ``fine-tuned-pretrained-model/`` included."""
        with self._exporting(True):
            return super().push_to_hub(*args, **kwargs)
