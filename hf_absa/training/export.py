"""Model export in the export modes (PyABSA's save modes), as JSON + safetensors only.

==== =====================================================================
mode what the folder holds
==== =====================================================================
0    nothing: the model is not written
1    ``save_pretrained``: ``model.safetensors`` + ``config.json`` + tokenizer;
     ``from_pretrained`` loads it once ``hf_absa`` is imported
2    mode 1 plus the model code (``configuration_apc.py``, ``modeling_apc.py``
     …) and ``auto_map`` in ``config.json``: loads with
     ``trust_remote_code=True`` where hf_absa is not installed
3    mode 1 plus ``fine-tuned-pretrained-model/``: the fine-tuned backbone
     alone, a stock transformers model + tokenizer (``AutoModel``); a deep
     ensemble's member backbones in ``member-0/``, ``member-1/`` …
==== =====================================================================

Writes are staged: files go to a hidden folder next to their destination and
are moved into place (``os.replace``) only once complete, so a crash while
saving never leaves a truncated file where a good one was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from safetensors.torch import load_file
from transformers.dynamic_module_utils import custom_object_save
from transformers.utils import SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME

from ..files import staged_folder

BACKBONE_EXPORT_DIR = "fine-tuned-pretrained-model"
# The training arguments as JSON: ABSATrainer writes them instead of the pickled training_args.bin.
TRAINING_ARGS_JSON = "training_args.json"
AUTO_MODEL_CLASS = "AutoModelForSequenceClassification"


# Staged writes (a crash never leaves half an export) are `hf_absa.files.staged_folder`; the name is kept here
# for the trainer and the model card.
staged_files = staged_folder


def write_model_code(model, folder: str | os.PathLike, auto_class: str = AUTO_MODEL_CLASS) -> list[str]:
    """Copy the model's code into ``folder`` and add ``auto_map`` to its ``config.json``.

    The code files are the module defining the model class plus the modules it
    imports with single-dot relative imports (transformers'
    ``custom_object_save``); ``hf_absa.models`` is written to need nothing else.
    ``auto_class`` is the transformers Auto class that ``auto_map`` points at the model
    (``AutoModelForSequenceClassification`` for APC). Returns the names of the code files.
    """
    folder = Path(folder)
    config = model.config
    # The auto classes and auto_map are set on the instances only for this write, so later
    # plain (mode-1) saves of the same model stay code-free.
    had_auto_map = "auto_map" in config.__dict__
    previous_auto_map = config.__dict__.get("auto_map")
    config._auto_class = "AutoConfig"
    model._auto_class = auto_class
    try:
        written = custom_object_save(config, folder, config=config)
        written += custom_object_save(model, folder, config=config)
        auto_map = dict(config.auto_map)
    finally:
        del config._auto_class
        del model._auto_class
        if had_auto_map:
            config.auto_map = previous_auto_map
        else:
            config.__dict__.pop("auto_map", None)

    def add_auto_map(data: dict) -> bool:
        data["auto_map"] = auto_map
        return True

    edit_config_json(folder, add_auto_map)
    return [str(Path(path).name) for path in written]


def edit_config_json(folder: str | os.PathLike, edit) -> None:
    """Apply ``edit`` (a function changing the parsed dict in place, returning whether it changed anything) to
    ``folder/config.json``, and write it back as `save_pretrained` formats it when it did."""
    config_path = Path(folder) / "config.json"
    data = json.loads(config_path.read_text(encoding="utf-8"))
    if edit(data):
        config_path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def drop_auto_map(folder: str | os.PathLike) -> None:
    """Remove ``auto_map`` from ``folder/config.json``: a model loaded from a mode-2 folder keeps it in its config,
    and a save without the model code (modes 1 and 3) would point remote-code loaders at files it does not hold."""
    edit_config_json(folder, lambda data: data.pop("auto_map", None) is not None)


def saved_state_dict(folder: str | os.PathLike) -> dict:
    """The weights a ``save_pretrained`` folder holds: ``model.safetensors``, or the shards its index names.

    Raises FileNotFoundError when ``folder`` holds no safetensors weights.
    """
    folder = Path(folder)
    if (folder / SAFE_WEIGHTS_NAME).is_file():
        return load_file(folder / SAFE_WEIGHTS_NAME)
    index = folder / SAFE_WEIGHTS_INDEX_NAME
    if not index.is_file():
        raise FileNotFoundError(f"{folder} holds no {SAFE_WEIGHTS_NAME} and no {SAFE_WEIGHTS_INDEX_NAME}")
    shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    state_dict = {}
    for shard in shards:
        state_dict.update(load_file(folder / shard))
    return state_dict


def backbone_state_dict(model, state_dict: dict | None, prefix: str | None = None) -> dict | None:
    """The backbone's weights, from a gathered ``state_dict`` when given (FSDP/ZeRO-3 safe): the entries under
    ``prefix`` (default: the model's ``base_model_prefix``), without it."""
    if state_dict is None:
        return None
    prefix = prefix or model.base_model_prefix + "."
    return {key[len(prefix) :]: value for key, value in state_dict.items() if key.startswith(prefix)}


def backbones_to_export(model) -> list[tuple[str, object, str]]:
    """(sub-folder, backbone module, state-dict prefix) of each backbone of ``model``: its one backbone, or, for a
    deep ensemble (one backbone per member, no ``backbone`` of its own), each member's, in ``member-{i}``."""
    prefix = model.base_model_prefix
    if hasattr(model, prefix) or not hasattr(model, "members"):
        return [("", getattr(model, prefix), prefix + ".")]
    return [
        (f"member-{index}", getattr(member, prefix), f"members.{index}.{prefix}.")
        for index, member in enumerate(model.members)
    ]


def export_backbone(model, tokenizer, folder: str | os.PathLike, state_dict: dict | None = None) -> Path:
    """Write the fine-tuned backbone alone as a stock transformers model + tokenizer (mode 3); a deep ensemble's
    member backbones each go to ``member-{i}/`` inside ``folder``."""
    folder = Path(folder)
    with staged_files(folder.parent) as staging:
        for subfolder, backbone, prefix in backbones_to_export(model):
            target = staging / folder.name / subfolder
            backbone.save_pretrained(target, state_dict=backbone_state_dict(model, state_dict, prefix))
            if tokenizer is not None:
                tokenizer.save_pretrained(target)
    return folder


def export_checkpoint(
    model, tokenizer, output_dir: str | os.PathLike, mode: int = 1, auto_class: str = AUTO_MODEL_CLASS
) -> Path | None:
    """Save ``model`` and ``tokenizer`` to ``output_dir`` in export mode ``mode`` (0-3, PyABSA's save modes);
    ``auto_class`` is the Auto class that mode 2's ``auto_map`` names (``AutoModelForTokenClassification`` for an
    ATEPC model).

    Returns ``output_dir``, or None for mode 0 (nothing written). Raises ValueError for another mode.

    (Skipped in the test suite: ``model`` and ``tokenizer`` are not built here.)

    >>> export_checkpoint(model, tokenizer, "exported", mode=2)  # doctest: +SKIP
    PosixPath('exported')
    """
    if mode not in (0, 1, 2, 3):
        raise ValueError(f"mode must be 0, 1, 2 or 3, got {mode!r}")
    if mode == 0:
        return None
    output_dir = Path(output_dir)
    with staged_files(output_dir) as staging:
        model.save_pretrained(staging)
        if tokenizer is not None:
            tokenizer.save_pretrained(staging)
        if mode == 2:
            write_model_code(model, staging, auto_class=auto_class)
        else:
            drop_auto_map(staging)
    if mode == 3:
        export_backbone(model, tokenizer, output_dir / BACKBONE_EXPORT_DIR)
    return output_dir
