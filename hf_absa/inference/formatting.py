"""Human-readable text of prediction results and of a prediction report's metrics (``hf-absa predict``, the demo).

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
