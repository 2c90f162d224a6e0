"""Correctness of the large-corpus index types and of the search-backend protocol.

No wall-clock assertions: timings live in benchmarks/ and docs/benchmarks.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from survqa.backend import FaissBm25Backend, SearchBackend
from survqa.dense import QUANTISE_THRESHOLD, DenseHits, DenseIndex, choose_kind
from survqa.lexical import LexicalHits, LexicalIndex

INDEX_DIR = Path(__file__).resolve().parents[1] / "index"


def _clustered(rows: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors around 40 fixed centres, each cluster spread along an 8-d subspace;
    ``seed`` draws the rows, so two seeds give two samples of one distribution."""
    shape = np.random.default_rng(0)
    centres = shape.normal(size=(40, dim))
    bases = shape.normal(size=(40, 8, dim)) / np.sqrt(8)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 40, rows)
    latent = rng.normal(size=(rows, 8))
    vectors = centres[labels] + np.einsum("nl,nld->nd", latent, bases[labels])
    vectors += 0.3 * rng.normal(size=(rows, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _recall_at_10(approx: DenseIndex, exact: DenseIndex, queries: np.ndarray) -> float:
    found = approx.search_many(queries, 10)[1]
    truth = exact.search_many(queries, 10)[1]
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))


@pytest.mark.parametrize("kind", ["ivfsq", "hnsw"])
def test_ann_index_reaches_recall_bar_on_synthetic_set(kind: str) -> None:
    vectors = _clustered(20_000, 64, 1)
    queries = _clustered(200, 64, 2)  # same distribution, not rows of the index
    recall = _recall_at_10(DenseIndex.build(vectors, kind), DenseIndex.build(vectors, "flat"),
                           queries)
    assert recall >= 0.95


def test_ivfsq_round_trip_keeps_search_parameters_and_vectors() -> None:
    vectors = _clustered(5_000, 32, 3)
    index = DenseIndex.build(vectors, "ivfsq")
    again = DenseIndex.from_bytes(index.to_bytes(), "ivfsq")
    queries = _clustered(20, 32, 4)
    assert np.array_equal(again.search_many(queries, 10)[1], index.search_many(queries, 10)[1])
    assert again.size == 5_000 and again.dim == 32 and again.kind == "ivfsq"
    np.testing.assert_allclose(again.vector(17), vectors[17], atol=2e-3)  # float16 copy


def test_streamed_build_equals_one_shot_build() -> None:
    vectors = _clustered(3_000, 32, 5)
    streamed = DenseIndex.create(32, "ivfsq", vectors, len(vectors))
    for start in range(0, len(vectors), 1_000):
        streamed.add(vectors[start:start + 1_000])
    whole = DenseIndex.build(vectors, "ivfsq")
    queries = _clustered(10, 32, 6)
    assert np.array_equal(streamed.search_many(queries, 10)[1], whole.search_many(queries, 10)[1])


def test_choose_kind_follows_size() -> None:
    assert choose_kind(132) == "flat"
    assert choose_kind(49_999, "auto", 50_000) == "flat"
    assert choose_kind(50_000, "auto", 50_000) == "hnsw"
    assert choose_kind(QUANTISE_THRESHOLD, "auto", 50_000) == "ivfsq"
    assert choose_kind(1_000_000, "auto", 200_000) == "ivfsq"
    assert choose_kind(10, "ivfsq", 50_000) == "ivfsq"
    with pytest.raises(ValueError, match="dense_index"):
        choose_kind(10, "ivfpq", 50_000)
    with pytest.raises(ValueError, match="kind"):
        DenseIndex.create(8, "annoy")
    with pytest.raises(ValueError, match="training"):
        DenseIndex.create(8, "ivfsq")


def _seed_vectors() -> tuple[np.ndarray, np.ndarray]:
    dense_file, sentences_file = INDEX_DIR / "dense.faiss", INDEX_DIR / "sentences.npy"
    if not (dense_file.is_file() and sentences_file.is_file()):
        pytest.skip("no built index/ in the repository")
    flat = DenseIndex.from_bytes(dense_file.read_bytes(), "flat")
    passages = np.stack([flat.vector(row) for row in range(flat.size)])
    queries = np.load(sentences_file, allow_pickle=False).astype(np.float32)
    return passages, queries


@pytest.mark.parametrize("kind", ["ivfsq", "hnsw"])
def test_ann_results_equal_exact_results_on_the_seeds(kind: str) -> None:
    """Every sentence vector of the seeds as a query: the ANN index returns the same
    candidate pool (top 30, as retrieval asks for) in the same order as exact search."""
    passages, queries = _seed_vectors()
    exact, approx = DenseIndex.build(passages, "flat"), DenseIndex.build(passages, kind)
    for query in queries:
        want, got = exact.search(query, 30), approx.search(query, 30)
        assert len(set(got.ids.tolist())) == len(want.ids) == 30
        np.testing.assert_allclose(got.scores, want.scores, atol=2e-3)
        # rank by rank, the row returned has the exact score of the true row at that rank:
        # the same rows in the same order, except exact near-ties (≤ 1e-4 apart: float16)
        np.testing.assert_allclose(passages[got.ids] @ query, want.scores, atol=1e-4)


class BruteForceBackend:
    """A stand-in for an external engine: numpy search, no FAISS, no bm25s."""

    def __init__(self, vectors: np.ndarray, texts: list[str]) -> None:
        self.vectors, self.texts = vectors, texts

    @property
    def size(self) -> int:
        return len(self.texts)

    def dense_search(self, vector: np.ndarray, k: int) -> DenseHits:
        scores = self.vectors @ vector
        top = np.argsort(-scores, kind="stable")[:k]
        return DenseHits(top.astype(np.int64), scores[top])

    def lexical_search(self, text: str, k: int) -> LexicalHits:
        words = set(re.findall(r"\w+", text.lower()))
        scores = np.array([len(words & set(re.findall(r"\w+", t.lower()))) for t in self.texts],
                          np.float32)
        top = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
        return LexicalHits(np.asarray(top, dtype=np.int64), scores[top])


TEXTS = [
    "Paris compte 56 000 caméras de surveillance.",
    "Huawei a installé des caméras à Belgrade.",
    "Le crédit social note les citoyens chinois.",
    "Le salon Milipol expose des technologies de sécurité.",
]


def test_faiss_bm25_backend_wraps_the_index_parts() -> None:
    vectors = _clustered(len(TEXTS), 16, 7)
    dense, lexical = DenseIndex.build(vectors, "flat"), LexicalIndex.build(TEXTS)
    backend = FaissBm25Backend(dense, lexical)
    assert isinstance(backend, SearchBackend)
    assert backend.size == 4 and backend.kind == "flat"
    hits = backend.dense_search(vectors[2], 2)
    assert hits.ids.tolist() == dense.search(vectors[2], 2).ids.tolist()
    assert hits.ids[0] == 2
    words = backend.lexical_search("caméras à Belgrade", 3)
    assert words.ids[0] == 1
    assert words.ids.tolist() == lexical.search("caméras à Belgrade", 3).ids.tolist()
    assert backend.lexical_search("zzz inconnu", 3).ids.size == 0


def test_backend_parts_must_index_the_same_rows() -> None:
    with pytest.raises(ValueError, match="same passage table"):
        FaissBm25Backend(DenseIndex.build(_clustered(3, 8, 8), "flat"), LexicalIndex.build(TEXTS))


def test_another_engine_is_a_drop_in() -> None:
    vectors = _clustered(len(TEXTS), 16, 9)
    external: SearchBackend = BruteForceBackend(vectors, TEXTS)
    default: SearchBackend = FaissBm25Backend(DenseIndex.build(vectors, "flat"),
                                              LexicalIndex.build(TEXTS))
    assert isinstance(external, SearchBackend)
    for backend in (external, default):
        assert backend.dense_search(vectors[3], 1).ids.tolist() == [3]
        assert backend.lexical_search("Belgrade", 1).ids.tolist() == [1]
