"""Uploading a saved hf_absa folder to the Hugging Face Hub, with its model card.

A folder written by ``hf-absa train`` / `APCTrainer.save_model` is already what
the Hub needs (safetensors, ``config.json``, tokenizer, the save-mode extras);
`push_to_hub` (re)writes its README.md so that the usage snippets name the
repository, creates the repository if needed and uploads the folder, leaving
checkpoints, staging folders and pickles behind. From a live trainer use
`APCTrainer.push_to_hub` (``--push_to_hub --hub_model_id ID`` on the command line).

Loading by Hub id is transformers' own resolution (``from_pretrained(repo_id)``
downloads into the Hugging Face cache, then reads the same files as a local folder). (Skipped in the test suite:
they need the network and a trained folder.)

>>> from hf_absa import push_to_hub
>>> push_to_hub("runs/laptop14", "me/laptop14-fast-lsa-t-v2")  # doctest: +SKIP
>>> SentimentClassifier.from_pretrained("me/laptop14-fast-lsa-t-v2")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from huggingface_hub import CommitInfo, HfApi

from .atepc_model_card import ATEPCModelCardData
from .model_card import MODEL_CARD_NAME, APCModelCardData
from .model_card_base import ABSAModelCardData

# The card class of each task, found by the config key that marks the task's models.
CARD_CLASSES: tuple[type[ABSAModelCardData], ...] = (APCModelCardData, ATEPCModelCardData)

# Checkpoints (optimizer state, RNG pickles), private/hidden folders (staging) and pickles stay local.
UPLOAD_IGNORE_PATTERNS = ("checkpoint-*", "_*", ".*", "*.pt", "*.pth", "*.bin", "*.pkl", "*.pickle")


def push_to_hub(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool | None = None,
    revision: str | None = None,
    commit_message: str = "Upload hf_absa model",
    write_model_card: bool = True,
    **card_fields,
) -> CommitInfo:
    """Upload the saved model ``folder`` to the Hub repository ``repo_id`` (created if missing).

    ``revision`` names the branch to commit to; a branch that does not exist yet is created from ``main``.

    With ``write_model_card`` the folder's README.md is rendered again from its files for ``repo_id``
    (`card_data_for_folder`: the APC or ATEPC card); ``card_fields`` (``dataset``, ``language``, ``license``,
    ``base_model``, ``tags``, ...) override what the files and the previous card say.

    Raises:
        FileNotFoundError / ValueError: ``folder`` holds no hf_absa model (`card_data_for_folder`).
    """
    folder = Path(folder)
    card = card_data_for_folder(folder, model_id=repo_id, **card_fields)  # also checks the folder
    if write_model_card:
        card.save(folder / MODEL_CARD_NAME)
    api = HfApi(token=token)
    repo_url = api.create_repo(repo_id, private=private, exist_ok=True)
    if revision is not None:
        # upload_folder commits to an existing branch only; a new one is branched off main first.
        api.create_branch(repo_url.repo_id, branch=revision, exist_ok=True)
    return api.upload_folder(
        repo_id=repo_url.repo_id,
        folder_path=folder,
        commit_message=commit_message,
        revision=revision,
        ignore_patterns=list(UPLOAD_IGNORE_PATTERNS),  # a copy: upload_folder extends the list it is given
    )


def card_data_for_folder(folder: str | os.PathLike, **fields) -> ABSAModelCardData:
    """The model card data of the saved model ``folder``, whichever task wrote it (`CARD_CLASSES`).

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: its ``config.json`` belongs to no hf_absa task.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; expected a model folder written by hf-absa train")
    if not (folder / "config.json").is_file():
        raise ValueError(f"{folder} has no config.json; expected a model folder written by hf-absa train")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{folder / 'config.json'} cannot be read as JSON ({error}); expected a model folder "
                         "written by hf-absa train") from None
    for card_class in CARD_CLASSES:
        if card_class.model_type_key in config:
            return card_class.from_folder(folder, **fields)
    keys = " or ".join(card_class.model_type_key for card_class in CARD_CLASSES)
    raise ValueError(f"{folder} holds no hf_absa model (config.json without {keys})")
