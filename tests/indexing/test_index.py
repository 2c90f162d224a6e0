"""Index build/save/load: manifest, checksums, staleness, mismatch, atomic writes."""

import json
import os
from pathlib import Path

import pytest

from survqa import index as index_module
from survqa.corpus import load_documents
from survqa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError
from survqa.settings import Settings


def _build(corpus: Path, target: Path, embedder, settings: Settings | None = None) -> None:
    index_module.build(load_documents(corpus), embedder, settings or Settings(), target)


def test_build_writes_plain_files_and_manifest(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    names = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert "manifest.json" in names and "passages.jsonl" in names and "dense.faiss" in names
    assert "sentences.npy" in names and any(n.startswith("bm25/") for n in names)
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == index_module.FORMAT_VERSION
    assert manifest["embedder"] == {"name": fake_embedder.name, "dim": fake_embedder.dim}
    assert manifest["settings"] == Settings().index_config()
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert index_module.check(target) == []
    assert not list(tmp_path.glob(".index.tmp-*"))


def test_rows_align_across_passages_faiss_and_bm25(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    loaded = index_module.load(target, fake_embedder)
    assert loaded.dense.size == len(loaded.passages) == loaded.lexical.size
    for row, passage in enumerate(loaded.passages):
        vector = fake_embedder.embed_passages([passage.text])[0]
        assert loaded.dense.search(vector, 1).ids[0] == row
        assert loaded.lexical.search(passage.text, 1).ids[0] == row


def test_missing_index_is_reported(tmp_path, fake_embedder) -> None:
    with pytest.raises(IndexMissingError, match="survqa index"):
        index_module.load(tmp_path / "nothing", fake_embedder)


def test_other_model_or_format_is_a_mismatch(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    other = type(fake_embedder)()
    other.name = "fake:other-model"
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        index_module.load(target, other)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="format"):
        index_module.load(target, fake_embedder)


@pytest.mark.parametrize("victim", ["dense.faiss", "passages.jsonl", "sentences.npy"])
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


def test_staleness(tiny_corpus, tmp_path, fake_embedder) -> None:
    target = tmp_path / "index"
    _build(tiny_corpus, target, fake_embedder)
    manifest = index_module.load(target, fake_embedder).manifest
    documents = load_documents(tiny_corpus)
    assert not index_module.is_stale(manifest, documents, Settings())
    assert index_module.is_stale(manifest, documents, Settings(passage_words=50))
    older_chunker = {**manifest, "chunker": manifest["chunker"] - 1}
    assert index_module.is_stale(older_chunker, documents, Settings())
    (tiny_corpus / "a.txt").write_text("Texte modifié. Tout autre chose.\n", encoding="utf-8")
    assert index_module.is_stale(manifest, load_documents(tiny_corpus), Settings())


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
