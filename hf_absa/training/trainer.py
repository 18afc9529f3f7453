"""`ABSATrainer` (any hf_absa task) and `APCTrainer` (aspect polarity): `transformers.Trainer` with PyABSA's habits.

What `ABSATrainer` adds to the stock Trainer, and nothing more:

- parameters named by `ABSATrainer.learning_rate_mapping` (APC: the learnable
  ``eta1``/``eta2`` weights) get their own AdamW group with their own
  learning rate and no weight decay; every other parameter keeps the usual
  decay / no-decay split; the learning-rate schedule scales every group alike;
- ``train_sampling_strategy="group_by_length"``: batches of similar length from
  small windows (``length_group_window``), see `hf_absa.training.sampling`;
- bf16 on CPU: a bounded oneDNN primitive cache (`hf_absa.onednn`), which dynamic padding would fill; the
  precision (automatic by default, `ABSATrainingArguments`'s ``bf16``) is logged once per trainer;
- evaluation (``evaluate``, not ``predict``) in batches of similar length when the task allows it
  (``sort_evaluation_by_length``; APC does): padding to the batch's longest example had more than doubled the
  tokens of an evaluation of Laptop14 (2.3-2.5x the real tokens, 1.2-1.3x once sorted), and order-free metrics
  do not change;
- when no ``eval_dataset`` is given, a stratified held-out part of train to
  select the best model on (never the test split);
- ``early_stopping_patience`` (the stock `EarlyStoppingCallback`) and ``evaluate_begin``;
- saving: JSON training arguments instead of ``training_args.bin`` (no pickle), with the precision the run used;
  checkpoints of ``save_strategy="best"`` hold the model only (``save_only_model``, decided by the arguments);
  a user-level ``save_model`` (and ``push_to_hub``) writes the export of
  ``export_mode`` and a model card (README.md), staged so that a crash never
  leaves a truncated file where a good one was;
- checkpoints written into a hidden staging folder and renamed into place once
  complete (`hf_absa.training._trainer_overrides`), and ``resume_from_checkpoint``
  accepting ``True`` / ``"latest"`` for the newest complete checkpoint.

To add a task, subclass `ABSATrainer` and set its task hooks: ``training_arguments_class``,
``model_card_data_class``, ``auto_model_class``, and the methods `build_data_collator`,
`build_compute_metrics` and, when the model has parameters that need their own learning rate,
`learning_rate_mapping`. `APCTrainer` is the example.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from datasets import Dataset
from transformers import Trainer, TrainingArguments
from transformers.trainer import OPTIMIZER_NAME, TRAINING_ARGS_NAME
from transformers.trainer_optimizer import is_optimizer_factory
from transformers.utils import CONFIG_NAME

from ..data.collator import DataCollatorForAPC
from .protocols import MAX_TEST_METRICS
from .splits import hold_out_validation
from ..metrics import APCMetrics
from ..onednn import limit_onednn_primitive_cache
from ._trainer_overrides import TrainerOverridesMixin
from .callbacks import EvaluateBeginCallback, callbacks_from_arguments  # noqa: F401  (EvaluateBeginCallback: old home)
from .checkpoints import resolve_resume_from_checkpoint
from .export import (
    BACKBONE_EXPORT_DIR,
    TRAINING_ARGS_JSON,
    drop_auto_map,
    export_backbone,
    saved_state_dict,
    staged_files,
    write_model_code,
)
from .model_card import APCModelCardData
from .model_card_base import MODEL_CARD_NAME, ABSAModelCardData
from .sampling import WindowedLengthSampler, sequence_lengths
from .training_args import ABSATrainingArguments, APCTrainingArguments, has_accelerator

logger = logging.getLogger(__name__)

ETA_PARAMETER_PATTERN = re.compile(r"(^|\.)eta[12]$")
# Optimizer kwargs that bring their own parameter groups (GaLore's params, LOMO's model, a user's optimizer_dict).
OWN_GROUP_KWARGS = ("params", "model", "optimizer_dict")


class ABSATrainer(TrainerOverridesMixin, Trainer):
    """`transformers.Trainer` for hf_absa models, whatever the task; `APCTrainer` is its aspect-polarity form.

    Takes every `transformers.Trainer` argument. ``args`` defaults to ``training_arguments_class(output_dir=
    "hf_absa_output")``; plain `TrainingArguments` are upgraded to ``training_arguments_class`` (TRL's habit).
    ``dataset_name`` only names the training data in the model card. When ``data_collator`` /
    ``compute_metrics`` are not given, the task's (`build_data_collator`, `build_compute_metrics`) are used;
    when ``eval_dataset`` is not given and ``args.holds_out_validation``, a ``validation_fraction`` of
    ``train_dataset`` is held out (`hold_out`). ``optimizer_cls_and_kwargs`` keeps the groups of
    `learning_rate_mapping` (the stock Trainer would bypass them).

    Task hooks — to add a task, subclass and set:

    - ``training_arguments_class``: its `ABSATrainingArguments` subclass;
    - ``model_card_data_class``: its `ABSAModelCardData` subclass (README.md of every export);
    - ``auto_model_class``: the transformers Auto class of its models, named in ``auto_map`` by export mode 2
      (None: mode 2 is refused);
    - `build_data_collator` and `build_compute_metrics`: the defaults for those arguments;
    - ``max_test_metric_names``: the metrics ``report_max_test`` maximises over the periodic test evaluations;
    - `learning_rate_mapping`: parameters that need their own learning rate (none by default);
    - `hold_out` and `build_train_sampler`, when the task's data needs another split or sampler.

    Raises:
        ValueError: ``args.export_mode == 2`` without ``auto_model_class``; an optimizer that brings its own
            parameter groups while `learning_rate_mapping` matches parameters (at ``create_optimizer``).
    """

    training_arguments_class: type[ABSATrainingArguments] = ABSATrainingArguments
    model_card_data_class: type[ABSAModelCardData] = ABSAModelCardData
    auto_model_class: str | None = None
    # The metrics (names as compute_metrics returns them) whose maximum over the periodic test evaluations
    # report_max_test adds as max_test_<name> (`hf_absa.training.protocols.max_test_metrics`).
    max_test_metric_names: tuple[str, ...] = MAX_TEST_METRICS
    # The optimizer the caller asked for with `optimizer_cls_and_kwargs` (see __init__), else None.
    requested_optimizer_cls_and_kwargs: tuple | None = None
    # Whether `evaluate` may visit the examples sorted by length (less padding): only for a task whose metrics do
    # not depend on the order of the examples (APC's accuracy / F1); `predict` keeps the dataset's order anyway.
    sort_evaluation_by_length: bool = False

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
        args = self._task_arguments(args)
        if args.export_mode == 2 and self.auto_model_class is None:
            raise ValueError(
                f"export_mode=2 writes the model code with an auto_map entry, but {type(self).__name__} names no "
                "auto_model_class (e.g. 'AutoModelForSequenceClassification'); set it or use export_mode 1 or 3"
            )
        if (args.bf16 or args.bf16_full_eval) and (args.use_cpu or not has_accelerator()):
            limit_onednn_primitive_cache()  # dynamic padding would fill oneDNN's per-shape cache (hf_absa.onednn)
        if args.precision_decision is not None and args.should_log:
            logger.info(args.precision_decision.describe() if not args.fp16 else "precision: fp16 (set by a flag)")
        if data_collator is None and processing_class is not None:
            data_collator = self.build_data_collator(processing_class)
        if compute_metrics is None and model is not None:
            compute_metrics = self.build_compute_metrics(model)
        if eval_dataset is None and train_dataset is not None and args.holds_out_validation:
            train_dataset, eval_dataset = self.hold_out(train_dataset, args)
        callbacks = [*(callbacks or []), *callbacks_from_arguments(args)]
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
        # With `optimizer_cls_and_kwargs` set, the stock create_optimizer never calls get_optimizer_cls_and_kwargs
        # (trainer.py:1300-1303), which would lose the groups of learning_rate_mapping: the request is kept here
        # and get_optimizer_cls_and_kwargs builds on it instead of on args.optim.
        self.requested_optimizer_cls_and_kwargs, self.optimizer_cls_and_kwargs = self.optimizer_cls_and_kwargs, None
        self.dataset_name = dataset_name

    def _task_arguments(self, args: TrainingArguments | None) -> ABSATrainingArguments:
        arguments_class = self.training_arguments_class
        if args is None:
            return arguments_class(output_dir="hf_absa_output")
        if isinstance(args, arguments_class):
            return args
        # Plain TrainingArguments are upgraded (TRL's habit); to_dict() hides the token.
        values = {k: v for k, v in args.to_dict().items() if k in arguments_class.__dataclass_fields__}
        values["hub_token"] = args.hub_token
        return arguments_class(**values)

    # ---- task hooks ---------------------------------------------------------------------------

    def build_data_collator(self, processing_class):
        """The collator used when none is given (None: the stock default for ``processing_class``)."""
        return None

    def build_compute_metrics(self, model):
        """The ``compute_metrics`` used when none is given (None: the loss only)."""
        return None

    def learning_rate_mapping(self, args: ABSATrainingArguments) -> dict[str, float]:
        """Parameter-name regex → learning rate: matching trainable parameters get their own AdamW group with that
        rate and no weight decay (sentence-transformers' ``learning_rate_mapping``). None by default."""
        return {}

    def hold_out(self, train_dataset: Dataset, args: ABSATrainingArguments) -> tuple[Dataset, Dataset]:
        """(train, validation) when the caller gave no ``eval_dataset``: a stratified ``args.validation_fraction``
        of ``train_dataset`` (`hf_absa.training.splits.hold_out_validation`, seeded by ``args.seed``)."""
        return hold_out_validation(train_dataset, args.validation_fraction, seed=args.seed)

    def build_train_sampler(self, train_dataset):
        """The training sampler, or None for the stock one: `WindowedLengthSampler` under
        ``train_sampling_strategy="group_by_length"`` with ``length_group_window > 0``.

        The stock sampler's 50-batch windows put the aspects of one sentence into one batch
        (`hf_absa.training.sampling`).
        """
        window = self.args.length_group_window
        if self.args.train_sampling_strategy == "group_by_length" and window and isinstance(train_dataset, Dataset):
            # Grouped by the global batch: under DDP accelerate deals consecutive per-device batches to the
            # processes, so one optimizer step then sees the same examples as on one device.
            batch_size = self.args.train_batch_size * self.args.gradient_accumulation_steps * self.args.world_size
            lengths = sequence_lengths(train_dataset)
            return WindowedLengthSampler(lengths, batch_size, window=window, seed=self.args.seed)
        return None

    # ---- evaluation ---------------------------------------------------------------------------

    def get_eval_dataloader(self, eval_dataset: str | Dataset | None = None):
        """The stock evaluation data loader; with ``sort_evaluation_by_length`` over the examples sorted by length
        (stable), so that each batch is padded to similar lengths. ``predict`` (``get_test_dataloader``) keeps the
        dataset's order."""
        if self.sort_evaluation_by_length and not self.args.dataloader_persistent_workers:
            dataset = (self.eval_dataset[eval_dataset] if isinstance(eval_dataset, str)
                       else eval_dataset if eval_dataset is not None else self.eval_dataset)
            if isinstance(dataset, Dataset) and len(dataset) > 1 and "input_ids" in dataset.column_names:
                # read in order by _get_eval_sampler (_trainer_overrides)
                return super().get_eval_dataloader(self._length_sorted(dataset))
        return super().get_eval_dataloader(eval_dataset)

    def _length_sorted(self, dataset: Dataset) -> Dataset:
        cache = self.__dict__.setdefault("_length_sorted_datasets", {})
        key = (dataset._fingerprint, len(dataset))
        if key not in cache:
            lengths = sequence_lengths(dataset)
            cache[key] = dataset.select(sorted(range(len(lengths)), key=lengths.__getitem__))
        return cache[key]

    # ---- optimisation -------------------------------------------------------------------------

    def get_optimizer_cls_and_kwargs(self, args, model=None):
        """The optimizer of ``args.optim`` (or of ``optimizer_cls_and_kwargs``), with the parameters of
        `learning_rate_mapping` moved to their own groups through ``optimizer_dict`` (ST's pattern).

        Without such parameters the stock parameter groups are kept. Raises ValueError when the optimizer brings its
        own parameter groups (an optimizer factory, GaLore's ``params``, LOMO's ``model``, an ``optimizer_dict``)
        while such parameters exist: one of the two would be silently lost.
        """
        if self.requested_optimizer_cls_and_kwargs is not None:
            optimizer_cls, optimizer_kwargs = self.requested_optimizer_cls_and_kwargs
            optimizer_kwargs = dict(optimizer_kwargs)
        else:
            optimizer_cls, optimizer_kwargs = Trainer.get_optimizer_cls_and_kwargs(args, model)
        groups = self.parameter_groups(args, model) if model is not None else None
        if groups is None:
            return optimizer_cls, optimizer_kwargs
        own_groups = [key for key in OWN_GROUP_KWARGS if key in optimizer_kwargs]
        if own_groups or is_optimizer_factory(optimizer_cls):
            source = "optimizer_cls_and_kwargs" if self.requested_optimizer_cls_and_kwargs else f"optim={args.optim}"
            raise ValueError(
                f"{source} builds its own parameter groups ({', '.join(own_groups) or 'an optimizer factory'}), so "
                f"the parameters matching {sorted(self.learning_rate_mapping(args))} cannot get their own learning "
                "rate and no weight decay; use an optimizer class with plain keyword arguments (e.g. AdamW)"
            )
        optimizer_kwargs["optimizer_dict"] = groups
        return optimizer_cls, optimizer_kwargs

    def parameter_groups(self, args, model) -> list[dict] | None:
        """Decay, no-decay and one group per `learning_rate_mapping` entry (its ``lr``, no weight decay), each
        trainable parameter exactly once; None when no parameter matches the mapping."""
        mapping = [(re.compile(pattern), lr) for pattern, lr in self.learning_rate_mapping(args).items()]
        if not mapping:
            return None
        decay_names = set(self.get_decay_parameter_names(model))
        decay, no_decay, mapped = [], [], [[] for _ in mapping]
        for name, parameter in model.named_parameters():
            if not parameter.requires_grad:
                continue
            match = next((index for index, (pattern, _) in enumerate(mapping) if pattern.search(name)), None)
            if match is not None:
                mapped[match].append(parameter)
            elif name in decay_names:
                decay.append(parameter)
            else:
                no_decay.append(parameter)
        if not any(mapped):
            return None
        groups = [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
            *({"params": params, "weight_decay": 0.0, "lr": lr} for params, (_, lr) in zip(mapped, mapping)),
        ]
        return [group for group in groups if group["params"]]

    # ---- training -----------------------------------------------------------------------------

    def train(self, resume_from_checkpoint: str | bool | None = None, trial=None, ignore_keys_for_eval=None, **kwargs):
        """Stock training; ``resume_from_checkpoint`` may also be ``"latest"`` / ``"true"``: the newest complete
        checkpoint of ``output_dir`` (`hf_absa.training.checkpoints.resolve_resume_from_checkpoint`)."""
        resume_from_checkpoint = resolve_resume_from_checkpoint(resume_from_checkpoint, self.args.output_dir)
        if (isinstance(resume_from_checkpoint, str) and not self.is_deepspeed_enabled
                and not any(Path(resume_from_checkpoint).glob(f"{OPTIMIZER_NAME}*"))):
            logger.warning(
                "%s holds the model only (a best-model checkpoint of save_strategy best, or save_only_model): the "
                "optimizer and learning-rate schedule start afresh. Periodic checkpoints (--save_strategy steps "
                "--save_steps 0.1) resume exactly.", resume_from_checkpoint,
            )
        return super().train(
            resume_from_checkpoint=resume_from_checkpoint, trial=trial, ignore_keys_for_eval=ignore_keys_for_eval,
            **kwargs,
        )

    # ---- saving -------------------------------------------------------------------------------

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        """Save the model to ``output_dir`` (default ``args.output_dir``), as the stock Trainer does, plus:

        - ``training_args.json`` instead of the pickled ``training_args.bin``, in every save;
        - except in the Trainer's own checkpoint saves (internal saves into a folder other than ``output_dir``):
          the export of ``args.export_mode`` (`write_export`: model code for mode 2,
          ``fine-tuned-pretrained-model/`` for mode 3) and the model card README.md. This covers a user's call
          and the save ``push_to_hub`` makes before uploading ``output_dir``. On the writing process the files
          are staged and moved into place once complete.

        Call it on every process (FSDP / DeepSpeed gather the weights); with ``args.push_to_hub`` a user-level call
        then pushes, as the stock one does.
        """
        output_dir = str(output_dir if output_dir is not None else self.args.output_dir)
        is_checkpoint = _internal_call and os.path.abspath(output_dir) != os.path.abspath(self.args.output_dir)
        # DeepSpeed may write from every process into the folder it is given (ZeRO-3 without gathered weights),
        # and only the writing process stages: there the files are written in place.
        if is_checkpoint or not self.args.should_save or self.is_deepspeed_enabled:
            super().save_model(output_dir, _internal_call=True)
            if self.args.should_save:
                self.write_arguments_json(output_dir)
                if not is_checkpoint:
                    self.write_export(output_dir, model_id=self.model_card_id(output_dir))
        else:
            with staged_files(output_dir) as staging:
                super().save_model(str(staging), _internal_call=True)
                self.write_arguments_json(staging)
                self.write_export(staging, model_id=self.model_card_id(output_dir))
        if self.args.push_to_hub and not _internal_call:
            # As the stock save_model does (trainer.py:4136-4137), once the export is in place.
            self.push_to_hub(commit_message="Model save", revision=self.args.hub_revision)

    def write_arguments_json(self, folder: str | os.PathLike) -> None:
        """Replace the stock pickled ``training_args.bin`` in ``folder`` by ``training_args.json``: every argument,
        plus the precision the run used and how it was decided (``precision``, ``precision_source``)."""
        folder = Path(folder)
        (folder / TRAINING_ARGS_NAME).unlink(missing_ok=True)
        values = self.args.to_dict()
        if hasattr(self.args, "precision_record"):
            values.update(self.args.precision_record())
        (folder / TRAINING_ARGS_JSON).write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")

    def write_export(self, folder: str | os.PathLike, model_id: str | None = None) -> None:
        """Add the export of ``args.export_mode`` and the model card to ``folder``, which the stock save has
        just written (config, weights, tokenizer).

        Mode 3 cuts the backbone from the saved weights, which under FSDP / ZeRO-3 are the gathered ones (the
        live modules are shards there). A folder without ``config.json`` (FSDP with a sharded state dict saves no
        model) gets nothing, with a warning.
        """
        folder = Path(folder)
        if not (folder / CONFIG_NAME).is_file():
            logger.warning("No %s in %s (a sharded state dict?): no export and no model card", CONFIG_NAME, folder)
            return
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        if self.args.export_mode == 2:
            write_model_code(model, folder, auto_class=self.auto_model_class)
        else:
            drop_auto_map(folder)
        if self.args.export_mode == 3:
            export_backbone(
                model, self.processing_class, folder / BACKBONE_EXPORT_DIR, state_dict=saved_state_dict(folder)
            )
        self.write_model_card(folder, model_id=model_id or self.model_card_id(folder))

    # ---- model card and Hub -------------------------------------------------------------------

    def model_card_id(self, folder: str | os.PathLike) -> str:
        """How the card's usage snippets name the model: its Hub repo when there is one, else the folder."""
        return self.hub_model_id or self.args.hub_model_id or str(folder)

    def write_model_card(self, folder: str | os.PathLike, model_id: str, **card_fields) -> None:
        """Render the card of ``model_card_data_class`` from this trainer and write ``folder/README.md``."""
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        card = self.model_card_data_class.from_trainer(self, model=model, model_id=model_id, **card_fields)
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
        self.write_model_card(
            self.args.output_dir,
            model_id=self.model_card_id(self.args.output_dir),
            language=language,
            license=license,
            tags=[tags] if isinstance(tags, str) else tags,
            model_name=model_name,
            base_model=finetuned_from,
            dataset=dataset if isinstance(dataset, str) else None,
        )


class APCTrainer(ABSATrainer):
    """`ABSATrainer` for `APCModelForSequenceClassification`.

    The APC task hooks: `APCTrainingArguments`, `DataCollatorForAPC` (from ``processing_class``), `APCMetrics`
    (accuracy, macro-F1, per-class F1 from the model's ``id2label``), `APCModelCardData`, and the ``eta1``/``eta2``
    weights in their own group at ``args.eta_lr``.

    Example (``model``, ``tokenizer`` and the datasets ``train`` and ``valid``, featurised by `APCProcessor`, are
    not built here, so the example is skipped):

    >>> trainer = APCTrainer(model=model, args=APCTrainingArguments("runs/demo"),
    ...                      train_dataset=train, eval_dataset=valid,
    ...                      processing_class=tokenizer)  # doctest: +SKIP
    >>> trainer.train()  # doctest: +SKIP
    """

    training_arguments_class = APCTrainingArguments
    model_card_data_class = APCModelCardData
    auto_model_class = "AutoModelForSequenceClassification"
    sort_evaluation_by_length = True  # accuracy / F1 do not depend on the order of the examples

    def build_data_collator(self, processing_class):
        return DataCollatorForAPC(processing_class)

    def build_compute_metrics(self, model):
        return APCMetrics(model.config.id2label)

    def learning_rate_mapping(self, args: APCTrainingArguments) -> dict[str, float]:
        return {ETA_PARAMETER_PATTERN.pattern: args.eta_lr}
