"""Adding and removing documents from the page, through Assistant.add / remove (tiny corpus,
fake embedder): all or nothing, refusals listed by file name, uploads deleted, escaped."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY, FakeEmbedder, write_corpus
from sample_files import HTML
from webui_helpers import inert, shown

from survqa import Assistant
from survqa.apps.upload import add_files, added_choices, remove_document


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any, **kw: Any) -> None:
        self.calls.append((*args, kw.get("desc")))


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    a = Assistant(corpus, tmp_path / "index", embedder=FakeEmbedder(), library_dir=tmp_path / "lib")
    a.load()
    return a


def uploaded(tmp_path: Path, name: str, data: str | bytes) -> str:
    """A file as Gradio leaves an upload: in a temporary folder, under the user's name."""
    folder = tmp_path / "gradio" / "3f2a9c"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_an_uploaded_page_is_added_and_answers_at_once(
    assistant: Assistant, tmp_path: Path
) -> None:
    page = uploaded(tmp_path, "lyon.html", HTML)
    progress = Progress()
    status = add_files(assistant, [page], "fr", progress)
    assert "Ajouté" in shown(status) and "Lyon et ses caméras (lyon_" in shown(status)
    assert progress.calls and "Lecture et indexation de 1 fichier" in str(progress.calls[0])
    assert not Path(page).exists()  # the library keeps the text, not the upload
    ((label, source),) = added_choices(assistant.documents())
    assert label == f"Lyon et ses caméras — {source}"
    answer = assistant.ask("Combien de caméras à Lyon ?", 5)  # same assistant, no restart
    assert any("612 caméras" in e.text and e.source == source for e in answer.excerpts)


def test_a_bad_file_refuses_the_batch_naming_the_file_not_the_server_path(
    assistant: Assistant, tmp_path: Path
) -> None:
    before = [d.source for d in assistant.documents()]
    files = [uploaded(tmp_path, "bon.html", HTML), uploaded(tmp_path, "<b>bad.txt", b"\x00\x01")]
    status = add_files(assistant, files, "en", Progress())
    text = shown(status)
    assert "Nothing was added" in text and "<b>bad.txt: binary data" in text
    assert str(tmp_path) not in text and inert(status.replace("<b>Nothing was added:</b>", ""))
    assert [d.source for d in assistant.documents()] == before
    assert (
        not (tmp_path / "lib" / "catalog.json").exists()
        or "bon" not in (tmp_path / "lib" / "catalog.json").read_text()
    )


def test_limits_are_those_of_survqa_add(
    assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVQA_MAX_FILE_MB", "0.001")
    status = add_files(assistant, [uploaded(tmp_path, "gros.html", HTML * 3)], "fr", Progress())
    assert "gros.html: " in shown(status) and "MB limit" in shown(status)
    status = add_files(assistant, [uploaded(tmp_path, "x.exe", "texte")], "fr", Progress())
    assert "unsupported file type '.exe'" in shown(status)


def test_a_duplicate_is_refused_with_the_existing_document(
    assistant: Assistant, tmp_path: Path
) -> None:
    add_files(assistant, [uploaded(tmp_path, "a.html", HTML)], "fr", Progress())
    status = add_files(assistant, [uploaded(tmp_path, "copie.html", HTML)], "fr", Progress())
    assert "same text as the existing document" in shown(status)


def test_nothing_received(assistant: Assistant) -> None:
    assert "Aucun fichier reçu" in shown(add_files(assistant, None, "fr", Progress()))


def test_remove_an_added_document(assistant: Assistant, tmp_path: Path) -> None:
    add_files(assistant, [uploaded(tmp_path, "lyon.html", HTML)], "fr", Progress())
    ((_, source),) = added_choices(assistant.documents())
    status = remove_document(assistant, source, "fr")
    assert "Retiré" in shown(status) and source in shown(status)
    assert added_choices(assistant.documents()) == []
    assert "read-only" in shown(remove_document(assistant, "a.txt", "en"))
    assert "Choose an added document" in shown(remove_document(assistant, None, "en"))


def test_hostile_uploaded_title_and_text_are_escaped(assistant: Assistant, tmp_path: Path) -> None:
    page = (
        "<html><head><title>Piège <img src=x onerror=alert(1)> [a](javascript:x)</title></head>"
        "<body><article><p>Le rapport sur les caméras de Nice cite <script>alert(2)</script>"
        " et 312 caméras installées.</p></article></body></html>"
    )
    status = add_files(assistant, [uploaded(tmp_path, "piege.html", page)], "fr", Progress())
    assert "Ajouté" in shown(status) and "<img" not in status and "javascript:" not in status
    shutil.rmtree(tmp_path / "gradio", ignore_errors=True)
