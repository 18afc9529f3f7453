"""Batch ATEPC features (`hf_absa.data.atepc_processing.ATEPCProcessor`) into padded int64 tensors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..models.configuration_apc import IGNORED_LABEL_ID

__all__ = ["DataCollatorForATEPC"]

# Per-token columns and their padding value (None: the tokenizer's pad id).
_TOKEN_COLUMNS = {"input_ids": None, "attention_mask": 0, "token_type_ids": 0, "labels": IGNORED_LABEL_ID}
_SPAN_PADDING = -1


@dataclass
class DataCollatorForATEPC:
    """Pad a list of ATEPC feature rows to the batch's longest row, as the ATEPC models' forward expects.

    Returns int64 tensors: ``input_ids`` (B, T) padded with ``tokenizer.pad_token_id``; ``attention_mask`` and
    ``token_type_ids`` (B, T) with 0; ``labels`` (B, T) with -100; ``aspect_spans`` (B, A, 2) with -1 and
    ``polarity_labels`` (B, A) with -100, A being the batch's largest aspect count (0 when no row has an aspect:
    shapes (B, 0, 2) and (B, 0)). ``word_ids`` and any other column are dropped. Columns absent from the rows are
    absent from the batch. Padding always goes on the right, whatever ``tokenizer.padding_side`` says, because
    ``aspect_spans`` index the unpadded tokens; ``pad_to_multiple_of`` rounds T up.

    Raises ``ValueError`` for an empty batch, a column missing from some rows, or ``input_ids`` with a tokenizer
    that has no pad token.
    """

    tokenizer: Any
    pad_to_multiple_of: int | None = None

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        if not features:
            raise ValueError("DataCollatorForATEPC got an empty list of features")
        batch: dict[str, torch.Tensor] = {}
        names = [name for name in (*_TOKEN_COLUMNS, "aspect_spans", "polarity_labels") if name in features[0]]
        for name in names:
            if any(name not in feature for feature in features):
                raise ValueError(f"DataCollatorForATEPC: the column {name!r} is missing from some rows of the batch")
        token_names = [name for name in names if name in _TOKEN_COLUMNS]
        if token_names:
            length = max(len(feature[name]) for feature in features for name in token_names)
            if self.pad_to_multiple_of:
                length = -(-length // self.pad_to_multiple_of) * self.pad_to_multiple_of
            for name in token_names:
                batch[name] = self._pad([feature[name] for feature in features], length, self._pad_value(name))
        if "aspect_spans" in names or "polarity_labels" in names:
            count = max(len(feature.get("polarity_labels", feature.get("aspect_spans", ()))) for feature in features)
            if "aspect_spans" in names:
                spans = torch.full((len(features), count, 2), _SPAN_PADDING, dtype=torch.long)
                for row, feature in enumerate(features):
                    if len(feature["aspect_spans"]):
                        spans[row, : len(feature["aspect_spans"])] = torch.as_tensor(feature["aspect_spans"])
                batch["aspect_spans"] = spans
            if "polarity_labels" in names:
                batch["polarity_labels"] = self._pad([feature["polarity_labels"] for feature in features], count,
                                                     IGNORED_LABEL_ID)
        return batch

    def _pad_value(self, name: str) -> int:
        if _TOKEN_COLUMNS[name] is not None:
            return _TOKEN_COLUMNS[name]
        if self.tokenizer.pad_token_id is None:
            raise ValueError("DataCollatorForATEPC: the tokenizer has no pad token, so input_ids cannot be padded; "
                             "set tokenizer.pad_token (e.g. tokenizer.pad_token = tokenizer.eos_token)")
        return self.tokenizer.pad_token_id

    @staticmethod
    def _pad(rows: list[Sequence[int]], length: int, value: int) -> torch.Tensor:
        padded = torch.full((len(rows), length), value, dtype=torch.long)
        for index, row in enumerate(rows):
            if len(row):
                padded[index, : len(row)] = torch.as_tensor(row, dtype=torch.long)
        return padded
