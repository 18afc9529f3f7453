"""Every private `transformers.Trainer` method hf_absa overrides, in one mixin, checked against transformers 5.24.

`ABSATrainer` uses public hooks wherever they do the job (``__init__``,
``get_optimizer_cls_and_kwargs``, ``train``, ``save_model``,
``create_model_card``, callbacks). What is left needs the Trainer's private
methods, because no public hook reaches it:

- **the training sampler** (``_get_train_sampler``): the stock
  ``get_train_dataloader`` asks this method for the sampler
  (transformers 5.24 ``trainer.py:916-935``, ``sampler_fn=self._get_train_sampler``);
  overriding ``get_train_dataloader`` instead would copy its whole body.
  The override only delegates to the public hook `ABSATrainer.build_train_sampler`.
- **the evaluation sampler** (``_get_eval_sampler``, asked for by ``get_eval_dataloader`` and
  ``get_test_dataloader`` the same way): the stock one shuffles evaluation and ``predict`` under
  ``group_by_length``; the override reads in order (`ABSATrainer.get_eval_dataloader`, public, hands evaluation
  a length-sorted view).
- **staged checkpoints** (``_save_checkpoint``, ``_get_output_dir``,
  ``_push_from_checkpoint``): ``checkpoint-N`` is written under a hidden
  folder and renamed into place once complete. A callback cannot do it:
  ``on_save`` runs after the stock ``_save_checkpoint`` has written
  ``checkpoint-N`` in place and rotated the old ones (``trainer.py:3363-3431``),
  and nothing public chooses where it writes. Completeness alone
  (`hf_absa.training.checkpoints.is_complete_checkpoint`) is not enough: the
  stock ``get_last_checkpoint`` (``trainer_utils.py:270``) and
  ``rotate_checkpoints`` (``:342``, "always preserves the most recent") take
  any ``checkpoint-N`` folder for a complete one, and writing in place over an
  existing ``checkpoint-N`` (a resumed run) would mix old and new files under
  an old ``trainer_state.json``.

`incompatibilities` lists what of the above a given transformers version no
longer provides; ``tests/test_trainer_overrides.py`` fails with that list, so an
upgrade of transformers that breaks an assumption is caught by the suite, not
by a user's half-staged checkpoint. pyproject.toml pins transformers to the
tested minor version for the same reason.
"""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

import torch

from transformers import Trainer
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, rotate_checkpoints

from ..files import replace_directory
from .checkpoints import PARTIAL_CHECKPOINTS_DIR

TESTED_TRANSFORMERS = "5.24"

# Parameters (name, or name=default) of the stock methods the mixin overrides or calls with private arguments.
RELIED_UPON_SIGNATURES = {
    "_get_train_sampler": ("self", "train_dataset=None"),
    "_get_eval_sampler": ("self", "eval_dataset"),
    "_save_checkpoint": ("self", "model", "trial"),
    "_get_output_dir": ("self", "trial"),
    "_push_from_checkpoint": ("self", "checkpoint_folder"),
    "save_model": ("self", "output_dir=None", "_internal_call=False"),
    "get_optimizer_cls_and_kwargs": ("args", "model=None"),
}

# Statements of stock methods that the overrides rely on, in the order they must appear in the method's source.
RELIED_UPON_SOURCE_ORDER = {
    # The staging override redirects `run_dir` (via _get_output_dir), fixes best_model_checkpoint, re-saves the
    # state, pushes and rotates itself once the folder is renamed: all after these steps, in this order.
    "_save_checkpoint": (
        'checkpoint_folder = f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"',
        "run_dir = self._get_output_dir(trial=trial)",
        "output_dir = os.path.join(run_dir, checkpoint_folder)",
        "self.save_model(output_dir, _internal_call=True)",
        "best_checkpoint_dir = os.path.join(run_dir, best_checkpoint_folder)",
        "self.state.best_model_checkpoint = best_checkpoint_dir",
        "self.state.save_to_json(os.path.join(output_dir, TRAINER_STATE_NAME))",
        "self._push_from_checkpoint(output_dir)",
        "rotate_checkpoints(",
    ),
    "get_train_dataloader": ("sampler_fn=self._get_train_sampler",),
    "get_eval_dataloader": ("sampler_fn=self._get_eval_sampler",),
    # ABSATrainer.save_model exports whenever the target is output_dir, including push_to_hub's own save, which
    # must come before the card and the upload of output_dir.
    "push_to_hub": (
        "self.save_model(_internal_call=True)",
        "self.create_model_card(",
        "folder_path=self.args.output_dir",
    ),
    # ABSATrainer.save_model pushes a user-level save itself, after the export, as the stock one does here.
    "save_model": ("if self.args.push_to_hub and not _internal_call:",),
    # The extra-lr parameter groups reach the optimizer through `optimizer_dict`; a user's
    # `optimizer_cls_and_kwargs` bypasses get_optimizer_cls_and_kwargs (ABSATrainer.__init__ reroutes it).
    "create_optimizer": (
        "if self.optimizer_cls_and_kwargs is not None:",
        "self.get_optimizer_cls_and_kwargs(self.args, opt_model)",
        'optimizer_grouped_parameters = optimizer_kwargs.pop("optimizer_dict")',
    ),
}


def _parameters(function) -> tuple[str, ...]:
    parameters = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        default = "" if parameter.default is parameter.empty else f"={parameter.default!r}"
        parameters.append(parameter.name + default)
    return tuple(parameters)


def incompatibilities(trainer_class=None) -> list[str]:
    """What the private overrides rely on and ``trainer_class`` (default: `transformers.Trainer`) does not provide.

    Empty when everything holds; otherwise one line per broken assumption, naming the method, what was expected
    and what was found.
    """
    trainer_class = Trainer if trainer_class is None else trainer_class
    problems = []
    for name, expected in RELIED_UPON_SIGNATURES.items():
        method = getattr(trainer_class, name, None)
        if method is None:
            problems.append(f"{trainer_class.__name__}.{name} no longer exists")
            continue
        found = _parameters(method)
        if found != expected:
            problems.append(f"{trainer_class.__name__}.{name} parameters changed: expected {expected}, found {found}")
    for name, statements in RELIED_UPON_SOURCE_ORDER.items():
        method = getattr(trainer_class, name, None)
        if method is None:
            problems.append(f"{trainer_class.__name__}.{name} no longer exists")
            continue
        source = inspect.getsource(method)
        position = 0
        for statement in statements:
            found_at = source.find(statement, position)
            if found_at < 0:
                where = "at all" if statement not in source else "in the expected order"
                problems.append(f"{trainer_class.__name__}.{name} no longer runs {statement!r} {where}")
                break
            position = found_at + len(statement)
    return problems


class TrainerOverridesMixin:
    """The private `transformers.Trainer` overrides of `ABSATrainer`; put it before ``Trainer`` in the bases.

    Expects the public hook ``build_train_sampler(dataset) -> Sampler | None`` on the class it is mixed into.
    """

    # Set only while the stock _save_checkpoint runs: the staging folder its run folder is redirected to.
    _checkpoint_staging_root: str | None = None

    def _get_train_sampler(self, train_dataset=None):
        # Stock: trainer.py:1071, called by get_train_dataloader (trainer.py:932) through `sampler_fn`.
        dataset = self.train_dataset if train_dataset is None else train_dataset
        sampler = self.build_train_sampler(dataset)
        return sampler if sampler is not None else super()._get_train_sampler(train_dataset)

    def _get_eval_sampler(self, eval_dataset):
        # Stock: trainer.py:1147, called by get_eval_dataloader and get_test_dataloader through `sampler_fn`. Under
        # train_sampling_strategy="group_by_length" (our default) it draws evaluation AND prediction batches from a
        # seeded LengthGroupedSampler: `Trainer.predict` then returns its rows shuffled against the dataset, and
        # small evaluation sets are padded to 2.3x their tokens. Here both read their dataset in order (one
        # process; under DDP, None lets accelerate shard it in order, as the stock sampler does for other
        # strategies); ABSATrainer.get_eval_dataloader hands evaluation a length-sorted view instead.
        if eval_dataset is None:
            return None
        return torch.utils.data.SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None

    def _get_output_dir(self, trial) -> str:
        # Stock: trainer.py:3344. Also called outside checkpoint saves (trainer.py:2028, trainer_jit_checkpoint.py:51),
        # where it is left alone.
        run_dir = super()._get_output_dir(trial)
        return os.path.join(run_dir, PARTIAL_CHECKPOINTS_DIR) if self._checkpoint_staging_root else run_dir

    def _save_checkpoint(self, model, trial) -> None:
        """Write ``checkpoint-N`` complete or not at all: staged under a hidden folder, renamed once written.

        The stock method (trainer.py:3363-3431) runs unchanged with its run folder pointed at
        ``.partial-checkpoints`` (every rank writes its part there: weights, optimizer, RNG states,
        DeepSpeed/FSDP shards); after a barrier the writer renames the folder into place, fixes
        ``best_model_checkpoint`` (the stock method names the staging path), pushes it when ``hub_strategy``
        asks (an upload reads the folder later, so never the staging one) and rotates the checkpoints of the
        real run folder.
        """
        run_dir = self._get_output_dir(trial)
        staging_root = os.path.join(run_dir, PARTIAL_CHECKPOINTS_DIR)
        name = f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
        staged, final = os.path.join(staging_root, name), os.path.join(run_dir, name)
        if self.args.should_save:
            shutil.rmtree(staging_root, ignore_errors=True)  # what a run killed while saving left behind
        self.accelerator.wait_for_everyone()
        self._checkpoint_staging_root = staging_root
        try:
            super()._save_checkpoint(model, trial)
        finally:
            self._checkpoint_staging_root = None
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

    def _push_from_checkpoint(self, checkpoint_folder: str) -> None:
        # Stock: trainer.py:4431, called by _save_checkpoint (trainer.py:3420) with the staging folder.
        if self._checkpoint_staging_root:
            return  # _save_checkpoint pushes the checkpoint once it is renamed into place
        super()._push_from_checkpoint(checkpoint_folder)
