"""`APCTrainingArguments`: `TrainingArguments` with APC defaults and PyABSA's knobs.

Overridden defaults (everything else is stock `TrainingArguments`):

- ``learning_rate``: 2e-5 instead of 5e-5 (PyABSA's default)
- ``per_device_train_batch_size``: 16 instead of 8 (PyABSA's default);
  ``per_device_eval_batch_size``: 64
- PyABSA's optimisation: ``lr_scheduler_type="constant"`` with ``warmup_steps=0``,
  ``max_grad_norm=0`` (no clipping) and ``weight_decay=1e-6`` (PyABSA's ``l2reg``;
  none on biases/LayerNorm, none on eta). With the stock warmup + cosine and
  clipping, one epoch on Laptop14 ended 6 points of accuracy below PyABSA; with
  these, level with it (BENCHMARKS.md, "Accuracy"). PyABSA's optional warmup +
  cosine (its ``warmup_step >= 0``) is ``lr_scheduler_type="cosine", warmup_steps=0.1``.
- ``train_sampling_strategy="group_by_length"``: batches of similar lengths drawn
  from windows of ``length_group_window`` (4) batches of a random permutation
  (`hf_absa.training.sampling`): with dynamic padding a third fewer tokens per
  epoch than random batches, at the same accuracy (BENCHMARKS.md)
- ``eval_strategy="steps"`` with ``eval_steps=0.1``: ten evaluations per run,
  whatever the data size (PyABSA evaluates every ``log_step`` steps)
- ``save_strategy="best"``, ``load_best_model_at_end=True``,
  ``metric_for_best_model="accuracy"``, ``save_total_limit=1``: a checkpoint
  is written only when the validation metric improves, and the final model is
  the best one (PyABSA keeps only its best checkpoint too)
- ``logging_steps=10``
- ``hub_strategy="end"``: with ``push_to_hub`` the Hub gets the final export
  and its model card, not every intermediate checkpoint (the stock
  intermediate pushes also upload the pickled ``training_args.bin``)

Resuming (``resume_from_checkpoint``: a folder, or ``latest``/``true`` for the
newest complete checkpoint) needs periodic checkpoints, e.g.
``save_strategy="steps", save_steps=0.1``: the default ``"best"`` only writes
one when the validation metric improves.

``fp16`` is refused on CPU, where accelerate would silently train in fp32;
``bf16`` works there.

New fields: ``eta_lr``, ``save_mode``, ``patience``, ``evaluate_begin``,
``validation_fraction``, ``length_group_window`` (length-grouped batches that stay
varied), ``report_max_test`` (PyABSA's reporting protocol, opt-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from transformers import TrainingArguments

SAVE_MODES = {
    0: "no model written (metrics only)",
    1: "safetensors weights + config.json + tokenizer, loadable with from_pretrained",
    2: "mode 1 plus the model code (auto_map): loads with trust_remote_code=True without hf_absa",
    3: "mode 1 plus fine-tuned-pretrained-model/: the backbone alone as a stock transformers model",
}


def has_accelerator() -> bool:
    """Whether torch sees a GPU-like device (CUDA, ROCm, XPU, MPS, ...)."""
    accelerator = getattr(torch, "accelerator", None)  # torch >= 2.6
    return accelerator.is_available() if accelerator is not None else torch.cuda.is_available()


@dataclass
class APCTrainingArguments(TrainingArguments):
    """Training arguments for aspect polarity classification.

    Example:

    >>> args = APCTrainingArguments(output_dir="runs/laptop14", eta_lr=0.01, save_mode=2)
    >>> args.lr_scheduler_type.value, args.warmup_steps, args.max_grad_norm
    ('constant', 0, 0.0)
    >>> APCTrainingArguments(output_dir="runs/laptop14", lr_scheduler_type="cosine", warmup_steps=0.1).warmup_steps
    0.1
    """

    learning_rate: float = field(default=2e-5, metadata={"help": "Peak learning rate of AdamW."})
    per_device_train_batch_size: int = field(default=16, metadata={"help": "Training batch size per device."})
    per_device_eval_batch_size: int = field(default=64, metadata={"help": "Evaluation batch size per device."})
    train_sampling_strategy: str = field(
        default="group_by_length",
        metadata={
            "help": "Training batches: group_by_length (default: similar lengths from small windows, see "
            "length_group_window), random, sequential or batch_rebalance.",
            "choices": ["group_by_length", "random", "sequential", "batch_rebalance"],
        },
    )
    lr_scheduler_type: str = field(
        default="constant",
        metadata={"help": "Learning-rate schedule after warmup: constant (PyABSA's), cosine, linear, ..."},
    )
    warmup_steps: float = field(
        default=0, metadata={"help": "Warmup steps; a float below 1 is a fraction of all training steps."}
    )
    max_grad_norm: float = field(
        default=0.0, metadata={"help": "Gradient clipping norm; 0 turns clipping off (PyABSA does not clip)."}
    )
    weight_decay: float = field(
        default=1e-6,
        metadata={"help": "AdamW weight decay (PyABSA's l2reg; not applied to biases, LayerNorm or eta)."},
    )
    eval_strategy: str = field(default="steps", metadata={"help": "When to evaluate: no, steps or epoch."})
    eval_steps: float | None = field(
        default=0.1, metadata={"help": "Evaluate every N steps; a float below 1 is a fraction of all steps."}
    )
    save_strategy: str = field(
        default="best", metadata={"help": "When to write checkpoints: no, steps, epoch or best."}
    )
    save_total_limit: int | None = field(default=1, metadata={"help": "Checkpoints kept in output_dir."})
    load_best_model_at_end: bool = field(
        default=True, metadata={"help": "Reload the best checkpoint (on validation) when training ends."}
    )
    metric_for_best_model: str | None = field(
        default="accuracy", metadata={"help": "Validation metric that selects the best model: accuracy or f1."}
    )
    logging_steps: float = field(default=10, metadata={"help": "Log the training loss every N steps."})
    hub_strategy: str = field(
        default="end",
        metadata={"help": "What --push_to_hub uploads when: end (the final export + model card), every_save, "
                  "checkpoint or all_checkpoints."},
    )

    eta_lr: float = field(
        default=0.01,
        metadata={
            "help": "Learning rate of the learnable eta1/eta2 weights (own AdamW group, no weight decay). "
            "PyABSA v2 declares 0.1 but never applies it (its eta group is empty); v1, where it worked, used 0.01."
        },
    )
    save_mode: int = field(
        default=1,
        metadata={"help": "Final export: " + "; ".join(f"{k} = {v}" for k, v in SAVE_MODES.items())},
    )
    patience: int | None = field(
        default=None,
        metadata={"help": "Stop after this many evaluations without improvement of metric_for_best_model."},
    )
    evaluate_begin: float = field(
        default=0,
        metadata={"help": "Epoch from which evaluation (and best-model saving) starts, as PyABSA's evaluate_begin."},
    )
    validation_fraction: float = field(
        default=0.1,
        metadata={
            "help": "When the data has no validation split, this stratified fraction of train is held out "
            "to select the best model (the test split is never used for selection). 0 holds nothing out: the "
            "model trains on all of train, as PyABSA does, and the final model is the result (needs "
            "load_best_model_at_end=False and save_strategy no/steps/epoch; with report_max_test the periodic "
            "evaluations are on test only)."
        },
    )

    length_group_window: int = field(
        default=4,
        metadata={
            "help": "With --train_sampling_strategy group_by_length: batches are cut from windows of this many "
            "batches sorted by length (hf_absa.training.sampling). The stock sampler sorts up to 50 batches at "
            "once, which puts the aspects of one sentence into one batch and cost accuracy; 0 uses it anyway."
        },
    )

    report_max_test: bool = field(
        default=False,
        metadata={
            "help": "PyABSA-compatible protocol, only to compare with PyABSA's published numbers: also evaluate "
            "the test split at every evaluation and report max_test_accuracy / max_test_f1, each the maximum over "
            "those evaluations (PyABSA's 'Max-Test-Acc w/o Valid Set'; optimistic, test picks the figure). The model "
            "is still selected on validation and test_accuracy / test_f1 stay its clean test figures."
        },
    )

    @property
    def holds_out_validation(self) -> bool:
        """Whether data without a validation split gets a ``validation_fraction`` of train held out."""
        return self.eval_strategy != "no" and self.validation_fraction > 0

    def __post_init__(self):
        # Checked first: with eval_strategy="no" TrainingArguments would complain about something less to the point.
        if self.report_max_test and self.eval_strategy == "no":
            raise ValueError("report_max_test needs periodic evaluations: set eval_strategy to steps or epoch")
        if not torch.cuda.is_available():
            # Pinned memory only helps host-to-GPU copies; without a GPU torch warns on every dataloader.
            self.dataloader_pin_memory = False
        if (self.fp16 or self.fp16_full_eval) and (self.use_cpu or not has_accelerator()):
            raise ValueError("--fp16 needs a GPU (on CPU accelerate would silently train in fp32); use --bf16 on CPU")
        super().__post_init__()
        if self.save_mode not in SAVE_MODES:
            raise ValueError(f"save_mode must be one of {sorted(SAVE_MODES)}, got {self.save_mode!r}")
        if self.length_group_window < 0:
            raise ValueError(f"length_group_window must be >= 0 batches, got {self.length_group_window}")
        if self.eta_lr <= 0:
            raise ValueError(f"eta_lr must be > 0, got {self.eta_lr}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be >= 1 evaluation, got {self.patience}")
        if self.evaluate_begin < 0:
            raise ValueError(f"evaluate_begin must be >= 0 epochs, got {self.evaluate_begin}")
        if self.push_to_hub and self.save_mode == 0:
            raise ValueError("push_to_hub needs a model to upload, but save_mode=0 writes none")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")
        if self.patience is not None and not self.load_best_model_at_end:
            raise ValueError("patience needs load_best_model_at_end=True (early stopping compares evaluations)")
