"""Summaries of several runs (seeds, folds, configurations): mean ± std, JSON and Markdown tables.

Spread is the **sample** standard deviation (``ddof=1``, what "mean ± std over
n seeds" conventionally means); it is ``None`` for a single value.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..files import atomic_write

# The figures a summary carries, in table order, with their column titles.
SUMMARY_METRICS = {
    "test_accuracy": "test acc",
    "test_f1": "test F1",
    "max_test_accuracy": "max test acc †",
    "max_test_f1": "max test F1 †",
    "eval_accuracy": "val acc",
    "eval_f1": "val F1",
    # ATEPC (`hf_absa.metrics.ATEPCMetrics`): the main protocol's figures, then PyABSA's.
    "test_ate_f1": "test ATE F1",
    "test_e2e_f1": "test E2E F1",
    "test_apc_accuracy": "test APC acc",
    "test_apc_f1": "test APC F1",
    "test_pyabsa_ate_f1": "test ATE F1 (PyABSA protocol)",
    "max_test_pyabsa_ate_f1": "max test ATE F1 (PyABSA protocol) †",
    "max_test_apc_accuracy": "max test APC acc †",
    "max_test_apc_f1": "max test APC F1 †",
    "eval_ate_f1": "val ATE F1",
    "eval_e2e_f1": "val E2E F1",
    "eval_apc_accuracy": "val APC acc",
}
STD_NOTE = "sample standard deviation (ddof=1); null for a single value"
MAX_TEST_NOTE = (
    "† PyABSA protocol (--report_max_test): the maximum over all periodic test evaluations, each metric on its own "
    "(PyABSA's Max-Test-Acc); optimistic, only for comparison with PyABSA's published numbers. The other test "
    "columns are the model selected on validation."
)


def headline_metrics(metrics: Mapping) -> dict:
    """The `SUMMARY_METRICS` present in a run's results, in table order.

    >>> headline_metrics({"test_f1": 0.5, "train_runtime": 3.0, "test_accuracy": 0.75})
    {'test_accuracy': 0.75, 'test_f1': 0.5}
    """
    return {name: metrics[name] for name in SUMMARY_METRICS if name in metrics}


def mean_std(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation and count.

    >>> mean_std([0.7, 0.8, 0.9])
    {'mean': 0.8, 'std': 0.1, 'n': 3}
    >>> mean_std([0.5])
    {'mean': 0.5, 'std': None, 'n': 1}
    """
    values = [float(value) for value in values]
    std = statistics.stdev(values) if len(values) > 1 else None
    return {"mean": _tidy(statistics.fmean(values)), "std": None if std is None else _tidy(std), "n": len(values)}


def aggregate(records: Iterable[Mapping]) -> dict:
    """`mean_std` of every `SUMMARY_METRICS` figure that all ``records`` have.

    >>> aggregate([{"test_accuracy": 0.5, "test_f1": 0.4}, {"test_accuracy": 0.7}])
    {'test_accuracy': {'mean': 0.6, 'std': 0.141421, 'n': 2}}
    """
    records = list(records)
    return {
        name: mean_std([record[name] for record in records])
        for name in SUMMARY_METRICS
        if records and all(name in record for record in records)
    }


def format_percent(value: float | None, std: float | None = None) -> str:
    """A fraction as a percentage with two decimals, with ``± std`` when given.

    >>> format_percent(0.71234, 0.0105), format_percent(0.5), format_percent(None)
    ('71.23 ± 1.05', '50.00', '–')
    """
    if value is None:
        return "–"
    text = f"{100 * value:.2f}"
    return text if std is None else f"{text} ± {100 * std:.2f}"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub Markdown table.

    >>> print(markdown_table(["a", "b"], [["1", "2"]]))
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def metric_columns(records: Iterable[Mapping]) -> list[str]:
    """The `SUMMARY_METRICS` that at least one record has, in table order."""
    present = {name for record in records for name in record}
    return [name for name in SUMMARY_METRICS if name in present]


def write_json(path: str | os.PathLike, data) -> Path:
    """Write ``data`` as indented JSON, atomically (`hf_absa.files.atomic_write`)."""
    path = Path(path)
    with atomic_write(path) as file:
        file.write(json.dumps(data, indent=2) + "\n")
    return path


def _tidy(value: float) -> float:
    # Six decimals keep summaries readable; metric values carry no more real precision than that.
    return round(value, 6) if math.isfinite(value) else value
