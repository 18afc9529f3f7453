"""APCProcessor: SPC pair encoding, LCF / LSA columns, aspect-centred truncation, labels, datasets caching.

Expected vectors are written out literally, computed by hand with PyABSA's formulas
(`get_lca_ids_and_cdm_vec`, `get_cdw_vec`): text_len = len("[CLS] sentence [SEP]"),
window = [max(0, b - SRD), b + n - 1 + SRD]; CDW outside the window = 1 - distance / text_len.
Every sentence used with `tiny_tokenizer` has only whole words of its vocabulary (one token per word).
"""

import pickle
from types import SimpleNamespace

import pytest

from hf_absa.data.processing import IGNORED_LABEL_ID, PARSE_FREE_COLUMNS, APCProcessor, local_context_vectors

LABEL2ID = {"Negative": 0, "Neutral": 1, "Positive": 2}
SENTENCE = "the battery life is good but the screen is dim"
THREE_ASPECTS = "the food was good but the service was slow and the price was cheap"


def row(sentence, aspect, label=None, occurrence=0, left=None, right=None):
    """A canonical row; `left` / `right` are neighbour aspect strings (None: the row's own aspect)."""
    start = -1
    for _ in range(occurrence + 1):
        start = sentence.index(aspect, start + 1)
    end = start + len(aspect)
    left_span = (sentence.index(left), sentence.index(left) + len(left)) if left else (start, end)
    right_span = (sentence.index(right), sentence.index(right) + len(right)) if right else (start, end)
    return {
        "sentence": sentence,
        "aspect": aspect,
        "aspect_start": start,
        "aspect_end": end,
        "label": label,
        "left_aspect_start": left_span[0],
        "left_aspect_end": left_span[1],
        "right_aspect_start": right_span[0],
        "right_aspect_end": right_span[1],
    }


def as_batch(rows):
    return {key: [r[key] for r in rows] for key in rows[0]}


def three_aspect_rows():
    return [
        row(THREE_ASPECTS, "food", "Positive", right="service"),
        row(THREE_ASPECTS, "service", "Negative", left="food", right="price"),
        row(THREE_ASPECTS, "price", "Positive", left="service"),
    ]


@pytest.fixture(scope="module")
def wordpiece_tokenizer():
    """A BERT tokenizer with a real (tiny) vocabulary, so decoded text can be compared."""
    from transformers import BertTokenizer

    words = (
        "the battery life is good but screen dim food was service slow and price cheap keyboard "
        "电 池 很 好 但 是 屏 幕 暗"
    ).split()
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, "##s", *"abcdefghijklmnopqrstuvwxyz"]
    return BertTokenizer(vocab={token: i for i, token in enumerate(tokens)})


@pytest.fixture(scope="module")
def roberta_tokenizer(tmp_path_factory):
    """A RoBERTa tokenizer with a byte-level BPE trained here, offline, on a few sentences."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        [SENTENCE, THREE_ASPECTS] * 3,
        vocab_size=320,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    directory = tmp_path_factory.mktemp("tiny-roberta")
    bpe.save_model(str(directory))
    return RobertaTokenizer(vocab=str(directory / "vocab.json"), merges=str(directory / "merges.txt"))


# ---------------------------------------------------------------------------- pair layout


def test_bert_pair_layout_and_sentence_length(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, input_names=["sentence_length"])
    out = processor(as_batch([row(SENTENCE, "screen")]))

    assert set(out) == {"input_ids", "attention_mask", "token_type_ids", "sentence_length"}
    # [CLS] the battery life is good but the screen is dim [SEP] screen [SEP]
    assert out["input_ids"][0] == tiny_tokenizer(SENTENCE, "screen")["input_ids"]
    ids = out["input_ids"][0]
    assert len(ids) == 14
    assert [i for i, t in enumerate(ids) if t in (tiny_tokenizer.cls_token_id, tiny_tokenizer.sep_token_id)] == [0, 11, 13]
    assert out["token_type_ids"][0] == [0] * 12 + [1] * 2
    assert out["attention_mask"][0] == [1] * 14
    assert out["sentence_length"] == [12]  # len("[CLS] <10 words> [SEP]"), PyABSA's text_len = 14 - 1 - 1


def test_only_requested_columns_are_computed(tiny_tokenizer):
    batch = as_batch([row(SENTENCE, "screen", "Positive")])
    assert set(APCProcessor(tiny_tokenizer, label2id=LABEL2ID)(batch)) == {
        "input_ids", "attention_mask", "token_type_ids", "labels"
    }
    out = APCProcessor(tiny_tokenizer, input_names=["lcf_cdw_vec"], label2id=LABEL2ID)(batch)
    assert set(out) == {"input_ids", "attention_mask", "token_type_ids", "lcf_cdw_vec", "labels"}
    out = APCProcessor(tiny_tokenizer, input_names=PARSE_FREE_COLUMNS, label2id=LABEL2ID)(batch)
    assert list(out) == ["input_ids", "attention_mask", "token_type_ids", *PARSE_FREE_COLUMNS, "labels"]


# ---------------------------------------------------------------------------- LCF vectors


def test_lcf_vectors_srd3_match_pyabsa_formula(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, srd=3, input_names=["lcf_cdm_vec", "lcf_cdw_vec"])
    out = processor(as_batch([row(SENTENCE, "screen")]))
    # PyABSA: aspect_begin = len(tokenize("[CLS] the battery life is good but the")) = 8, aspect_len = 1,
    # text_len = 12, window = [8 - 3, 8 + 1 + 3 - 1] = [5, 11].
    assert out["lcf_cdm_vec"][0] == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    expected_cdw = [7 / 12, 8 / 12, 9 / 12, 10 / 12, 11 / 12, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    assert out["lcf_cdw_vec"][0] == pytest.approx(expected_cdw)


def test_lcf_vectors_srd1(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, srd=1, input_names=["lcf_cdm_vec", "lcf_cdw_vec"])
    out = processor(as_batch([row(SENTENCE, "screen")]))
    # window = [7, 9]
    assert out["lcf_cdm_vec"][0] == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]
    expected_cdw = [5 / 12, 6 / 12, 7 / 12, 8 / 12, 9 / 12, 10 / 12, 11 / 12, 1, 1, 1, 11 / 12, 10 / 12, 0, 0]
    assert out["lcf_cdw_vec"][0] == pytest.approx(expected_cdw)


def test_multi_token_aspect_window(tiny_tokenizer):
    sentence = "the boot time is slow but the keyboard is nice"
    processor = APCProcessor(tiny_tokenizer, srd=1, input_names=["lcf_cdm_vec", "lcf_cdw_vec"])
    out = processor(as_batch([row(sentence, "boot time")]))
    # "boot time" = positions 2, 3 (b = 2, n = 2); window = [1, 4]; sentence_length = 12; 15 tokens in all.
    assert out["lcf_cdm_vec"][0] == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    expected_cdw = [11 / 12, 1, 1, 1, 1, 11 / 12, 10 / 12, 9 / 12, 8 / 12, 7 / 12, 6 / 12, 5 / 12, 0, 0, 0]
    assert out["lcf_cdw_vec"][0] == pytest.approx(expected_cdw)


def test_window_is_clipped_at_the_start():
    cdm, cdw = local_context_vectors(length=8, sentence_length=6, aspect_begin=1, aspect_len=1, srd=3)
    assert cdm.tolist() == [1, 1, 1, 1, 1, 0, 0, 0]  # window [max(0, -2), 4]; zero from position 6 on
    assert cdw.tolist() == pytest.approx([1, 1, 1, 1, 1, 5 / 6, 0, 0])


def test_left_and_right_neighbour_vectors(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, srd=3, input_names=PARSE_FREE_COLUMNS[:7], label2id=LABEL2ID)
    out = processor(as_batch(three_aspect_rows()))
    # [CLS] the food was good but the service was slow and the price was cheap [SEP] <aspect> [SEP]
    # food = 2, service = 7, price = 12; sentence_length = 16; 18 tokens.
    assert out["sentence_length"] == [16, 16, 16]
    s = 16
    food_cdm = [1] * 6 + [0] * 12  # window [0, 5]
    food_cdw = [1] * 6 + [1 - (i - 5) / s for i in range(6, 16)] + [0, 0]
    service_cdm = [0] * 4 + [1] * 7 + [0] * 7  # window [4, 10]
    service_cdw = [1 - (4 - i) / s for i in range(4)] + [1] * 7 + [1 - (i - 10) / s for i in range(11, 16)] + [0, 0]
    price_cdm = [0] * 9 + [1] * 7 + [0, 0]  # window [9, 15]
    price_cdw = [1 - (9 - i) / s for i in range(9)] + [1] * 7 + [0, 0]
    assert food_cdw[6:9] == pytest.approx([15 / 16, 14 / 16, 13 / 16])  # the literal values behind the formula
    assert price_cdw[:2] == pytest.approx([7 / 16, 8 / 16])

    assert out["labels"] == [2, 0, 2]
    middle = {name: values[1] for name, values in out.items()}
    assert middle["lcf_cdm_vec"] == service_cdm
    assert middle["lcf_cdw_vec"] == pytest.approx(service_cdw)
    assert middle["left_lcf_cdm_vec"] == food_cdm
    assert middle["left_lcf_cdw_vec"] == pytest.approx(food_cdw)
    assert middle["right_lcf_cdm_vec"] == price_cdm
    assert middle["right_lcf_cdw_vec"] == pytest.approx(price_cdw)
    # At the boundaries the neighbour is the example itself.
    assert out["left_lcf_cdm_vec"][0] == out["lcf_cdm_vec"][0] == food_cdm
    assert out["right_lcf_cdw_vec"][2] == out["lcf_cdw_vec"][2] == pytest.approx(price_cdw)
    assert out["right_lcf_cdm_vec"][0] == service_cdm


def test_missing_neighbour_columns_mean_no_neighbours(tiny_tokenizer):
    batch = as_batch([row(SENTENCE, "screen")])
    for key in ("left_aspect_start", "left_aspect_end", "right_aspect_start", "right_aspect_end"):
        del batch[key]
    out = APCProcessor(tiny_tokenizer, input_names=PARSE_FREE_COLUMNS[:7])(batch)
    assert out["left_lcf_cdm_vec"] == out["right_lcf_cdm_vec"] == out["lcf_cdm_vec"]


# ---------------------------------------------------------------------------- LSA (bert_spc) pairs


def test_lsa_neighbour_pair_encodings(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, input_names=PARSE_FREE_COLUMNS[7:], label2id=LABEL2ID)
    out = processor(as_batch(three_aspect_rows()))
    assert out["left_input_ids"][1] == tiny_tokenizer(THREE_ASPECTS, "food")["input_ids"]
    assert out["right_input_ids"][1] == tiny_tokenizer(THREE_ASPECTS, "price")["input_ids"]
    assert out["left_input_ids"][0] == out["input_ids"][0]  # boundary: own aspect
    assert out["right_input_ids"][2] == out["input_ids"][2]
    assert out["left_token_type_ids"][1] == [0] * 16 + [1] * 2
    assert out["right_attention_mask"][1] == [1] * 18


# ---------------------------------------------------------------------------- truncation


def sentence_text(tokenizer, input_ids):
    """Decoded sentence segment of a BERT pair encoding."""
    return tokenizer.decode(input_ids[1 : input_ids.index(tokenizer.sep_token_id)])


@pytest.mark.parametrize(
    "aspect, kept",
    [
        ("battery", "the battery life is good but"),  # right side longer: 4 tokens dropped from its far end
        ("dim", "good but the screen is dim"),  # left side longer
    ],
)
def test_truncation_drops_the_longer_side(wordpiece_tokenizer, aspect, kept):
    processor = APCProcessor(wordpiece_tokenizer, max_seq_len=10, srd=0, input_names=["lcf_cdm_vec"])
    out = processor(as_batch([row(SENTENCE, aspect)]))
    ids = out["input_ids"][0]
    assert len(ids) == 10
    assert sentence_text(wordpiece_tokenizer, ids) == kept
    assert ids[-2] == wordpiece_tokenizer.convert_tokens_to_ids(aspect)
    # SRD = 0: the CDM marks exactly the aspect's token(s) inside the kept window.
    assert [wordpiece_tokenizer.convert_ids_to_tokens(t) for t, m in zip(ids, out["lcf_cdm_vec"][0]) if m] == [aspect]


def test_truncation_shares_the_drop_when_both_sides_are_long(wordpiece_tokenizer, tiny_tokenizer):
    # left 6 tokens, right 7, 8 to drop: drop from the longer side each time (right on ties) -> 3 left, 2 right.
    for tokenizer in (tiny_tokenizer, wordpiece_tokenizer):
        processor = APCProcessor(tokenizer, max_seq_len=10, srd=1, input_names=["lcf_cdm_vec", "sentence_length"])
        out = processor(as_batch([row(THREE_ASPECTS, "service")]))
        assert len(out["input_ids"][0]) == 10
        assert out["sentence_length"] == [8]
        assert out["lcf_cdm_vec"][0] == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0]  # service at position 4
    assert sentence_text(wordpiece_tokenizer, out["input_ids"][0]) == "good but the service was slow"


def test_truncation_on_cjk_tokens(wordpiece_tokenizer):
    sentence = "电池很好但是屏幕很暗"  # one token per character, no spaces
    processor = APCProcessor(wordpiece_tokenizer, max_seq_len=10, srd=0, input_names=["lcf_cdm_vec"])
    out = processor(as_batch([row(sentence, "屏幕")]))
    ids = out["input_ids"][0]
    assert len(ids) == 10
    # left 6, right 2, drop 5: 4 from the left, then one from the right on the tie.
    assert sentence_text(wordpiece_tokenizer, ids).replace(" ", "") == "但是屏幕很"
    assert out["lcf_cdm_vec"][0] == [0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def test_neighbour_cut_off_by_truncation_uses_own_vectors(wordpiece_tokenizer):
    processor = APCProcessor(wordpiece_tokenizer, max_seq_len=10, srd=0, input_names=PARSE_FREE_COLUMNS[1:7])
    out = processor(as_batch([row(SENTENCE, "battery", right="dim", left="screen")]))
    # Kept: "the battery life is good but" -> screen and dim are both cut off.
    assert out["right_lcf_cdm_vec"] == out["left_lcf_cdm_vec"] == out["lcf_cdm_vec"]
    assert out["lcf_cdm_vec"][0] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_aspect_longer_than_budget_is_truncated_without_error(wordpiece_tokenizer):
    aspect = "the battery life is good but the screen"
    processor = APCProcessor(wordpiece_tokenizer, max_seq_len=8, input_names=["lcf_cdm_vec", "sentence_length"])
    out = processor(as_batch([row(SENTENCE, aspect)]))
    ids = out["input_ids"][0]
    assert len(ids) == 8
    # Only (a prefix of) the aspect is left in the sentence segment.
    assert aspect.startswith(sentence_text(wordpiece_tokenizer, ids))
    assert out["lcf_cdm_vec"][0][: out["sentence_length"][0]] == [1] * out["sentence_length"][0]


def test_sentences_that_fit_are_not_truncated(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, max_seq_len=14)
    assert processor(as_batch([row(SENTENCE, "screen")]))["input_ids"][0] == tiny_tokenizer(SENTENCE, "screen")["input_ids"]


# ---------------------------------------------------------------------------- RoBERTa-style pairs


def test_roberta_pair_layout_and_aspect_offsets(roberta_tokenizer):
    processor = APCProcessor(roberta_tokenizer, srd=0, input_names=["lcf_cdm_vec", "sentence_length", "left_token_type_ids"])
    out = processor(as_batch([row(SENTENCE, "screen")]))
    assert "token_type_ids" not in out and "left_token_type_ids" not in out  # RoBERTa has no token types
    tokens = roberta_tokenizer.convert_ids_to_tokens(out["input_ids"][0])
    sentence_length = out["sentence_length"][0]
    # <s> A </s></s> B </s>
    assert tokens[0] == "<s>" and tokens[-1] == "</s>"
    assert tokens[sentence_length - 1 : sentence_length + 1] == ["</s>", "</s>"]
    assert "</s>" not in tokens[1 : sentence_length - 1]
    assert roberta_tokenizer.convert_tokens_to_string(tokens[1 : sentence_length - 1]) == SENTENCE
    # The aspect is found inside the sentence through the offsets ("Ġscreen"), whatever the aspect segment's tokens.
    aspect_tokens = [t for t, mark in zip(tokens, out["lcf_cdm_vec"][0]) if mark]
    assert roberta_tokenizer.convert_tokens_to_string(aspect_tokens).strip() == "screen"
    assert roberta_tokenizer.convert_tokens_to_string(tokens[sentence_length + 1 : -1]) == "screen"


def test_roberta_truncation(roberta_tokenizer):
    full = len(roberta_tokenizer(SENTENCE, "battery")["input_ids"])
    processor = APCProcessor(roberta_tokenizer, max_seq_len=full - 4, srd=0, input_names=["sentence_length", "lcf_cdm_vec"])
    out = processor(as_batch([row(SENTENCE, "battery")]))
    ids = out["input_ids"][0]
    assert len(ids) <= full - 4
    kept = roberta_tokenizer.decode(ids[1 : out["sentence_length"][0] - 1])
    assert SENTENCE.startswith(kept) and "battery" in kept and len(kept) < len(SENTENCE)
    marked = [t for t, mark in zip(ids, out["lcf_cdm_vec"][0]) if mark]
    assert roberta_tokenizer.decode(marked).strip() == "battery"


# ---------------------------------------------------------------------------- labels and validation


def test_labels(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, label2id=LABEL2ID)
    rows = [row(SENTENCE, "screen", "Negative"), row(SENTENCE, "battery", "Positive"), row(SENTENCE, "dim", None)]
    assert processor(as_batch(rows))["labels"] == [0, 2, IGNORED_LABEL_ID]

    with pytest.raises(ValueError, match=r"unknown label 'Conflict'.*Negative.*Neutral.*Positive"):
        processor(as_batch([row(SENTENCE, "screen", "Conflict")]))
    with pytest.raises(ValueError, match="label2id"):
        APCProcessor(tiny_tokenizer)(as_batch(rows))
    unlabelled = as_batch([row(SENTENCE, "screen")])
    assert "labels" not in APCProcessor(tiny_tokenizer)(unlabelled)


def test_invalid_arguments(tiny_tokenizer):
    with pytest.raises(TypeError, match="fast tokenizer"):
        APCProcessor(SimpleNamespace(is_fast=False))
    with pytest.raises(ValueError, match="unknown column.*lcf_vec"):
        APCProcessor(tiny_tokenizer, input_names=["lcf_vec"])
    with pytest.raises(ValueError, match="max_seq_len"):
        APCProcessor(tiny_tokenizer, max_seq_len=4)
    with pytest.raises(ValueError, match="srd"):
        APCProcessor(tiny_tokenizer, srd=-1)


def test_invalid_rows(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer)
    bad = row(SENTENCE, "screen")
    bad["aspect_start"] += 1
    with pytest.raises(ValueError, match=r"sentence\[34:39\].*'screen'"):
        processor(as_batch([bad]))
    bad = row(SENTENCE, "screen")
    bad["left_aspect_end"] = 999
    with pytest.raises(ValueError, match="left_aspect_start/left_aspect_end"):
        processor(as_batch([bad]))
    with pytest.raises(ValueError, match="aspect_start"):
        processor({"sentence": [SENTENCE], "aspect": ["screen"]})


def test_empty_batch(tiny_tokenizer):
    out = APCProcessor(tiny_tokenizer, input_names=PARSE_FREE_COLUMNS)({key: [] for key in row(SENTENCE, "screen")})
    assert set(out) == {"input_ids", "attention_mask", "token_type_ids", *PARSE_FREE_COLUMNS}
    assert all(values == [] for values in out.values())


def test_processor_pickles(tiny_tokenizer):
    processor = APCProcessor(tiny_tokenizer, input_names=PARSE_FREE_COLUMNS, label2id=LABEL2ID)
    batch = as_batch(three_aspect_rows())
    assert pickle.loads(pickle.dumps(processor))(batch) == processor(batch)


# ---------------------------------------------------------------------------- datasets integration


def test_apply_is_cached_with_a_deterministic_fingerprint(tiny_tokenizer, tmp_path):
    from datasets import Dataset, load_from_disk

    rows = three_aspect_rows() + [row(SENTENCE, "screen", "Neutral")]
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "raw"))
    dataset = load_from_disk(str(tmp_path / "raw"))  # on disk, so map writes (and finds) cache files

    def make(srd=3):
        return APCProcessor(tiny_tokenizer, srd=srd, input_names=PARSE_FREE_COLUMNS, label2id=dict(reversed(LABEL2ID.items())))

    first = make().apply(dataset)
    make()(as_batch(rows))  # use the tokenizer (truncating calls) between the two maps
    second = APCProcessor(tiny_tokenizer, srd=3, input_names=list(reversed(PARSE_FREE_COLUMNS)), label2id=LABEL2ID).apply(dataset)
    assert first._fingerprint == second._fingerprint
    assert first.cache_files and first.cache_files == second.cache_files
    assert make(srd=1).apply(dataset)._fingerprint != first._fingerprint

    assert first.column_names == ["input_ids", "attention_mask", "token_type_ids", *PARSE_FREE_COLUMNS, "labels"]
    assert list(first["labels"]) == [2, 0, 2, 1]
    assert first[1]["left_lcf_cdm_vec"] == [1] * 6 + [0] * 12


def test_apply_to_dataset_dict(tiny_tokenizer):
    from datasets import Dataset, DatasetDict

    data = DatasetDict(
        {
            "train": Dataset.from_list(three_aspect_rows()),
            "test": Dataset.from_list([row(SENTENCE, "screen")]),  # all labels None: unlabelled split
        }
    )
    out = APCProcessor(tiny_tokenizer, input_names=["lcf_cdm_vec"], label2id=LABEL2ID).apply(data)
    assert out["train"].column_names == ["input_ids", "attention_mask", "token_type_ids", "lcf_cdm_vec", "labels"]
    assert out["test"].column_names == ["input_ids", "attention_mask", "token_type_ids", "lcf_cdm_vec"]
    with pytest.raises(TypeError, match="Dataset or DatasetDict"):
        APCProcessor(tiny_tokenizer).apply([row(SENTENCE, "screen")])
