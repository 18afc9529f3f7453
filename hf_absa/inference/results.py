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
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AspectPrediction", "SentencePrediction"]


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
