"""``hf-absa push``: upload a trained model folder with its model card to the Hugging Face Hub."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..training.hub import push_to_hub
from ._common import OneLineArgumentParser

HELP = "upload a trained model folder with its model card to the Hugging Face Hub (hf-absa push --help)"


@dataclass
class PushArguments:
    """``hf-absa push`` flags."""

    folder: str = field(metadata={"help": "The trained model folder (hf-absa train --output_dir)."})
    repo_id: str = field(metadata={"help": "Hub repository, e.g. me/laptop14-fast-lsa-t-v2."})
    private: bool = field(default=False, metadata={"help": "Create the repository private."})
    revision: str | None = field(default=None, metadata={"help": "Branch to push to (created if missing; default main)."})
    token: str | None = field(
        default=None, metadata={"help": "Hub token (default: the one `hf auth login` stored, or $HF_TOKEN)."}
    )
    dataset: str | None = field(
        default=None, metadata={"help": "Training data name for the model card, when the folder does not say."}
    )
    base_model: str | None = field(
        default=None,
        metadata={"help": "The backbone's Hub id (org/name) for the card's base_model, when the card does not know "
                  "it (a local backbone folder)."},
    )
    language: list[str] | None = field(
        default=None, metadata={"help": "The model's language codes for the card (default: the training data's)."}
    )
    license: str | None = field(
        default=None, metadata={"help": "The model's licence for the card (default: the backbone card's)."}
    )
    commit_message: str = field(default="Upload hf_absa model", metadata={"help": "The commit message."})


def make_parser() -> OneLineArgumentParser:
    return OneLineArgumentParser(
        PushArguments, prog="hf-absa push",
        description="Upload a folder written by `hf-absa train` to a Hub model repository (created if missing), "
        "with its README.md model card rendered for that repository. Checkpoints and pickles stay local.",
    )


def main(argv: Sequence[str]) -> int:
    (args,) = make_parser().parse_args_into_dataclasses(args=list(argv))
    commit = push_to_hub(
        args.folder, args.repo_id, token=args.token, private=args.private or None, revision=args.revision,
        commit_message=args.commit_message, dataset=args.dataset, base_model=args.base_model,
        language=(args.language[0] if len(args.language) == 1 else args.language) if args.language else None,
        license=args.license,
    )
    print(f"Uploaded {args.folder} to {getattr(commit, 'commit_url', None) or args.repo_id}")
    return 0
