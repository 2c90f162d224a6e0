"""Correctness of the large-corpus index types (HNSW, IVF-SQ8 with refinement) on large
synthetic sets and on the seeds' own vectors. The search-backend protocol is tested in
tests/indexing/test_backend.py, the choice of index type by size in tests/indexing/test_dense.py.

No wall-clock assertions: timings live in benchmarks/ and docs/benchmarks.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import INDEX as INDEX_DIR

from survqa.indexing.dense import DenseIndex


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
    recall = _recall_at_10(
        DenseIndex.build(vectors, kind), DenseIndex.build(vectors, "flat"), queries
    )
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
        streamed.add(vectors[start : start + 1_000])
    whole = DenseIndex.build(vectors, "ivfsq")
    queries = _clustered(10, 32, 6)
    assert np.array_equal(streamed.search_many(queries, 10)[1], whole.search_many(queries, 10)[1])


def _seed_vectors() -> tuple[np.ndarray, np.ndarray]:
    # the committed index (format 4: one file per view); never skipped: it is in the repository
    dense_file, sentences_file = INDEX_DIR / "dense.faiss", INDEX_DIR / "views" / "sentence.npy"
    assert dense_file.is_file() and sentences_file.is_file()
    flat = DenseIndex.from_bytes(dense_file.read_bytes(), "flat")
    passages = np.stack([flat.vector(row) for row in range(flat.size)])
    queries = np.load(sentences_file, allow_pickle=False).astype(np.float32)
    return passages, queries


@pytest.mark.parametrize("kind", ["ivfsq", "hnsw"])
def test_ann_results_equal_exact_results_on_the_seeds(kind: str) -> None:
    """Every sentence vector of the seeds as a query: the ANN index returns the same
    top 30 in the same order as exact search (retrieval asks for Settings.candidates = 400,
    every passage of the seeds; 30 of 80 makes the order of the ANN search matter)."""
    passages, queries = _seed_vectors()
    exact, approx = DenseIndex.build(passages, "flat"), DenseIndex.build(passages, kind)
    for query in queries:
        want, got = exact.search(query, 30), approx.search(query, 30)
        assert len(set(got.ids.tolist())) == len(want.ids) == 30
        np.testing.assert_allclose(got.scores, want.scores, atol=2e-3)
        # rank by rank, the row returned has the exact score of the true row at that rank:
        # the same rows in the same order, except exact near-ties (≤ 1e-4 apart: float16)
        np.testing.assert_allclose(passages[got.ids] @ query, want.scores, atol=1e-4)


def test_scale_plan_puts_both_backends_side_by_side_per_size() -> None:
    from benchmarks import scale

    faiss_only = scale.plan([100_000, 1_000_000], hnsw_1m=False)
    assert {s["what"] for s in faiss_only} == {"dense", "bm25"}
    both = scale.plan([100_000, 1_000_000], hnsw_1m=False, backends=("faiss", "milvus"))
    assert [s for s in both if not s["what"].startswith("milvus")] == faiss_only
    milvus = [s for s in both if s["what"].startswith("milvus")]
    # survqa's own choice at each size (HNSW at 100k, IVF_SQ8 at 1M) and BM25, in budget
    assert {(s["n"], s["kind"]) for s in milvus if "engine" not in s} == {
        (100_000, "hnsw"), (100_000, "flat"), (100_000, "sparse"),
        (1_000_000, "ivfsq"), (1_000_000, "sparse"),
    }  # fmt: skip
    assert all(0 < s["budget"] <= 1_500 for s in milvus)
    # each size's Milvus children run right after that size's FAISS children
    sizes = [s["n"] for s in both]
    assert sizes == sorted(sizes)


def test_scale_rows_keep_what_a_stopped_milvus_child_measured() -> None:
    from benchmarks import scale_milvus

    spec = {"what": "milvus dense", "n": 1_000_000, "kind": "ivfsq", "budget": 1_500}
    stopped = {"error": "timed out during insert", "inserted": 420_000, "rows_per_s": 4_000.4}
    row = scale_milvus.row(spec, stopped, "ivfsq (auto)")
    assert row[:4] == ["milvus-lite", "1,000,000", "dense", "ivfsq (auto)"]
    assert row[4:10] == ["—"] * 6
    assert row[10] == "timed out during insert; rows 420000; rows/s 4000"
    done = {"build_s": 12.34, "peak_mb": 2_104.2, "engine_peak_mb": 1_500.0, "bytes": 3 * 2**20}
    done |= {"p50": 8.0, "p95": 9.5, "recall": 0.9876, "engine_params": None, "insert_s": 5.0}
    row = scale_milvus.row({**spec, "engine": "server"}, done, "ivfsq (auto)")
    assert row[0] == "milvus-lite (own process)"
    assert row[4:10] == [
        "12.3 s",
        "app 2104 MB + engine 1500 MB",
        "3.00 MB",
        "8.00",
        "9.50",
        "0.988",
    ]
    assert "engine build params its defaults" in row[10]
    assert scale_milvus.row({"what": "bm25", "n": 10}, {"error": "failed"}, "bm25s")[0] == "faiss"


def test_milvus_scale_children_measure_a_small_corpus() -> None:
    """Both Milvus children end to end in their own process, on milvus-lite."""
    pytest.importorskip("milvus_lite")
    from benchmarks import scale
    from survqa.indexing import dense

    for spec in ({"what": "milvus dense", "n": 3_000, "kind": "hnsw"},
                 {"what": "milvus bm25", "n": 3_000, "kind": "sparse"}):  # fmt: skip
        out = scale.child(spec, timeout=300)
        assert "error" not in out, out
        assert out["recall"] >= 0.9 and out["p50"] > 0 and out["p50_wide"] > 0
        assert out["peak_mb"] > out["client_mb"] > 0 and out["build_s"] > out["insert_s"] > 0
        if "dense" in spec["what"]:  # survqa's HNSW parameters reach the engine
            hnsw = {"M": dense.HNSW_NEIGHBOURS, "efConstruction": dense.HNSW_EF_CONSTRUCTION}
            assert out["engine_params"] == hnsw
    assert out["k"] == 30 and out["k_wide"] == 400  # BM25 at 30 and at Settings.candidates
