"""Extraction of added files: formats, encodings, limits, names, and every bad-file case.

Reader-specific tests are in test_html_reader, test_pdf_reader and test_docx_reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_files import MARKDOWN, write

from survqa.documents.ingest import (
    FORMATS,
    Limits,
    content_hash,
    decode,
    expand,
    extract,
    first_line_title,
    normalise_text,
    source_name,
    supported,
)
from survqa.errors import IngestError


def test_markdown_front_matter_heading_and_marks(tmp_path: Path) -> None:
    found = extract(write(tmp_path, "note.md", MARKDOWN))
    assert (found.title, found.author) == ("Note sur Grenoble", "Collectif Technopolice")
    assert found.text.startswith("Grenoble et la reconnaissance faciale\n\n")
    assert "La ville de Grenoble a refusé la reconnaissance faciale en 2021." in found.text
    assert "• premier point" in found.text and "**" not in found.text and "http" not in found.text
    plain = MARKDOWN.split("---\n", 2)[2]
    assert extract(write(tmp_path, "b.md", plain)).title == "Grenoble et la reconnaissance faciale"


def test_html_declared_charset_unless_it_is_valid_utf8(tmp_path: Path) -> None:
    page = ('<html><head><meta charset="windows-1252"><title>Été</title></head>'
            "<body><p>Caméras à Nîmes.</p>")  # fmt: skip
    latin = extract(write(tmp_path, "a.html", page.encode("cp1252")))
    assert (latin.text, latin.title, latin.encoding) == ("Caméras à Nîmes.\n", "Été", "cp1252")
    mislabelled = extract(write(tmp_path, "b.html", page.encode("utf-8")))
    assert (mislabelled.text, mislabelled.encoding) == ("Caméras à Nîmes.\n", "utf-8")
    unknown = page.replace("windows-1252", "x-no-such-charset").encode("utf-8")
    assert extract(write(tmp_path, "c.html", unknown)).encoding == "utf-8"


@pytest.mark.parametrize(("data", "encoding"), [
    ("Élise a vu 3 caméras à Montréal.\n".encode(), "utf-8"),
    ("\ufeffÉlise a vu 3 caméras.\n".encode(), "utf-8-sig"),
    ("Élise a vu 3 caméras.\n".encode("utf-16"), "utf-16"),
    ("Élise a vu 3 caméras à Montréal, déjà.\n".encode("cp1252"), "cp1252"),
])  # fmt: skip
def test_encodings_are_detected_and_recorded(tmp_path: Path, data: bytes, encoding: str) -> None:
    found = extract(write(tmp_path, "e.txt", data))
    assert found.text.startswith("Élise a vu 3 caméras") and found.encoding == encoding
    assert (found.title, found.format) == ("e.txt", "txt")  # a sentence is no title
    assert found.original_name == "e.txt" and found.size == len(data)


def test_decode_reads_latin1_as_cp1252_when_declared() -> None:
    text, encoding = decode("Caméras “à” Nîmes".encode("cp1252"), Path("x.html"), "iso-8859-1")
    assert (text, encoding) == ("Caméras “à” Nîmes", "cp1252")


BAD_TEXT = {
    "empty": b"",
    "blank": b" \n\n\t \n",
    "binary junk": bytes(range(256)) * 8,
    "control junk": b"\x01\x02\x03\x04\x05\x06abc\x07\x08\x0e\x0f" * 20,
    "cyrillic cp1251": "Привет, это текст в кодировке Windows-1251.".encode("cp1251"),
    "undecodable": b"caf\x81\x8d\x8f\x90 \x9d",
}


@pytest.mark.parametrize("name", sorted(BAD_TEXT))
def test_bad_text_files_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(IngestError, match=r"empty|no text|binary|encoding"):
        extract(write(tmp_path, "bad.txt", BAD_TEXT[name]))


def test_size_cap_and_unknown_types(tmp_path: Path) -> None:
    big = write(tmp_path, "big.txt", "Une phrase assez longue. " * 100)
    with pytest.raises(IngestError, match="over the 0 MB limit"):
        extract(big, Limits(max_bytes=1000))
    assert extract(big, Limits(max_bytes=10_000)).format == "txt"
    with pytest.raises(IngestError, match="unsupported file type"):
        extract(write(tmp_path, "a.exe", b"MZ"))
    with pytest.raises(IngestError, match="not a regular file"):
        extract(tmp_path / "missing.txt")
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(IngestError, match="not a regular file"):
        extract(tmp_path / "folder.txt")


def test_size_cap_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SURVQA_MAX_FILE_MB", raising=False)
    assert Limits.from_env() == Limits()
    monkeypatch.setenv("SURVQA_MAX_FILE_MB", "0.5")
    assert Limits.from_env().max_bytes == 512 * 1024


def test_expand_walks_folders_and_skips_hidden_and_unknown(tmp_path: Path) -> None:
    for name in ("a.txt", "sub/b.md", "sub/deep/c.html", ".hidden/d.txt", "e.jpg"):
        write(tmp_path / "in", name, "x")
    found = [p.relative_to(tmp_path / "in").as_posix() for p in expand([tmp_path / "in"])]
    assert found == ["a.txt", "sub/b.md", "sub/deep/c.html"]
    with pytest.raises(IngestError, match="no such file"):
        expand([tmp_path / "nope"])
    twice = expand([tmp_path / "in" / "a.txt", tmp_path / "in"])
    assert len(twice) == len(set(twice)) == 3  # named and found again: listed once


def test_supported_formats() -> None:
    assert supported(Path("A.PDF")) and supported(Path("x.markdown")) and supported(Path("y.htm"))
    assert not supported(Path("z.doc")) and not supported(Path("noext"))
    assert set(FORMATS.values()) == {"txt", "md", "html", "pdf", "docx"}


def test_normalise_text_and_names() -> None:
    assert normalise_text("a\r\nb\u200b\x07\tc  \n\n\n\nﬁn") == "a\nb c\n\nfin\n"
    assert normalise_text("  \n\n") == ""
    assert normalise_text("e\u0301\u2028x") == "é\nx\n"
    assert content_hash("Une  Phrase\n") == content_hash("une phrase")
    name = source_name("Rapport Été 2024.pdf", "0123456789abcdef")
    assert name == "rapport-ete-2024_0123456789.txt"
    assert source_name("***.txt", "ab" * 8) == "document_ababababab.txt"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("# Un titre\n\nTexte.", "Un titre"),
        ("\n\n• Point\n", "Point"),
        ("Une phrase qui finit.\n", None),
        ("x" * 121, None),
        ("", None),
    ],
)
def test_first_line_title(text: str, title: str | None) -> None:
    assert first_line_title(text) == title
