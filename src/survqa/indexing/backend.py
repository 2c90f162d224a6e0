"""Where the vectors and the BM25 index live, and the searches over them.

:class:`SearchBackend` is what the pipeline needs of an index after the tables: the
``k`` nearest passage rows to a query vector, the ``k`` best BM25 passage rows for
the question's terms (both optionally restricted to some documents), and the stored
vectors of given sentence rows, one per view (:data:`survqa.indexing.sentences.VIEWS`).
Ids are rows of the passage and sentence tables. Two implementations:
:class:`FaissBm25Backend` in process (FAISS, bm25s and one ``.npy`` file per view in the
index folder, ``views/<view>.npy``; the default) and
:class:`survqa.indexing.milvus.MilvusBackend` (a Milvus server or milvus-lite,
``Settings(backend="milvus")``). :func:`create` and :func:`open_backend` choose by name.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from survqa.errors import IndexMismatchError
from survqa.indexing.dense import DenseHits, DenseIndex
from survqa.indexing.lexical import LexicalHits, LexicalIndex
from survqa.indexing.sentences import VIEWS
from survqa.records import Passage

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

    @property
    def sentence_count(self) -> int:
        """The number of sentences whose vectors are stored."""
        ...

    def dense_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] | None = None
    ) -> DenseHits:
        """The ``k`` rows nearest to one L2-normalised query vector, by inner product
        (only rows of the ``sources`` documents when given)."""
        ...

    def lexical_search(
        self, terms: Sequence[str], k: int, sources: Collection[str] | None = None
    ) -> LexicalHits:
        """The ``k`` rows with the best BM25 score (> 0) for the question's terms
        (only rows of the ``sources`` documents when given)."""
        ...

    def write(self, folder: Path) -> dict[str, Any]:
        """Save its files into a new index folder; returns the manifest's ``dense`` entry."""
        ...

    def vectors(self, view: str, rows: np.ndarray) -> np.ndarray:
        """Vectors of one view of the given sentence rows, shape (len(rows), dim)."""
        ...

    def view_cosines(self, rows: np.ndarray, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Inner product of ``vector`` with each view's vector of the given sentence rows."""
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
        self,
        dense: DenseIndex,
        lexical: LexicalIndex,
        views: dict[str, np.ndarray],
        sources: Sequence[str],
    ) -> None:
        if dense.size != lexical.size:
            raise ValueError(
                f"dense index has {dense.size} rows but the BM25 index {lexical.size}: "
                "they must index the same passage table"
            )
        if set(views) != set(VIEWS) or len({len(v) for v in views.values()}) != 1:
            raise ValueError(f"one vector per sentence is needed for each view of {VIEWS}")
        if len(sources) != dense.size:
            raise ValueError("one source per passage row is needed")
        self.dense = dense
        self.lexical = lexical
        self._views = views
        self._sources = np.asarray(sources, dtype=object)

    @property
    def size(self) -> int:
        return self.dense.size

    @property
    def sentence_count(self) -> int:
        return len(self._views["sentence"])

    def dense_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] | None = None
    ) -> DenseHits:
        if sources is None:
            return self.dense.search(vector, k)
        every = self.dense.search(vector, self.size)  # filtered after an exhaustive search
        keep = self._inside(every.ids, sources)[:k]
        return DenseHits(every.ids[keep], every.scores[keep])

    def lexical_search(
        self, terms: Sequence[str], k: int, sources: Collection[str] | None = None
    ) -> LexicalHits:
        if sources is None:
            return self.lexical.search(terms, k)
        every = self.lexical.search(terms, self.size)
        keep = self._inside(every.ids, sources)[:k]
        return LexicalHits(every.ids[keep], every.scores[keep])

    def _inside(self, rows: np.ndarray, sources: Collection[str]) -> np.ndarray:
        """Positions of ``rows`` whose passage belongs to one of ``sources``."""
        return np.flatnonzero(np.isin(self._sources[rows], list(sources)))

    def vectors(self, view: str, rows: np.ndarray) -> np.ndarray:
        return self._views[view][rows]

    def view_cosines(self, rows: np.ndarray, vector: np.ndarray) -> dict[str, np.ndarray]:
        return {view: vectors[rows] @ vector for view, vectors in self._views.items()}

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
    def read(
        cls, folder: Path, manifest: dict[str, Any], read: ReadVerified, sources: Sequence[str]
    ) -> FaissBm25Backend:
        """Load from an index folder whose files ``read`` returns verified; ``sources``:
        the passage table's document of each row."""
        dense = DenseIndex.from_bytes(read("dense.faiss"), manifest["dense"]["kind"])
        views = {
            view: np.load(io.BytesIO(read(f"views/{view}.npy")), allow_pickle=False)
            for view in VIEWS
        }
        for name in manifest["files"]:
            if name.startswith("bm25/"):
                read(name)
        lexical = LexicalIndex.load(folder / "bm25", dense.size)
        return cls(dense, lexical, views, sources)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


BACKENDS = ("faiss", "milvus")


def create(
    name: str,
    passages: Sequence[Passage],
    passage_vectors: np.ndarray,
    views: dict[str, np.ndarray],
    kind: str,
    milvus: tuple[str, str] | None = None,
) -> SearchBackend:
    """A new backend ``name`` over the passages; ``milvus``: (URI, content digest)."""
    lexical = LexicalIndex.build([p.text for p in passages])
    if name == "faiss":
        dense = DenseIndex.build(passage_vectors, kind)
        return FaissBm25Backend(dense, lexical, views, [p.source for p in passages])
    if name == "milvus" and milvus is not None:
        from survqa.indexing import milvus_build

        uri, content = milvus
        return milvus_build.create(uri, passages, passage_vectors, lexical, views, kind, content)
    raise ValueError(f"backend must be one of {BACKENDS}, not {name!r}")


def open_backend(
    folder: Path, manifest: dict[str, Any], read: ReadVerified, sources: Sequence[str]
) -> SearchBackend:
    """The backend an index folder was built with (its manifest's ``backend``)."""
    name = manifest.get("backend")
    if name == "faiss":
        return FaissBm25Backend.read(folder, manifest, read, sources)
    if name == "milvus":
        from survqa.indexing.milvus import MilvusBackend

        return MilvusBackend.read(manifest, read)
    raise IndexMismatchError(
        f"index built with an unknown backend {name!r}: rebuild with `survqa index --rebuild`"
    )


def backend_files(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The files of the index folder that its backend needs."""
    if manifest.get("backend") == "milvus":
        return ("milvus/vocabulary.json",)
    return ("dense.faiss", *(f"views/{view}.npy" for view in VIEWS))


def retire(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Release what a replaced index held outside its folder (Milvus collections)."""
    if old.get("backend") != "milvus":
        return
    entry = old.get("dense", {})
    kept = new.get("dense", {}).get("collections") if new.get("backend") == "milvus" else None
    if entry.get("collections") and entry["collections"] != kept:
        from survqa.indexing import milvus_build

        milvus_build.drop(entry["uri"], entry["collections"])
