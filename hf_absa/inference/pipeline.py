"""``pipeline("aspect-sentiment")``: `SentimentClassifier` behind the transformers pipeline API.

Importing hf_absa registers the task, so a checkpoint folder (or a model object) is one call away:

>>> import hf_absa
>>> from transformers.pipelines import PIPELINE_REGISTRY
>>> "aspect-sentiment" in PIPELINE_REGISTRY.get_supported_tasks()
True

The calls below need a trained checkpoint in ``runs/demo`` (skipped in the test suite; tests/test_pipeline.py runs
them on a tiny model):

>>> from transformers import pipeline
>>> classifier = pipeline("aspect-sentiment", model="runs/demo")  # doctest: +SKIP
>>> classifier("The [B-ASP]battery[E-ASP] lasts forever but the [B-ASP]screen[E-ASP] is dim")  # doctest: +SKIP
{'sentence': 'The battery lasts forever but the screen is dim',
 'aspects': [{'aspect': 'battery', 'start': 4, 'end': 11, 'label': 'Positive', 'score': 0.98,
              'probabilities': {'Negative': 0.01, 'Neutral': 0.01, 'Positive': 0.98}},
             {'aspect': 'screen', 'start': 34, 'end': 40, 'label': 'Negative', 'score': 0.95, ...}]}
>>> classifier({"text": "The battery lasts forever", "aspects": ["battery"]})  # doctest: +SKIP
>>> classifier("The battery lasts forever", aspects=["battery"])  # doctest: +SKIP
>>> classifier(["Nice [B-ASP]staff[E-ASP]", "Cold [B-ASP]food[E-ASP]"], batch_size=8)  # doctest: +SKIP
[{'sentence': 'Nice staff', 'aspects': [...]}, {'sentence': 'Cold food', 'aspects': [...]}]

The pipeline is a shim: its results are exactly `SentimentClassifier.predict`'s for the same inputs (the schema of
`hf_absa.inference.results`). The stock ``pipeline("text-classification")(sentence, text_pair=aspect)`` also works,
but only for models that read the plain sentence-aspect pair (``bert_spc`` / ``bert_spc_v2`` without ``lsa``): it
cannot compute the local-context vectors and neighbour encodings of the LCF/LSA models, which this pipeline gets
from `APCProcessor` through the classifier.

Loading a folder goes through transformers' ``pipeline()``, whose errors for missing files are its own;
`SentimentClassifier.from_pretrained` names what a folder lacks (`missing_checkpoint_files`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from transformers import AutoModelForSequenceClassification, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from .classifier import DEFAULT_BATCH_SIZE, SentimentClassifier
from .inputs import AspectSpec, example_group, pair_aspects

__all__ = ["ASPECT_SENTIMENT_TASK", "AspectSentimentPipeline", "register_aspect_sentiment_pipeline"]

ASPECT_SENTIMENT_TASK = "aspect-sentiment"


class AspectSentimentPipeline(Pipeline):
    """Aspect polarity of each aspect of a sentence: the ``"aspect-sentiment"`` pipeline task.

    Works with every hf_absa architecture, remote-code (save mode 2) checkpoints included, and with stock
    sentence-pair classifiers such as yangheng/deberta-v3-base-absa-v1.1: the work is done by a
    `SentimentClassifier` (``self.classifier``) built on the pipeline's model, tokenizer and device.

    Inputs: what `SentimentClassifier.predict` takes, except a ``datasets.Dataset``: a marked sentence, a dict
    ``{"text": sentence, "aspects": [...]}``, a plain sentence with ``aspects=[...]``, or a list (or generator) of
    these. Output per input: ``{"sentence": ..., "aspects": [{"aspect", "start", "end", "label", "score",
    "probabilities"}, ...]}``, as `SentimentClassifier.predict` returns it. A list gives a list; a generator gives
    a lazy iterator of results.

    ``batch_size`` (at construction or per call) is the number of aspects per forward pass, across sentences
    (default 32), as for `SentimentClassifier`. ``precision`` (at construction) is `SentimentClassifier`'s:
    ``"auto"`` (default: bf16 autocast where the device computes in bf16 natively, else fp32), ``"fp32"``,
    ``"bf16"`` or ``"int8"``; ``self.classifier.precision`` says which runs.
    """

    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False

    def __init__(self, *args, precision: str = "auto", **kwargs):
        super().__init__(*args, **kwargs)
        if self.tokenizer is None:
            raise ValueError("aspect-sentiment needs the model's tokenizer; expected tokenizer= (or a checkpoint "
                             "folder with its tokenizer files)")
        self.classifier = SentimentClassifier(
            self.model,
            self.tokenizer,
            device=self.device,
            batch_size=DEFAULT_BATCH_SIZE if self._batch_size is None else self._batch_size,
            precision=precision,
        )
        # The base class runs calls without batch_size= at batch size 1; the classifier's default suits better.
        self._batch_size = self.classifier.batch_size

    def __call__(self, inputs: Any, *args: Any, aspects: AspectSpec | list | None = None, **kwargs: Any) -> Any:
        """Predict ``inputs`` (see the class docstring); ``aspects`` pairs plain sentences with their aspects,
        as in `SentimentClassifier.predict`.

        Raises:
            TypeError, ValueError: a malformed input, naming it (``inputs[2]``) and what was expected; an unknown
                keyword argument.
        """
        inputs = pair_aspects(inputs, aspects)
        if isinstance(inputs, list) and not inputs:
            return []  # the base class would look at inputs[0] for a chat
        return super().__call__(inputs, *args, **kwargs)

    def _sanitize_parameters(self, **kwargs):
        if kwargs:
            raise TypeError(f"aspect-sentiment takes no parameter {', '.join(sorted(kwargs))}; expected aspects= or "
                            "batch_size= at most")
        return {}, {}, {}

    def preprocess(self, inputs: str | Mapping[str, Any], where: str | None = None) -> list[dict]:
        """The canonical examples of one input (`hf_absa.inference.inputs.example_group`)."""
        return example_group(inputs, where)

    def _forward(self, group: list[dict]) -> dict:
        return next(iter(self.classifier.predict_example_groups([group])))

    def postprocess(self, result: dict) -> dict:
        return result

    def get_iterator(self, inputs, num_workers, batch_size, preprocess_params, forward_params, postprocess_params):
        # The base class batches through a DataLoader row by row, but one input here owns as many model rows as it
        # has aspects; the classifier batches across inputs itself (length-sorted chunks), lazily and in order.
        classifier = self.classifier.with_batch_size(batch_size)
        return classifier.predict_example_groups(self._example_groups(inputs))

    def _example_groups(self, inputs: Iterable[Any]) -> Iterator[list[dict]]:
        for index, item in enumerate(inputs):
            yield self.preprocess(item, where=f"inputs[{index}]")


def register_pipeline_task(task: str, pipeline_class: type[Pipeline], model_class: type) -> None:
    """Register the text task ``task`` with the transformers pipeline registry (safe to call again)."""
    # Registering a task twice logs an "Overwriting pipeline" warning.
    if task not in PIPELINE_REGISTRY.supported_tasks:
        PIPELINE_REGISTRY.register_pipeline(task, pipeline_class=pipeline_class, pt_model=model_class, type="text")


def register_aspect_sentiment_pipeline() -> None:
    """Register ``"aspect-sentiment"`` with the transformers pipeline registry (safe to call again)."""
    register_pipeline_task(ASPECT_SENTIMENT_TASK, AspectSentimentPipeline, AutoModelForSequenceClassification)


register_aspect_sentiment_pipeline()
