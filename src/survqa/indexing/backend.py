"""Where the vectors and the BM25 index live, and the searches over them.

:class:`SearchBackend` is what the pipeline needs of an index after the tables: the
``k`` nearest passage rows to a query vector, the ``k`` best BM25 passage rows for
the question's terms, and the stored vectors of given sentence rows (alone, and with
their neighbours). Ids are rows of the passage and sentence tables.
:class:`FaissBm25Backend` fulfils it in process: FAISS, bm25s and two ``.npy`` files of
the index folder.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from survqa.indexing.dense import DenseHits, DenseIndex
from survqa.indexing.lexical import LexicalHits, LexicalIndex

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

    def sentence_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of the given sentence rows (one sentence each), shape (len(rows), dim)."""
        ...

    def window_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of the given sentence rows joined with their neighbours."""
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
        self, dense: DenseIndex, lexical: LexicalIndex, sentences: np.ndarray, windows: np.ndarray
    ) -> None:
        if dense.size != lexical.size:
            raise ValueError(
                f"dense index has {dense.size} rows but the BM25 index {lexical.size}: "
                "they must index the same passage table"
            )
        if len(sentences) != len(windows):
            raise ValueError("sentence and window vectors must have one row per sentence")
        self.dense = dense
        self.lexical = lexical
        self._sentences = sentences
        self._windows = windows

    @property
    def size(self) -> int:
        return self.dense.size

    @property
    def sentence_count(self) -> int:
        return len(self._sentences)

    def dense_search(self, vector: np.ndarray, k: int) -> DenseHits:
        return self.dense.search(vector, k)

    def lexical_search(self, terms: Sequence[str], k: int) -> LexicalHits:
        return self.lexical.search(terms, k)

    def sentence_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._sentences[rows]

    def window_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._windows[rows]

    def passage_vectors(self, rows: np.ndarray) -> np.ndarray:
        dim = self.dense.dim
        vectors = [self.dense.vector(int(row)) for row in rows]
        return np.stack(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)

    def write(self, folder: Path) -> dict[str, Any]:
        """Save into an index folder; returns the manifest's ``dense`` entry."""
        (folder / "dense.faiss").write_bytes(self.dense.to_bytes())
        (folder / "sentences.npy").write_bytes(npy_bytes(self._sentences))
        (folder / "windows.npy").write_bytes(npy_bytes(self._windows))
        self.lexical.save(folder / "bm25")
        return {"kind": self.dense.kind, "count": self.dense.size}

    @classmethod
    def read(cls, folder: Path, manifest: dict[str, Any], read: ReadVerified) -> FaissBm25Backend:
        """Load from an index folder whose files ``read`` returns verified."""
        dense = DenseIndex.from_bytes(read("dense.faiss"), manifest["dense"]["kind"])
        sentences = np.load(io.BytesIO(read("sentences.npy")), allow_pickle=False)
        windows = np.load(io.BytesIO(read("windows.npy")), allow_pickle=False)
        for name in manifest["files"]:
            if name.startswith("bm25/"):
                read(name)
        lexical = LexicalIndex.load(folder / "bm25", dense.size)
        return cls(dense, lexical, sentences, windows)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
