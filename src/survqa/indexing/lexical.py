"""BM25 (bm25s) over the passage table, with the French analysis of :mod:`survqa.analysis`:
row *i* is BM25 doc *i*."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from survqa.analysis import tokenize


@dataclass(frozen=True, slots=True)
class LexicalHits:
    """Row ids (best first) and BM25 scores for one query; only rows scoring > 0."""

    ids: np.ndarray
    scores: np.ndarray


class LexicalIndex:
    """BM25 scores precomputed as a sparse matrix by bm25s."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """BM25 of ``texts``; the vocabulary is numbered in sorted order, so the same texts
        give the same saved bytes whatever the process (bm25s would number terms in set
        order, which changes with the string hash seed)."""
        documents = [tokenize(t) for t in texts]
        vocabulary = {term: i for i, term in enumerate(sorted({t for d in documents for t in d}))}
        ids = [[vocabulary[t] for t in d] for d in documents]
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index((ids, vocabulary), show_progress=False)
        return cls(model, len(texts))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query terms (zeros when no term is known)."""
        ids = self._model.get_tokens_ids(list(terms))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(ids), dtype=np.float32)

    def search(self, terms: Sequence[str], k: int) -> LexicalHits:
        """The ``k`` best rows for the query terms (see :func:`survqa.analysis.tokenize`)."""
        scores = self.scores(terms)
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return LexicalHits(top.astype(np.int64), scores[top])

    def vocabulary(self) -> list[str]:
        """The indexed terms in id order."""
        by_id = sorted(self._model.vocab_dict.items(), key=lambda item: item[1])
        return [term for term, _ in by_id]

    def weight_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """BM25 weights as (data, doc ids, per-term offsets): term *t*'s documents are
        ``ids[offsets[t]:offsets[t+1]]`` (bm25s's precomputed matrix)."""
        scores = self._model.scores
        return scores["data"], scores["indices"], scores["indptr"]

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        model = bm25s.BM25.load(str(folder), show_progress=False, allow_pickle=False)
        return cls(model, size)
