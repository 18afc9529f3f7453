"""Human-readable text of prediction results and of a prediction report's metrics (``hf-absa predict`` and
``extract``, the demo).

>>> result = {"sentence": "The battery dies fast", "aspects": [{"aspect": "battery", "start": 4, "end": 11,
...           "label": "Negative", "score": 0.912, "probabilities": {}}]}
>>> print(format_prediction(result))
The battery dies fast
  battery  Negative  0.91
"""

from __future__ import annotations

from collections.abc import Mapping


def format_prediction(result: Mapping) -> str:
    """The sentence, then one line per aspect: aspect, label, score (its probability, 2 decimals) and the reference
    when known. ``result`` is a sentence result (`hf_absa.inference.results.SentencePrediction.to_dict()`)."""
    aspects = result["aspects"]
    aspect_width = max((len(aspect["aspect"]) for aspect in aspects), default=0)
    label_width = max((len(aspect["label"]) for aspect in aspects), default=0)
    lines = [result["sentence"]]
    for aspect in aspects:
        line = f"  {aspect['aspect']:<{aspect_width}}  {aspect['label']:<{label_width}}  {aspect['score']:.2f}"
        if "reference" in aspect:
            line += f"  (reference {aspect['reference']}: {'correct' if aspect['correct'] else 'wrong'})"
        lines.append(line)
    return "\n".join(lines)


def format_metrics(metrics: Mapping) -> str:
    """Accuracy and macro-F1, a per-class precision/recall/F1/support table and the confusion matrix
    (``compute_apc_metrics(..., detailed=True)`` output)."""
    labels = list(metrics["labels"])
    width = max(len("reference"), *(len(label) for label in labels))
    lines = [f"accuracy {metrics['accuracy']:.4f}   macro-F1 {metrics['f1']:.4f}", ""]
    lines.append(f"{'label':<{width}}  precision  recall      f1  support")
    for label in labels:
        row = metrics["per_class"][label]
        lines.append(f"{label:<{width}}  {row['precision']:>9.4f}  {row['recall']:>6.4f}  {row['f1']:>6.4f}  "
                     f"{row['support']:>7d}")
    column = max(8, *(len(label) for label in labels))
    lines += ["", "confusion matrix (rows = reference, columns = prediction):",
              f"{'':<{width}}  " + "  ".join(f"{label:>{column}}" for label in labels)]
    for label, counts in zip(labels, metrics["confusion_matrix"]):
        lines.append(f"{label:<{width}}  " + "  ".join(f"{count:>{column}d}" for count in counts))
    return "\n".join(lines)


def format_extraction(result: Mapping) -> str:
    """The text, then a table of its aspects: aspect, label and score (when sentiment was predicted), and the
    character offsets ``start`` / ``end``. ``result`` is `hf_absa.inference.results.SentenceExtraction.to_dict()`.

    >>> print(format_extraction({"sentence": "The battery life is great", "windows": 1, "aspects": [
    ...     {"aspect": "battery life", "start": 4, "end": 16, "label": "Positive", "score": 0.981}]}))
    The battery life is great
      aspect        label     score  start  end
      battery life  Positive   0.98      4   16
    >>> print(format_extraction({"sentence": "Fine", "aspects": [], "windows": 1}))
    Fine
      (no aspect found)
    """
    aspects = result["aspects"]
    if not aspects:
        return f"{result['sentence']}\n  (no aspect found)"
    sentiment = all("label" in aspect for aspect in aspects)
    columns = [("aspect", [aspect["aspect"] for aspect in aspects], "<")]
    if sentiment:
        columns += [("label", [aspect["label"] for aspect in aspects], "<"),
                    ("score", [f"{aspect['score']:.2f}" for aspect in aspects], ">")]
    columns += [("start", [str(aspect["start"]) for aspect in aspects], ">"),
                ("end", [str(aspect["end"]) for aspect in aspects], ">")]
    widths = [max(len(title), *(len(cell) for cell in cells)) for title, cells, _ in columns]
    rows = [[title for title, _, _ in columns], *zip(*(cells for _, cells, _ in columns))]
    lines = [result["sentence"]]
    for row in rows:
        lines.append("  " + "  ".join(f"{cell:{align}{width}}" for cell, width, (_, _, align) in
                                      zip(row, widths, columns)).rstrip())
    return "\n".join(lines)


def format_extraction_metrics(metrics: Mapping) -> str:
    """The main ATEPC protocol's figures as a table: precision / recall / F1 of extraction (ATE) and end to end
    (E2E), then polarity accuracy and macro-F1 on the gold aspects (APC); the E2E and APC rows only when computed
    (``hf_absa.metrics.compute_atepc_metrics`` output, or its ``ate_*`` part).

    >>> print(format_extraction_metrics({"ate_precision": 0.8, "ate_recall": 0.5, "ate_f1": 0.6154,
    ...                                  "num_sentences": 3, "num_gold_aspects": 4, "num_predicted_aspects": 2}))
           precision  recall      f1
    ATE       0.8000  0.5000  0.6154
    3 sentences, 4 gold aspects, 2 extracted
    """
    lines = [f"{'':<5}  precision  recall      f1"]
    for name in ("ate", "e2e"):
        if f"{name}_f1" in metrics:
            lines.append(f"{name.upper():<5}  {metrics[f'{name}_precision']:>9.4f}  {metrics[f'{name}_recall']:>6.4f}  "
                         f"{metrics[f'{name}_f1']:>6.4f}")
    if "apc_accuracy" in metrics:
        lines.append(f"APC on the gold aspects: accuracy {metrics['apc_accuracy']:.4f}, "
                     f"macro-F1 {metrics['apc_f1']:.4f}")
    lines.append(f"{metrics['num_sentences']} sentences, {metrics['num_gold_aspects']} gold aspects, "
                 f"{metrics['num_predicted_aspects']} extracted")
    return "\n".join(lines)
