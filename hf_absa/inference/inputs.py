"""What `SentimentClassifier.predict` accepts, turned into canonical APC examples grouped by sentence.

* marked text: ``"The [B-ASP]food[E-ASP] was great $LABEL$ Positive"`` (`parse_marked_text`);
* a plain sentence plus its aspects: each aspect a string (every occurrence of it) or an ``(aspect, start)``
  pair (the occurrence at that character offset);
* a list of either; a ``datasets.Dataset`` of rows (`dataset_example_groups`).

Several aspects of one sentence are each other's LSA neighbours, in sentence order.

>>> groups = example_groups("The food was good, the food was cold", aspects=["food"])
>>> [(example["aspect"], example["aspect_start"]) for example in groups[0]]
[('food', 4), ('food', 23)]
>>> [(example["aspect"], example["aspect_start"]) for example in example_groups("Tasty food", [("food", 6)])[0]]
[('food', 6)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Union

from ..data.loading import example_from_row
from ..data.readers import (
    ASPECT_MARKER,
    NEIGHBOUR_COLUMNS,
    add_neighbour_spans,
    canonical_example,
    iter_sentence_groups,
    parse_marked_text,
)

# An aspect given with a plain sentence: its text (every occurrence) or (text, character offset).
AspectSpec = Union[str, tuple[str, int]]

ASPECTS_EXPECTED = "an aspect string (every occurrence) or an (aspect, start) pair (the one at that character offset)"


def example_groups(
    texts: str | Sequence[str], aspects: AspectSpec | Sequence[Any] | None = None
) -> list[list[dict]]:
    """One list of canonical examples per text (its aspects in sentence order, with neighbour spans).

    Without ``aspects`` every text must mark its aspects. With ``aspects``, the texts are plain sentences:
    for one text, ``aspects`` is its list of aspects; for a list of texts, one such list (or a single aspect)
    per text. Errors name the text (``texts[2]``) and say what was expected.
    """
    single = isinstance(texts, str)
    if not single and not isinstance(texts, Sequence):
        raise TypeError(f"texts is a {type(texts).__name__}; expected a string, a list of strings or a "
                        "datasets.Dataset")
    text_list = [texts] if single else list(texts)
    for index, text in enumerate(text_list):
        if not isinstance(text, str):
            raise TypeError(f"texts[{index}] is a {type(text).__name__}; expected a string")

    def where(index: int) -> str | None:
        return None if single else f"texts[{index}]"

    if aspects is None:
        return [parse_marked_text(text, path=where(index)) for index, text in enumerate(text_list)]
    if single:
        per_text = [aspects]
    else:
        if isinstance(aspects, (str, tuple)) or not isinstance(aspects, Sequence) or len(aspects) != len(text_list):
            raise ValueError(f"aspects must hold one entry (an aspect or a list of aspects) per text, "
                             f"{len(text_list)} in all; got {aspects!r:.200}")
        per_text = list(aspects)
    return [examples_of_aspects(text, specs, where(index))
            for index, (text, specs) in enumerate(zip(text_list, per_text))]


def examples_of_aspects(
    sentence: str, aspects: AspectSpec | Sequence[AspectSpec], where: str | None = None
) -> list[dict]:
    """The examples of ``aspects`` in the plain ``sentence``, in sentence order (an aspect given twice once).

    An aspect string stands for each of its occurrences; occurrences inside a longer word (``art`` in ``smart``)
    are skipped unless there is no other (text without spaces, e.g. Chinese). A string found only with other
    letter case is taken in the sentence's spelling.
    """
    prefix = f"{where}: " if where else ""
    if not sentence.strip():
        raise ValueError(f"{prefix}the sentence is empty; expected the text whose aspects are classified")
    marker = ASPECT_MARKER.search(sentence)
    if marker:
        raise ValueError(f"{prefix}the sentence contains the aspect marker {marker.group()!r} and aspects were also "
                         "given; expected either marked text or a plain sentence with aspects=[...]")
    specs = [aspects] if isinstance(aspects, (str, tuple)) else list(aspects)
    if not specs:
        raise ValueError(f"{prefix}no aspects given for the sentence {sentence!r:.200}; expected at least one, "
                         f"each {ASPECTS_EXPECTED}")
    spans: set[tuple[int, int]] = set()
    for position, spec in enumerate(specs):
        spans.update(_spans_of(sentence, spec, f"{prefix}aspect {position}"))
    return add_neighbour_spans([canonical_example(sentence, start, end) for start, end in sorted(spans)])


def _spans_of(sentence: str, spec: Any, name: str) -> list[tuple[int, int]]:
    if isinstance(spec, str):
        aspect, start = spec, None
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        aspect, start = spec
    else:
        raise TypeError(f"{name} is {spec!r:.100}; expected {ASPECTS_EXPECTED}")
    aspect = aspect.strip()
    if not aspect:
        raise ValueError(f"{name} is empty; expected the aspect's text as it occurs in the sentence")
    occurrences = find_occurrences(sentence, aspect)
    if start is None:
        if not occurrences:
            raise ValueError(f"{name} {aspect!r} does not occur in the sentence {sentence!r:.200}; expected the "
                             "aspect verbatim in the sentence")
        return occurrences
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= len(sentence) - len(aspect):
        raise ValueError(f"{name}: the start {start!r} of {aspect!r} is not a character offset in the sentence; "
                         f"expected an int from 0 to {max(len(sentence) - len(aspect), 0)}")
    found = sentence[start : start + len(aspect)]
    if found.casefold() != aspect.casefold():
        where_found = ", ".join(str(s) for s, _ in occurrences) or "nowhere"
        raise ValueError(f"{name}: sentence[{start}:{start + len(aspect)}] is {found!r}, not the aspect {aspect!r}; "
                         f"expected its character offset (it occurs at {where_found})")
    return [(start, start + len(aspect))]


def find_occurrences(sentence: str, aspect: str) -> list[tuple[int, int]]:
    """Spans of ``aspect`` in ``sentence``: exact matches, else matches ignoring case; whole words preferred."""
    for flags in (0, re.IGNORECASE):
        spans = [match.span() for match in re.finditer(re.escape(aspect), sentence, flags)]
        if spans:
            whole_words = [span for span in spans if _is_whole_word(sentence, *span)]
            return whole_words or spans
    return []


def _is_whole_word(sentence: str, start: int, end: int) -> bool:
    inside_left = start > 0 and sentence[start - 1].isalnum() and sentence[start].isalnum()
    inside_right = end < len(sentence) and sentence[end].isalnum() and sentence[end - 1].isalnum()
    return not (inside_left or inside_right)


def dataset_example_groups(dataset: Any, batch_size: int = 1000) -> Iterator[list[dict]]:
    """The examples of a ``datasets.Dataset`` (one row per aspect), read ``batch_size`` rows at a time.

    Rows need ``sentence`` and ``aspect``; ``aspect_start`` and ``label`` are optional (see
    `hf_absa.data.loading.example_from_row`). Rows holding the canonical neighbour columns (a dataset from
    `load_apc_dataset`, shuffled or not) keep them, one group per row; otherwise consecutive rows of one sentence
    are neighbours. Every row yields exactly one example, in row order.
    """
    given_neighbours = set(NEIGHBOUR_COLUMNS) <= set(dataset.column_names)

    def examples() -> Iterator[dict]:
        index = 0
        for batch in dataset.iter(batch_size=batch_size):
            names = list(batch)
            for values in zip(*(batch[name] for name in names)):
                row = dict(zip(names, values))
                example = example_from_row(row, index, "the dataset", label_required=False)
                if given_neighbours and row["sentence"] == example["sentence"]:
                    example.update({column: row[column] for column in NEIGHBOUR_COLUMNS if row[column] is not None})
                index += 1
                yield example

    if given_neighbours:
        return ([example] for example in examples())
    return iter_sentence_groups(examples())
