"""What `SentimentClassifier.predict` and ``pipeline("aspect-sentiment")`` accept, turned into canonical APC
examples grouped by sentence.

One input is
* marked text: ``"The [B-ASP]food[E-ASP] was great $LABEL$ Positive"`` (`parse_marked_text`), or
* ``{"text": sentence, "aspects": [...]}``: a plain sentence with its aspects, each a string (every occurrence of
  it) or an ``(aspect, start)`` pair (the occurrence at that character offset).

Both engines also take a list of inputs, and a plain sentence (or a list of them) with ``aspects=`` (the list of
aspects of the sentence, or one such list per sentence); the classifier takes a ``datasets.Dataset`` of rows
(`dataset_example_groups`). Several aspects of one sentence are each other's LSA neighbours, in sentence order.

>>> groups = example_groups("The food was good, the food was cold", aspects=["food"])
>>> [(example["aspect"], example["aspect_start"]) for example in groups[0]]
[('food', 4), ('food', 23)]
>>> [(example["aspect"], example["aspect_start"]) for example in example_groups("Tasty food", [("food", 6)])[0]]
[('food', 6)]
>>> [example["aspect"] for example in example_group({"text": "Tasty food", "aspects": ["food"]})]
['food']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
INPUT_EXPECTED = ("a sentence with its aspects marked as [B-ASP]aspect[E-ASP], or a dict {'text': sentence, "
                  f"'aspects': [...]}} with each aspect {ASPECTS_EXPECTED}")


def example_group(item: str | Mapping[str, Any], where: str | None = None) -> list[dict]:
    """The canonical examples of one input (its aspects in sentence order, with neighbour spans).

    ``item`` is marked text or ``{"text": sentence, "aspects": [...]}``. ``where`` names the input in errors
    (``"texts[2]"``); a ``$LABEL$`` part of marked text becomes the examples' reference labels.

    Raises:
        TypeError: ``item`` is neither form.
        ValueError: no aspect is marked, a marker is malformed, or an aspect is not in the sentence.
    """
    if isinstance(item, str):
        return parse_marked_text(item, path=where)
    if isinstance(item, Mapping) and set(item) == {"text", "aspects"}:
        if not isinstance(item["text"], str):
            raise TypeError(f"{where or 'the input'}: 'text' is of type {type(item['text']).__name__}; expected the "
                            "sentence as a string")
        return examples_of_aspects(item["text"], item["aspects"], where)
    raise TypeError(f"{where or 'the input'} is the {type(item).__name__} {item!r:.80}; expected {INPUT_EXPECTED}")


def with_aspects(texts: Sequence[Any], aspects: Sequence[Any], single: bool) -> list[dict]:
    """``{"text", "aspects"}`` inputs pairing each plain sentence of ``texts`` with its entry of ``aspects``.

    For one sentence (``single``), ``aspects`` is its list of aspects (or one aspect); otherwise it holds one such
    entry per sentence.

    Raises:
        ValueError: ``aspects`` does not hold one entry per text.
        TypeError: a text is not a string.
    """
    if single:
        per_text = [aspects]
    else:
        if isinstance(aspects, (str, tuple)) or not isinstance(aspects, Sequence) or len(aspects) != len(texts):
            raise ValueError(f"aspects must hold one entry (an aspect or a list of aspects) per text, "
                             f"{len(texts)} in all; got {aspects!r:.200}")
        per_text = list(aspects)
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            name = "the text" if single else f"texts[{index}]"
            raise TypeError(f"{name} is of type {type(text).__name__}; expected a plain sentence (a string), as "
                            "aspects= is given")
    return [{"text": text, "aspects": specs} for text, specs in zip(texts, per_text)]


def pair_aspects(inputs: Any, aspects: Any) -> Any:
    """A pipeline call's ``inputs`` with its ``aspects=`` paired in (`with_aspects`): one ``{"text", "aspects"}``
    dict for a plain sentence, a list of them for a list of sentences; ``inputs`` as they are without ``aspects``.

    Raises:
        TypeError: ``aspects`` with ``inputs`` that are neither a sentence nor a list, or a list item that is not a
            string.
        ValueError: ``aspects`` does not hold one entry per sentence.
    """
    if aspects is None:
        return inputs
    single = isinstance(inputs, str)
    if not single and not isinstance(inputs, list):
        raise TypeError(f"aspects= goes with a plain sentence or a list of them; got the {type(inputs).__name__} "
                        f"{inputs!r:.80}")
    paired = with_aspects([inputs] if single else inputs, aspects, single)
    return paired[0] if single else paired


def example_groups(
    texts: str | Mapping[str, Any] | Sequence[Any], aspects: AspectSpec | Sequence[Any] | None = None
) -> list[list[dict]]:
    """One list of canonical examples per input (see `example_group`), all parsed before any is predicted.

    ``texts`` is one input or a list of inputs. With ``aspects`` the texts are plain sentences (`with_aspects`).
    Errors name the input of a list (``texts[2]``) and say what was expected.

    Raises:
        TypeError: ``texts`` or one of its items has the wrong type.
        ValueError: an input is malformed (see `example_group`), or ``aspects`` does not match the texts.
    """
    items, single = input_items(texts, aspects)
    return [example_group(item, None if single else f"texts[{index}]") for index, item in enumerate(items)]


def input_items(texts: Any, aspects: Any = None, expected: str = INPUT_EXPECTED) -> tuple[list[Any], bool]:
    """(the inputs of ``texts`` as a list, whether ``texts`` is one input (a string or a dict)); with ``aspects``
    the texts are plain sentences, each paired with its aspects (`with_aspects`).

    Raises:
        TypeError: ``texts`` is neither one input nor a list of them (``expected`` says what one input is), or a
            text paired with aspects is not a string.
        ValueError: ``aspects`` does not hold one entry per text.
    """
    single = isinstance(texts, (str, Mapping))
    if not single and (not isinstance(texts, Sequence) or isinstance(texts, (bytes, bytearray))):
        raise TypeError(f"texts is of type {type(texts).__name__}; expected {expected}, a list of these or a "
                        "datasets.Dataset")
    items = [texts] if single else list(texts)
    if aspects is not None:
        items = with_aspects(items, aspects, single)
    return items, single


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
    if not isinstance(aspects, Iterable):  # list() of any other iterable (a generator, an array) is kept
        raise TypeError(f"{prefix}aspects is of type {type(aspects).__name__}; expected {ASPECTS_EXPECTED}, or a "
                        "list of these")
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
