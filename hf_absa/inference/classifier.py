"""`SentimentClassifier`: aspect polarity prediction with a trained hf_absa checkpoint (PyABSA's class name).

>>> from hf_absa import SentimentClassifier
>>> classifier = SentimentClassifier.from_pretrained("runs/demo")  # doctest: +SKIP
>>> classifier.predict("The [B-ASP]battery[E-ASP] lasts forever but the [B-ASP]screen[E-ASP] is dim")  # doctest: +SKIP
{'sentence': 'The battery lasts forever but the screen is dim',
 'aspects': [{'aspect': 'battery', 'start': 4, 'end': 11, 'label': 'Positive', 'confidence': 0.97,
              'probabilities': {'Negative': 0.01, 'Neutral': 0.02, 'Positive': 0.97}},
             {'aspect': 'screen', 'start': 34, 'end': 40, 'label': 'Negative', ...}]}
>>> classifier.predict("The battery lasts forever", aspects=["battery"])  # doctest: +SKIP
>>> texts = ["The [B-ASP]food[E-ASP] was cold $LABEL$ Negative", "Nice [B-ASP]staff[E-ASP]"]
>>> classifier.predict(texts)  # doctest: +SKIP
>>> classifier.predict_file("reviews.inference", "predictions.jsonl")["metrics"]["accuracy"]  # doctest: +SKIP

Results are plain Python values (str, int, float, bool, dict, list), ready for ``json.dumps``. Text without
aspect markers is an error, never a "Global Sentiment" pseudo-aspect as in PyABSA. A long text is classified from
a window of at most the checkpoint's ``max_seq_len`` tokens centred on each aspect (`APCProcessor`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from datasets import Dataset, Value

from ..data.collator import DataCollatorForAPC
from ..data.processing import APCProcessor
from ..models import APCConfig
from .inputs import AspectSpec, dataset_example_groups, example_groups
from .precision import prepare_model, resolve_device

__all__ = ["PREDICTION_COLUMNS", "SentimentClassifier"]

# Columns `predict(dataset)` adds: the predicted label, its probability, every label's probability.
PREDICTION_COLUMNS = ("pred_label", "pred_confidence", "pred_probabilities")
# Examples featurised and predicted together: enough for full, length-sorted batches, small enough that a huge
# input never sits in memory as features at once.
DEFAULT_CHUNK_SIZE = 4096


class SentimentClassifier:
    """Aspect polarity prediction: text in, one result per sentence with one entry per aspect.

    Args:
        model: an `APCModelForSequenceClassification` (e.g. ``trainer.model``).
        tokenizer: its fast tokenizer.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``…; None picks CUDA when available.
        batch_size: examples per forward pass. Each chunk of ``chunk_size`` examples is sorted by length before
            it is cut into batches, so a batch is padded only to similar lengths.
        precision: ``"fp32"``, ``"bf16"`` (autocast) or ``"int8"`` (dynamic quantisation, CPU); see
            `hf_absa.inference.precision`.
        compile: run the model through ``torch.compile(model, dynamic=True)``.
        chunk_size: examples featurised at a time.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        device: str | torch.device | None = None,
        batch_size: int = 32,
        precision: str = "fp32",
        compile: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        for name, value in (("batch_size", batch_size), ("chunk_size", chunk_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        config = getattr(model, "config", None)
        if getattr(config, "model_type", None) != APCConfig.model_type:
            raise TypeError(f"SentimentClassifier needs an hf_absa APC model, got {type(model).__name__} (model_type "
                            f"{getattr(config, 'model_type', None)!r}); train one with `hf-absa train`")
        self.device = resolve_device(device)
        self.precision = precision
        self.model, self._forward = prepare_model(model, self.device, precision, compile)
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.processor = APCProcessor(
            tokenizer, max_seq_len=config.max_seq_len, srd=config.SRD, input_names=config.forward_inputs
        )
        self.collator = DataCollatorForAPC(tokenizer)
        self.labels = [config.id2label[index] for index in range(config.num_labels)]

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        compile: bool = False,
        batch_size: int = 32,
        **kwargs: Any,
    ) -> SentimentClassifier:
        """Load a checkpoint folder (``hf-absa train`` output, any save mode) or a Hub model id.

        ``kwargs`` go to transformers' ``from_pretrained`` of the config, model and tokenizer (``revision``,
        ``token``, ``cache_dir``, ``local_files_only``…), except ``chunk_size``, which is the classifier's.
        """
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        chunk_size = kwargs.pop("chunk_size", DEFAULT_CHUNK_SIZE)
        path = os.path.expanduser(str(path))
        if os.path.isdir(path):
            if not os.path.isfile(os.path.join(path, "config.json")):
                raise FileNotFoundError(f"model: {path} has no config.json; expected a checkpoint folder written by "
                                        "`hf-absa train` or save_pretrained")
        elif os.path.exists(path) or path.startswith(("/", "./", "../")) or path.count("/") > 1:
            # A Hub id is "name" or "owner/name"; anything else that is not a folder cannot be loaded.
            raise FileNotFoundError(f"model: {path} is not a folder; expected a checkpoint folder written by "
                                    "`hf-absa train` or a Hub model id")
        try:
            config = AutoConfig.from_pretrained(path, **kwargs)
        except OSError as error:
            raise OSError(f"model: cannot load {path!r}, which is no local folder, as a Hub model id: "
                          f"{' '.join(str(error).split())}") from None
        if config.model_type != APCConfig.model_type:
            raise ValueError(f"model: {path} holds a {config.model_type!r} model, not an hf_absa APC checkpoint; "
                             "expected the output of `hf-absa train`")
        model = AutoModelForSequenceClassification.from_pretrained(path, config=config, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
        return cls(model, tokenizer, device=device, batch_size=batch_size, precision=precision, compile=compile,
                   chunk_size=chunk_size)

    # ------------------------------------------------------------------ prediction

    def predict(
        self, texts: str | Sequence[str] | Any, aspects: AspectSpec | Sequence[Any] | None = None
    ) -> dict | list[dict] | Any:
        """Predict the polarity of every aspect.

        * ``predict("The [B-ASP]food[E-ASP] was cold $LABEL$ Negative")`` → one result;
        * ``predict("The food was cold", aspects=["food"])`` → one result, one entry per occurrence of each
          aspect string; ``aspects=[("food", 4)]`` picks the occurrence at character 4;
        * ``predict([text, ...])`` (with ``aspects=[[...], ...]`` for plain sentences) → a list of results;
        * ``predict(dataset)`` (a ``datasets.Dataset`` with ``sentence``, ``aspect`` and optionally
          ``aspect_start`` / ``label`` columns, one row per aspect) → a new Dataset with the columns of
          `PREDICTION_COLUMNS` added.

        A result is ``{"sentence": ..., "aspects": [{"aspect", "start", "end", "label", "confidence",
        "probabilities": {label: p}}, ...]}`` with the aspects in sentence order, plus ``"reference"`` and
        ``"correct"`` for an aspect with a ``$LABEL$`` reference label.
        """
        if isinstance(texts, Dataset):
            if aspects is not None:
                raise ValueError("aspects= does not apply to a Dataset; expected its rows to hold the aspects")
            return self._predict_dataset(texts)
        results = list(self.predict_example_groups(example_groups(texts, aspects)))
        return results[0] if isinstance(texts, str) else results

    def predict_file(self, input_path: str | os.PathLike, output_path: str | os.PathLike, **kwargs: Any) -> dict:
        """Predict a 3-line or ``.inference`` file into JSON Lines; see `hf_absa.inference.batch.predict_file`."""
        from .batch import predict_file

        return predict_file(self, input_path, output_path, **kwargs)

    def predict_example_groups(self, groups: Iterable[list[dict]]) -> Iterator[dict]:
        """Lazily predict canonical examples given one list per sentence (as the readers' ``iter_*`` yield).

        Reads ``chunk_size`` examples ahead at most, so memory does not grow with the input.
        """
        chunk: list[list[dict]] = []
        size = 0
        for group in groups:
            chunk.append(group)
            size += len(group)
            if size >= self.chunk_size:
                yield from self._predict_chunk(chunk)
                chunk, size = [], 0
        if chunk:
            yield from self._predict_chunk(chunk)

    @torch.inference_mode()
    def probabilities(self, examples: Sequence[dict]) -> np.ndarray:
        """Class probabilities of canonical examples, shape (len(examples), len(self.labels)).

        The examples are sorted by encoded length and cut into batches of ``batch_size`` (length grouping).
        """
        rows = self.processor.feature_rows(examples)
        result = np.empty((len(rows), len(self.labels)), dtype=np.float64)
        by_length = sorted(range(len(rows)), key=lambda index: len(rows[index]["input_ids"]), reverse=True)
        for start in range(0, len(by_length), self.batch_size):
            indices = by_length[start : start + self.batch_size]
            batch = self.collator([rows[index] for index in indices])
            logits = self._forward(**{name: tensor.to(self.device) for name, tensor in batch.items()})
            result[indices] = torch.softmax(logits, dim=-1).cpu().numpy()
        return result

    # ------------------------------------------------------------------ helpers

    def _predict_chunk(self, groups: list[list[dict]]) -> Iterator[dict]:
        probabilities = self.probabilities([example for group in groups for example in group])
        offset = 0
        for group in groups:
            yield self._sentence_result(group, probabilities[offset : offset + len(group)])
            offset += len(group)

    def _sentence_result(self, group: list[dict], probabilities: np.ndarray) -> dict:
        aspects = []
        for example, probs in zip(group, probabilities):
            best = int(probs.argmax())
            entry = {
                "aspect": example["aspect"],
                "start": int(example["aspect_start"]),
                "end": int(example["aspect_end"]),
                "label": self.labels[best],
                "confidence": float(probs[best]),
                "probabilities": {label: float(p) for label, p in zip(self.labels, probs)},
            }
            if example.get("label") is not None:
                entry["reference"] = example["label"]
                entry["correct"] = example["label"] == entry["label"]
            aspects.append(entry)
        return {"sentence": group[0]["sentence"], "aspects": aspects}

    def _predict_dataset(self, dataset: Any) -> Any:
        taken = [name for name in PREDICTION_COLUMNS if name in dataset.column_names]
        if taken:
            raise ValueError(f"the dataset already has the column(s) {', '.join(taken)}; expected none of "
                             f"{', '.join(PREDICTION_COLUMNS)} (rename or remove them first)")
        columns: dict[str, list] = {name: [] for name in PREDICTION_COLUMNS}
        for result in self.predict_example_groups(dataset_example_groups(dataset, self.chunk_size)):
            for aspect in result["aspects"]:
                columns["pred_label"].append(aspect["label"])
                columns["pred_confidence"].append(aspect["confidence"])
                columns["pred_probabilities"].append(aspect["probabilities"])
        features = {
            "pred_label": Value("string"),
            "pred_confidence": Value("float64"),
            "pred_probabilities": {label: Value("float64") for label in self.labels},
        }
        for name in PREDICTION_COLUMNS:
            dataset = dataset.add_column(name, columns[name], feature=features[name])
        return dataset
