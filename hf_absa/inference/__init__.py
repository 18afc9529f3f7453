"""Prediction with trained hf_absa checkpoints.

* `SentimentClassifier` (``classifier.py``): marked text, sentences with aspect lists, lists of either or a
  ``datasets.Dataset`` in; plain-JSON results out. Devices, bf16 / int8 / ``torch.compile`` in ``precision.py``,
  input forms in ``inputs.py``.
* `predict_file` (``batch.py``): a 3-line or ``.inference`` file streamed into JSON Lines, with metrics when the
  file has labels.
* ``formatting.py``: the human-readable text of results and metrics.
* `AspectSentimentPipeline` (``pipeline.py``): the ``pipeline("aspect-sentiment")`` task, registered on import.

>>> from hf_absa.inference import SentimentClassifier, predict_file
>>> SentimentClassifier.from_pretrained  # doctest: +ELLIPSIS
<bound method SentimentClassifier.from_pretrained of <class '...SentimentClassifier'>>
"""

from .batch import predict_file
from .classifier import PREDICTION_COLUMNS, SentimentClassifier
from .formatting import format_metrics, format_prediction
from .pipeline import AspectSentimentPipeline  # importing it registers the "aspect-sentiment" pipeline task
from .precision import PRECISIONS

__all__ = [
    "PRECISIONS",
    "PREDICTION_COLUMNS",
    "AspectSentimentPipeline",
    "SentimentClassifier",
    "format_metrics",
    "format_prediction",
    "predict_file",
]

