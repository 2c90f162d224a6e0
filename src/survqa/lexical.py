"""French-aware BM25 (bm25s) over the passage table: row *i* is BM25 doc *i*.

Tokens are lower-cased, elisions (l', d', qu'…) removed, French stopwords
dropped, stripped of accents and Snowball-stemmed; digit groups are joined
("56 000" → "56000") so numbers match however they are typed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
_DIGIT_GROUP = re.compile(r"(?<=\d)[\s\u00a0\u202f.](?=\d{3}\b)")
_TOKEN = re.compile(r"\d+(?:,\d+)?|[^\W\d_]+", re.UNICODE)
STOPWORDS = frozenset(STOPWORDS_FRENCH) | frozenset(STOPWORDS_EN) | {"combien", "quel", "quelle"}

_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects must not be shared between threads
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("french")
    return stemmer


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """The BM25 terms of a text (passage or question)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _ELISION.sub(" ", text)
    text = _DIGIT_GROUP.sub("", text)
    words = [_strip_accents(w) for w in _TOKEN.findall(text) if w not in STOPWORDS]
    # accents stripped before stemming, so "securite" typed without them still matches
    return [s for s in _stemmer().stemWords(words) if s]


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
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index([tokenize(t) for t in texts], show_progress=False)
        return cls(model, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no term is known)."""
        ids = self._model.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(ids), dtype=np.float32)

    def search(self, query: str, k: int) -> LexicalHits:
        scores = self.scores(query)
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return LexicalHits(top.astype(np.int64), scores[top])

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        model = bm25s.BM25.load(str(folder), show_progress=False, allow_pickle=False)
        return cls(model, size)
