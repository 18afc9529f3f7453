"""Where PyABSA's named APC datasets live, and finding their train/validation/test files.

Datasets follow the layout of the public ABSADatasets collection: ``<root>/apc_datasets/<id>.<name>/...`` (e.g.
``apc_datasets/110.SemEval/113.laptop14``), one or more files per split, the split written in the file name
(``train``, ``test``, ``valid``/``dev``, as a word of the name: ``ReviewsTrain.txt``, ``data_dev.txt``). The name
``sample`` is the small set bundled with hf_absa (``hf_absa/sample_data``). The root is ``data_dir``, else the
``HF_ABSA_DATA_DIR`` environment variable; a copy downloaded earlier into the Hugging Face cache is searched too. A
dataset found nowhere is downloaded (the whole collection, once) unless Hugging Face offline mode is on, in which
case the error says where to put the files.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)

ABSA_DATASETS_URL = "https://github.com/yangheng95/ABSADatasets/archive/refs/heads/v2.0.zip"
DATA_DIR_ENV = "HF_ABSA_DATA_DIR"
APC_FOLDER = "apc_datasets"
SPLITS = ("train", "validation", "test")

# PyABSA's APC dataset names (APCDatasetList) -> folders relative to apc_datasets/. A name with several folders
# is a union: the files of each split are concatenated.
_SEMEVAL = "110.SemEval"
_CHINESE = "102.Chinese"
_SEMEVAL16 = "120.SemEval2016Task5"
APC_DATASETS: dict[str, tuple[str, ...]] = {
    "Laptop14": (f"{_SEMEVAL}/113.laptop14",),
    "Restaurant14": (f"{_SEMEVAL}/114.restaurant14",),
    "ARTS_Laptop14": (f"{_SEMEVAL}/111.arts_laptop14",),
    "ARTS_Restaurant14": (f"{_SEMEVAL}/112.arts_restaurant14",),
    "Restaurant15": (f"{_SEMEVAL}/115.restaurant15",),
    "Restaurant16": (f"{_SEMEVAL}/116.restaurant16",),
    "Twitter": ("101.ACL_Twitter",),
    "MAMS": ("109.MAMS",),
    "Television": ("117.Television",),
    "TShirt": ("118.TShirt",),
    "Yelp": ("119.Yelp",),
    "Camera": (f"{_CHINESE}/103.camera",),
    "Car": (f"{_CHINESE}/104.car",),
    "MOOC": (f"{_CHINESE}/105.mooc",),
    "Notebook": (f"{_CHINESE}/106.notebook",),
    "Phone": (f"{_CHINESE}/107.phone",),
    "Shampoo": (f"{_CHINESE}/108.shampoo",),
    "MOOC_En": ("121.MOOC_En",),
    "Kaggle": ("129.Kaggle",),
    "Chinese_Zhang": ("130.Chinese_Zhang",),
    "CustomDataset": ("100.CustomDataset",),
    "SemEval2016Task5": (_SEMEVAL16,),
    "Arabic_SemEval2016Task5": (f"{_SEMEVAL16}/122.arabic",),
    "Dutch_SemEval2016Task5": (f"{_SEMEVAL16}/123.dutch",),
    "English_SemEval2016Task5": (f"{_SEMEVAL16}/124.english",),
    "French_SemEval2016Task5": (f"{_SEMEVAL16}/125.french",),
    "Russian_SemEval2016Task5": (f"{_SEMEVAL16}/126.russian",),
    "Spanish_SemEval2016Task5": (f"{_SEMEVAL16}/127.spanish",),
    "Turkish_SemEval2016Task5": (f"{_SEMEVAL16}/128.turkish",),
}
_UNIONS = {
    # Restaurant15 is left out of the SemEval union for train/test leakage (PyABSA issue #53).
    "SemEval": ("Laptop14", "Restaurant14", "Restaurant16"),
    "Restaurant": ("Restaurant14", "Restaurant16"),
    "Binary_Polarity_Chinese": ("Phone", "Camera", "Notebook", "Car"),
    "Chinese": ("Phone", "Camera", "Notebook", "Car", "MOOC", "Chinese_Zhang"),
    "English": ("Laptop14", "Restaurant14", "Restaurant16", "Twitter", "MAMS", "Television", "TShirt", "Yelp",
                "MOOC_En", "Kaggle"),
    "Multilingual": ("Laptop14", "Restaurant14", "Restaurant16", "Twitter", "MAMS", "Television", "TShirt", "Yelp",
                     "Phone", "Camera", "Notebook", "Car", "MOOC", "Kaggle", "SemEval2016Task5", "MOOC_En",
                     "Chinese_Zhang"),
}
APC_DATASETS.update({name: sum((APC_DATASETS[part] for part in parts), ()) for name, parts in _UNIONS.items()})
_EXTRA_ALIASES = {"ACL_Twitter": "Twitter", "Custom": "CustomDataset", "Chinese3way": "MOOC"}

# The language of each registered dataset (ISO 639-1, as model cards record it); unlisted names are English, a union
# has its parts' languages, and CustomDataset (whatever the user puts there) has none.
_SEMEVAL16_LANGUAGES = {"Arabic": "ar", "Dutch": "nl", "English": "en", "French": "fr", "Russian": "ru",
                        "Spanish": "es", "Turkish": "tr"}
DATASET_LANGUAGES: dict[str, str | None] = {
    **{name: "zh" for name in ("Camera", "Car", "MOOC", "Notebook", "Phone", "Shampoo", "Chinese_Zhang")},
    **{f"{language}_SemEval2016Task5": code for language, code in _SEMEVAL16_LANGUAGES.items()},
    "CustomDataset": None,
}

# Parts of file names that mark files that are not APC data of a split (PyABSA's filter list plus the marked/ATEPC
# formats), with what each part marks, for the messages.
_COMPANION_FORMATS = {
    # the same data in other formats, expected next to the 3-line files: skipped without a warning
    ".inference": "marked-format files (read for prediction, not training)",
    ".atepc": "ATEPC files (aspect extraction, another format)",
}
# The name part of a task's own format among them: data for that task (``.atepc`` files under atepc_datasets/).
_TASK_FORMAT_PARTS = {"atepc_datasets": ".atepc"}
_NOT_DATA_NAME_PARTS = {
    **_COMPANION_FORMATS,
    ".ignore": "files to ignore", "augment": "augmented copies", ".py": "Python code", ".md": "documentation",
    "readme": "documentation", ".log": "logs", "result": "results of a run", ".zip": "archives",
    ".state_dict": "model weights", ".model": "model files", ".png": "images", "acc_": "results of a run",
    "f1_": "results of a run", ".backup": "backups", ".bak": "backups", "license": "licences",
}
_SPLIT_WORDS = {"train": "train", "test": "test", "valid": "validation", "validation": "validation",
                "val": "validation", "dev": "validation"}
# Words of a file name: runs of lower-case letters (with a leading capital), capital runs (an acronym before a
# CamelCase word stops at its last capital) and digit runs; everything else (. _ - spaces) separates them.
_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
SAMPLE_DATASET = "sample"
SAMPLE_DATA_DIR = Path(__file__).resolve().parent.parent / "sample_data"


class DatasetNotFoundError(FileNotFoundError):
    """A registered dataset that is neither on disk nor downloadable."""


def _normalize_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _folder_aliases(folder: str) -> list[str]:
    """``110.SemEval/113.laptop14`` -> ``113.laptop14`` and ``laptop14``."""
    base = folder.rsplit("/", 1)[-1]
    return [base, base.split(".", 1)[1]] if re.match(r"^\d+\.", base) else [base]


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for name, folders in APC_DATASETS.items():  # folder-derived aliases first, so registered names win
        if len(folders) == 1:
            for alias in _folder_aliases(folders[0]):
                aliases.setdefault(_normalize_name(alias), name)
    for alias, name in _EXTRA_ALIASES.items():
        aliases[_normalize_name(alias)] = name
    for name in APC_DATASETS:
        aliases[_normalize_name(name)] = name
    return aliases


_ALIASES = _build_aliases()


def registered_dataset_name(name: str) -> str | None:
    """The registry's spelling of ``name`` (a PyABSA name, id folder like ``113.laptop14``, or bare folder name)."""
    return _ALIASES.get(_normalize_name(name))


def dataset_languages(name: str) -> list[str]:
    """The languages (ISO 639-1 codes, sorted) of the registered dataset ``name``; [] when unknown or unregistered.

    >>> dataset_languages("laptop14"), dataset_languages("Phone"), dataset_languages("Binary_Polarity_Chinese")
    (['en'], ['zh'], ['zh'])
    >>> dataset_languages("SemEval2016Task5"), dataset_languages("my_folder")
    (['ar', 'en', 'es', 'fr', 'nl', 'ru', 'tr'], [])
    """
    registered = registered_dataset_name(name)
    if registered is None:
        return []
    parts = _UNIONS.get(registered, (registered,))
    if registered == "SemEval2016Task5":
        parts = tuple(f"{language}_SemEval2016Task5" for language in _SEMEVAL16_LANGUAGES)
    languages = set()
    for part in parts:
        if part == "SemEval2016Task5":
            languages.update(_SEMEVAL16_LANGUAGES.values())
        elif DATASET_LANGUAGES.get(part, "en") is not None:
            languages.add(DATASET_LANGUAGES.get(part, "en"))
    return sorted(languages)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def is_offline() -> bool:
    """Hugging Face offline mode, read now (not at import) so that it can be switched per call."""
    return _env_flag("HF_HUB_OFFLINE") or _env_flag("HF_DATASETS_OFFLINE")


def default_download_dir() -> Path:
    """``<HF_HOME>/hf_absa/ABSADatasets``: next to the hub cache, so users find and clear it with the rest."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE).parent / "hf_absa" / "ABSADatasets"


def task_root(root: str | os.PathLike, task_folder: str = APC_FOLDER) -> Path | None:
    """The task's folder of ``root`` (``apc_datasets``, ``atepc_datasets``...): root itself, ``root/<task_folder>``
    or ``root/datasets/<task_folder>``; None when there is none."""
    root = Path(root).expanduser()
    for candidate in (root, root / task_folder, root / "datasets" / task_folder):
        if candidate.name.lower() == task_folder and candidate.is_dir():
            return candidate
    return None


def apc_root(root: str | os.PathLike) -> Path | None:
    """The ``apc_datasets`` folder of ``root`` (`task_root` for APC)."""
    return task_root(root, APC_FOLDER)


def _child_dir(parent: Path, name: str) -> Path | None:
    exact = parent / name
    if exact.is_dir():
        return exact
    matches = sorted(child for child in parent.iterdir() if child.is_dir() and child.name.lower() == name.lower())
    return matches[0] if matches else None


def _find_folder(root: Path, relative: str) -> Path | None:
    """``root/relative`` matched case-insensitively, else a folder of the same last name anywhere below ``root``."""
    current: Path | None = root
    for part in relative.split("/"):
        current = _child_dir(current, part)
        if current is None:
            break
    if current is not None:
        return current
    wanted = relative.rsplit("/", 1)[-1].lower()
    matches = sorted(path for path in root.rglob("*") if path.is_dir() and path.name.lower() == wanted)
    return matches[0] if matches else None


def _split_words(name: str) -> list[str]:
    """The split words of a file name, lower-cased, in order: ``ReviewsTrain.txt`` -> ``["train"]``."""
    return [word for word in (match.lower() for match in _NAME_WORD.findall(name)) if word in _SPLIT_WORDS]


def _not_data_reason(name: str, task_folder: str = APC_FOLDER) -> tuple[str, str] | None:
    """(part of the name, what it marks) when the file name marks a file that is not split data, else None."""
    lowered = name.lower()
    for part, marks in _NOT_DATA_NAME_PARTS.items():
        if part in lowered and part != _TASK_FORMAT_PARTS.get(task_folder):
            return part, marks
    return None


def split_in_name(path: str | os.PathLike) -> str | None:
    """``train``/``validation``/``test`` named by a word of the file name, or None; for a file given explicitly.

    Words are separated by ``.``, ``_``, ``-``, digits or CamelCase (``Laptops_Train.xml.seg`` and
    ``ReviewsTrain.txt`` -> train, ``data_dev.txt``/``my-valid.txt`` -> validation, ``laptop.test.inference`` ->
    test), never a part of a word (``contestant.txt``, ``attrain.txt`` -> None). Raises ``ValueError`` for a name
    naming two splits.

    >>> split_in_name("ReviewsTrain.txt"), split_in_name("data_dev.txt"), split_in_name("contestant.txt")
    ('train', 'validation', None)
    """
    splits = {_SPLIT_WORDS[word] for word in _split_words(Path(path).name)}
    if len(splits) > 1:
        raise ValueError(f"{path}: the file name names several splits ({', '.join(sorted(splits))}); expected "
                         "exactly one of train, test, valid/dev in the name of each data file")
    return splits.pop() if splits else None


def split_of_file(path: str | os.PathLike) -> str | None:
    """The split of a file found in a dataset folder: `split_in_name`, except None for a file that is not a split's
    data file (hidden, or a name marking another kind of file: ``.inference``, ``result``, ``augment``, ...)."""
    name = Path(path).name
    if name.startswith(".") or _not_data_reason(name) is not None:
        return None
    return split_in_name(name)


def _scan_folder(folder: Path, task_folder: str = APC_FOLDER) -> tuple[dict[str, list[Path]], list[tuple[Path, str]]]:
    """(data files per split, (file, why it was skipped) for every other file) below ``folder``, sorted.

    Warns about each file skipped for its name although the name carries a split word, since that is usually
    data the user meant to load (``survey_results.test.txt``).
    """
    files: dict[str, list[Path]] = {split: [] for split in SPLITS}
    skipped: list[tuple[Path, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            # hidden files and folders (.ipynb_checkpoints, .git) hold copies, not data
            skipped.append((path, "hidden"))
            continue
        reason = _not_data_reason(path.name, task_folder)
        if reason is not None:
            part, marks = reason
            skipped.append((path, f"the name contains '{part}', which marks {marks}"))
            words = _split_words(path.name)
            if words and part not in _COMPANION_FORMATS:
                logger.warning("%s: not read as %s data although its name says '%s': the name contains '%s', which "
                               "marks %s; rename the file if it holds data", path, _SPLIT_WORDS[words[0]], words[0],
                               part, marks)
            continue
        split = split_in_name(path.name)
        if split is None:
            skipped.append((path, "no split word (train, test, valid/dev) in the name"))
        else:
            files[split].append(path)
    return {split: paths for split, paths in files.items() if paths}, skipped


def dataset_files_in_folder(folder: str | os.PathLike, task_folder: str = APC_FOLDER) -> dict[str, list[Path]]:
    """The data files below ``folder`` (recursively) grouped by split, in sorted order; empty splits left out.

    A file skipped for its name although the name carries a split word is named in a logged warning.
    """
    return _scan_folder(Path(folder), task_folder)[0]


def _no_data_file_message(folder: Path, skipped: list[tuple[Path, str]], limit: int = 50) -> str:
    listing = "; ".join(f"{path.relative_to(folder).as_posix()} ({why})" for path, why in skipped[:limit])
    if len(skipped) > limit:
        listing += f"; and {len(skipped) - limit} more"
    return (f"{folder}: no APC data file in this folder; expected files with train, test or valid/dev as a word of "
            "their names (e.g. reviews.train.txt, ReviewsTest.txt, data_dev.txt). Files skipped: "
            + (listing or "none, the folder is empty"))


def _search_roots(data_dir: str | os.PathLike | None) -> list[tuple[Path, str]]:
    """(folder, where it came from) for every root to search, in order."""
    roots: list[tuple[Path, str]] = []
    if data_dir is not None:
        roots.append((Path(data_dir).expanduser(), "data_dir"))
    elif os.environ.get(DATA_DIR_ENV):
        roots.append((Path(os.environ[DATA_DIR_ENV]).expanduser(), DATA_DIR_ENV))
    roots.append((default_download_dir(), "download cache"))
    return roots


def _resolve_in_roots(relative_folders: tuple[str, ...], roots: list[tuple[Path, str]], task_folder: str = APC_FOLDER
                      ) -> dict[str, list[Path]] | None:
    """Files of the first root that holds all ``relative_folders`` (their splits concatenated), else None."""
    for root, _ in roots:
        folder_root = task_root(root, task_folder)
        if folder_root is None:
            continue
        folders = [_find_folder(folder_root, relative) for relative in relative_folders]
        if all(folder is not None for folder in folders):
            files: dict[str, list[Path]] = {}
            for folder in folders:
                for split, paths in dataset_files_in_folder(folder, task_folder).items():
                    files.setdefault(split, []).extend(paths)
            if files:
                return {split: files[split] for split in SPLITS if split in files}
    return None


def _fetch_url(url: str, destination: Path) -> None:
    """Download ``url`` to ``destination`` (kept separate so that tests replace it)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(destination, "wb") as out:
        shutil.copyfileobj(response, out)


def download_absa_datasets(target: str | os.PathLike | None = None, url: str = ABSA_DATASETS_URL) -> Path:
    """Download and extract the ABSADatasets archive into ``target`` (default: the HF cache); returns ``target``.

    Does nothing when ``target`` already holds an ``apc_datasets`` folder. Extraction goes to a temporary folder
    that is renamed at the end, so an interrupted download never leaves a half-filled copy behind.
    """
    target = Path(target) if target is not None else default_download_dir()
    if apc_root(target) is not None:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("Downloading the ABSADatasets collection from %s to %s", url, target)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".absa-download-") as scratch:
        archive = Path(scratch) / "ABSADatasets.zip"
        _fetch_url(url, archive)
        extracted = Path(scratch) / "extracted"
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(extracted)
        found = sorted((path for path in extracted.rglob(APC_FOLDER) if path.is_dir()), key=lambda p: len(p.parts))
        if not found:
            raise DatasetNotFoundError(f"the archive downloaded from {url} contains no '{APC_FOLDER}' folder")
        try:
            found[0].parent.rename(target)
        except OSError:
            if apc_root(target) is None:  # not a concurrent download that finished first
                raise
    return target


def _unknown_name_message(name: str, roots: list[tuple[Path, str]]) -> str:
    close_aliases = difflib.get_close_matches(_normalize_name(name), list(_ALIASES), n=8, cutoff=0.6)
    close = list(dict.fromkeys(_ALIASES[alias] for alias in close_aliases))[:5]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    searched = "; ".join(f"{root} ({origin})" for root, origin in roots)
    return (f"'{name}' is neither an existing file or folder, nor a registered dataset, nor a dataset folder "
            f"in {searched}.{hint} Registered datasets: {', '.join(sorted(APC_DATASETS))}; and "
            f"'{SAMPLE_DATASET}', the small set bundled with hf_absa.")


def _not_found_message(name: str, roots: list[tuple[Path, str]], reason: str, task_folder: str = APC_FOLDER) -> str:
    searched = "; ".join(f"{root} ({origin})" for root, origin in roots)
    first_root = roots[0][0] if roots[0][1] != "download cache" else Path("<your data folder>")
    places = ", ".join(f"{first_root}/{task_folder}/{relative}" for relative in APC_DATASETS[name])
    task = task_folder.removesuffix("_datasets").upper()  # apc_datasets -> APC
    return (f"{task} dataset '{name}' was not found in: {searched}; {reason}. Put its files (names containing train, "
            f"test or valid/dev) in {places}, or pass data_dir=... / set {DATA_DIR_ENV} to the folder that "
            f"contains {task_folder}/.")


def resolve_dataset_files(name_or_path: str | os.PathLike, data_dir: str | os.PathLike | None = None,
                          task_folder: str = APC_FOLDER) -> dict[str, list[Path]]:
    """Files of each split (``train``/``validation``/``test``, present ones only) of a dataset name or folder.

    ``name_or_path``: an existing folder (searched recursively) or data file, ``sample`` (the set bundled with
    hf_absa), or a registered PyABSA name (case-insensitive; also ``113.laptop14``/``laptop14``-style folder names).
    A folder without any data file raises ``DatasetNotFoundError`` listing each of its files and why it was
    skipped. Registered datasets are looked up
    under ``data_dir`` (else ``$HF_ABSA_DATA_DIR``) and an earlier download; if missing they are downloaded unless
    offline (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE``), which raises ``DatasetNotFoundError`` at once.

    ``task_folder`` is the task's top folder in the ABSADatasets layout: ``apc_datasets`` (APC, the default) or
    ``atepc_datasets``; the registered names and their relative folders are the same for every task.
    """
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        files, skipped = _scan_folder(path, task_folder)
        if not files:
            raise DatasetNotFoundError(_no_data_file_message(path, skipped))
        return files
    if path.is_file():
        return {split_in_name(path) or "train": [path]}
    if str(name_or_path).strip().lower() == SAMPLE_DATASET:
        return dataset_files_in_folder(SAMPLE_DATA_DIR)

    roots = _search_roots(data_dir)
    name = registered_dataset_name(str(name_or_path))
    if name is None:
        # an unregistered dataset folder (e.g. "200.MyReviews") placed in a data root is found by its name too
        folder_name = str(name_or_path).strip()
        if folder_name and not any(sep in folder_name for sep in ("/", "\\", "..")):
            files = _resolve_in_roots((folder_name,), roots, task_folder)
            if files is not None:
                return files
        raise ValueError(_unknown_name_message(str(name_or_path), roots))

    files = _resolve_in_roots(APC_DATASETS[name], roots, task_folder)
    if files is not None:
        return files
    if is_offline():
        raise DatasetNotFoundError(_not_found_message(
            name, roots, "downloading is disabled because HF_HUB_OFFLINE or HF_DATASETS_OFFLINE is set", task_folder))
    try:
        download_absa_datasets()
    except Exception as error:  # any network/archive failure ends in the same actionable message
        raise DatasetNotFoundError(_not_found_message(
            name, roots, f"downloading {ABSA_DATASETS_URL} failed ({type(error).__name__}: {error})", task_folder)
        ) from error
    files = _resolve_in_roots(APC_DATASETS[name], roots, task_folder)
    if files is None:
        raise DatasetNotFoundError(
            _not_found_message(name, roots, "the downloaded ABSADatasets copy lacks it too", task_folder))
    return files


def sample_data_dir() -> Path:
    """The folder of the small sample set shipped with hf_absa (the dataset name ``sample``)."""
    return SAMPLE_DATA_DIR
