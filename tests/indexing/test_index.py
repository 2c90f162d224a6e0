"""Index build/save/load: manifest, checksums verified before parsing, staleness, mismatch,
atomic replacement, reuse of known vectors, and deterministic bytes (format 3)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TINY, FakeEmbedder, write_corpus

from survqa.analysis import tokenize
from survqa.documents.loading import load_seeds
from survqa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError
from survqa.indexing import index as index_module
from survqa.indexing import storage
from survqa.indexing.backend import FaissBm25Backend
from survqa.indexing.dense import DenseIndex
from survqa.indexing.lexical import LexicalIndex
from survqa.indexing.sentences import window_text
from survqa.records import Document
from survqa.settings import Settings


def _build(corpus: Path, target: Path, embedder: Any, settings: Settings | None = None) -> None:
    index_module.build(load_seeds(corpus), embedder, settings or Settings(), target)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_writes_plain_files_and_manifest(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    names = sorted(files_of(target))
    for name in ("manifest.json", "passages.jsonl", "sentences.jsonl", "dense.faiss",
                 "sentences.npy", "windows.npy"):  # fmt: skip
        assert name in names
    assert any(n.startswith("bm25/") for n in names)
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == index_module.FORMAT_VERSION == 3
    assert manifest["embedder"] == {"name": fake_embedder.name, "dim": fake_embedder.dim}
    assert manifest["settings"] == Settings().index_config()
    assert manifest["backend"] == "faiss" and manifest["dense"] == {"kind": "flat", "count": 5}
    assert manifest["counts"] == {"passages": 5, "sentences": 9}
    documents = manifest["corpus"]["documents"]
    assert [(d["source"], d["passages"]) for d in documents] == [("a.txt", 3), ("b.txt", 2)]
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert index_module.check(target) == []
    assert not list(tmp_path.glob(".index.tmp-*"))


def test_rows_align_across_passages_faiss_bm25_and_sentences(
    tiny_corpus, tmp_path, fake_embedder
) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    loaded = index_module.load(target, fake_embedder)
    backend = loaded.backend
    assert isinstance(backend, FaissBm25Backend)
    assert backend.size == len(loaded.passages) == backend.lexical.size
    for row, passage in enumerate(loaded.passages):
        vector = fake_embedder.embed_passages([passage.text])[0]
        assert backend.dense_search(vector, 1).ids[0] == row
        assert backend.lexical_search(tokenize(passage.text), 1).ids[0] == row
    table = loaded.sentences
    assert len(table) == backend.sentence_count == sum(len(p.sentences) for p in loaded.passages)
    rows = np.arange(len(table))
    expected = fake_embedder.embed_passages(table.texts)
    np.testing.assert_allclose(backend.sentence_vectors(rows), expected)
    windows = fake_embedder.embed_passages([window_text(table.rows, j) for j in rows])
    np.testing.assert_allclose(backend.window_vectors(rows), windows)
    for j, sentence in enumerate(table.rows):
        assert loaded.passages[sentence.passage].sentences.count(table.spans[j]) == 1
    assert loaded.corpus_hash == loaded.manifest["corpus"]["hash"]


def test_missing_index_is_reported(tmp_path, fake_embedder) -> None:
    with pytest.raises(IndexMissingError, match="survqa index"):
        index_module.load(tmp_path / "nothing", fake_embedder)


def test_other_model_dim_or_format_is_a_mismatch(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    other = type(fake_embedder)()
    other.name = "fake:other-model"
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        index_module.load(target, other)
    wider = type(fake_embedder)()
    wider.dim = 128
    with pytest.raises(IndexMismatchError, match="dim 64"):
        index_module.load(target, wider)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="format"):
        index_module.load(target, fake_embedder)


VICTIMS = ["dense.faiss", "passages.jsonl", "sentences.jsonl", "sentences.npy", "windows.npy"]


@pytest.mark.parametrize("victim", VICTIMS)
def test_damaged_files_are_detected_before_parsing(
    tiny_corpus, tmp_path, fake_embedder, victim
) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    data = bytearray((target / victim).read_bytes())
    data[len(data) // 2] ^= 0x40
    (target / victim).write_bytes(bytes(data))
    with pytest.raises(IndexDamagedError, match="checksum"):
        index_module.load(target, fake_embedder)
    assert index_module.check(target)
    (target / victim).write_bytes(bytes(data[: len(data) // 3]))
    with pytest.raises(IndexDamagedError):
        index_module.load(target, fake_embedder)
    os.remove(target / victim)
    with pytest.raises(IndexDamagedError, match="missing"):
        index_module.load(target, fake_embedder)


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("victim", [*VICTIMS, "bm25"])
def test_checksums_are_verified_before_any_parser_runs(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, victim: str
) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, FakeEmbedder())
    parsed: list[str] = []
    monkeypatch.setattr(index_module.Passage, "from_dict", lambda *a: parsed.append("json"))
    monkeypatch.setattr(index_module, "from_jsonl", lambda *a: parsed.append("sentences") or [])
    monkeypatch.setattr(DenseIndex, "from_bytes", classmethod(lambda *a: parsed.append("faiss")))
    monkeypatch.setattr(np, "load", lambda *a, **k: parsed.append("npy"))
    monkeypatch.setattr(LexicalIndex, "load", classmethod(lambda *a: parsed.append("bm25")))
    name = sorted((target / "bm25").iterdir())[0] if victim == "bm25" else target / victim
    flip(name)
    with pytest.raises(IndexDamagedError, match="checksum"):
        index_module.load(target, FakeEmbedder())
    order = ["json", "sentences", "faiss", "npy", "bm25"]
    stop = {"passages.jsonl": 0, "sentences.jsonl": 1, "dense.faiss": 2, "sentences.npy": 3}
    assert set(parsed) <= set(order[: stop.get(victim, 4)])


def test_tables_that_disagree_are_damage(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    lines = (target / "passages.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "passages.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    manifest = storage.read_manifest(target)
    manifest["files"] = storage.checksums(target)  # consistent checksums, inconsistent rows
    storage.write_json(target / storage.MANIFEST, manifest)
    with pytest.raises(IndexDamagedError, match="row counts disagree"):
        index_module.load(target, fake_embedder)


def test_check_reports_what_is_wrong(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    assert index_module.check(target) == [f"no index in {target}"]
    _build(tiny_corpus, target, fake_embedder)
    flip(target / "dense.faiss")
    manifest = storage.read_manifest(target)
    for name in [n for n in manifest["files"] if n.startswith("bm25/")] + ["passages.jsonl"]:
        del manifest["files"][name]
    manifest["format_version"] = 2
    storage.write_json(target / storage.MANIFEST, manifest)
    assert index_module.check(target) == [
        "dense.faiss: missing or checksum mismatch",
        "passages.jsonl: not listed in the manifest",
        "bm25/: not listed in the manifest",
        "format 2 != 3",
    ]
    (target / storage.MANIFEST).write_text("{", encoding="utf-8")
    (problem,) = index_module.check(target)
    assert "unreadable" in problem and "--rebuild" in problem


@pytest.mark.xfail(
    strict=True,
    reason="src bug: index.REQUIRED_FILES lacks 'windows.npy', so `survqa index --check` "
    "passes an index that load() refuses (see the report of the tests/ reorganisation)",
)
def test_check_agrees_with_load_on_an_unlisted_file(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    for name in ("passages.jsonl", "sentences.jsonl", "dense.faiss", "sentences.npy",
                 "windows.npy"):  # fmt: skip
        manifest = storage.read_manifest(target)
        entry = manifest["files"].pop(name)
        storage.write_json(target / storage.MANIFEST, manifest)
        with pytest.raises(IndexDamagedError, match="lists no file"):
            index_module.load(target, fake_embedder)
        assert f"{name}: not listed in the manifest" in index_module.check(target)
        manifest["files"][name] = entry
        storage.write_json(target / storage.MANIFEST, manifest)


def test_staleness(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    manifest = index_module.load(target, fake_embedder).manifest
    documents = load_seeds(tiny_corpus)
    assert not index_module.is_stale(manifest, documents, Settings())
    assert not index_module.is_stale(manifest, documents, Settings(max_k=10, candidates=5))
    assert index_module.is_stale(manifest, documents, Settings(passage_words=50))
    assert index_module.is_stale(manifest, documents, Settings(dense_index="hnsw"))
    older_chunker = {**manifest, "chunker": manifest["chunker"] - 1}
    assert index_module.is_stale(older_chunker, documents, Settings())
    older_analysis = {**manifest, "analysis": manifest["analysis"] - 1}
    assert index_module.is_stale(older_analysis, documents, Settings())
    (tiny_corpus / "a.txt").write_text("Texte modifié. Tout autre chose.\n", encoding="utf-8")
    assert index_module.is_stale(manifest, load_seeds(tiny_corpus), Settings())


def test_rebuild_replaces_atomically(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    (target / "stray.txt").write_text("from the previous build", encoding="utf-8")
    _build(tiny_corpus, target, fake_embedder)
    assert not (target / "stray.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index")) in (
        [],
        [".index.lock"],
    )


def test_known_vectors_of_a_previous_index(tiny_corpus, tmp_path, fake_embedder) -> None:
    assert index_module.known_vectors(None) == {}
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    previous = index_module.load(target, fake_embedder)
    known = index_module.known_vectors(previous)
    rows = previous.sentences.rows
    texts = [p.text for p in previous.passages] + [s.text for s in rows]
    texts += [window_text(rows, j) for j in range(len(rows))]
    assert set(known) == set(texts)
    for text, vector in known.items():
        np.testing.assert_array_equal(vector, fake_embedder.embed_passages([text])[0])


def test_rebuild_with_known_vectors_embeds_only_new_text(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    _build(corpus, target, FakeEmbedder())
    known = index_module.known_vectors(index_module.load(target, FakeEmbedder()))
    new = Document("c.txt", "C", "Un nouveau document. Il parle de Lyon.\n")
    counting = FakeEmbedder()
    documents = [*load_seeds(corpus), new]
    index_module.build(documents, counting, Settings(), target, known)
    # the new document only: its passage, its two sentences, their window (the same text
    # as the passage, embedded once more by the window pass)
    assert counting.texts == 1 + 2 + 1
    scratch = tmp_path / "scratch"
    index_module.build(documents, FakeEmbedder(), Settings(), scratch)
    assert files_of(target) == files_of(scratch)  # reused vectors give the same bytes


def test_build_is_deterministic(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    documents = load_seeds(corpus)
    for name in ("one", "two"):
        index_module.build(documents, FakeEmbedder(), Settings(), tmp_path / name)
    one, two = files_of(tmp_path / "one"), files_of(tmp_path / "two")
    assert sorted(one) == sorted(two) and len(one) >= 8
    for name in one:
        assert one[name] == two[name], name


def test_seed_index_is_deterministic(seeds: list[Document], tmp_path: Path) -> None:
    for name in ("one", "two"):
        index_module.build(seeds, FakeEmbedder(), Settings(), tmp_path / name)
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
