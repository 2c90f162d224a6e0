"""FAISS search compared with numpy brute force; the index type chosen by size.

The recall of the approximate index types on large sets is in tests/test_scale.py.
"""

import numpy as np
import pytest

from survqa.indexing.dense import (
    QUANTISE_THRESHOLD,
    DenseIndex,
    choose_kind,
    ivf_lists,
    ivf_probes,
)


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_flat_search_equals_brute_force() -> None:
    vectors, queries = _unit(500, 32, 1), _unit(20, 32, 2)
    index = DenseIndex.build(vectors, "flat")
    for query in queries:
        hits = index.search(query, 10)
        expected = np.argsort(-(vectors @ query), kind="stable")[:10]
        assert hits.ids.tolist() == expected.tolist()
        np.testing.assert_allclose(hits.scores, (vectors @ query)[expected], rtol=1e-5)


def test_k_larger_than_index_never_returns_minus_one() -> None:
    index = DenseIndex.build(_unit(3, 8, 3), "flat")
    hits = index.search(_unit(1, 8, 4)[0], 50)
    assert sorted(hits.ids.tolist()) == [0, 1, 2]
    assert index.search(_unit(1, 8, 4)[0], 0).ids.size == 0


def test_hnsw_recall_at_10_on_clustered_vectors() -> None:
    rng = np.random.default_rng(5)
    centres = _unit(50, 48, 6)
    vectors = centres[rng.integers(0, 50, 5000)] + 0.3 * rng.normal(size=(5000, 48))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    queries = vectors[rng.integers(0, 5000, 100)] + 0.05 * rng.normal(size=(100, 48)).astype(
        np.float32
    )
    exact, approx = DenseIndex.build(vectors, "flat"), DenseIndex.build(vectors, "hnsw")
    recall = np.mean(
        [
            len(set(exact.search(q, 10).ids.tolist()) & set(approx.search(q, 10).ids.tolist())) / 10
            for q in queries.astype(np.float32)
        ]
    )
    assert recall >= 0.95


def test_round_trip_through_bytes() -> None:
    vectors = _unit(40, 16, 7)
    index = DenseIndex.build(vectors, "flat")
    again = DenseIndex.from_bytes(index.to_bytes(), "flat")
    query = _unit(1, 16, 8)[0]
    assert again.search(query, 5).ids.tolist() == index.search(query, 5).ids.tolist()
    assert again.size == 40 and again.dim == 16


def test_stored_vectors_are_exact_for_flat_and_hnsw() -> None:
    vectors = _unit(30, 16, 9)
    for kind in ("flat", "hnsw"):
        index = DenseIndex.build(vectors, kind)
        assert np.array_equal(index.vector(7), vectors[7]) and index.vector(7).dtype == np.float32


def test_choose_kind_by_size() -> None:
    assert choose_kind(10, "auto", 100) == "flat"
    assert choose_kind(1000, "auto", 100) == "hnsw"
    assert choose_kind(10, "hnsw", 100) == "hnsw"
    with pytest.raises(ValueError):
        choose_kind(10, "ivf", 100)
    # the defaults, and the thresholds at their edges
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


def test_ivf_lists_and_probes() -> None:
    assert ivf_lists(1_000_000) == 4000  # 4·√n
    assert ivf_lists(10) == 1 and ivf_lists(0) == 1
    assert ivf_lists(390) == 10  # at least 39 training points a list
    assert ivf_probes(4000) == 100 and ivf_probes(100) == 16 and ivf_probes(5) == 5
