"""The Milvus backend against a real engine: milvus-lite (a file per test), or the Milvus
server that ``SURVQA_MILVUS_URI`` points at (the same tests; each drops what it created).

Nothing is mocked: the collections are created, filled, searched, damaged and dropped in
the engine, and every search is compared with the FAISS + bm25s backend over the same rows.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    INDEX,
    SEEDS,
    TINY,
    FakeEmbedder,
    concurrent_equals_sequential,
    run_cli,
    write_corpus,
)
from sample_files import GRENOBLE, write

from benchmarks.backends import cited, decisions
from benchmarks.backends import questions as gold_and_fresh
from survqa.analysis import tokenize
from survqa.assistant import Assistant
from survqa.documents.loading import load_seeds
from survqa.errors import BackendError, IndexDamagedError
from survqa.indexing import index as index_module
from survqa.indexing import milvus, storage
from survqa.indexing.backend import FaissBm25Backend
from survqa.indexing.dense import DenseHits
from survqa.indexing.lexical import LexicalHits
from survqa.indexing.milvus import MilvusBackend
from survqa.indexing.sentences import VIEWS
from survqa.records import Answer
from survqa.search import fusion
from survqa.settings import Settings

QUESTIONS = [
    "Combien de caméras compte Paris ?",
    "Qui fournit les caméras de Belgrade ?",
    "Qu'est-ce que le crédit social ?",
    "What does Huawei sell to Serbia?",
    "¿Cuántas cámaras hay en China?",
    "Que se passe-t-il au Xinjiang ?",
    "reconnaissance faciale",
    "Combien de caméras compte Tokyo ?",
]


@pytest.fixture
def milvus_uri(tmp_path: Path) -> Iterator[str]:
    """A milvus-lite file, or the server of SURVQA_MILVUS_URI (its new collections dropped)."""
    uri = os.environ.get("SURVQA_MILVUS_URI") or str(tmp_path / "milvus.db")
    before = set(milvus.client(uri).list_collections())
    yield uri
    engine = milvus.client(uri)
    for name in set(engine.list_collections()) - before:
        engine.drop_collection(name)


def _pair(corpus: Path, tmp_path: Path, uri: str, **settings: object) -> tuple[Assistant, ...]:
    """The same corpus indexed by both backends (one fake embedder, so the same vectors)."""
    embedder = FakeEmbedder()
    made = []
    for backend in ("faiss", "milvus"):
        chosen = Settings(backend=backend, milvus_uri=uri, **settings)  # type: ignore[arg-type]
        assistant = Assistant(corpus, tmp_path / f"index-{backend}", settings=chosen,
                              embedder=embedder,
                              library_dir=tmp_path / f"library-{backend}")  # fmt: skip
        assistant.load()
        made.append(assistant)
    return tuple(made)


def _backends(pair: tuple[Assistant, ...]) -> tuple[FaissBm25Backend, MilvusBackend]:
    faiss_backend, milvus_backend = (a.corpus().index.backend for a in pair)
    assert isinstance(faiss_backend, FaissBm25Backend)
    assert isinstance(milvus_backend, MilvusBackend)
    return faiss_backend, milvus_backend


def _same_ranking(a: DenseHits | LexicalHits, b: DenseHits | LexicalHits) -> None:
    """The same scores in the same order, and the same rows up to exact ties (which the two
    engines break differently: the fake embedder gives many equal cosines)."""
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-5, atol=1e-6)
    if len(a.ids) == 0:
        assert len(b.ids) == 0
        return
    cut = float(a.scores[-1]) + 1e-5  # rows tied with the last one may differ
    head = [int(r) for r, s in zip(a.ids, a.scores, strict=True) if s > cut]
    assert len(head) >= len(a.ids) // 3
    assert {int(r) for r, s in zip(b.ids, b.scores, strict=True) if s > cut} == set(head)
    theirs = dict(zip(b.ids.tolist(), b.scores.tolist(), strict=True))
    for row, score in zip(a.ids.tolist(), a.scores.tolist(), strict=True):
        if row in theirs:
            assert theirs[row] == pytest.approx(score, rel=1e-5, abs=1e-6), row


def _same_fusion(
    backend: MilvusBackend, vector: np.ndarray, terms: list[str], within: set[str] | None
) -> None:
    """Milvus's RRF ranker gives survqa's reciprocal-rank fusion of the engine's two lists
    (exactly, for every row whose rank no exact tie makes ambiguous)."""
    dense, lexical = (
        backend.dense_search(vector, 40, within),
        backend.lexical_search(terms, 40, within),
    )
    expected = fusion.reciprocal_rank([dense.ids, lexical.ids], [1.0, 1.0], k=60)
    fused = backend.hybrid_search(vector, terms, 40, 60, within)
    assert fused.keys() == expected.keys()
    tied = {int(r) for hits in (dense, lexical) for r, s in zip(hits.ids, hits.scores, strict=True)
            if np.count_nonzero(np.isclose(hits.scores, s, rtol=0, atol=1e-6)) > 1}  # fmt: skip
    clear = [row for row in expected if row not in tied]
    assert len(clear) >= len(expected) / 2
    for row in clear:
        assert fused[row] == pytest.approx(expected[row], rel=1e-6), row


def _numbers(answer: Answer) -> np.ndarray:
    pairs = [(e.score, e.probability) for e in answer.excerpts]
    return np.asarray([answer.answerable, *(x for pair in pairs for x in pair)])


def same_excerpts(a: Answer, b: Answer) -> bool:
    """The same excerpts and answering sentences; scores and probabilities equal to 1e-4
    (the engines sum float32 products in another order)."""
    return cited(a) == cited(b) and bool(np.allclose(_numbers(a), _numbers(b), atol=1e-4))


def same_answer(a: Answer, b: Answer) -> bool:
    """:func:`same_excerpts`, and the same labels and abstention."""
    return same_excerpts(a, b) and decisions(a) == decisions(b)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def test_the_folder_keeps_tables_and_vocabulary_the_engine_the_vectors(
    tmp_path: Path, milvus_uri: str
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    _, on_milvus = _pair(corpus, tmp_path, milvus_uri)
    folder = on_milvus.index_dir
    names = set(files_of(folder))
    assert names == {"manifest.json", "passages.jsonl", "sentences.jsonl", "lexicon.json",
                     "milvus/vocabulary.json"}  # fmt: skip
    manifest = storage.read_manifest(folder)
    entry = manifest["dense"]
    assert manifest["backend"] == "milvus" and entry["uri"] == milvus_uri
    assert entry["kind"] == "flat" and entry["count"] == manifest["counts"]["passages"]
    engine = milvus.client(milvus_uri)
    assert set(entry["collections"].values()) <= set(engine.list_collections())
    assert index_module.check(folder) == []


def test_searches_equal_the_faiss_backend(tmp_path: Path, milvus_uri: str) -> None:
    """Exact search: the same rows and scores as FAISS + bm25s, restricted or not; the
    engine's RRF is survqa's; the stored vectors and the cosines are the same."""
    faiss_backend, milvus_backend = _backends(_pair(SEEDS, tmp_path, milvus_uri))
    embedder = FakeEmbedder()
    sources = {load_seeds(SEEDS)[1].source, load_seeds(SEEDS)[3].source}
    for question in QUESTIONS:
        vector, terms = embedder.embed_queries([question])[0], tokenize(question)
        for within in (None, sources):
            _same_ranking(faiss_backend.dense_search(vector, 40, within),
                          milvus_backend.dense_search(vector, 40, within))  # fmt: skip
            _same_ranking(faiss_backend.lexical_search(terms, 40, within),
                          milvus_backend.lexical_search(terms, 40, within))  # fmt: skip
            _same_fusion(milvus_backend, vector, terms, within)
        assert milvus_backend.hybrid_search(vector, ["zzqxw"], 40, 60) is None  # fused by survqa
        rows = np.arange(0, faiss_backend.sentence_count, 7)
        cosines = milvus_backend.view_cosines(rows, vector)
        for view, values in faiss_backend.view_cosines(rows, vector).items():
            np.testing.assert_allclose(cosines[view], values, rtol=1e-5, atol=1e-6)
    rows = np.array([5, 0, 5, 31])
    for view in VIEWS:
        assert np.array_equal(milvus_backend.vectors(view, rows), faiss_backend.vectors(view, rows))
    passages = np.arange(faiss_backend.size)
    assert np.array_equal(milvus_backend.passage_vectors(passages),
                          faiss_backend.passage_vectors(passages))  # fmt: skip


def test_answers_equal_the_faiss_backend(tmp_path: Path, milvus_uri: str) -> None:
    on_faiss, on_milvus = _pair(SEEDS, tmp_path, milvus_uri)
    one = [load_seeds(SEEDS)[2].source]
    for question in QUESTIONS:
        assert same_answer(on_milvus.ask(question, 5), on_faiss.ask(question, 5)), question
        restricted = on_milvus.ask(question, 3, sources=one)
        assert same_answer(restricted, on_faiss.ask(question, 3, sources=one)), question
        assert all(e.source == one[0] for e in restricted.excerpts)
    concurrent_equals_sequential(on_milvus, QUESTIONS)  # one client shared by 8 threads


def test_ann_index_is_built_and_close_to_exact(tmp_path: Path, milvus_uri: str) -> None:
    try:
        on_faiss, on_milvus = _pair(SEEDS, tmp_path, milvus_uri, dense_index="hnsw")
    except BackendError as exc:  # milvus-lite 2.x (the C++ engine's local mode): FLAT, IVF only
        assert "refused to build the index" in str(exc) and "'hnsw'" in str(exc)
        pytest.skip(f"this engine builds no HNSW index: {exc}")
    faiss_backend, milvus_backend = _backends((on_faiss, on_milvus))
    entry = storage.read_manifest(on_milvus.index_dir)["dense"]
    assert entry["kind"] == "hnsw" and entry["search_params"] == {"ef": 96}
    described = milvus.client(milvus_uri).describe_index(entry["collections"]["passages"], "dense")
    assert described["index_type"] == "HNSW"
    built_with = described.get("params") or described  # the build parameters reached the engine
    assert int(built_with["M"]) == 32 and int(built_with["efConstruction"]) == 80
    embedder = FakeEmbedder()
    for question in QUESTIONS:
        vector = embedder.embed_queries([question])[0]
        exact = set(faiss_backend.dense_search(vector, 10).ids.tolist())
        assert len(exact & set(milvus_backend.dense_search(vector, 10).ids.tolist())) >= 9


def test_add_then_remove_gives_back_the_same_folder_and_collections(
    tmp_path: Path, milvus_uri: str
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    _, assistant = _pair(corpus, tmp_path, milvus_uri)
    engine = milvus.client(milvus_uri)
    before, first = files_of(assistant.index_dir), set(engine.list_collections())
    (added,) = assistant.add(write(tmp_path / "in", "grenoble.md", GRENOBLE)).added
    found = assistant.ask("Le conseil municipal de Grenoble a voté l'interdiction", 3)
    assert added.source in {e.source for e in found.excerpts}
    entry = storage.read_manifest(assistant.index_dir)["dense"]
    now = set(engine.list_collections())
    assert set(entry["collections"].values()) <= now and not now & (first - now)
    assistant.remove(added.source)
    assert files_of(assistant.index_dir) == before
    assert set(engine.list_collections()) == first  # the added index's pair was dropped


def test_damaged_collections_are_reported_then_rebuilt(tmp_path: Path, milvus_uri: str) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    _, assistant = _pair(corpus, tmp_path, milvus_uri)
    folder, engine = assistant.index_dir, milvus.client(milvus_uri)
    names = storage.read_manifest(folder)["dense"]["collections"]
    row = engine.get(names["passages"], ids=[0], output_fields=["*"])[0]
    engine.upsert(names["passages"], [{**row, "paragraph": row["paragraph"] + 1}])
    assert index_module.check(folder) == [f"{names['passages']}: checksum mismatch"]
    engine.delete(names["views"], ids=[0])
    (problem,) = index_module.check(folder)
    assert names["views"] in problem and "rows" in problem and "--rebuild" in problem
    with pytest.raises(IndexDamagedError, match="rebuild"):
        index_module.load(folder, FakeEmbedder())
    engine.drop_collection(names["passages"])
    with pytest.raises(IndexDamagedError, match="has no collection"):
        index_module.load(folder, FakeEmbedder())
    fresh = Assistant(corpus, folder, settings=assistant.settings, embedder=FakeEmbedder(),
                      library_dir=tmp_path / "library-milvus")  # fmt: skip
    assert fresh.ask("Combien de caméras compte Paris ?", 1).excerpts  # rebuilt from the corpus
    assert index_module.check(folder) == []


def test_an_unreachable_server_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(milvus, "CONNECT_TIMEOUT", 2.0)
    nowhere = "http://127.0.0.1:9"
    corpus = write_corpus(tmp_path / "corpus", TINY)
    settings = Settings(backend="milvus", milvus_uri=nowhere)
    assistant = Assistant(corpus, tmp_path / "index", settings=settings, embedder=FakeEmbedder(),
                          library_dir=tmp_path / "library")  # fmt: skip
    with pytest.raises(BackendError, match=r"cannot reach Milvus at 'http://127\.0\.0\.1:9'"):
        assistant.load()
    monkeypatch.setattr("survqa.collection.collection.make_embedder", lambda m: FakeEmbedder())
    code, out, err = run_cli(capsys, "index", "--corpus", str(corpus), "--index",
                             str(tmp_path / "index"), "--library", str(tmp_path / "library"),
                             "--backend", "milvus", "--milvus-uri", nowhere)  # fmt: skip
    assert code == 1 and out == ""
    last = err.splitlines()[-1]
    assert last.startswith("survqa: cannot reach Milvus at 'http://127.0.0.1:9'")
    assert "--milvus-uri" in last and "Traceback" not in err


def test_without_pymilvus_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pymilvus", None)
    monkeypatch.setattr(milvus, "_clients", {})
    with pytest.raises(BackendError, match=r"pip install 'survqa\[milvus\]'"):
        milvus.client("/tmp/never.db")


def test_the_source_filter_escapes_names() -> None:
    assert milvus.source_filter(None) == ""
    expression = milvus.source_filter({'b"x\\.txt', "a.txt"})
    assert expression == 'source in ["a.txt", "b\\"x\\\\.txt"]'
    assert json.loads(expression.removeprefix("source in ")) == ["a.txt", 'b"x\\.txt']


@pytest.mark.slow
def test_gold_questions_get_the_same_excerpts_as_faiss(tmp_path: Path, milvus_uri: str) -> None:
    """The real model, the committed index's vectors, exact search: every gold question
    (all splits, the fresh one too) gets the same excerpts from both backends."""
    shutil.copytree(INDEX, tmp_path / "index")
    on_faiss = Assistant(index_dir=tmp_path / "index", library_dir=tmp_path / "library")
    on_milvus = Assistant(index_dir=tmp_path / "index-milvus", library_dir=tmp_path / "library",
                          settings=Settings(backend="milvus", milvus_uri=milvus_uri))  # fmt: skip
    shutil.copytree(INDEX, on_milvus.index_dir)  # its vectors are reused: nothing re-embedded
    questions = gold_and_fresh()
    pairs = {q: (on_milvus.ask(q, 5), on_faiss.ask(q, 5)) for q in questions}
    assert storage.read_manifest(on_milvus.index_dir)["backend"] == "milvus"
    assert len(questions) > 400
    assert [q for q, (a, b) in pairs.items() if not same_excerpts(a, b)] == []
    # a label or an abstention may flip only where a probability sits on its threshold to
    # within the float32 noise above (measured: 3 of 421 questions, docs/scaling.md)
    flipped = [q for q, (a, b) in pairs.items() if decisions(a) != decisions(b)]
    assert len(flipped) <= len(questions) // 100
