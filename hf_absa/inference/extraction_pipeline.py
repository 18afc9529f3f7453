"""``pipeline("aspect-extraction")``: `AspectExtractor` behind the transformers pipeline API.

Importing hf_absa registers the task:

>>> import hf_absa
>>> from transformers.pipelines import PIPELINE_REGISTRY
>>> "aspect-extraction" in PIPELINE_REGISTRY.get_supported_tasks()
True

The calls below need a trained ATEPC checkpoint in ``runs/atepc`` (skipped in the test suite;
tests/test_extraction_pipeline.py runs them on a tiny model):

>>> from transformers import pipeline
>>> extractor = pipeline("aspect-extraction", model="runs/atepc")  # doctest: +SKIP
>>> extractor("The battery life is great but the screen is dim")  # doctest: +SKIP
{'sentence': 'The battery life is great but the screen is dim',
 'aspects': [{'aspect': 'battery life', 'start': 4, 'end': 16, 'label': 'Positive', 'score': 0.98, ...},
             {'aspect': 'screen', 'start': 34, 'end': 40, 'label': 'Negative', ...}],
 'windows': 1}
>>> extractor(["Great pizza", "Slow service"], sentiment=False, batch_size=16)  # doctest: +SKIP
>>> extractor("The battery life is great", aspects=["battery life"])  # doctest: +SKIP
>>> two_stage = pipeline("aspect-extraction", model="runs/atepc", sentiment_model="runs/laptop14")  # doctest: +SKIP

The pipeline is a shim: its results are exactly `AspectExtractor.predict`'s for the same inputs and settings
(`hf_absa.inference.results.SentenceExtraction`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from transformers import AutoModelForTokenClassification, Pipeline

from .classifier import SentimentClassifier
from .extractor import AspectExtractor
from .inputs import pair_aspects
from .pipeline import register_pipeline_task

__all__ = ["ASPECT_EXTRACTION_TASK", "AspectExtractionPipeline", "register_aspect_extraction_pipeline"]

ASPECT_EXTRACTION_TASK = "aspect-extraction"


class AspectExtractionPipeline(Pipeline):
    """Every aspect of raw text, with its sentiment: the ``"aspect-extraction"`` pipeline task.

    The work is done by an `AspectExtractor` (``self.extractor``) built on the pipeline's ATEPC model (any save mode;
    mode 2 with ``trust_remote_code=True``), tokenizer and device.

    Inputs: what `AspectExtractor.predict` takes, except a ``datasets.Dataset``: a text, a dict ``{"text": ...,
    "aspects": [...]}``, a text with ``aspects=[...]``, or a list (or generator) of these. A list gives a list of
    results, a generator a lazy iterator.

    Settings, at construction (``pipeline("aspect-extraction", model=..., sentiment_model=...)``) or, for
    ``sentiment`` and ``batch_size``, per call:

    * ``sentiment``: False for extraction only (default True);
    * ``sentiment_model``: an APC checkpoint folder, Hub id or `SentimentClassifier` that classifies the extracted
      aspects (default: the ATEPC model's own polarity head);
    * ``precision``: ``"auto"`` (default, as `AspectExtractor`'s: bf16 where the device runs it natively, near-ties
      of tags decided in fp32), ``"fp32"``, ``"bf16"`` or ``"int8"``;
    * ``batch_size``: windows per forward pass, across texts (default 32).
    """

    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False

    def __init__(
        self, *args: Any, sentiment_model: str | os.PathLike | SentimentClassifier | None = None,
        precision: str = "auto", **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.tokenizer is None:
            raise ValueError("aspect-extraction needs the model's tokenizer; expected tokenizer= (or a checkpoint "
                             "folder with its tokenizer files)")
        settings = {} if self._batch_size is None else {"batch_size": self._batch_size}
        self.extractor = AspectExtractor(self.model, self.tokenizer, device=self.device, precision=precision,
                                         sentiment_model=sentiment_model, **settings)
        # The base class runs calls without batch_size= at batch size 1; the extractor's default suits better.
        self._batch_size = self.extractor.batch_size

    def __call__(self, inputs: Any, *args: Any, aspects: Sequence[Any] | None = None, **kwargs: Any) -> Any:
        """Extract from ``inputs`` (see the class docstring); ``aspects`` pairs texts with the aspects to classify
        instead, as in `AspectExtractor.predict`.

        Raises:
            TypeError, ValueError: a malformed input, naming it and what was expected; an unknown keyword argument.
        """
        inputs = pair_aspects(inputs, aspects)
        if isinstance(inputs, list) and not inputs:
            return []  # the base class would look at inputs[0] for a chat
        return super().__call__(inputs, *args, **kwargs)

    def _sanitize_parameters(self, sentiment: bool | None = None, **kwargs: Any):
        if kwargs:
            raise TypeError(f"aspect-extraction takes no parameter {', '.join(sorted(kwargs))}; expected sentiment=, "
                            "aspects= or batch_size= per call")
        return {}, ({} if sentiment is None else {"sentiment": sentiment}), {}

    def preprocess(self, inputs: Any) -> Any:
        return inputs  # the extractor reads the input itself (words, windows, given aspects)

    def _forward(self, item: Any, sentiment: bool = True) -> dict:
        return self.extractor.predict(item, sentiment=sentiment)

    def postprocess(self, result: dict) -> dict:
        return result

    def get_iterator(self, inputs, num_workers, batch_size, preprocess_params, forward_params, postprocess_params):
        # The base class batches through a DataLoader row by row, but a long text here owns several windows; the
        # extractor batches windows across texts itself (length-sorted chunks), lazily and in order.
        return self.extractor.with_batch_size(batch_size).predict_iter(inputs, **forward_params)


def register_aspect_extraction_pipeline() -> None:
    """Register ``"aspect-extraction"`` with the transformers pipeline registry (safe to call again)."""
    register_pipeline_task(ASPECT_EXTRACTION_TASK, AspectExtractionPipeline, AutoModelForTokenClassification)

register_aspect_extraction_pipeline()
