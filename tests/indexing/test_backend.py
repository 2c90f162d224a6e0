"""The search-backend protocol and its FAISS + bm25s implementation (the Milvus one:
tests/indexing/test_milvus.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from survqa.analysis import tokenize
from survqa.errors import IndexDamagedError
from survqa.indexing import storage
from survqa.indexing.backend import FaissBm25Backend, SearchBackend
from survqa.indexing.dense import DenseHits, DenseIndex
from survqa.indexing.lexical import LexicalHits, LexicalIndex
from survqa.indexing.sentences import VIEWS

TEXTS = [
    "Paris compte 56 000 caméras de surveillance.",
    "Huawei a installé des caméras à Belgrade.",
    "Le crédit social note les citoyens chinois.",
    "Le salon Milipol expose des technologies de sécurité.",
]
SOURCES = ["a.txt", "b.txt", "a.txt", "c.txt"]


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _views(rows: int, dim: int, seed: int) -> dict[str, np.ndarray]:
    """One distinct set of sentence vectors per view."""
    return {view: _unit(rows, dim, seed + k) for k, view in enumerate(VIEWS)}


def _default(seed: int = 7) -> tuple[FaissBm25Backend, np.ndarray, dict[str, np.ndarray]]:
    vectors = _unit(len(TEXTS), 16, seed)
    views = _views(6, 16, seed + 1)
    dense, lexical = DenseIndex.build(vectors, "flat"), LexicalIndex.build(TEXTS)
    return FaissBm25Backend(dense, lexical, views, SOURCES), vectors, views


def test_faiss_bm25_backend_wraps_the_index_parts() -> None:
    backend, vectors, _ = _default()
    assert isinstance(backend, SearchBackend)
    assert backend.size == 4 and backend.dense.kind == "flat" and backend.name == "faiss"
    assert backend.sentence_count == 6
    hits = backend.dense_search(vectors[2], 2)
    assert hits.ids.tolist() == backend.dense.search(vectors[2], 2).ids.tolist()
    assert hits.ids[0] == 2
    terms = tokenize("caméras à Belgrade")
    words = backend.lexical_search(terms, 3)
    assert words.ids[0] == 1
    assert words.ids.tolist() == backend.lexical.search(terms, 3).ids.tolist()
    assert backend.lexical_search(tokenize("zzz inconnu"), 3).ids.size == 0


def test_stored_vectors_by_view_and_row() -> None:
    backend, vectors, views = _default(3)
    rows = np.array([4, 0, 4])
    for view in VIEWS:
        assert np.array_equal(backend.vectors(view, rows), views[view][rows]), view
    assert not np.array_equal(backend.vectors("sentence", rows), backend.vectors("window", rows))
    assert backend.vectors("after", np.zeros(0, dtype=np.int64)).shape == (0, 16)
    with pytest.raises(KeyError):
        backend.vectors("paragraph", rows)
    assert np.array_equal(backend.passage_vectors(np.array([3, 1])), vectors[[3, 1]])
    query = vectors[1]
    cosines = backend.view_cosines(rows, query)
    assert set(cosines) == set(VIEWS)
    for view in VIEWS:
        np.testing.assert_allclose(cosines[view], views[view][rows] @ query, rtol=1e-6)
    assert backend.passage_vectors(np.array([], dtype=np.int64)).shape == (0, 16)


def test_backend_parts_must_index_the_same_rows() -> None:
    views = _views(2, 8, 1)
    with pytest.raises(ValueError, match="same passage table"):
        FaissBm25Backend(DenseIndex.build(_unit(3, 8, 8), "flat"), LexicalIndex.build(TEXTS),
                         views, SOURCES)  # fmt: skip
    four = DenseIndex.build(_unit(4, 8, 8), "flat")
    lexical = LexicalIndex.build(TEXTS)
    with pytest.raises(ValueError, match="one vector per sentence"):
        FaissBm25Backend(four, lexical, {**views, "after": _unit(3, 8, 2)}, SOURCES)
    missing = {view: v for view, v in views.items() if view != "titled"}
    with pytest.raises(ValueError, match="each view"):
        FaissBm25Backend(four, lexical, missing, SOURCES)
    with pytest.raises(ValueError, match="each view"):
        FaissBm25Backend(four, lexical, {**views, "extra": _unit(2, 8, 3)}, SOURCES)
    with pytest.raises(ValueError, match="one source per passage"):
        FaissBm25Backend(four, lexical, views, SOURCES[:3])


def test_write_then_read_verified(tmp_path: Path) -> None:
    backend, vectors, _ = _default()
    entry = backend.write(tmp_path)
    assert entry == {"kind": "flat", "count": 4}
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert {"dense.faiss", *(f"views/{view}.npy" for view in VIEWS)} <= set(names)
    assert any(n.startswith("bm25/") for n in names)
    assert not (tmp_path / "sentences.npy").exists() and not (tmp_path / "windows.npy").exists()
    manifest = {"dense": entry, "files": storage.checksums(tmp_path)}
    read: list[str] = []

    def verified(name: str) -> bytes:
        read.append(name)
        return storage.verified_bytes(tmp_path, name, manifest)

    again = FaissBm25Backend.read(tmp_path, manifest, verified, SOURCES)
    assert sorted(read) == names  # every file checked, the BM25 ones too
    assert (
        again.dense_search(vectors[1], 4).ids.tolist()
        == backend.dense_search(vectors[1], 4).ids.tolist()
    )
    terms = tokenize("caméras Paris")
    assert (
        again.lexical_search(terms, 4).ids.tolist() == backend.lexical_search(terms, 4).ids.tolist()
    )
    rows = np.arange(6)
    for view in VIEWS:
        assert np.array_equal(again.vectors(view, rows), backend.vectors(view, rows)), view
    bm25 = next(tmp_path.joinpath("bm25").iterdir())
    bm25.write_bytes(bm25.read_bytes() + b" ")
    with pytest.raises(IndexDamagedError, match="checksum"):
        FaissBm25Backend.read(tmp_path, manifest, verified, SOURCES)


def test_restricted_search_matches_numpy_filtering() -> None:
    """The source filter against brute force: the best rows of the chosen documents only,
    in the unrestricted order, scores unchanged."""
    backend, vectors, _ = _default(5)
    query = vectors[0] + 0.3 * vectors[2]
    query /= np.linalg.norm(query)
    for sources in ({"a.txt"}, {"b.txt", "c.txt"}, {"nothing.txt"}):
        inside = np.array([s in sources for s in SOURCES])
        scores = vectors @ query
        expected = [int(i) for i in np.argsort(-scores, kind="stable") if inside[i]][:2]
        hits = backend.dense_search(query, 2, sources)
        assert hits.ids.tolist() == expected
        np.testing.assert_allclose(hits.scores, scores[expected], rtol=1e-5)
        terms = tokenize("caméras Belgrade Paris Milipol")
        every = backend.lexical.scores(terms)
        best = [int(i) for i in np.argsort(-every, kind="stable") if inside[i] and every[i] > 0]
        words = backend.lexical_search(terms, 3, sources)
        assert words.ids.tolist() == best[:3]
        np.testing.assert_allclose(words.scores, every[best[:3]], rtol=1e-6)


def test_an_incomplete_engine_is_not_a_backend() -> None:
    class NoVectors:
        name = "partial"
        size = 0

        def dense_search(self, vector: np.ndarray, k: int) -> DenseHits: ...

        def lexical_search(self, terms: Sequence[str], k: int) -> LexicalHits: ...

    assert not isinstance(NoVectors(), SearchBackend)  # the second stage's vectors are missing

    class OldProtocol(NoVectors):  # format 3's two vector reads, no views
        def sentence_vectors(self, rows: np.ndarray) -> np.ndarray: ...

        def window_vectors(self, rows: np.ndarray) -> np.ndarray: ...

        def passage_vectors(self, rows: np.ndarray) -> np.ndarray: ...

    assert not isinstance(OldProtocol(), SearchBackend)
