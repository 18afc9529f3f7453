"""Command line: ``hf-absa train``, ``hf-absa experiment``, ``hf-absa predict``, ``hf-absa push``,
``hf-absa demo`` (also ``python -m hf_absa ...``).

``train`` is built on `HfArgumentParser`, so every `TrainingArguments` field
is a flag next to the model and data flags. ``predict`` classifies marked
sentences given as arguments, or a whole file into JSON Lines::

    hf-absa predict --model runs/demo "The [B-ASP]battery[E-ASP] dies fast"
    hf-absa predict --model runs/demo --input test.inference --output predictions.jsonl

Bad arguments or data print one line on stderr and exit with code 2; set
``HF_ABSA_DEBUG=1`` for the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from transformers import HfArgumentParser

EXIT_USAGE = 2
USAGE = """usage: hf-absa <command> [flags]

commands:
  train   train an APC model (hf-absa train --help lists every flag)
  experiment
          repeat and compare: --seeds, --models, --backbones, --cross_validate_fold; summary tables and plots
  predict classify the aspects of marked sentences or of a file with a trained model (hf-absa predict --help)
  push    upload a trained model folder with its model card to the Hugging Face Hub (hf-absa push --help)
  demo    fine-tune all-MiniLM-L6-v2 on the bundled sample data, test it, predict a sentence
"""


class CommandLineError(Exception):
    """A usage or input error reported as one line, exit code 2."""


class OneLineErrors:
    """Argument-parser mixin: errors are one line (a `CommandLineError`) instead of usage + message."""

    def error(self, message):
        raise CommandLineError(message)


class OneLineArgumentParser(OneLineErrors, HfArgumentParser):
    """`HfArgumentParser` whose errors are one line."""


class OneLinePlainParser(OneLineErrors, argparse.ArgumentParser):
    """`argparse.ArgumentParser` whose errors are one line."""


def setup_logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("hf_absa").setLevel(logging.INFO)
    import transformers

    transformers.logging.set_verbosity_warning()


def build_train_parser(prog: str = "hf-absa train", extra: tuple = ()) -> OneLineArgumentParser:
    """The ``train`` flags; ``extra`` dataclasses come first (``hf-absa experiment`` adds its own)."""
    from .training.run import APCDataArguments, APCModelArguments
    from .training.training_args import APCTrainingArguments

    return OneLineArgumentParser((*extra, APCModelArguments, APCDataArguments, APCTrainingArguments), prog=prog)


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


def dataset_name(argv: Sequence[str]) -> str:
    """The last path part of ``--dataset`` (default ``sample``), to name a default output folder."""
    dataset = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--dataset"), "sample")
    return os.path.basename(dataset.rstrip("/")) or "run"


def run_train(argv: Sequence[str]) -> int:
    from .training.run import train_apc

    model_args, data_args, training_args = parse_train_args(argv, defaults=default_output_dir(argv, dataset_name(argv)))
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
    max_test = {k: v for k, v in metrics.items() if k.startswith("max_test_") and isinstance(v, float)}
    if max_test:
        print(
            f"PyABSA protocol (--report_max_test): maximum over {metrics.get('max_test_evaluations', '?')} test "
            "evaluations during training; optimistic, only for comparison with PyABSA's published numbers:"
        )
        for key in sorted(max_test):
            print(f"  {key:<{width}}  {max_test[key]:.4f}")


def build_predict_parser() -> OneLinePlainParser:
    from .inference import PRECISIONS

    parser = OneLinePlainParser(
        prog="hf-absa predict",
        description="Predict the polarity of each marked aspect with a trained hf_absa checkpoint.",
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT",
                        help="a sentence with its aspects marked, e.g. 'The [B-ASP]battery[E-ASP] dies fast'")
    parser.add_argument("--model", required=True, help="checkpoint folder (hf-absa train output) or Hub model id")
    parser.add_argument("--input", metavar="FILE", help="a .inference file or a 3-line $T$ file to predict")
    parser.add_argument("--output", metavar="FILE.jsonl", help="where --input's predictions go (JSON Lines)")
    parser.add_argument("--json", action="store_true", help="print JSON (one object per text, or --input's report)")
    parser.add_argument("--batch_size", type=int, default=32, help="examples per forward pass (default 32)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1... (default: cuda when available)")
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32",
                        help="fp32, bf16 (autocast) or int8 (dynamic quantisation, CPU only); default fp32")
    parser.add_argument("--compile", action="store_true", help="run the model through torch.compile")
    parser.add_argument("--strict", action="store_true",
                        help="with --input: stop at an .inference line whose labels do not match its aspects "
                             "instead of predicting it without reference labels")
    return parser


def run_predict(argv: Sequence[str]) -> int:
    from .inference import SentimentClassifier, format_metrics, format_prediction

    args = build_predict_parser().parse_args(list(argv))
    if args.input and args.texts:
        raise CommandLineError("give either TEXT arguments or --input FILE, not both")
    if not args.input and not args.texts:
        raise CommandLineError("nothing to predict; expected TEXT arguments ('The [B-ASP]battery[E-ASP] dies fast') "
                               "or --input FILE --output FILE.jsonl")
    if bool(args.input) != bool(args.output):
        raise CommandLineError("--input FILE and --output FILE.jsonl go together; expected both")
    import transformers

    # transformers' "Loading weights" bars would interleave with the results and with one-line errors.
    transformers.utils.logging.disable_progress_bar()
    classifier = SentimentClassifier.from_pretrained(
        args.model, device=args.device, precision=args.precision, compile=args.compile, batch_size=args.batch_size
    )
    if args.input:
        report = classifier.predict_file(args.input, args.output, strict=args.strict, progress=True)
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
            return 0
        print(f"{report['sentences']} sentences, {report['aspects']} aspects predicted into {report['output']}")
        if report["metrics"]:
            print(f"\n{report['labelled']} aspects with a reference label:\n{format_metrics(report['metrics'])}")
        return 0
    results = classifier.predict(args.texts)
    if args.json:
        print("\n".join(json.dumps(result, ensure_ascii=False) for result in results))
    else:
        print("\n\n".join(format_prediction(result) for result in results))
    return 0


def build_push_parser() -> OneLinePlainParser:
    parser = OneLinePlainParser(
        prog="hf-absa push",
        description="Upload a folder written by `hf-absa train` to a Hub model repository (created if missing), "
        "with its README.md model card rendered for that repository. Checkpoints and pickles stay local.",
    )
    parser.add_argument("--folder", required=True, help="the trained model folder (hf-absa train --output_dir)")
    parser.add_argument("--repo_id", required=True, help="Hub repository, e.g. me/laptop14-fast-lsa-t-v2")
    parser.add_argument("--private", action="store_true", help="create the repository private")
    parser.add_argument("--revision", help="branch to push to (default: main)")
    parser.add_argument("--token", help="Hub token (default: the one `hf auth login` stored, or $HF_TOKEN)")
    parser.add_argument("--dataset", help="training data name for the model card, when the folder does not say")
    parser.add_argument("--commit_message", default="Upload hf_absa model")
    return parser


def run_push(argv: Sequence[str]) -> int:
    from .hub import push_to_hub

    args = build_push_parser().parse_args(list(argv))
    commit = push_to_hub(
        args.folder, args.repo_id, token=args.token, private=args.private or None, revision=args.revision,
        commit_message=args.commit_message, dataset=args.dataset,
    )
    print(f"Uploaded {args.folder} to {getattr(commit, 'commit_url', None) or args.repo_id}")
    return 0


def run_demo(argv: Sequence[str]) -> int:
    from .demo import run_demo as demo

    return demo(argv)


def run_experiment(argv: Sequence[str]) -> int:
    from .experiments.command import run_experiment_command

    return run_experiment_command(argv)


COMMANDS = {
    "train": run_train,
    "experiment": run_experiment,
    "predict": run_predict,
    "push": run_push,
    "demo": run_demo,
}


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
    except (CommandLineError, ValueError, OSError, KeyError) as error:
        if os.environ.get("HF_ABSA_DEBUG"):
            raise
        message = " ".join(str(error.args[0] if isinstance(error, KeyError) and error.args else error).split())
        print(f"hf-absa {command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        close_process_group()


def close_process_group() -> None:
    """Tear down a torchrun/accelerate process group before the interpreter exits.

    Left to interpreter shutdown, gloo's worker threads are sometimes destroyed
    while still joinable, and a rank dies with "terminate called without an
    active exception" (SIGABRT) after training has finished.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
