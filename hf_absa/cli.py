"""Command line: ``hf-absa <command> [flags]`` (also ``python -m hf_absa ...``), a thin dispatcher.

Each command lives in its own module of `hf_absa.commands` (``train``, ``experiment``, ``predict``, ``extract``,
``export``, ``push``, ``demo``). A user's mistake (bad flag, bad data, missing file) prints one line on stderr and exits with
code 2; anything else is a bug and keeps its traceback. Set ``HF_ABSA_DEBUG=1`` for the traceback of a user error too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .commands import COMMANDS
from .commands._common import EXIT_USAGE, is_user_error, one_line, setup_logging


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {module.HELP}" for name, module in COMMANDS.items()]
    return "usage: hf-absa <command> [flags]\n\ncommands:\n" + "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), end="")
        return 0 if argv else EXIT_USAGE
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"hf-absa: error: unknown command {command!r}; expected one of {', '.join(COMMANDS)}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging()
    try:
        return COMMANDS[command].main(rest)
    except Exception as error:
        if os.environ.get("HF_ABSA_DEBUG") or not is_user_error(error):
            raise
        print(f"hf-absa {command}: error: {one_line(error)}", file=sys.stderr)
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
