"""The library folder of added documents and its all-or-nothing transactions: entries, names,
debris of interrupted writers, commit, and crashes at each step of an add."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeEmbedder
from sample_files import GRENOBLE as MARKDOWN
from sample_files import HTML, write

from survqa.assistant import Assistant
from survqa.collection import library
from survqa.documents.ingest import Extracted
from survqa.errors import CorpusError
from survqa.indexing import index as index_module
from survqa.records import Document


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes() for folder in folders if folder.exists()
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"
    }  # fmt: skip


def _catalog(folder: Path, *entries: dict[str, Any]) -> None:
    write(folder, "catalog.json", json.dumps({"format": 1, "documents": list(entries)}))


# ---------------------------------------------------------------- entries and names


def test_entries_in_the_order_they_were_added(tmp_path: Path) -> None:
    assert library.entries(tmp_path / "none") == []
    _catalog(tmp_path, {"source": "z_0123456789.txt"}, {"source": "a_0123456789.txt"})
    assert [e["source"] for e in library.entries(tmp_path)] == [
        "z_0123456789.txt",
        "a_0123456789.txt",
    ]


def test_new_entry_records_where_the_text_came_from() -> None:
    found = Extracted(text="Texte.\n", title="T", format="pdf", original_name="r.pdf",
                      encoding=None, author="A", publisher="P", size=1234)  # fmt: skip
    entry = library.new_entry(found, "r_0123456789.txt", "ab" * 32)
    assert entry["source"] == "r_0123456789.txt" and entry["origin"] == "added"
    assert (entry["title"], entry["author"], entry["publisher"]) == ("T", "A", "P")
    assert (entry["original_name"], entry["format"], entry["bytes"]) == ("r.pdf", "pdf", 1234)
    assert entry["chars"] == 7 and entry["content_sha256"] == "ab" * 32
    assert entry["added"].endswith("Z") and len(entry["added"]) == 20


LISTED = [
    {"source": "rapport_0123456789.txt", "original_name": "Rapport.pdf"},
    {"source": "note_abcdefabcd.txt", "original_name": "note.md"},
    {"source": "note_1111111111.txt", "original_name": "note.md"},
]
SEED = [Document("a.txt", "A", "x")]


@pytest.mark.parametrize("name", ["rapport_0123456789.txt", "rapport_0123456789", "Rapport.pdf"])
def test_find_by_file_name_stem_or_original_name(name: str) -> None:
    assert library.find(name, SEED, LISTED) == "rapport_0123456789.txt"


def test_find_refuses_ambiguous_seed_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="several added documents"):
        library.find("note.md", SEED, LISTED)
    for seed in ("a.txt", "a"):
        with pytest.raises(ValueError, match="seeds are read-only"):
            library.find(seed, SEED, LISTED)
    with pytest.raises(ValueError, match="no added document named 'nope'"):
        library.find("nope", SEED, LISTED)


# ---------------------------------------------------------------- debris and commit


def test_clear_debris_removes_staged_files_and_orphans_only(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    _catalog(folder, {"source": "kept_0123456789.txt"})
    for name in ("kept_0123456789.txt", "lost_0123456789.txt", "notes.txt",
                 ".catalog.json.tmp-77", ".x_0123456789.txt.tmp-77"):  # fmt: skip
        write(folder, name, "x")
    library.clear_debris(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "catalog.json",
        "kept_0123456789.txt",
        "notes.txt",  # not a name an add makes: not ours to delete
    ]
    library.clear_debris(tmp_path / "new")  # creates the folder
    assert (tmp_path / "new").is_dir()
    write(folder, "catalog.json", "{")
    with pytest.raises(CorpusError):
        library.clear_debris(folder)  # never guess what an unreadable catalog lists
    assert (folder / "kept_0123456789.txt").exists()


def test_commit_writes_texts_then_the_catalog(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    seen: list[list[str]] = []

    def rebuild() -> None:  # runs with the new files staged, not yet in place
        seen.append(sorted(p.name for p in folder.iterdir()))

    listed = [{"source": "n_0123456789.txt", "title": "N"}]
    library.commit(folder, listed, {"n_0123456789.txt": "Texte\r\n"}, set(), rebuild)
    pid = os.getpid()
    assert seen == [[f".catalog.json.tmp-{pid}", f".n_0123456789.txt.tmp-{pid}"]]
    assert (folder / "n_0123456789.txt").read_bytes() == b"Texte\r\n"  # byte for byte
    assert library.entries(folder) == listed
    library.commit(folder, [], {}, {"n_0123456789.txt"}, lambda: None)
    assert sorted(p.name for p in folder.iterdir()) == ["catalog.json"]
    assert library.entries(folder) == []


def test_commit_leaves_the_library_as_it_was_when_the_rebuild_fails(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    library.commit(folder, [{"source": "a_0123456789.txt"}], {"a_0123456789.txt": "A"}, set(),
                   lambda: None)  # fmt: skip
    before = snapshot(folder)

    def fail() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        library.commit(folder, [], {"b_0123456789.txt": "B"}, {"a_0123456789.txt"}, fail)
    assert snapshot(folder) == before


# ---------------------------------------------------------------- interrupted adds


class Interrupting(FakeEmbedder):
    """Raises KeyboardInterrupt once it has been called ``after`` more times."""

    def __init__(self) -> None:
        super().__init__()
        self.after: int | None = None

    def _embed(self, texts):  # type: ignore[no-untyped-def]
        if self.after is not None:
            self.after -= 1
            if self.after < 0:
                raise KeyboardInterrupt
        return super()._embed(texts)


@pytest.fixture
def assistant(tiny_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> Assistant:
    made = Assistant(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder=fake_embedder,
                     library_dir=tmp_path / "library")  # fmt: skip
    made.load()
    return made


def test_interrupted_add_leaves_corpus_and_index_as_they_were(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    embedder = Interrupting()
    assistant = Assistant(tiny_corpus, tmp_path / "index", embedder=embedder,
                          library_dir=tmp_path / "library")  # fmt: skip
    assistant.add(write(tmp_path / "in", "grenoble.md", MARKDOWN))
    before = snapshot(assistant.library_dir, assistant.index_dir)
    embedder.after = 1  # dies while embedding the new document's sentences
    with pytest.raises(KeyboardInterrupt):
        assistant.add(write(tmp_path / "in", "lyon.html", HTML))
    assert snapshot(assistant.library_dir, assistant.index_dir) == before
    embedder.after = None
    assistant.add(tmp_path / "in" / "lyon.html")  # and it works afterwards
    assert len(library.entries(assistant.library_dir)) == 2


def test_crash_after_the_index_swap_is_detected_and_repaired(
    assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog_before = snapshot(assistant.library_dir)

    def crash(staged: object) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr(library, "_publish", crash)
    with pytest.raises(OSError, match="unplugged"):
        assistant.add(write(tmp_path / "in", "grenoble.md", MARKDOWN))
    monkeypatch.undo()
    assert snapshot(assistant.library_dir) == catalog_before  # the corpus is as before
    fresh = FakeEmbedder()
    again = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=fresh,
                      library_dir=assistant.library_dir)  # fmt: skip
    assert [d.origin for d in again.documents()] == ["seed", "seed"]  # stale index rebuilt
    assert fresh.texts == 0 and index_module.check(assistant.index_dir) == []
    manifest = json.loads((assistant.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["corpus"]["documents"]) == 2


def test_orphan_text_of_an_interrupted_add_is_ignored_then_cleared(
    assistant: Assistant, tmp_path: Path
) -> None:
    orphan = write(assistant.library_dir, "lost_0123456789.txt", "Texte orphelin.\n")
    fresh = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=FakeEmbedder(),
                      library_dir=assistant.library_dir)  # fmt: skip
    assert [d.origin for d in fresh.documents()] == ["seed", "seed"]
    fresh.add(write(tmp_path / "in", "grenoble.md", MARKDOWN))
    assert not orphan.exists()
