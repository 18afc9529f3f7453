"""The command line's commands, one module each: ``HELP``, ``make_parser()`` and ``main(argv) -> int``.

`hf_absa.cli` dispatches to them; they own their argument dataclasses (parsed with `HfArgumentParser`) and
call the library (training, inference, experiments). Nothing below this layer imports them.
"""

from . import demo, experiment, export, extract, predict, push, train

# The commands in the order `hf-absa --help` lists them.
COMMANDS = {"train": train, "experiment": experiment, "predict": predict, "extract": extract, "export": export,
            "push": push, "demo": demo}

__all__ = ["COMMANDS"]
