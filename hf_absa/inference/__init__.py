"""Prediction with trained hf_absa checkpoints.

* `SentimentClassifier` (``classifier.py``): marked text, ``{"text", "aspects"}`` dicts, sentences with aspect
  lists, lists of these or a ``datasets.Dataset`` in; plain-JSON results out. Devices, bf16 / int8 /
  ``torch.compile`` in ``precision.py``, input forms in ``inputs.py``. `VotingClassifier`: several checkpoints
  voting (`vote`), from ``SentimentClassifier.from_pretrained([folder, ...], voting=...)``.
* `AspectExtractor` (``extractor.py``): raw text in, every aspect with character offsets and its sentiment out
  (an ATEPC checkpoint, optionally with an APC checkpoint classifying the aspects).
* ``results.py``: the result schemas, `SentencePrediction` / `AspectPrediction` (APC) and `SentenceExtraction` /
  `ExtractedAspect` (extraction), with ``to_dict()``.
* `AspectSentimentPipeline` (``pipeline.py``): the ``pipeline("aspect-sentiment")`` task, registered on import; a
  shim over `SentimentClassifier` with the same results. `AspectExtractionPipeline` (``extraction_pipeline.py``):
  ``pipeline("aspect-extraction")``, the same over `AspectExtractor`.
* `predict_file` (``batch.py``): a 3-line or ``.inference`` file streamed into JSON Lines, with metrics when the
  file has labels; the APC user of the task-neutral `stream_predictions` (``streaming.py``).
  `predict_extraction_file` (``extraction_batch.py``, `AspectExtractor.predict_file`): its extraction user, for
  text, ``.atepc`` and unified-tag files, scored by the main ATEPC protocol.
* ``formatting.py``: the human-readable text of results and metrics.

>>> from hf_absa.inference import SentimentClassifier, predict_file
>>> SentimentClassifier.from_pretrained  # doctest: +ELLIPSIS
<bound method SentimentClassifier.from_pretrained of <class '...SentimentClassifier'>>
"""

from .batch import APCMetricsAccumulator, predict_file
from .classifier import (
    PREDICTION_COLUMNS,
    VOTING_MODES,
    SentimentClassifier,
    VotingClassifier,
    missing_checkpoint_files,
    vote,
)
from .extraction_batch import ExtractionMetricsAccumulator, predict_extraction_file
from .extraction_pipeline import AspectExtractionPipeline  # importing it registers "aspect-extraction"
from .extractor import AspectExtractor
from .formatting import format_extraction, format_extraction_metrics, format_metrics, format_prediction
from .pipeline import AspectSentimentPipeline  # importing it registers the "aspect-sentiment" pipeline task
from .precision import PRECISIONS
from .results import AspectPrediction, ExtractedAspect, SentenceExtraction, SentencePrediction
from .streaming import ExampleGroupPredictor, MetricsAccumulator, ProgressBar, stream_predictions

__all__ = [
    "PRECISIONS",
    "PREDICTION_COLUMNS",
    "APCMetricsAccumulator",
    "AspectExtractionPipeline",
    "AspectExtractor",
    "AspectPrediction",
    "AspectSentimentPipeline",
    "ExampleGroupPredictor",
    "ExtractedAspect",
    "ExtractionMetricsAccumulator",
    "MetricsAccumulator",
    "ProgressBar",
    "SentenceExtraction",
    "SentencePrediction",
    "SentimentClassifier",
    "VOTING_MODES",
    "VotingClassifier",
    "format_extraction",
    "format_extraction_metrics",
    "format_metrics",
    "format_prediction",
    "missing_checkpoint_files",
    "predict_extraction_file",
    "predict_file",
    "stream_predictions",
    "vote",
]
