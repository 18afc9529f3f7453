"""Task-neutral streaming prediction into JSON Lines, with running metrics and an atomic write.

A prediction task plugs in three things and gets the streaming, the atomic output, the progress bar and the
counts from `stream_predictions`:

1. **a reader**: an iterator of per-sentence *example groups*, one list of example dicts per sentence, read
   lazily from the input (APC: `hf_absa.data.readers.iter_examples_file`, one group per ``.inference`` line or per
   run of 3-line examples of one sentence);
2. **a predictor** (`ExampleGroupPredictor`): ``predict_example_groups(groups)`` yields one JSON-ready result dict
   per group, in input order, and reads a bounded number of groups ahead, so that memory does not grow with the
   input (APC: `SentimentClassifier`, which reads ``chunk_size`` examples ahead);
3. **a metrics accumulator** (`MetricsAccumulator`): ``add(result)`` for each result as it is written,
   ``compute()`` for the report's metric entries at the end (APC: `hf_absa.inference.batch.APCMetricsAccumulator`,
   a running confusion matrix).

A token-level task (aspect extraction) supplies its own reader of sentences, a token classifier with
``predict_example_groups`` and a span-F1 accumulator; `stream_predictions` is unchanged. The output is written
through `hf_absa.files.atomic_write`: a temporary file that replaces the output only once every result is
written, so a failure (a malformed line half-way) leaves the previous output as it was.

>>> import json, tempfile
>>> from pathlib import Path
>>> class Echo:  # a predictor: one result per group, in order
...     def predict_example_groups(self, groups):
...         for group in groups:
...             yield {"sentence": group[0]["sentence"], "examples": len(group)}
>>> class Count:  # a metrics accumulator
...     def __init__(self):
...         self.results = 0
...     def add(self, result):
...         self.results += 1
...     def compute(self):
...         return {"results": self.results}
>>> output = Path(tempfile.mkdtemp()) / "out.jsonl"
>>> groups = iter([[{"sentence": "a b"}, {"sentence": "a b"}], [{"sentence": "c"}]])
>>> metrics = Count()
>>> stream_predictions(Echo(), groups, output, metrics=metrics)
{'sentences': 2, 'examples': 3}
>>> metrics.compute(), [json.loads(line)["examples"] for line in output.read_text().splitlines()]
({'results': 2}, [2, 1])
"""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tqdm.auto import tqdm

from ..data.loading import is_path
from ..files import atomic_write

__all__ = [
    "ExampleGroupPredictor",
    "MetricsAccumulator",
    "ProgressBar",
    "check_input_output",
    "stream_predictions",
]


class ExampleGroupPredictor(Protocol):
    """Predicts example groups lazily: exactly one JSON-ready result dict per group, in input order."""

    def predict_example_groups(self, groups: Iterable[list[dict]]) -> Iterator[Mapping[str, Any]]: ...


class MetricsAccumulator(Protocol):
    """Running metrics over the results of a stream: memory must not grow with the number of results."""

    def add(self, result: Mapping[str, Any]) -> None:
        """Count one result (as the predictor yielded it)."""

    def compute(self) -> dict[str, Any]:
        """The report entries (plain JSON types) of the results added so far."""


@dataclass(frozen=True)
class ProgressBar:
    """A tqdm bar on stderr, erased when done so that an error or the report follows on a clean line.

    Attributes:
        description: the text before the bar (``"Predicting reviews.inference"``).
        total: the number of units of the whole input, if known (a quick count by the task).
        unit: what is counted (``"examples"``, ``"lines"``).
        per_example: advance by the examples of each group (True) or by one per group (False).
    """

    description: str
    total: int | None = None
    unit: str = "examples"
    per_example: bool = True


def check_input_output(
    input_path: str | os.PathLike, output_path: str | os.PathLike, expected_input: str
) -> tuple[Path, Path]:
    """``(input_path, output_path)`` as paths, once the input is known to be a file and not the output.

    Raises:
        TypeError: a path is neither a string nor an ``os.PathLike``.
        FileNotFoundError: ``input_path`` is not a file (the message says it was ``expected_input``).
        ValueError: ``output_path`` is the input file.
    """
    for name, path in (("input", input_path), ("output", output_path)):
        if not is_path(path):
            raise TypeError(f"{name} is of type {type(path).__name__}; expected a file path (a string or a Path)")
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.is_file():
        raise FileNotFoundError(f"input: {input_path} is not a file; expected {expected_input}")
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise ValueError(f"output: {output_path} is the input file; expected another path for the predictions")
    return input_path, output_path


def stream_predictions(
    predictor: ExampleGroupPredictor,
    groups: Iterable[list[dict]],
    output_path: str | os.PathLike,
    *,
    metrics: MetricsAccumulator | None = None,
    progress: ProgressBar | None = None,
) -> dict[str, int]:
    """Predict ``groups`` with ``predictor`` into the JSON Lines file ``output_path`` (UTF-8, one result a line).

    Results are written as the predictor yields them, in input order, and each is added to ``metrics``; the
    output replaces ``output_path`` only once complete (its folder is created if missing). Returns
    ``{"sentences": results written, "examples": examples in their groups}``.

    Raises:
        RuntimeError: the predictor did not yield exactly one result per group (nothing is written).
        Whatever the reader or the predictor raises (nothing is written either).
    """
    # The sizes of the groups read but not yet predicted: the predictor reads ahead, a bounded number.
    pending_sizes: deque[int] = deque()

    def counted(groups: Iterable[list[dict]]) -> Iterator[list[dict]]:
        for group in groups:
            pending_sizes.append(len(group))
            yield group

    sentences = examples = 0
    with atomic_write(output_path) as output, ExitStack() as bars:
        bar = None  # opened with the first result, so that an error in the first lines read prints no 0 % bar
        for result in predictor.predict_example_groups(counted(groups)):
            if not pending_sizes:
                raise RuntimeError(f"{type(predictor).__name__}.predict_example_groups yielded more results than "
                                   "groups it read; expected one result per group")
            size = pending_sizes.popleft()
            output.write(json.dumps(result, ensure_ascii=False) + "\n")
            if metrics is not None:
                metrics.add(result)
            sentences += 1
            examples += size
            if progress is not None:
                if bar is None:
                    bar = bars.enter_context(tqdm(
                        total=progress.total,
                        unit=" " + progress.unit,  # tqdm glues the unit to the number ("1sentences")
                        desc=progress.description, file=sys.stderr, leave=False,
                    ))
                bar.update(size if progress.per_example else 1)
        if pending_sizes:
            raise RuntimeError(f"{type(predictor).__name__}.predict_example_groups yielded no result for "
                               f"{len(pending_sizes)} group(s); expected one result per group")
    return {"sentences": sentences, "examples": examples}
