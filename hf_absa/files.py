"""Atomic file and folder writes: a reader never sees a half-written file where a complete one was.

* `atomic_write`: a file written through a temporary file in the same folder, moved onto its path with
  ``os.replace`` only once complete (and flushed to disk).
* `staged_folder`: a hidden staging folder whose files (and subfolders) are moved into a destination folder one by
  one once all of them are written; a failure leaves the destination as it was.
* `replace_directory`: swap a complete folder in for another.

The bottom layer of the package: imports nothing from hf_absa.

>>> import json, tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "report.json") as file:
...     _ = file.write(json.dumps({"accuracy": 0.8}))
>>> (folder / "report.json").read_text(encoding="utf-8")
'{"accuracy": 0.8}'
>>> with staged_folder(folder / "model") as staging:
...     _ = (staging / "config.json").write_text("{}", encoding="utf-8")
>>> sorted(path.name for path in (folder / "model").iterdir())
['config.json']
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_write", "replace_directory", "staged_folder"]

WRITE_MODES = ("w", "wb")


@contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO]:
    """Open a temporary file next to ``path`` for writing; on success it replaces ``path`` atomically.

    Args:
        path: the file to (over)write; its folder is created if missing.
        mode: ``"w"`` (text, ``encoding`` and ``newline`` apply) or ``"wb"`` (bytes).
        encoding: the text encoding (UTF-8 by default; ignored for ``"wb"``).
        newline: as for `open`.

    Yields the open temporary file, named ``.{name}.{random}.partial`` in the same folder (so ``os.replace`` is a
    rename on one file system). When the block ends without an error the file is flushed and fsynced, then moved
    onto ``path``, keeping the permission bits of a file it replaces. On an error the temporary file is removed,
    ``path`` is left as it was and the error propagates.

    Raises:
        ValueError: ``mode`` is not ``"w"`` or ``"wb"``.
        OSError: the folder cannot be created or written (the message names ``path``).
    """
    if mode not in WRITE_MODES:
        raise ValueError(f"mode={mode!r}; expected one of {', '.join(map(repr, WRITE_MODES))}")
    path = Path(path)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    text_options = {} if mode == "wb" else {"encoding": encoding, "newline": newline}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x" (exclusive creation) lets the umask set the permissions as for any new file; tempfile.mkstemp would
        # leave the finished file readable by its owner only.
        file = open(staging, mode.replace("w", "x"), **text_options)
    except OSError as error:
        # open's error names the hidden staging file, which the caller never asked for: name ``path`` instead.
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from None
    try:
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if path.exists():
            shutil.copymode(path, staging)
        os.replace(staging, path)
    finally:
        if staging.exists():
            staging.unlink()


@contextmanager
def staged_folder(destination: str | os.PathLike) -> Iterator[Path]:
    """Yield a hidden staging folder inside ``destination``; on success move each of its entries into it.

    Files replace their namesakes one by one with ``os.replace`` (atomic per file); a subfolder replaces its
    namesake whole (`replace_directory`). Entries of ``destination`` that the staging folder does not hold are
    kept. On an error nothing is moved, and the staging folder is removed in every case.

    Raises:
        OSError: ``destination`` cannot be created or written.
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    staging = destination / f".staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
        for item in sorted(staging.iterdir()):
            target = destination / item.name
            if item.is_dir():
                replace_directory(item, target)
            else:
                os.replace(item, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_directory(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Swap the complete folder ``source`` in for ``target`` (which need not exist); the old one is deleted last.

    ``target`` is briefly absent between the two renames, never half-written.
    """
    source, target = Path(source), Path(target)
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(source, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
