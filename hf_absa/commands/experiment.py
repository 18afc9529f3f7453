"""``hf-absa experiment``: every ``hf-absa train`` flag plus ``--architectures``, ``--backbones``, ``--seeds``,
``--cross_validate_fold`` and ``--plots/--no_plots``.

    hf-absa experiment --dataset laptop14 --architectures bert_spc fast_lsa_t_v2 --seeds 1 2 3 \\
        --num_train_epochs 3 --output_dir runs/compare

The plural flags take several values and replace their singular
(``--architectures`` replaces ``--architecture``); giving both is an error.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..experiments.plots import require_matplotlib
from ..experiments.runner import SUMMARY_JSON, ExperimentArguments, run_experiment, summary_markdown
from . import train
from ._common import CommandLineError, dataset_name, default_output_dir, flag_given

HELP = "repeat and compare: --seeds, --architectures, --backbones, --cross_validate_fold; summary tables and plots"
# Each list-valued experiment flag and the single-valued flags (with their aliases) it replaces.
REPLACED_FLAGS = {
    "--architectures": ("--apc_model", "--atepc_model", "--architecture"),
    "--backbones": ("--model_name_or_path", "--backbone"),
    "--seeds": ("--seed",),
}


def make_parser():
    return train.make_parser("hf-absa experiment", extra=(train.TaskArguments, ExperimentArguments))


def main(argv: Sequence[str]) -> int:
    for plural, singles in REPLACED_FLAGS.items():
        for single in singles:
            if flag_given(argv, plural) and flag_given(argv, single):
                raise CommandLineError(f"{plural} replaces {single}; give only one of them")
    _, experiment_args, model_args, data_args, training_args = train.parse(
        argv, defaults=default_output_dir(argv, f"{dataset_name(argv)}-experiment"), prog="hf-absa experiment",
        extra=(train.TaskArguments, ExperimentArguments),
    )
    if experiment_args.plots:
        try:
            require_matplotlib()  # before hours of training, not after
        except ImportError as error:
            raise CommandLineError(str(error)) from None
    summary = run_experiment(experiment_args, model_args, data_args, training_args, train.task_of(argv))
    if training_args.should_save:
        print(summary_markdown(summary))
        print(f"({SUMMARY_JSON}, summary.md and plots in {training_args.output_dir})")
    return 0
