"""The text of a DOCX file: its paragraphs, title and author."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sample_files import make_docx, write

from survqa.documents.docx_reader import docx_text
from survqa.documents.ingest import extract
from survqa.errors import IngestError


def test_docx_paragraphs_and_core_properties(tmp_path: Path) -> None:
    found = extract(write(tmp_path, "d.docx", make_docx(["Premier paragraphe.", "Second."], "Doc")))
    assert found.text == "Premier paragraphe.\n\nSecond.\n"
    assert (found.title, found.author) == ("Doc", "Un auteur")


def test_tabs_breaks_and_empty_paragraphs() -> None:
    runs = ["Avant</w:t><w:tab/><w:t>après", "", "Ligne</w:t><w:br/><w:t>suite"]
    found = docx_text(make_docx(runs, "T"), Path("d.docx"))
    assert found["text"] == "Avant après\n\nLigne\nsuite"


def test_no_core_properties_means_no_title() -> None:
    found = docx_text(make_docx(["Texte."], "T", core=False), Path("d.docx"))
    assert (found["text"], found["title"], found["author"]) == ("Texte.", None, None)


def test_unreadable_docx_is_refused() -> None:
    with pytest.raises(IngestError, match=r"not a readable \.docx"):
        docx_text(b"PK not a zip", Path("bad.docx"))
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("other.xml", "<x/>")
    with pytest.raises(IngestError, match=r"bad\.docx: not a readable \.docx"):
        docx_text(empty.getvalue(), Path("bad.docx"))
