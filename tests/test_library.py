"""Adding and removing documents: citations into the library, incremental index,
all-or-nothing writes, duplicates, bad files, CLI, and the real model end to end."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import TINY, FakeEmbedder
from test_ingest import HTML, encrypted_pdf, make_pdf, runaway_pdf, write

from survqa import index as index_module
from survqa import library
from survqa.answer import Assistant
from survqa.cli import main
from survqa.errors import CorpusError, IngestError
from survqa.ingest import Limits
from survqa.webui import render_documents

PDF_LINES = [
    "Rapport annuel de l'observatoire Vigie",
    "L'observatoire a recensé 37 drones de surveillance utilisés par la police de Marseille.",
    "Les vols ont lieu surtout la nuit, au-dessus des quartiers nord.",
]
MARKDOWN = """# Grenoble dit non

Le conseil municipal de Grenoble a voté l'interdiction de la reconnaissance faciale le 12 mars 2021.

La décision a été prise à l'unanimité des élus présents.
"""
QUESTIONS = {  # the added file that alone answers, and a phrase of the answer
    "lyon.html": ("Combien de caméras la métropole de Lyon a-t-elle installées ?", "612 caméras"),
    "vigie.pdf": ("Combien de drones utilise la police de Marseille ?", "37 drones"),
    "grenoble.md": ("Quand Grenoble a-t-elle interdit la reconnaissance faciale ?", "12 mars 2021"),
}


def inbox(folder: Path) -> Path:
    write(folder, "lyon.html", HTML)
    write(folder, "vigie.pdf", make_pdf(PDF_LINES, title="Rapport Vigie 2024", author="Vigie"))
    write(folder, "grenoble.md", MARKDOWN)
    return folder


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes() for folder in folders if folder.exists()
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def assistant(tiny_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> Assistant:
    made = Assistant(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder=fake_embedder,
                     library_dir=tmp_path / "library")
    made.load()
    return made


def cited(assistant: Assistant, question: str) -> list[str]:
    return [e.source for e in assistant.ask(question, k=5).excerpts]


def test_added_html_pdf_markdown_are_cited_verbatim_then_removed(
    assistant: Assistant, tmp_path: Path, tiny_corpus: Path
) -> None:
    seeds_before = snapshot(tiny_corpus)
    report = assistant.add([inbox(tmp_path / "inbox")])
    by_name = {assistant_entry["original_name"]: assistant_entry["source"]
               for assistant_entry in library.read_catalog(assistant.library_dir)}
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


def test_catalog_manifest_and_documents_stay_consistent(
    assistant: Assistant, tmp_path: Path
) -> None:
    assistant.add(inbox(tmp_path / "inbox") / "vigie.pdf")
    (entry,) = library.read_catalog(assistant.library_dir)
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
                      library_dir=assistant.library_dir)
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


def _bad_files(folder: Path) -> dict[str, tuple[Path, str, Limits | None]]:
    cases = {
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
    }
    return cases


@pytest.mark.parametrize("case", ["empty", "binary", "no text layer", "encrypted", "encoding",
                                  "too big", "runaway", "duplicate of a seed",
                                  "boilerplate only"])
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


def test_interrupted_add_leaves_corpus_and_index_as_they_were(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    embedder = Interrupting()
    assistant = Assistant(tiny_corpus, tmp_path / "index", embedder=embedder,
                          library_dir=tmp_path / "library")
    assistant.add(write(tmp_path / "in", "grenoble.md", MARKDOWN))
    before = snapshot(assistant.library_dir, assistant.index_dir)
    embedder.after = 1  # dies while embedding the new document's sentences
    with pytest.raises(KeyboardInterrupt):
        assistant.add(write(tmp_path / "in", "lyon.html", HTML))
    assert snapshot(assistant.library_dir, assistant.index_dir) == before
    embedder.after = None
    assistant.add(tmp_path / "in" / "lyon.html")  # and it works afterwards
    assert len(library.read_catalog(assistant.library_dir)) == 2


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
                      library_dir=assistant.library_dir)
    assert [d.origin for d in again.documents()] == ["seed", "seed"]  # stale index rebuilt
    assert fresh.texts == 0 and index_module.check(assistant.index_dir) == []
    manifest = json.loads((assistant.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["corpus"]["documents"]) == 2


def test_orphan_text_of_an_interrupted_add_is_ignored_then_cleared(
    assistant: Assistant, tmp_path: Path
) -> None:
    orphan = write(assistant.library_dir, "lost_0123456789.txt", "Texte orphelin.\n")
    fresh = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=FakeEmbedder(),
                      library_dir=assistant.library_dir)
    assert [d.origin for d in fresh.documents()] == ["seed", "seed"]
    fresh.add(write(tmp_path / "in", "grenoble.md", MARKDOWN))
    assert not orphan.exists()


def test_remove_refuses_seeds_and_unknown_names(assistant: Assistant, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seeds are read-only"):
        assistant.remove("a.txt")
    with pytest.raises(ValueError, match="no added document named 'nope'"):
        assistant.remove("nope")
    with pytest.raises(ValueError, match="name the documents"):
        assistant.remove()


def test_a_library_file_named_like_a_seed_is_refused(assistant: Assistant) -> None:
    write(assistant.library_dir, "a.txt", "Autre texte.\n")
    catalog = {"format": 1, "documents": [{"source": "a.txt", "title": "Autre"}]}
    write(assistant.library_dir, "catalog.json", json.dumps(catalog))
    with pytest.raises(CorpusError, match="both in"):
        library.load_all(assistant.corpus_dir, assistant.library_dir)


def test_cli_add_list_remove(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("survqa.answer.make_embedder", lambda model: FakeEmbedder())
    folders = ["--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"),
               "--library", str(tmp_path / "library")]
    assert main(["add", str(inbox(tmp_path / "in")), *folders]) == 0
    assert "3 document(s) added" in capsys.readouterr().out
    assert main(["list", *folders]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    assert [r[3] for r in rows][:2] == ["seed", "seed"] and len(rows) == 5
    assert "Rapport Vigie 2024" in [r[0] for r in rows] and all(int(r[2]) > 0 for r in rows)
    assert main(["add", str(tmp_path / "in" / "lyon.html"), *folders]) == 1
    assert "same text as the existing document" in capsys.readouterr().err
    assert main(["remove", "vigie.pdf", *folders]) == 0
    assert "removed:" in capsys.readouterr().out
    assert main(["remove", "a.txt", *folders]) == 2
    assert "read-only" in capsys.readouterr().err
    write(tmp_path, "empty.md", b"")
    assert main(["add", str(tmp_path / "empty.md"), "--max-size", "1", *folders]) == 1


@pytest.mark.slow
def test_real_model_cites_each_added_document(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shipped = Path(__file__).resolve().parents[1] / "index"
    if index_module.check(shipped) == []:  # start from the shipped seeds index when current
        shutil.copytree(shipped, index_dir)
    assistant = Assistant(seeds_copy, index_dir, library_dir=tmp_path / "library")
    seeds_before = snapshot(seeds_copy)
    assistant.add(inbox(tmp_path / "inbox"))
    by_name = {e["original_name"]: e["source"] for e in library.read_catalog(assistant.library_dir)}
    for name, (question, phrase) in QUESTIONS.items():
        best = assistant.ask(question, k=3).excerpts[0]
        assert best.source == by_name[name] and phrase in best.text, (question, best)
        text = Path(assistant.library_dir, best.source).read_text(encoding="utf-8")
        assert text[best.start : best.end] == best.text
    assistant.remove("grenoble.md")
    assert by_name["grenoble.md"] not in cited(assistant, QUESTIONS["grenoble.md"][0])
    assert snapshot(seeds_copy) == seeds_before
