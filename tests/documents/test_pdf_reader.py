"""The text layer of a PDF, parsed in a child process with time and memory limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_files import encrypted_pdf, make_pdf, runaway_pdf, write

from survqa.documents.ingest import Limits, extract
from survqa.documents.pdf_reader import pdf_text
from survqa.errors import IngestError


def test_pdf_text_layer_and_metadata(tmp_path: Path) -> None:
    pdf = make_pdf(["Le rapport compte 4 200 caméras à Nice.", "Fin."], title="Rapport Nice",
                   author="ONG Vigie")  # fmt: skip
    found = extract(write(tmp_path, "nice.pdf", pdf))
    assert "Le rapport compte 4 200 caméras à Nice." in found.text
    assert (found.title, found.author, found.format) == ("Rapport Nice", "ONG Vigie", "pdf")
    untitled = extract(write(tmp_path, "x.pdf", make_pdf(["Une phrase sans titre."])))
    assert untitled.title == "x.pdf"  # no metadata, first line is a sentence: the file name


def test_compressed_content_stream(tmp_path: Path) -> None:
    path = write(tmp_path, "z.pdf", make_pdf(["Texte compressé à Lyon."], compress=True))
    assert "Texte compressé à Lyon." in pdf_text(path, Limits())["text"]


@pytest.mark.parametrize("junk", ["Untitled", "Microsoft Word - rapport.docx", "scan.pdf"])
def test_junk_metadata_titles_are_ignored(tmp_path: Path, junk: str) -> None:
    path = write(tmp_path, "r.pdf", make_pdf(["Une phrase."], title=junk))
    assert pdf_text(path, Limits())["title"] is None


def test_bad_pdfs_say_why(tmp_path: Path) -> None:
    no_text = write(tmp_path, "scan.pdf", make_pdf([], stream=b"q 0 0 612 792 re f Q"))
    with pytest.raises(IngestError, match=r"no text layer.*OCR is not supported"):
        extract(no_text)
    with pytest.raises(IngestError, match="encrypted"):
        extract(write(tmp_path, "enc.pdf", encrypted_pdf(["Secret."])))
    with pytest.raises(IngestError, match="not a readable PDF"):
        extract(write(tmp_path, "junk.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40))


def test_runaway_pdf_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "slow.pdf", runaway_pdf(400_000))
    with pytest.raises(IngestError, match=r"over its 0.5 s limit"):
        extract(path, Limits(pdf_seconds=0.5))


def test_runaway_pdf_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.pdf", runaway_pdf(300_000))
    with pytest.raises(IngestError, match=r"over its 100 MB memory limit"):
        extract(path, Limits(pdf_memory_mb=100, pdf_seconds=60))
