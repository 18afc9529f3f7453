"""Featurise canonical APC rows for the models: SPC pair encoding plus LCF / LSA columns.

`APCProcessor` is the one place where strings become model inputs, for training, evaluation and
prediction alike.  It is a plain picklable object whose ``__call__`` is a batched `datasets.Dataset.map`
function, so the result is cached by `datasets` under a deterministic fingerprint.

Differences from PyABSA (`prepare_input_for_apc`, `get_lca_ids_and_cdm_vec`, `get_cdw_vec`), all on purpose:

* The tokenizer's own pair encoding is used (special tokens are not inserted as text), so RoBERTa's
  ``<s> A </s></s> B </s>`` works, and the aspect's token span is found through the offset mapping instead of
  re-tokenising the left context.
* Truncation is aspect-centred on tokens, not on space-separated words, so it also works for CJK text.
  A very long text (a 5,000-word review) is first cut to a character window around the aspect
  (`precut_window`), so the cost of an example does not grow with the length of its text.
* Nothing is padded here; `DataCollatorForAPC` pads per batch.

The LCF formulas themselves are PyABSA's: see `local_context_vectors`; the syntax-distance columns (lcfs, dlcf,
dependency clusters), from a dependency parse of the encoded text, are `hf_absa.data.syntax`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

# The column names are the model's forward arguments: declared once, by the models (which import nothing from
# hf_absa, being Hub remote code), and produced here.
from ..models.configuration_apc import (
    IGNORED_LABEL_ID,
    LCF_VECTOR_INPUTS,
    LSA_SPC_INPUTS,
    SETTING_DEFAULTS,
    SYNTAX_INPUTS,
)
from .syntax import SyntaxContext, load_parser, parse_texts

__all__ = [
    "APCProcessor",
    "EXTRA_COLUMNS",
    "IGNORED_LABEL_ID",
    "LCF_VECTOR_COLUMNS",
    "LSA_SPC_COLUMNS",
    "PARSE_FREE_COLUMNS",
    "SYNTAX_COLUMNS",
    "local_context_vectors",
]

LCF_VECTOR_COLUMNS = LCF_VECTOR_INPUTS
LSA_SPC_COLUMNS = LSA_SPC_INPUTS
SYNTAX_COLUMNS = SYNTAX_INPUTS  # computed from a dependency parse
# The columns computed from the encoding alone, and every column the processor can add to the base ones, in the
# order it emits them.
PARSE_FREE_COLUMNS = ("sentence_length",) + LCF_VECTOR_COLUMNS + LSA_SPC_COLUMNS
EXTRA_COLUMNS = PARSE_FREE_COLUMNS + SYNTAX_COLUMNS

_SPAN_COLUMNS = ("aspect_start", "aspect_end")
_NEIGHBOUR_SPAN_COLUMNS = {
    "left": ("left_aspect_start", "left_aspect_end"),
    "right": ("right_aspect_start", "right_aspect_end"),
}
# Re-encoding a shorter window can change the tokens at its edges (a word piece becomes a word start, a
# byte-level BPE word loses its leading space), so the window is shrunk again if needed; after this many
# rounds the tokenizer's own truncation finishes the job.
_MAX_WINDOW_ROUNDS = 8
# Characters kept on each side of the aspect, per token of max_seq_len, before the first tokenisation. Natural text
# averages 3-6 characters per token (spaces included), so this keeps several times the tokens that can survive
# truncation, and the result equals that of tokenising the whole text; only text averaging more than 16 characters
# per token (long whitespace runs) keeps less context than it could.
PRECUT_CHARS_PER_TOKEN = 16
# The tokenizer's warning for encodings longer than the model's maximum ("... will result in indexing errors").
# The first, untruncated encoding here is only measured, then cut around the aspect, so the warning is false.
_TOO_LONG_WARNING = "sequence-length-is-longer-than-the-specified-maximum"


def local_context_vectors(
    length: int, sentence_length: int, aspect_begin: int, aspect_len: int, srd: int
) -> tuple[np.ndarray, np.ndarray]:
    """CDM and CDW vectors (PyABSA `get_lca_ids_and_cdm_vec` / `get_cdw_vec`, without syntax distances); with a
    float `srd`, DLCF-DCA's token-position vectors on its dynamic threshold (`get_dynamic_cdm_vec`).

    The local context window is ``[max(0, aspect_begin - srd), aspect_begin + aspect_len - 1 + srd]``.
    Positions ``i < sentence_length`` get CDM 1.0 inside the window and 0.0 outside; CDW 1.0 inside and
    ``1 - distance_to_window / sentence_length`` outside.  Positions from ``sentence_length`` on get 0.0.
    Returns two float64 arrays of `length` values.
    """
    positions = np.arange(length)
    window_begin = max(0, aspect_begin - srd)
    window_end = aspect_begin + aspect_len - 1 + srd
    distance = np.maximum(window_begin - positions, 0) + np.maximum(positions - window_end, 0)
    in_sentence = positions < sentence_length
    cdm = np.where(in_sentence & (distance == 0), 1.0, 0.0)
    cdw = np.where(in_sentence, 1.0 - distance / max(sentence_length, 1), 0.0)
    return cdm, cdw


def precut_window(sentence: str, span: tuple[int, int], max_seq_len: int) -> tuple[int, int]:
    """Character window of `sentence` around the aspect `span` that is tokenised instead of the whole text.

    At most ``PRECUT_CHARS_PER_TOKEN * max_seq_len`` characters are kept on each side of the aspect, and a cut
    moves to the nearest whitespace inside the window so that no word is split.

    >>> text = "word " * 10_000 + "battery"
    >>> start, end = precut_window(text, (50_000, 50_007), max_seq_len=8)
    >>> end - start <= 8 * 16 + 7, text[start:end].endswith("battery")
    (True, True)
    """
    budget = PRECUT_CHARS_PER_TOKEN * max_seq_len
    start, end = max(0, span[0] - budget), min(len(sentence), span[1] + budget)
    if start > 0:
        space = next((i for i in range(start, span[0]) if sentence[i].isspace()), None)
        start = start if space is None else space + 1
    if end < len(sentence):
        space = next((i for i in range(end - 1, span[1] - 1, -1) if sentence[i].isspace()), None)
        end = end if space is None else space
    return start, end


class _Encoding(NamedTuple):
    """One example's pair encoding plus what is needed to map sentence characters onto its tokens."""

    input_ids: list[int]
    attention_mask: list[int] | None
    token_type_ids: list[int] | None
    window_text: str
    window_start: int  # character offset of `window_text` inside the full sentence
    sentence_positions: np.ndarray  # positions (in input_ids) of the sentence-segment tokens
    token_starts: np.ndarray  # their character spans, in full-sentence coordinates
    token_ends: np.ndarray

    def token_span(self, start: int, end: int) -> tuple[int, int] | None:
        """(first position, number of tokens) of the sentence tokens overlapping chars [start, end), or None."""
        hits = np.flatnonzero((self.token_starts < end) & (self.token_ends > start))
        if hits.size == 0:
            return None
        return int(self.sentence_positions[hits[0]]), int(hits[-1] - hits[0] + 1)

    def sentence_length(self) -> int:
        """Length of the leading special tokens + sentence segment + its closing separator."""
        if self.sentence_positions.size == 0:
            return min(2, len(self.input_ids))
        return int(self.sentence_positions[-1]) + 2


class APCProcessor:
    """Batched `Dataset.map` function turning canonical APC rows into model inputs.

    Args:
        tokenizer: a fast (Rust-backed) tokenizer; the offset mapping is needed to locate aspects.
        max_seq_len: the longest pair encoding produced; longer ones are truncated around the aspect.
        srd: semantic-relative distance (PyABSA ``SRD``): half-width of the local context window in tokens.
        input_names: extra columns to compute beyond the base ones (see `EXTRA_COLUMNS`), typically
            ``hf_absa.models.required_inputs(apc_model, lsa)``.
        label2id: label string → class id.  Required when the rows carry labels.
        parser: for the `SYNTAX_COLUMNS` only: the dependency parser, a callable text → `spacy.tokens.Doc` (e.g. a
            loaded spaCy pipeline), or the name of an installed spaCy pipeline, loaded here (`load_parser`: never
            downloaded). Each encoded text is parsed once per batch.
        dlcf_a: base of DLCF-DCA's dynamic threshold (``dlcf_*`` / ``dlcfs_*`` columns), a number > 1.

    Raises:
        MissingParserError: syntax columns are requested, ``parser`` names a spaCy pipeline, and spaCy or that
            pipeline is not installed (the message says how to install it).
        ValueError: a bad argument (named).

    Output columns: ``input_ids``, ``attention_mask``, ``token_type_ids`` (when the tokenizer uses them),
    the requested `input_names`, and ``labels`` when the rows have a ``label`` column (None → -100).
    """

    def __init__(
        self,
        tokenizer: Any,
        max_seq_len: int = SETTING_DEFAULTS["max_seq_len"],
        srd: int = SETTING_DEFAULTS["srd"],
        input_names: Sequence[str] = (),
        label2id: Mapping[str, int] | None = None,
        parser: str | Callable[[str], Any] = SETTING_DEFAULTS["spacy_model"],
        dlcf_a: float = SETTING_DEFAULTS["dlcf_a"],
    ) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise TypeError(
                f"APCProcessor needs a fast tokenizer (one with an offset mapping), got "
                f"{type(tokenizer).__name__}; load it with AutoTokenizer.from_pretrained(..., use_fast=True)."
            )
        if isinstance(input_names, str):
            input_names = (input_names,)
        unknown = sorted(set(input_names) - set(EXTRA_COLUMNS) - {"input_ids", "attention_mask", "token_type_ids"})
        if unknown:
            raise ValueError(f"input_names: unknown column(s) {unknown}; the processor can add {list(EXTRA_COLUMNS)}.")
        if not isinstance(srd, int) or isinstance(srd, bool) or srd < 0:
            raise ValueError(f"srd must be an int >= 0, got {srd!r}.")
        min_len = tokenizer.num_special_tokens_to_add(pair=True) + 2
        if not isinstance(max_seq_len, int) or isinstance(max_seq_len, bool) or max_seq_len < min_len:
            raise ValueError(
                f"max_seq_len must be an int >= {min_len} (the pair's special tokens plus one token of "
                f"sentence and aspect), got {max_seq_len!r}."
            )
        if label2id is not None:
            bad = {k: v for k, v in label2id.items() if not isinstance(k, str) or not isinstance(v, (int, np.integer))}
            if bad:
                raise ValueError(f"label2id must map label strings to int ids; bad entries: {bad}.")
            # Sorted by id so that equal mappings pickle (and hash for the datasets cache) identically.
            label2id = {label: int(i) for label, i in sorted(label2id.items(), key=lambda item: item[1])}
        warnings_shown = getattr(tokenizer, "deprecation_warnings", None)
        if isinstance(warnings_shown, dict):
            # Marked as shown, transformers' own way to silence a warning. Set here rather than at encoding time
            # so the tokenizer's state, part of the datasets cache fingerprint, is the same for every `apply`.
            warnings_shown[_TOO_LONG_WARNING] = True
        if not (callable(parser) or (isinstance(parser, str) and parser)):
            raise ValueError(f"parser must be a callable text -> spacy Doc or a spaCy pipeline name, got {parser!r}.")
        if isinstance(dlcf_a, bool) or not isinstance(dlcf_a, (int, float)) or not dlcf_a > 1:
            raise ValueError(f"dlcf_a must be a number > 1, got {dlcf_a!r}.")
        self.tokenizer = tokenizer
        self.max_seq_len = max_seq_len
        self.srd = srd
        # Canonical order, so equal requests give equal processors (and equal cache fingerprints).
        self.input_names = tuple(name for name in EXTRA_COLUMNS if name in set(input_names))
        self.label2id = label2id
        self.parser = parser
        self.dlcf_a = float(dlcf_a)
        # A pipeline named by `parser`, loaded now (a missing one fails before any data is read) and again after
        # unpickling (`__getstate__` leaves it out: the datasets cache fingerprint hashes the name, not the model).
        self._loaded_parser = None
        if set(self.input_names) & set(SYNTAX_COLUMNS):
            self._dependency_parser()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_loaded_parser": None}

    def _dependency_parser(self) -> Callable[[str], Any]:
        if callable(self.parser):
            return self.parser
        if self._loaded_parser is None:
            self._loaded_parser = load_parser(self.parser)
        return self._loaded_parser

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(tokenizer={type(self.tokenizer).__name__}, max_seq_len={self.max_seq_len}, "
            f"srd={self.srd}, input_names={self.input_names}, label2id={self.label2id}, parser={self.parser!r}, "
            f"dlcf_a={self.dlcf_a})"
        )

    # ------------------------------------------------------------------ public API

    def __call__(self, batch: Mapping[str, list]) -> dict[str, list]:
        """Featurise a batch of canonical rows (column name → list of values)."""
        missing = [name for name in ("sentence", "aspect", *_SPAN_COLUMNS) if name not in batch]
        if missing:
            raise ValueError(
                f"APCProcessor: the rows lack column(s) {missing}; expected the canonical APC schema "
                f"(sentence, aspect, aspect_start, aspect_end, label, left_/right_aspect_start/_end)."
            )
        sentences = list(batch["sentence"])
        spans = self._spans(batch, sentences, _SPAN_COLUMNS, own=True)
        neighbour_spans = {
            side: self._spans(batch, sentences, columns, own=False) if columns[0] in batch else spans
            for side, columns in _NEIGHBOUR_SPAN_COLUMNS.items()
        }
        output: dict[str, list] = {name: [] for name in self._base_columns()}
        output.update({name: [] for name in self.input_names if not self._is_missing_token_type(name)})

        encodings = self._encode_within_budget(sentences, list(batch["aspect"]), spans)
        for index, encoding in enumerate(encodings):
            for name in self._base_columns():
                output[name].append(getattr(encoding, name))
            sentence_length = encoding.sentence_length()
            if "sentence_length" in output:
                output["sentence_length"].append(sentence_length)
            if not any(name in output for name in LCF_VECTOR_COLUMNS):
                continue
            own_span = self._aspect_token_span(encoding, *spans[index])
            own_vectors = local_context_vectors(len(encoding.input_ids), sentence_length, *own_span, self.srd)
            for prefix, vectors in (("", own_vectors), ("left_", None), ("right_", None)):
                if prefix + "lcf_cdm_vec" not in output and prefix + "lcf_cdw_vec" not in output:
                    continue
                if vectors is None:
                    # A neighbour cut off by truncation (no overlapping token) falls back to the own aspect.
                    side_span = encoding.token_span(*neighbour_spans[prefix[:-1]][index])
                    vectors = (
                        own_vectors
                        if side_span is None or side_span == own_span
                        else local_context_vectors(len(encoding.input_ids), sentence_length, *side_span, self.srd)
                    )
                for name, vector in zip(("lcf_cdm_vec", "lcf_cdw_vec"), vectors):
                    if prefix + name in output:
                        output[prefix + name].append(vector.tolist())

        if set(output) & set(SYNTAX_COLUMNS):
            self._add_syntax_columns(output, encodings, spans, neighbour_spans)
        for side in ("left", "right"):
            self._add_neighbour_pairs(output, side, sentences, neighbour_spans[side], encodings)
        if "label" in batch:
            labels = self._label_ids(batch["label"])
            if labels is not None:
                output["labels"] = labels
        return output

    def feature_rows(self, examples: Sequence[Mapping[str, Any]]) -> list[dict]:
        """One feature row per canonical example (a dict each), ready for `DataCollatorForAPC`.

        For prediction: any ``label`` is left out, so the rows carry model inputs only.
        """
        if not examples:
            return []
        columns = [name for name in examples[0] if name != "label"]
        features = self({name: [example[name] for example in examples] for name in columns})
        return [{name: values[index] for name, values in features.items()} for index in range(len(examples))]

    def apply(
        self, data: Any, num_proc: int | None = None, desc: str = "Featurising APC examples", batch_size: int = 1000
    ) -> Any:
        """Featurise a `datasets.Dataset` or `DatasetDict` with a cached, batched `map`.

        The original columns are removed.  A split whose labels are all None is treated as unlabelled (no
        ``labels`` column).  Under distributed training call this inside
        ``training_args.main_process_first()`` so that rank 0 writes the cache first.
        """
        from datasets import Dataset, DatasetDict

        if isinstance(data, DatasetDict):
            return DatasetDict(
                {
                    split: self._apply_to_dataset(dataset, num_proc, f"{desc} ({split})", batch_size)
                    for split, dataset in data.items()
                }
            )
        if isinstance(data, Dataset):
            return self._apply_to_dataset(data, num_proc, desc, batch_size)
        raise TypeError(f"APCProcessor.apply expects a datasets.Dataset or DatasetDict, got {type(data).__name__}.")

    # ------------------------------------------------------------------ helpers

    def _apply_to_dataset(self, dataset: Any, num_proc: int | None, desc: str, batch_size: int) -> Any:
        if "label" in dataset.column_names and all(value is None for value in dataset.unique("label")):
            dataset = dataset.remove_columns("label")
        return dataset.map(
            self,
            batched=True,
            batch_size=batch_size,
            num_proc=num_proc,
            remove_columns=dataset.column_names,
            features=self._output_features(dataset),
            desc=desc,
        )

    def _output_features(self, dataset: Any) -> Any:
        """Compact Arrow types for the output columns: float32 vectors, int32 ids, int8 masks."""
        from datasets import Features, List, Value

        if len(dataset) == 0:
            return None
        columns = self(dataset[:1]).keys()
        types = {}
        for column in columns:
            if column.endswith("_vec"):
                types[column] = List(Value("float32"))
            elif column.endswith("input_ids"):
                types[column] = List(Value("int32"))
            elif column.endswith(("attention_mask", "token_type_ids")):
                types[column] = List(Value("int8"))
            elif column == "labels":
                types[column] = Value("int64")
            else:
                types[column] = Value("int32")
        return Features(types)

    def _base_columns(self) -> tuple[str, ...]:
        model_inputs = self.tokenizer.model_input_names
        return ("input_ids",) + tuple(name for name in ("attention_mask", "token_type_ids") if name in model_inputs)

    def _is_missing_token_type(self, name: str) -> bool:
        return name.endswith("token_type_ids") and "token_type_ids" not in self.tokenizer.model_input_names

    @staticmethod
    def _spans(
        batch: Mapping[str, list], sentences: list[str], columns: tuple[str, str], own: bool
    ) -> list[tuple[int, int]]:
        """Character spans from two columns, checked against the sentences (own aspect: also against `aspect`)."""
        spans = []
        for row, (sentence, start, end) in enumerate(zip(sentences, batch[columns[0]], batch[columns[1]])):
            if not (isinstance(start, (int, np.integer)) and isinstance(end, (int, np.integer))) or not (
                0 <= start <= end <= len(sentence)
            ):
                raise ValueError(
                    f"row {row} of the batch: {columns[0]}/{columns[1]} = ({start!r}, {end!r}) is not a character "
                    f"span of the sentence {sentence!r} (expected ints with 0 <= start <= end <= {len(sentence)})."
                )
            if own:
                aspect = batch["aspect"][row]
                if not aspect.strip() or sentence[start:end] != aspect:
                    raise ValueError(
                        f"row {row} of the batch: sentence[{start}:{end}] = {sentence[start:end]!r} is not the "
                        f"non-blank aspect {aspect!r} (sentence {sentence!r})."
                    )
            spans.append((int(start), int(end)))
        return spans

    def _encode_pairs(
        self, windows: list[str], window_starts: list[int], aspects: list[str], truncate: bool
    ) -> list[_Encoding]:
        """Pair-encode (sentence window, aspect) in one tokenizer call."""
        if not windows:
            return []
        model_inputs = self.tokenizer.model_input_names
        truncation = {"truncation": "longest_first", "max_length": self.max_seq_len} if truncate else {}
        encoded = self.tokenizer(
            windows,
            aspects,
            return_offsets_mapping=True,
            return_attention_mask="attention_mask" in model_inputs,
            return_token_type_ids="token_type_ids" in model_inputs,
            **truncation,
        )
        encodings = []
        for index, (window, window_start) in enumerate(zip(windows, window_starts)):
            sequence_ids = np.array(encoded.sequence_ids(index), dtype=float)  # None (special token) -> nan
            positions = np.flatnonzero(sequence_ids == 0)
            offsets = np.asarray(encoded["offset_mapping"][index], dtype=np.int64).reshape(-1, 2)[positions]
            offsets += window_start
            encodings.append(
                _Encoding(
                    input_ids=encoded["input_ids"][index],
                    attention_mask=encoded["attention_mask"][index] if "attention_mask" in encoded else None,
                    token_type_ids=encoded["token_type_ids"][index] if "token_type_ids" in encoded else None,
                    window_text=window,
                    window_start=window_start,
                    sentence_positions=positions,
                    token_starts=offsets[:, 0],
                    token_ends=offsets[:, 1],
                )
            )
        return encodings

    def _encode_within_budget(
        self, sentences: list[str], aspects: list[str], spans: list[tuple[int, int]]
    ) -> list[_Encoding]:
        """Encode every example, shrinking the sentence to an aspect-centred window where it is too long."""
        encodings: list[_Encoding | None] = [None] * len(sentences)
        precut = [precut_window(sentence, span, self.max_seq_len) for sentence, span in zip(sentences, spans)]
        windows = [sentence[start:end] for sentence, (start, end) in zip(sentences, precut)]
        window_starts = [start for start, _ in precut]
        pending = list(range(len(sentences)))
        hard: list[int] = []  # the tokenizer's own truncation finishes these

        def encode(indices: list[int], truncate: bool) -> list[_Encoding]:
            return self._encode_pairs(
                [windows[i] for i in indices],
                [window_starts[i] for i in indices],
                [aspects[i] for i in indices],
                truncate,
            )

        for _ in range(_MAX_WINDOW_ROUNDS):
            if not pending:
                break
            still_long = []
            for i, encoding in zip(pending, encode(pending, truncate=False)):
                overflow = len(encoding.input_ids) - self.max_seq_len
                if overflow <= 0:
                    encodings[i] = encoding
                    continue
                window = self._shrunk_window(encoding, spans[i], overflow)
                old_window = (window_starts[i], window_starts[i] + len(windows[i]))
                while window == old_window:  # edge tokens sharing characters (split bytes): drop one more
                    overflow += 1
                    window = self._shrunk_window(encoding, spans[i], overflow)
                if window is None:
                    # The aspect alone does not fit: keep only the aspect and let the tokenizer truncate it too.
                    window = spans[i]
                    hard.append(i)
                else:
                    still_long.append(i)
                window_starts[i] = window[0]
                windows[i] = sentences[i][window[0] : window[1]]
            pending = still_long
        hard.extend(pending)
        for i, encoding in zip(hard, encode(hard, truncate=True)):
            encodings[i] = encoding
        return encodings  # type: ignore[return-value]

    @staticmethod
    def _shrunk_window(encoding: _Encoding, span: tuple[int, int], overflow: int) -> tuple[int, int] | None:
        """Character window keeping the aspect after dropping `overflow` sentence tokens, each from the side
        that is currently longer (right on ties), far end first; None if the aspect alone is too long."""
        count = encoding.token_starts.size
        hits = np.flatnonzero((encoding.token_starts < span[1]) & (encoding.token_ends > span[0]))
        if hits.size:
            first, last = int(hits[0]), int(hits[-1])
        elif count:
            first = last = min(int(np.searchsorted(encoding.token_starts, span[0])), count - 1)
        else:
            return None
        left, right = first, count - 1 - last
        if overflow > left + right:
            return None
        kept = left + right - overflow
        # Closed form of "drop from the longer side, right on ties": the left keeps ceil(kept / 2) unless one
        # side is too short to share the drop.
        keep_left = min(left, max((kept + 1) // 2, kept - right))
        keep_right = kept - keep_left
        start = min(int(encoding.token_starts[first - keep_left]), span[0])
        end = max(int(encoding.token_ends[last + keep_right]), span[1])
        return start, end

    @staticmethod
    def _aspect_token_span(encoding: _Encoding, start: int, end: int) -> tuple[int, int]:
        """(first position, token count) of the aspect; the nearest sentence token if none overlaps it."""
        span = encoding.token_span(start, end)
        if span is not None:
            return span
        if encoding.sentence_positions.size == 0:
            return 0, 1
        nearest = min(int(np.searchsorted(encoding.token_starts, start)), encoding.sentence_positions.size - 1)
        return int(encoding.sentence_positions[nearest]), 1

    def _add_syntax_columns(
        self,
        output: dict[str, list],
        encodings: list[_Encoding],
        spans: list[tuple[int, int]],
        neighbour_spans: dict[str, list[tuple[int, int]]],
    ) -> None:
        """The `SYNTAX_COLUMNS` requested (hf_absa.data.syntax): each encoded window text parsed once."""
        parses = parse_texts(self._dependency_parser(), [encoding.window_text for encoding in encodings])
        for index, encoding in enumerate(encodings):
            length, sentence_length = len(encoding.input_ids), encoding.sentence_length()
            token_index = np.full(length, -1)
            parse = parses[encoding.window_text]
            token_index[encoding.sentence_positions] = parse.token_index(
                encoding.token_starts, encoding.token_ends, encoding.window_start
            )
            context = SyntaxContext(parse, token_index, sentence_length)
            # The character spans are the full sentence's; the parse is the window's.
            shift = (-encoding.window_start, -encoding.window_start)
            own = tuple(np.add(spans[index], shift))
            columns: dict[str, np.ndarray] = {}
            for prefix in ("", "left_", "right_"):
                vector_names = (f"{prefix}lcfs_cdm_vec", f"{prefix}lcfs_cdw_vec")
                if not set(vector_names) & set(output):
                    continue
                # A neighbour cut off by truncation (no token of the encoding) falls back to the own aspect.
                side_span = neighbour_spans[prefix[:-1]][index] if prefix else spans[index]
                span = own if encoding.token_span(*side_span) is None else tuple(np.add(side_span, shift))
                columns.update(zip(vector_names, context.lcfs_vectors(span, self.srd)))
            if {"dlcf_cdm_vec", "dlcf_cdw_vec", "dlcfs_cdm_vec", "dlcfs_cdw_vec"} & set(output):
                dlcfs_cdm, dlcfs_cdw, threshold = context.dlcfs_vectors(own, self.dlcf_a)
                own_tokens = self._aspect_token_span(encoding, *spans[index])
                dlcf = local_context_vectors(length, sentence_length, *own_tokens, threshold)
                columns.update(dlcf_cdm_vec=dlcf[0], dlcf_cdw_vec=dlcf[1], dlcfs_cdm_vec=dlcfs_cdm,
                               dlcfs_cdw_vec=dlcfs_cdw)
            if {"depend_vec", "depended_vec"} & set(output):
                columns["depend_vec"], columns["depended_vec"] = context.dependency_vectors(own)
            for name, vector in columns.items():
                if name in output:
                    output[name].append(vector.tolist())

    def _add_neighbour_pairs(
        self,
        output: dict[str, list],
        side: str,
        sentences: list[str],
        spans: list[tuple[int, int]],
        encodings: list[_Encoding],
    ) -> None:
        """LSA inputs of bert_spc*: pair encoding of (this example's sentence window, neighbour aspect text)."""
        names = [f"{side}_{base}" for base in ("input_ids", "attention_mask", "token_type_ids")]
        if not any(name in output for name in names):
            return
        model_inputs = self.tokenizer.model_input_names
        encoded = self.tokenizer(
            [encoding.window_text for encoding in encodings],
            [sentence[start:end] for sentence, (start, end) in zip(sentences, spans)],
            truncation=True,
            max_length=self.max_seq_len,
            return_attention_mask="attention_mask" in model_inputs,
            return_token_type_ids="token_type_ids" in model_inputs,
        ) if encodings else {}
        for name in names:
            if name in output:
                output[name] = list(encoded.get(name[len(side) + 1 :], []))

    def _label_ids(self, labels: list) -> list[int] | None:
        """Class ids of the labels (None → IGNORED_LABEL_ID); None when the batch has no label at all and no
        label2id was given."""
        if self.label2id is None:
            given = sorted({label for label in labels if label is not None})
            if given:
                raise ValueError(
                    f"the rows carry labels {given} but APCProcessor got no label2id; pass label2id "
                    f"(the model config's mapping) or drop the 'label' column."
                )
            return None
        ids = []
        for label in labels:
            if label is None:
                ids.append(IGNORED_LABEL_ID)
            elif label in self.label2id:
                ids.append(self.label2id[label])
            else:
                raise ValueError(f"unknown label {label!r}; known labels: {list(self.label2id)}.")
        return ids
