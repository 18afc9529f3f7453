"""`AspectExtractor`: every aspect of raw text and its sentiment, with a trained ATEPC checkpoint (PyABSA's name).

(Skipped in the test suite: it needs a trained ATEPC checkpoint in ``runs/atepc``; tests/test_extractor.py runs
every mode on tiny models.)

>>> from hf_absa import AspectExtractor
>>> extractor = AspectExtractor.from_pretrained("runs/atepc")  # doctest: +SKIP
>>> extractor.predict("The battery life is great but the screen is dim")  # doctest: +SKIP
{'sentence': 'The battery life is great but the screen is dim',
 'aspects': [{'aspect': 'battery life', 'start': 4, 'end': 16, 'label': 'Positive', 'score': 0.98,
              'probabilities': {'Negative': 0.01, 'Neutral': 0.01, 'Positive': 0.98},
              'word_start': 1, 'word_end': 3, 'extraction_score': 0.97},
             {'aspect': 'screen', 'start': 34, 'end': 40, 'label': 'Negative', ...}],
 'windows': 1}
>>> extractor.predict(["Great pizza", "Slow service"], sentiment=False)  # doctest: +SKIP
>>> extractor.predict("The battery life is great", aspects=["battery life"])  # doctest: +SKIP
>>> two_stage = AspectExtractor.from_pretrained("runs/atepc", sentiment_model="runs/laptop14")  # doctest: +SKIP
>>> extractor.predict_file("reviews.txt", "aspects.jsonl")["aspects"]  # doctest: +SKIP

Three modes, chosen per call:

* ``sentiment=False``: extraction only; the aspects carry no polarity fields, and none is ever dropped.
* ``sentiment=True`` (default) without ``sentiment_model``: the polarity head of the ATEPC model classifies every
  aspect, over the hidden states of the extraction pass (`ATEPCModelForTokenClassification.classify_aspects`).
* ``sentiment=True`` with ``sentiment_model`` (an APC checkpoint folder, Hub id or `SentimentClassifier`): the
  aspects are extracted by the ATEPC model, then classified by `SentimentClassifier`'s batched path with their
  character spans (PyABSA's two-stage flow).

Aspects given by the caller (``aspects=[...]``: strings, ``(aspect, start)`` pairs or ``(start, end)`` character
spans) skip extraction and are only classified.

How a text is read (and what PyABSA's ``AspectExtractor`` does instead, atepc-reference.md §3):

* Words: `split_words` (one word per CJK character, runs of letters and digits, every other non-space character
  alone: punctuation glued to a word and emoji are words of their own; any whitespace separates). Every offset
  indexes the original text, untouched; PyABSA returns its words re-joined by single spaces.
* Tags are read at each word's first sub-token and decoded by seqeval's ``get_entities`` (the conlleval rule):
  ``I-`` after ``O`` or at the start opens a span, ``B- B-`` are two spans, a span still open at the end closes
  there; the spans never overlap. (PyABSA crashes on ``B- B-``, #47. The training metric scores exact spans by
  the strict IOB2 rule, `hf_absa.metrics.atepc.tags_to_spans`; at prediction an orphan ``I-`` is a span whose
  ``B-`` the tagger missed, which is more useful to return than to drop.)
* Long texts are never cut: a text of more than ``max_seq_len`` tokens is read in windows of whole words, each at
  most ``max_seq_len`` tokens, consecutive windows overlapping by about half a window. Each window reports the
  aspects that start in its middle part (the words nearer to it than to any other window's middle), so an aspect
  is found by the window that sees the most context around it; aspects that still overlap are resolved as
  transformers' token-classification pipeline does (the longer span wins, then the higher score). The result's
  ``windows`` says how many windows a text took. PyABSA cuts at ``max_seq_len`` silently (#275, #318).

Speed: a chunk of ``chunk_size`` texts is tokenised in one call of the fast tokenizer (no ``datasets.map``), its
windows are sorted by length and cut into batches of ``batch_size`` windows padded to the batch's longest; each
batch takes one backbone pass for the tags and one call of the polarity head for all of the batch's aspects. With
a ``sentiment_model`` all aspects of the chunk go to it at once. bf16 autocast (the default where the hardware runs
it natively) and int8 via `hf_absa.inference.precision`; under bf16 the windows holding a near-tie of tags that could
change their spans (`spans_could_change`) are tagged again in fp32 (``recheck_margin``), so that bf16 extracts what
fp32 extracts at close to bf16's speed.
"""

from __future__ import annotations

import itertools
import os
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from seqeval.metrics.sequence_labeling import get_entities
from transformers import AutoModelForTokenClassification

from ..data.atepc_collator import DataCollatorForATEPC
from ..data.atepc_readers import split_words
from ..data.readers import add_neighbour_spans, canonical_example
from ..models import ATEPCConfig
from ..training.atepc import load_word_tokenizer
from .classifier import SentimentClassifier, load_checkpoint_config
from .extraction_batch import predict_extraction_file
from .inputs import examples_of_aspects, input_items
from .precision import autocast_context
from .predictor import DEFAULT_BATCH_SIZE, Predictor
from .results import ExtractedAspect, SentenceExtraction

__all__ = ["PREDICTION_COLUMN", "RECHECK_MARGIN", "AspectExtractor", "decode_tags", "spans_could_change",
           "window_word_ranges"]

# Texts read ahead and predicted together: enough windows for full length-sorted batches, few enough that a chunk's
# encodings stay small.
DEFAULT_CHUNK_SIZE = 1024
# bf16: a window with a word whose two most probable tags, or an aspect whose two most probable polarities, are this
# close or closer (in probability) is computed again in fp32 (`AspectExtractor`, ``recheck_margin``). bf16 autocast
# moved a tag probability by at most 0.0105 and a polarity probability by at most 0.0047 on the Laptop14 and
# Restaurant14 test text (BENCHMARKS.md), so a gap between two of them by at most 0.021: any decision it could flip
# there is taken in fp32, with room to spare. A tie of tags counts only where it could change the spans
# (`spans_could_change`).
RECHECK_MARGIN = 0.03
# A window whose near-tie words allow more tag sequences than this is rechecked without trying each one.
MAX_TIE_SEQUENCES = 64
# The column `predict(dataset)` adds: each row's aspects (`ExtractedAspect.to_dict()` entries).
PREDICTION_COLUMN = "pred_aspects"
# The keys of an ATEPC example (`hf_absa.data.atepc_readers`) that locate its words.
WORD_COLUMNS = ("text", "words", "word_starts", "word_ends")
TEXT_EXPECTED = ("a text (str), a dict {'text': str, 'aspects': [...]} or an ATEPC example (a dict with text, "
                 "words, word_starts, word_ends)")
GIVEN_ASPECT_EXPECTED = ("an aspect string (every occurrence), an (aspect, start) pair or a (start, end) character "
                         "span")


def decode_tags(tags: Sequence[str]) -> list[tuple[int, int]]:
    """The spans ``[start, end)`` (end exclusive) of any IOB tag sequence: valid, sorted and non-overlapping.

    seqeval's ``get_entities`` (the conlleval rule): a span starts at ``B-`` and at an ``I-`` that continues no
    span (at the start or after ``O``), runs over the ``I-`` tags after it, and closes at the end.

    >>> decode_tags(["I-ASP", "I-ASP", "O", "B-ASP", "B-ASP", "I-ASP", "O", "I-ASP"])
    [(0, 2), (3, 4), (4, 6), (7, 8)]
    >>> decode_tags([])
    []
    """
    return [(start, end + 1) for _, start, end in get_entities(list(tags))]


def _owned_spans(tags: np.ndarray, tag_names: Sequence[str], owned: tuple[int, int]) -> list[tuple[int, int]]:
    """The spans `decode_tags` reads off tag ids ``tags`` (one per word), those starting in ``owned`` words."""
    return [span for span in decode_tags([tag_names[tag] for tag in tags]) if owned[0] <= span[0] < owned[1]]


def spans_could_change(word_probabilities: np.ndarray, tag_names: Sequence[str], margin: float,
                       owned: tuple[int, int] | None = None) -> bool:
    """Whether a tag that some word could take instead of its most probable one changes the decoded spans.

    A word's candidate tags are those at most ``margin`` below its most probable one. When every combination of
    candidates decodes (`decode_tags`) to the spans of the most probable tags, no rounding of the probabilities by
    less than ``margin / 2`` can change the extraction: a tie between ``B-`` and ``I-`` after ``O`` (both start a
    span), or one outside ``owned`` that does not reach into it, needs no fp32 recheck. More than
    `MAX_TIE_SEQUENCES` combinations count as a change (not tried one by one).

    Args:
        word_probabilities: (words, tags) probabilities of each word's tags, columns in ``tag_names`` order.
        tag_names: the IOB tag of each column (``"O"``, ``"B-ASP"``, ``"I-ASP"``...).
        margin: the probability gap (0–1) within which a tag is a candidate.
        owned: the words ``[first, end)`` whose spans count (those starting there); None: all.

    >>> tags = ["O", "B-ASP", "I-ASP"]
    >>> spans_could_change(np.array([[0.9, 0.05, 0.05], [0.1, 0.46, 0.44]]), tags, 0.03)  # O, then B or I: one span
    False
    >>> spans_could_change(np.array([[0.1, 0.8, 0.1], [0.1, 0.46, 0.44]]), tags, 0.03)  # B, then B or I: 1 or 2
    True
    """
    best = word_probabilities.argmax(axis=-1)
    candidates = word_probabilities >= word_probabilities.max(axis=-1, keepdims=True) - margin
    undecided = np.flatnonzero(candidates.sum(axis=-1) > 1)
    if not len(undecided):
        return False
    choices = [np.flatnonzero(candidates[word]) for word in undecided]
    if np.prod([len(choice) for choice in choices]) > MAX_TIE_SEQUENCES:
        return True
    owned = owned if owned is not None else (0, len(best))
    reference, tags = _owned_spans(best, tag_names, owned), best.copy()
    for combination in itertools.product(*choices):
        tags[undecided] = combination
        if _owned_spans(tags, tag_names, owned) != reference:
            return True
    return False


def window_word_ranges(token_counts: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Word ranges ``[first, end)`` covering every word, each of at most ``budget`` tokens (or a single word that
    alone is longer), consecutive ranges overlapping by about ``budget // 2`` tokens.

    Args:
        token_counts: the number of tokens of each word (0 for a word the tokenizer drops).
        budget: the tokens a window holds besides the special tokens, >= 1.

    >>> window_word_ranges([1, 1, 1, 1, 1, 1], 4)
    [(0, 4), (2, 6)]
    >>> window_word_ranges([1, 9, 1], 4)
    [(0, 1), (1, 2), (2, 3)]
    """
    cumulative = np.concatenate([[0], np.cumsum(np.asarray(token_counts, dtype=np.int64))])
    count = len(token_counts)
    ranges: list[tuple[int, int]] = []
    start = 0
    while True:
        end = int(np.searchsorted(cumulative, cumulative[start] + budget, side="right")) - 1
        end = min(max(end, start + 1), count)
        ranges.append((start, end))
        if end >= count:
            return ranges
        overlap_start = int(np.searchsorted(cumulative, cumulative[end] - budget // 2, side="left"))
        start = min(max(overlap_start, start + 1), end)


def _owned_ranges(ranges: Sequence[tuple[int, int]], word_count: int) -> list[tuple[int, int]]:
    """The words each window reports aspects from: cut in the middle of each overlap, together every word once."""
    cuts = [(next_start + end) // 2 for (_, end), (next_start, _) in zip(ranges, ranges[1:])]
    bounds = [0, *cuts, word_count]
    return list(zip(bounds, bounds[1:]))


@dataclass
class _Aspect:
    """An aspect of a text in words, ``[word_start, word_end)``; filled in as the prediction goes."""

    word_start: int
    word_end: int
    extraction_score: float | None = None
    probabilities: np.ndarray | None = None


@dataclass
class _Text:
    """One input: the text, its words' character spans, the aspects given (None: extract) and references."""

    sentence: str
    word_spans: list[tuple[int, int]]
    given: list[tuple[int, int]] | None = None
    references: list[dict] | None = None
    windows: list[_Window] = field(default_factory=list)
    aspects: list[_Aspect] = field(default_factory=list)

    @cached_property
    def words(self) -> list[str]:
        return [self.sentence[start:end] for start, end in self.word_spans]

    def char_span(self, word_start: int, word_end: int) -> tuple[int, int]:
        return self.word_spans[word_start][0], self.word_spans[word_end - 1][1]


@dataclass
class _Window:
    """The words ``[first_word, end_word)`` of a text, encoded (``features``) for one forward pass."""

    text: _Text
    first_word: int
    end_word: int
    owned: tuple[int, int]
    features: dict[str, list[int]]
    first_token: np.ndarray  # per word of the window: its first sub-token's position, -1 when it has none
    last_token: np.ndarray
    aspects: list[_Aspect] = field(default_factory=list)  # the aspects to classify in this window

    @property
    def owned_in_window(self) -> tuple[int, int]:
        """``owned`` counted from the window's first word."""
        return self.owned[0] - self.first_word, self.owned[1] - self.first_word

    def token_span(self, aspect: _Aspect) -> tuple[int, int] | None:
        """The aspect's tokens ``[first, end)`` in this window (clipped to it), None when none of its words has a
        token here."""
        local = np.arange(max(aspect.word_start, self.first_word), min(aspect.word_end, self.end_word))
        local -= self.first_word
        tokened = local[self.first_token[local] >= 0]
        if not tokened.size:
            return None
        return int(self.first_token[tokened[0]]), int(self.last_token[tokened[-1]]) + 1


def _token_positions(word_ids: Sequence[int | None], word_count: int) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) token position of each of ``word_count`` words, -1 for a word without a token."""
    ids = np.array([-1 if word is None else word for word in word_ids], dtype=np.int64)
    positions = np.flatnonzero(ids >= 0)
    first = np.full(word_count, -1, dtype=np.int64)
    last = np.full(word_count, -1, dtype=np.int64)
    first[ids[positions[::-1]]] = positions[::-1]  # the earliest position is written last
    last[ids[positions]] = positions
    return first, last


def _without_overlaps(aspects: list[_Aspect]) -> list[_Aspect]:
    """Aspects in text order, overlapping ones resolved as transformers' ``aggregate_overlapping_entities`` does
    (the longer one, then the higher score); written here because that is a method of the pipeline object."""
    kept: list[_Aspect] = []
    for aspect in sorted(aspects, key=lambda aspect: (aspect.word_start, aspect.word_end)):
        if kept and aspect.word_start < kept[-1].word_end:
            previous = kept[-1]
            if (aspect.word_end - aspect.word_start, aspect.extraction_score) > (
                previous.word_end - previous.word_start, previous.extraction_score
            ):
                kept[-1] = aspect
            continue
        kept.append(aspect)
    return kept


class AspectExtractor(Predictor):
    """Aspect term extraction with polarity: raw text in, each aspect with character offsets and sentiment out.

    Args:
        model: an `ATEPCModelForTokenClassification` (e.g. ``trainer.model``; a remote-code copy works too).
        tokenizer: its fast tokenizer (byte-level BPE loaded with ``add_prefix_space=True``).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``…; None picks CUDA when available.
        batch_size: windows per forward pass, across texts (a short text is one window).
        precision: ``"auto"`` (default: ``"bf16"`` where ``device`` computes in bf16 natively, else ``"fp32"``),
            ``"fp32"``, ``"bf16"`` (autocast) or ``"int8"`` (dynamic quantisation, CPU); see
            `hf_absa.inference.precision`. Under bf16 a span boundary or a label decided by a near-tie of
            probabilities could move with the rounding, so near-ties are decided in fp32 (``recheck_margin``):
            extractions are those of fp32 on every machine, whatever its bf16 support. A ``sentiment_model``
            loaded from a path gets this precision too.
        recheck_margin: under bf16, a window in which some word's two most probable tags are at most this far
            apart (probability, 0–1), where the other tag could change the decoded spans (`spans_could_change`),
            is tagged again in fp32, and its aspects are extracted and classified from that pass; a window with an
            aspect whose two most probable polarities are that close is run again in fp32 and its aspects
            classified from that pass (``rechecked_windows`` counts both); default
            `RECHECK_MARGIN`. 0 = pure bf16 (a few spans or labels may then differ from fp32's); 1 = every window
            in fp32 too. Unused at other precisions.
        sentiment_model: None (the ATEPC model's own polarity head), an APC checkpoint folder or Hub id, or a
            `SentimentClassifier`, which then classifies the extracted aspects (loaded with this ``device``,
            ``precision`` and ``batch_size``).
        max_seq_len: the most tokens of one window, special tokens included; None takes the checkpoint's
            ``max_seq_len`` (the length it was trained on).
        chunk_size: texts read ahead and predicted together.

    Raises:
        TypeError: ``model`` is not an ATEPC model, ``tokenizer`` is not fast, ``sentiment_model`` is neither a
            path nor a `SentimentClassifier`.
        ValueError: a bad ``batch_size``, ``chunk_size``, ``max_seq_len``, ``device``, ``precision`` or
            ``recheck_margin``.
        FileNotFoundError, ValueError, OSError: a ``sentiment_model`` path that
            `SentimentClassifier.from_pretrained` cannot load (the message starts with ``sentiment_model:``).
    """

    def __init__(
        self, model: Any, tokenizer: Any, device: str | torch.device | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE, precision: str = "auto",
        sentiment_model: str | os.PathLike | SentimentClassifier | None = None, max_seq_len: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE, recheck_margin: float = RECHECK_MARGIN,
    ) -> None:
        config = getattr(model, "config", None)
        if getattr(config, "model_type", None) != ATEPCConfig.model_type:
            raise TypeError(f"AspectExtractor needs an hf_absa ATEPC model, got {type(model).__name__} (model_type "
                            f"{getattr(config, 'model_type', None)!r}); train one with `hf-absa train --task atepc`")
        if not getattr(tokenizer, "is_fast", False):
            raise TypeError(f"AspectExtractor needs a fast tokenizer (for word_ids()), got "
                            f"{type(tokenizer).__name__}; load it with AutoTokenizer.from_pretrained(...)")
        self.special_tokens = tokenizer.num_special_tokens_to_add(pair=False)
        max_seq_len = config.max_seq_len if max_seq_len is None else max_seq_len
        if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len <= self.special_tokens:
            raise ValueError(f"max_seq_len must be an int >= {self.special_tokens + 1} (the special tokens plus one "
                             f"token), got {max_seq_len!r}")
        if isinstance(recheck_margin, bool) or not isinstance(recheck_margin, (int, float)) or not (
                0 <= recheck_margin <= 1):
            raise ValueError(f"recheck_margin must be a probability gap between 0 and 1 (0: no fp32 recheck), got "
                             f"{recheck_margin!r}")
        super().__init__(model, tokenizer, device=device, batch_size=batch_size, precision=precision,
                         chunk_size=chunk_size)
        self.max_seq_len = max_seq_len
        self.recheck_margin = float(recheck_margin)
        self._counts = {"rechecked_windows": 0}  # shared with the copies of `with_batch_size`, like the model
        self.collator = DataCollatorForATEPC(tokenizer)
        self.tag_names = [config.id2label[index] for index in range(len(config.id2label))]
        self.polarity_labels = list(config.polarity_labels)
        if isinstance(sentiment_model, (str, os.PathLike)):
            try:
                sentiment_model = SentimentClassifier.from_pretrained(sentiment_model, device=self.device,
                                                                      precision=precision, batch_size=batch_size)
            except (OSError, ValueError) as error:
                # SentimentClassifier's errors name its own argument, "model: ..."; here that checkpoint is the
                # sentiment_model, and "model" would point the user at the ATEPC checkpoint instead.
                if not str(error).startswith("model: "):
                    raise
                raise type(error)(f"sentiment_{error}") from None
        elif sentiment_model is not None and not isinstance(sentiment_model, SentimentClassifier):
            raise TypeError(f"sentiment_model is of type {type(sentiment_model).__name__}; expected an APC checkpoint "
                            "folder, a Hub id or a SentimentClassifier")
        self.sentiment_model = sentiment_model

    @classmethod
    def from_pretrained(
        cls, path: str | os.PathLike, device: str | torch.device | None = None, precision: str = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE, sentiment_model: str | os.PathLike | SentimentClassifier | None = None,
        **kwargs: Any,
    ) -> AspectExtractor:
        """Load an ATEPC checkpoint folder (``hf-absa train --task atepc`` output, any save mode) or Hub id.

        ``kwargs`` go to transformers' ``from_pretrained`` of the config, model and tokenizer (``revision``,
        ``token``, ``cache_dir``, ``local_files_only``…), except ``max_seq_len``, ``chunk_size`` and
        ``recheck_margin`` (see the class).

        Raises:
            FileNotFoundError: ``path`` is neither a folder nor a Hub id, or the folder lacks files (one line).
            ValueError: the checkpoint is not an hf_absa ATEPC model.
            OSError: a Hub id that cannot be loaded.
        """
        settings = {name: kwargs.pop(name) for name in ("max_seq_len", "chunk_size", "recheck_margin")
                    if name in kwargs}
        path, config = load_checkpoint_config(path, **kwargs)
        if getattr(config, "model_type", None) != ATEPCConfig.model_type:
            raise ValueError(f"model: {path} holds a {config.model_type!r} model, not an hf_absa ATEPC checkpoint; "
                             "expected the output of `hf-absa train --task atepc` (an APC checkpoint classifies the "
                             "extracted aspects as sentiment_model=)")
        model = AutoModelForTokenClassification.from_pretrained(path, config=config, **kwargs)
        tokenizer = load_word_tokenizer(path, **kwargs)
        return cls(model, tokenizer, device=device, batch_size=batch_size, precision=precision,
                   sentiment_model=sentiment_model, **settings)

    @property
    def rechecked_windows(self) -> int:
        """Windows tagged again in fp32 so far (``recheck_margin``; bf16 only), by this extractor and its
        `with_batch_size` copies."""
        return self._counts["rechecked_windows"]

    # ------------------------------------------------------------------ prediction

    def predict(
        self, texts: str | Mapping[str, Any] | Sequence[Any] | Any, aspects: Sequence[Any] | None = None,
        sentiment: bool = True,
    ) -> dict | list[dict] | Any:
        """The aspects of each text, with their sentiment unless ``sentiment=False``.

        * ``predict("text")`` or ``predict({"text": ..., "aspects": [...]})`` → one result;
        * ``predict([...])`` → a list of results, in input order (``[]`` for ``[]``);
        * ``predict(dataset)``: a ``datasets.Dataset`` with a ``text`` column (and optionally the word columns of
          an ATEPC dataset, whose words are then used) → a new Dataset with the column `PREDICTION_COLUMN`.

        ``aspects``: the aspects to classify instead of extracting them: for one text a list of aspect strings
        (every occurrence), ``(aspect, start)`` pairs or ``(start, end)`` character spans; for a list of texts one
        such list per text (None: extract that text's aspects).

        A result is ``SentenceExtraction.to_dict()`` (`hf_absa.inference.results`): ``{"sentence": text,
        "aspects": [{"aspect", "start", "end", "label", "score", "probabilities", "word_start", "word_end",
        "extraction_score"}, ...], "windows": n}``, aspects in text order; ``text[start:end] == aspect``. A given
        aspect whose words give the tokenizer no token (only zero-width characters) gets no polarity fields.

        Empty texts: one empty or whitespace-only text is an error (a call with nothing to read is a mistake), but
        in a list (or `predict_iter`, a file, a Dataset) it gives ``{"sentence": text, "aspects": [], "windows":
        0}``: reviews can be empty, and one of them should not stop a batch or shift the results out of order.

        Raises:
            TypeError: ``texts`` (or ``texts[i]``) is not one of the forms above; ``sentiment`` is not a bool.
            ValueError: one text that is empty or only whitespace; a given aspect is not in its text, or
                ``aspects`` does not hold one entry per text.
        """
        if not isinstance(sentiment, bool):
            raise TypeError(f"sentiment is of type {type(sentiment).__name__}; expected True or False")
        if isinstance(texts, Dataset):
            if aspects is not None:
                raise ValueError("aspects= does not apply to a Dataset; expected a dataset of texts to extract from")
            return self._predict_dataset(texts, sentiment)
        items, single = input_items(texts, aspects, TEXT_EXPECTED)
        parsed = [self._parse(item, "texts" if single else f"texts[{index}]") for index, item in enumerate(items)]
        if single and not parsed[0].sentence.strip():
            blank = "empty" if not parsed[0].sentence else "only whitespace"
            raise ValueError(f"texts is {parsed[0].sentence!r} ({blank}); expected a text to extract aspects from "
                             "(in a list, an empty text gives a result without aspects)")
        results = [result.to_dict() for result in self._predict_texts(parsed, sentiment)]
        return results[0] if single else results

    def predict_iter(self, texts: Iterable[Any], sentiment: bool = True) -> Iterator[dict]:
        """Lazily predict an iterable of inputs (each a form `predict` takes one of), one result dict each, in
        order; reads ``chunk_size`` inputs ahead at most, so memory does not grow with the input."""
        parsed = (self._parse(item, f"texts[{index}]") for index, item in enumerate(texts))
        for result in self._predict_texts(parsed, sentiment):
            yield result.to_dict()

    def predict_example_groups(
        self, groups: Iterable[list[Any]], sentiment: bool = True, classify_references: bool = False
    ) -> Iterator[dict]:
        """`predict_iter` over groups of one input each (a reader's sentences), for
        `hf_absa.inference.streaming.stream_predictions`; the aspects of an ATEPC example become its result's
        ``references``.

        With ``classify_references`` (and ``sentiment``) each reference is also classified as a given aspect, in
        the example's own words and with the same polarity model, and gets the result as ``predicted_label``
        (None for an aspect without tokens): what scoring polarity on the gold aspects needs. The texts with
        references are then read twice by the ATEPC model (once to extract, once with the gold aspects).

        Raises:
            ValueError: a group does not hold exactly one input.
        """

        def parsed() -> Iterator[_Text]:
            for index, group in enumerate(groups):
                if len(group) != 1:
                    raise ValueError(f"group {index} holds {len(group)} examples; expected one ATEPC example (one "
                                     "sentence with all its aspects) per group")
                yield self._parse(group[0], f"group {index}")

        if not (sentiment and classify_references):
            for result in self._predict_texts(parsed(), sentiment):
                yield result.to_dict()
            return
        texts, twins = itertools.tee(parsed())
        # The twins read the same texts chunk by chunk, just behind the extraction, so the tee holds a chunk at most.
        with_gold_aspects = (_Text(text.sentence, text.word_spans, given=[
            (reference["word_start"], reference["word_end"]) for reference in text.references or []]) for text in twins)
        for result, classified in zip(self._predict_texts(texts, True), self._predict_texts(with_gold_aspects, True)):
            for reference, aspect in zip(result.references or [], classified.aspects):
                reference["predicted_label"] = aspect.label
            yield result.to_dict()

    def predict_file(self, input_path: str | os.PathLike, output_path: str | os.PathLike, **kwargs: Any) -> dict:
        """Extract the aspects of a text, ``.atepc`` or unified-tag file into JSON Lines, with the main protocol's
        metrics when the file has gold aspects; see `hf_absa.inference.extraction_batch.predict_extraction_file`."""
        return predict_extraction_file(self, input_path, output_path, **kwargs)

    # ------------------------------------------------------------------ inputs

    def _parse(self, item: Any, where: str) -> _Text:
        if isinstance(item, str):
            return _Text(item, split_words(item))
        if isinstance(item, Mapping):
            if set(item) == {"text", "aspects"}:
                if not isinstance(item["text"], str):
                    raise TypeError(f"{where}: 'text' is of type {type(item['text']).__name__}; expected the text as a "
                                    "string")
                return self._with_given_aspects(item["text"], item["aspects"], where)
            if set(WORD_COLUMNS) <= set(item):
                return self._from_atepc_example(item, where)
        raise TypeError(f"{where} is the {type(item).__name__} {item!r:.80}; expected {TEXT_EXPECTED}")

    def _with_given_aspects(self, text: str, aspects: Any, where: str) -> _Text:
        if aspects is None:
            return _Text(text, split_words(text))
        specs = [aspects] if isinstance(aspects, (str, tuple)) else list(aspects)
        pairs = [self._aspect_pair(text, spec, f"{where}: aspect {index}") for index, spec in enumerate(specs)]
        spans = [(example["aspect_start"], example["aspect_end"])
                 for example in examples_of_aspects(text, pairs, where)] if pairs else []
        word_spans = split_words(text, [edge for span in spans for edge in span])
        starts = [start for start, _ in word_spans]
        ends = [end for _, end in word_spans]
        # The words inside a span: its edges are word boundaries, and its ends are not spaces.
        given = [(bisect_left(starts, start), bisect_right(ends, end)) for start, end in spans]
        return _Text(text, word_spans, given=given)

    @staticmethod
    def _aspect_pair(text: str, spec: Any, name: str) -> Any:
        """A ``(start, end)`` character span as the ``(aspect, start)`` pair `examples_of_aspects` reads."""
        if not (isinstance(spec, tuple) and len(spec) == 2
                and all(isinstance(value, int) and not isinstance(value, bool) for value in spec)):
            return spec
        start, end = spec
        if not (0 <= start < end <= len(text)) or not text[start:end].strip() or text[start:end].strip() != \
                text[start:end]:
            raise ValueError(f"{name}: the character span ({start}, {end}) is not a part of the {len(text)}-character "
                             "text that starts and ends with a non-space character; expected 0 <= start < end <= "
                             f"{len(text)}, or {GIVEN_ASPECT_EXPECTED}")
        return text[start:end], start

    @staticmethod
    def _from_atepc_example(example: Mapping[str, Any], where: str) -> _Text:
        text = example["text"]
        if not isinstance(text, str):
            raise TypeError(f"{where}: 'text' is of type {type(text).__name__}; expected the text as a string")
        words, starts, ends = (list(example[name]) for name in WORD_COLUMNS[1:])
        if not len(words) == len(starts) == len(ends):
            raise ValueError(f"{where}: {len(words)} words but {len(starts)} word_starts and {len(ends)} word_ends; "
                             "expected one start and one end per word")
        for index, (word, start, end) in enumerate(zip(words, starts, ends)):
            if text[start:end] != word or not word:
                raise ValueError(f"{where}: word {index} {word!r} is not text[{start}:{end}] ({text[start:end]!r}); "
                                 "expected word_starts / word_ends to locate each word in the text")
        parsed = _Text(text, list(zip(starts, ends)))
        if "aspect_starts" in example:
            labels = example.get("aspect_labels") or [None] * len(example["aspect_starts"])
            parsed.references = []
            for word_start, word_end, label in zip(example["aspect_starts"], example["aspect_ends"], labels):
                start, end = parsed.char_span(word_start, word_end)
                parsed.references.append({"aspect": text[start:end], "start": start, "end": end,
                                          "word_start": word_start, "word_end": word_end, "label": label})
        return parsed

    # ------------------------------------------------------------------ prediction steps

    def _predict_texts(self, texts: Iterable[_Text], sentiment: bool) -> Iterator[SentenceExtraction]:
        chunk: list[_Text] = []
        for text in texts:
            chunk.append(text)
            if len(chunk) >= self.chunk_size:
                yield from self._predict_chunk(chunk, sentiment)
                chunk = []
        if chunk:
            yield from self._predict_chunk(chunk, sentiment)

    def _predict_chunk(self, texts: list[_Text], sentiment: bool) -> list[SentenceExtraction]:
        by_atepc_head = sentiment and self.sentiment_model is None
        to_read = [text for text in texts if text.word_spans and (text.given is None or by_atepc_head and text.given)]
        windows = self._windows(to_read)
        for text in texts:
            if text.given is not None:
                text.aspects = [_Aspect(word_start, word_end) for word_start, word_end in text.given]
                if by_atepc_head:
                    for aspect in text.aspects:
                        self._window_of(text, aspect).aspects.append(aspect)
        self._run(windows, classify=by_atepc_head)
        for text in to_read:
            if text.given is None:
                text.aspects = _without_overlaps(text.aspects)
        if sentiment and self.sentiment_model is not None:
            self._classify_with_sentiment_model(texts)
        labels = self.sentiment_model.labels if self.sentiment_model is not None else self.polarity_labels
        return [self._result(text, labels) for text in texts]

    def _windows(self, texts: list[_Text]) -> list[_Window]:
        """Encode ``texts`` in windows of at most ``max_seq_len`` tokens; one window per text that fits."""
        if not texts:
            return []
        encoding = self.tokenizer([text.words for text in texts], is_split_into_words=True, truncation=False,
                                  verbose=False)
        names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in encoding]
        long_texts = []
        for index, text in enumerate(texts):
            word_ids = encoding.word_ids(index)
            if len(word_ids) <= self.max_seq_len:
                features = {name: encoding[name][index] for name in names}
                text.windows = [self._window(text, (0, len(text.word_spans)), (0, len(text.word_spans)), features,
                                             word_ids)]
            else:
                counts = np.bincount([word for word in word_ids if word is not None], minlength=len(text.word_spans))
                long_texts.append((text, window_word_ranges(counts, self.max_seq_len - self.special_tokens)))
        if long_texts:
            pieces = [text.words[first:end] for text, ranges in long_texts for first, end in ranges]
            # Truncation only ever cuts a single word longer than a window; its first sub-token still gets a tag.
            encoding = self.tokenizer(pieces, is_split_into_words=True, truncation=True, max_length=self.max_seq_len)
            row = 0
            for text, ranges in long_texts:
                text.windows = []
                for word_range, owned in zip(ranges, _owned_ranges(ranges, len(text.word_spans))):
                    features = {name: encoding[name][row] for name in names}
                    text.windows.append(self._window(text, word_range, owned, features, encoding.word_ids(row)))
                    row += 1
        return [window for text in texts for window in text.windows]

    @staticmethod
    def _window(text: _Text, word_range: tuple[int, int], owned: tuple[int, int], features: dict,
                word_ids: Sequence[int | None]) -> _Window:
        first_token, last_token = _token_positions(word_ids, word_range[1] - word_range[0])
        return _Window(text, word_range[0], word_range[1], owned, features, first_token, last_token)

    @staticmethod
    def _window_of(text: _Text, aspect: _Aspect) -> _Window:
        """The window a given aspect is classified in: the one owning its first word, as for an extracted aspect,
        when it holds the whole aspect; else the one holding it with the most words around it; else (an aspect
        longer than the overlap of two windows) the owning one, which sees part of it."""
        owner = next(window for window in text.windows if window.owned[0] <= aspect.word_start < window.owned[1])
        holding = [window for window in text.windows
                   if window.first_word <= aspect.word_start and aspect.word_end <= window.end_word]
        if owner in holding or not holding:
            return owner
        return max(holding, key=lambda window: min(aspect.word_start - window.first_word,
                                                   window.end_word - aspect.word_end))

    @torch.inference_mode()
    def _run(self, windows: list[_Window], classify: bool) -> None:
        """Tag the windows of texts to extract from, and classify every window's aspects when ``classify``.

        Under bf16 with a ``recheck_margin``, a window with a near-tie of tags that could change its spans
        (`spans_could_change`) is not extracted from its bf16 pass and one with a near-tie of polarities not
        classified from it: both are set aside and run again in fp32 after the last batch, in full batches of their
        own (cheaper than a small fp32 pass per bf16 batch)."""
        rechecking = self.precision == "bf16" and self.recheck_margin > 0
        retag: list[_Window] = []  # tagged (and classified) again in fp32
        reclassify: list[_Window] = []  # classified again in fp32; their spans stay (no tag of theirs was a tie)
        for batch, inputs in self._batches(windows):
            with autocast_context(self.device, self.precision):
                hidden, tag_logits = self.model.tag(**inputs)
            kept = list(range(len(batch)))
            if any(window.text.given is None for window in batch):
                tag_probabilities = torch.softmax(tag_logits.float(), dim=-1).cpu().numpy()
                kept = []
                for row, window in enumerate(batch):
                    if window.text.given is not None:
                        kept.append(row)
                        continue
                    word_probabilities = self._word_probabilities(window, tag_probabilities[row])
                    if rechecking and spans_could_change(word_probabilities, self.tag_names, self.recheck_margin,
                                                         window.owned_in_window):
                        retag.append(window)
                    else:
                        window.aspects = self._extract(window, word_probabilities)
                        kept.append(row)
            if not classify or not kept:
                continue
            if len(kept) == len(batch):
                self._classify(batch, inputs, hidden, self.precision)
            else:
                self._classify([batch[row] for row in kept], self._rows(inputs, kept),
                               hidden[torch.tensor(kept, device=self.device)], self.precision)
            if rechecking:
                reclassify.extend(batch[row] for row in kept if any(
                    aspect.probabilities is not None and self._near_tie(aspect.probabilities[None])
                    for aspect in batch[row].aspects))
        if retag or reclassify:
            self._recheck_in_fp32(retag, reclassify, classify)

    def _batches(self, windows: list[_Window]) -> Iterator[tuple[list[_Window], dict[str, torch.Tensor]]]:
        """The windows, longest first, in batches of up to ``batch_size`` (`length_batches`), each with its padded
        inputs on the device."""
        for indices in self.length_batches([len(window.features["input_ids"]) for window in windows]):
            batch = [windows[index] for index in indices]
            yield batch, {name: tensor.to(self.device)
                          for name, tensor in self.collator([window.features for window in batch]).items()}

    def _recheck_in_fp32(self, retag: list[_Window], reclassify: list[_Window], classify: bool) -> None:
        """The windows set aside by `_run`, without autocast: ``retag`` extracted from their fp32 tags, both
        lists classified from their fp32 hidden states (counted in ``rechecked_windows``)."""
        self._counts["rechecked_windows"] += len(retag) + len(reclassify)
        retagging = {id(window) for window in retag}
        for batch, inputs in self._batches(retag + reclassify):
            hidden, tag_logits = self.model.tag(**inputs)
            tag_probabilities = torch.softmax(tag_logits.float(), dim=-1).cpu().numpy()
            for row, window in enumerate(batch):
                if id(window) in retagging:
                    window.aspects = self._extract(window, self._word_probabilities(window, tag_probabilities[row]))
            if classify:
                self._classify(batch, inputs, hidden, "fp32")

    def _near_tie(self, probabilities: np.ndarray) -> bool:
        """Whether a row of ``probabilities`` (items, classes) has its two largest at most ``recheck_margin`` apart."""
        if not len(probabilities):
            return False
        top_two = np.sort(probabilities, axis=-1)[:, -2:]
        return bool((top_two[:, 1] - top_two[:, 0] <= self.recheck_margin).any())

    def _rows(self, inputs: dict[str, torch.Tensor], rows: list[int]) -> dict[str, torch.Tensor]:
        index = torch.tensor(rows, device=self.device)
        return {name: tensor[index] for name, tensor in inputs.items()}

    def _word_probabilities(self, window: _Window, tag_probabilities: np.ndarray) -> np.ndarray:
        """The (words, tags) probabilities of the window's words, from its tokens' (tokens, tags): each word's
        first sub-token's."""
        has_token = window.first_token >= 0
        word_probabilities = np.zeros((len(window.first_token), len(self.tag_names)))
        word_probabilities[:, self.tag_names.index("O")] = 1.0  # a word without a token is outside every aspect
        word_probabilities[has_token] = tag_probabilities[window.first_token[has_token]]
        return word_probabilities

    def _extract(self, window: _Window, word_probabilities: np.ndarray) -> list[_Aspect]:
        """The aspects that start in the window's owned words, from its words' tag probabilities (words, tags)."""
        tag_scores = word_probabilities.max(axis=-1)
        found = [_Aspect(window.first_word + start, window.first_word + end, float(tag_scores[start:end].mean()))
                 for start, end in _owned_spans(word_probabilities.argmax(axis=-1), self.tag_names,
                                                window.owned_in_window)]
        window.text.aspects.extend(found)
        return found

    def _classify(self, batch: list[_Window], inputs: dict[str, torch.Tensor], hidden: torch.Tensor,
                  precision: str) -> None:
        """One call of the polarity head, at ``precision``, for every aspect of the batch's windows."""
        spans = [[(aspect, window.token_span(aspect)) for aspect in window.aspects] for window in batch]
        spans = [[(aspect, span) for aspect, span in row if span is not None] for row in spans]
        count = max(len(row) for row in spans)
        if not count:
            return
        aspect_spans = torch.full((len(batch), count, 2), -1, dtype=torch.long)
        for row, entries in enumerate(spans):
            if entries:
                aspect_spans[row, : len(entries)] = torch.tensor([span for _, span in entries])
        with autocast_context(self.device, precision):
            logits = self.model.classify_aspects(hidden, aspect_spans=aspect_spans.to(self.device), **inputs)
        probabilities = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        for row, entries in enumerate(spans):
            for column, (aspect, _) in enumerate(entries):
                aspect.probabilities = probabilities[row, column]

    def _classify_with_sentiment_model(self, texts: list[_Text]) -> None:
        """Every aspect of the chunk classified by the APC model at once, the aspects of a text neighbours."""
        examples, aspects = [], []
        for text in texts:
            spans = [text.char_span(aspect.word_start, aspect.word_end) for aspect in text.aspects]
            examples += add_neighbour_spans([canonical_example(text.sentence, start, end) for start, end in spans])
            aspects += text.aspects
        if examples:
            for aspect, probabilities in zip(aspects, self.sentiment_model.probabilities(examples)):
                aspect.probabilities = probabilities

    @staticmethod
    def _result(text: _Text, labels: Sequence[str]) -> SentenceExtraction:
        aspects = []
        for aspect in text.aspects:
            start, end = text.char_span(aspect.word_start, aspect.word_end)
            polarity: dict[str, Any] = {}
            if aspect.probabilities is not None:
                best = int(aspect.probabilities.argmax())
                polarity = {"label": labels[best], "score": float(aspect.probabilities[best]),
                            "probabilities": dict(zip(labels, aspect.probabilities.tolist()))}
            aspects.append(ExtractedAspect(text.sentence[start:end], start, end, aspect.word_start, aspect.word_end,
                                           aspect.extraction_score, **polarity))
        return SentenceExtraction(text.sentence, aspects, windows=len(text.windows), references=text.references)

    def _predict_dataset(self, dataset: Any, sentiment: bool) -> Any:
        if "text" not in dataset.column_names:
            raise ValueError(f"the dataset has no 'text' column (columns: {', '.join(dataset.column_names)}); "
                             "expected one text per row, or an ATEPC dataset from load_atepc_dataset")
        if PREDICTION_COLUMN in dataset.column_names:
            raise ValueError(f"the dataset already has the column {PREDICTION_COLUMN}; expected none (rename or "
                             "remove it first)")
        columns = list(WORD_COLUMNS) if set(WORD_COLUMNS) <= set(dataset.column_names) else ["text"]
        rows = dataset.select_columns(columns)
        inputs = (row if len(columns) > 1 else row["text"] for row in rows)
        predictions = [result["aspects"] for result in self.predict_iter(inputs, sentiment)]
        return dataset.add_column(PREDICTION_COLUMN, predictions)
