"""Where the vectors and the BM25 index live, and the searches over them.

:class:`SearchBackend` is what the pipeline needs of an index after the tables: the
``k`` nearest passage rows to a query vector, the ``k`` best BM25 passage rows for
the question's terms, and the stored vectors of given sentence rows, one per view
(:data:`survqa.indexing.sentences.VIEWS`). Ids are rows of the passage and sentence
tables. :class:`FaissBm25Backend` fulfils it in process: FAISS, bm25s and one ``.npy``
file per view in the index folder (``views/<view>.npy``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from survqa.indexing.dense import DenseHits, DenseIndex
from survqa.indexing.lexical import LexicalHits, LexicalIndex
from survqa.indexing.sentences import VIEWS

# a file of the index folder, read and checked against the manifest before parsing
ReadVerified = Callable[[str], bytes]


@runtime_checkable
class SearchBackend(Protocol):
    """First-stage search over ``size`` passages and the second stage's sentence vectors."""

    name: str

    @property
    def size(self) -> int:
        """The number of passages searched (rows ``0 … size-1``)."""
        ...

    def dense_search(self, vector: np.ndarray, k: int) -> DenseHits:
        """The ``k`` rows nearest to one L2-normalised query vector, by inner product."""
        ...

    def lexical_search(self, terms: Sequence[str], k: int) -> LexicalHits:
        """The ``k`` rows with the best BM25 score (> 0) for the question's terms."""
        ...

    def vectors(self, view: str, rows: np.ndarray) -> np.ndarray:
        """Vectors of one view of the given sentence rows, shape (len(rows), dim)."""
        ...

    def passage_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Stored vectors of the given passage rows (reused by an incremental rebuild)."""
        ...


class FaissBm25Backend:
    """The default backend: FAISS (flat / HNSW / IVF-SQ8) plus bm25s, in process.

    Stateless after construction, so safe to share between threads.
    """

    name = "faiss"

    def __init__(
        self, dense: DenseIndex, lexical: LexicalIndex, views: dict[str, np.ndarray]
    ) -> None:
        if dense.size != lexical.size:
            raise ValueError(
                f"dense index has {dense.size} rows but the BM25 index {lexical.size}: "
                "they must index the same passage table"
            )
        if set(views) != set(VIEWS) or len({len(v) for v in views.values()}) != 1:
            raise ValueError(f"one vector per sentence is needed for each view of {VIEWS}")
        self.dense = dense
        self.lexical = lexical
        self._views = views

    @property
    def size(self) -> int:
        return self.dense.size

    @property
    def sentence_count(self) -> int:
        return len(self._views["sentence"])

    def dense_search(self, vector: np.ndarray, k: int) -> DenseHits:
        return self.dense.search(vector, k)

    def lexical_search(self, terms: Sequence[str], k: int) -> LexicalHits:
        return self.lexical.search(terms, k)

    def vectors(self, view: str, rows: np.ndarray) -> np.ndarray:
        return self._views[view][rows]

    def passage_vectors(self, rows: np.ndarray) -> np.ndarray:
        dim = self.dense.dim
        vectors = [self.dense.vector(int(row)) for row in rows]
        return np.stack(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)

    def write(self, folder: Path) -> dict[str, Any]:
        """Save into an index folder; returns the manifest's ``dense`` entry."""
        (folder / "dense.faiss").write_bytes(self.dense.to_bytes())
        (folder / "views").mkdir()
        for view, vectors in self._views.items():
            (folder / "views" / f"{view}.npy").write_bytes(npy_bytes(vectors))
        self.lexical.save(folder / "bm25")
        return {"kind": self.dense.kind, "count": self.dense.size}

    @classmethod
    def read(cls, folder: Path, manifest: dict[str, Any], read: ReadVerified) -> FaissBm25Backend:
        """Load from an index folder whose files ``read`` returns verified."""
        dense = DenseIndex.from_bytes(read("dense.faiss"), manifest["dense"]["kind"])
        views = {
            view: np.load(io.BytesIO(read(f"views/{view}.npy")), allow_pickle=False)
            for view in VIEWS
        }
        for name in manifest["files"]:
            if name.startswith("bm25/"):
                read(name)
        lexical = LexicalIndex.load(folder / "bm25", dense.size)
        return cls(dense, lexical, views)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
