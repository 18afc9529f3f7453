"""The one result schema of aspect polarity prediction: `SentencePrediction` holding `AspectPrediction` entries.

`SentimentClassifier.predict`, ``pipeline("aspect-sentiment")``, `predict_file` (one JSON Lines object per
sentence) and ``hf-absa predict --json`` all return ``SentencePrediction(...).to_dict()``:

>>> aspect = AspectPrediction(aspect="battery", start=4, end=11, label="Negative", score=0.9,
...                           probabilities={"Negative": 0.9, "Neutral": 0.04, "Positive": 0.06}, reference="Negative")
>>> SentencePrediction("The battery dies fast", [aspect]).to_dict()  # doctest: +NORMALIZE_WHITESPACE
{'sentence': 'The battery dies fast',
 'aspects': [{'aspect': 'battery', 'start': 4, 'end': 11, 'label': 'Negative', 'score': 0.9,
              'probabilities': {'Negative': 0.9, 'Neutral': 0.04, 'Positive': 0.06},
              'reference': 'Negative', 'correct': True}]}

``score`` is the probability of the predicted ``label`` (the key transformers pipelines use for it).

`AspectExtractor.predict` (aspect extraction from raw text) returns ``SentenceExtraction(...).to_dict()``, the same
keys per aspect plus where the aspect's words are and how sure the extraction is; without sentiment
(``sentiment=False``) an aspect has no ``label`` / ``score`` / ``probabilities``:

>>> found = ExtractedAspect(aspect="battery life", start=4, end=16, word_start=1, word_end=3,
...                         extraction_score=0.93)
>>> SentenceExtraction("The battery life is great", [found], windows=1).to_dict()  # doctest: +NORMALIZE_WHITESPACE
{'sentence': 'The battery life is great',
 'aspects': [{'aspect': 'battery life', 'start': 4, 'end': 16, 'word_start': 1, 'word_end': 3,
              'extraction_score': 0.93}],
 'windows': 1}
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AspectPrediction", "ExtractedAspect", "SentenceExtraction", "SentencePrediction"]


@dataclass
class AspectPrediction:
    """The predicted polarity of one aspect occurrence.

    Attributes:
        aspect: the aspect's text as it occurs in the sentence.
        start: its first character in the marker-free sentence (0-based).
        end: one past its last character, so ``sentence[start:end] == aspect``.
        label: the most probable polarity label (a label of the model's ``id2label``).
        score: the probability of ``label``, in [0, 1].
        probabilities: every label of the model → its probability (summing to 1), in label-id order.
        reference: the reference label the input gave for this aspect (``$LABEL$``, a labelled file), or None.
    """

    aspect: str
    start: int
    end: int
    label: str
    score: float
    probabilities: dict[str, float]
    reference: str | None = None

    @property
    def correct(self) -> bool | None:
        """Whether ``label`` equals ``reference``; None without a reference."""
        return None if self.reference is None else self.label == self.reference

    def to_dict(self) -> dict:
        """Plain JSON types: ``aspect``, ``start``, ``end``, ``label``, ``score``, ``probabilities``, plus
        ``reference`` and ``correct`` only when there is a reference label."""
        entry = {
            "aspect": self.aspect,
            "start": int(self.start),
            "end": int(self.end),
            "label": self.label,
            "score": float(self.score),
            "probabilities": {label: float(p) for label, p in self.probabilities.items()},
        }
        if self.reference is not None:
            entry["reference"] = self.reference
            entry["correct"] = self.correct
        return entry


@dataclass
class SentencePrediction:
    """The predictions for every aspect of one sentence.

    Attributes:
        sentence: the sentence without aspect markers or ``$LABEL$`` part; the aspects' spans index into it.
        aspects: one `AspectPrediction` per aspect occurrence, in sentence order.
    """

    sentence: str
    aspects: list[AspectPrediction] = field(default_factory=list)

    def to_dict(self) -> dict:
        """``{"sentence": str, "aspects": [AspectPrediction.to_dict(), ...]}``, plain JSON types."""
        return {"sentence": self.sentence, "aspects": [aspect.to_dict() for aspect in self.aspects]}


@dataclass
class ExtractedAspect:
    """One aspect of a text, found by aspect extraction (or given by the caller), with its polarity if predicted.

    Attributes:
        aspect: the aspect's text as it occurs in the text, ``text[start:end]``.
        start, end: its characters ``[start, end)`` in the original text (0-based, end exclusive).
        word_start, word_end: its words ``[word_start, word_end)``: indices into the words the text was split into
            (`hf_absa.data.atepc_readers.split_words`, or the words an ATEPC example came with).
        extraction_score: how sure the tagger is, in [0, 1]: the mean over the aspect's words of the probability of
            the tag each word got (``B-ASP`` / ``I-ASP``, read at the word's first sub-token); None for an aspect
            the caller gave.
        label: the most probable polarity, None when no sentiment was predicted.
        score: the probability of ``label``; None without sentiment.
        probabilities: every polarity label → its probability (summing to 1); None without sentiment.
    """

    aspect: str
    start: int
    end: int
    word_start: int
    word_end: int
    extraction_score: float | None = None
    label: str | None = None
    score: float | None = None
    probabilities: dict[str, float] | None = None

    def to_dict(self) -> dict:
        """Plain JSON types: ``aspect``, ``start``, ``end`` and, with sentiment, ``label``, ``score``,
        ``probabilities`` (the keys of `AspectPrediction`), then ``word_start``, ``word_end`` and
        ``extraction_score`` (left out for a given aspect)."""
        entry: dict = {"aspect": self.aspect, "start": int(self.start), "end": int(self.end)}
        if self.label is not None:
            entry["label"] = self.label
            entry["score"] = float(self.score)
            entry["probabilities"] = {label: float(p) for label, p in self.probabilities.items()}
        entry["word_start"] = int(self.word_start)
        entry["word_end"] = int(self.word_end)
        if self.extraction_score is not None:
            entry["extraction_score"] = float(self.extraction_score)
        return entry


@dataclass
class SentenceExtraction:
    """The aspects of one text (a sentence or a whole review).

    Attributes:
        sentence: the text exactly as given; every span indexes into it.
        aspects: one `ExtractedAspect` per aspect, in text order, non-overlapping when extracted.
        windows: how many windows of at most ``max_seq_len`` tokens the ATEPC model read the text in: 1 for a text
            that fits, more for a longer one (overlapping windows, see `AspectExtractor`), 0 when the model did not
            read it (no words, or given aspects classified without the ATEPC model).
        references: the reference aspects of an annotated input (an ATEPC example: ``aspect``, ``start``, ``end``,
            ``word_start``, ``word_end``, ``label``, and ``predicted_label`` when they were classified too, as by
            `AspectExtractor.predict_file`), or None for raw text.
    """

    sentence: str
    aspects: list[ExtractedAspect] = field(default_factory=list)
    windows: int = 1
    references: list[dict] | None = None

    def to_dict(self) -> dict:
        """``{"sentence": str, "aspects": [ExtractedAspect.to_dict(), ...], "windows": int}``, plus
        ``"references"`` when there are references; plain JSON types."""
        result = {"sentence": self.sentence, "aspects": [aspect.to_dict() for aspect in self.aspects],
                  "windows": int(self.windows)}
        if self.references is not None:
            result["references"] = [dict(reference) for reference in self.references]
        return result
