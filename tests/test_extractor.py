"""`AspectExtractor` (hf_absa.inference.extractor) on tiny ATEPC models: schema, offsets, every mode, decoding,
long texts, unicode, batching, bf16, bad input.

Most tests use a model whose tagger is set by hand (`tagging_model`): the backbone's hidden state of a token is a
function of the token alone, and the tag head tags chosen tokens B-ASP / I-ASP with a wide margin. What it finds
is therefore known in advance, whatever the context, so the tests check the extractor, not a model's accuracy.
"""

import json

import numpy as np
import pytest
import torch
from datasets import Dataset

from atepc_fixtures import POLARITIES, tagging_model
from hf_absa import AspectExtractor, SentimentClassifier
from hf_absa.data.atepc_readers import atepc_example_from_words, split_words
from hf_absa.inference.extractor import (
    PREDICTION_COLUMN,
    _Aspect,
    _owned_ranges,
    _without_overlaps,
    decode_tags,
    spans_could_change,
    window_word_ranges,
)
from hf_absa.inference.streaming import stream_predictions
from hf_absa.models import ATEPC_TAGS, ATEPCModelForTokenClassification
from hf_absa.training import export_checkpoint

APC_KEYS = ["aspect", "start", "end", "label", "score", "probabilities"]
EXTRACTION_KEYS = ["word_start", "word_end", "extraction_score"]
TEXTS = [
    "The battery life is great but the screen is dim",
    "i love this place",
    "battery",
    "the screen , the battery and the battery life , all good . the keyboard is bad",
]


@pytest.fixture(scope="module")
def model(tiny_backbone_dir, tiny_tokenizer):
    return tagging_model(tiny_backbone_dir, tiny_tokenizer)


@pytest.fixture(scope="module")
def extractor(model, tiny_tokenizer):
    return AspectExtractor(model, tiny_tokenizer, device="cpu", batch_size=2)


@pytest.fixture(scope="module")
def checkpoint(model, tiny_tokenizer, tmp_path_factory):
    return export_checkpoint(model, tiny_tokenizer, tmp_path_factory.mktemp("atepc-checkpoint"), mode=1)


def found(result):
    return [(aspect["aspect"], aspect["start"], aspect["end"]) for aspect in result["aspects"]]


def assert_offsets_hold(result):
    text = result["sentence"]
    words = split_words(text)
    for aspect in result["aspects"]:
        assert text[aspect["start"] : aspect["end"]] == aspect["aspect"]
        assert words[aspect["word_start"]][0] == aspect["start"]
        assert words[aspect["word_end"] - 1][1] == aspect["end"]
    ends = [(aspect["start"], aspect["end"]) for aspect in result["aspects"]]
    assert ends == sorted(ends)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(ends, ends[1:]))


# ---------------------------------------------------------------------- decoding and windows


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["I-ASP", "I-ASP", "O"], [(0, 2)]),  # I- at the start opens a span
        (["O", "I-ASP", "O", "I-ASP"], [(1, 2), (3, 4)]),  # I- after O opens a span; a span at the end
        (["B-ASP", "B-ASP", "I-ASP"], [(0, 1), (1, 3)]),  # B- B-: two spans
        (["O", "B-ASP", "I-ASP", "I-ASP"], [(1, 4)]),  # a span still open at the end closes there
        (["O", "O"], []),
        (["B-ASP"], [(0, 1)]),
        ([], []),
    ],
)
def test_decode_tags_gives_valid_spans_from_any_tag_sequence(tags, spans):
    assert decode_tags(tags) == spans


def test_every_tag_sequence_decodes_to_sorted_non_overlapping_spans():
    rng = np.random.default_rng(0)
    for _ in range(200):
        tags = list(rng.choice(ATEPC_TAGS, size=int(rng.integers(0, 12))))
        spans = decode_tags(tags)
        assert all(0 <= start < end <= len(tags) for start, end in spans)
        assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
        assert all(tags[start] != "O" and all(tag == "I-ASP" for tag in tags[start + 1 : end]) for start, end in spans)
        covered = {index for start, end in spans for index in range(start, end)}
        assert covered == {index for index, tag in enumerate(tags) if tag != "O"}


@pytest.mark.parametrize("budget", [1, 3, 8, 20])
def test_windows_fit_the_budget_overlap_and_the_owned_words_cover_each_word_once(budget):
    counts = list(np.random.default_rng(budget).integers(0, 4, size=60))
    counts[10] = budget + 5  # a word longer than a window is a window of its own
    ranges = window_word_ranges(counts, budget)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(counts)
    for first, end in ranges:
        assert end > first and (sum(counts[first:end]) <= budget or end - first == 1)
    for (first, end), (next_first, next_end) in zip(ranges, ranges[1:]):
        assert first < next_first <= end <= next_end
    owned = _owned_ranges(ranges, len(counts))
    assert [word for low, high in owned for word in range(low, high)] == list(range(len(counts)))
    assert all(first <= low and high <= end for (first, end), (low, high) in zip(ranges, owned))


def test_aspects_found_by_two_windows_keep_the_longer_then_the_surer():
    aspects = [_Aspect(5, 6, 0.9), _Aspect(0, 2, 0.6), _Aspect(1, 4, 0.7), _Aspect(5, 6, 0.95), _Aspect(8, 9, 0.5)]
    kept = _without_overlaps(aspects)
    assert [(aspect.word_start, aspect.word_end, aspect.extraction_score) for aspect in kept] == [
        (1, 4, 0.7), (5, 6, 0.95), (8, 9, 0.5)]


def test_tag_then_classify_aspects_equals_forward(model, tiny_tokenizer):
    inputs = tiny_tokenizer(["the battery life is great", "the screen"], padding=True, return_tensors="pt")
    spans = torch.tensor([[[2, 4], [5, 6]], [[2, 3], [-1, -1]]])
    with torch.no_grad():
        expected = model(**inputs, aspect_spans=spans)
        hidden, tag_logits = model.tag(**inputs)
        polarity_logits = model.classify_aspects(hidden, aspect_spans=spans, **inputs)
    torch.testing.assert_close(tag_logits, expected.logits)
    torch.testing.assert_close(polarity_logits, expected.polarity_logits)
    with pytest.raises(ValueError, match="aspect_spans"):
        model.classify_aspects(hidden, aspect_spans=torch.tensor([[[3, 2]], [[0, 1]]]), **inputs)


# ---------------------------------------------------------------------- modes and schema


def test_extraction_only_has_no_polarity_and_keeps_every_aspect(extractor):
    results = extractor.predict(TEXTS, sentiment=False)
    assert [found(result) for result in results] == [
        [("battery life", 4, 16), ("screen", 34, 40)],
        [],
        [("battery", 0, 7)],
        [("screen", 4, 10), ("battery", 17, 24), ("battery life", 33, 45)],
    ]
    for text, result in zip(TEXTS, results):
        assert result["sentence"] == text and result["windows"] == 1
        assert_offsets_hold(result)
        for aspect in result["aspects"]:
            assert list(aspect) == ["aspect", "start", "end", *EXTRACTION_KEYS]
            assert 0.99 < aspect["extraction_score"] <= 1.0
        assert json.loads(json.dumps(result)) == result
    # The same aspects, in the same places, with sentiment: none is dropped when sentiment is off or on.
    with_sentiment = extractor.predict(TEXTS)
    assert [found(result) for result in with_sentiment] == [found(result) for result in results]


def test_sentiment_from_the_atepc_head_equals_the_models_own_forward(extractor, model, tiny_tokenizer):
    text = "The battery life is great but the screen is dim"
    result = extractor.predict(text)
    assert [aspect["word_start"] for aspect in result["aspects"]] == [1, 7]
    words = [text[start:end] for start, end in split_words(text)]
    inputs = tiny_tokenizer(words, is_split_into_words=True, return_tensors="pt")
    word_ids = inputs.word_ids(0)
    token_spans = [[word_ids.index(first), len(word_ids) - word_ids[::-1].index(end - 1)]
                   for first, end in ((1, 3), (7, 8))]
    with torch.no_grad():
        logits = model(**inputs, aspect_spans=torch.tensor([token_spans])).polarity_logits[0]
    expected = torch.softmax(logits, dim=-1).numpy()
    for aspect, probabilities in zip(result["aspects"], expected):
        assert list(aspect) == [*APC_KEYS, *EXTRACTION_KEYS]
        assert list(aspect["probabilities"]) == POLARITIES
        np.testing.assert_allclose(list(aspect["probabilities"].values()), probabilities, rtol=1e-5, atol=1e-6)
        assert aspect["label"] == POLARITIES[int(probabilities.argmax())]
        assert aspect["score"] == pytest.approx(float(probabilities.max()), abs=1e-6)
    assert {aspect["label"] for aspect in result["aspects"]} <= set(POLARITIES)


def test_a_sentiment_model_classifies_the_extracted_aspects(model, tiny_tokenizer, tiny_apc_checkpoint):
    extractor = AspectExtractor(model, tiny_tokenizer, device="cpu", sentiment_model=tiny_apc_checkpoint)
    classifier = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu")
    text = TEXTS[3]
    result = extractor.predict(text)
    assert [aspect["aspect"] for aspect in result["aspects"]] == ["screen", "battery", "battery life"]
    expected = classifier.predict(text, aspects=[(aspect["aspect"], aspect["start"]) for aspect in result["aspects"]])
    for aspect, reference in zip(result["aspects"], expected["aspects"]):
        assert (aspect["start"], aspect["end"]) == (reference["start"], reference["end"])
        assert aspect["label"] == reference["label"]
        assert aspect["probabilities"] == pytest.approx(reference["probabilities"], abs=1e-6)
        assert list(aspect["probabilities"]) == classifier.labels
    # Extraction only never calls the sentiment model.
    assert "label" not in extractor.predict(text, sentiment=False)["aspects"][0]


def test_given_aspects_skip_extraction(extractor, model, tiny_tokenizer, tiny_apc_checkpoint):
    text = "the food was good but the battery life is bad , food again"
    result = extractor.predict(text, aspects=["food", (26, 38)])
    assert found(result) == [("food", 4, 8), ("battery life", 26, 38), ("food", 48, 52)]
    assert_offsets_hold(result)
    assert all("extraction_score" not in aspect and aspect["label"] in POLARITIES for aspect in result["aspects"])
    assert result["windows"] == 1
    # The ATEPC head classifies a given aspect as it classifies the same span when it extracts it.
    extracted = extractor.predict(text)["aspects"]
    assert [aspect["aspect"] for aspect in extracted] == ["battery life"]
    assert result["aspects"][1]["probabilities"] == pytest.approx(extracted[0]["probabilities"], abs=1e-5)
    # Without sentiment the model does not even read the text.
    assert extractor.predict(text, aspects=[("food", 48)], sentiment=False) == {
        "sentence": text, "aspects": [{"aspect": "food", "start": 48, "end": 52, "word_start": 11, "word_end": 12}],
        "windows": 0}
    # One entry per text; None extracts.
    both = extractor.predict([text, text], aspects=[["food"], None], sentiment=False)
    assert [aspect["aspect"] for aspect in both[0]["aspects"]] == ["food", "food"]
    assert [aspect["aspect"] for aspect in both[1]["aspects"]] == ["battery life"]
    two_stage = AspectExtractor(model, tiny_tokenizer, device="cpu", sentiment_model=tiny_apc_checkpoint)
    classified = two_stage.predict({"text": text, "aspects": ["food"]})
    reference = two_stage.sentiment_model.predict(text, aspects=["food"])
    assert [aspect["label"] for aspect in classified["aspects"]] == [a["label"] for a in reference["aspects"]]


# ---------------------------------------------------------------------- long texts and unicode


def test_a_5000_word_review_finds_the_aspects_at_its_start_middle_and_end(extractor):
    filler = "we love this place and the food was good".split()
    words = [filler[index % len(filler)].replace("food", "pizza") for index in range(5000)]
    for position in (0, 2500, 4999):
        words[position] = "battery"
    text = " ".join(words)
    result = extractor.predict(text, sentiment=False)
    assert result["windows"] > 100  # 40-token windows
    starts = [len(" ".join(words[:position])) + (position > 0) for position in (0, 2500, 4999)]
    assert found(result) == [("battery", start, start + 7) for start in starts]
    assert [aspect["word_start"] for aspect in result["aspects"]] == [0, 2500, 4999]


def test_aspects_across_window_boundaries_are_found_once_and_whole(extractor):
    # "battery life" every 3 to 7 words: some straddle the edges of the windows; each must come back exactly once.
    rng = np.random.default_rng(0)
    filler = "the food was good and we love this place , very nice staff".split()
    words, starts = [], []
    for _ in range(100):
        words += list(rng.choice(filler, size=int(rng.integers(1, 6))))
        starts.append(len(words))
        words += ["battery", "life"]
    text = " ".join(words)
    result = extractor.predict(text)
    assert result["windows"] > 10
    assert [aspect["aspect"] for aspect in result["aspects"]] == ["battery life"] * 100
    assert [aspect["word_start"] for aspect in result["aspects"]] == starts
    assert all(aspect["label"] in POLARITIES for aspect in result["aspects"])
    assert_offsets_hold(result)
    # A given aspect of a long text is classified in the window that would have extracted it.
    given = extractor.predict(text, aspects=[(aspect["start"], aspect["end"]) for aspect in result["aspects"]])
    assert given["windows"] == result["windows"]
    for aspect, extracted in zip(given["aspects"], result["aspects"]):
        assert aspect["probabilities"] == pytest.approx(extracted["probabilities"], abs=1e-5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("battery!screen?", [("battery", 0, 7), ("screen", 8, 14)]),  # punctuation glued to words
        ("😀battery life😀 👍", [("battery life", 1, 13)]),  # emoji: a word each, one character each in Python
        ("😀battery😀life", [("battery", 1, 8), ("life", 9, 13)]),  # an O word between: "life" opens a span
        ("  battery \t life\n\nthe  screen\r\n", [("battery \t life", 2, 16), ("screen", 23, 29)]),
        ("价格battery life很好", [("battery life", 2, 14)]),
    ],
)
def test_offsets_index_the_original_text(extractor, text, expected):
    result = extractor.predict(text, sentiment=False)
    assert result["sentence"] == text
    assert found(result) == expected
    assert_offsets_hold(result)


def test_chinese_characters_are_words_with_exact_offsets(tiny_backbone_dir, tiny_tokenizer):
    # Every CJK character is one word (and an [UNK] token of the tiny vocabulary): tagged I-ASP after "the" (B-ASP)
    # they join its span; without a B- they open one (the conlleval rule).
    model = tagging_model(tiny_backbone_dir, tiny_tokenizer, begin=("the",), inside=("[UNK]",))
    extractor = AspectExtractor(model, tiny_tokenizer, device="cpu")
    result = extractor.predict(["the 电池 is good", "电池很好, is good", "is 好"], sentiment=False)
    assert [found(item) for item in result] == [[("the 电池", 0, 6)], [("电池很好", 0, 4)], [("好", 3, 4)]]
    assert [aspect["word_end"] - aspect["word_start"] for aspect in result[0]["aspects"]] == [3]
    given = extractor.predict("电池很好", aspects=["很好"])
    assert found(given) == [("很好", 2, 4)] and given["aspects"][0]["word_start"] == 2


# ---------------------------------------------------------------------- batching, precision, loading


def test_a_batch_gives_what_each_text_gives_alone(extractor):
    texts = TEXTS + ["the screen " * 30, ""]
    batched = extractor.predict(texts)
    for text, result in zip(texts[:-1], batched):
        alone = extractor.predict(text)
        assert found(result) == found(alone) and result["windows"] == alone["windows"]
        for aspect, single in zip(result["aspects"], alone["aspects"]):
            assert aspect["label"] == single["label"]
            assert aspect["probabilities"] == pytest.approx(single["probabilities"], abs=1e-5)
            assert aspect["extraction_score"] == pytest.approx(single["extraction_score"], abs=1e-5)
    assert batched[-1] == {"sentence": "", "aspects": [], "windows": 0}
    assert list(extractor.predict_iter(iter(texts))) == batched


@pytest.mark.parametrize("text", ["", " \t\n", {"text": "  ", "aspects": None}], ids=["empty", "blank", "dict"])
def test_one_empty_text_is_an_error_an_empty_text_in_a_list_has_no_aspects(extractor, text):
    with pytest.raises(ValueError, match=r"^texts is '.*' \((empty|only whitespace)\); expected a text"):
        extractor.predict(text)
    sentence = text if isinstance(text, str) else text["text"]
    assert extractor.predict([text, TEXTS[0]])[0] == {"sentence": sentence, "aspects": [], "windows": 0}


def test_predict_iter_reads_one_chunk_ahead(model, tiny_tokenizer):
    extractor = AspectExtractor(model, tiny_tokenizer, device="cpu", chunk_size=3)
    read = []

    def texts():
        for index in range(10):
            read.append(index)
            yield "the battery"

    results = extractor.predict_iter(texts(), sentiment=False)
    assert found(next(results)) == [("battery", 4, 11)] and len(read) == 3
    assert len(list(results)) == 9 and len(read) == 10


def test_each_batch_takes_one_backbone_pass_and_one_polarity_call(model, tiny_tokenizer):
    extractor = AspectExtractor(model, tiny_tokenizer, device="cpu", batch_size=3)
    calls = {"backbone": 0, "classify_aspects": 0, "aspects": 0}
    original = extractor.model.classify_aspects

    def counting(hidden, aspect_spans, **inputs):
        calls["classify_aspects"] += 1
        calls["aspects"] += int((aspect_spans[..., 0] >= 0).sum())
        return original(hidden, aspect_spans=aspect_spans, **inputs)

    def count_backbone_pass(*_):
        calls["backbone"] += 1

    hook = extractor.model.backbone.register_forward_hook(count_backbone_pass)
    extractor.model.classify_aspects = counting
    try:
        results = extractor.predict(TEXTS * 2)  # 8 one-window texts: 3 batches
    finally:
        hook.remove()
        del extractor.model.classify_aspects
    assert calls == {"backbone": 3, "classify_aspects": 3, "aspects": sum(len(r["aspects"]) for r in results)}


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_lower_precisions_extract_what_fp32_extracts(model, tiny_tokenizer, extractor, precision):
    other = AspectExtractor(model, tiny_tokenizer, device="cpu", precision=precision)
    assert other.precision == precision
    texts = TEXTS + ["the battery life is good " * 40]
    for fp32_result, result in zip(extractor.predict(texts), other.predict(texts)):
        assert found(result) == found(fp32_result)
        for aspect in result["aspects"]:
            assert sum(aspect["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


@pytest.fixture(scope="module")
def random_tagger(tiny_backbone_dir):
    """An ATEPC model with a random tag head: its tag probabilities are close to uniform, so near-ties abound."""
    torch.manual_seed(3)
    return ATEPCModelForTokenClassification.from_pretrained(
        tiny_backbone_dir, polarity_labels=POLARITIES, atepc_model="fast_lcf_atepc", max_seq_len=40).eval()


RECHECK_TEXTS = TEXTS + ["the food was great but the service was slow", "we love this place", "it was a long day"]


def near_tie_texts(model, tokenizer, texts, margin):
    """(texts whose own bf16 pass, one text per batch, has a word with its two most probable tags at most ``margin``
    apart; those of them where such a tie could change the decoded spans), computed here from the tagger's logits at
    each word's first sub-token."""
    near, undecided = [], []
    tag_names = [model.config.id2label[index] for index in range(len(model.config.id2label))]
    for text in texts:
        words = [text[start:end] for start, end in split_words(text)]
        encoding = tokenizer(words, is_split_into_words=True, return_tensors="pt")
        word_ids = encoding.word_ids(0)
        first = [word_ids.index(word) for word in range(len(words))]
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            _, logits = model.tag(**encoding)
        word_probabilities = torch.softmax(logits.float(), dim=-1)[0, first]
        top_two = word_probabilities.sort(dim=-1).values[:, -2:]
        if bool((top_two[:, 1] - top_two[:, 0] <= margin).any()):
            near.append(text)
            if spans_could_change(word_probabilities.numpy(), tag_names, margin):
                undecided.append(text)
    return near, undecided


TAGS = ["O", "B-ASP", "I-ASP"]


@pytest.mark.parametrize("probabilities, owned, could_change", [
    ([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]], None, False),  # no near-tie at all
    ([[0.9, 0.05, 0.05], [0.1, 0.46, 0.44]], None, False),  # O then B or I: either starts the same span
    ([[0.44, 0.46, 0.1]], None, True),  # O or B: a span or none
    ([[0.1, 0.8, 0.1], [0.1, 0.46, 0.44]], None, True),  # B then B or I: one span or two
    ([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.45, 0.1, 0.45]], None, True),  # I or O: the span ends here or later
    ([[0.45, 0.45, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1]], (1, 3), False),  # the tie is outside the owned words
    ([[0.1, 0.8, 0.1], [0.45, 0.1, 0.45], [0.9, 0.05, 0.05]], (0, 1), True),  # outside, but it ends an owned span
    ([[0.34, 0.33, 0.33]] * 5, None, True),  # 3**5 tag sequences: more than are tried one by one
])
def test_a_near_tie_counts_only_where_it_could_change_the_spans(probabilities, owned, could_change):
    assert spans_could_change(np.array(probabilities), TAGS, 0.03, owned) is could_change


def test_bf16_tags_near_ties_again_in_fp32(random_tagger, tiny_tokenizer):
    fp32 = AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", precision="fp32").predict(RECHECK_TEXTS)

    # margin 1: every window is tagged again, so extraction and sentiment are fp32's
    everything = AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", precision="bf16", recheck_margin=1.0)
    assert everything.precision == "bf16"
    for result, reference in zip(everything.predict(RECHECK_TEXTS), fp32):
        assert found(result) == found(reference)
        for aspect, other in zip(result["aspects"], reference["aspects"]):
            assert aspect["probabilities"] == pytest.approx(other["probabilities"], abs=1e-6)
            assert aspect["extraction_score"] == pytest.approx(other["extraction_score"], abs=1e-6)
    assert everything.rechecked_windows == len(RECHECK_TEXTS)

    # margin 0: pure bf16, nothing tagged twice
    pure = AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", precision="bf16", recheck_margin=0)
    pure.predict(RECHECK_TEXTS)
    assert pure.rechecked_windows == 0

    # a margin in between: exactly the windows with a near-tie that could change their spans are tagged again, and
    # they extract what fp32 does
    margin = 0.05
    near, undecided = near_tie_texts(random_tagger, tiny_tokenizer, RECHECK_TEXTS, margin)
    assert 0 < len(undecided) < len(RECHECK_TEXTS)  # the test tells rechecked from kept windows
    some = AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", precision="bf16", recheck_margin=margin,
                           batch_size=1)
    results = some.predict(RECHECK_TEXTS, sentiment=False)  # no polarities, so no polarity near-ties either
    assert some.rechecked_windows == len(undecided) <= len(near)
    for text, result, reference in zip(RECHECK_TEXTS, results, fp32):
        if text in undecided:
            assert found(result) == found(reference)


@pytest.mark.parametrize("second_word, rechecked", [
    ({"O": 0.0, "B-ASP": 0.5, "I-ASP": 0.49}, 0),  # after O, B and I both start the same span: kept from bf16
    ({"O": 0.5, "B-ASP": 0.49, "I-ASP": 0.0}, 1),  # O or B: an aspect or none, decided in fp32
])
def test_only_a_near_tie_that_could_change_the_spans_is_tagged_again(random_tagger, tiny_tokenizer, monkeypatch,
                                                                       second_word, rechecked):
    """The tagger's probabilities replaced: the first word O, the second ``second_word``, the rest O."""
    real_tag = random_tagger.tag
    names = [random_tagger.config.id2label[index] for index in range(len(random_tagger.config.id2label))]

    def tag(**inputs):
        hidden, logits = real_tag(**inputs)
        probabilities = torch.zeros_like(logits, dtype=torch.float32)
        probabilities[..., names.index("O")] = 1.0
        probabilities[:, 2] = torch.tensor([second_word[name] for name in names])  # [CLS], word 1, word 2
        return hidden, torch.log(probabilities.clamp_min(1e-6)).to(logits.dtype)

    monkeypatch.setattr(random_tagger, "tag", tag)
    extractor = AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", precision="bf16", recheck_margin=0.03)
    [result] = extractor.predict(["the food was great"], sentiment=False)
    assert extractor.rechecked_windows == rechecked
    assert [aspect["aspect"] for aspect in result["aspects"]] == (["food"] if not rechecked else [])


GIVEN_ASPECTS = [{"text": text, "aspects": [aspect]} for text, aspect in [
    ("the food was great but the service was slow", "food"), ("the food was great but the service was slow", "service"),
    ("we love this place", "place"), ("the battery life is good", "battery"), ("the screen is dim", "screen"),
    ("the staff was so nice to us", "staff"), ("keys stick", "keys"), ("the price is fair", "price"),
]]


def test_bf16_polarity_near_ties_are_decided_in_fp32(random_tagger, tiny_tokenizer):
    """Given aspects skip tagging, so only their polarities can be near-ties: exactly the windows with one are run
    again in fp32, and their probabilities are then fp32's; the others keep bf16's."""
    def probabilities(extractor):
        return [[aspect["probabilities"] for aspect in result["aspects"]]
                for result in extractor.predict(GIVEN_ASPECTS)]

    def extractor(**settings):
        return AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", batch_size=1, **settings)

    fp32 = probabilities(extractor(precision="fp32"))
    bf16 = probabilities(extractor(precision="bf16", recheck_margin=0))
    gaps = []
    for aspects in bf16:
        top_two = [sorted(aspect.values())[-2:] for aspect in aspects]
        gaps.append(min(high - low for low, high in top_two))
    ordered = sorted(gaps)
    margin = (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2  # half the windows on each side
    assert 0 < margin < 1
    some = extractor(precision="bf16", recheck_margin=margin)
    results = probabilities(some)
    assert some.rechecked_windows == sum(gap <= margin for gap in gaps) == len(GIVEN_ASPECTS) // 2
    for gap, result, fp32_result, bf16_result in zip(gaps, results, fp32, bf16):
        expected = fp32_result if gap <= margin else bf16_result
        for aspect, other in zip(result, expected):
            assert aspect == pytest.approx(other, abs=1e-6)


def test_recheck_happens_only_under_bf16(random_tagger, tiny_tokenizer):
    for precision in ("fp32", "int8"):
        extractor = AspectExtractor(random_tagger, tiny_tokenizer, device="cpu", precision=precision,
                                    recheck_margin=1.0)
        extractor.predict(RECHECK_TEXTS)
        assert extractor.rechecked_windows == 0


@pytest.mark.parametrize("margin", [-0.1, 1.5, True, "0.1"])
def test_a_recheck_margin_outside_0_1_is_refused(model, tiny_tokenizer, margin):
    with pytest.raises(ValueError, match="recheck_margin must be a probability gap between 0 and 1"):
        AspectExtractor(model, tiny_tokenizer, device="cpu", recheck_margin=margin)


def test_from_pretrained_loads_the_checkpoint_and_a_sentiment_model(checkpoint, extractor, tiny_apc_checkpoint):
    loaded = AspectExtractor.from_pretrained(checkpoint, device="cpu", batch_size=4)
    assert loaded.max_seq_len == 40 and loaded.batch_size == 4
    expected = extractor.predict(TEXTS)
    for result, reference in zip(loaded.predict(TEXTS), expected):
        assert found(result) == found(reference)
        for aspect, other in zip(result["aspects"], reference["aspects"]):
            assert aspect["probabilities"] == pytest.approx(other["probabilities"], abs=1e-5)
    two_stage = AspectExtractor.from_pretrained(checkpoint, device="cpu", sentiment_model=str(tiny_apc_checkpoint))
    assert isinstance(two_stage.sentiment_model, SentimentClassifier)
    assert list(two_stage.predict(TEXTS[0])["aspects"][0]["probabilities"]) == two_stage.sentiment_model.labels
    windowed = AspectExtractor.from_pretrained(checkpoint, device="cpu", max_seq_len=8)
    assert windowed.predict(TEXTS[3], sentiment=False)["windows"] > 1
    assert found(windowed.predict(TEXTS[3], sentiment=False)) == found(expected[3])


def test_a_dataset_gets_a_column_of_aspects(extractor):
    dataset = Dataset.from_dict({"text": TEXTS, "id": list(range(len(TEXTS)))})
    predicted = extractor.predict(dataset, sentiment=False)
    assert predicted.column_names == ["text", "id", PREDICTION_COLUMN]
    expected = [result["aspects"] for result in extractor.predict(TEXTS, sentiment=False)]
    assert [[(a["aspect"], a["start"], a["end"]) for a in row] for row in predicted[PREDICTION_COLUMN]] == [
        [(a["aspect"], a["start"], a["end"]) for a in row] for row in expected
    ]
    with pytest.raises(ValueError, match="'text' column"):
        extractor.predict(Dataset.from_dict({"sentence": ["x"]}))


def test_atepc_examples_stream_to_json_lines_with_their_references(extractor, tmp_path):
    examples = [
        atepc_example_from_words("the battery life is great".split(), [(1, 3, "Positive")]),
        atepc_example_from_words("i love this place".split()),
    ]
    output = tmp_path / "out.jsonl"
    counts = stream_predictions(extractor, ([example] for example in examples), output)
    assert counts == {"sentences": 2, "examples": 2}
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["references"] == [{"aspect": "battery life", "start": 4, "end": 16, "word_start": 1,
                                       "word_end": 3, "label": "Positive"}]
    assert found(lines[0]) == [("battery life", 4, 16)] and lines[1]["references"] == []
    with pytest.raises(ValueError, match="group 0 holds 2 examples"):
        list(extractor.predict_example_groups([examples]))


# ---------------------------------------------------------------------- bad input


def test_bad_input_gets_a_clear_error(extractor, tiny_apc_checkpoint, tmp_path):
    assert extractor.predict([]) == []
    with pytest.raises(TypeError, match=r"texts is of type int"):
        extractor.predict(5)
    with pytest.raises(TypeError, match=r"texts\[1\] is the int 3; expected a text"):
        extractor.predict(["battery", 3])
    with pytest.raises(TypeError, match="sentiment is of type str"):
        extractor.predict("battery", sentiment="yes")
    with pytest.raises(ValueError, match="one entry .* per text, 2 in all"):
        extractor.predict(["a", "b"], aspects=[["a"]])
    with pytest.raises(ValueError, match=r"aspect 0 'pizza' does not occur"):
        extractor.predict("the battery", aspects=["pizza"])
    with pytest.raises(ValueError, match=r"texts: aspect 0: the character span \(3, 40\)"):
        extractor.predict("the battery", aspects=[(3, 40)])
    with pytest.raises(ValueError, match=r"word 1 'x' is not text\[4:5\]"):
        extractor.predict({"text": "the battery", "words": ["the", "x"], "word_starts": [0, 4], "word_ends": [3, 5]})
    with pytest.raises(ValueError, match="not an hf_absa ATEPC checkpoint"):
        AspectExtractor.from_pretrained(tiny_apc_checkpoint)
    with pytest.raises(FileNotFoundError, match="lacks config.json"):
        AspectExtractor.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="max_seq_len must be an int >= 3"):
        AspectExtractor(extractor.model, extractor.tokenizer, max_seq_len=2)
    with pytest.raises(TypeError, match="sentiment_model is of type int"):
        AspectExtractor(extractor.model, extractor.tokenizer, sentiment_model=3)


def test_a_sentiment_model_that_cannot_load_is_named_as_the_sentiment_model(extractor, checkpoint, tmp_path):
    # SentimentClassifier's own errors say "model: ..."; from here that would blame the ATEPC checkpoint.
    with pytest.raises(FileNotFoundError, match=r"^sentiment_model: .*nowhere is not a folder"):
        AspectExtractor(extractor.model, extractor.tokenizer, sentiment_model=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"^sentiment_model: .* lacks config.json"):
        AspectExtractor(extractor.model, extractor.tokenizer, sentiment_model=tmp_path)
    with pytest.raises(ValueError, match=r"^sentiment_model: .*'hf_absa_atepc' model"):
        AspectExtractor.from_pretrained(checkpoint, device="cpu", sentiment_model=checkpoint)
