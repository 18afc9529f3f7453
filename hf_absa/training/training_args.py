"""Training arguments: `ABSATrainingArguments` (any ABSA task), `APCTrainingArguments` (aspect polarity) and
`ATEPCTrainingArguments` (aspect term extraction + polarity).

Both are `transformers.TrainingArguments` dataclasses, so every field is also a
flag of ``hf-absa train`` (`HfArgumentParser`). The parameters are documented
in the class docstrings, grouped as TRL does; accuracy and speed figures behind
the defaults are in BENCHMARKS.md.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import torch
from huggingface_hub.utils import HFValidationError, validate_repo_id
from transformers import TrainingArguments
from transformers.trainer_utils import IntervalStrategy
from transformers.utils import strtobool

from ..hardware import PrecisionDecision, decide_bf16

EXPORT_MODES = {
    0: "no model written (metrics only)",
    1: "safetensors weights + config.json + tokenizer, loadable with from_pretrained",
    2: "mode 1 plus the model code (auto_map): loads with trust_remote_code=True without hf_absa",
    3: "mode 1 plus fine-tuned-pretrained-model/: the backbone alone as a stock transformers model",
}
SAVE_MODES = EXPORT_MODES  # PyABSA's name for the same table
DEFAULT_EXPORT_MODE = 1

# (HF name, PyABSA alias): the alias is read only when the HF name is not set, then mirrors it — transformers 5.24's
# own scheme for `gradient_checkpointing` → `activation_checkpointing` (training_args.py:1533-1545), so that a
# `dataclasses.replace` of the HF name takes effect and code that reads the old name keeps working.
ARGUMENT_ALIASES = (("export_mode", "save_mode"), ("early_stopping_patience", "patience"))


def has_accelerator() -> bool:
    """Whether torch sees a GPU-like device (CUDA, ROCm, XPU, MPS, ...)."""
    accelerator = getattr(torch, "accelerator", None)  # torch >= 2.6
    return accelerator.is_available() if accelerator is not None else torch.cuda.is_available()


# Field metadata of a `bool | None` argument (None = decided later): HfArgumentParser gives such a field an
# optional value only when its default is not None (hf_argparser.py:204-218), so `--bf16` alone would be refused;
# with these argparse settings `--bf16` is True, `--bf16 false` False and no flag leaves None.
OPTIONAL_BOOLEAN = {"nargs": "?", "const": True}


def training_device_type(use_cpu: bool) -> str:
    """The device type a run with ``use_cpu`` trains on: ``"cpu"`` (``use_cpu``, ``ACCELERATE_USE_CPU`` or no
    accelerator), else ``"cuda"`` when CUDA is available, else the accelerator's type (``"mps"``, ``"xpu"``...)."""
    if use_cpu or strtobool(os.environ.get("ACCELERATE_USE_CPU", "False")) or not has_accelerator():
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    accelerator = getattr(torch, "accelerator", None)
    device = accelerator.current_accelerator() if accelerator is not None else None
    return device.type if device is not None else "cpu"


def replace_arguments(args, **changes):
    """`dataclasses.replace` of training arguments that keeps their automatic settings automatic: ``bf16`` and
    ``save_only_model`` that `ABSATrainingArguments` decided itself (left unset) are decided again for the copy
    (same answer on the same machine, and the copy still records ``precision_source="auto"``), instead of being
    copied as if a flag had set them. Any other dataclass is replaced as is.
    """
    for name in getattr(args, "_automatic_fields", ()):
        changes.setdefault(name, None)
    return dataclasses.replace(args, **changes)


def is_hub_model_id(name: str) -> bool:
    """Whether ``name`` is a well-formed Hub repo id (``name`` or ``org/name``; `huggingface_hub.utils.validate_repo_id`).

    >>> is_hub_model_id("sentence-transformers/all-MiniLM-L6-v2"), is_hub_model_id("a/b/c")
    (True, False)
    """
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


@dataclass
class ABSATrainingArguments(TrainingArguments):
    r"""`TrainingArguments` for `ABSATrainer`: PyABSA's optimisation defaults, export modes and selection knobs.

    Task-neutral: every hf_absa task's arguments derive from this class (`APCTrainingArguments` for aspect
    polarity). Only the parameters that differ from `transformers.TrainingArguments` are listed; every other field
    keeps its stock meaning and default.

    Parameters:
        > Stock parameters whose defaults are overridden (PyABSA's habits; BENCHMARKS.md, "Accuracy", compares them
        > with the stock ones)

        learning_rate (`float`, defaults to `2e-5`; stock `5e-5`):
            Peak learning rate of AdamW.
        per_device_train_batch_size (`int`, defaults to `16`; stock `8`):
            Training batch size per device.
        per_device_eval_batch_size (`int`, defaults to `64`; stock `8`):
            Evaluation batch size per device.
        lr_scheduler_type (`str`, defaults to `"constant"`; stock `"linear"`):
            PyABSA's constant rate. PyABSA's optional warmup + cosine is
            ``lr_scheduler_type="cosine", warmup_steps=0.1``; the schedule scales every parameter group alike.
        warmup_steps (`float`, defaults to `0`):
            Warmup steps; a float below 1 is a fraction of all training steps.
        max_grad_norm (`float`, defaults to `0.0`; stock `1.0`):
            Gradient clipping norm; 0 turns clipping off, as in PyABSA.
        weight_decay (`float`, defaults to `1e-6`; stock `0.0`):
            PyABSA's ``l2reg``; never applied to biases, LayerNorm or the parameters of
            `ABSATrainer.learning_rate_mapping`.
        train_sampling_strategy (`str`, defaults to `"group_by_length"`; stock `"random"`):
            Batches of similar length drawn from small windows (see ``length_group_window``); ``random``,
            ``sequential`` and ``batch_rebalance`` are the stock samplers.
        eval_strategy (`str`, defaults to `"steps"`; stock `"no"`) and eval_steps (`float`, defaults to `0.1`):
            Ten evaluations per run whatever the data size (PyABSA evaluates every ``log_step`` steps).
        save_strategy (`str`, defaults to `"best"`; stock `"steps"`), save_total_limit (`int`, defaults to `1`) and
        load_best_model_at_end (`bool`, defaults to `True`):
            A checkpoint is written only when the validation metric improves and the final model is the best one
            (PyABSA keeps only its best checkpoint too). Resuming (``resume_from_checkpoint``: a folder, or
            ``"latest"``/``True``) needs periodic checkpoints: ``save_strategy="steps", save_steps=0.1``.
        logging_steps (`float`, defaults to `10`; stock `500`):
            Log the training loss every N steps.
        hub_strategy (`str`, defaults to `"end"`; stock `"every_save"`):
            With ``push_to_hub`` the Hub gets the final export and its model card, not every checkpoint (the stock
            intermediate pushes also upload the pickled ``training_args.bin``).
        dataloader_pin_memory (`bool`, *optional*; stock `True`):
            Unset: pinned only when CUDA is available (pinning serves host-to-GPU copies; without a GPU torch warns
            on every data loader). A value you set is kept.
        bf16 (`bool`, *optional*; stock `False`):
            bf16 autocast (weights, gradients and optimizer state stay fp32). Unset (the default): decided once, at
            start-up, from the hardware the run trains on (`hf_absa.hardware`): on where it computes in bf16
            natively — a CPU with AVX512-BF16 or AMX, a CUDA GPU with ``torch.cuda.is_bf16_supported()`` (Ampere
            and newer) — off elsewhere (and off with ``fp16``). On a CPU-only machine the automatic choice also
            sets ``use_cpu`` (as ``--bf16`` does there), which the stock arguments require for bf16 on CPU; a machine
            with a GPU keeps training on it. ``--bf16`` / ``bf16=True`` forces bf16, ``--bf16 false`` / ``bf16=False`` forces fp32.
            The decision is logged ("precision: ...") and recorded as ``precision`` (``"bf16"``, ``"fp32"`` or
            ``"fp16"``) and ``precision_source`` (``"auto"`` or ``"flag"``) in ``all_results.json`` and
            ``training_args.json``. bf16 trained about 3x faster than fp32 on a CPU with AVX512-BF16, at the same
            accuracy (BENCHMARKS.md).
        save_only_model (`bool`, *optional*; stock `False`):
            Checkpoints hold the model only, without optimizer, scheduler and RNG states. Unset (the default): on
            with ``save_strategy="best"``, whose checkpoints only serve best-model selection (resuming needs
            periodic checkpoints), so that each improvement writes the model alone instead of about three times
            its size; off with periodic checkpoints (``steps``/``epoch``, which resuming reads), under DeepSpeed or
            FSDP (which cannot combine it with ``load_best_model_at_end``) and when ``push_to_hub`` uploads
            checkpoints to resume from (``hub_strategy`` ``checkpoint``/``all_checkpoints``). A value you set is
            kept.

        > Export and early stopping

        export_mode (`int`, *optional*, defaults to `1`):
            What a user-level ``save_model`` / ``push_to_hub`` writes besides the model card (`EXPORT_MODES`):
            0 = nothing (metrics only), 1 = ``save_pretrained`` folder, 2 = plus the model code (loads with
            ``trust_remote_code=True`` without hf_absa), 3 = plus ``fine-tuned-pretrained-model/`` (the backbone
            alone). Checkpoints are never exported. With 0 and ``save_strategy="best"``, `fit_and_evaluate`
            (``hf-absa train``, experiments) removes the ``checkpoint-N`` folders of the run once it has succeeded:
            they only served best-model selection (`hf_absa.training.checkpoints.selection_only_checkpoints`).
        save_mode (`int`, *optional*):
            Deprecated alias of ``export_mode`` (PyABSA's name, also the ``--save_mode`` flag); read only when
            ``export_mode`` is not given, then equal to it.
        early_stopping_patience (`int`, *optional*):
            Stop after this many evaluations without improvement of ``metric_for_best_model`` (the stock
            `EarlyStoppingCallback`); needs ``load_best_model_at_end=True``.
        patience (`int`, *optional*):
            Deprecated alias of ``early_stopping_patience`` (PyABSA's name), resolved like ``save_mode``.
        evaluate_begin (`float`, defaults to `0`):
            Epoch from which evaluation (and so best-model saving) starts, as PyABSA's ``evaluate_begin``. With
            ``eval_strategy="epoch"`` it becomes the stock ``eval_delay``; with ``"steps"`` a callback does it,
            because ``eval_delay`` counts steps there.

        > Data and sampling

        validation_fraction (`float`, defaults to `0.1`):
            When the trainer gets no ``eval_dataset``, this stratified fraction of train is held out to select the
            best model on (the test split is never used for selection). 0 holds nothing out: the model trains on
            all of train, as PyABSA does, and the final model is the result (needs ``load_best_model_at_end=False``
            and ``save_strategy`` no/steps/epoch).
        length_group_window (`int`, defaults to `4`):
            With ``train_sampling_strategy="group_by_length"``: batches are cut from windows of this many batches
            sorted by length (`hf_absa.training.sampling`); 0 uses the stock sampler, which sorts up to 50 batches
            at once.
        report_max_test (`bool`, defaults to `False`):
            PyABSA-compatible reporting, only to compare with PyABSA's published numbers: the test split is also
            evaluated at every evaluation and ``max_test_*`` figures (maxima over those evaluations) are reported.
            The model is still selected on validation (`hf_absa.experiments.protocols`).

        > Model card

        backbone_hub_id (`str`, *optional*):
            The backbone's Hub model id (``org/name``), recorded as the card's ``base_model`` when
            ``model_name_or_path`` is a local copy whose id the card cannot find by itself
            (`hf_absa.training.model_card_base.backbone_provenance`).

    Raises:
        ValueError: a value out of range (the message names the argument), ``fp16`` on CPU (accelerate would
            silently train in fp32; use ``bf16``), or a combination that cannot work (``push_to_hub`` with
            ``export_mode=0``, ``early_stopping_patience`` without ``load_best_model_at_end``, ``report_max_test``
            without evaluations).

    >>> args = ABSATrainingArguments(output_dir="runs/demo", save_mode=3, patience=2)
    >>> args.export_mode, args.early_stopping_patience, args.lr_scheduler_type.value
    (3, 2, 'constant')
    """

    # ---- stock fields with PyABSA's defaults ----
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
    logging_steps: float = field(default=10, metadata={"help": "Log the training loss every N steps."})
    hub_strategy: str = field(
        default="end",
        metadata={"help": "What --push_to_hub uploads when: end (the final export + model card), every_save, "
                  "checkpoint or all_checkpoints."},
    )
    dataloader_pin_memory: bool | None = field(
        default=None,
        metadata={"help": "Pin data-loader memory. Default: only when CUDA is available; a value you set is kept.",
                  **OPTIONAL_BOOLEAN},
    )
    bf16: bool | None = field(
        default=None,
        metadata={"help": "bf16 autocast. Default: automatic, decided at start-up: on where the hardware runs bf16 "
                  "natively (a CPU with AVX512-BF16 or AMX: about 3x faster training; a CUDA GPU that supports "
                  "bf16), off elsewhere; logged and recorded in all_results.json. --bf16 forces it, --bf16 false "
                  "forces fp32.", **OPTIONAL_BOOLEAN},
    )
    save_only_model: bool | None = field(
        default=None,
        metadata={"help": "Checkpoints without optimizer/scheduler/RNG state (cannot be resumed from). Default: on "
                  "with --save_strategy best (its checkpoints only serve best-model selection), off with periodic "
                  "checkpoints, DeepSpeed/FSDP or --hub_strategy checkpoint; a value you set is kept.",
                  **OPTIONAL_BOOLEAN},
    )

    # ---- export and early stopping ----
    export_mode: int | None = field(
        default=None,
        metadata={
            "help": "What save_model / push_to_hub write: "
            + "; ".join(f"{k} = {v}" for k, v in EXPORT_MODES.items())
            + f". Mode 0 with --save_strategy best (the default) also removes the run's best-model checkpoints once "
            f"it has succeeded. (default: {DEFAULT_EXPORT_MODE})"
        },
    )
    save_mode: int | None = field(
        default=None,
        metadata={"help": f"Deprecated alias of --export_mode (PyABSA's name). (default: --export_mode's, "
                  f"{DEFAULT_EXPORT_MODE})"},
    )
    early_stopping_patience: int | None = field(
        default=None,
        metadata={"help": "Stop after this many evaluations without improvement of metric_for_best_model. "
                  "(default: off, train to the end)"},
    )
    patience: int | None = field(
        default=None,
        metadata={"help": "Deprecated alias of --early_stopping_patience (PyABSA's name). (default: off, train to "
                  "the end)"},
    )
    evaluate_begin: float = field(
        default=0,
        metadata={"help": "Epoch from which evaluation (and best-model saving) starts, as PyABSA's evaluate_begin."},
    )

    # ---- data and sampling ----
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
            "once, which puts the aspects of one sentence into one batch; 0 uses it anyway."
        },
    )
    report_max_test: bool = field(
        default=False,
        metadata={
            "help": "PyABSA-compatible protocol, only to compare with PyABSA's published numbers: also evaluate "
            "the test split at every evaluation and report max_test_<metric> (APC: max_test_accuracy / "
            "max_test_f1; ATEPC: max_test_ate_f1, max_test_e2e_f1, max_test_apc_accuracy / max_test_apc_f1, "
            "max_test_pyabsa_ate_f1), each the maximum over those evaluations (PyABSA's 'Max-Test-Acc w/o Valid "
            "Set'; optimistic, test picks the figure). The model is still selected on validation and the test_* "
            "figures stay its clean test figures."
        },
    )

    backbone_hub_id: str | None = field(
        default=None,
        metadata={
            "help": "The backbone's Hub model id (org/name) for the model card's base_model, when "
            "--model_name_or_path is a local copy of a Hub model. Default: found from the backbone's name, the "
            "bundled all-MiniLM-L6-v2, a Hugging Face cache folder or the backbone's config.json."
        },
    )

    @property
    def precision_decision(self) -> PrecisionDecision | None:
        """How ``bf16`` was decided (`hf_absa.hardware.PrecisionDecision`), once ``__post_init__`` has run."""
        return getattr(self, "_precision_decision", None)

    @property
    def precision(self) -> str:
        """The training precision: ``"bf16"`` (autocast), ``"fp16"`` (mixed precision) or ``"fp32"``."""
        return "fp16" if self.fp16 else "bf16" if self.bf16 else "fp32"

    @property
    def precision_source(self) -> str:
        """``"auto"`` when ``bf16`` was left unset and decided from the hardware, else ``"flag"``."""
        decision = self.precision_decision
        return decision.source if decision is not None else "flag"

    def precision_record(self) -> dict[str, str]:
        """``{"precision": ..., "precision_source": ...}``, as ``all_results.json`` and ``training_args.json``
        record them."""
        return {"precision": self.precision, "precision_source": self.precision_source}

    def _decide_precision(self) -> None:
        """Resolve an unset ``bf16`` from the hardware (`hf_absa.hardware.decide_bf16`), before the stock
        post-init reads it; see the ``bf16`` parameter."""
        requested = self.bf16
        if requested is None and (self.fp16 or self.fp16_full_eval):
            requested = False  # fp16 asked for: bf16 stays off, and the precision is the flag's
        device_type = training_device_type(self.use_cpu)
        decision = decide_bf16(requested, device_type)
        self.bf16 = decision.bf16
        if decision.source == "auto":
            self._automatic_fields = (*getattr(self, "_automatic_fields", ()), "bf16")
        if decision.bf16 and device_type == "cpu" and not self.use_cpu:
            # The stock arguments accept bf16 on CPU only with use_cpu (training_args.py:1777); with no
            # accelerator (or ACCELERATE_USE_CPU) the run is on CPU anyway: this is --bf16 --use_cpu exactly.
            self.use_cpu = True
        self._precision_decision = decision

    def _decide_save_only_model(self) -> None:
        """Resolve an unset ``save_only_model``; see the parameter."""
        if self.save_only_model is not None:
            return
        self._automatic_fields = (*getattr(self, "_automatic_fields", ()), "save_only_model")
        sharded = bool(self.deepspeed) or bool(self.fsdp) or any(
            strtobool(os.environ.get(name, "False")) for name in ("ACCELERATE_USE_DEEPSPEED", "ACCELERATE_USE_FSDP")
        )
        resumable_upload = self.push_to_hub and str(getattr(self.hub_strategy, "value", self.hub_strategy)) in (
            "checkpoint", "all_checkpoints"
        )
        self.save_only_model = self.save_strategy == "best" and not sharded and not resumable_upload

    @property
    def holds_out_validation(self) -> bool:
        """Whether data without a validation split gets a ``validation_fraction`` of train held out."""
        return self.eval_strategy != "no" and self.validation_fraction > 0

    def __post_init__(self):
        # Checked first: with eval_strategy="no" TrainingArguments would complain about something less to the point.
        if self.report_max_test and self.eval_strategy == "no":
            raise ValueError("report_max_test needs periodic evaluations: set eval_strategy to steps or epoch")
        for name, alias in ARGUMENT_ALIASES:
            if getattr(self, name) is None and getattr(self, alias) is not None:
                setattr(self, name, getattr(self, alias))
        if self.export_mode is None:
            self.export_mode = DEFAULT_EXPORT_MODE
        for name, alias in ARGUMENT_ALIASES:
            setattr(self, alias, getattr(self, name))
        if self.dataloader_pin_memory is None:
            self.dataloader_pin_memory = torch.cuda.is_available()
        if (self.fp16 or self.fp16_full_eval) and (self.use_cpu or not has_accelerator()):
            raise ValueError("--fp16 needs a GPU (on CPU accelerate would silently train in fp32); use --bf16 on CPU")
        self._automatic_fields = ()
        # Before the stock post-init, which reads bf16 (mixed_precision, its bf16-on-CPU check) and save_only_model.
        self._decide_precision()
        self._decide_save_only_model()
        super().__post_init__()
        if self.export_mode not in EXPORT_MODES:
            raise ValueError(
                f"export_mode (PyABSA's save_mode) must be one of {sorted(EXPORT_MODES)}, got {self.export_mode!r}"
            )
        if self.length_group_window < 0:
            raise ValueError(f"length_group_window must be >= 0 batches, got {self.length_group_window}")
        if self.early_stopping_patience is not None and self.early_stopping_patience < 1:
            raise ValueError(
                "early_stopping_patience (PyABSA's patience) must be >= 1 evaluation, "
                f"got {self.early_stopping_patience}"
            )
        if self.evaluate_begin < 0:
            raise ValueError(f"evaluate_begin must be >= 0 epochs, got {self.evaluate_begin}")
        if self.evaluate_begin and self.eval_strategy == IntervalStrategy.EPOCH:
            # Same job as the stock eval_delay when both count epochs.
            if self.eval_delay not in (0, self.evaluate_begin):
                raise ValueError(
                    f"evaluate_begin={self.evaluate_begin} and eval_delay={self.eval_delay} disagree; "
                    "with eval_strategy=epoch both count epochs: set one of them"
                )
            self.eval_delay = self.evaluate_begin
        if self.push_to_hub and self.export_mode == 0:
            raise ValueError("push_to_hub needs a model to upload, but export_mode=0 (save_mode=0) writes none")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")
        if self.backbone_hub_id is not None and not is_hub_model_id(self.backbone_hub_id):
            raise ValueError(f"backbone_hub_id={self.backbone_hub_id!r} is not a Hub model id; expected 'name' or "
                             "'org/name'")
        if self.early_stopping_patience is not None and not self.load_best_model_at_end:
            raise ValueError(
                "early_stopping_patience needs load_best_model_at_end=True (early stopping compares evaluations)"
            )

    @property
    def evaluate_begin_needs_callback(self) -> bool:
        """Whether ``evaluate_begin`` needs `EvaluateBeginCallback`: evaluations every N steps, counted in epochs."""
        return self.evaluate_begin > 0 and self.eval_strategy == IntervalStrategy.STEPS


@dataclass
class APCTrainingArguments(ABSATrainingArguments):
    r"""`ABSATrainingArguments` for aspect polarity classification (`APCTrainer`).

    Adds only what is APC's; every other parameter is documented in `ABSATrainingArguments`.

    Parameters:
        > Stock parameters whose defaults are overridden

        metric_for_best_model (`str`, defaults to `"accuracy"`; stock `None`, i.e. the loss):
            Validation metric that selects the best model: ``accuracy`` or ``f1`` (macro-F1), both from
            `hf_absa.metrics.APCMetrics`.

        > APC parameters

        eta_lr (`float`, defaults to `0.01`):
            Learning rate of the learnable ``eta1``/``eta2`` weights of the LSA blocks and ``bert_spc_v2``: their
            own AdamW group, no weight decay (`APCTrainer.learning_rate_mapping`). PyABSA v2 declares 0.1 but never
            applies it (its eta group is empty); v1, where it worked, used 0.01.

    >>> args = APCTrainingArguments(output_dir="runs/laptop14", eta_lr=0.01, save_mode=2)
    >>> args.lr_scheduler_type.value, args.warmup_steps, args.max_grad_norm, args.export_mode
    ('constant', 0, 0.0, 2)
    >>> APCTrainingArguments(output_dir="runs/laptop14", lr_scheduler_type="cosine", warmup_steps=0.1).warmup_steps
    0.1
    """

    metric_for_best_model: str | None = field(
        default="accuracy", metadata={"help": "Validation metric that selects the best model: accuracy or f1."}
    )
    eta_lr: float = field(
        default=0.01,
        metadata={
            "help": "Learning rate of the learnable eta1/eta2 weights (own AdamW group, no weight decay). "
            "PyABSA v2 declares 0.1 but never applies it (its eta group is empty); v1, where it worked, used 0.01."
        },
    )

    def __post_init__(self):
        super().__post_init__()
        if self.eta_lr <= 0:
            raise ValueError(f"eta_lr must be > 0, got {self.eta_lr}")


# The tag head's default learning rate (`ATEPCTrainingArguments.tag_head_learning_rate`), chosen on Laptop14
# (BENCHMARKS.md, "ATEPC: the tag head's learning rate").
TAG_HEAD_LEARNING_RATE = 3e-3
# The polarity head's default learning rate (`ATEPCTrainingArguments.polarity_head_learning_rate`),
# chosen on Laptop14 and Restaurant14 (BENCHMARKS.md, "ATEPC: the polarity head's learning rate").
POLARITY_HEAD_LEARNING_RATE = 2e-4

# The ATEPC forward arguments that hold labels: the Trainer hands both to compute_metrics as label_ids, in order.
ATEPC_LABEL_NAMES = ("labels", "polarity_labels")


@dataclass
class ATEPCTrainingArguments(ABSATrainingArguments):
    r"""`ABSATrainingArguments` for aspect term extraction + polarity (`ATEPCTrainer`).

    Adds only what is ATEPC's; every other parameter is documented in `ABSATrainingArguments`.

    Parameters:
        > Stock parameters whose defaults are overridden

        metric_for_best_model (`str`, defaults to `"e2e_f1"`; stock `None`, i.e. the loss):
            Validation metric that selects the best model, a key of `hf_absa.metrics.ATEPCMetrics`: ``e2e_f1``
            (main protocol: aspect span and polarity both right, exact spans over de-duplicated sentences),
            ``ate_f1`` (extraction alone), ``apc_accuracy`` / ``apc_f1`` (polarity of the gold aspects) or
            ``pyabsa_ate_f1`` (PyABSA's lenient protocol, for comparison only).
        label_names (`list[str]`, defaults to ``["labels", "polarity_labels"]``):
            The tag labels and the polarity labels, both handed to the metrics.

        > ATEPC parameters

        tag_head_learning_rate (`float`, defaults to `TAG_HEAD_LEARNING_RATE`):
            Learning rate of the tag head (the model's ``classifier``, the linear layer that tags every token): its
            own AdamW group, no weight decay (`ATEPCTrainer.learning_rate_mapping`); 0 = no group of its own (one
            rate, ``learning_rate``, for every parameter, as in PyABSA).
            At a backbone rate such as 2e-5 a freshly initialised linear tagger barely moves in a few hundred
            steps, so extraction waits for the backbone to fit a random projection; its own larger rate makes
            extraction learn several times faster per step (measured in BENCHMARKS.md, "ATEPC: the tag head's
            learning rate"). PyABSA has no such group (one rate for everything).
        polarity_head_learning_rate (`float`, defaults to `POLARITY_HEAD_LEARNING_RATE`):
            Learning rate of the polarity head, every layer of it above the backbone (the LCF models' self-attention
            encoders and linear layers, the model's ``head_pooler``, dense + tanh over the aspect's features, and
            ``polarity_classifier``, the linear layer that scores the polarities): their own AdamW group, no weight
            decay; 0 = no group of its own (``learning_rate``, as in PyABSA).
            Like the tagger, these fresh layers barely move at a backbone rate: ``bert_base_atepc``, whose polarity
            head is only the pooler and the classifier, predicted the majority polarity for every aspect after one
            epoch on Restaurant14 (macro-F1 29); a larger rate here trades a little extraction F1 for much better
            polarity (measured in BENCHMARKS.md, "ATEPC: the polarity head's learning rate"); ``fast_lcf_atepc``'s
            encoders left at the backbone rate kept giving both aspects of a sentence one polarity (BENCHMARKS.md,
            "ATEPC: aspects that disagree").

    >>> args = ATEPCTrainingArguments(output_dir="runs/laptop14")
    >>> args.tag_head_learning_rate == TAG_HEAD_LEARNING_RATE, args.polarity_head_learning_rate == POLARITY_HEAD_LEARNING_RATE
    (True, True)
    """

    metric_for_best_model: str | None = field(
        default="e2e_f1",
        metadata={"help": "Validation metric that selects the best model: e2e_f1 (main protocol, span and "
                  "polarity both right), ate_f1, apc_accuracy, apc_f1 or pyabsa_ate_f1."},
    )
    label_names: list[str] | None = field(
        default_factory=lambda: list(ATEPC_LABEL_NAMES),
        metadata={"help": "The label columns handed to the metrics: the tags, then the polarities."},
    )
    tag_head_learning_rate: float = field(
        default=TAG_HEAD_LEARNING_RATE,
        metadata={"help": "Learning rate of the tag head (the linear layer that tags every token): its own AdamW "
                  "group, no weight decay; 0 = learning_rate for every parameter, as in PyABSA. A fresh linear tagger at a backbone rate such as "
                  "2e-5 learns slowly."},
    )

    polarity_head_learning_rate: float = field(
        default=POLARITY_HEAD_LEARNING_RATE,
        metadata={"help": "Learning rate of the polarity head's layers above the backbone (encoders, aspect pooler, "
                  "polarity classifier): their own AdamW group, no weight decay; 0 = learning_rate, as in PyABSA. At a "
                  "backbone rate such as 2e-5 they learn slowly."},
    )

    def __post_init__(self):
        super().__post_init__()
        for name in ("tag_head_learning_rate", "polarity_head_learning_rate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 (0: no group of its own), got {getattr(self, name)}")
