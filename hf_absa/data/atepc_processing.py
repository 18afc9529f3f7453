"""Featurise ATEPC sentence examples (`hf_absa.data.atepc_loading.ATEPC_FEATURES`) for the ATEPC models.

`ATEPCProcessor` encodes each sentence's words with ``is_split_into_words=True`` (no padding, truncated to
``max_seq_len`` tokens) and derives, from the fast tokenizer's ``word_ids()``:

* ``labels``: per token, the tag id of its word (`ATEPC_TAGS`: O, B-ASP, I-ASP) on the word's FIRST sub-token,
  -100 on special tokens and later sub-tokens;
* ``aspect_spans``: per aspect that survived truncation, ``[first_token, end_token)`` from the first sub-token of
  its first word to one past the last sub-token of its last word;
* ``polarity_labels``: per kept aspect, its polarity id (``label2id``), or -100 when it has none;
* ``word_ids``: per token, its word index or -1 (for decoding predictions back to words).

An aspect is cut off when any of its sub-tokens falls beyond ``max_seq_len`` (found from the tokenizer's own
overflow, so it is exact for every tokenizer); an aspect whose words give no token at all (e.g. a zero-width
character) is dropped too. Both are counted per split after the map (`ATEPCProcessor.dropped_aspects`) and logged.

Works for WordPiece, byte-level BPE (RoBERTa/GPT-2 style: load the tokenizer with ``add_prefix_space=True``) and
SentencePiece tokenizers alike, since only ``word_ids()`` is used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow.compute as pc

from ..models.configuration_apc import IGNORED_LABEL_ID
from ..models.configuration_atepc import ATEPC_TAGS, SETTING_DEFAULTS  # the token head's labels and settings

logger = logging.getLogger(__name__)

__all__ = ["ATEPC_TAGS", "ATEPCProcessor", "NO_WORD_ID"]

# The token head's label ids (config.id2label of the ATEPC models).
_OUTSIDE, _BEGIN, _INSIDE = (ATEPC_TAGS.index(tag) for tag in ("O", "B-ASP", "I-ASP"))
# ``word_ids`` value of a special token (Arrow cannot hold None in an int column cheaply).
NO_WORD_ID = -1
_INPUT_COLUMNS = ("words", "aspect_starts", "aspect_ends", "aspect_labels")


class ATEPCProcessor:
    """Batched, cacheable `Dataset.map` function turning ATEPC sentence rows into model features.

    Args:
        tokenizer: a fast (Rust-backed) tokenizer; BPE tokenizers need ``add_prefix_space=True``.
        max_seq_len: the longest encoding produced, special tokens included.
        label2id: polarity class name -> id (``config.polarity_labels`` order). Required when a row has a
            polarity; an aspect without one gets -100.

    Output columns (one row per sentence): ``input_ids``, ``attention_mask``, ``token_type_ids`` (when the
    tokenizer has them), ``labels`` (T), ``aspect_spans`` (A, 2), ``polarity_labels`` (A), ``word_ids`` (T).

    ``dropped_aspects``: split (or ``"data"`` for a lone Dataset) -> ``(dropped, total)`` gold aspects of the last
    `apply`, dropped by truncation or for having no token; computed from the stored result, so it is right even
    when `datasets` serves the map from its cache.
    """

    def __init__(
        self, tokenizer: Any, max_seq_len: int = SETTING_DEFAULTS["max_seq_len"],
        label2id: Mapping[str, int] | None = None,
    ) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise TypeError(f"ATEPCProcessor needs a fast tokenizer (for word_ids()), got {type(tokenizer).__name__};"
                            " load it with AutoTokenizer.from_pretrained(..., use_fast=True)")
        minimum = tokenizer.num_special_tokens_to_add(pair=False) + 1
        if not isinstance(max_seq_len, int) or isinstance(max_seq_len, bool) or max_seq_len < minimum:
            raise ValueError(f"max_seq_len must be an int >= {minimum} (the special tokens plus one token), "
                             f"got {max_seq_len!r}")
        if label2id is not None:
            bad = {k: v for k, v in label2id.items() if not isinstance(k, str) or not isinstance(v, (int, np.integer))}
            if bad:
                raise ValueError(f"label2id must map polarity names to int ids; bad entries: {bad}")
            # Sorted by id so that equal mappings hash equally (the datasets cache fingerprint).
            label2id = {label: int(i) for label, i in sorted(label2id.items(), key=lambda item: item[1])}
        self.tokenizer = tokenizer
        self.max_seq_len = max_seq_len
        self.label2id = label2id
        self.dropped_aspects: dict[str, tuple[int, int]] = {}

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(tokenizer={type(self.tokenizer).__name__}, max_seq_len={self.max_seq_len}, "
                f"label2id={self.label2id})")

    def __getstate__(self) -> dict:
        # The counts of earlier applies must not change the cache fingerprint of the next one.
        state = dict(self.__dict__)
        state["dropped_aspects"] = {}
        return state

    def __call__(self, batch: Mapping[str, list]) -> dict[str, list]:
        """Featurise a batch of sentence rows (column -> list); ``aspect_*`` columns are optional (no aspects)."""
        if "words" not in batch:
            raise ValueError("ATEPCProcessor: the rows lack the column 'words'; expected the ATEPC schema "
                             "(text, words, word_starts, word_ends, aspect_starts, aspect_ends, aspect_labels)")
        words = [list(row) for row in batch["words"]]
        size = len(words)
        starts = batch.get("aspect_starts", [[]] * size)
        ends = batch.get("aspect_ends", [[]] * size)
        polarities = batch.get("aspect_labels", [[None] * len(row) for row in starts])
        encoding = self.tokenizer(words, is_split_into_words=True, truncation=True, max_length=self.max_seq_len,
                                  return_overflowing_tokens=True)
        sample_of_row = encoding.pop("overflow_to_sample_mapping")
        columns = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in encoding]
        output: dict[str, list] = {name: [] for name in (*columns, "labels", "aspect_spans", "polarity_labels",
                                                         "word_ids")}
        row = 0
        for sample in range(size):
            main = row
            cut_from = None  # the first word not wholly in the main row
            row += 1
            while row < len(sample_of_row) and sample_of_row[row] == sample:
                if cut_from is None:
                    cut_from = next((w for w in encoding.word_ids(row) if w is not None), None)
                row += 1
            for name in columns:
                output[name].append(encoding[name][main])
            self._add_targets(output, encoding.word_ids(main), cut_from, starts[sample], ends[sample],
                              polarities[sample])
        return output

    def _add_targets(self, output: dict[str, list], word_ids: list[int | None], cut_from: int | None,
                     starts: Sequence[int], ends: Sequence[int], polarities: Sequence[str | None]) -> None:
        first_token: dict[int, int] = {}
        last_token: dict[int, int] = {}
        for position, word in enumerate(word_ids):
            if word is not None:
                first_token.setdefault(word, position)
                last_token[word] = position
        word_tags: dict[int, int] = {}
        spans, polarity_ids = [], []
        for start, end, polarity in zip(starts, ends, polarities):
            tokenised = [word for word in range(start, end) if word in first_token]
            for word in tokenised:
                word_tags[word] = _BEGIN if word == tokenised[0] else _INSIDE
            if not tokenised or (cut_from is not None and end - 1 >= cut_from):
                continue
            spans.append([first_token[tokenised[0]], last_token[tokenised[-1]] + 1])
            polarity_ids.append(self._polarity_id(polarity))
        labels = []
        previous = None
        for word in word_ids:
            labels.append(IGNORED_LABEL_ID if word is None or word == previous else word_tags.get(word, _OUTSIDE))
            previous = word
        output["labels"].append(labels)
        output["aspect_spans"].append(spans)
        output["polarity_labels"].append(polarity_ids)
        output["word_ids"].append([NO_WORD_ID if word is None else word for word in word_ids])

    def _polarity_id(self, polarity: str | None) -> int:
        if polarity is None:
            return IGNORED_LABEL_ID
        if self.label2id is None:
            raise ValueError(f"ATEPCProcessor: an aspect has the polarity {polarity!r} but no label2id was given; "
                             "expected label2id mapping each polarity to its id")
        if polarity not in self.label2id:
            raise ValueError(f"ATEPCProcessor: the polarity {polarity!r} is not in label2id "
                             f"({', '.join(self.label2id)}); expected only the model's polarity labels")
        return self.label2id[polarity]

    def feature_rows(self, examples: Sequence[Mapping[str, Any]]) -> list[dict]:
        """One feature row per example (a dict each), ready for `DataCollatorForATEPC` (prediction, tests)."""
        if not examples:
            return []
        features = self({name: [example[name] for example in examples] for name in examples[0]})
        return [{name: values[index] for name, values in features.items()} for index in range(len(examples))]

    def apply(self, data: Any, num_proc: int | None = None, desc: str = "Featurising ATEPC sentences",
              batch_size: int = 1000) -> Any:
        """Featurise a `datasets.Dataset` or `DatasetDict` with a cached, batched ``map``; the input columns are
        removed. Fills `dropped_aspects` and logs, per split, the gold aspects that the length limit cut off."""
        from datasets import Dataset, DatasetDict

        self.dropped_aspects = {}
        if isinstance(data, DatasetDict):
            return DatasetDict({split: self._apply_to_dataset(dataset, split, num_proc, f"{desc} ({split})",
                                                              batch_size) for split, dataset in data.items()})
        if isinstance(data, Dataset):
            return self._apply_to_dataset(data, "data", num_proc, desc, batch_size)
        raise TypeError(f"ATEPCProcessor.apply expects a datasets.Dataset or DatasetDict, got {type(data).__name__}")

    def _apply_to_dataset(self, dataset: Any, split: str, num_proc: int | None, desc: str, batch_size: int) -> Any:
        from datasets import Features, List, Value

        types = {"input_ids": List(Value("int32")), "attention_mask": List(Value("int8"))}
        if "token_type_ids" in self.tokenizer.model_input_names:
            types["token_type_ids"] = List(Value("int8"))
        types.update({"labels": List(Value("int32")), "aspect_spans": List(List(Value("int32"))),
                      "polarity_labels": List(Value("int32")), "word_ids": List(Value("int32"))})
        featurised = dataset.map(self, batched=True, batch_size=batch_size, num_proc=num_proc,
                                 remove_columns=dataset.column_names, features=Features(types), desc=desc)
        total = _count_items(dataset, "aspect_starts")
        dropped = total - _count_items(featurised, "polarity_labels")
        self.dropped_aspects[split] = (dropped, total)
        if dropped:
            logger.warning("Split '%s': %d of %d gold aspects (%.1f%%) were cut off by max_seq_len=%d (or have no "
                           "token) and are missing from the polarity targets", split, dropped, total,
                           100.0 * dropped / total, self.max_seq_len)
        else:
            logger.info("Split '%s': all %d gold aspects fit in max_seq_len=%d", split, total, self.max_seq_len)
        return featurised


def _count_items(dataset: Any, column: str) -> int:
    """Total length of a list column, read from Arrow without materialising Python lists."""
    if column not in dataset.column_names or len(dataset) == 0:
        return 0
    lengths = pc.list_value_length(dataset.with_format("arrow")[column])
    return int(pc.sum(lengths).as_py() or 0)
