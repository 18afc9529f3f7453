"""Syntax distances: the dependency-tree inputs of the syntax-based LCF architectures (lcfs_*, *_lsa_s*, dlcf*).

PyABSA measures the distance between a token and the aspect on a spaCy dependency parse instead of in token
positions (``calculate_dep_dist`` in ``tasks/AspectPolarityClassification/dataset_utils/__lcf__/apc_utils.py``,
``calculate_cluster`` and the dynamic thresholds of ``apc_utils_for_dlcf_dca.py``, PyABSA 2.4.2). The same
definitions here, computed once per example in `APCProcessor`'s cached ``datasets.map``:

* a token's **syntax distance** is the number of dependency arcs between it and an aspect token (the tree taken
  as undirected), averaged over the aspect's tokens; a token with no path to some aspect token (another sentence
  of the text) counts the number of tokens of the parse for it. Special tokens get the largest distance.
* **lcfs** vectors: CDM 1 where the distance is at most ``srd``, CDW 1 there and ``1 - distance /
  sentence_length`` elsewhere (PyABSA's ``get_lca_ids_and_cdm_vec`` / ``get_cdw_vec`` with a syntax distance).
* **dlcf** / **dlcfs** vectors (DLCF-DCA): the same with the dynamic threshold ``log_a(max_distance) + a - 1``
  (``a`` = ``dlcf_a``; 3 when every distance is 0), over token positions (dlcf) or syntax distances (dlcfs, CDW
  ``1 - distance / max_distance``); ``max_distance`` is the largest distance of a token connected to the aspect.
* **depend** / **depended** vectors: the tokens of the aspect's subtree (the tokens that depend on it) and the
  other tokens connected to it; the aspect's own tokens are in neither, the first special token in both.

Differences from PyABSA, on purpose:

* The aspect's tokens are those overlapping its characters; PyABSA takes the first token equal to each aspect
  word wherever it is in the sentence (the first "food" of "the food ... the food") and the first token of the
  text when a word is not found.
* Tokens are matched to sub-words through character offsets; PyABSA re-tokenises the words and walks both lists,
  and puts the depend / depended flags at word indices, not at the sub-word positions it weights with them.
* CDW weights are clipped to [0, 1]; PyABSA's go negative for tokens farther than the sentence length (or than
  ``max_distance``), and its token-position DLCF CDW vector is all ones (it computes the weight, then stores 1).

The parse comes from an injected parser (a callable text → `spacy.tokens.Doc`, e.g. a loaded spaCy pipeline) or
from `load_parser`, which loads an installed spaCy pipeline by name. hf_absa never downloads one: spaCy and a
pipeline are the optional extra ``pip install "hf_absa[syntax]"`` plus ``python -m spacy download en_core_web_sm``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

__all__ = [
    "DEFAULT_SPACY_MODEL",
    "DependencyParse",
    "MissingParserError",
    "SyntaxContext",
    "dynamic_threshold",
    "load_parser",
    "parse_texts",
]

DEFAULT_SPACY_MODEL = "en_core_web_sm"


class MissingParserError(OSError):
    """spaCy, or the spaCy pipeline named, is not installed (a user's set-up to complete, reported in one line)."""


def load_parser(name: str) -> Callable[[str], Any]:
    """The installed spaCy pipeline ``name`` (e.g. "en_core_web_sm"), loaded with `spacy.load`; nothing is downloaded.

    Raises:
        MissingParserError: spaCy is not installed, or no pipeline ``name`` is (the message says how to install it).
    """
    install = f"python -m spacy download {name}"
    try:
        import spacy
    except ImportError:
        raise MissingParserError(
            "The syntax-distance architectures (lcfs_*, lsa_s, fast_lsa_s*, dlcf*) parse sentences with spaCy, which "
            f"is not installed: pip install \"hf_absa[syntax]\", then {install}"
        ) from None
    try:
        return spacy.load(name)
    except OSError:
        raise MissingParserError(
            f"The spaCy pipeline {name!r} that parses sentences for the syntax distances is not installed; install "
            f"it with: {install} (hf_absa downloads no model), or name an installed one with --spacy_model."
        ) from None


class DependencyParse:
    """One parsed text: its tokens' character spans and head indices, with the tree distances between tokens.

    Args:
        doc: a `spacy.tokens.Doc` (anything with tokens that have ``idx``, ``text``, ``i`` and ``head``) of ``text``.
        text: the text that was parsed.

    Raises:
        ValueError: the doc's text is not ``text`` (its character offsets would not locate the sub-words).
    """

    def __init__(self, doc: Any, text: str) -> None:
        if doc.text != text:
            raise ValueError(
                f"The parser returned a Doc of {doc.text!r} for the text {text!r}; a parser must keep the text as it "
                "is (its token offsets locate the sub-words)."
            )
        tokens = list(doc)
        self.size = len(tokens)
        self.starts = np.array([token.idx for token in tokens], dtype=np.int64)
        self.ends = self.starts + np.array([len(token.text) for token in tokens], dtype=np.int64)
        heads = np.array([token.head.i for token in tokens], dtype=np.int64)
        children = np.flatnonzero(heads != np.arange(self.size))  # a root is its own head
        # Arcs head -> child; shortest paths on them, directed (descendants) or not (tree distance).
        self._arcs = csr_matrix(
            (np.ones(children.size), (heads[children], children)), shape=(self.size, self.size)
        )

    def aspect_tokens(self, start: int, end: int) -> np.ndarray:
        """Indices of the tokens overlapping characters [start, end); the nearest token when none does."""
        hits = np.flatnonzero((self.starts < end) & (self.ends > start))
        if hits.size or not self.size:
            return hits
        return np.array([min(int(np.searchsorted(self.starts, start)), self.size - 1)])

    def distances(self, aspect: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(syntax distance of every token to the ``aspect`` tokens (float, mean over them), whether it has a path to
        every one of them); no path counts as the number of tokens, as in PyABSA."""
        if not aspect.size:
            return np.zeros(self.size), np.zeros(self.size, dtype=bool)
        paths = shortest_path(self._arcs, directed=False, unweighted=True, indices=aspect)
        connected = np.isfinite(paths).all(axis=0)
        return np.where(np.isfinite(paths), paths, self.size).mean(axis=0), connected

    def subtree(self, aspect: np.ndarray) -> np.ndarray:
        """Whether each token is in the subtree of an ``aspect`` token (the aspect tokens included), bool."""
        if not aspect.size:
            return np.zeros(self.size, dtype=bool)
        return np.isfinite(shortest_path(self._arcs, directed=True, unweighted=True, indices=aspect)).any(axis=0)

    def token_index(self, starts: np.ndarray, ends: np.ndarray, offset: int) -> np.ndarray:
        """For sub-words with character spans [starts, ends) in a text where this parse's text begins at ``offset``:
        the first token overlapping each (-1 for none)."""
        starts, ends = starts - offset, ends - offset
        overlap = (self.starts[None, :] < ends[:, None]) & (self.ends[None, :] > starts[:, None])
        return np.where(overlap.any(axis=1), overlap.argmax(axis=1), -1)


def parse_texts(parser: Callable[[str], Any], texts: Sequence[str]) -> dict[str, DependencyParse]:
    """Each distinct text of ``texts`` parsed once (with the parser's batched ``pipe`` when it has one)."""
    distinct = list(dict.fromkeys(texts))
    docs = parser.pipe(distinct) if hasattr(parser, "pipe") else (parser(text) for text in distinct)
    return {text: DependencyParse(doc, text) for text, doc in zip(distinct, docs)}


def dynamic_threshold(max_distance: float, dlcf_a: float) -> float:
    """DLCF-DCA's local-context threshold: ``log_a(max_distance) + a - 1``, 3 when ``max_distance`` is 0
    (``get_dynamic_cdm_vec`` in PyABSA's apc_utils_for_dlcf_dca.py)."""
    return math.log(max_distance, dlcf_a) + dlcf_a - 1 if max_distance > 0 else 3.0


class SyntaxContext:
    """One encoded example seen through its parse: the syntax columns over the encoding's positions.

    Args:
        parse: the parse of the example's (window) text.
        token_index: for each position of the encoding (length,), the parse token it lies on, -1 for the special
            tokens and the aspect segment.
        sentence_length: the leading special tokens + sentence segment + its closing separator, in positions.
    """

    def __init__(self, parse: DependencyParse, token_index: np.ndarray, sentence_length: int) -> None:
        self.parse = parse
        self.token_index = token_index
        self.positions = np.arange(token_index.size)
        self.in_sentence = self.positions < sentence_length
        self.sentence_length = sentence_length

    def by_position(self, values: np.ndarray, default: float) -> np.ndarray:
        """Per-token ``values`` (tokens,) spread over the positions (length,); ``default`` on positions on no token."""
        if not values.size:
            return np.full(self.positions.size, default, dtype=float)
        on_token = self.token_index >= 0
        return np.where(on_token, values[np.maximum(self.token_index, 0)], default)

    def position_distances(self, span: tuple[int, int]) -> tuple[np.ndarray, float]:
        """(syntax distance of each position to the aspect at characters ``span`` (length,), the largest distance of
        a token connected to it); positions on no token get the largest token distance (PyABSA's special tokens)."""
        distances, connected = self.parse.distances(self.parse.aspect_tokens(*span))
        by_position = self.by_position(distances, float(distances.max(initial=0.0)))
        return by_position, float(distances[connected].max(initial=0.0))

    def context_vectors(self, distances: np.ndarray, threshold: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
        """CDM (1 where ``distances`` ≤ ``threshold``) and CDW (1 there, ``1 - distance / scale`` clipped to [0, 1]
        elsewhere) over the sentence positions, 0 beyond; float64 (length,) each."""
        near = distances <= threshold
        cdm = np.where(self.in_sentence & near, 1.0, 0.0)
        cdw = np.where(self.in_sentence, np.where(near, 1.0, np.clip(1.0 - distances / scale, 0.0, 1.0)), 0.0)
        return cdm, cdw

    def lcfs_vectors(self, span: tuple[int, int], srd: int) -> tuple[np.ndarray, np.ndarray]:
        """The lcfs CDM and CDW vectors of the aspect at characters ``span``."""
        distances, _ = self.position_distances(span)
        return self.context_vectors(distances, srd, max(self.sentence_length, 1))

    def dlcfs_vectors(self, span: tuple[int, int], dlcf_a: float) -> tuple[np.ndarray, np.ndarray, float]:
        """The dlcfs CDM and CDW vectors of the aspect at characters ``span``, and their dynamic threshold."""
        distances, max_distance = self.position_distances(span)
        threshold = dynamic_threshold(max_distance, dlcf_a)
        cdm, cdw = self.context_vectors(distances, threshold, max_distance if max_distance > 0 else math.inf)
        return cdm, cdw, threshold

    def dependency_vectors(self, span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """depend_vec and depended_vec (float64 (length,) each): the positions on tokens of the aspect's subtree /
        on the other tokens connected to it, the aspect excluded; the first position is 1 in both."""
        aspect = self.parse.aspect_tokens(*span)
        in_aspect = np.zeros(self.parse.size, dtype=bool)
        in_aspect[aspect] = True
        subtree = self.parse.subtree(aspect)
        connected = self.parse.distances(aspect)[1]
        depend = self.by_position((subtree & ~in_aspect).astype(float), 0.0)
        depended = self.by_position((connected & ~subtree & ~in_aspect).astype(float), 0.0)
        first = self.positions == 0
        return np.where(first, 1.0, depend), np.where(first, 1.0, depended)
