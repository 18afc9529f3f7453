"""hf_absa.files: atomic file writes and staged folder updates leave either the old or the new content, never a mix."""

import os
import re
import stat

import pytest

from hf_absa.files import atomic_write, replace_directory, staged_folder


def names(folder):
    return sorted(path.name for path in folder.iterdir())


def test_atomic_write_replaces_the_file_only_when_the_block_succeeds(tmp_path):
    path = tmp_path / "out" / "report.json"
    with atomic_write(path) as file:
        file.write("first é\n")
        assert not path.exists()  # nothing at the destination while writing
        assert len(list(path.parent.glob(".report.json.*.partial"))) == 1
    assert path.read_text(encoding="utf-8") == "first é\n"

    with pytest.raises(RuntimeError, match="half-way"):
        with atomic_write(path) as file:
            file.write("second, incomplete")
            raise RuntimeError("failed half-way")
    assert path.read_text(encoding="utf-8") == "first é\n"
    assert names(path.parent) == ["report.json"]  # the temporary file is gone


def test_atomic_write_in_binary_mode_and_bad_modes(tmp_path):
    with atomic_write(tmp_path / "weights.bin", "wb") as file:
        file.write(b"\x00\x01")
    assert (tmp_path / "weights.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(ValueError, match=r"mode='a'; expected one of 'w', 'wb'"):
        with atomic_write(tmp_path / "x.txt", "a"):
            pass
    assert names(tmp_path) == ["weights.bin"]



def test_a_file_that_cannot_be_written_is_named_in_the_error(tmp_path):
    # The user asked for ``path``; an error naming the hidden staging file next to it would only confuse.
    (tmp_path / "a-file").write_text("x")
    under_a_file = tmp_path / "a-file" / "out.jsonl"
    with pytest.raises(OSError, match=re.escape(f"cannot write {under_a_file}")) as error:
        with atomic_write(under_a_file):
            pass
    assert ".partial" not in str(error.value)
    # a name the file system takes, whose longer staging name it does not (ENAMETOOLONG when opening it)
    long_name = tmp_path / ("n" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 10))
    with pytest.raises(OSError, match=re.escape(f"cannot write {long_name}")) as error:
        with atomic_write(long_name):
            pass
    assert ".partial" not in str(error.value) and names(tmp_path) == ["a-file"]

def test_atomic_write_permissions_are_those_of_a_plain_write(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "new.txt") as file:
            file.write("x")
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644  # not mkstemp's 0o600
        (tmp_path / "new.txt").chmod(0o640)
        with atomic_write(tmp_path / "new.txt") as file:
            file.write("y")
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640  # a replaced file keeps its mode
    finally:
        os.umask(umask)


def test_staged_folder_moves_files_in_and_keeps_others(tmp_path):
    destination = tmp_path / "model"
    destination.mkdir()
    (destination / "config.json").write_text("old", encoding="utf-8")
    (destination / "README.md").write_text("kept", encoding="utf-8")
    (destination / "backbone").mkdir()
    (destination / "backbone" / "stale.txt").write_text("stale", encoding="utf-8")
    with staged_folder(destination) as staging:
        (staging / "config.json").write_text("new", encoding="utf-8")
        (staging / "backbone").mkdir()
        (staging / "backbone" / "weights").write_text("w", encoding="utf-8")
        assert (destination / "config.json").read_text(encoding="utf-8") == "old"
    assert names(destination) == ["README.md", "backbone", "config.json"]
    assert (destination / "config.json").read_text(encoding="utf-8") == "new"
    assert names(destination / "backbone") == ["weights"]  # a subfolder is replaced whole


def test_staged_folder_failure_leaves_the_destination_as_it_was(tmp_path):
    destination = tmp_path / "model"
    with staged_folder(destination) as staging:
        (staging / "config.json").write_text("good", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        with staged_folder(destination) as staging:
            (staging / "config.json").write_text("bad", encoding="utf-8")
            raise OSError("disk full")
    assert names(destination) == ["config.json"]  # no staging folder left behind
    assert (destination / "config.json").read_text(encoding="utf-8") == "good"


def test_replace_directory_swaps_in_the_new_folder(tmp_path):
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "a").write_text("new", encoding="utf-8")
    replace_directory(tmp_path / "new", tmp_path / "target")  # no target yet
    (tmp_path / "newer").mkdir()
    (tmp_path / "newer" / "b").write_text("newer", encoding="utf-8")
    replace_directory(tmp_path / "newer", tmp_path / "target")
    assert names(tmp_path) == ["target"] and names(tmp_path / "target") == ["b"]
