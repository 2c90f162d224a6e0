"""The collection: seeds and added documents with an index kept current — opening, adding
and removing files (cited verbatim, incremental index, bad files, duplicates), describing."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import INDEX, TINY, FakeEmbedder, write_corpus
from sample_files import GRENOBLE as MARKDOWN
from sample_files import encrypted_pdf, inbox, make_pdf, runaway_pdf, write

from survqa.apps.webui import render_documents
from survqa.assistant import Assistant
from survqa.collection import library
from survqa.collection.collection import Collection, Corpus
from survqa.documents.ingest import Limits
from survqa.errors import CorpusError, IngestError
from survqa.indexing import index as index_module
from survqa.indexing import storage
from survqa.settings import Settings

QUESTIONS = {  # the added file that alone answers, and a phrase of the answer
    "lyon.html": ("Combien de caméras la métropole de Lyon a-t-elle installées ?", "612 caméras"),
    "vigie.pdf": ("Combien de drones utilise la police de Marseille ?", "37 drones"),
    "grenoble.md": ("Quand Grenoble a-t-elle interdit la reconnaissance faciale ?", "12 mars 2021"),
}


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes() for folder in folders if folder.exists()
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"
    }  # fmt: skip


@pytest.fixture
def assistant(tiny_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> Assistant:
    made = Assistant(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder=fake_embedder,
                     library_dir=tmp_path / "library")  # fmt: skip
    made.load()
    return made


def cited(assistant: Assistant, question: str) -> list[str]:
    return [e.source for e in assistant.ask(question, k=5).excerpts]


class NoModel:
    """Stands for make_embedder where no model may be loaded."""

    def __call__(self, model: str) -> FakeEmbedder:
        raise AssertionError(f"a model was loaded: {model}")


# ---------------------------------------------------------------- documents and open()


def test_open_gives_the_documents_by_name_and_their_index(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"b.txt": TINY["b.txt"], "a.txt": TINY["a.txt"]})
    collection = Collection(corpus, tmp_path / "library", tmp_path / "index", Settings(),
                            FakeEmbedder())  # fmt: skip
    opened = collection.open()
    assert isinstance(opened, Corpus) and list(opened.documents) == ["a.txt", "b.txt"]
    assert [d.source for d in collection.documents()] == ["a.txt", "b.txt"]
    assert {p.source for p in opened.index.passages} == {"a.txt", "b.txt"}
    manifest = (tmp_path / "index" / "manifest.json").read_bytes()
    assert collection.open().index.manifest == opened.index.manifest  # current: loaded as is
    assert (tmp_path / "index" / "manifest.json").read_bytes() == manifest
    counting = FakeEmbedder()
    Collection(corpus, tmp_path / "library", tmp_path / "index", Settings(), counting).open(
        rebuild=True
    )
    assert counting.texts > 0  # rebuilt from scratch: everything embedded again


def test_a_library_file_named_like_a_seed_is_refused(assistant: Assistant) -> None:
    write(assistant.library_dir, "a.txt", "Autre texte.\n")
    catalog = {"format": 1, "documents": [{"source": "a.txt", "title": "Autre"}]}
    write(assistant.library_dir, "catalog.json", json.dumps(catalog))
    with pytest.raises(CorpusError, match="both in"):
        assistant.collection.documents()


def test_the_prebuilt_index_is_installed_into_an_empty_index_folder(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    prebuilt = tmp_path / "packaged-index"
    Collection(corpus, tmp_path / "lib", prebuilt, Settings(), FakeEmbedder()).open()
    counting = FakeEmbedder()
    target = tmp_path / "home" / "index"
    collection = Collection(corpus, tmp_path / "lib", target, Settings(), counting,
                            prebuilt_index=prebuilt)  # fmt: skip
    collection.open()
    assert counting.texts == 0  # copied, not built
    assert (target / "manifest.json").read_bytes() == (prebuilt / "manifest.json").read_bytes()


# ---------------------------------------------------------------- describe()


def test_describe_counts_passages_from_the_manifest_without_a_model(
    assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant.add(inbox(tmp_path / "inbox") / "grenoble.md")
    monkeypatch.setattr("survqa.collection.collection.make_embedder", NoModel())
    collection = Collection(assistant.corpus_dir, assistant.library_dir, assistant.index_dir,
                            Settings())  # fmt: skip
    rows = collection.describe()
    manifest = json.loads((assistant.index_dir / "manifest.json").read_text(encoding="utf-8"))
    built = {d["source"]: d["passages"] for d in manifest["corpus"]["documents"]}
    assert {r["source"]: r["passages"] for r in rows} == built
    assert all(r["passages"] > 0 for r in rows)
    assert [r["origin"] for r in rows] == ["seed", "seed", "added"]
    added = rows[-1]
    assert added["title"] == "Grenoble dit non" and added["added"].endswith("Z")
    assert added["folder"] == str(assistant.library_dir)
    assert rows[0] == {"title": "Les caméras de Paris", "source": "a.txt", "origin": "seed",
                       "added": None, "passages": 3, "publisher": "Test",
                       "folder": str(assistant.corpus_dir)}  # fmt: skip


def test_describe_says_none_where_the_index_does_not_hold_the_text(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("survqa.collection.collection.make_embedder", NoModel())
    collection = Collection(tiny_corpus, tmp_path / "library", tmp_path / "index", Settings())
    assert [r["passages"] for r in collection.describe()] == [None, None]  # no index at all
    Collection(tiny_corpus, tmp_path / "library", tmp_path / "index", Settings(),
               FakeEmbedder()).open()  # fmt: skip
    assert [r["passages"] for r in collection.describe()] == [3, 2]
    (tiny_corpus / "b.txt").write_text("Un texte changé depuis.\n", encoding="utf-8")
    assert [r["passages"] for r in collection.describe()] == [3, None]  # stale for b.txt
    (tmp_path / "index" / "manifest.json").write_text("{", encoding="utf-8")
    assert [r["passages"] for r in collection.describe()] == [None, None]


# ---------------------------------------------------------------- add() and remove()


def test_added_html_pdf_markdown_are_cited_verbatim_then_removed(
    assistant: Assistant, tmp_path: Path, tiny_corpus: Path
) -> None:
    seeds_before = snapshot(tiny_corpus)
    report = assistant.add([inbox(tmp_path / "inbox")])
    by_name = {entry["original_name"]: entry["source"]
               for entry in library.entries(assistant.library_dir)}  # fmt: skip
    assert sorted(by_name) == sorted(QUESTIONS) and len(report.added) == 3
    for name, (question, phrase) in QUESTIONS.items():  # the fake embedder is no ranker:
        excerpts = assistant.ask(question, k=3).excerpts  # the answer is among the top 3
        (hit,) = [e for e in excerpts if e.source == by_name[name] and phrase in e.text]
        text = assistant.file_of(hit.source).read_text(encoding="utf-8")
        assert text[hit.start : hit.end] == hit.text
        assert Path(assistant.library_dir, hit.source) == assistant.file_of(hit.source)
    removed = assistant.remove("grenoble.md")
    assert [d.source for d in removed] == [by_name["grenoble.md"]]
    assert by_name["grenoble.md"] not in cited(assistant, QUESTIONS["grenoble.md"][0])
    assert not (assistant.library_dir / by_name["grenoble.md"]).exists()
    assert by_name["lyon.html"] in cited(assistant, QUESTIONS["lyon.html"][0])
    assert snapshot(tiny_corpus) == seeds_before  # seeds/ is never written
    with pytest.raises(ValueError, match="unknown document"):
        assistant.file_of(by_name["grenoble.md"])


def test_catalog_manifest_and_documents_stay_consistent(
    assistant: Assistant, tmp_path: Path
) -> None:
    assistant.add(inbox(tmp_path / "inbox") / "vigie.pdf")
    (entry,) = library.entries(assistant.library_dir)
    assert (entry["origin"], entry["format"]) == ("added", "pdf")
    assert entry["title"] == "Rapport Vigie 2024"
    assert entry["author"] == "Vigie" and entry["original_name"] == "vigie.pdf"
    assert entry["added"].endswith("Z") and entry["source"].endswith(".txt")
    documents = assistant.documents()
    assert [d.origin for d in documents] == ["seed", "seed", "added"]
    assert documents[-1].folder == str(assistant.library_dir)
    manifest = json.loads((assistant.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [d["source"] for d in manifest["corpus"]["documents"]] == [d.source for d in documents]
    assert index_module.check(assistant.index_dir) == []
    fresh = FakeEmbedder()  # a new process loads it as is: nothing stale, nothing embedded
    again = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=fresh,
                      library_dir=assistant.library_dir)  # fmt: skip
    assert [d.source for d in again.documents()] == [d.source for d in documents]
    assert fresh.texts == 0
    panel = html.unescape(render_documents(again.documents()))  # the web UI's sources panel
    assert "Rapport Vigie 2024" in panel and entry["source"] in panel


def test_add_and_remove_embed_only_the_document(assistant: Assistant, tmp_path: Path) -> None:
    embedder = assistant.embedder
    assert isinstance(embedder, FakeEmbedder)
    path = inbox(tmp_path / "inbox") / "grenoble.md"
    before = embedder.texts
    (added,) = assistant.add(path).added
    spent = embedder.texts - before
    alone = FakeEmbedder()  # what indexing the new document by itself costs
    index_module.build([added], alone, assistant.settings, tmp_path / "alone")
    full = FakeEmbedder()
    index_module.build(assistant.documents(), full, assistant.settings, tmp_path / "full")
    assert 0 < spent <= alone.texts < full.texts
    before = embedder.texts
    assistant.remove(added.source)
    assert embedder.texts == before  # removing re-embeds nothing


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def test_add_then_remove_gives_back_the_same_index_bytes(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    assistant = Assistant(corpus, tmp_path / "index", embedder=FakeEmbedder(),
                          library_dir=tmp_path / "library")  # fmt: skip
    assistant.load()
    before = files_of(assistant.index_dir)
    (added,) = assistant.add(write(tmp_path / "in", "grenoble.md", MARKDOWN)).added
    assert files_of(assistant.index_dir) != before
    assistant.remove(added.source)
    after = files_of(assistant.index_dir)
    assert sorted(after) == sorted(before)
    for name in before:
        assert after[name] == before[name], name


def _bad_files(folder: Path) -> dict[str, tuple[Path, str, Limits | None]]:
    return {
        "empty": (write(folder, "empty.txt", b""), "empty", None),
        "binary": (write(folder, "junk.txt", bytes(range(256)) * 8), "binary", None),
        "no text layer": (write(folder, "scan.pdf", make_pdf([], stream=b"0 0 9 9 re f")),
                          "OCR is not supported", None),
        "encrypted": (write(folder, "enc.pdf", encrypted_pdf(["Secret."])), "encrypted", None),
        "encoding": (write(folder, "ru.txt", "Привет, мир. Это текст.".encode("cp1251")),
                     "unknown text encoding", None),
        "too big": (write(folder, "big.txt", "Une phrase. " * 200), "limit",
                    Limits(max_bytes=1000)),
        "runaway": (write(folder, "slow.pdf", runaway_pdf(400_000)), "0.5 s limit",
                    Limits(pdf_seconds=0.5)),
        "duplicate of a seed": (write(folder, "copy.txt", TINY["a.txt"]), "a.txt", None),
        "boilerplate only": (write(folder, "pub.txt", "Publicité\n\nEn continu\n"),
                             "no paragraph", None),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["empty", "binary", "no text layer", "encrypted", "encoding",
                                  "too big", "runaway", "duplicate of a seed",
                                  "boilerplate only"])  # fmt: skip
def test_bad_files_change_nothing(assistant: Assistant, tmp_path: Path, case: str) -> None:
    path, message, limits = _bad_files(tmp_path / "bad")[case]
    good = write(tmp_path / "good", "ok.md", MARKDOWN)
    before = snapshot(assistant.library_dir, assistant.index_dir)
    spent = assistant.embedder.texts  # type: ignore[attr-defined]
    with pytest.raises(IngestError, match=message) as caught:
        assistant.add([good, path], limits=limits)
    assert "nothing was added" in str(caught.value) and str(path) in str(caught.value)
    assert snapshot(assistant.library_dir, assistant.index_dir) == before
    assert assistant.embedder.texts == spent  # type: ignore[attr-defined]
    assert [d.origin for d in assistant.documents()] == ["seed", "seed"]
    assert not list(assistant.library_dir.glob(".*.tmp-*"))


def test_no_supported_file_is_refused(assistant: Assistant, tmp_path: Path) -> None:
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(IngestError, match="no supported file"):
        assistant.add(tmp_path / "empty-folder")


def test_skip_bad_adds_the_good_ones_and_reports(assistant: Assistant, tmp_path: Path) -> None:
    good = write(tmp_path / "in", "ok.md", MARKDOWN)
    bad = write(tmp_path / "in", "empty.txt", b"")
    report = assistant.add([good, bad], skip_bad=True)
    assert [d.title for d in report.added] == ["Grenoble dit non"]
    assert len(report.skipped) == 1 and "empty.txt" in report.skipped[0]


def test_duplicates_are_refused_naming_the_existing_document(
    assistant: Assistant, tmp_path: Path
) -> None:
    path = write(tmp_path / "in", "grenoble.md", MARKDOWN)
    (added,) = assistant.add(path).added
    before = snapshot(assistant.library_dir, assistant.index_dir)
    respaced = write(tmp_path / "in2", "autre.md", MARKDOWN.replace("\n\n", "\n\n\n").upper())
    for again in (path, respaced):
        expected = f"same text as the existing document 'Grenoble dit non' ({added.source})"
        with pytest.raises(IngestError, match=re.escape(expected)):
            assistant.add(again)
    assert snapshot(assistant.library_dir, assistant.index_dir) == before


def test_remove_refuses_seeds_and_unknown_names(assistant: Assistant) -> None:
    with pytest.raises(ValueError, match="seeds are read-only"):
        assistant.remove("a.txt")
    with pytest.raises(ValueError, match="no added document named 'nope'"):
        assistant.remove("nope")
    with pytest.raises(ValueError, match="name the documents"):
        assistant.remove()
    assert storage.read_manifest(assistant.index_dir)["counts"]["passages"] == 5


@pytest.mark.slow
def test_real_model_cites_each_added_document(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    if index_module.check(INDEX) == []:  # start from a copy of the seeds index when current
        shutil.copytree(INDEX, index_dir)
    assistant = Assistant(seeds_copy, index_dir, library_dir=tmp_path / "library")
    seeds_before = snapshot(seeds_copy)
    assistant.add(inbox(tmp_path / "inbox"))
    by_name = {e["original_name"]: e["source"] for e in library.entries(assistant.library_dir)}
    for name, (question, phrase) in QUESTIONS.items():
        best = assistant.ask(question, k=3).excerpts[0]
        assert best.source == by_name[name] and phrase in best.text, (question, best)
        text = Path(assistant.library_dir, best.source).read_text(encoding="utf-8")
        assert text[best.start : best.end] == best.text
    assistant.remove("grenoble.md")
    assert by_name["grenoble.md"] not in cited(assistant, QUESTIONS["grenoble.md"][0])
    assert snapshot(seeds_copy) == seeds_before
