"""load_apc_dataset over every supported source, and build_label_mapping."""

import numpy as np
import pandas as pd
import pytest
from datasets import Dataset, DatasetDict, Value

from hf_absa.data.loading import APC_FEATURES, build_label_mapping, load_apc_dataset
from hf_absa.data.readers import EXAMPLE_COLUMNS

TRAIN_LINES = [
    "The $T$ was great but the service slow .", "food", "1",
    "The food was great but the $T$ slow .", "service", "-1",
    "$T$ is fine", "wine", "0",
]
TEST_LINES = ["the $T$ is rude", "waiter", "Negative"]
SENTENCE = "The food was great but the service slow ."


def write_lines(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def mams_root(tmp_path):
    folder = tmp_path / "data" / "apc_datasets" / "109.MAMS"
    write_lines(folder / "train.xml.dat", TRAIN_LINES)
    write_lines(folder / "valid.xml.dat", TEST_LINES)
    write_lines(folder / "test.xml.dat", TEST_LINES)
    write_lines(folder / "test.xml.dat.inference", ["never [B-ASP]read[E-ASP]"])
    return tmp_path / "data"


def check_schema(dataset_dict):
    for dataset in dataset_dict.values():
        assert dataset.features == APC_FEATURES
        assert tuple(dataset.column_names) == EXAMPLE_COLUMNS


def test_features_are_fixed():
    assert APC_FEATURES["sentence"] == Value("string") and APC_FEATURES["label"] == Value("string")
    assert all(APC_FEATURES[column] == Value("int32") for column in EXAMPLE_COLUMNS if "aspect_" in column)


def test_load_registered_name_and_folder(mams_root):
    loaded = load_apc_dataset("MAMS", data_dir=mams_root)
    assert isinstance(loaded, DatasetDict) and list(loaded) == ["train", "validation", "test"]
    check_schema(loaded)
    train = loaded["train"].to_list()
    assert [(row["aspect"], row["aspect_start"], row["label"]) for row in train] == [
        ("food", 4, "Positive"), ("service", 27, "Negative"), ("wine", 0, "Neutral")]
    assert (train[0]["right_aspect_start"], train[0]["right_aspect_end"]) == (27, 34)
    assert (train[1]["left_aspect_start"], train[1]["left_aspect_end"]) == (4, 8)
    assert loaded["test"]["aspect"] == ["waiter"]

    from_folder = load_apc_dataset(mams_root / "apc_datasets" / "109.MAMS")
    assert {split: from_folder[split].to_list() for split in from_folder} == {
        split: loaded[split].to_list() for split in loaded}


def test_load_single_files(mams_root, tmp_path):
    folder = mams_root / "apc_datasets" / "109.MAMS"
    assert list(load_apc_dataset(folder / "test.xml.dat")) == ["test"]
    plain = write_lines(tmp_path / "reviews.txt", TRAIN_LINES)
    assert load_apc_dataset(str(plain))["train"].num_rows == 3
    marked = write_lines(tmp_path / "new.inference", ["The [B-ASP]food[E-ASP] and [B-ASP]wine[E-ASP] $LABEL$ 1, 1"])
    rows = load_apc_dataset(marked)["train"].to_list()
    assert [(row["sentence"], row["aspect"], row["label"], row["left_aspect_start"]) for row in rows] == [
        ("The food and wine", "food", "Positive", 4), ("The food and wine", "wine", "Positive", 4)]


def test_load_dict_of_split_paths(mams_root, tmp_path):
    folder = mams_root / "apc_datasets" / "109.MAMS"
    extra = write_lines(tmp_path / "extra.txt", TEST_LINES)
    loaded = load_apc_dataset({"train": [folder / "train.xml.dat", extra], "dev": str(folder / "valid.xml.dat"),
                               "test": folder / "test.xml.dat"})
    assert list(loaded) == ["train", "validation", "test"]
    assert loaded["train"]["aspect"] == ["food", "service", "wine", "waiter"]
    check_schema(loaded)


def test_load_list_of_dicts_with_placeholder_and_explicit_start():
    rows = [
        {"sentence": "The $T$ was great but the service slow .", "aspect": "food", "label": 1},
        {"sentence": SENTENCE, "aspect": "service", "label": "negative"},
        {"sentence": "  food, food and more food", "aspect": "food", "aspect_start": 8, "label": 0},
    ]
    loaded = load_apc_dataset(rows)
    assert list(loaded) == ["train"]
    result = loaded["train"].to_list()
    assert result[0] == {"sentence": SENTENCE, "aspect": "food", "aspect_start": 4, "aspect_end": 8,
                         "label": "Positive", "left_aspect_start": 4, "left_aspect_end": 8,
                         "right_aspect_start": 27, "right_aspect_end": 34}
    assert result[1]["left_aspect_start"] == 4 and result[1]["right_aspect_start"] == 27
    # leading whitespace is stripped and the given offset shifted with it
    assert (result[2]["sentence"], result[2]["aspect_start"], result[2]["aspect_end"], result[2]["label"]) == (
        "food, food and more food", 6, 10, "Neutral")


def test_load_dataframe_with_numpy_values():
    frame = pd.DataFrame({
        "sentence": [SENTENCE, SENTENCE, "the wine"],
        "aspect": ["food", "service", "wine"],
        "label": [1.0, -1.0, np.nan],          # pandas turns an int column with a gap into floats
        "aspect_start": [np.nan, 27, np.nan],
    })
    # the gap is an unlabelled training row: refused, or dropped when asked
    with pytest.raises(ValueError, match=r"^row 2 of the train data: the label is missing"):
        load_apc_dataset(frame)
    rows = load_apc_dataset(frame, drop_unlabelled=True)["train"].to_list()
    assert [(row["aspect_start"], row["label"]) for row in rows] == [(4, "Positive"), (27, "Negative")]


def test_load_dataset_and_datasetdict_keep_neighbours_after_shuffle():
    dataset = Dataset.from_dict({"sentence": [SENTENCE, SENTENCE], "aspect": ["food", "service"],
                                 "label": ["Positive", "Negative"], "note": ["x", "y"]})
    loaded = load_apc_dataset(dataset)
    assert list(loaded) == ["train"] and loaded["train"]["right_aspect_start"] == [27, 27]
    check_schema(loaded)

    shuffled = DatasetDict({"train": loaded["train"].select([1, 0]), "valid": loaded["train"]})
    reloaded = load_apc_dataset(shuffled)
    assert list(reloaded) == ["train", "validation"]
    assert reloaded["train"]["left_aspect_start"] == [4, 4] and reloaded["train"]["aspect"] == ["service", "food"]


def test_load_columnar_dict():
    loaded = load_apc_dataset({"sentence": ["the food"], "aspect": ["food"], "label": ["Positive"]})
    assert loaded["train"]["aspect_start"] == [4]


@pytest.mark.parametrize("rows, message", [
    ([{"sentence": "the food", "aspect": "food", "label": "Positive"}, {"sentence": "the wine", "aspect": "wine"}],
     "row 1 of the train data: column 'label' is missing; expected the columns sentence, aspect, label"),
    ([{"sentence": "the food", "aspect": "pizza", "label": "Positive"}],
     "row 0 of the train data: the aspect 'pizza' (column 'aspect') does not occur in column 'sentence'"),
    ([{"sentence": "the food", "aspect": "food", "aspect_start": 1, "label": "Positive"}],
     "row 0 of the train data: column 'aspect_start' is 1, but sentence[1:5] is 'he f', not the aspect 'food'"),
    ([{"sentence": "$T$ and $T$", "aspect": "food", "label": "Positive"}],
     "row 0 of the train data: column 'sentence' contains '$T$' more than once"),
    ([{"sentence": "the food", "aspect": "  ", "label": "Positive"}],
     "row 0 of the train data: column 'aspect' is '  '; expected a non-empty string"),
    ([], "the train data has no rows"),
])
def test_in_memory_errors_name_row_and_column(rows, message):
    with pytest.raises(ValueError) as error_info:
        load_apc_dataset(rows)
    assert message in str(error_info.value)


def test_dataframe_error_names_row():
    frame = pd.DataFrame({"sentence": ["the food", "the wine"], "aspect": ["food", "beer"], "label": [1, 0]})
    with pytest.raises(ValueError, match=r"^row 1 of the train data: the aspect 'beer'"):
        load_apc_dataset(frame)


def test_bad_sources():
    with pytest.raises(ValueError, match="unknown split name 'holdout'"):
        load_apc_dataset({"train": [{"sentence": "a b", "aspect": "a", "label": 1}], "holdout": []})
    with pytest.raises(ValueError, match="a dict must map split names"):
        load_apc_dataset({"text": ["a"]})
    with pytest.raises(TypeError, match="cannot load APC data from int"):
        load_apc_dataset(3)
    with pytest.raises(TypeError, match="row 0 is of type int"):
        load_apc_dataset([3])


def make_splits(train_labels, **others):
    def dataset(labels):
        return Dataset.from_dict({"label": labels})
    return DatasetDict({"train": dataset(train_labels), **{name: dataset(labels) for name, labels in others.items()}})


def test_build_label_mapping():
    splits = make_splits(["Positive", "Negative", None, "Neutral", "Positive"], test=["Neutral", None])
    assert build_label_mapping(splits) == ["Negative", "Neutral", "Positive"]
    assert build_label_mapping(make_splits(["b", "Conflict", "a"])) == ["Conflict", "a", "b"]

    with pytest.raises(ValueError, match=r"split 'validation' has label\(s\) 'Conflict' that the 'train' split "
                                         r"lacks \('Conflict' on 1 example\); expected only the train labels "
                                         r"Negative, Positive"):
        build_label_mapping(make_splits(["Positive", "Negative"], validation=["Conflict", "Positive"]))
    with pytest.raises(ValueError, match="no 'train' split"):
        build_label_mapping(DatasetDict({"test": Dataset.from_dict({"label": ["Positive"]})}))
    with pytest.raises(ValueError, match="no labelled example"):
        build_label_mapping(make_splits([None, None]))


def test_real_dataset_end_to_end(shared_datasets):
    loaded = load_apc_dataset("Laptop14", data_dir=shared_datasets)
    assert (loaded["train"].num_rows, loaded["test"].num_rows) == (2328, 638)
    assert build_label_mapping(loaded) == ["Negative", "Neutral", "Positive"]
    check_schema(loaded)
