"""DataCollatorForAPC: dynamic padding of every per-token column to one common length."""

import pickle
from types import SimpleNamespace

import pytest
import torch

from hf_absa.data.collator import DataCollatorForAPC
from hf_absa.data.processing import PARSE_FREE_COLUMNS, APCProcessor

PAD = 7  # a pad id that is neither 0 nor a mask value, so misplaced padding shows


def example(length, left_length=None, label=1, sentence="s"):
    left_length = length if left_length is None else left_length
    return {
        "sentence": sentence,  # strings are dropped
        "input_ids": list(range(10, 10 + length)),
        "attention_mask": [1] * length,
        "token_type_ids": [0] * (length - 1) + [1],
        "lcf_cdw_vec": [0.5] * length,
        "left_input_ids": list(range(20, 20 + left_length)),
        "left_attention_mask": [1] * left_length,
        "sentence_length": length - 1,
        "labels": label,
    }


@pytest.fixture()
def collator():
    return DataCollatorForAPC(SimpleNamespace(pad_token_id=PAD, padding_side="right"))


def test_pads_to_the_longest_in_the_batch_with_correct_values(collator):
    batch = collator([example(3, label=0), example(5, label=2)])
    assert set(batch) == {
        "input_ids", "attention_mask", "token_type_ids", "lcf_cdw_vec",
        "left_input_ids", "left_attention_mask", "sentence_length", "labels",
    }
    assert batch["input_ids"].tolist() == [[10, 11, 12, PAD, PAD], [10, 11, 12, 13, 14]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1] * 5]
    assert batch["token_type_ids"].tolist() == [[0, 0, 1, 0, 0], [0, 0, 0, 0, 1]]
    assert batch["lcf_cdw_vec"].tolist() == [[0.5, 0.5, 0.5, 0.0, 0.0], [0.5] * 5]
    assert batch["labels"].tolist() == [0, 2]
    assert batch["sentence_length"].tolist() == [2, 4]
    for name in ("input_ids", "attention_mask", "token_type_ids", "left_input_ids", "labels", "sentence_length"):
        assert batch[name].dtype == torch.long, name
    assert batch["lcf_cdw_vec"].dtype == torch.float32


def test_length_follows_each_batch_not_max_seq_len(collator):
    assert collator([example(3), example(4)])["input_ids"].shape == (2, 4)
    assert collator([example(6), example(2)])["lcf_cdw_vec"].shape == (2, 6)


def test_neighbour_columns_share_the_common_length(collator):
    # The left neighbour's encoding is longer than any input_ids: everything is padded to it.
    batch = collator([example(3, left_length=6), example(4, left_length=2)])
    for name in ("input_ids", "attention_mask", "lcf_cdw_vec", "left_input_ids", "left_attention_mask"):
        assert batch[name].shape == (2, 6), name
    assert batch["left_input_ids"].tolist() == [[20, 21, 22, 23, 24, 25], [20, 21, PAD, PAD, PAD, PAD]]
    assert batch["input_ids"][0].tolist() == [10, 11, 12, PAD, PAD, PAD]


def test_pad_to_multiple_of():
    collator = DataCollatorForAPC(SimpleNamespace(pad_token_id=PAD, padding_side="right"), pad_to_multiple_of=8)
    assert collator([example(3), example(5)])["input_ids"].shape == (2, 8)
    assert collator([example(9)])["lcf_cdw_vec"].shape == (1, 16)


def test_left_padding_side():
    collator = DataCollatorForAPC(SimpleNamespace(pad_token_id=PAD, padding_side="left"))
    batch = collator([example(2), example(3)])
    assert batch["input_ids"].tolist() == [[PAD, 10, 11], [10, 11, 12]]
    assert batch["lcf_cdw_vec"].tolist() == [[0.0, 0.5, 0.5], [0.5] * 3]


def test_errors():
    with pytest.raises(ValueError, match="empty"):
        DataCollatorForAPC(SimpleNamespace(pad_token_id=PAD))([])
    with pytest.raises(ValueError, match="pad token"):
        DataCollatorForAPC(SimpleNamespace(pad_token_id=None))([example(2)])
    with pytest.raises(ValueError, match="'sentence' is missing from some examples"):
        DataCollatorForAPC(SimpleNamespace(pad_token_id=PAD))([example(2), {"input_ids": [1]}])


def test_end_to_end_with_processor_output_and_pickling(tiny_tokenizer):
    sentence = "the food was good but the service was slow"
    rows = [
        {"sentence": "the food was good", "aspect": "food", "aspect_start": 4, "aspect_end": 8, "label": "Positive"},
        {"sentence": sentence, "aspect": "service", "aspect_start": 26, "aspect_end": 33, "label": "Negative"},
    ]
    processor = APCProcessor(tiny_tokenizer, input_names=PARSE_FREE_COLUMNS, label2id={"Negative": 0, "Positive": 1})
    features = processor({key: [r[key] for r in rows] for key in rows[0]})
    examples = [{name: values[i] for name, values in features.items()} for i in range(2)]

    collator = pickle.loads(pickle.dumps(DataCollatorForAPC(tiny_tokenizer)))
    batch = collator(examples)
    length = len(examples[1]["input_ids"])  # [CLS] 9 words [SEP] service [SEP]
    assert length == 13
    assert set(batch) == set(features)
    for name in features:
        if name not in ("labels", "sentence_length"):
            assert batch[name].shape == (2, length), name
    short = len(examples[0]["input_ids"])
    assert batch["input_ids"][0, short:].tolist() == [tiny_tokenizer.pad_token_id] * (length - short)
    assert batch["right_lcf_cdm_vec"][0, :short].tolist() == examples[0]["right_lcf_cdm_vec"]
    assert batch["labels"].tolist() == [1, 0]
