"""`Predictor`: what the predictors (`SentimentClassifier`, `AspectExtractor`) share — the model on its device at
its precision, its tokenizer, and the batch and chunk sizes.

>>> import torch
>>> predictor = Predictor(torch.nn.Linear(4, 2), tokenizer=None, device="cpu", batch_size=8, chunk_size=64)
>>> predictor.with_batch_size(2).batch_size, predictor.batch_size, predictor.with_batch_size(2).model is predictor.model
(2, 8, True)
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import torch

from .precision import AUTO, PRECISIONS, prepare_model, resolve_device, resolve_precision

__all__ = ["DEFAULT_BATCH_SIZE", "MIN_LENGTH_RATIO", "Predictor", "check_positive_int"]

DEFAULT_BATCH_SIZE = 32
# A batch ends before an input shorter than this fraction of the batch's longest, so that padding stays under half
# of a batch's tokens even where few inputs of spread-out lengths are predicted together (the fp32 recheck of
# `AspectExtractor`: 51 Laptop14 windows of 9 to 80 tokens, padded to 80 in one batch of 32, computed 2.3x their
# real tokens; BENCHMARKS.md). Many inputs sorted by length fill whole batches anyway.
MIN_LENGTH_RATIO = 0.5

PredictorType = TypeVar("PredictorType", bound="Predictor")


def check_positive_int(name: str, value: Any) -> None:
    """Raise ValueError naming ``name`` unless ``value`` is an int >= 1 (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")


class Predictor:
    """The model on ``device`` in eval mode at ``precision``, its tokenizer, and how much it predicts at once.

    Args:
        model: the model (a `torch.nn.Module`); moved to ``device``, or replaced by its int8 copy.
        tokenizer: its tokenizer.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``…; None picks CUDA when available.
        batch_size: inputs per forward pass.
        precision: ``"fp32"``, ``"bf16"`` (autocast), ``"int8"`` (dynamic quantisation, CPU) or ``"auto"`` (bf16
            where ``device`` runs it natively, else fp32); see `hf_absa.inference.precision`. The attribute
            ``precision`` is the one that runs (never ``"auto"``); ``precision_source`` says ``"auto"`` or ``"flag"``.
        compile: run the model's forward through ``torch.compile(model, dynamic=True)`` (``self._forward``).
        chunk_size: inputs read ahead and prepared together.
        cast_linear_weights: with bf16, ``self._forward`` runs a copy of the model with its linear weights stored
            in bf16 (`hf_absa.inference.precision.with_bf16_linear_weights`: the same outputs, faster); for a
            predictor that never runs the model outside autocast. ``self.model`` keeps the fp32 weights.

    Raises:
        ValueError: a bad ``batch_size``, ``chunk_size``, ``device`` or ``precision``.
    """

    def __init__(
        self, model: Any, tokenizer: Any, *, device: str | torch.device | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE, precision: str = "fp32", compile: bool = False, chunk_size: int,
        cast_linear_weights: bool = False,
    ) -> None:
        check_positive_int("batch_size", batch_size)
        check_positive_int("chunk_size", chunk_size)
        self.device = resolve_device(device)
        if precision not in PRECISIONS:
            raise ValueError(f"precision={precision!r} is not supported; expected one of {', '.join(PRECISIONS)}")
        self.precision_source = "auto" if precision == AUTO else "flag"
        precision = self.precision = resolve_precision(precision, self.device)
        self.model, self._forward = prepare_model(model, self.device, precision, compile, cast_linear_weights)
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.chunk_size = chunk_size

    def length_batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices of inputs of ``lengths`` (tokens) in batches: longest first, at most ``batch_size`` each, a new
        batch before an input shorter than `MIN_LENGTH_RATIO` times the current batch's longest.

        >>> Predictor(torch.nn.Linear(4, 2), None, device="cpu", batch_size=2, chunk_size=8).length_batches(
        ...     [10, 80, 70, 9, 12])
        [[1, 2], [4, 0], [3]]
        """
        batches: list[list[int]] = []
        for index in sorted(range(len(lengths)), key=lambda index: lengths[index], reverse=True):
            if (not batches or len(batches[-1]) == self.batch_size
                    or lengths[index] < MIN_LENGTH_RATIO * lengths[batches[-1][0]]):
                batches.append([])
            batches[-1].append(index)
        return batches

    def with_batch_size(self: PredictorType, batch_size: int) -> PredictorType:
        """This predictor with another ``batch_size``: a shallow copy sharing the model (nothing is reloaded)."""
        check_positive_int("batch_size", batch_size)
        if batch_size == self.batch_size:
            return self
        other = copy.copy(self)
        other.batch_size = batch_size
        return other
