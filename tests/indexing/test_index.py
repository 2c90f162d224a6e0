"""Index build/save/load: manifest, checksums verified before parsing, staleness, mismatch,
atomic replacement, reuse of a previous index's vectors and lexicon, and deterministic bytes
(format 4: six e5 views per sentence, lexicon.json)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TINY, FakeEmbedder, write_corpus

from survqa import translation
from survqa.analysis import tokenize
from survqa.documents.loading import load_seeds
from survqa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError
from survqa.indexing import index as index_module
from survqa.indexing import storage
from survqa.indexing.backend import FaissBm25Backend
from survqa.indexing.dense import DenseIndex
from survqa.indexing.lexical import LexicalIndex
from survqa.indexing.sentences import VIEWS, view_texts
from survqa.records import Document
from survqa.settings import Settings
from survqa.translation import Lexicon


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
    required = index_module.required_files(storage.read_manifest(target))
    assert required == (
        "passages.jsonl", "sentences.jsonl", "lexicon.json", "dense.faiss",
        "views/sentence.npy", "views/window.npy", "views/titled.npy",
        "views/titled_window.npy", "views/before.npy", "views/after.npy",
    )  # fmt: skip
    for name in ("manifest.json", *required):
        assert name in names
    assert any(n.startswith("bm25/") for n in names)
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)
    assert "sentences.npy" not in names and "windows.npy" not in names  # format 3's files
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == index_module.FORMAT_VERSION == 4
    assert manifest["embedder"] == {"name": fake_embedder.name, "dim": fake_embedder.dim}
    assert manifest["settings"] == Settings().index_config()
    assert manifest["backend"] == "faiss" and manifest["dense"] == {"kind": "flat", "count": 5}
    assert manifest["counts"] == {"passages": 5, "sentences": 9}
    documents = manifest["corpus"]["documents"]
    assert [(d["source"], d["title"], d["passages"]) for d in documents] == [
        ("a.txt", "Les caméras de Paris", 3), ("b.txt", "Belgrade et Huawei", 2),
    ]  # fmt: skip
    lexicon = json.loads((target / "lexicon.json").read_text(encoding="utf-8"))
    assert manifest["lexicon"] == {"dictionaries": lexicon["sources"]}
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert index_module.check(target) == []
    assert not list(tmp_path.glob(".index.tmp-*"))


def test_the_lexicon_is_restricted_to_the_corpus_terms(tiny_corpus, tmp_path, fake_embedder):
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    loaded = index_module.load(target, fake_embedder)
    vocabulary = {t for s in loaded.sentences.rows for t in s.terms}
    translated = {t for table in loaded.lexicon.table.values() for g in table.values() for t in g}
    assert translated <= vocabulary
    if "freedict-eng-fra" in loaded.lexicon.sources:  # Debian's dict-freedict-eng-fra
        assert "cam" in loaded.lexicon.group("cameras", "en")
        assert loaded.lexicon.table["en"]
    else:  # no dictionary installed: nothing to translate with
        assert loaded.lexicon.table == {} and loaded.lexicon.sources == ()
    assert loaded.lexicon.to_json() == json.loads((target / "lexicon.json").read_bytes())


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
    titles = loaded.titles()
    assert titles == ["Les caméras de Paris"] * 5 + ["Belgrade et Huawei"] * 4
    rows = np.arange(len(table))
    for view, texts in view_texts(table.rows, titles).items():
        np.testing.assert_allclose(backend.vectors(view, rows),
                                   fake_embedder.embed_passages(texts), err_msg=view)  # fmt: skip
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


VICTIMS = ["dense.faiss", "passages.jsonl", "sentences.jsonl", "lexicon.json",
           *(f"views/{view}.npy" for view in VIEWS)]  # fmt: skip


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
    fake_row = types.SimpleNamespace(source="a.txt", sentences=())
    monkeypatch.setattr(
        index_module.Passage, "from_dict", lambda *a: parsed.append("json") or fake_row
    )
    monkeypatch.setattr(index_module, "from_jsonl", lambda *a: parsed.append("sentences") or [])
    monkeypatch.setattr(Lexicon, "from_json", classmethod(lambda *a: parsed.append("lexicon")))
    monkeypatch.setattr(DenseIndex, "from_bytes", classmethod(lambda *a: parsed.append("faiss")))
    monkeypatch.setattr(np, "load", lambda *a, **k: parsed.append("npy"))
    monkeypatch.setattr(LexicalIndex, "load", classmethod(lambda *a: parsed.append("bm25")))
    name = sorted((target / "bm25").iterdir())[0] if victim == "bm25" else target / victim
    flip(name)
    with pytest.raises(IndexDamagedError, match="checksum"):
        index_module.load(target, FakeEmbedder())
    # files are read in this order; a damaged one stops the load before its own parser and
    # every later one (the views are read one after the other, the first view first)
    order = ["json", "sentences", "lexicon", "faiss", "npy", "bm25"]
    stop = {"passages.jsonl": 0, "sentences.jsonl": 1, "lexicon.json": 2, "dense.faiss": 3,
            "views/sentence.npy": 4}  # fmt: skip
    assert set(parsed) <= set(order[: stop.get(victim, 5)])
    assert "bm25" not in parsed


def test_tables_that_disagree_are_damage(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    lines = (target / "passages.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "passages.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    manifest = storage.read_manifest(target)
    manifest["files"] = storage.checksums(target)  # consistent checksums, inconsistent rows
    storage.write_json(target / storage.MANIFEST, manifest)
    with pytest.raises(IndexDamagedError, match=r"row counts disagree|one source per passage row"):
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
        "format 2 != 4",
    ]
    (target / storage.MANIFEST).write_text("{", encoding="utf-8")
    (problem,) = index_module.check(target)
    assert "unreadable" in problem and "--rebuild" in problem


def test_check_agrees_with_load_on_an_unlisted_file(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    for name in index_module.required_files(storage.read_manifest(target)):
        manifest = storage.read_manifest(target)
        entry = manifest["files"].pop(name)
        storage.write_json(target / storage.MANIFEST, manifest)
        with pytest.raises(IndexDamagedError, match="lists no file"):
            index_module.load(target, fake_embedder)
        assert f"{name}: not listed in the manifest" in index_module.check(target)
        manifest["files"][name] = entry
        storage.write_json(target / storage.MANIFEST, manifest)
    assert index_module.check(target) == []


def test_staleness(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    manifest = index_module.load(target, fake_embedder).manifest
    documents = load_seeds(tiny_corpus)
    assert not index_module.is_stale(manifest, documents, Settings(), target)
    assert not index_module.is_stale(manifest, documents, Settings(max_k=10, candidates=5), target)
    assert index_module.is_stale(manifest, documents, Settings(passage_words=50), target)
    assert index_module.is_stale(manifest, documents, Settings(dense_index="hnsw"), target)
    assert index_module.is_stale(manifest, documents, Settings(backend="milvus"), target)
    as_milvus = {**manifest, "backend": "milvus", "dense": {"uri": "/elsewhere/m.db"}}
    assert index_module.is_stale(as_milvus, documents, Settings(backend="milvus"), target)
    here = index_module.milvus_uri(Settings(backend="milvus"), target)
    assert here == str(tmp_path / "index.milvus.db")
    as_milvus["dense"] = {"uri": here}
    assert not index_module.is_stale(as_milvus, documents, Settings(backend="milvus"), target)
    assert index_module.is_stale(as_milvus, documents, Settings(), target)
    older_chunker = {**manifest, "chunker": manifest["chunker"] - 1}
    assert index_module.is_stale(older_chunker, documents, Settings(), target)
    older_analysis = {**manifest, "analysis": manifest["analysis"] - 1}
    assert index_module.is_stale(older_analysis, documents, Settings(), target)
    retitled = [dataclasses.replace(documents[0], title="Autre titre"), documents[1]]
    assert index_module.is_stale(manifest, retitled, Settings(), target)  # titles are embedded
    assert index_module.is_stale(manifest, documents[:1], Settings(), target)
    (tiny_corpus / "a.txt").write_text("Texte modifié. Tout autre chose.\n", encoding="utf-8")
    assert index_module.is_stale(manifest, load_seeds(tiny_corpus), Settings(), target)


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
    texts = {p.text for p in previous.passages}
    for view_text in view_texts(previous.sentences.rows, previous.titles()).values():
        texts |= set(view_text)
    assert set(known) == texts
    assert "Les caméras de Paris : En Europe, Paris compte 56 000 caméras." in known  # titled
    for text, vector in known.items():
        np.testing.assert_array_equal(vector, fake_embedder.embed_passages([text])[0])


def test_rebuild_with_a_previous_index_embeds_only_new_text(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    _build(corpus, target, FakeEmbedder())
    previous = index_module.load(target, FakeEmbedder())
    new = Document("c.txt", "C", "Un nouveau document. Il parle de Lyon.\n")
    counting = FakeEmbedder()
    documents = [*load_seeds(corpus), new]
    index_module.build(documents, counting, Settings(), target, previous=previous)
    # the new document only, each embedding pass on its own (a text new to the index is
    # embedded once in each pass that needs it): its passage (1); the views of its two
    # sentences "Un nouveau document." (s1) and "Il parle de Lyon." (s2): sentence s1, s2
    # (2); window s1+s2 for both (1); titled "C : s1", "C : s2" (2); titled_window
    # "C : s1 s2" (1); before s1, s1+s2 (2); after s1+s2, s2 (2)
    assert counting.texts == 1 + 2 + 1 + 2 + 1 + 2 + 2
    scratch = tmp_path / "scratch"
    index_module.build(documents, FakeEmbedder(), Settings(), scratch)
    assert files_of(target) == files_of(scratch)  # reused vectors give the same bytes


def test_a_retitled_document_re_embeds_only_its_titled_views(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    _build(corpus, target, FakeEmbedder())
    previous = index_module.load(target, FakeEmbedder())
    documents = load_seeds(corpus)
    documents[1] = dataclasses.replace(documents[1], title="Huawei à Belgrade")
    counting = FakeEmbedder()
    index_module.build(documents, counting, Settings(), target, previous=previous)
    # b.txt has 4 sentences: a heading alone, then three in one paragraph; titled: 4 texts,
    # titled_window: the heading's and three windows of 2, 3 and 2 sentences, all distinct
    assert counting.texts == 4 + 4
    assert index_module.load(target, FakeEmbedder()).titles()[-1] == "Huawei à Belgrade"


def test_without_dictionaries_the_previous_lexicon_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    table = {"en": {"camera": frozenset({"cam"}), "ship": frozenset({"navir"})}}
    found = Lexicon(table, tokenize, {}, ("freedict-x",))
    monkeypatch.setattr(translation, "build_lexicon", lambda french, vocabulary: found)
    _build(corpus, target, FakeEmbedder())
    previous = index_module.load(target, FakeEmbedder())
    assert previous.lexicon.table == table  # as built (not restricted by this stand-in)
    monkeypatch.setattr(translation, "build_lexicon",
                        lambda french, vocabulary: Lexicon({}, french))  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="survqa.indexing.index"):
        index_module.build(load_seeds(corpus), FakeEmbedder(), Settings(), target, previous)
    assert "reusing the previous index's translations" in caplog.text
    kept = index_module.load(target, FakeEmbedder())
    assert kept.lexicon.table == {"en": {"camera": frozenset({"cam"})}}  # "navir": not a term
    assert kept.lexicon.sources == ("freedict-x",)
    assert kept.manifest["lexicon"] == {"dictionaries": ["freedict-x"]}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="survqa.indexing.index"):
        index_module.build(load_seeds(corpus), FakeEmbedder(), Settings(), tmp_path / "bare")
    assert "no FreeDict dictionary found" in caplog.text
    assert index_module.load(tmp_path / "bare", FakeEmbedder()).lexicon.table == {}


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
