"""``hf-absa export``: write an already-trained model folder again in another export mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..training.folder_export import EXPORTABLE_MODES, export_folder
from ..training.training_args import EXPORT_MODES
from ._common import OneLineArgumentParser

HELP = "write a trained model folder again in another export mode (hf-absa export --help)"


@dataclass
class ExportArguments:
    """``hf-absa export`` flags."""

    folder: str = field(metadata={"help": "The trained model folder (hf-absa train --output_dir)."})
    output_dir: str = field(metadata={"help": "The new folder to write (must not exist or be empty)."})
    export_mode: int = field(
        default=2,
        metadata={
            "help": "Export mode (PyABSA's save_mode; alias --save_mode): "
            + "; ".join(f"{mode} = {EXPORT_MODES[mode]}" for mode in EXPORTABLE_MODES) + ".",
            "aliases": ["--save_mode"],
            "choices": list(EXPORTABLE_MODES),
        },
    )


def make_parser() -> OneLineArgumentParser:
    return OneLineArgumentParser(
        ExportArguments, prog="hf-absa export",
        description="Write the model of a folder that hf-absa train wrote (APC or ATEPC) into a new folder in "
        "another export mode, with its metrics, training arguments and a model card for the new mode, without "
        "training again. The source folder is only read; its checkpoints stay behind.",
    )


def main(argv: Sequence[str]) -> int:
    (args,) = make_parser().parse_args_into_dataclasses(args=list(argv))
    output_dir = export_folder(args.folder, args.output_dir, args.export_mode)
    print(f"Exported {args.folder} into {output_dir} (export mode {args.export_mode}: "
          f"{EXPORT_MODES[args.export_mode]})")
    return 0
