"""The package's metrics as `evaluate` modules, instantiated directly: no Hub, no `evaluate.load`.

`evaluate.load("accuracy")` (or ``"seqeval"``) fetches a script from the Hub, which fails offline. These
`evaluate.Metric` subclasses live in the package and have the usual interface (``add`` / ``add_batch`` /
``compute``, `evaluate.combine`). They hold no metric code of their own: ``_compute`` calls the core that the
Trainer's ``compute_metrics`` (`APCMetrics`, `ATEPCMetrics`) and the streaming reports of ``predict_file`` use, so
each figure has one implementation.

- `APCPolarityMetric`: aspect polarity classification, label ids → `compute_apc_metrics` (scikit-learn).
- `AspectSpanMetric`: aspect extraction with polarity, IOB2 tags typed by polarity → the exact-span counts of
  `ATEPCMetricsAccumulator` (``ate_*`` and ``e2e_*``).

An `evaluate` module stores what is added until ``compute`` (as Arrow data); for a stream of any length use the
running counters (`metrics_from_confusion_matrix` of `confusion_counts`, `ATEPCMetricsAccumulator`) instead.
Both classes default to ``keep_in_memory=True`` (with one process), so they write no cache file; `evaluate` still
creates the empty folder ``<HF_METRICS_CACHE>/<module name>/default``. With ``num_process > 1`` they use `evaluate`'s
cache files, which need a distinct ``experiment_id`` per concurrent run.

>>> import evaluate
>>> polarity = APCPolarityMetric(labels=["Negative", "Neutral", "Positive"])
>>> polarity.add_batch(predictions=[2, 0], references=[2, 1])
>>> polarity.add(prediction=1, reference=1)
>>> polarity.compute()
{'accuracy': 0.666..., 'f1': 0.555..., 'f1_Negative': 0.0, 'f1_Neutral': 0.666..., 'f1_Positive': 1.0}
>>> both = evaluate.combine({"dev": APCPolarityMetric(num_labels=2), "test": APCPolarityMetric(num_labels=2)})
>>> both.compute(predictions=[0, 1], references=[0, 0])["test_accuracy"]
0.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import datasets
import evaluate

from .apc import compute_apc_metrics, metric_label_key
from .atepc import _SpanMatchCounts, _typed_spans

__all__ = ["APCPolarityMetric", "AspectSpanMetric"]

_SEMEVAL_2014_CITATION = """\
@inproceedings{pontiki-etal-2014-semeval,
    title = "{S}em{E}val-2014 Task 4: Aspect Based Sentiment Analysis",
    author = "Pontiki, Maria and Galanis, Dimitris and Pavlopoulos, John and Papageorgiou, Harris and
              Androutsopoulos, Ion and Manandhar, Suresh",
    booktitle = "Proceedings of the 8th International Workshop on Semantic Evaluation ({S}em{E}val 2014)",
    year = "2014",
    address = "Dublin, Ireland",
    publisher = "Association for Computational Linguistics",
}
"""

_PYABSA_CITATION = """\
@inproceedings{yang2023pyabsa,
    title = "{PyABSA}: A Modularized Framework for Reproducible Aspect-based Sentiment Analysis",
    author = "Yang, Heng and Zhang, Chen and Li, Ke",
    booktitle = "Proceedings of the 32nd ACM International Conference on Information and Knowledge Management
                 (CIKM 2023)",
    year = "2023",
    note = "arXiv:2208.01368",
}
"""

_SCIKIT_LEARN_CITATION = """\
@article{scikit-learn,
    title = "Scikit-learn: Machine Learning in {P}ython",
    author = "Pedregosa, F. and Varoquaux, G. and Gramfort, A. and Michel, V. and Thirion, B. and Grisel, O. and
              Blondel, M. and Prettenhofer, P. and Weiss, R. and Dubourg, V. and Vanderplas, J. and Passos, A. and
              Cournapeau, D. and Brucher, M. and Perrot, M. and Duchesnay, E.",
    journal = "Journal of Machine Learning Research",
    volume = "12",
    pages = "2825--2830",
    year = "2011",
}
"""

_SEQEVAL_CITATION = """\
@misc{seqeval,
    title = "{seqeval}: A Python framework for sequence labeling evaluation",
    author = "Nakayama, Hiroki",
    year = "2018",
    url = "https://github.com/chakki-works/seqeval",
}
"""

_BERT_E2E_ABSA_CITATION = """\
@inproceedings{li-etal-2019-exploiting,
    title = "Exploiting {BERT} for End-to-End Aspect-based Sentiment Analysis",
    author = "Li, Xin and Bing, Lidong and Zhang, Wenxuan and Lam, Wai",
    booktitle = "Proceedings of the 5th Workshop on Noisy User-generated Text (W-NUT 2019)",
    year = "2019",
    publisher = "Association for Computational Linguistics",
}
"""

_APC_DESCRIPTION = """\
Aspect polarity classification (APC): the polarity predicted for each given aspect against its reference.
Accuracy, macro-F1 over every label of the model (PyABSA's pair; a label absent from the evaluated data counts as
F1 0) and F1 per label, computed by scikit-learn from the confusion matrix (zero_division=0). The same figures as
hf_absa's Trainer (APCMetrics) and `hf-absa predict --input` reports.
"""

_APC_INPUTS_DESCRIPTION = """
Args:
    predictions (`list` of `int`): predicted label ids, one per aspect, in 0..num_labels - 1.
    references (`list` of `int`): reference label ids, one per aspect; -100 marks an aspect without reference
        (left out).
    detailed (`bool`, default False, a `compute` argument): also return per-class precision/recall/f1/support,
        the confusion matrix (rows = reference, columns = prediction) and the label names.

Returns:
    accuracy (`float`): fraction of the labelled aspects predicted right, in [0, 1].
    f1 (`float`): macro-F1 over every label of the metric, in [0, 1].
    f1_<label> (`float`): F1 of each label (name made key-safe: spaces and punctuation become "_").
    per_class, confusion_matrix, labels: with detailed=True only.

Raises:
    ValueError: a label id outside 0..num_labels - 1 (a reference may also be -100), or different numbers of
        predictions and references.

Examples:
    >>> from hf_absa.metrics import APCPolarityMetric
    >>> metric = APCPolarityMetric(labels=["Negative", "Positive"])  # or labels=model.config.id2label
    >>> metric.compute(predictions=[1, 1, 0], references=[1, 0, -100], detailed=True)["confusion_matrix"]
    [[0, 1], [0, 1]]
"""

_SPAN_DESCRIPTION = """\
Aspect term extraction with polarity (ATEPC), exact spans: each sentence's aspects are read from IOB2 tags whose
type is the polarity (B-Positive, I-Positive, O; the unified tagging of end-to-end ABSA). ate_* score the spans
(a predicted aspect is right when its words are exactly a reference aspect's), e2e_* the span and polarity
together; micro-averaged over all sentences, which equals seqeval's strict IOB2 mode (types ignored for ate_*).
The same span counts as hf_absa's Trainer (ATEPCMetrics) and `hf-absa extract --input` reports.
"""

_SPAN_INPUTS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `str`): per sentence, the predicted IOB2 tag of each word: "O",
        "B-<polarity>" or "I-<polarity>"; an aspect without a predicted polarity may use the type "ASP".
    references (`list` of `list` of `str`): per sentence, the reference tags, as many as its predicted tags;
        "ASP" marks a reference aspect without polarity (left out of e2e_*, as is a prediction on its span).

    Spans follow seqeval's strict IOB2 rule: an aspect starts at B-X and runs over the I-X directly after it; an I-
    that continues no aspect belongs to none. Types are compared as strings.

Returns:
    ate_precision, ate_recall, ate_f1 (`float`): exact spans, in [0, 1] (0 where a denominator is 0).
    e2e_precision, e2e_recall, e2e_f1 (`float`): exact span and polarity, in [0, 1].
    num_sentences, num_gold_aspects, num_predicted_aspects (`int`): counts.

Raises:
    ValueError: a sentence whose predictions and references differ in length, or a tag that is not IOB2.

Examples:
    >>> from hf_absa.metrics import AspectSpanMetric
    >>> metric = AspectSpanMetric()
    >>> result = metric.compute(predictions=[["B-Positive", "I-Positive", "O"], ["O", "B-Negative"]],
    ...                         references=[["B-Positive", "I-Positive", "O"], ["O", "B-Positive"]])
    >>> result["ate_f1"], result["e2e_f1"]
    (1.0, 0.5)
"""

# doctest reads docstrings only: run the examples of the inputs descriptions (shown by `help(metric.compute)`) too.
__test__ = {"APCPolarityMetric inputs": _APC_INPUTS_DESCRIPTION, "AspectSpanMetric inputs": _SPAN_INPUTS_DESCRIPTION}


def _in_memory_by_default(kwargs: dict) -> dict:
    # With one process the added data can stay in an in-memory Arrow buffer: no cache file, no file lock shared
    # with other runs (evaluate #382/#489). `evaluate` refuses keep_in_memory with num_process > 1.
    kwargs.setdefault("keep_in_memory", kwargs.get("num_process", 1) == 1)
    return kwargs


def _label_names(labels: Sequence[str] | Mapping[int, str] | None, num_labels: int | None) -> list[str]:
    if (labels is None) == (num_labels is None):
        raise ValueError("give labels (the label names in id order, or an id2label mapping) or num_labels, one of "
                         "them")
    if labels is None:
        if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 1:
            raise ValueError(f"num_labels is {num_labels!r}; expected an int >= 1")
        return [str(index) for index in range(num_labels)]
    if isinstance(labels, str):
        raise ValueError(f"labels is the string {labels!r}; expected a list of label names")
    if isinstance(labels, Mapping):
        by_id = {int(key): str(name) for key, name in labels.items()}
        if sorted(by_id) != list(range(len(by_id))):
            raise ValueError(f"labels maps the ids {sorted(by_id)}; expected ids 0..{len(by_id) - 1}")
        names = [by_id[index] for index in range(len(by_id))]
    else:
        names = [str(name) for name in labels]
    if not names:
        raise ValueError("labels is empty; expected one name per label id")
    keys = [metric_label_key(name) for name in names]
    if len(set(keys)) != len(keys):
        raise ValueError(f"labels {names} give the same metric key f1_<label> twice ({keys}); expected distinct names")
    return names


class APCPolarityMetric(evaluate.Metric):
    """Aspect polarity classification as an `evaluate` module: accuracy, macro-F1, F1 per label.

    ``_compute`` is `compute_apc_metrics` (scikit-learn's figures over the confusion matrix), so the result equals
    the Trainer's `APCMetrics` on the same ids. Inputs, outputs and errors: ``help(metric.compute)`` or
    ``_APC_INPUTS_DESCRIPTION``.

    Args:
        labels: the label names in id order, or an ``id2label`` mapping (``model.config.id2label``).
        num_labels: instead of ``labels``: that many labels, named ``"0"``, ``"1"``, ...
        **kwargs: `evaluate.EvaluationModule`'s (``keep_in_memory`` defaults to True with one process,
            ``experiment_id``, ``num_process``, ``process_id``, ``cache_dir``...).

    Raises:
        ValueError: neither or both of ``labels`` / ``num_labels``, no label, ids of a mapping that are not
            ``0..n-1``, or two names with the same metric key.

    >>> metric = APCPolarityMetric(labels={0: "Negative", 1: "Positive"})
    >>> metric.compute(predictions=[0, 1, 1], references=[0, 1, 0])["f1_Positive"]
    0.666...
    """

    def __init__(
        self,
        labels: Sequence[str] | Mapping[int, str] | None = None,
        *,
        num_labels: int | None = None,
        **kwargs,
    ) -> None:
        self.label_names = _label_names(labels, num_labels)  # before super().__init__, which calls _info()
        super().__init__(**_in_memory_by_default(kwargs))

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_APC_DESCRIPTION,
            citation=_SEMEVAL_2014_CITATION + _PYABSA_CITATION + _SCIKIT_LEARN_CITATION,
            inputs_description=_APC_INPUTS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
            reference_urls=["https://aclanthology.org/S14-2004/", "https://github.com/yangheng95/PyABSA"],
        )

    def _compute(self, predictions: list[int], references: list[int], detailed: bool = False) -> dict:
        return compute_apc_metrics(predictions, references, self.label_names, detailed=detailed)


class AspectSpanMetric(evaluate.Metric):
    """Aspect extraction with polarity as an `evaluate` module: exact-span ``ate_*`` and span + polarity ``e2e_*``.

    ``_compute`` reads each sentence's aspects from its IOB2 tags (`tags_to_spans`' rule, keeping the type as the
    polarity) and counts them with the span scorer of `ATEPCMetricsAccumulator`: the result equals the ``ate_*``,
    ``e2e_*`` and count entries of `compute_atepc_metrics` on the same aspects, with polarity names for ids and
    ``unlabelled_type`` for -100. Inputs, outputs and errors: ``help(metric.compute)`` or
    ``_SPAN_INPUTS_DESCRIPTION``.

    Args:
        unlabelled_type: the tag type of an aspect without polarity (PyABSA's tags ``B-ASP``/``I-ASP``): such a
            reference aspect is left out of ``e2e_*`` (with any prediction on its span) and such a predicted
            aspect is never right end to end. Both count for ``ate_*``.
        **kwargs: `evaluate.EvaluationModule`'s (``keep_in_memory`` defaults to True with one process).

    >>> metric = AspectSpanMetric()
    >>> metric.add(prediction=["B-ASP", "O"], reference=["B-Negative", "O"])   # extracted, no polarity
    >>> result = metric.compute()
    >>> result["ate_recall"], result["e2e_recall"], metric.name
    (1.0, 0.0, 'aspect_span_metric')
    """

    def __init__(self, unlabelled_type: str = "ASP", **kwargs) -> None:
        self.unlabelled_type = str(unlabelled_type)
        super().__init__(**_in_memory_by_default(kwargs))

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_SPAN_DESCRIPTION,
            citation=_SEMEVAL_2014_CITATION + _BERT_E2E_ABSA_CITATION + _SEQEVAL_CITATION,
            inputs_description=_SPAN_INPUTS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Sequence(datasets.Value("string")),
                                        "references": datasets.Sequence(datasets.Value("string"))}),
            reference_urls=["https://aclanthology.org/S14-2004/", "https://github.com/lixin4ever/BERT-E2E-ABSA",
                            "https://github.com/chakki-works/seqeval"],
        )

    def _aspects(self, tags: Sequence[str], argument: str, sentence: int) -> list[tuple[tuple[int, int], str | None]]:
        try:
            typed = _typed_spans(tags)
        except ValueError as error:
            raise ValueError(f"{argument}[{sentence}]: {error}") from None
        return [((start, end), None if kind == self.unlabelled_type else kind) for start, end, kind in typed]

    def _compute(self, predictions: list[list[str]], references: list[list[str]]) -> dict[str, float | int]:
        counts = _SpanMatchCounts()
        for sentence, (predicted_tags, reference_tags) in enumerate(zip(predictions, references)):
            if len(predicted_tags) != len(reference_tags):
                raise ValueError(f"sentence {sentence} has {len(predicted_tags)} predicted tags and "
                                 f"{len(reference_tags)} reference tags; expected one tag per word in both")
            gold = self._aspects(reference_tags, "references", sentence)
            predicted = self._aspects(predicted_tags, "predictions", sentence)
            counts.add([span for span, _ in gold], [polarity for _, polarity in gold],
                       [span for span, _ in predicted], [polarity for _, polarity in predicted])
        return counts.compute()
