"""Batch APC features into padded tensors.

`transformers.DataCollatorWithPadding` cannot pad custom per-token columns (LCF vectors, the LSA neighbour
encodings), so this collator pads every per-token column itself, all to one common length: the LSA models
concatenate or mix the neighbours' features position by position with the example's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["DataCollatorForAPC"]

# Per-token integer columns (token ids, masks) end with one of these; any other per-token column is a vector.
_ID_SUFFIXES = ("input_ids", "attention_mask", "token_type_ids")


@dataclass
class DataCollatorForAPC:
    """Pad a list of featurised APC examples (from `APCProcessor`) to the longest per-token column.

    * per-token columns: ``*input_ids`` padded with ``tokenizer.pad_token_id``, masks / token types with 0
      (int64); ``*_vec`` columns (LCF vectors) and other float columns with 0.0 (float32), other int
      columns with 0 (int64);
    * scalar columns (``labels``, ``sentence_length``): stacked, int64 for ints, float32 for floats;
    * string and None-valued columns are dropped.

    Padding goes on ``tokenizer.padding_side``.  With `pad_to_multiple_of` the common length is rounded up.
    """

    tokenizer: Any
    pad_to_multiple_of: int | None = None

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        if not features:
            raise ValueError("DataCollatorForAPC got an empty list of features.")
        per_token: dict[str, list[np.ndarray]] = {}
        scalars: dict[str, list[np.ndarray]] = {}
        for name in features[0]:
            try:
                values = [np.asarray(feature[name]) for feature in features]
            except KeyError:
                raise ValueError(
                    f"DataCollatorForAPC: column {name!r} is missing from some examples of the batch."
                ) from None
            if values[0].dtype.kind in "USO":  # strings (sentence, aspect, ...) and None are not model inputs
                continue
            if values[0].ndim == 0:
                scalars[name] = values
            elif values[0].ndim == 1:
                per_token[name] = values
            else:
                raise ValueError(
                    f"DataCollatorForAPC: column {name!r} has {values[0].ndim} dimensions; expected 0 or 1."
                )

        batch: dict[str, torch.Tensor] = {}
        if per_token:
            length = max(len(value) for values in per_token.values() for value in values)
            if self.pad_to_multiple_of:
                length = -(-length // self.pad_to_multiple_of) * self.pad_to_multiple_of
            for name, values in per_token.items():
                batch[name] = self._pad(name, values, length)
        for name, values in scalars.items():
            dtype = torch.float32 if values[0].dtype.kind == "f" else torch.long
            batch[name] = torch.tensor(np.stack(values), dtype=dtype)
        return batch

    def _pad(self, name: str, values: list[np.ndarray], length: int) -> torch.Tensor:
        if name.endswith("input_ids"):
            pad_id = self.tokenizer.pad_token_id
            if pad_id is None:
                raise ValueError(
                    f"DataCollatorForAPC: the tokenizer has no pad token, so {name!r} cannot be padded; set "
                    f"tokenizer.pad_token (e.g. tokenizer.pad_token = tokenizer.eos_token)."
                )
            dtype, pad_value = torch.long, pad_id
        elif name.endswith(_ID_SUFFIXES) or (values[0].dtype.kind in "iub" and not name.endswith("_vec")):
            dtype, pad_value = torch.long, 0
        else:
            dtype, pad_value = torch.float32, 0.0
        padded = torch.full((len(values), length), pad_value, dtype=dtype)
        left = getattr(self.tokenizer, "padding_side", "right") == "left"
        for row, value in enumerate(values):
            if len(value):
                if left:
                    padded[row, length - len(value) :] = torch.as_tensor(value, dtype=dtype)
                else:
                    padded[row, : len(value)] = torch.as_tensor(value, dtype=dtype)
        return padded
