"""``pipeline("aspect-sentiment")``: every hf_absa architecture behind the transformers pipeline API.

Importing hf_absa registers the task, so a checkpoint folder (or a model object) is one call away:

>>> import hf_absa
>>> from transformers.pipelines import PIPELINE_REGISTRY
>>> "aspect-sentiment" in PIPELINE_REGISTRY.get_supported_tasks()
True
>>> from transformers import pipeline
>>> classifier = pipeline("aspect-sentiment", model="runs/demo")  # doctest: +SKIP
>>> classifier("The [B-ASP]battery[E-ASP] lasts forever but the [B-ASP]screen[E-ASP] is dim")  # doctest: +SKIP
[{'aspect': 'battery', 'start': 4, 'end': 11, 'label': 'Positive', 'score': 0.98,
  'probabilities': {'Negative': 0.01, 'Neutral': 0.01, 'Positive': 0.98}},
 {'aspect': 'screen', 'start': 34, 'end': 40, 'label': 'Negative', 'score': 0.95, 'probabilities': {...}}]
>>> classifier({"text": "The battery lasts forever", "aspects": ["battery"]})  # doctest: +SKIP
[{'aspect': 'battery', 'start': 4, 'end': 11, 'label': 'Positive', ...}]
>>> classifier(["Nice [B-ASP]staff[E-ASP]", "Cold [B-ASP]food[E-ASP]"], batch_size=8)  # doctest: +SKIP
[[{'aspect': 'staff', ...}], [{'aspect': 'food', ...}]]

The stock ``pipeline("text-classification")(sentence, text_pair=aspect)`` also works, but only for models that
read the plain sentence-aspect pair (``bert_spc`` / ``bert_spc_v2`` without ``lsa``): it cannot compute the
local-context vectors and neighbour encodings of the LCF/LSA models, which this pipeline gets from `APCProcessor`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from typing import Any

import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY
from transformers.pipelines.pt_utils import PipelineDataset, PipelineIterator

from ..data.collator import DataCollatorForAPC
from ..data.processing import APCProcessor
from ..data.readers import parse_marked_text
from ..models import APCConfig
from .inputs import ASPECTS_EXPECTED, examples_of_aspects

__all__ = [
    "ASPECT_SENTIMENT_TASK",
    "AspectSentimentPipeline",
    "examples_of_input",
    "processor_inputs",
    "register_aspect_sentiment_pipeline",
]

ASPECT_SENTIMENT_TASK = "aspect-sentiment"
# Stock pair classifiers (e.g. yangheng/deberta-v3-base-absa-v1.1) have no `max_seq_len` in their config; their
# tokenizer may state no limit either (a huge model_max_length), so the pair is cut at BERT's usual length.
DEFAULT_MAX_SEQ_LEN = 512


def examples_of_input(inputs: str | Mapping[str, Any]) -> list[dict]:
    """Canonical APC examples (one per aspect, with neighbour spans) of one pipeline input.

    ``inputs`` is a marked sentence (``"The [B-ASP]food[E-ASP] was great"``; a ``$LABEL$`` part is not used)
    or ``{"text": sentence, "aspects": [...]}`` with the aspects as `SentimentClassifier.predict` takes them:
    a string (each of its occurrences) or an ``(aspect, start)`` pair.

    >>> [(e["aspect"], e["aspect_start"]) for e in examples_of_input({"text": "Tasty food", "aspects": ["food"]})]
    [('food', 6)]
    """
    if isinstance(inputs, str):
        return parse_marked_text(inputs)
    if isinstance(inputs, Mapping) and set(inputs) == {"text", "aspects"}:
        return examples_of_aspects(inputs["text"], inputs["aspects"])
    raise TypeError(
        f"aspect-sentiment got the {type(inputs).__name__} {inputs!r:.80}; expected a sentence with its aspects "
        f"marked as [B-ASP]aspect[E-ASP], a dict {{'text': sentence, 'aspects': [...]}} with each aspect "
        f"{ASPECTS_EXPECTED}, or a list of these"
    )


def processor_inputs(config) -> tuple[str, ...]:
    """The extra columns `APCProcessor` must compute for a model with this ``config`` (none for stock models)."""
    # model_type, not isinstance: a remote-code (mode 2) checkpoint brings its own copy of the config class.
    if getattr(config, "model_type", None) != APCConfig.model_type:
        return ()
    return tuple(config.forward_inputs)


class AspectSentimentPipeline(Pipeline):
    """Aspect polarity of each aspect of a sentence: the ``"aspect-sentiment"`` pipeline task.

    Works with every hf_absa architecture (the inputs, LCF vectors and neighbour encodings come from the
    package's own `APCProcessor` with the checkpoint's ``max_seq_len`` and ``SRD``) and with stock sentence-pair
    classifiers such as yangheng/deberta-v3-base-absa-v1.1. Inputs: a marked sentence, a dict
    ``{"text": sentence, "aspects": [...]}`` (see `examples_of_input`) or a list of them. Output per input: one
    dict per aspect, in sentence order, with ``aspect``, ``start``/``end`` (character span in the marker-free
    sentence), ``label``, ``score`` (its probability) and ``probabilities`` (every label's).

    All aspects of one sentence are classified in one model batch; ``batch_size=n`` puts n sentences in one.
    """

    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = self.model.config
        max_seq_len = getattr(config, "max_seq_len", None) or min(self.tokenizer.model_max_length, DEFAULT_MAX_SEQ_LEN)
        self.apc_processor = APCProcessor(
            self.tokenizer, max_seq_len=max_seq_len, srd=getattr(config, "SRD", 3), input_names=processor_inputs(config)
        )
        self.collator = DataCollatorForAPC(self.tokenizer)
        # A model handed over straight from a Trainer is still in training mode; dropout would make every
        # prediction random.
        self.model.eval()

    def _sanitize_parameters(self, **kwargs):
        if kwargs:
            raise TypeError(f"aspect-sentiment takes no parameter {', '.join(sorted(kwargs))}")
        return {}, {}, {}

    def preprocess(self, inputs: str | Mapping[str, Any]) -> dict:
        examples = examples_of_input(inputs)
        aspects = [{"aspect": e["aspect"], "start": e["aspect_start"], "end": e["aspect_end"]} for e in examples]
        return {"aspects": aspects, "features": self.apc_processor.feature_rows(examples)}

    def collate_inputs(self, items: Sequence[dict]) -> dict:
        """One model batch holding every aspect of the preprocessed inputs ``items``."""
        rows = [row for item in items for row in item["features"]]
        return {"model_inputs": self.collator(rows), "aspects": [item["aspects"] for item in items]}

    def _forward(self, batch: dict) -> dict:
        return {"logits": self.model(**batch["model_inputs"]).logits, "aspects": batch["aspects"]}

    def postprocess(self, model_outputs: dict) -> list[dict]:
        probabilities = torch.softmax(model_outputs["logits"].float(), dim=-1)
        id2label = self.model.config.id2label
        results = []
        for aspect, probs in zip(model_outputs["aspects"], probabilities):
            best = int(probs.argmax())
            results.append({
                **aspect,
                "label": id2label[best],
                "score": float(probs[best]),
                "probabilities": {id2label[index]: float(p) for index, p in enumerate(probs)},
            })
        return results

    def get_iterator(self, inputs, num_workers, batch_size, preprocess_params, forward_params, postprocess_params):
        # The base class unbatches model outputs row by row, but one input here owns as many rows as it has
        # aspects, so the batch is split per input instead (`split_per_input`).
        if isinstance(inputs, Sized):
            dataset = PipelineDataset(inputs, self.preprocess, preprocess_params)
        else:
            dataset = PipelineIterator(inputs, self.preprocess, preprocess_params)
            num_workers = min(num_workers, 1)  # each worker would replay the whole iterable
        loader = DataLoader(dataset, num_workers=num_workers, batch_size=batch_size, collate_fn=self.collate_inputs)
        model_outputs = PipelineIterator(loader, self.forward, forward_params)
        return PipelineIterator(split_per_input(model_outputs), self.postprocess, postprocess_params)

    def run_single(self, inputs, preprocess_params, forward_params, postprocess_params):
        iterator = self.get_iterator([inputs], 0, 1, preprocess_params, forward_params, postprocess_params)
        return next(iter(iterator))


def split_per_input(model_outputs: Iterable[dict]) -> Iterator[dict]:
    """The logits of each input of each batch, with that input's aspects."""
    for output in model_outputs:
        offset = 0
        for aspects in output["aspects"]:
            yield {"logits": output["logits"][offset : offset + len(aspects)], "aspects": aspects}
            offset += len(aspects)


def register_aspect_sentiment_pipeline() -> None:
    """Register ``"aspect-sentiment"`` with the transformers pipeline registry (safe to call again)."""
    # Registering a task twice logs an "Overwriting pipeline" warning.
    if ASPECT_SENTIMENT_TASK not in PIPELINE_REGISTRY.supported_tasks:
        PIPELINE_REGISTRY.register_pipeline(
            ASPECT_SENTIMENT_TASK,
            pipeline_class=AspectSentimentPipeline,
            pt_model=AutoModelForSequenceClassification,
            type="text",
        )


register_aspect_sentiment_pipeline()
