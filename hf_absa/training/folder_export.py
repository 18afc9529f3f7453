"""Export a model folder that training already wrote in another export mode (``hf-absa export``).

A run trained with ``--export_mode 1`` can be turned into a mode-2 folder (loads without hf_absa) or a mode-3
folder (plus the fine-tuned backbone as a stock transformers model) without training again, as PyABSA users do
when they change ``save_mode``. The weights, config and tokenizer are read from the folder and written anew by
`export_checkpoint`; ``training_args.json`` (with the new ``export_mode``) and ``all_results.json`` come along,
and the model card is rendered again for the new folder (its snippets follow the mode).

(Skipped in the test suite: it needs a trained folder; tests/test_folder_export.py trains one.)

>>> export_folder("runs/laptop14", "runs/laptop14-remote-code", export_mode=2)  # doctest: +SKIP
PosixPath('runs/laptop14-remote-code')
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import transformers
from safetensors import SafetensorError
from transformers import AutoTokenizer
from transformers.utils import SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME

from ..files import atomic_write
from .atepc_trainer import ATEPCTrainer
from .export import TRAINING_ARGS_JSON, export_checkpoint
from .hub import card_data_for_folder
from .model_card_base import METRICS_FILE, MODEL_CARD_NAME
from .trainer import APCTrainer

# The transformers Auto class that loads (and, in mode 2, ``auto_map`` names for) each task's models, by the
# config key that marks the task (the cards' ``model_type_key``).
AUTO_MODEL_CLASSES: dict[str, str] = {
    APCTrainer.model_card_data_class.model_type_key: APCTrainer.auto_model_class,
    ATEPCTrainer.model_card_data_class.model_type_key: ATEPCTrainer.auto_model_class,
}
EXPORTABLE_MODES: tuple[int, ...] = (1, 2, 3)
# What a saved folder must hold besides config.json: safetensors weights (one file or an index of shards) and a
# tokenizer (a fast tokenizer's tokenizer.json, or at least its tokenizer_config.json).
WEIGHT_FILES: tuple[str, ...] = (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME)
TOKENIZER_FILES: tuple[str, ...] = ("tokenizer.json", "tokenizer_config.json")


def export_folder(folder: str | os.PathLike, output_dir: str | os.PathLike, export_mode: int) -> Path:
    """Write the model of ``folder`` (written by ``hf-absa train`` or a trainer's ``save_model``) to the new folder
    ``output_dir`` in ``export_mode`` (1, 2 or 3; `hf_absa.training.EXPORT_MODES`). Returns ``output_dir``.

    The source folder is only read. Checkpoints (``checkpoint-*``) and ``trainer_state.json`` stay behind.

    Raises:
        ValueError: ``export_mode`` is not 1, 2 or 3; ``output_dir`` is ``folder``, inside it, a file or a folder
            that is not empty; ``folder`` holds no hf_absa model (no ``config.json``, or one that names no APC or
            ATEPC architecture), or files that cannot be loaded (truncated weights, a broken tokenizer).
        FileNotFoundError: ``folder`` is not a folder, or holds no safetensors weights or no tokenizer.
    """
    folder, output_dir = Path(folder), Path(output_dir)
    if export_mode not in EXPORTABLE_MODES:
        raise ValueError(f"export_mode must be one of {EXPORTABLE_MODES} (0 writes no model), got {export_mode!r}")
    card = card_data_for_folder(folder, model_id=str(output_dir), export_mode=export_mode)  # checks the folder
    if output_dir.resolve() == folder.resolve():
        raise ValueError(f"output_dir {output_dir} is the folder being exported; export into a new folder")
    if folder.resolve() in output_dir.resolve().parents:
        # A model folder nested in the source would travel with it (hf-absa push uploads the whole folder).
        raise ValueError(f"output_dir {output_dir} is inside the folder being exported; export next to it")
    if output_dir.exists() and not output_dir.is_dir():
        raise ValueError(f"output_dir {output_dir} is a file; expected a new (or empty) folder")
    if output_dir.is_dir() and any(output_dir.iterdir()):
        raise ValueError(f"output_dir {output_dir} is not empty; choose a new folder")
    for names, what in ((WEIGHT_FILES, "weights"), (TOKENIZER_FILES, "tokenizer")):
        if not any((folder / name).is_file() for name in names):
            raise FileNotFoundError(f"{folder} holds no {what} ({' or '.join(names)}); expected a folder written by "
                                    "hf-absa train with export mode 1, 2 or 3")
    auto_class = AUTO_MODEL_CLASSES[card.model_type_key]
    try:
        model = getattr(transformers, auto_class).from_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except (OSError, ValueError, SafetensorError) as error:  # a truncated or foreign file in the folder
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{folder}: the model or its tokenizer cannot be loaded ({first_line})") from error
    export_checkpoint(model, tokenizer, output_dir, mode=export_mode, auto_class=auto_class)
    training_args_path = folder / TRAINING_ARGS_JSON
    if training_args_path.is_file():
        training_args = json.loads(training_args_path.read_text(encoding="utf-8"))
        training_args["export_mode"] = export_mode
        if "save_mode" in training_args:  # the PyABSA-named alias mirrors it
            training_args["save_mode"] = export_mode
        with atomic_write(output_dir / TRAINING_ARGS_JSON) as file:
            file.write(json.dumps(training_args, indent=2) + "\n")
    if (folder / METRICS_FILE).is_file():
        with atomic_write(output_dir / METRICS_FILE) as file:
            file.write((folder / METRICS_FILE).read_text(encoding="utf-8"))
    card.save(output_dir / MODEL_CARD_NAME)
    return output_dir
