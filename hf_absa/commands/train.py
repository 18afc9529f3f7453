"""``hf-absa train``: train a model (``--task apc`` or ``--task atepc``), select it on validation, test it, export it.

Every `APCTrainingArguments` field (hence every stock `TrainingArguments` field) is a flag, next to the model
flags (`hf_absa.training.apc.APCModelArguments`: the backbone and `hf_absa.models.APC_MODEL_SETTINGS`) and the
data flags. PyABSA's repetition options are accepted too: ``--seeds 1 2 3`` and ``--cross_validate_fold K`` run
the experiment runner (summary tables like ``hf-absa experiment``)::

    hf-absa train --dataset laptop14 --architecture fast_lsa_t_v2 --num_train_epochs 3
    hf-absa train --dataset laptop14 --seeds 1 2 3 --cross_validate_fold 5
    hf-absa train --task atepc --dataset laptop14 --data_dir DIR --architecture fast_lcf_atepc

With ``--task atepc`` the flags are those of `hf_absa.training.atepc` (`ATEPCModelArguments`,
`ATEPCDataArguments`, `ATEPCTrainingArguments`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..experiments.runner import ExperimentArguments, run_experiment, summary_markdown
from ..training.apc import APC_TASK
from ..training.atepc import ATEPC_TASK
from ..training.console import PhaseProgressCallback
from ..training.workflow import TrainingTask
from ._common import (
    CommandLineError,
    OneLineArgumentParser,
    dataset_name,
    default_output_dir,
    flag_given,
    print_results,
)

HELP = "train a model (hf-absa train --help lists every flag; --seeds / --cross_validate_fold repeat it)"
# The tasks ``--task`` can name; a new task adds its `TrainingTask` here.
TASKS: dict[str, TrainingTask] = {APC_TASK.name: APC_TASK, ATEPC_TASK.name: ATEPC_TASK}
AMBIGUOUS_MODEL_FLAG = (
    "--model is not a train flag: the architecture is --architecture (also --apc_model, or --atepc_model with "
    "--task atepc), the backbone to start from is --model_name_or_path (also --backbone)"
)


@dataclass
class TaskArguments:
    """``--task``: which `TrainingTask` the model, data and training flags belong to (`task_of` reads it first)."""

    task: str = field(default="apc", metadata={"help": "The task: apc (aspect polarity classification) or atepc "
                                               "(aspect term extraction + polarity).", "choices": list(TASKS)})


@dataclass
class TrainCommandArguments(TaskArguments):
    """What ``train`` adds to the model, data and training arguments."""

    seeds: list[int] | None = field(
        default=None,
        metadata={"help": "Train once per seed (PyABSA's list-valued seed) and summarise mean ± std; "
                  "replaces --seed."},
    )
    cross_validate_fold: int = field(
        default=-1,
        metadata={"help": "k >= 2: stratified k-fold cross-validation over train (PyABSA's option); -1 = off."},
    )
    verbose: bool = field(
        default=False,
        metadata={"help": "The stock Trainer console: every logged dict and a nested bar per evaluation (default: "
                  "one progress bar per phase; the logs are in trainer_state.json either way)."},
    )


def console_callbacks(verbose: bool) -> list:
    """The callbacks that shape the console: one bar per phase, unless ``verbose``."""
    return [] if verbose else [PhaseProgressCallback()]


def task_of(argv: Sequence[str]) -> TrainingTask:
    """The `TrainingTask` that ``--task`` names (default apc): it decides which flags exist."""
    name = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--task"), None)
    name = next((arg.split("=", 1)[1] for arg in argv if arg.startswith("--task=")), name) or "apc"
    if name not in TASKS:
        raise CommandLineError(f"--task {name!r} is not a task; expected one of {', '.join(TASKS)}")
    return TASKS[name]


def make_parser(
    prog: str = "hf-absa train", extra: tuple = (TrainCommandArguments,), task: TrainingTask = APC_TASK
) -> OneLineArgumentParser:
    """The ``train`` flags of ``task``; ``extra`` dataclasses come first (``hf-absa experiment`` passes its own)."""
    arguments = (task.model_arguments, task.data_arguments, task.training_arguments)
    return OneLineArgumentParser((*extra, *arguments), prog=prog)


def check_flags(argv: Sequence[str]) -> None:
    """Flags that would otherwise be misread or fail with an unhelpful message."""
    if flag_given(argv, "--model"):
        raise CommandLineError(AMBIGUOUS_MODEL_FLAG)
    if flag_given(argv, "--seeds") and flag_given(argv, "--seed"):
        raise CommandLineError("--seeds replaces --seed; give only one of them")


def check_task_flags(argv: Sequence[str], parser: OneLineArgumentParser, task: TrainingTask, prog: str,
                     extra: tuple) -> None:
    """Raise a `CommandLineError` for a flag that ``task`` does not take but another task does (``--eta_lr`` with
    ``--task atepc``): argparse would only call it unrecognised, as if it were a typo."""
    own = {option for action in parser._actions for option in action.option_strings}
    unknown = [flag for flag in (arg.split("=", 1)[0] for arg in argv if arg.startswith("--")) if flag not in own]
    if not unknown:
        return
    for other in TASKS.values():
        if other is task:
            continue
        theirs = {option for action in make_parser(prog, extra, other)._actions for option in action.option_strings}
        for flag in unknown:
            if flag in theirs:
                default = "" if flag_given(argv, "--task") else " (the default)"
                raise CommandLineError(f"{flag} is an {other.name.upper()} flag; --task {task.name}{default} does "
                                       f"not take it")


def parse(argv: Sequence[str], defaults: dict | None = None, prog: str = "hf-absa train",
          extra: tuple = (TrainCommandArguments,)):
    """Parse the flags into (``*extra``, model, data, training) argument dataclasses.

    Raises:
        CommandLineError: a flag that is ambiguous, contradicts another or belongs to another task
            (`check_task_flags`), or that the parser refuses.
    """
    check_flags(argv)
    task = task_of(argv)
    parser = make_parser(prog, extra, task)
    check_task_flags(argv, parser, task, prog, extra)
    if defaults:
        parser.set_defaults(**defaults)
    return parser.parse_args_into_dataclasses(args=list(argv))


def main(argv: Sequence[str]) -> int:
    task = task_of(argv)
    command_args, model_args, data_args, training_args = parse(
        argv, defaults=default_output_dir(argv, dataset_name(argv))
    )
    repeated = (command_args.seeds is not None and len(command_args.seeds) > 1) or command_args.cross_validate_fold != -1
    if repeated:
        experiment_args = ExperimentArguments(
            seeds=command_args.seeds, cross_validate_fold=command_args.cross_validate_fold, plots=False
        )
        summary = run_experiment(experiment_args, model_args, data_args, training_args, task)
        if training_args.should_save:
            print(summary_markdown(summary))
        return 0
    if command_args.seeds:
        training_args.seed = command_args.seeds[0]
    metrics, trainer = task.train(model_args, data_args, training_args, console_callbacks(command_args.verbose))
    if trainer.is_world_process_zero():
        print_results(metrics, training_args.output_dir)
    return 0
