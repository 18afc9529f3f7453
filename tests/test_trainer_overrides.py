"""Guard for the private `transformers.Trainer` methods hf_absa overrides (hf_absa/training/_trainer_overrides.py).

When transformers changes a signature or the order of the stock steps the overrides rely on, these tests fail and
name what changed, instead of checkpoints silently going unstaged or the sampler unused.
"""

import inspect
import os
import tomllib
from pathlib import Path

import transformers
from packaging.requirements import Requirement
from transformers import Trainer
from transformers.trainer_utils import rotate_checkpoints  # noqa: F401  (named in the fake's source below)

from hf_absa.training import ABSATrainer, APCTrainer
from hf_absa.training._trainer_overrides import (
    RELIED_UPON_SIGNATURES,
    TESTED_TRANSFORMERS,
    TrainerOverridesMixin,
    incompatibilities,
)

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_installed_transformers_provides_what_the_overrides_rely_on():
    problems = incompatibilities()
    assert not problems, (
        f"transformers {transformers.__version__} changed what hf_absa/training/_trainer_overrides.py relies on "
        f"(tested with {TESTED_TRANSFORMERS}.x); adapt the overrides, then the pin in pyproject.toml:\n"
        + "\n".join(problems)
    )


class ChangedTrainer(Trainer):
    """A Trainer whose internals moved: a new parameter, and the push before the trainer state is written."""

    def _get_output_dir(self, trial, run_name=None):
        return self.args.output_dir

    def _save_checkpoint(self, model, trial):
        checkpoint_folder = f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"  # noqa: F821
        run_dir = self._get_output_dir(trial=trial)
        output_dir = os.path.join(run_dir, checkpoint_folder)
        self.save_model(output_dir, _internal_call=True)
        best_checkpoint_dir = os.path.join(run_dir, best_checkpoint_folder)  # noqa: F821
        self.state.best_model_checkpoint = best_checkpoint_dir
        self._push_from_checkpoint(output_dir)
        self.state.save_to_json(os.path.join(output_dir, TRAINER_STATE_NAME))  # noqa: F821
        rotate_checkpoints(run_dir)


def test_the_guard_names_a_changed_signature_and_a_changed_order():
    problems = incompatibilities(ChangedTrainer)
    assert any(p.startswith("ChangedTrainer._get_output_dir parameters changed") and "run_name=None" in p
               for p in problems), problems
    assert any(p.startswith("ChangedTrainer._save_checkpoint no longer runs") and "in the expected order" in p
               for p in problems), problems
    assert not any("_push_from_checkpoint parameters" in p or "push_to_hub" in p for p in problems), problems


def test_private_overrides_live_only_in_the_mixin():
    private_of_trainer = {name for name in vars(Trainer) if name.startswith("_") and not name.startswith("__")}
    for trainer_class in (ABSATrainer, APCTrainer):
        outside = sorted(name for name in vars(trainer_class) if name in private_of_trainer)
        assert not outside, f"{trainer_class.__name__} overrides private Trainer methods outside the mixin: {outside}"
    overridden = {name for name in vars(TrainerOverridesMixin) if name in private_of_trainer}
    assert overridden == {"_get_train_sampler", "_get_eval_sampler", "_save_checkpoint", "_get_output_dir",
                          "_push_from_checkpoint"}
    assert overridden <= set(RELIED_UPON_SIGNATURES)
    for name in overridden:  # each override keeps the stock parameters
        stock = inspect.signature(getattr(Trainer, name)).parameters
        assert list(inspect.signature(getattr(TrainerOverridesMixin, name)).parameters) == list(stock), name


def test_pyproject_pins_the_tested_transformers_minor():
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    requirement = next(Requirement(d) for d in dependencies if Requirement(d).name == "transformers")
    assert transformers.__version__ in requirement.specifier
    major, minor = map(int, TESTED_TRANSFORMERS.split("."))
    assert f"{major}.{minor}.0" in requirement.specifier and f"{major}.{minor + 1}.0" not in requirement.specifier
    assert f"{major}.{minor - 1}.99" not in requirement.specifier
