"""A bounded oneDNN primitive cache for bf16 on CPU.

With bf16 autocast on CPU every matmul runs through oneDNN, which caches one
compiled primitive (and its scratch memory) per input shape, up to 1,024 by
default. Dynamic padding makes every batch length a new shape, so a bf16 run
fills that cache: on Laptop14 it held about 400 MB at the end of one epoch of
training (`benchmarks/`, BENCHMARKS.md), more than the model, its gradients and
AdamW's state together. Creating a primitive costs microseconds next to the
matmul itself, so a small cache costs no measurable time.

oneDNN reads ``ONEDNN_PRIMITIVE_CACHE_CAPACITY`` once, when the first primitive
is created, so the limit must be set before the first bf16 forward pass of the
process; a value set by the user is left alone.
"""

from __future__ import annotations

import os

CAPACITY_VARIABLE = "ONEDNN_PRIMITIVE_CACHE_CAPACITY"
DEFAULT_CAPACITY = 8


def limit_onednn_primitive_cache(capacity: int = DEFAULT_CAPACITY) -> str:
    """Bound oneDNN's primitive cache unless the user already did; returns the capacity in effect.

    >>> saved = os.environ.pop(CAPACITY_VARIABLE, None)
    >>> limit_onednn_primitive_cache(16)
    '16'
    >>> limit_onednn_primitive_cache()  # the value already set stays
    '16'
    >>> _ = os.environ.pop(CAPACITY_VARIABLE) if saved is None else os.environ.update({CAPACITY_VARIABLE: saved})
    """
    return os.environ.setdefault(CAPACITY_VARIABLE, str(capacity))
