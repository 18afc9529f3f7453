"""ATEPCProcessor and DataCollatorForATEPC on tiny WordPiece, byte-level BPE and Unigram tokenizers built here."""

import pickle

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from conftest import SHARED_DATASETS
from hf_absa.data import ATEPCProcessor, DataCollatorForATEPC, atepc_example_from_words, load_atepc_dataset

CORPUS = ["the battery life is great", "the screen is bad", "great food and rude staff", "battery lasts long"] * 5
LABEL2ID = {"Negative": 0, "Neutral": 1, "Positive": 2}


def wordpiece():
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(CORPUS, trainers.WordPieceTrainer(
        vocab_size=60, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"]))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]",
                                   cls_token="[CLS]", sep_token="[SEP]")


def byte_bpe():
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<pad>", "<s>", "</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 1), add_prefix_space=True)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
                                   add_prefix_space=True)


def unigram():
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.train_from_iterator(CORPUS, trainers.UnigramTrainer(
        vocab_size=40, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


TOKENIZERS = {"wordpiece": wordpiece, "byte-bpe": byte_bpe, "unigram": unigram}
EXAMPLE = atepc_example_from_words(["the", "battery", "life", "is", "great", "food"],
                                   [(1, 3, "Positive"), (5, 6, None)])


def expected_features(tokenizer, example, max_seq_len):
    """The interface's features worked out token by token from the tokenizer's own word_ids."""
    word_ids = tokenizer(example["words"], is_split_into_words=True, truncation=True,
                         max_length=max_seq_len).word_ids()
    full = tokenizer(example["words"], is_split_into_words=True).word_ids()
    tags = {}
    for start, end in zip(example["aspect_starts"], example["aspect_ends"]):
        tags.update({word: 1 if word == start else 2 for word in range(start, end)})
    labels = [-100 if word is None or (i and word_ids[i - 1] == word) else tags.get(word, 0)
              for i, word in enumerate(word_ids)]
    spans, polarities = [], []
    for start, end, label in zip(example["aspect_starts"], example["aspect_ends"], example["aspect_labels"]):
        if full.count(end - 1) == word_ids.count(end - 1):  # every sub-token of the aspect survived
            spans.append([word_ids.index(start), len(word_ids) - word_ids[::-1].index(end - 1)])
            polarities.append(-100 if label is None else LABEL2ID[label])
    return labels, spans, polarities, [-1 if word is None else word for word in word_ids]


@pytest.mark.parametrize("name", TOKENIZERS)
def test_features_follow_word_ids_for_each_tokenizer_layout(name):
    tokenizer = TOKENIZERS[name]()
    processor = ATEPCProcessor(tokenizer, max_seq_len=64, label2id=LABEL2ID)
    (row,) = processor.feature_rows([EXAMPLE])
    labels, spans, polarities, word_ids = expected_features(tokenizer, EXAMPLE, 64)
    assert row["input_ids"] == tokenizer(EXAMPLE["words"], is_split_into_words=True)["input_ids"]
    assert (row["labels"], row["aspect_spans"], row["polarity_labels"], row["word_ids"]) == (
        labels, spans, polarities, word_ids)
    # the interface's meaning, independent of the helper: tags on first sub-tokens, spans over the aspect words
    first_tokens = [position for position, word in enumerate(word_ids) if word >= 0 and
                    (position == 0 or word_ids[position - 1] != word)]
    assert [row["labels"][position] for position in first_tokens] == [0, 1, 2, 0, 0, 1]
    assert polarities == [2, -100]
    (start, end), _ = row["aspect_spans"]
    assert set(word_ids[start:end]) == {1, 2}


@pytest.mark.parametrize("name", TOKENIZERS)
def test_aspect_cut_by_max_seq_len_is_dropped_and_counted(name):
    tokenizer = TOKENIZERS[name]()
    full_length = len(tokenizer(EXAMPLE["words"], is_split_into_words=True)["input_ids"])
    processor = ATEPCProcessor(tokenizer, max_seq_len=full_length - 1, label2id=LABEL2ID)
    featurised = processor.apply(Dataset.from_list([EXAMPLE]))
    row = featurised[0]
    assert len(row["input_ids"]) == full_length - 1
    assert row["polarity_labels"] == [2]  # "food", the last word, lost a sub-token or all of them
    assert processor.dropped_aspects == {"data": (1, 2)}
    labels, spans, _, _ = expected_features(tokenizer, EXAMPLE, full_length - 1)
    assert row["labels"] == labels and row["aspect_spans"] == spans


def test_chinese_characters_as_words_and_processor_pickles():
    tokenizer = wordpiece()
    example = atepc_example_from_words(list("价格偏高"), [(0, 2, "Negative")])
    processor = ATEPCProcessor(tokenizer, max_seq_len=16, label2id=LABEL2ID)
    (row,) = processor.feature_rows([example])
    assert row["word_ids"][1:-1] == [0, 1, 2, 3] and row["labels"][1:-1] == [1, 2, 0, 0]
    assert row["aspect_spans"] == [[1, 3]] and row["polarity_labels"] == [0]
    assert pickle.loads(pickle.dumps(processor)).label2id == LABEL2ID


def test_polarity_without_label2id_is_an_error():
    with pytest.raises(ValueError, match="no label2id was given"):
        ATEPCProcessor(wordpiece(), 16).feature_rows([EXAMPLE])


def test_collator_pads_every_column_as_the_interface_says():
    tokenizer = wordpiece()
    processor = ATEPCProcessor(tokenizer, max_seq_len=64, label2id=LABEL2ID)
    short = atepc_example_from_words(["great"])
    rows = processor.feature_rows([EXAMPLE, short])
    batch = DataCollatorForATEPC(tokenizer)(rows)
    length = len(rows[0]["input_ids"])
    assert set(batch) == {"input_ids", "attention_mask", "token_type_ids", "labels", "aspect_spans",
                          "polarity_labels"} - ({"token_type_ids"} - set(rows[0]))
    assert all(tensor.dtype == torch.long for tensor in batch.values())
    assert batch["input_ids"].shape == (2, length)
    short_length = len(rows[1]["input_ids"])
    assert batch["input_ids"][1, short_length:].eq(tokenizer.pad_token_id).all()
    assert batch["attention_mask"][1].tolist() == [1] * short_length + [0] * (length - short_length)
    assert batch["labels"][1, short_length:].eq(-100).all()
    assert batch["aspect_spans"].shape == (2, 2, 2) and batch["aspect_spans"][1].eq(-1).all()
    assert batch["aspect_spans"][0].tolist() == rows[0]["aspect_spans"]
    assert batch["polarity_labels"].tolist() == [[2, -100], [-100, -100]]

    empty = DataCollatorForATEPC(tokenizer)(processor.feature_rows([short, short]))
    assert empty["aspect_spans"].shape == (2, 0, 2) and empty["polarity_labels"].shape == (2, 0)
    assert pickle.loads(pickle.dumps(DataCollatorForATEPC(tokenizer))).tokenizer.pad_token == "[PAD]"


@pytest.mark.skipif(not (SHARED_DATASETS / "atepc_datasets" / "102.Chinese").is_dir(),
                    reason="the Chinese .atepc sets of ../shared/datasets are not available")
def test_shared_chinese_set_featurises_one_word_per_character():
    loaded = load_atepc_dataset("Car", data_dir=SHARED_DATASETS)
    sample = loaded["test"].select(range(50))
    assert all(len(word) == 1 for words in sample["words"] for word in words)
    processor = ATEPCProcessor(wordpiece(), max_seq_len=512, label2id=LABEL2ID)
    featurised = processor.apply(sample)
    total = sum(map(len, sample["aspect_starts"]))
    assert processor.dropped_aspects == {"data": (0, total)}
    for example, row in zip(sample, featurised):
        # each aspect's span covers exactly its characters' tokens
        for start, end, (first, last) in zip(example["aspect_starts"], example["aspect_ends"], row["aspect_spans"]):
            assert set(row["word_ids"][first:last]) == set(range(start, end))
