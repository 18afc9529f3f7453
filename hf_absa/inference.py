"""Predicting aspect polarities with a trained hf_absa checkpoint.

>>> from hf_absa import SentimentClassifier
>>> classifier = SentimentClassifier.from_pretrained("runs/demo")  # doctest: +SKIP
>>> classifier.predict("The [B-ASP]battery[E-ASP] lasts forever but the [B-ASP]screen[E-ASP] is dim")  # doctest: +SKIP
{'sentence': 'The battery lasts forever but the screen is dim', 'aspects': [{'aspect': 'battery', ...}, ...]}
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import AutoTokenizer

from .data.collator import DataCollatorForAPC
from .data.processing import APCProcessor
from .data.readers import parse_marked_text
from .models import APCModelForSequenceClassification


class SentimentClassifier:
    """Aspect polarity prediction for text with ``[B-ASP]aspect[E-ASP]`` markers."""

    def __init__(self, model, tokenizer, device: str | torch.device | None = None, batch_size: int = 32):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        config = model.config
        self.processor = APCProcessor(
            tokenizer,
            max_seq_len=config.max_seq_len,
            srd=config.SRD,
            input_names=config.forward_inputs,
        )
        self.collator = DataCollatorForAPC(tokenizer)

    @classmethod
    def from_pretrained(cls, path: str, device: str | torch.device | None = None, **kwargs) -> SentimentClassifier:
        """Load a checkpoint folder written by `APCTrainer` / ``hf-absa train``."""
        model = APCModelForSequenceClassification.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        return cls(model, tokenizer, device=device, **kwargs)

    @torch.inference_mode()
    def predict(self, text: str | Sequence[str]) -> dict | list[dict]:
        """One result per sentence, with one entry per marked aspect."""
        texts = [text] if isinstance(text, str) else list(text)
        per_text = [parse_marked_text(t) for t in texts]
        examples = [example for group in per_text for example in group]
        # Reference labels stay with the examples; the model only needs the text columns.
        columns = [key for key in examples[0] if key != "label"]
        features = self.processor({key: [ex[key] for ex in examples] for key in columns})
        rows = [{key: values[i] for key, values in features.items()} for i in range(len(examples))]
        id2label = self.model.config.id2label
        probabilities = []
        for start in range(0, len(rows), self.batch_size):
            batch = self.collator(rows[start : start + self.batch_size])
            batch = {k: v.to(self.device) for k, v in batch.items() if k != "labels"}
            probabilities.append(torch.softmax(self.model(**batch).logits.float(), dim=-1).cpu())
        probabilities = torch.cat(probabilities)
        results, offset = [], 0
        for group in per_text:
            aspects = []
            for example, probs in zip(group, probabilities[offset : offset + len(group)]):
                best = int(probs.argmax())
                entry = {
                    "aspect": example["aspect"],
                    "start": example["aspect_start"],
                    "end": example["aspect_end"],
                    "label": id2label[best],
                    "confidence": float(probs[best]),
                    "probabilities": {id2label[i]: float(p) for i, p in enumerate(probs)},
                }
                if example.get("label") is not None:
                    entry["reference"] = example["label"]
                    entry["correct"] = example["label"] == entry["label"]
                aspects.append(entry)
            offset += len(group)
            results.append({"sentence": group[0]["sentence"], "aspects": aspects})
        return results[0] if isinstance(text, str) else results
