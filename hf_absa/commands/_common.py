"""What every command shares: one-line errors, the argument parser, logging, default output folders, results.

A command module (``train.py``, ``predict.py``...) defines ``HELP`` (one line for ``hf-absa --help``),
``make_parser()`` and ``main(argv) -> int``; `hf_absa.cli` only dispatches to them.
"""

from __future__ import annotations

import logging
import os
import traceback
from argparse import ArgumentDefaultsHelpFormatter, ArgumentTypeError
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from transformers import HfArgumentParser
from transformers.hf_argparser import string_to_bool

from ..data.readers import APCDataError
from ..data.registry import DatasetNotFoundError
from ..inference import PRECISIONS

EXIT_USAGE = 2
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class CommandLineError(Exception):
    """A usage or input error reported as one line, exit code 2."""


class StatedDefaultsHelpFormatter(ArgumentDefaultsHelpFormatter):
    """HfArgumentParser's help formatter, minus the ``(default: None)`` it appends to a flag whose help already
    states the effective default ("default: cuda when available"): None there only means "worked out later"."""

    def _get_help_string(self, action):
        help = action.help or ""
        if not action.option_strings or (action.default is None and "default" in help.lower()):
            return help
        return super()._get_help_string(action)


# The --help epilog of a command with TEXT arguments: how a boolean flag reads the word after it.
BOOLEAN_FLAGS_NOTE = (
    "Boolean flags (--json, ...) take an optional value, as every HfArgumentParser flag does: '--json' and "
    "'--json true' turn one on, '--json false' (or no, n, 0) off. So a TEXT right after a boolean flag that is "
    "itself such a word (yes/no, true/false, t/f, y/n, 1/0) is read as the flag's value; put TEXT arguments "
    "after '--' ('--json -- no') to keep them texts."
)


class OneLineArgumentParser(HfArgumentParser):
    """`HfArgumentParser` whose errors are one line (a `CommandLineError`) instead of usage + message, whose
    boolean flags do not swallow a positional argument after them (``--json "some text"``), and whose help states
    the real default of a flag that defaults to None (`StatedDefaultsHelpFormatter`)."""

    def __init__(self, dataclass_types=None, **kwargs):
        kwargs.setdefault("formatter_class", StatedDefaultsHelpFormatter)
        super().__init__(dataclass_types, **kwargs)

    def error(self, message):
        raise CommandLineError(message)

    def parse_args_into_dataclasses(self, args=None, *more, **kwargs):
        if args is not None:
            args = self._with_explicit_booleans(list(args))
        # The argument dataclasses validate themselves in __post_init__ (ValueError): a bad flag value is a usage
        # error, whichever library's dataclass raised it.
        try:
            return super().parse_args_into_dataclasses(args, *more, **kwargs)
        except (ValueError, TypeError) as error:
            raise CommandLineError(str(error)) from error

    def boolean_flags(self) -> set[str]:
        """The option strings of the boolean flags, which take an optional value (``--json``, ``--json false``)."""
        return {option for action in self._actions if action.type is string_to_bool and action.nargs == "?"
                for option in action.option_strings}

    def words_read_as_booleans(self, args: Sequence[str]) -> list[tuple[str, str]]:
        """(flag, word) for each word of ``args`` that a boolean flag before it takes as its value (``--json no``):
        what a command names when it then finds no TEXT argument (`check_texts_or_input`)."""
        flags = self.boolean_flags()
        read = []
        for flag, word in zip(args, args[1:]):
            if flag == "--":
                break
            if flag in flags and not word.startswith("-") and _is_boolean(word):
                read.append((flag, word))
        return read

    def _with_explicit_booleans(self, args: list[str]) -> list[str]:
        """``args`` with ``true`` after each boolean flag followed by a word that is not a boolean value.

        HfArgumentParser's boolean flags take an optional value (``--json``, ``--json false``), so argparse hands
        them the next word whatever it is and ``--json "The battery..."`` fails as a bad boolean. A boolean word
        stays the flag's value (HfArgumentParser's convention, `BOOLEAN_FLAGS_NOTE`).
        """
        flags = self.boolean_flags()
        explicit: list[str] = []
        for index, arg in enumerate(args):
            explicit.append(arg)
            if arg == "--":
                return explicit + args[index + 1:]
            following = args[index + 1] if index + 1 < len(args) else None
            if arg in flags and following is not None and not following.startswith("-") and not _is_boolean(following):
                explicit.append("true")
        return explicit


def _is_boolean(word: str) -> bool:
    """Whether a boolean flag takes ``word`` as its value (`string_to_bool` reads it)."""
    try:
        string_to_bool(word)
    except ArgumentTypeError:
        return False
    return True


def checkpoint_field(help: str) -> Any:
    """The required ``--model_name_or_path`` flag of a prediction command (also ``--model``, ``--checkpoint``)."""
    return field(metadata={"help": help, "aliases": ["--model", "--checkpoint"]})


def output_field() -> Any:
    return field(default=None, metadata={"help": "Where --input's results go (JSON Lines)."})


def json_field() -> Any:
    return field(default=False, metadata={"help": "Print JSON (one object per text, or --input's report)."})


def device_field() -> Any:
    return field(default=None, metadata={"help": "cpu, cuda, cuda:1... (default: cuda when available)."})


PRECISION_HELP = {
    "auto": "auto (bf16 autocast where the device computes in bf16 natively: a CPU with AVX512-BF16 or AMX, a CUDA "
            "GPU that supports it; else fp32; extract decides near-ties of tags and polarities in fp32), fp32, bf16 (autocast) or "
            "int8 (dynamic quantisation, CPU only).",
    "fp32": "fp32, bf16 (autocast), int8 (dynamic quantisation, CPU only) or auto (bf16 where the device computes in "
            "bf16 natively, else fp32).",
}


def precision_field(default: str = "auto") -> Any:
    """The ``--precision`` flag of a prediction command (predict, extract), ``default`` ``"auto"`` or ``"fp32"``."""
    return field(default=default, metadata={"help": PRECISION_HELP[default], "choices": list(PRECISIONS)})


def check_texts_or_input(texts: Sequence[str], input_file: str | None, output_file: str | None, verb: str,
                         example: str, read_as_booleans: Sequence[tuple[str, str]] = ()) -> None:
    """Raise a `CommandLineError` unless the command got either TEXT arguments, none of them empty, or ``--input
    FILE --output FILE.jsonl`` (``verb`` and ``example`` word the error: ``"predict"``, a TEXT example).

    ``read_as_booleans`` (`OneLineArgumentParser.words_read_as_booleans`): when there is no TEXT, the error says
    which word a boolean flag took as its value (``--json no``) and how to pass it as a TEXT instead.

    Raises:
        CommandLineError: neither or both of TEXT and ``--input``; ``--input`` without ``--output`` or the other way
            round; an empty or whitespace-only TEXT (named by its position: nothing could come of it).
    """
    if input_file and texts:
        raise CommandLineError("give either TEXT arguments or --input FILE, not both")
    if not input_file and not texts:
        taken = "".join(f"; {word!r} after {flag} was read as {flag}'s value ({flag} {word} = {flag} "
                        f"{str(string_to_bool(word)).lower()}), write '{flag} -- {word}' for a TEXT {word!r}"
                        for flag, word in read_as_booleans)
        raise CommandLineError(f"nothing to {verb}{taken}; expected TEXT arguments ({example!r}) or --input FILE "
                               "--output FILE.jsonl")
    for position, text in enumerate(texts, start=1):
        if not text.strip():
            raise CommandLineError(f"TEXT argument {position} of {len(texts)} is {'empty' if not text else 'blank'}; "
                                   f"expected a text, e.g. {example!r}")
    if bool(input_file) != bool(output_file):
        raise CommandLineError("--input FILE and --output FILE.jsonl go together; expected both")


def quiet_transformers() -> None:
    """Turn off transformers' progress bars ("Loading weights"), which would interleave with a command's results
    and one-line errors."""
    import transformers

    transformers.utils.logging.disable_progress_bar()


# The package's own user-error types: always reported as one line.
USER_ERRORS = (CommandLineError, APCDataError, DatasetNotFoundError)


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` is a user's mistake (one line, exit 2) rather than a bug (traceback).

    The package's own error types always are. A ValueError or OSError is when hf_absa raised it itself, with a
    message written for the user (a bad argument, a missing file); raised inside another library it may be a bug
    and keeps its traceback. Anything else (KeyError, AttributeError...) is a bug.
    """
    if isinstance(error, USER_ERRORS):
        return True
    if not isinstance(error, (ValueError, OSError)):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(PACKAGE_ROOT)


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def setup_logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("hf_absa").setLevel(logging.INFO)
    import transformers

    transformers.logging.set_verbosity_warning()


def flag_given(argv: Sequence[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in argv)


def default_output_dir(argv: Sequence[str], name: str) -> dict:
    """``{"output_dir": "runs/<name>"}`` unless ``--output_dir`` is given."""
    if flag_given(argv, "--output_dir"):
        return {}
    return {"output_dir": os.path.join("runs", name)}


def dataset_name(argv: Sequence[str]) -> str:
    """The last path part of ``--dataset`` (default ``sample``), to name a default output folder."""
    dataset = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--dataset"), "sample")
    return os.path.basename(dataset.rstrip("/")) or "run"


RESULT_SPLITS = (("eval", "validation"), ("test", "test"))
# Per-split timing figures, not results.
TIMING_NAMES = ("runtime", "samples_per_second", "steps_per_second")


def results_table(metrics: dict) -> str:
    """The validation and test figures of ``metrics`` side by side, one metric a row (``f1`` is macro-F1).

    >>> print(results_table({"eval_accuracy": 0.81, "test_accuracy": 0.8, "test_f1": 0.75, "test_runtime": 2.0}))
    metric    validation    test
    accuracy      0.8100  0.8000
    f1                 –  0.7500
    """
    columns = [(prefix, title) for prefix, title in RESULT_SPLITS
               if any(key.startswith(prefix + "_") for key in metrics)]
    names: list[str] = []
    for prefix, _ in columns:
        for key, value in metrics.items():
            name = key[len(prefix) + 1:]
            if key.startswith(prefix + "_") and isinstance(value, float) and name not in TIMING_NAMES:
                names.append(name)
    names = sorted(dict.fromkeys(names), key=lambda name: (name != "accuracy", name == "loss", name))
    width = max([len("metric"), *map(len, names)])
    widths = [max(len(title), 6) for _, title in columns]
    lines = ["  ".join([f"{'metric':<{width}}", *(f"{title:>{w}}" for (_, title), w in zip(columns, widths))])]
    for name in names:
        cells = []
        for (prefix, _), w in zip(columns, widths):
            value = metrics.get(f"{prefix}_{name}")
            cells.append(f"{value:>{w}.4f}" if isinstance(value, float) else f"{'–':>{w}}")
        lines.append("  ".join([f"{name:<{width}}", *cells]))
    return "\n".join(lines)


def print_results(metrics: dict, output_dir: str) -> None:
    """The validation and test figures of a training run as a table, then its speed and PyABSA's figures."""
    print(f"\nResults (all_results.json in {output_dir}):")
    print(results_table(metrics))
    if "test_split" in metrics:
        print(f"Test: {metrics['test_split']}.")
    if "train_runtime" in metrics:
        precision = f" in {metrics['precision']} ({metrics.get('precision_source', 'flag')})" if "precision" in metrics else ""
        print(f"Training: {metrics['train_runtime']:.1f} s, "
              f"{metrics.get('train_samples_per_second', float('nan')):.1f} examples/s{precision}")
    max_test = {k: v for k, v in metrics.items() if k.startswith("max_test_") and isinstance(v, float)}
    if max_test:
        width = max(len(k) for k in max_test)
        print(
            f"PyABSA protocol (--report_max_test): maximum over {metrics.get('max_test_evaluations', '?')} test "
            "evaluations during training; optimistic, only for comparison with PyABSA's published numbers:"
        )
        for key in sorted(max_test):
            print(f"  {key:<{width}}  {max_test[key]:.4f}")
