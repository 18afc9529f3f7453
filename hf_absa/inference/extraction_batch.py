"""`predict_extraction_file`: stream a text, ``.atepc`` or unified-tag file through an `AspectExtractor` into JSON
Lines, scored by the main protocol when the file has gold aspects.

(Skipped in the test suite: it needs a trained ATEPC checkpoint in ``runs/atepc``; tests/test_extract_file.py runs
it on tiny models.)

>>> from hf_absa import AspectExtractor
>>> extractor = AspectExtractor.from_pretrained("runs/atepc")  # doctest: +SKIP
>>> report = extractor.predict_file("Laptops_Test_Gold.xml.seg.atepc", "aspects.jsonl")  # doctest: +SKIP
>>> report["metrics"]["ate_f1"], report["metrics"]["e2e_f1"], report["metrics"]["apc_accuracy"]  # doctest: +SKIP
(0.79, 0.61, 0.77)

Aspect extraction is the second user of the task-neutral `hf_absa.inference.streaming.stream_predictions`: its
reader is `hf_absa.data.atepc_readers.iter_extraction_file` (one input per sentence: a line of plain text, or an
ATEPC example with its gold aspects), its predictor `AspectExtractor.predict_example_groups` (``chunk_size`` texts
at a time, sorted by length into batches) and its metrics accumulator `ExtractionMetricsAccumulator`, running counts
in `hf_absa.metrics.ATEPCMetricsAccumulator`, the scorer of training. Memory stays bounded whatever the length of
the file, and the output replaces ``output_path`` only once complete.

What is scored, for a file with gold aspects (``.atepc``, unified tags), over every sentence of the file, aspect-free
ones included, in the file's own words:

* ``ate_precision`` / ``ate_recall`` / ``ate_f1``: the extracted aspects against the gold ones, exact word spans;
* ``e2e_precision`` / ``e2e_recall`` / ``e2e_f1``: span and polarity both right;
* ``apc_accuracy`` / ``apc_f1`` / ``apc_f1_<label>``: the polarity of each *gold* aspect, classified as a given
  aspect (as ``predict(text, aspects=gold)`` would) by the same polarity model as the extracted ones (the ATEPC
  model's head, or ``sentiment_model``).

Gold aspects without a polarity (-100) count for extraction only, as in training; so do gold polarities the
predicting model does not have (e.g. Conflict), which the report counts in ``unknown_references``. Without
sentiment (``sentiment=False``) only the ``ate_*`` figures and the counts are computed.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..data.atepc_readers import extraction_file_format, iter_extraction_file, iter_text_lines
from ..data.processing import IGNORED_LABEL_ID
from ..metrics import ATEPCMetricsAccumulator
from .streaming import ProgressBar, check_input_output, stream_predictions

__all__ = ["ExtractionMetricsAccumulator", "predict_extraction_file"]

INPUT_EXPECTED = "a text file (one text per line), a PyABSA .atepc file or a unified-tag (e2e_absa) file"


class ExtractionMetricsAccumulator:
    """Running extraction metrics over sentence results (`AspectExtractor.predict_example_groups` output).

    Results with ``references`` (an annotated input) are scored by `hf_absa.metrics.ATEPCMetricsAccumulator`; the
    others only count their extracted aspects.

    Args:
        labels: the polarity labels of the model that classifies the aspects, in label-id order.
        sentiment: whether the results carry polarities; without, only extraction is scored.

    >>> metrics = ExtractionMetricsAccumulator(["Negative", "Positive"])
    >>> metrics.add({"sentence": "good food", "aspects": [{"word_start": 1, "word_end": 2, "label": "Positive"}],
    ...              "references": [{"word_start": 1, "word_end": 2, "label": "Positive",
    ...                              "predicted_label": "Positive"}]})
    >>> summary = metrics.compute()
    >>> summary["aspects"], summary["gold_aspects"], summary["metrics"]["e2e_f1"]
    (1, 1, 1.0)
    """

    def __init__(self, labels: Sequence[str], sentiment: bool = True) -> None:
        self.labels = list(labels)
        self.sentiment = sentiment
        self.label_ids = {label: index for index, label in enumerate(self.labels)}
        self.scorer = ATEPCMetricsAccumulator(self.labels)
        self.aspects = 0
        self.unknown_references: Counter = Counter()

    def add(self, result: Mapping[str, Any]) -> None:
        """Count one sentence result."""
        aspects, references = result["aspects"], result.get("references")
        self.aspects += len(aspects)
        if references is None:
            return
        gold_polarities, guesses = [], []
        for reference in references:
            gold, guess = IGNORED_LABEL_ID, IGNORED_LABEL_ID
            if self.sentiment and reference["label"] is not None:
                if reference["label"] not in self.label_ids:
                    self.unknown_references[reference["label"]] += 1
                # An aspect whose words give the tokenizer no token gets no polarity, so is not scored for one.
                elif reference.get("predicted_label") is not None:
                    gold, guess = self.label_ids[reference["label"]], self.label_ids[reference["predicted_label"]]
            gold_polarities.append(gold)
            guesses.append(guess)
        self.scorer.add(
            [(reference["word_start"], reference["word_end"]) for reference in references],
            gold_polarities,
            [(aspect["word_start"], aspect["word_end"]) for aspect in aspects],
            [self.label_ids.get(aspect.get("label"), IGNORED_LABEL_ID) if self.sentiment else IGNORED_LABEL_ID
             for aspect in aspects],
            guesses,
        )

    def compute(self) -> dict[str, Any]:
        """``aspects`` (extracted), ``gold_aspects``, ``unknown_references`` (gold polarities the model does not
        have → count) and ``metrics``: `hf_absa.metrics.compute_atepc_metrics`'s figures (only ``ate_*`` and the
        counts without sentiment), or None when no result had references."""
        metrics = None
        if self.scorer.num_sentences:
            metrics = self.scorer.compute()
            if not self.sentiment:
                metrics = {name: value for name, value in metrics.items() if not name.startswith(("e2e_", "apc_"))}
        return {
            "aspects": self.aspects,
            "gold_aspects": self.scorer.num_gold,
            "unknown_references": dict(self.unknown_references),
            "metrics": metrics,
        }


def predict_extraction_file(
    extractor: Any,
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    sentiment: bool = True,
    file_format: str | None = None,
    progress: bool = False,
) -> dict:
    """Extract the aspects of every text of ``input_path`` with ``extractor`` into the JSON Lines ``output_path``.

    The input (UTF-8) is plain text, one text per line (blank lines skipped), a PyABSA ``.atepc`` file or a
    unified-tag file (``sentence####word=T-POS ...``, e2e_absa): ``file_format`` ``"text"``, ``"atepc"`` or
    ``"unified"``, or None to tell by the file's name and first line
    (`hf_absa.data.atepc_readers.extraction_file_format`). The output
    holds one object per text, in input order, as `AspectExtractor.predict` returns them; for an annotated file
    with the gold aspects as ``references`` (with their ``predicted_label`` when ``sentiment``). It replaces
    ``output_path`` only once complete. ``progress`` shows a tqdm bar on stderr.

    Returns a report: ``input``, ``output``, ``file_format``, ``sentences``, ``precision`` (the one that ran),
    ``rechecked_windows`` (windows of this file run again in fp32: `AspectExtractor.rechecked_windows`), then the
    entries of
    `ExtractionMetricsAccumulator.compute`: ``aspects``, ``gold_aspects``, ``unknown_references``, ``metrics``
    (see the module docstring for what is scored; None for plain text).

    Raises:
        FileNotFoundError: ``input_path`` is not a file.
        ValueError: ``output_path`` is the input, an unknown ``file_format``; `hf_absa.data.APCDataError` for a
            malformed input line (naming the file and line) or a file without any input (only blank lines).
            Nothing is written then.
    """
    input_path, output_path = check_input_output(input_path, output_path, INPUT_EXPECTED)
    file_format = extraction_file_format(input_path, file_format)
    labels = extractor.sentiment_model.labels if extractor.sentiment_model is not None else extractor.polarity_labels
    metrics = ExtractionMetricsAccumulator(labels, sentiment)
    bar = None
    if progress:
        # An .atepc file holds one block per aspect: its sentences are known only once read.
        total = None if file_format == "atepc" else _line_count(input_path)
        bar = ProgressBar(f"Extracting {input_path.name}", total=total, unit="sentences", per_example=False)
    groups = ([item] for item in iter_extraction_file(input_path, file_format))
    predictor = SimpleNamespace(predict_example_groups=partial(
        extractor.predict_example_groups, sentiment=sentiment, classify_references=True))
    rechecked_before = extractor.rechecked_windows
    counts = stream_predictions(predictor, groups, output_path, metrics=metrics, progress=bar)
    return {
        "input": str(input_path),
        "output": str(output_path),
        "file_format": file_format,
        "sentences": counts["sentences"],
        "precision": extractor.precision,  # what ran ("bf16" or "fp32" for precision="auto")
        "rechecked_windows": extractor.rechecked_windows - rechecked_before,
        **metrics.compute(),
    }


def _line_count(path: Path) -> int:
    """The progress bar's total: the non-blank lines (one text each). One quick pass."""
    return sum(1 for _ in iter_text_lines(path))
