"""Command line: ``hf-absa train``, ``hf-absa demo`` (also ``python -m hf_absa ...``).

``train`` is built on `HfArgumentParser`, so every `TrainingArguments` field
is a flag next to the model and data flags. Bad arguments or data print one
line on stderr and exit with code 2; set ``HF_ABSA_DEBUG=1`` for the traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from transformers import HfArgumentParser

EXIT_USAGE = 2
USAGE = """usage: hf-absa <command> [flags]

commands:
  train   train an APC model (hf-absa train --help lists every flag)
  demo    fine-tune all-MiniLM-L6-v2 on the bundled sample data, test it, predict a sentence
"""


class CommandLineError(Exception):
    """A usage or input error reported as one line, exit code 2."""


class OneLineArgumentParser(HfArgumentParser):
    """`HfArgumentParser` whose errors are one line instead of usage + message."""

    def error(self, message):
        raise CommandLineError(message)


def setup_logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("hf_absa").setLevel(logging.INFO)
    import transformers

    transformers.logging.set_verbosity_warning()


def build_train_parser(prog: str = "hf-absa train") -> OneLineArgumentParser:
    from .training.run import APCDataArguments, APCModelArguments
    from .training.training_args import APCTrainingArguments

    return OneLineArgumentParser((APCModelArguments, APCDataArguments, APCTrainingArguments), prog=prog)


def parse_train_args(argv: Sequence[str], defaults: dict | None = None):
    """Parse ``hf-absa train`` flags into (model, data, training) argument dataclasses."""
    parser = build_train_parser()
    if defaults:
        parser.set_defaults(**defaults)
    model_args, data_args, training_args = parser.parse_args_into_dataclasses(args=list(argv))
    return model_args, data_args, training_args


def default_output_dir(argv: Sequence[str], name: str) -> dict:
    if any(arg == "--output_dir" or arg.startswith("--output_dir=") for arg in argv):
        return {}
    return {"output_dir": os.path.join("runs", name)}


def run_train(argv: Sequence[str]) -> int:
    from .training.run import train_apc

    dataset = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--dataset"), "sample")
    model_args, data_args, training_args = parse_train_args(
        argv, defaults=default_output_dir(argv, os.path.basename(dataset.rstrip("/")) or "run")
    )
    metrics, trainer = train_apc(model_args, data_args, training_args)
    if trainer.is_world_process_zero():
        print_results(metrics, training_args.output_dir)
    return 0


def print_results(metrics: dict, output_dir: str) -> None:
    shown = {k: v for k, v in metrics.items() if k.startswith(("test_", "eval_")) and isinstance(v, float)}
    for key in ("train_samples_per_second", "train_runtime"):
        if key in metrics:
            shown[key] = metrics[key]
    width = max(len(k) for k in shown) if shown else 0
    print("\nResults (all_results.json in %s):" % output_dir)
    for key in sorted(shown):
        print(f"  {key:<{width}}  {shown[key]:.4f}")


def run_demo(argv: Sequence[str]) -> int:
    from .demo import run_demo as demo

    return demo(argv)


COMMANDS = {"train": run_train, "demo": run_demo}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0 if argv else EXIT_USAGE
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"hf-absa: error: unknown command {command!r}; expected one of {', '.join(COMMANDS)}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging()
    try:
        return COMMANDS[command](rest)
    except (CommandLineError, ValueError, FileNotFoundError, NotADirectoryError, KeyError) as error:
        if os.environ.get("HF_ABSA_DEBUG"):
            raise
        message = " ".join(str(error.args[0] if isinstance(error, KeyError) and error.args else error).split())
        print(f"hf-absa {command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
