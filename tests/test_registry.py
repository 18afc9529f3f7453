"""Dataset registry: names -> folders -> split files, offline errors, and the (mocked) download."""

import logging
import os
import zipfile

import pytest

from hf_absa.data import registry
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.registry import (
    APC_DATASETS,
    DatasetNotFoundError,
    registered_dataset_name,
    resolve_dataset_files,
    split_in_name,
    split_of_file,
)

EXAMPLE = "the $T$ is fast\nboot time\nPositive\n"


def make_file(path, text=EXAMPLE):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def data_root(tmp_path):
    """A synthetic ABSADatasets layout (folder casing as in PyABSA's names, not the shared copy's)."""
    root = tmp_path / "data"
    apc = root / "apc_datasets"
    for name in ("Laptops_Train.xml.seg", "Laptops_Test_Gold.xml.seg", "Laptops_Test_Gold.xml.seg.inference",
                 "README.md", "convert.py", "acc_0.81.log"):
        make_file(apc / "110.SemEval" / "113.Laptop14" / name)
    for name in ("restaurant_train.raw", "restaurant_test.raw"):
        make_file(apc / "110.SemEval" / "114.restaurant14" / name.replace("restaurant", "Restaurants"))
        make_file(apc / "110.SemEval" / "116.restaurant16" / name)
    for name in ("train.xml.dat", "valid.xml.dat", "test.xml.dat", "b.dev.apc", "a.train.extra.dat",
                 "x.train.atepc", "1.train.augment.ignore.inference"):
        make_file(apc / "109.MAMS" / name)
    make_file(apc / "109.MAMS" / ".ipynb_checkpoints" / "train-checkpoint.xml.dat")
    make_file(apc / "101.ACL_Twitter" / "acl-14-short-data" / "train.raw")
    make_file(apc / "200.MyReviews" / "reviews.train.txt")
    return root


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """No test touches the real HF cache or the network; offline unless a test says otherwise."""
    cache = tmp_path / "hf-cache" / "hf_absa" / "ABSADatasets"
    monkeypatch.setattr(registry, "default_download_dir", lambda: cache)

    def no_network(url, destination):
        pytest.fail(f"unexpected download of {url}")  # BaseException: not swallowed as a failed download

    monkeypatch.setattr(registry, "_fetch_url", no_network)
    monkeypatch.delenv("HF_ABSA_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def relative(files, root):
    return {split: [path.relative_to(root).as_posix() for path in paths] for split, paths in files.items()}


def test_registry_has_pyabsa_names():
    for name in ("Laptop14", "Restaurant14", "Restaurant15", "Restaurant16", "Twitter", "MAMS", "ARTS_Laptop14",
                 "ARTS_Restaurant14", "Television", "TShirt", "Yelp", "Phone", "Car", "Notebook", "Camera",
                 "Shampoo", "MOOC", "Kaggle", "CustomDataset", "Arabic_SemEval2016Task5", "Dutch_SemEval2016Task5",
                 "Spanish_SemEval2016Task5", "Turkish_SemEval2016Task5", "Russian_SemEval2016Task5",
                 "French_SemEval2016Task5", "English_SemEval2016Task5"):
        assert name in APC_DATASETS
    assert APC_DATASETS["Laptop14"] == ("110.SemEval/113.laptop14",)
    assert APC_DATASETS["SemEval"] == ("110.SemEval/113.laptop14", "110.SemEval/114.restaurant14",
                                       "110.SemEval/116.restaurant16")


@pytest.mark.parametrize("alias, name", [
    ("laptop14", "Laptop14"), ("LAPTOP14", "Laptop14"), ("113.laptop14", "Laptop14"), ("113.Laptop14", "Laptop14"),
    ("acl_twitter", "Twitter"), ("101.ACL_Twitter", "Twitter"), ("twitter", "Twitter"),
    ("arts-laptop14", "ARTS_Laptop14"), ("122.arabic", "Arabic_SemEval2016Task5"), ("phone", "Phone"),
    ("english", "English"), ("nope", None),
])
def test_registered_dataset_name(alias, name):
    assert registered_dataset_name(alias) == name


@pytest.mark.parametrize("file_name, split", [
    ("Laptops_Train.xml.seg", "train"), ("restaurants_test_dutch.xml.dat", "test"), ("valid.xml.dat", "validation"),
    ("dev.txt.dat.apc", "validation"), ("custom.train.txt", "train"), ("test.raw.inference", None),
    ("readme.txt", None), ("notes.txt", None), ("train.py", None), ("x.train.txt.atepc", None),
    ("contest.txt", None), (".hidden.train", None),
    ("ReviewsTrain.txt", "train"), ("XMLTest.txt", "test"), ("data_dev.txt", "validation"),
    ("my-valid.txt", "validation"), ("reviews.VALID", "validation"), ("laptop14train.txt", "train"),
    ("contestant.txt", None), ("attrain.txt", None), ("invalid.txt", None), ("develop.txt", None),
    ("Latest.txt", None), ("survey_results.test.txt", None), ("laptop.test.inference", None),
])
def test_split_of_file(file_name, split):
    assert split_of_file(file_name) == split


@pytest.mark.parametrize("file_name, split", [
    ("laptop.test.inference", "test"), ("survey_results.test.txt", "test"), ("ReviewsTrain.txt", "train"),
    ("my-valid.txt", "validation"), ("contestant.txt", None),
])
def test_split_in_name_of_an_explicit_file_ignores_the_folder_filter(file_name, split):
    assert split_in_name(file_name) == split


def test_split_of_file_rejects_names_with_two_splits():
    with pytest.raises(ValueError, match=r"train_test\.txt: the file name names several splits \(test, train\)"):
        split_of_file("train_test.txt")


def test_resolve_registered_names_in_data_dir(data_root):
    apc = data_root / "apc_datasets"
    expected = {"train": ["110.SemEval/113.Laptop14/Laptops_Train.xml.seg"],
                "test": ["110.SemEval/113.Laptop14/Laptops_Test_Gold.xml.seg"]}
    for name in ("Laptop14", "laptop14", "113.laptop14"):
        files = resolve_dataset_files(name, data_dir=data_root)
        assert relative(files, apc) == expected
        assert list(files) == ["train", "test"]
    # the apc_datasets folder itself is accepted as the root too
    assert relative(resolve_dataset_files("Laptop14", data_dir=apc), apc) == expected


def test_resolve_several_files_per_split_sorted(data_root):
    files = resolve_dataset_files("MAMS", data_dir=data_root)
    assert relative(files, data_root / "apc_datasets" / "109.MAMS") == {
        "train": ["a.train.extra.dat", "train.xml.dat"],
        "validation": ["b.dev.apc", "valid.xml.dat"],
        "test": ["test.xml.dat"],
    }
    assert list(files) == ["train", "validation", "test"]


def test_resolve_union_nested_and_unregistered_folders(data_root, monkeypatch):
    monkeypatch.setenv("HF_ABSA_DATA_DIR", str(data_root))
    semeval = resolve_dataset_files("SemEval")
    assert [path.name for path in semeval["train"]] == [
        "Laptops_Train.xml.seg", "Restaurants_train.raw", "restaurant_train.raw"]
    assert [path.name for path in resolve_dataset_files("Twitter")["train"]] == ["train.raw"]
    assert [path.name for path in resolve_dataset_files("200.myreviews")["train"]] == ["reviews.train.txt"]


def test_data_dir_argument_wins_over_environment(data_root, tmp_path, monkeypatch):
    other = tmp_path / "other"
    make_file(other / "apc_datasets" / "109.MAMS" / "only.train.txt")
    monkeypatch.setenv("HF_ABSA_DATA_DIR", str(data_root))
    assert [p.name for p in resolve_dataset_files("MAMS", data_dir=other)["train"]] == ["only.train.txt"]


def test_resolve_folder_and_file_paths(data_root):
    folder = data_root / "apc_datasets" / "109.MAMS"
    assert set(resolve_dataset_files(folder)) == {"train", "validation", "test"}
    assert set(resolve_dataset_files(str(folder))) == {"train", "validation", "test"}
    test_file = folder / "test.xml.dat"
    assert resolve_dataset_files(test_file) == {"test": [test_file]}
    plain = make_file(data_root / "mine.txt")
    assert resolve_dataset_files(plain) == {"train": [plain]}

    empty = data_root / "empty"
    make_file(empty / "notes.md")
    with pytest.raises(DatasetNotFoundError, match=r"no APC data file in this folder; .* Files skipped: notes\.md "
                                                   r"\(the name contains '\.md', which marks documentation\)$"):
        resolve_dataset_files(empty)


def test_explicit_files_keep_the_split_of_their_name(tmp_path):
    marked = make_file(tmp_path / "laptop.test.inference", "the [B-ASP]boot time[E-ASP] $LABEL$ Positive\n")
    assert resolve_dataset_files(marked) == {"test": [marked]}
    train = make_file(tmp_path / "ReviewsTrain.txt", EXAMPLE + "the $T$ is slow\nwifi\nNegative\n")
    assert list(load_apc_dataset([train, marked])) == ["train", "test"]


def test_skipped_file_with_a_split_word_is_named_in_a_warning(tmp_path, caplog):
    folder = tmp_path / "survey"
    train = make_file(folder / "x.train.txt")
    results = make_file(folder / "survey_results.test.txt")
    make_file(folder / "x.test.txt.inference", "the [B-ASP]boot time[E-ASP]\n")  # a companion format: expected
    make_file(folder / "acc_0.8.log")  # no split word: not worth a warning
    with caplog.at_level(logging.WARNING, logger="hf_absa.data.registry"):
        assert resolve_dataset_files(folder) == {"train": [train]}
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == [f"{results}: not read as test data although its name says 'test': the name contains "
                        "'result', which marks results of a run; rename the file if it holds data"]


def test_folder_without_usable_files_lists_each_file_and_why(tmp_path):
    folder = tmp_path / "survey"
    for name in ("survey_results.train.txt", "survey_results.test.txt", "notes.txt", "x.train.atepc",
                 ".cache/copy.train.txt"):
        make_file(folder / name)
    with pytest.raises(DatasetNotFoundError) as error_info:
        resolve_dataset_files(folder)
    message = str(error_info.value)
    assert message.startswith(f"{folder}: no APC data file in this folder; expected files with train, test or "
                              "valid/dev as a word of their names"), message
    assert message.endswith(
        "Files skipped: .cache/copy.train.txt (hidden); notes.txt (no split word (train, test, valid/dev) in the "
        "name); survey_results.test.txt (the name contains 'result', which marks results of a run); "
        "survey_results.train.txt (the name contains 'result', which marks results of a run); x.train.atepc (the "
        "name contains '.atepc', which marks ATEPC files (aspect extraction, another format))"), message


def test_sample_resolves_to_the_bundled_folder():
    files = resolve_dataset_files("sample")
    assert files["train"] and set(files) <= {"train", "validation", "test"}
    for paths in files.values():
        assert all(path.parent == registry.SAMPLE_DATA_DIR and path.is_file() for path in paths)
    assert resolve_dataset_files(" Sample ") == files
    loaded = load_apc_dataset("sample")
    assert list(loaded) == list(files) and loaded["train"].num_rows > 0


def test_unknown_name_lists_close_matches(data_root):
    with pytest.raises(ValueError) as error_info:
        resolve_dataset_files("Resturant14", data_dir=data_root)
    message = str(error_info.value)
    assert "'Resturant14' is neither an existing file or folder, nor a registered dataset" in message
    assert "Did you mean: Restaurant14" in message
    assert "Registered datasets: " in message and "Laptop14" in message
    assert "'sample', the small set bundled with hf_absa" in message


def test_offline_missing_dataset_fails_fast_with_instructions(data_root, isolated_cache):
    with pytest.raises(DatasetNotFoundError) as error_info:
        resolve_dataset_files("Restaurant15", data_dir=data_root)
    message = str(error_info.value)
    assert message.startswith("APC dataset 'Restaurant15' was not found in: ")
    assert f"{data_root} (data_dir)" in message and f"{isolated_cache} (download cache)" in message
    assert "HF_HUB_OFFLINE" in message
    assert f"Put its files (names containing train, test or valid/dev) in " \
           f"{data_root}/apc_datasets/110.SemEval/115.restaurant15" in message
    assert "data_dir=" in message and "HF_ABSA_DATA_DIR" in message


def test_datasets_offline_flag_also_blocks_download(data_root, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "true")
    with pytest.raises(DatasetNotFoundError, match="downloading is disabled"):
        resolve_dataset_files("Restaurant15", data_dir=data_root)


def synthetic_archive(path):
    """What GitHub serves for ABSADatasets v2.0, shrunk to one dataset."""
    prefix = "ABSADatasets-2.0/datasets/apc_datasets/110.SemEval/115.restaurant15/"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ABSADatasets-2.0/README.MD", "readme")
        archive.writestr(prefix + "restaurant_train.raw", EXAMPLE)
        archive.writestr(prefix + "restaurant_test.raw", EXAMPLE)
        archive.writestr(prefix + "restaurant_test.raw.inference", "the [B-ASP]boot time[E-ASP] $LABEL$ Positive\n")
    return path


def test_online_download_into_cache_then_reuse(data_root, tmp_path, monkeypatch, isolated_cache):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    archive = synthetic_archive(tmp_path / "served.zip")
    calls = []

    def fake_fetch(url, destination):
        calls.append(url)
        destination.write_bytes(archive.read_bytes())

    monkeypatch.setattr(registry, "_fetch_url", fake_fetch)
    files = resolve_dataset_files("Restaurant15", data_dir=data_root)
    assert calls == [registry.ABSA_DATASETS_URL]
    folder = isolated_cache / "apc_datasets" / "110.SemEval" / "115.restaurant15"
    assert files == {"train": [folder / "restaurant_train.raw"], "test": [folder / "restaurant_test.raw"]}
    assert sorted(os.listdir(isolated_cache.parent)) == ["ABSADatasets"]  # no scratch folder left behind

    # found in the cache afterwards, even offline, without a second download
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resolve_dataset_files("restaurant15") == files
    assert calls == [registry.ABSA_DATASETS_URL]
    # locally present datasets never trigger a download
    assert "train" in resolve_dataset_files("Laptop14", data_dir=data_root)


def test_failed_download_names_the_failure(data_root, monkeypatch, isolated_cache):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)

    def broken(url, destination):
        raise OSError("network is unreachable")

    monkeypatch.setattr(registry, "_fetch_url", broken)
    with pytest.raises(DatasetNotFoundError) as error_info:
        resolve_dataset_files("Restaurant15", data_dir=data_root)
    message = str(error_info.value)
    assert "APC dataset 'Restaurant15' was not found" in message
    assert "failed (OSError: network is unreachable)" in message
    assert "115.restaurant15" in message
    assert not isolated_cache.exists()


def test_resolves_real_shared_layout(shared_datasets):
    files = resolve_dataset_files("Laptop14", data_dir=shared_datasets)
    assert [p.name for p in files["train"]] == ["Laptops_Train.xml.seg"]
    assert [p.name for p in files["test"]] == ["Laptops_Test_Gold.xml.seg"]
    mams = resolve_dataset_files("mams", data_dir=shared_datasets / "apc_datasets")
    assert [p.name for p in mams["validation"]] == ["valid.xml.dat"]
    for name in ("Restaurant14", "Restaurant15", "Restaurant16", "Twitter", "ARTS_Laptop14", "ARTS_Restaurant14",
                 "Phone", "Car", "Notebook", "Camera", "MOOC", "Kaggle", "CustomDataset", "SemEval",
                 "SemEval2016Task5", "Arabic_SemEval2016Task5", "Dutch_SemEval2016Task5", "English_SemEval2016Task5",
                 "French_SemEval2016Task5", "Russian_SemEval2016Task5", "Spanish_SemEval2016Task5",
                 "Turkish_SemEval2016Task5"):
        files = resolve_dataset_files(name, data_dir=shared_datasets)
        assert files["train"] and files["test"], name


def test_registered_names_resolve_under_another_task_folder(tmp_path):
    """The registry is task-neutral: the same names under atepc_datasets/ for the extraction task."""
    folder = tmp_path / "atepc_datasets" / "110.SemEval" / "113.laptop14"
    folder.mkdir(parents=True)
    (folder / "laptop.train.txt").write_text("x\n")
    (folder / "laptop.test.txt").write_text("x\n")
    files = resolve_dataset_files("laptop14", data_dir=tmp_path, task_folder="atepc_datasets")
    assert {split: [path.name for path in paths] for split, paths in files.items()} == {
        "train": ["laptop.train.txt"], "test": ["laptop.test.txt"]}
    with pytest.raises(DatasetNotFoundError, match="APC dataset 'Laptop14'"):
        resolve_dataset_files("laptop14", data_dir=tmp_path)  # no apc_datasets/ there
