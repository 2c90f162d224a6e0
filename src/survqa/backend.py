"""The search backend behind retrieval: a protocol, and its first implementation.

Retrieval needs only two first-stage searches over the passage table — the
``k`` nearest rows to a query vector, and the ``k`` best BM25 rows for a query
text — both returning *row ids* (row *i* = passage *i* of ``passages.jsonl``).
:class:`SearchBackend` is that contract; :class:`FaissBm25Backend` fulfils it
with the in-process FAISS and bm25s indexes of :class:`survqa.index.SearchIndex`.

A backend for a corpus that has outgrown one machine (a sharded vector
database, or a search engine with hybrid BM25 + vector search, see
docs/scaling.md) implements the same three members and maps the engine's
document ids back to row ids; nothing after the first stage changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from survqa.dense import DenseHits, DenseIndex
from survqa.lexical import LexicalHits, LexicalIndex

if TYPE_CHECKING:
    from survqa.index import SearchIndex


@runtime_checkable
class SearchBackend(Protocol):
    """First-stage search over ``size`` passages; ids are passage-table rows, best first."""

    @property
    def size(self) -> int:
        """The number of passages searched (rows ``0 … size-1``)."""
        ...

    def dense_search(self, vector: np.ndarray, k: int) -> DenseHits:
        """The ``k`` rows nearest to one L2-normalised query vector, by inner product."""
        ...

    def lexical_search(self, text: str, k: int) -> LexicalHits:
        """The ``k`` rows with the best BM25 score (> 0) for a query text."""
        ...


class FaissBm25Backend:
    """The default backend: FAISS (flat / HNSW / IVF-SQ8) plus bm25s, in process.

    Stateless after construction, so safe to share between threads.
    """

    def __init__(self, dense: DenseIndex, lexical: LexicalIndex) -> None:
        if dense.size != lexical.size:
            raise ValueError(
                f"dense index has {dense.size} rows but the BM25 index {lexical.size}: "
                "they must index the same passage table"
            )
        self.dense = dense
        self.lexical = lexical

    @classmethod
    def from_index(cls, index: SearchIndex) -> FaissBm25Backend:
        """The backend over a loaded index folder."""
        return cls(index.dense, index.lexical)

    @property
    def size(self) -> int:
        return self.dense.size

    @property
    def kind(self) -> str:
        """The FAISS index type ("flat", "hnsw", "ivfsq")."""
        return self.dense.kind

    def dense_search(self, vector: np.ndarray, k: int) -> DenseHits:
        return self.dense.search(vector, k)

    def lexical_search(self, text: str, k: int) -> LexicalHits:
        return self.lexical.search(text, k)
