"""Syntax distances (hf_absa.data.syntax) and the processor's syntax columns, on dependency parses built by hand.

No spaCy model is needed: `hand_parser` returns spaCy `Doc`s whose heads are written below, and every expected
vector is computed by hand from those trees with PyABSA's formulas (`calculate_dep_dist`, `get_cdw_vec` with a
syntax distance, `get_dynamic_cdm_vec`, `calculate_cluster`). The sentences are whole words of the tiny
tokenizer's vocabulary (one token each) except "cold", which it splits into c ##o ##l ##d.
"""

from __future__ import annotations

import math
import pickle
import sys

import pytest

from hf_absa.data.processing import SYNTAX_COLUMNS, APCProcessor
from hf_absa.data.syntax import MissingParserError, load_parser

spacy = pytest.importorskip("spacy")

from spacy.tokens import Doc  # noqa: E402  (after the importorskip)

ONE_SENTENCE = "the battery lasts forever"
TWO_SENTENCES = "the battery life is good . the screen is dim"
REPEATED = "the pizza was good but the pizza was cold"
# Each word's head (index of the word it depends on; a root is its own head).
HEADS = {
    ONE_SENTENCE: [1, 2, 2, 2],  # the <- battery <- lasts -> forever
    TWO_SENTENCES: [2, 2, 3, 3, 3, 3, 7, 8, 8, 8],  # two trees: "the battery life is good ." / "the screen is dim"
    REPEATED: [1, 2, 2, 2, 2, 6, 7, 2, 7],  # ... but (the pizza) was cold, conjoined to the first "was"
}
VOCAB = spacy.blank("en").vocab


def hand_parser(text: str) -> Doc:
    """A 'parser' that returns the hand-written tree of ``text`` (whitespace-separated words)."""
    words = text.split(" ")
    heads = HEADS[text]
    deps = ["ROOT" if head == index else "dep" for index, head in enumerate(heads)]
    return Doc(VOCAB, words=words, spaces=[True] * (len(words) - 1) + [False], heads=heads, deps=deps)


def rows(sentence: str, aspect: str, occurrence: int = 0, right: str | None = None) -> dict[str, list]:
    start = -1
    for _ in range(occurrence + 1):
        start = sentence.index(aspect, start + 1)
    end = start + len(aspect)
    right_span = (sentence.index(right), sentence.index(right) + len(right)) if right else (start, end)
    return {"sentence": [sentence], "aspect": [aspect], "aspect_start": [start], "aspect_end": [end],
            "left_aspect_start": [start], "left_aspect_end": [end], "right_aspect_start": [right_span[0]],
            "right_aspect_end": [right_span[1]]}


def columns(tokenizer, batch, names, srd=3, dlcf_a=2.0) -> dict[str, list]:
    out = APCProcessor(tokenizer, srd=srd, input_names=names, parser=hand_parser, dlcf_a=dlcf_a)(batch)
    return {name: out[name][0] for name in names}


def test_one_sentence_lcfs_vectors_against_hand_computed_distances(tiny_tokenizer):
    # [CLS] the battery lasts forever [SEP] battery [SEP]; distances to "battery": the 1, battery 0, lasts 1,
    # forever 2; [CLS] and [SEP] get the largest, 2; sentence_length = 6.
    out = columns(tiny_tokenizer, rows(ONE_SENTENCE, "battery"), ["lcfs_cdm_vec", "lcfs_cdw_vec"], srd=1)
    assert out["lcfs_cdm_vec"] == [0, 1, 1, 1, 0, 0, 0, 0]
    assert out["lcfs_cdw_vec"] == pytest.approx([4 / 6, 1, 1, 1, 4 / 6, 4 / 6, 0, 0])


def test_two_sentences_multiword_aspect_dlcf_and_clusters(tiny_tokenizer):
    # Aspect "battery life" (words 1, 2). Mean distance to its two words: the 1.5, battery .5, life .5, is 1.5,
    # good 2.5, "." 2.5; the second sentence has no path: 10 (the number of words). Specials: 10.
    # [CLS] the battery life is good . the screen is dim [SEP] battery life [SEP]: sentence_length = 12.
    names = ["lcfs_cdm_vec", "lcfs_cdw_vec", "dlcf_cdm_vec", "dlcf_cdw_vec", "dlcfs_cdm_vec", "dlcfs_cdw_vec",
             "depend_vec", "depended_vec"]
    out = columns(tiny_tokenizer, rows(TWO_SENTENCES, "battery life"), names, srd=2)
    far = 1 - 10 / 12
    assert out["lcfs_cdm_vec"] == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert out["lcfs_cdw_vec"] == pytest.approx([far, 1, 1, 1, 1, 9.5 / 12, 9.5 / 12, far, far, far, far, far,
                                                 0, 0, 0])
    # DLCF: max distance of a connected word 2.5, threshold log2(2.5) + 2 - 1 = 2.32.
    threshold = math.log(2.5, 2) + 1
    assert out["dlcfs_cdm_vec"] == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    # CDW beyond the threshold: 1 - distance / 2.5, clipped at 0 (PyABSA: -3 for the second sentence).
    assert out["dlcfs_cdw_vec"] == pytest.approx([0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    # Token positions: the aspect at 2-3, window [max(0, 2 - 2.32), 3 + 2.32] = [0, 5.32].
    assert out["dlcf_cdm_vec"] == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    expected = [1] * 6 + [1 - (position - (3 + threshold)) / 12 for position in range(6, 12)] + [0, 0, 0]
    assert out["dlcf_cdw_vec"] == pytest.approx(expected)
    # Clusters: the aspect's subtree is {the, battery, life}: depend = "the"; depended = the other words connected
    # to it (is, good, "."); the second sentence is in neither; [CLS] in both.
    assert out["depend_vec"] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert out["depended_vec"] == [1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]


def test_the_aspect_is_the_occurrence_at_its_characters_and_sub_words_share_their_word(tiny_tokenizer):
    # The second "pizza" (word 6): the(5) 1, was(7) 1, cold(8) 2, was(2) 2, good 3, but 3, pizza(1) 3, the(0) 4.
    # [CLS] the pizza was good but the pizza was c ##o ##l ##d [SEP] pizza [SEP]: "cold" is 4 sub-words, each at
    # distance 2; sentence_length = 14. (PyABSA takes the first "pizza" of the sentence.)
    assert tiny_tokenizer.tokenize("cold") == ["c", "##o", "##l", "##d"]
    out = columns(tiny_tokenizer, rows(REPEATED, "pizza", occurrence=1), ["lcfs_cdm_vec", "lcfs_cdw_vec"], srd=1)
    distances = [4, 4, 3, 2, 3, 3, 1, 0, 1, 2, 2, 2, 2, 4]
    assert out["lcfs_cdm_vec"] == [1.0 if d <= 1 else 0.0 for d in distances] + [0, 0]
    assert out["lcfs_cdw_vec"] == pytest.approx([1 if d <= 1 else 1 - d / 14 for d in distances] + [0, 0])


def test_neighbour_vectors_measure_from_the_neighbour_aspect(tiny_tokenizer):
    batch = rows(TWO_SENTENCES, "battery life", right="screen")
    out = columns(tiny_tokenizer, batch, ["lcfs_cdm_vec", "left_lcfs_cdm_vec", "right_lcfs_cdm_vec"], srd=1)
    assert out["left_lcfs_cdm_vec"] == out["lcfs_cdm_vec"]  # no left neighbour: the aspect itself
    # From "screen" (word 7): the(6) 1, is(8) 1, dim(9) 2; the first sentence has no path.
    assert out["right_lcfs_cdm_vec"] == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]


def test_each_text_is_parsed_once_and_only_for_syntax_columns(tiny_tokenizer):
    calls = []

    def counting_parser(text):
        calls.append(text)
        return hand_parser(text)

    batch = {name: values * 2 for name, values in rows(ONE_SENTENCE, "battery").items()}
    APCProcessor(tiny_tokenizer, input_names=["lcfs_cdw_vec"], parser=counting_parser)(batch)
    assert calls == [ONE_SENTENCE]
    APCProcessor(tiny_tokenizer, input_names=["lcf_cdw_vec"], parser=counting_parser)(batch)
    assert calls == [ONE_SENTENCE]


def test_syntax_columns_are_cached_by_datasets_with_the_parser_in_the_fingerprint(tiny_tokenizer, tmp_path):
    from datasets import Dataset, load_from_disk

    data = {name: values for name, values in rows(ONE_SENTENCE, "battery").items()}
    Dataset.from_dict(data).save_to_disk(str(tmp_path / "raw"))
    dataset = load_from_disk(str(tmp_path / "raw"))
    processor = APCProcessor(tiny_tokenizer, input_names=list(SYNTAX_COLUMNS), parser=hand_parser)
    first = processor.apply(dataset)
    again = APCProcessor(tiny_tokenizer, input_names=list(SYNTAX_COLUMNS), parser=hand_parser).apply(dataset)
    assert first._fingerprint == again._fingerprint and first.cache_files == again.cache_files
    assert first.column_names == ["input_ids", "attention_mask", "token_type_ids", *SYNTAX_COLUMNS]
    assert first[0]["lcfs_cdm_vec"] == [1, 1, 1, 1, 1, 1, 0, 0]  # srd 3: the sentence (distances 2 at most)
    assert pickle.loads(pickle.dumps(processor))(data) == processor(data)


def test_a_missing_spacy_pipeline_is_a_one_line_error_saying_how_to_install_it(tiny_tokenizer):
    with pytest.raises(MissingParserError) as error:
        APCProcessor(tiny_tokenizer, input_names=["lcfs_cdw_vec"], parser="hf_absa_no_such_pipeline")
    message = str(error.value)
    assert "python -m spacy download hf_absa_no_such_pipeline" in message and "\n" not in message
    # Nothing is loaded unless a syntax column is requested.
    APCProcessor(tiny_tokenizer, input_names=["lcf_cdw_vec"], parser="hf_absa_no_such_pipeline")


def test_a_missing_spacy_is_a_one_line_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # `import spacy` raises ImportError
    with pytest.raises(MissingParserError, match=r'pip install "hf_absa\[syntax\]"') as error:
        load_parser("en_core_web_sm")
    assert "python -m spacy download en_core_web_sm" in str(error.value) and "\n" not in str(error.value)


def test_a_parser_that_changes_the_text_is_refused(tiny_tokenizer):
    def lower_parser(text):
        return Doc(VOCAB, words=text.upper().split(" "))

    with pytest.raises(ValueError, match="must keep the text"):
        APCProcessor(tiny_tokenizer, input_names=["lcfs_cdw_vec"], parser=lower_parser)(rows(ONE_SENTENCE, "battery"))
