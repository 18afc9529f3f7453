"""ATEPC metrics (aspect term extraction + polarity) under two protocols, each figure named after its protocol.

**Main protocol** (`compute_atepc_metrics`; the figures to report and select models on). One row per sentence
(the per-aspect copies of PyABSA's ``.atepc`` files merged back, aspect-free sentences kept), aspects as word
spans ``(start, end)``, end exclusive:

- ``ate_precision`` / ``ate_recall`` / ``ate_f1``: aspect extraction, a predicted span counts only when its words
  are exactly a gold aspect's words (seqeval's strict IOB2 mode; a span predicted in an aspect-free sentence is a
  false positive).
- ``e2e_precision`` / ``e2e_recall`` / ``e2e_f1``: end to end, span *and* polarity both right. Gold aspects without
  a polarity (PyABSA's -100/-999) are left out, and so is a predicted span equal to one of them.
- ``apc_accuracy`` / ``apc_f1`` (macro over every polarity of the model) / ``apc_f1_<label>``: polarity of the
  *gold* aspects (not end to end), unlabelled aspects left out.

**PyABSA-compatible protocol** (`compute_pyabsa_ate_metrics`, `max_over_evaluations`), only to compare with
PyABSA's published tables: seqeval's default (lenient, conlleval) mode over per-aspect copies of each sentence,
aspect-free sentences dropped, as ``atepc_instructor.py`` scores it (``classification_report`` over first
sub-tokens; PyABSA reads the ASP row's F1 from the text report, rounded to 4 digits; here it is the unrounded
number). Its ``apc_accuracy``/``apc_f1`` are the main protocol's (one copy per aspect = each gold aspect once).
PyABSA reports the maximum of each figure over periodic *test* evaluations, which `max_over_evaluations` gives.

Every figure is a fraction in [0, 1] (PyABSA prints percentages); a ratio with a zero denominator is 0.
The main protocol's span figures are also an `evaluate` module over IOB2 tags, `hf_absa.metrics.AspectSpanMetric`
(same counting code).

>>> gold_spans, gold_polarities = [[(0, 2)], []], [[2], []]    # "battery life is great" ; an aspect-free sentence
>>> predicted_spans = [[(1, 2)], [(0, 1)]]                      # a partial span and a false positive
>>> metrics = compute_atepc_metrics(gold_spans, gold_polarities, predicted_spans, [[2], [0]], [[2], []],
...                                 ["Negative", "Neutral", "Positive"])
>>> metrics["ate_f1"], metrics["apc_accuracy"]
(0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
from seqeval.metrics import f1_score, precision_score, recall_score

from ..data.processing import IGNORED_LABEL_ID
from .apc import metrics_from_confusion_matrix

Span = tuple[int, int]

COPY_STYLES = ("all_aspects", "focus_aspect")


def _tag_parts(tag: str, position: int) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[0] in "BI" and tag[1] == "-":
        return tag[0], tag[2:]
    raise ValueError(f"tag {tag!r} at position {position} is not IOB2; expected 'O', 'B-<type>' or 'I-<type>'")


def tags_to_spans(tags: Sequence[str]) -> list[Span]:
    """Aspect spans ``(start, end)`` (end exclusive) of an IOB2 tag sequence, valid or not, sorted, non-overlapping.

    Rule (the one of seqeval's strict IOB2 mode, so both agree on every sequence): a span starts at each ``B-X``
    and runs over the ``I-X`` directly after it; an ``I-`` that continues no span (after ``O``, at the start, or
    of another type) belongs to no span; ``B-X B-X`` are two spans; a span still open at the end closes there.
    The type is not returned (ATEPC has one, ``ASP``).

    Raises ``ValueError`` for a tag other than ``O``/``B-<type>``/``I-<type>``.

    >>> tags_to_spans(["B-ASP", "I-ASP", "O", "I-ASP", "B-ASP", "B-ASP", "I-ASP"])
    [(0, 2), (4, 5), (5, 7)]
    """
    return [(start, end) for start, end, _ in _typed_spans(tags)]


def _typed_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """`tags_to_spans` with each span's type: ``(start, end, type)``. Same rule, same errors."""
    spans: list[tuple[int, int, str]] = []
    start, open_type = None, ""
    for position, tag in enumerate(tags):
        prefix, entity_type = _tag_parts(tag, position)
        if prefix == "I" and start is not None and entity_type == open_type:
            continue
        if start is not None:
            spans.append((start, position, open_type))
            start = None
        if prefix == "B":
            start, open_type = position, entity_type
    if start is not None:
        spans.append((start, len(tags), open_type))
    return spans


def tag_ids_to_spans(tag_ids: Sequence[int] | np.ndarray, tag_names: Sequence[str]) -> list[Span]:
    """`tags_to_spans` of tag ids; ``tag_names[i]`` names id ``i`` (``config.id2label`` in id order).

    Raises ``ValueError`` for an id outside ``0..len(tag_names) - 1`` (filter -100 positions out first).

    >>> tag_ids_to_spans([0, 1, 2, 2, 0, 2], ["O", "B-ASP", "I-ASP"])
    [(1, 4)]
    """
    ids = np.asarray(tag_ids, dtype=np.int64).reshape(-1)
    outside = ids[(ids < 0) | (ids >= len(tag_names))]
    if outside.size:
        raise ValueError(f"tag id {int(outside[0])} has no name; expected ids 0..{len(tag_names) - 1}")
    return tags_to_spans([tag_names[i] for i in ids])


def spans_to_tags(spans: Iterable[Span], length: int, entity_type: str = "ASP") -> list[str]:
    """IOB2 tags (``B-ASP``, ``I-ASP``, ``O``) of ``length`` words holding the given spans.

    Raises ``ValueError`` for a span outside ``0..length`` or overlapping another.

    >>> spans_to_tags([(1, 3)], 4)
    ['O', 'B-ASP', 'I-ASP', 'O']
    """
    tags = ["O"] * length
    for start, end in spans:
        if not 0 <= start < end <= length:
            raise ValueError(f"span ({start}, {end}) does not fit {length} words; expected 0 <= start < end <= "
                             f"{length}")
        if any(tag != "O" for tag in tags[start:end]):
            raise ValueError(f"span ({start}, {end}) overlaps another span")
        tags[start:end] = [f"B-{entity_type}"] + [f"I-{entity_type}"] * (end - start - 1)
    return tags


def _checked_spans(spans: Sequence[Span], argument: str, sentence: int) -> list[Span]:
    checked = []
    for span in spans:
        try:
            start, end = (int(value) for value in span)
        except (TypeError, ValueError):
            raise ValueError(f"{argument}[{sentence}] holds {span!r}; expected (start, end) word indices") from None
        if not 0 <= start < end:
            raise ValueError(f"{argument}[{sentence}] holds the span ({start}, {end}); expected 0 <= start < end")
        checked.append((start, end))
    if len(set(checked)) != len(checked):
        raise ValueError(f"{argument}[{sentence}] holds the same span twice: {checked}; each aspect once")
    return checked


def _check_parallel(sentences: int, **columns: Sequence) -> None:
    for name, column in columns.items():
        if len(column) != sentences:
            raise ValueError(f"{name} has {len(column)} sentences; expected {sentences}, one per sentence")


def _ratios(true_positives: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * true_positives / (predicted + gold) if predicted + gold else 0.0
    return precision, recall, f1


def _known_polarities(polarity_ids: Sequence[int]) -> list[int | None]:
    return [None if polarity == IGNORED_LABEL_ID else int(polarity) for polarity in polarity_ids]


class _SpanMatchCounts:
    """Running counts of the exact-span figures, the one span scorer of `ATEPCMetricsAccumulator` (polarity ids)
    and of the `evaluate` module `AspectSpanMetric` (polarity names from IOB2 tag types).

    A polarity is any hashable value, None when unknown. ATE: a predicted span is right when it equals a gold
    span of its sentence. E2E: right when span and polarity equal a gold aspect's; gold aspects of unknown
    polarity are left out, and so is a predicted span equal to one of them (it cannot be judged); a predicted
    span of unknown polarity counts and is never right. Spans must be checked (unique, well formed) by the caller.

    Why not seqeval: it needs every tag sequence at once (these counts cover a stream in constant memory), it has no
    rule for aspects of unknown polarity, and ATEPC results come as spans, not tags. The tests cross-check these
    figures against seqeval's strict IOB2 mode on tags.
    """

    def __init__(self) -> None:
        self.num_sentences = self.num_gold = self.num_predicted = self.ate_true_positives = 0
        self.e2e_true_positives = self.e2e_predicted = self.e2e_gold = 0

    def add(
        self,
        gold_spans: Sequence[Span],
        gold_polarities: Sequence[Hashable | None],
        predicted_spans: Sequence[Span],
        predicted_polarities: Sequence[Hashable | None],
    ) -> None:
        """Count one sentence: its spans and, parallel to them, their polarities."""
        unlabelled = {span for span, polarity in zip(gold_spans, gold_polarities) if polarity is None}
        gold_tuples = {(span, polarity) for span, polarity in zip(gold_spans, gold_polarities)
                       if polarity is not None}
        predicted_tuples = {(span, polarity) for span, polarity in zip(predicted_spans, predicted_polarities)
                            if span not in unlabelled}
        self.ate_true_positives += len(set(gold_spans) & set(predicted_spans))
        self.e2e_true_positives += len(gold_tuples & predicted_tuples)
        self.e2e_predicted += len(predicted_tuples)
        self.e2e_gold += len(gold_tuples)
        self.num_gold += len(gold_spans)
        self.num_predicted += len(predicted_spans)
        self.num_sentences += 1

    def compute(self) -> dict[str, float | int]:
        """``ate_*`` and ``e2e_*`` precision/recall/f1 (fractions), ``num_sentences``, ``num_gold_aspects``,
        ``num_predicted_aspects``."""
        metrics: dict[str, float | int] = dict(zip(
            ("ate_precision", "ate_recall", "ate_f1"),
            _ratios(self.ate_true_positives, self.num_predicted, self.num_gold)))
        metrics.update(zip(("e2e_precision", "e2e_recall", "e2e_f1"),
                           _ratios(self.e2e_true_positives, self.e2e_predicted, self.e2e_gold)))
        metrics.update(num_sentences=self.num_sentences, num_gold_aspects=self.num_gold,
                       num_predicted_aspects=self.num_predicted)
        return metrics


def exact_span_scores(
    gold_spans: Sequence[Sequence[Span]], predicted_spans: Sequence[Sequence[Span]]
) -> dict[str, float]:
    """Micro precision/recall/F1 of exact spans: a prediction is right when a gold span of its sentence is equal.

    Equals seqeval's ``mode="strict", scheme=IOB2`` figures on the `spans_to_tags` of the same spans (tested).
    ``ValueError`` for a malformed or repeated span or different sentence counts.

    >>> exact_span_scores([[(0, 2)], [(3, 4)]], [[(0, 2)], [(2, 4)]])
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    _check_parallel(len(gold_spans), predicted_spans=predicted_spans)
    counts = _SpanMatchCounts()
    for sentence, (gold_row, predicted_row) in enumerate(zip(gold_spans, predicted_spans)):
        gold_row = _checked_spans(gold_row, "gold_spans", sentence)
        predicted_row = _checked_spans(predicted_row, "predicted_spans", sentence)
        counts.add(gold_row, [None] * len(gold_row), predicted_row, [None] * len(predicted_row))
    figures = counts.compute()
    return {name: figures[f"ate_{name}"] for name in ("precision", "recall", "f1")}


class ATEPCMetricsAccumulator:
    """The main protocol's figures (`compute_atepc_metrics`) over sentences added one at a time.

    It keeps running counts only (exact-span matches, end-to-end matches, the APC confusion matrix), so memory does
    not grow with the number of sentences: a streaming job (`hf_absa.inference.AspectExtractor.predict_file`)
    scores a file of any length. `compute_atepc_metrics` is this accumulator over lists; its span counts are those
    of the `evaluate` module `hf_absa.metrics.AspectSpanMetric` and its APC figures `metrics_from_confusion_matrix`'s.

    Args:
        polarity_labels: the polarity names in id order (``config.polarity_labels``).

    >>> metrics = ATEPCMetricsAccumulator(["Negative", "Positive"])
    >>> metrics.add([(0, 2)], [1], [(0, 2), (3, 4)], [1, 0], [1])  # one right aspect, one false positive
    >>> metrics.add([], [], [], [], [])                             # an aspect-free sentence
    >>> result = metrics.compute()
    >>> result["ate_precision"], result["e2e_recall"], result["apc_accuracy"], result["num_sentences"]
    (0.5, 1.0, 1.0, 2)
    """

    def __init__(self, polarity_labels: Sequence[str]):
        self.polarity_labels = list(polarity_labels)
        self._spans = _SpanMatchCounts()
        self.apc_confusion = np.zeros((len(self.polarity_labels),) * 2, dtype=np.int64)

    @property
    def num_sentences(self) -> int:
        """The sentences added so far."""
        return self._spans.num_sentences

    @property
    def num_gold(self) -> int:
        """The gold aspects of the sentences added so far (with or without polarity)."""
        return self._spans.num_gold

    def add(
        self,
        gold_spans: Sequence[Span],
        gold_polarities: Sequence[int],
        predicted_spans: Sequence[Span],
        predicted_polarities: Sequence[int],
        gold_aspect_predictions: Sequence[int],
    ) -> None:
        """Count one sentence: the arguments of `compute_atepc_metrics` for that sentence alone.

        Raises:
            ValueError: as `compute_atepc_metrics`, naming the sentence by its index among those added.
        """
        sentence = self.num_sentences
        num_polarities = len(self.polarity_labels)
        gold_row = _checked_spans(gold_spans, "gold_spans", sentence)
        predicted_row = _checked_spans(predicted_spans, "predicted_spans", sentence)
        for name, spans, values in (
            ("gold_polarities", gold_row, gold_polarities),
            ("predicted_polarities", predicted_row, predicted_polarities),
            ("gold_aspect_predictions", gold_row, gold_aspect_predictions),
        ):
            if len(values) != len(spans):
                raise ValueError(f"{name}[{sentence}] has {len(values)} polarities for {len(spans)} spans; expected "
                                 "one per span")
        labelled_guesses = [guess for guess, polarity in zip(gold_aspect_predictions, gold_polarities)
                            if polarity != IGNORED_LABEL_ID]
        for name, values, allowed in (("gold_polarities", gold_polarities, " or -100"),
                                      ("predicted_polarities", predicted_polarities, " or -100"),
                                      ("gold_aspect_predictions", labelled_guesses, "")):
            for value in values:
                if (value != IGNORED_LABEL_ID or not allowed) and not 0 <= value < num_polarities:
                    raise ValueError(f"{name}[{sentence}] holds polarity id {value}; expected 0..{num_polarities - 1}"
                                     f"{allowed}")
        for polarity, guess in zip(gold_polarities, gold_aspect_predictions):
            if polarity != IGNORED_LABEL_ID:
                self.apc_confusion[int(polarity), int(guess)] += 1
        self._spans.add(gold_row, _known_polarities(gold_polarities),
                        predicted_row, _known_polarities(predicted_polarities))

    def compute(self) -> dict[str, float | int]:
        """The figures of the sentences added so far, keys as `compute_atepc_metrics` returns them."""
        metrics = self._spans.compute()
        counts = {name: metrics.pop(name) for name in ("num_sentences", "num_gold_aspects", "num_predicted_aspects")}
        apc = metrics_from_confusion_matrix(self.apc_confusion, self.polarity_labels)
        metrics.update({f"apc_{name}": value for name, value in apc.items()})
        metrics.update(counts)  # last, as the keys always came
        return metrics


def compute_atepc_metrics(
    gold_spans: Sequence[Sequence[Span]],
    gold_polarities: Sequence[Sequence[int]],
    predicted_spans: Sequence[Sequence[Span]],
    predicted_polarities: Sequence[Sequence[int]],
    gold_aspect_predictions: Sequence[Sequence[int]],
    polarity_labels: Sequence[str],
) -> dict[str, float | int]:
    """The main protocol's figures (module docstring) over sentences, one row per sentence in every argument.

    Args:
        gold_spans: per sentence, its gold aspects' word spans ``(start, end)``, end exclusive (empty for an
            aspect-free sentence).
        gold_polarities: per sentence, one polarity id per gold span (index into ``polarity_labels``), or -100
            for an aspect without polarity.
        predicted_spans: per sentence, the extracted spans.
        predicted_polarities: per sentence, one polarity id per predicted span; -100 where it was not computed
            (the span then never counts as right end to end).
        gold_aspect_predictions: per sentence, the predicted polarity id of each *gold* aspect (the model run on
            the gold spans); read only where the gold polarity is known.
        polarity_labels: the polarity names in id order (``config.polarity_labels``).

    Returns:
        ``ate_precision``, ``ate_recall``, ``ate_f1``, ``e2e_precision``, ``e2e_recall``, ``e2e_f1``,
        ``apc_accuracy``, ``apc_f1``, ``apc_f1_<label>`` per polarity (fractions), and the counts
        ``num_sentences``, ``num_gold_aspects``, ``num_predicted_aspects``.

    Raises:
        ValueError: different sentence counts, a polarity list whose length differs from its span list, a
            malformed or repeated span, or a polarity id outside ``0..len(polarity_labels) - 1`` (or -100).
    """
    sentences = len(gold_spans)
    _check_parallel(sentences, gold_polarities=gold_polarities, predicted_spans=predicted_spans,
                    predicted_polarities=predicted_polarities, gold_aspect_predictions=gold_aspect_predictions)
    accumulator = ATEPCMetricsAccumulator(polarity_labels)
    for row in zip(gold_spans, gold_polarities, predicted_spans, predicted_polarities, gold_aspect_predictions):
        accumulator.add(*row)
    return accumulator.compute()


def compute_pyabsa_ate_metrics(
    gold_spans: Sequence[Sequence[Span]],
    predicted_tags: Sequence[Sequence[str]],
    *,
    copy_style: str = "all_aspects",
) -> dict[str, float]:
    """PyABSA's ATE figures (for comparison with its tables only): seqeval's lenient default mode over per-aspect
    copies.

    Each sentence is scored once per gold aspect (aspect-free sentences not at all), always against the same
    predicted tags (the model sees the sentence, not the copy). A copy's gold tags are every aspect of the sentence
    (``copy_style="all_aspects"``, the layout of PyABSA's SemEval-2014 Laptop14/Restaurant14 files) or only the
    aspect the copy is about (``"focus_aspect"``, the other layout in PyABSA's collection). In lenient mode a
    chunk may start with ``I-`` (gold ``B I`` vs predicted ``I I`` is right).

    Args:
        gold_spans: per sentence, its gold aspects' word spans.
        predicted_tags: per sentence, the predicted IOB2 tag of each word (its first sub-token), raw: invalid
            sequences are scored as seqeval's default mode reads them.

    Returns:
        ``pyabsa_ate_precision``, ``pyabsa_ate_recall``, ``pyabsa_ate_f1`` (fractions; 0 with no aspect at all).

    Raises:
        ValueError: different sentence counts, an unknown ``copy_style``, or a gold span outside its sentence.

    >>> compute_pyabsa_ate_metrics([[(0, 2)], []], [["I-ASP", "I-ASP", "O"], ["B-ASP"]])["pyabsa_ate_f1"]
    1.0
    """
    if copy_style not in COPY_STYLES:
        raise ValueError(f"copy_style is {copy_style!r}; expected one of {COPY_STYLES}")
    _check_parallel(len(gold_spans), predicted_tags=predicted_tags)
    true_copies: list[list[str]] = []
    predicted_copies: list[list[str]] = []
    for sentence, (spans, tags) in enumerate(zip(gold_spans, predicted_tags)):
        spans = _checked_spans(spans, "gold_spans", sentence)
        tags = [str(tag) for tag in tags]
        for position, tag in enumerate(tags):
            _tag_parts(tag, position)
        for span in spans:
            copy_spans = spans if copy_style == "all_aspects" else [span]
            try:
                true_copies.append(spans_to_tags(copy_spans, len(tags)))
            except ValueError as error:
                raise ValueError(f"gold_spans[{sentence}]: {error} ({len(tags)} predicted tags)") from None
            predicted_copies.append(tags)
    if not true_copies:
        return {"pyabsa_ate_precision": 0.0, "pyabsa_ate_recall": 0.0, "pyabsa_ate_f1": 0.0}
    return {
        "pyabsa_ate_precision": float(precision_score(true_copies, predicted_copies, zero_division=0)),
        "pyabsa_ate_recall": float(recall_score(true_copies, predicted_copies, zero_division=0)),
        "pyabsa_ate_f1": float(f1_score(true_copies, predicted_copies, zero_division=0)),
    }


def max_over_evaluations(log_history: Iterable[Mapping[str, object]], names: Sequence[str]) -> dict[str, float]:
    """PyABSA's reported figure: the maximum of each metric over periodic evaluations, taken independently.

    PyABSA evaluates on the test set during training and publishes the best value seen of each figure (maybe
    from different evaluations); this is optimistic and only for comparison with its tables. ``log_history`` is
    ``trainer.state.log_history`` (or any list of metric dicts); ``names`` are full keys such as
    ``"test_pyabsa_ate_f1"``. Returns ``{"max_<name>": value}``.

    Raises ``ValueError`` when no entry holds one of the names.

    >>> max_over_evaluations([{"test_ate_f1": 0.5}, {"loss": 1.0}, {"test_ate_f1": 0.75}], ["test_ate_f1"])
    {'max_test_ate_f1': 0.75}
    """
    entries = list(log_history)
    maxima = {}
    for name in names:
        values = [float(entry[name]) for entry in entries if name in entry]
        if not values:
            raise ValueError(f"no evaluation logged {name!r}; keys seen: {sorted({k for e in entries for k in e})}")
        maxima[f"max_{name}"] = max(values)
    return maxima


class ATEPCMetrics:
    """`compute_metrics` for `transformers.Trainer` on an ATEPC model: both protocols' figures of one evaluation.

    What it needs (the ATEPC features and model output, `Trainer` with ``label_names=["labels",
    "polarity_labels"]``):

    - ``predictions``: ``(tag_logits, polarity_logits)``, tag logits ``(N, T, num_tags)`` and polarity logits
      ``(N, A, num_polarities)`` computed on the *gold* ``aspect_spans`` (row ``j`` = the sentence's ``j``-th
      aspect in word order). Padding added by the Trainer when it concatenates batches is never read.
    - ``label_ids``: ``(tag_labels, polarity_labels)``, ``(N, T)`` and ``(N, A)``, -100 where ignored. Only the
      positions whose tag label is not -100 (each word's first sub-token) are read: they give the word-level gold
      and predicted tags. Gold spans are `tags_to_spans` of the gold tags and are matched, in order, to the
      polarity rows; an aspect whose polarity row is -100 or missing (e.g. cut by truncation) has no polarity.

    A predicted span's polarity is known only when it equals a gold span (it is then that row's prediction): any
    other predicted span is wrong end to end whatever its polarity, so E2E F1 is exact provided the polarity of a
    span does not depend on which other spans are given (true of the ATEPC models). Words cut off by ``max_seq_len``
    are not scored. Returns `compute_atepc_metrics`'s figures plus, with ``pyabsa_protocol=True``,
    `compute_pyabsa_ate_metrics`'s.

    Args:
        id2label: the tag names by id (``config.id2label``: ``{0: "O", 1: "B-ASP", 2: "I-ASP"}``).
        polarity_labels: the polarity names in id order (``config.polarity_labels``).
        copy_style: see `compute_pyabsa_ate_metrics`.

    >>> from transformers import EvalPrediction
    >>> metrics = ATEPCMetrics({0: "O", 1: "B-ASP", 2: "I-ASP"}, ["Negative", "Positive"])
    >>> tag_logits = np.eye(3)[[[0, 1, 2, 0, 2]]] * 5          # predicts O B I O I per token
    >>> tag_labels = np.array([[-100, 1, 2, 0, -100]])          # first sub-tokens: words 0-1 form an aspect
    >>> polarity_logits = np.array([[[0.0, 2.0]]])              # its polarity: Positive
    >>> out = metrics(EvalPrediction((tag_logits, polarity_logits), (tag_labels, np.array([[1]]))))
    >>> out["ate_f1"], out["e2e_f1"], out["apc_accuracy"]
    (1.0, 1.0, 1.0)
    """

    def __init__(
        self,
        id2label: Mapping[int, str],
        polarity_labels: Sequence[str],
        *,
        pyabsa_protocol: bool = True,
        copy_style: str = "all_aspects",
    ):
        self.tag_names = [str(id2label[i]) for i in sorted(int(k) for k in id2label)]
        for position, tag in enumerate(self.tag_names):
            _tag_parts(tag, position)
        if copy_style not in COPY_STYLES:
            raise ValueError(f"copy_style is {copy_style!r}; expected one of {COPY_STYLES}")
        self.polarity_labels = list(polarity_labels)
        self.pyabsa_protocol = pyabsa_protocol
        self.copy_style = copy_style

    def __call__(self, eval_prediction) -> dict[str, float | int]:
        predictions, label_ids = eval_prediction.predictions, eval_prediction.label_ids
        if not isinstance(label_ids, (tuple, list)) or len(label_ids) != 2:
            raise ValueError("ATEPCMetrics needs label_ids = (tag labels (N, T), polarity labels (N, A)); give the "
                             "Trainer label_names=['labels', 'polarity_labels']")
        if isinstance(predictions, (tuple, list)):
            tag_logits = predictions[0]
            polarity_logits = predictions[1] if len(predictions) > 1 else None
        else:
            tag_logits, polarity_logits = predictions, None
        tag_labels = np.asarray(label_ids[0])
        polarity_refs = np.asarray(label_ids[1])
        tag_predictions = np.asarray(tag_logits).argmax(-1)
        if tag_predictions.shape != tag_labels.shape:
            raise ValueError(f"tag logits give predictions of shape {tag_predictions.shape} but the tag labels have "
                             f"shape {tag_labels.shape}; expected (N, T) both")
        if polarity_refs.ndim != 2 or polarity_refs.shape[0] != tag_labels.shape[0]:
            raise ValueError(f"polarity labels have shape {polarity_refs.shape}; expected (N, A) with N = "
                             f"{tag_labels.shape[0]}")
        polarity_guesses = None
        if polarity_logits is not None:
            polarity_logits = np.asarray(polarity_logits)
            expected = (tag_labels.shape[0], len(self.polarity_labels))
            if polarity_logits.ndim != 3 or (polarity_logits.shape[0], polarity_logits.shape[2]) != expected:
                raise ValueError(f"polarity logits have shape {polarity_logits.shape}; expected (N, A, "
                                 f"num_polarities) = ({expected[0]}, A, {expected[1]})")
            polarity_guesses = polarity_logits.argmax(-1)
        elif (polarity_refs != IGNORED_LABEL_ID).any():
            raise ValueError("polarity labels are given but the predictions hold no polarity logits; expected "
                             "predictions = (tag logits, polarity logits)")

        gold_spans, gold_polarities, predicted_spans, predicted_polarities, gold_guesses = [], [], [], [], []
        predicted_tags = []
        for row in range(tag_labels.shape[0]):
            words = tag_labels[row] != IGNORED_LABEL_ID
            gold_row = tag_ids_to_spans(tag_labels[row][words], self.tag_names)
            row_tags = [self.tag_names[i] for i in tag_predictions[row][words]]
            predicted_row = tags_to_spans(row_tags)
            references = polarity_refs[row]
            if (references[len(gold_row):] != IGNORED_LABEL_ID).any():
                raise ValueError(f"row {row} has polarity labels beyond its {len(gold_row)} gold aspects (from the "
                                 "tag labels); expected one polarity row per gold aspect, in word order")
            polarities = [int(references[j]) if j < references.shape[0] else IGNORED_LABEL_ID
                          for j in range(len(gold_row))]
            guesses = [int(polarity_guesses[row, j])
                       if polarity_guesses is not None and j < polarity_guesses.shape[1] else IGNORED_LABEL_ID
                       for j in range(len(gold_row))]
            if any(guess == IGNORED_LABEL_ID != label for guess, label in zip(guesses, polarities)):
                raise ValueError(f"row {row} has a labelled gold aspect without polarity logits; expected polarity "
                                 "logits for every labelled aspect (the model run with the gold aspect_spans)")
            guess_of_span = dict(zip(gold_row, guesses))
            gold_spans.append(gold_row)
            gold_polarities.append(polarities)
            gold_guesses.append(guesses)
            predicted_spans.append(predicted_row)
            predicted_polarities.append([guess_of_span.get(span, IGNORED_LABEL_ID) for span in predicted_row])
            predicted_tags.append(row_tags)
        metrics = compute_atepc_metrics(gold_spans, gold_polarities, predicted_spans, predicted_polarities,
                                        gold_guesses, self.polarity_labels)
        if self.pyabsa_protocol:
            metrics.update(compute_pyabsa_ate_metrics(gold_spans, predicted_tags, copy_style=self.copy_style))
        return metrics
