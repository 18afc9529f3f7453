"""``hf-absa experiment``: every ``hf-absa train`` flag plus ``--models``, ``--backbones``, ``--seeds``,
``--cross_validate_fold`` and ``--plots/--no_plots``.

    hf-absa experiment --dataset laptop14 --models bert_spc fast_lsa_t_v2 --seeds 1 2 3 \\
        --num_train_epochs 3 --output_dir runs/compare

The plural flags take several values and replace their singular
(``--models`` replaces ``--model``); giving both is an error.
"""

from __future__ import annotations

from collections.abc import Sequence

# Each list-valued experiment flag and the single-valued training flag it replaces.
REPLACED_FLAGS = {"--models": "--model", "--backbones": "--backbone", "--seeds": "--seed"}


def flag_given(argv: Sequence[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in argv)


def run_experiment_command(argv: Sequence[str]) -> int:
    from ..cli import CommandLineError, build_train_parser, dataset_name, default_output_dir
    from .plots import require_matplotlib
    from .runner import SUMMARY_JSON, ExperimentArguments, run_experiment, summary_markdown

    for plural, single in REPLACED_FLAGS.items():
        if flag_given(argv, plural) and flag_given(argv, single):
            raise CommandLineError(f"{plural} replaces {single}; give only one of them")
    parser = build_train_parser("hf-absa experiment", extra=(ExperimentArguments,))
    parser.set_defaults(**default_output_dir(argv, f"{dataset_name(argv)}-experiment"))
    experiment_args, model_args, data_args, training_args = parser.parse_args_into_dataclasses(args=list(argv))
    if experiment_args.plots:
        try:
            require_matplotlib()  # before hours of training, not after
        except ImportError as error:
            raise CommandLineError(str(error)) from None
    summary = run_experiment(experiment_args, model_args, data_args, training_args)
    if training_args.should_save:
        print(summary_markdown(summary))
        print(f"({SUMMARY_JSON}, summary.md and plots in {training_args.output_dir})")
    return 0
