"""Loading the seeds and the library: text kept byte for byte, catalog entries, titles,
hashes (no model, fast)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from survqa.documents.catalog import CATALOG_NAME
from survqa.documents.loading import (
    corpus_hash,
    fallback_title,
    load_library,
    load_seeds,
    text_hash,
)
from survqa.errors import CorpusError
from survqa.records import Document

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

SEED_SHA256 = {
    "000_4dc79184bdaaea80.txt": "813d4a03e145a39a853c78501d89273326f003e0ce0074b62fdfb64fbb0d9912",
    "001_c2f8cadc7eb2a992.txt": "4c3913a80a2426ab4c13d86e429cd77b5417b29c0747391c04f2a6b0523ba663",
    "002_57e457aff61ca5f8.txt": "77d7393f3a5081a90c61a0f8ad6791652270493bb9bc1f9a6ab1f88382ded1bc",
    "003_dd7034ebacab1c8c.txt": "5c03de421aee1c6fd2a196064ee730c64e3d711d6d765dd19b701576b321a21b",
    "004_fb54ba13254649be.txt": "594bc53dd36509aa54e1e583a6556c7c2e5245244922c9c76abdfd61b9f7285f",
}


def _write(folder: Path, files: dict[str, bytes | str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return folder


def _catalog(*entries: dict[str, object]) -> str:
    return json.dumps({"format": 1, "documents": list(entries)})


# ---------------------------------------------------------------- the seeds


def test_seed_files_are_byte_exact() -> None:
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert found == SEED_SHA256


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="no ../shared/seeds here")
def test_seeds_equal_shared_seeds() -> None:
    for name in SEED_SHA256:
        assert (SEEDS / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


def test_load_seeds_keeps_text_and_catalog(seeds: list[Document]) -> None:
    assert [d.source for d in seeds] == sorted(SEED_SHA256)
    catalog = json.loads((SEEDS / CATALOG_NAME).read_text(encoding="utf-8"))
    by_source = {entry["source"]: entry for entry in catalog["documents"]}
    for doc in seeds:
        assert doc.text == (SEEDS / doc.source).read_text(encoding="utf-8")
        assert doc.title == by_source[doc.source]["title"]
        assert doc.publisher == by_source[doc.source]["publisher"]
        assert doc.author == by_source[doc.source]["author"]
        assert doc.origin == "seed"
        assert doc.folder == str(SEEDS)
    assert seeds[1].publisher == "AFP"
    assert seeds[2].author == "Patrice Lefort-Lavauzelle"


def test_corpus_hash_is_stable_and_sensitive(seeds: list[Document]) -> None:
    digest = corpus_hash(seeds)
    assert len(digest) == 64 and digest == corpus_hash(load_seeds(SEEDS))
    changed = [*seeds[:-1], Document(seeds[-1].source, "t", seeds[-1].text + " ")]
    assert corpus_hash(changed) != digest
    assert corpus_hash(seeds[::-1]) != digest
    renamed = [*seeds[:-1], Document("other.txt", seeds[-1].title, seeds[-1].text)]
    assert corpus_hash(renamed) != digest
    # (source, text) pairs are length-prefixed: moving text between the two parts counts
    assert corpus_hash([Document("ab", "t", "c")]) != corpus_hash([Document("a", "t", "bc")])


def test_text_hash_is_the_sha256_of_the_text(seeds: list[Document]) -> None:
    for doc in seeds:
        assert text_hash(doc) == SEED_SHA256[doc.source]  # the file is UTF-8, read as is


# ---------------------------------------------------------------- titles


def test_file_absent_from_catalog_gets_a_title(tmp_path: Path) -> None:
    long_line = "Un titre " + "très " * 60
    folder = _write(
        tmp_path / "c",
        {
            "b.txt": "\n\n- Publicité -\nLe vrai titre\n\nTexte.\n",
            "a.txt": "Texte du catalogue.\n",
            "c.txt": "\n  \n",
            "d.txt": long_line + "\n",
            CATALOG_NAME: _catalog(
                {"source": "a.txt", "title": "A", "publisher": "P", "author": None},
                {"source": "gone.txt", "title": "G"},
            ),
        },
    )
    docs = load_seeds(folder)
    assert [d.source for d in docs] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert (docs[0].title, docs[0].publisher, docs[0].author) == ("A", "P", None)
    assert docs[1].title == "Le vrai titre" and docs[1].publisher is None
    assert docs[2].title == "c.txt"
    assert docs[3].title.startswith("Un titre très") and len(docs[3].title) <= 121


def test_fallback_title_rules() -> None:
    assert fallback_title("\n- Publicité -\n  Le  vrai\ttitre \n", "x.txt") == "Le vrai titre"
    assert fallback_title("", "x.txt") == "x.txt"
    long = fallback_title("mot, " * 100, "x.txt")
    assert long.endswith("…") and len(long) <= 121 and not long[:-1].endswith((",", " "))


def test_catalog_origin_and_added(tmp_path: Path) -> None:
    entry = {"source": "a.txt", "title": "A", "origin": "upload", "added": "2025-01-01"}
    folder = _write(tmp_path / "c", {"a.txt": "x\r\ny\n", CATALOG_NAME: _catalog(entry)})
    (doc,) = load_seeds(folder)
    assert (doc.origin, doc.added) == ("upload", "2025-01-01")
    assert doc.text == (folder / "a.txt").read_text(encoding="utf-8")  # offsets index this


def test_missing_catalog_is_allowed_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _write(tmp_path / "c", {"a.txt": "Titre\n\nTexte."})
    with caplog.at_level(logging.WARNING):
        assert load_seeds(folder)[0].title == "Titre"
    assert "no catalog.json" in caplog.text


# ---------------------------------------------------------------- bad seeds folders


def test_malformed_catalog_stops_loading(tmp_path: Path) -> None:
    folder = _write(tmp_path / "c", {"a.txt": "Texte.", CATALOG_NAME: "{not json"})
    with pytest.raises(CorpusError, match="catalog"):
        load_seeds(folder)
    with pytest.raises(CorpusError, match="catalog"):
        load_library(folder)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_seeds(tmp_path / "nope")


def test_folder_without_txt(tmp_path: Path) -> None:
    folder = _write(tmp_path / "c", {"notes.md": "x"})
    with pytest.raises(CorpusError, match=r"no \.txt"):
        load_seeds(folder)


def test_non_utf8_file(tmp_path: Path) -> None:
    folder = _write(tmp_path / "c", {"a.txt": "Texte.", "b.txt": "caf\xe9".encode("latin-1")})
    with pytest.raises(CorpusError, match="UTF-8"):
        load_seeds(folder)


# ---------------------------------------------------------------- the library


def test_library_lists_only_catalogued_files_by_name(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "lib",
        {
            "z_0123456789.txt": "Zeta.\n",
            "a_0123456789.txt": "Alpha.\n",
            "unlisted_0123456789.txt": "Orphelin.\n",
            CATALOG_NAME: _catalog(
                {"source": "z_0123456789.txt", "title": "Z", "added": "2026-01-02T00:00:00Z"},
                {"source": "a_0123456789.txt", "title": None, "origin": "seed"},
            ),
        },
    )
    docs = load_library(folder)
    assert [d.source for d in docs] == ["a_0123456789.txt", "z_0123456789.txt"]
    assert [d.origin for d in docs] == ["added", "added"]  # whatever the entry says
    assert docs[0].title == "Alpha." and docs[1].added == "2026-01-02T00:00:00Z"
    assert {d.folder for d in docs} == {str(folder)}


def test_library_without_catalog_is_empty(tmp_path: Path) -> None:
    assert load_library(tmp_path / "nothing") == []
    assert load_library(_write(tmp_path / "lib", {"a_0123456789.txt": "x"})) == []


def test_unreadable_library_file_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _write(
        tmp_path / "lib",
        {
            "ok_0123456789.txt": "Bon.\n",
            "bad_0123456789.txt": b"caf\xe9",
            CATALOG_NAME: _catalog(
                {"source": "ok_0123456789.txt"},
                {"source": "bad_0123456789.txt"},
                {"source": "gone_0123456789.txt"},
            ),
        },
    )
    with caplog.at_level(logging.WARNING):
        assert [d.source for d in load_library(folder)] == ["ok_0123456789.txt"]
    assert "survqa remove bad_0123456789.txt" in caplog.text
    assert "survqa remove gone_0123456789.txt" in caplog.text
