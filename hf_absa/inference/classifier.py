"""`SentimentClassifier`: aspect polarity prediction with a trained hf_absa checkpoint (PyABSA's class name).

(Skipped in the test suite: it needs a trained checkpoint in ``runs/demo``; tests/test_inference.py runs each form.)

>>> from hf_absa import SentimentClassifier
>>> classifier = SentimentClassifier.from_pretrained("runs/demo")  # doctest: +SKIP
>>> classifier.predict("The [B-ASP]battery[E-ASP] lasts forever but the [B-ASP]screen[E-ASP] is dim")  # doctest: +SKIP
{'sentence': 'The battery lasts forever but the screen is dim',
 'aspects': [{'aspect': 'battery', 'start': 4, 'end': 11, 'label': 'Positive', 'score': 0.97,
              'probabilities': {'Negative': 0.01, 'Neutral': 0.02, 'Positive': 0.97}},
             {'aspect': 'screen', 'start': 34, 'end': 40, 'label': 'Negative', ...}]}
>>> classifier.predict("The battery lasts forever", aspects=["battery"])  # doctest: +SKIP
>>> classifier.predict({"text": "The battery lasts forever", "aspects": ["battery"]})  # doctest: +SKIP
>>> texts = ["The [B-ASP]food[E-ASP] was cold $LABEL$ Negative", "Nice [B-ASP]staff[E-ASP]"]
>>> classifier.predict(texts)  # doctest: +SKIP
>>> classifier.predict_file("reviews.inference", "predictions.jsonl")["metrics"]["accuracy"]  # doctest: +SKIP

Results follow the schema of `hf_absa.inference.results` (``SentencePrediction.to_dict()``): plain Python values
(str, int, float, bool, dict, list), ready for ``json.dumps``, the same as ``pipeline("aspect-sentiment")`` returns.
Text without aspect markers is an error, never a "Global Sentiment" pseudo-aspect as in PyABSA. A long text is
classified from a window of at most the checkpoint's ``max_seq_len`` tokens centred on each aspect (`APCProcessor`).

Besides hf_absa checkpoints, stock sentence-pair classifiers (a ``*ForSequenceClassification`` model fed
``(sentence, aspect)``, such as yangheng/deberta-v3-base-absa-v1.1) are run the same way, without the LCF inputs.

Several trained checkpoints vote on every aspect (PyABSA's ``VoteEnsemblePredictor``) with
``SentimentClassifier.from_pretrained(["runs/a", "runs/b"], voting="mean")`` (a `VotingClassifier`, same results
schema; see `vote`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset, Value
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from ..data.collator import DataCollatorForAPC
from ..data.processing import APCProcessor
from ..models import APCConfig
from .batch import predict_file
from .inputs import AspectSpec, dataset_example_groups, example_groups
from .predictor import DEFAULT_BATCH_SIZE, Predictor
from .results import AspectPrediction, SentencePrediction

__all__ = [
    "CHECKPOINT_CONTENTS",
    "PREDICTION_COLUMNS",
    "VOTING_MODES",
    "SentimentClassifier",
    "VotingClassifier",
    "missing_checkpoint_files",
    "vote",
]

# Columns `predict(dataset)` adds: the predicted label, its probability, every label's probability.
PREDICTION_COLUMNS = ("pred_label", "pred_score", "pred_probabilities")
# Examples featurised and predicted together: enough for full, length-sorted batches, small enough that a huge
# input never sits in memory as features at once.
DEFAULT_CHUNK_SIZE = 4096
# Stock pair classifiers (e.g. yangheng/deberta-v3-base-absa-v1.1) have no `max_seq_len` in their config; their
# tokenizer may state no limit either (a huge model_max_length), so the pair is cut at BERT's usual length.
DEFAULT_MAX_SEQ_LEN = 512
# How several checkpoints' predictions are combined (`vote`).
VOTING_MODES = ("mean", "majority")

CHECKPOINT_CONTENTS = (
    "a checkpoint folder must contain config.json, model.safetensors (or model.safetensors.index.json and its "
    "shards) and the tokenizer files: tokenizer_config.json with tokenizer.json or the vocab files (vocab.txt, "
    "vocab.json + merges.txt, spm.model...), as `hf-absa train` and save_pretrained write them"
)
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_INDEX_FILE = "model.safetensors.index.json"
# File names of tokenizer vocabularies: WordPiece vocab.txt, BPE vocab.json, SentencePiece *.model / *.spm,
# tiktoken files.
VOCAB_FILE_PATTERNS = ("vocab.*", "*.model", "*.spm", "*.tiktoken")


def missing_checkpoint_files(folder: str | os.PathLike) -> list[str]:
    """What the checkpoint ``folder`` lacks of config, weights and tokenizer, in words; empty when complete.

    >>> import tempfile
    >>> missing_checkpoint_files(tempfile.mkdtemp())  # doctest: +NORMALIZE_WHITESPACE
    ['config.json', 'the weights (model.safetensors)',
     'the tokenizer files (tokenizer_config.json with tokenizer.json or vocab files)']
    """
    folder = Path(folder)
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not (folder / WEIGHTS_FILE).is_file():
        index = folder / WEIGHTS_INDEX_FILE
        if index.is_file():
            try:
                shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
            except (ValueError, KeyError, AttributeError, TypeError):
                missing.append(f"a readable {WEIGHTS_INDEX_FILE} (it is not JSON with a weight_map)")
            else:
                absent = [shard for shard in shards if not (folder / shard).is_file()]
                if absent:
                    missing.append(f"the shard(s) {', '.join(absent)} named in {WEIGHTS_INDEX_FILE}")
        elif (folder / "pytorch_model.bin").is_file():
            missing.append(f"the weights ({WEIGHTS_FILE}; pytorch_model.bin is a pickle, which hf_absa does not "
                           "load: re-save the model with save_pretrained)")
        else:
            missing.append(f"the weights ({WEIGHTS_FILE})")
    # tokenizer.json alone loads, but without tokenizer_config.json the tokenizer loses its special tokens (no pad
    # token: batches cannot be padded), so both parts are required.
    has_vocabulary = (folder / "tokenizer.json").is_file() or any(
        path.is_file() for pattern in VOCAB_FILE_PATTERNS for path in folder.glob(pattern))
    has_tokenizer_config = (folder / "tokenizer_config.json").is_file()
    if not has_vocabulary and not has_tokenizer_config:
        missing.append("the tokenizer files (tokenizer_config.json with tokenizer.json or vocab files)")
    elif not has_tokenizer_config:
        missing.append("tokenizer_config.json (the tokenizer's class and special tokens)")
    elif not has_vocabulary:
        missing.append("the tokenizer's vocabulary (tokenizer.json, or vocab files such as vocab.txt)")
    return missing


def load_checkpoint_config(path: str | os.PathLike, **kwargs: Any) -> tuple[str, Any]:
    """(``path`` with ``~`` expanded, its config): the checks every predictor's ``from_pretrained`` starts with.

    ``kwargs`` go to ``AutoConfig.from_pretrained`` (``revision``, ``token``, ``cache_dir``…).

    Raises:
        FileNotFoundError: ``path`` is neither a folder nor a Hub id, or the folder lacks files (one line naming
            them and what a checkpoint folder must contain, `missing_checkpoint_files`).
        OSError: a Hub id that cannot be loaded.
    """
    path = os.path.expanduser(str(path))
    if os.path.isdir(path):
        missing = missing_checkpoint_files(path)
        if missing:
            raise FileNotFoundError(f"model: {path} lacks {'; '.join(missing)}; {CHECKPOINT_CONTENTS}")
    elif (os.path.exists(path) or path.startswith(("/", "./", "../")) or path.count("/") > 1
          or os.path.isdir(path.split("/")[0])):
        # A Hub id is "name" or "owner/name"; anything else that is not a folder cannot be loaded. "runs/typo"
        # where ./runs is a folder is a mistyped path, not a Hub id: asking the Hub would cost retries and warnings.
        raise FileNotFoundError(f"model: {path} is not a folder; expected a checkpoint folder written by "
                                "`hf-absa train` or a Hub model id")
    try:
        return path, AutoConfig.from_pretrained(path, **kwargs)
    except OSError as error:
        raise OSError(f"model: cannot load {path!r}, which is no local folder, as a Hub model id: "
                      f"{' '.join(str(error).split())}") from None


def is_apc_config(config: Any) -> bool:
    """Whether ``config`` is an hf_absa APC config: by ``model_type``, since a remote-code (save mode 2)
    checkpoint brings its own copy of the config class."""
    return getattr(config, "model_type", None) == APCConfig.model_type


def _is_pair_classifier_config(config: Any) -> bool:
    return any(name.endswith("ForSequenceClassification") for name in getattr(config, "architectures", None) or ())


class SentimentClassifier(Predictor):
    """Aspect polarity prediction: text in, one result per sentence with one entry per aspect.

    Args:
        model: an `APCModelForSequenceClassification` (e.g. ``trainer.model``; a remote-code copy works too), or a
            stock ``*ForSequenceClassification`` model that reads the ``(sentence, aspect)`` pair. It is moved to
            ``device`` and set to eval mode in place, and stays ``self.model`` with its fp32 weights.
        tokenizer: its fast tokenizer.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``…; None picks CUDA when available.
        batch_size: examples (aspects) per forward pass, across sentences. Each chunk of ``chunk_size`` examples
            is sorted by length before it is cut into batches, so a batch is padded only to similar lengths.
        precision: ``"auto"`` (default: bf16 autocast where ``device`` computes in bf16 natively — a CPU with
            AVX512-BF16 or AMX, a CUDA GPU that supports bf16 — else fp32), ``"fp32"``, ``"bf16"`` (autocast) or
            ``"int8"`` (dynamic quantisation, CPU); see `hf_absa.inference.precision`. ``self.precision`` is the one
            that runs (``"bf16"`` or ``"fp32"`` for ``"auto"``), ``self.precision_source`` ``"auto"`` or ``"flag"``.
            On a CPU with AVX512-BF16, bf16 predicted about twice as fast as fp32, with the same label on 99.95 %
            of aspects (BENCHMARKS.md); ``"fp32"`` gives the exact fp32 results. bf16 probabilities also move by
            about 1e-4 with the batch size (the padding changes the kernels' rounding). At bf16 the linear weights
            are cast once into a copy that runs (`hf_absa.inference.precision.Bf16LinearRunner`), made again
            whenever ``self.model`` changes, so a model edited or fine-tuned afterwards is what predicts.
        compile: run the model through ``torch.compile(model, dynamic=True)``.
        chunk_size: examples featurised at a time.

    Raises:
        TypeError: ``model`` is neither an APC model nor a ``*ForSequenceClassification`` model.
        ValueError: a bad ``batch_size``, ``chunk_size``, ``device`` or ``precision``.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        device: str | torch.device | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        precision: str = "auto",
        compile: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        config = getattr(model, "config", None)
        if not is_apc_config(config) and not type(model).__name__.endswith("ForSequenceClassification"):
            raise TypeError(f"SentimentClassifier needs an hf_absa APC model or a sentence-pair "
                            f"*ForSequenceClassification model, got {type(model).__name__} (model_type "
                            f"{getattr(config, 'model_type', None)!r}); train one with `hf-absa train`")
        # Every forward pass runs under the classifier's precision (unlike AspectExtractor's fp32 rechecks), so
        # bf16 may keep its linear weights cast once.
        super().__init__(model, tokenizer, device=device, batch_size=batch_size, precision=precision,
                         compile=compile, chunk_size=chunk_size, cast_linear_weights=True)
        if is_apc_config(config):
            self.processor = APCProcessor(tokenizer, **config.processor_arguments())
        else:
            # A stock pair classifier reads the (sentence, aspect) encoding alone: no LCF vectors, no neighbours.
            self.processor = APCProcessor(tokenizer, max_seq_len=min(tokenizer.model_max_length, DEFAULT_MAX_SEQ_LEN))
        self.collator = DataCollatorForAPC(tokenizer)
        self.labels = [config.id2label[index] for index in range(config.num_labels)]

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike | Sequence[str | os.PathLike],
        device: str | torch.device | None = None,
        precision: str = "auto",
        compile: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        voting: str = "mean",
        **kwargs: Any,
    ) -> SentimentClassifier:
        """Load a checkpoint folder (``hf-absa train`` output, any save mode) or a Hub model id.

        ``kwargs`` go to transformers' ``from_pretrained`` of the config, model and tokenizer (``revision``,
        ``token``, ``cache_dir``, ``local_files_only``…), except ``chunk_size``, which is the classifier's.

        A list of several folders or ids gives a `VotingClassifier`: each checkpoint is loaded with the same
        arguments and they vote on every aspect, ``voting="mean"`` (mean probabilities) or ``"majority"`` (the
        most predicted label); see `vote`. With one checkpoint, ``voting`` changes nothing.

        Raises:
            FileNotFoundError: ``path`` is neither a folder nor a Hub id, or the folder lacks files (one line naming
                them and what a checkpoint folder must contain, `missing_checkpoint_files`).
            ValueError: the checkpoint is neither an hf_absa APC model nor a ``*ForSequenceClassification`` one; an
                empty list; a ``voting`` not in `VOTING_MODES`; checkpoints with different labels.
            OSError: a Hub id that cannot be loaded.
        """
        if voting not in VOTING_MODES:
            raise ValueError(f"voting must be one of {', '.join(VOTING_MODES)}, got {voting!r}")
        if not isinstance(path, (str, os.PathLike)):
            paths = list(path)
            if not paths:
                raise ValueError("model: no checkpoint given; expected a folder or Hub id, or a list of them")
            options = {"device": device, "precision": precision, "compile": compile, "batch_size": batch_size}
            classifiers = [SentimentClassifier.from_pretrained(one, **options, **kwargs) for one in paths]
            return classifiers[0] if len(classifiers) == 1 else VotingClassifier(classifiers, voting, names=paths)
        chunk_size = kwargs.pop("chunk_size", DEFAULT_CHUNK_SIZE)
        path, config = load_checkpoint_config(path, **kwargs)
        if not is_apc_config(config) and not _is_pair_classifier_config(config):
            architectures = ", ".join(getattr(config, "architectures", None) or ()) or "no architecture"
            raise ValueError(f"model: {path} holds a {config.model_type!r} model ({architectures}), neither an "
                             "hf_absa APC checkpoint nor a sentence-pair *ForSequenceClassification checkpoint; "
                             "expected the output of `hf-absa train`")
        model = AutoModelForSequenceClassification.from_pretrained(path, config=config, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
        return cls(model, tokenizer, device=device, batch_size=batch_size, precision=precision, compile=compile,
                   chunk_size=chunk_size)

    # ------------------------------------------------------------------ prediction

    def predict(
        self,
        texts: str | Mapping[str, Any] | Sequence[Any] | Any,
        aspects: AspectSpec | Sequence[Any] | None = None,
    ) -> dict | list[dict] | Any:
        """Predict the polarity of every aspect.

        * ``predict("The [B-ASP]food[E-ASP] was cold $LABEL$ Negative")`` → one result;
        * ``predict("The food was cold", aspects=["food"])`` or ``predict({"text": "The food was cold",
          "aspects": ["food"]})`` → one result, one entry per occurrence of each aspect string;
          ``aspects=[("food", 4)]`` picks the occurrence at character 4;
        * ``predict([text_or_dict, ...])`` (with ``aspects=[[...], ...]`` for plain sentences) → a list of results;
        * ``predict(dataset)`` (a ``datasets.Dataset`` with ``sentence``, ``aspect`` and optionally
          ``aspect_start`` / ``label`` columns, one row per aspect) → a new Dataset with the columns of
          `PREDICTION_COLUMNS` added.

        A result is ``SentencePrediction.to_dict()`` (`hf_absa.inference.results`): ``{"sentence": ...,
        "aspects": [{"aspect", "start", "end", "label", "score", "probabilities": {label: p}}, ...]}`` with the
        aspects in sentence order, plus ``"reference"`` and ``"correct"`` for an aspect with a ``$LABEL$``
        reference label.

        Every input needs at least one aspect, so an empty or whitespace-only text is an error, alone or in a list
        (unlike `AspectExtractor.predict`, for which an empty review in a list has no aspects).

        Raises:
            TypeError, ValueError: a malformed input (an empty text among them), naming it (``texts[2]``) and what
                was expected.
        """
        if isinstance(texts, Dataset):
            if aspects is not None:
                raise ValueError("aspects= does not apply to a Dataset; expected its rows to hold the aspects")
            return self._predict_dataset(texts)
        results = list(self.predict_example_groups(example_groups(texts, aspects)))
        return results[0] if isinstance(texts, (str, Mapping)) else results

    def predict_file(self, input_path: str | os.PathLike, output_path: str | os.PathLike, **kwargs: Any) -> dict:
        """Predict a 3-line or ``.inference`` file into JSON Lines; see `hf_absa.inference.batch.predict_file`."""
        return predict_file(self, input_path, output_path, **kwargs)

    def predict_example_groups(self, groups: Iterable[list[dict]]) -> Iterator[dict]:
        """Lazily predict canonical examples given one list per sentence (as the readers' ``iter_*`` yield).

        Yields one result dict per group, in input order (the `hf_absa.inference.streaming.ExampleGroupPredictor`
        protocol). Reads ``chunk_size`` examples ahead at most, so memory does not grow with the input.
        """
        for prediction in self.predict_sentences(groups):
            yield prediction.to_dict()

    def predict_sentences(self, groups: Iterable[list[dict]]) -> Iterator[SentencePrediction]:
        """`predict_example_groups` as `SentencePrediction` objects."""
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
        """Class probabilities of canonical examples, shape (len(examples), len(self.labels)), float64.

        The examples are sorted by encoded length and cut into batches of up to ``batch_size`` (`length_batches`).
        """
        rows = self.processor.feature_rows(examples)
        result = np.empty((len(rows), len(self.labels)), dtype=np.float64)
        for indices in self.length_batches([len(row["input_ids"]) for row in rows]):
            batch = self.collator([rows[index] for index in indices])
            logits = self._forward(**{name: tensor.to(self.device) for name, tensor in batch.items()})
            result[indices] = torch.softmax(logits, dim=-1).cpu().numpy()
        return result

    # ------------------------------------------------------------------ helpers

    def _decisions(self, examples: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
        """(class probabilities (len(examples), len(labels)), index of each example's predicted label)."""
        probabilities = self.probabilities(examples)
        return probabilities, probabilities.argmax(axis=-1)

    def _predict_chunk(self, groups: list[list[dict]]) -> Iterator[SentencePrediction]:
        probabilities, predicted = self._decisions([example for group in groups for example in group])
        offset = 0
        for group in groups:
            end = offset + len(group)
            yield self._sentence_prediction(group, probabilities[offset:end], predicted[offset:end])
            offset = end

    def _sentence_prediction(
        self, group: list[dict], probabilities: np.ndarray, predicted: np.ndarray
    ) -> SentencePrediction:
        aspects = []
        for example, probs, best in zip(group, probabilities, predicted):
            best = int(best)
            aspects.append(AspectPrediction(
                aspect=example["aspect"],
                start=int(example["aspect_start"]),
                end=int(example["aspect_end"]),
                label=self.labels[best],
                score=float(probs[best]),
                probabilities={label: float(p) for label, p in zip(self.labels, probs)},
                reference=example.get("label"),
            ))
        return SentencePrediction(group[0]["sentence"], aspects)

    def _predict_dataset(self, dataset: Any) -> Any:
        taken = [name for name in PREDICTION_COLUMNS if name in dataset.column_names]
        if taken:
            raise ValueError(f"the dataset already has the column(s) {', '.join(taken)}; expected none of "
                             f"{', '.join(PREDICTION_COLUMNS)} (rename or remove them first)")
        columns: dict[str, list] = {name: [] for name in PREDICTION_COLUMNS}
        for prediction in self.predict_sentences(dataset_example_groups(dataset, self.chunk_size)):
            for aspect in prediction.aspects:
                columns["pred_label"].append(aspect.label)
                columns["pred_score"].append(aspect.score)
                columns["pred_probabilities"].append(aspect.probabilities)
        features = {
            "pred_label": Value("string"),
            "pred_score": Value("float64"),
            "pred_probabilities": {label: Value("float64") for label in self.labels},
        }
        for name in PREDICTION_COLUMNS:
            dataset = dataset.add_column(name, columns[name], feature=features[name])
        return dataset


def vote(member_probabilities: np.ndarray, voting: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """Combine several classifiers' class probabilities of the same examples.

    Args:
        member_probabilities: (classifiers, examples, labels), each row a probability distribution.
        voting: ``"mean"``: the label of highest mean probability (soft voting); ``"majority"``: the label most
            classifiers predict (each its highest-probability label), a tie going to the tied label of highest mean
            probability, then to the first label.

    Returns:
        (probabilities, predicted): the mean probabilities over the classifiers (examples, labels), reported as the
        result's ``probabilities`` and its ``score`` (the predicted label's), and the index of each example's
        predicted label (examples,).

    PyABSA's ``VoteEnsemblePredictor`` (``pyabsa/utils/ensemble_prediction/ensemble_prediction.py``) averages the
    predictors' numbers (``numeric_agg="average"``) and takes the most frequent label (``str_agg="max_vote"``,
    ``max(set(labels), key=labels.count)``: ties fall to Python's set order); ``majority`` is that label rule with
    a deterministic tie-break.

    >>> probabilities = np.array([[[0.9, 0.1]], [[0.4, 0.6]], [[0.45, 0.55]]])  # 3 classifiers, 1 example
    >>> mean, predicted = vote(probabilities, "mean")
    >>> mean.round(3).tolist(), predicted.tolist()
    ([[0.583, 0.417]], [0])
    >>> vote(probabilities, "majority")[1].tolist()  # two of three predict label 1
    [1]
    """
    if voting not in VOTING_MODES:
        raise ValueError(f"voting must be one of {', '.join(VOTING_MODES)}, got {voting!r}")
    member_probabilities = np.asarray(member_probabilities, dtype=np.float64)
    mean = member_probabilities.mean(axis=0)
    if voting == "mean":
        return mean, mean.argmax(axis=-1)
    labels = member_probabilities.shape[-1]
    votes = np.eye(labels, dtype=np.int64)[member_probabilities.argmax(axis=-1)].sum(axis=0)  # (examples, labels)
    tied = votes == votes.max(axis=-1, keepdims=True)
    return mean, np.where(tied, mean, -np.inf).argmax(axis=-1)


class VotingClassifier(SentimentClassifier):
    """Several trained classifiers voting on every aspect: `SentimentClassifier`'s inputs and results.

    Made by ``SentimentClassifier.from_pretrained([folder, ...], voting=...)``, or from classifiers already loaded.
    Each classifier featurises the text its own way (its architecture's inputs, its ``max_seq_len``, its
    tokenizer), so checkpoints of different architectures and backbones can vote together; their probabilities are
    combined by `vote`.

    Args:
        classifiers: at least 2 `SentimentClassifier`s with the same label names (in any order; the first one's
            order is kept).
        voting: one of `VOTING_MODES` (see `vote`).
        names: what to call each classifier in errors (default: its index).

    Raises:
        ValueError: fewer than 2 classifiers, a ``voting`` not in `VOTING_MODES`, or different label names.
    """

    def __init__(
        self, classifiers: Sequence[SentimentClassifier], voting: str = "mean", names: Sequence[Any] | None = None
    ) -> None:
        classifiers = list(classifiers)
        names = [str(name) for name in names] if names is not None else [str(i) for i in range(len(classifiers))]
        if len(classifiers) < 2:
            raise ValueError(f"VotingClassifier needs at least 2 classifiers, got {len(classifiers)}")
        if voting not in VOTING_MODES:
            raise ValueError(f"voting must be one of {', '.join(VOTING_MODES)}, got {voting!r}")
        labels = list(classifiers[0].labels)
        for name, classifier in zip(names[1:], classifiers[1:]):
            if sorted(classifier.labels) != sorted(labels):
                raise ValueError(f"model: {name} predicts {', '.join(classifier.labels)} but {names[0]} predicts "
                                 f"{', '.join(labels)}; voting needs checkpoints with the same labels")
        self.classifiers = classifiers
        self.voting = voting
        self.labels = labels
        # Each classifier's probability columns in the order of `labels`.
        self._label_columns = [[classifier.labels.index(label) for label in labels] for classifier in classifiers]
        self.batch_size = classifiers[0].batch_size
        self.chunk_size = classifiers[0].chunk_size
        # What runs: one precision when every member runs the same, else each member's, joined by "/".
        self.precision = "/".join(dict.fromkeys(classifier.precision for classifier in classifiers))
        self.precision_source = "/".join(dict.fromkeys(classifier.precision_source for classifier in classifiers))

    def with_batch_size(self, batch_size: int) -> VotingClassifier:
        """This voting classifier with another ``batch_size`` for every classifier (nothing is reloaded)."""
        other = super().with_batch_size(batch_size)
        if other is not self:
            other.classifiers = [classifier.with_batch_size(batch_size) for classifier in self.classifiers]
        return other

    def probabilities(self, examples: Sequence[dict]) -> np.ndarray:
        """The classifiers' mean class probabilities, shape (len(examples), len(self.labels)), float64."""
        return self._decisions(examples)[0]

    def _decisions(self, examples: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
        member_probabilities = np.stack([
            classifier.probabilities(examples)[:, columns]
            for classifier, columns in zip(self.classifiers, self._label_columns)
        ])
        return vote(member_probabilities, self.voting)
