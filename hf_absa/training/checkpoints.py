"""Checkpoint folders that are either complete or absent, and finding the newest one to resume from.

The stock Trainer writes ``checkpoint-N/`` in place (weights, ``optimizer.pt``,
``scheduler.pt``, ``rng_state*.pth``, ``trainer_state.json`` last), so a process
killed while saving leaves a ``checkpoint-N`` that looks resumable and is not.
`ABSATrainer` (and so `APCTrainer`) writes each checkpoint under ``<output_dir>/.partial-checkpoints/``
and renames it to ``checkpoint-N`` once every process has written its part;
the hidden staging folder is never taken for a checkpoint (transformers only
looks at ``checkpoint-<digits>``) and is cleared by the next save.

``--resume_from_checkpoint true`` (or ``latest``) resumes from the newest
complete ``checkpoint-N`` of ``output_dir``:

>>> import tempfile
>>> from pathlib import Path
>>> run = Path(tempfile.mkdtemp())
>>> for step, complete in ((10, True), (20, True), (30, False)):
...     (run / f"checkpoint-{step}").mkdir()
...     if complete:
...         _ = (run / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
>>> Path(latest_checkpoint(run)).name
'checkpoint-20'
>>> resolve_resume_from_checkpoint("latest", run) == latest_checkpoint(run)
True
>>> resolve_resume_from_checkpoint("false", run) is None
True
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, SaveStrategy

PARTIAL_CHECKPOINTS_DIR = ".partial-checkpoints"
CHECKPOINT_NAME_PATTERN = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")
LATEST_CHECKPOINT_VALUES = ("true", "latest")
NO_CHECKPOINT_VALUES = ("", "false", "none")


def is_complete_checkpoint(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` is a whole checkpoint: ``trainer_state.json`` is the last file the Trainer writes."""
    return (Path(folder) / TRAINER_STATE_NAME).is_file()


def latest_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The newest complete ``checkpoint-N`` folder in ``output_dir`` (highest N), or None.

    Incomplete folders (left by the stock Trainer or another tool killed while saving) are skipped.
    """
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return None
    steps = {}
    for folder in output_dir.iterdir():
        match = CHECKPOINT_NAME_PATTERN.match(folder.name)
        if match and folder.is_dir() and is_complete_checkpoint(folder):
            steps[int(match.group(1))] = folder
    return os.path.join(output_dir, steps[max(steps)].name) if steps else None


def resolve_resume_from_checkpoint(value: str | bool | os.PathLike | None, output_dir: str | os.PathLike) -> str | None:
    """The checkpoint folder ``Trainer.train(resume_from_checkpoint=...)`` should load, or None to start afresh.

    ``True``, ``"true"`` and ``"latest"`` mean the newest complete checkpoint of ``output_dir`` (an error when there
    is none); ``None``, ``False``, ``""``, ``"false"`` and ``"none"`` mean no resume; anything else is a checkpoint
    folder, which must be complete.
    """
    if value is None or value is False:
        return None
    if value is True or (isinstance(value, str) and value.strip().lower() in LATEST_CHECKPOINT_VALUES):
        found = latest_checkpoint(output_dir)
        if found is None:
            raise ValueError(
                f"resume_from_checkpoint={value!r}: no complete {PREFIX_CHECKPOINT_DIR}-N folder in {output_dir}; "
                "periodic checkpoints need --save_strategy steps (or epoch)"
            )
        return found
    if isinstance(value, str) and value.strip().lower() in NO_CHECKPOINT_VALUES:
        return None
    folder = Path(value)
    if not folder.is_dir():
        raise FileNotFoundError(f"resume_from_checkpoint: no checkpoint folder {folder}")
    if not is_complete_checkpoint(folder):
        raise ValueError(
            f"resume_from_checkpoint: {folder} is incomplete (no {TRAINER_STATE_NAME}; it was being written when "
            "training stopped); pass 'latest' to use the newest complete checkpoint"
        )
    return str(folder)


def checkpoint_folders(output_dir: str | os.PathLike) -> list[Path]:
    """Every ``checkpoint-N`` folder of ``output_dir``, complete or not, by step (none when it does not exist)."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return []
    found = [(int(match.group(1)), folder) for folder in output_dir.iterdir()
             if (match := CHECKPOINT_NAME_PATTERN.match(folder.name)) and folder.is_dir()]
    return [folder for _, folder in sorted(found)]


def selection_only_checkpoints(args) -> bool:
    """Whether the checkpoints of a run with training arguments ``args`` serve only to select the best model:
    ``export_mode`` 0 (metrics only) and ``save_strategy="best"``. Periodic checkpoints (``steps``, ``epoch``) are
    there to resume from and are never such."""
    return getattr(args, "export_mode", None) == 0 and args.save_strategy == SaveStrategy.BEST


def remove_checkpoints(output_dir: str | os.PathLike, keep: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Delete the ``checkpoint-N`` folders of ``output_dir`` except those named in ``keep``; returns the names
    deleted. For a finished metrics-only run (`selection_only_checkpoints`); ``keep`` holds the folders that were
    there before the run (e.g. one it resumed from), which are not the run's to delete."""
    removed = []
    for folder in checkpoint_folders(output_dir):
        if folder.name not in keep:
            shutil.rmtree(folder)
            removed.append(folder.name)
    return removed
