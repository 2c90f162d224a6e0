"""Text extraction of added files: formats, metadata, encodings, and every bad-file case."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from survqa.errors import IngestError
from survqa.ingest import Limits, content_hash, expand, extract, normalise, source_name

HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>Lyon et ses caméras | Le Quotidien</title>
<meta property="og:site_name" content="Le Quotidien"><meta name="author" content="Jeanne Martin">
<style>p { color: red }</style><script>var s = "<p>pas du texte</p>";</script></head>
<body><header><nav><ul><li>Accueil</li><li>Monde</li></ul></nav></header>
<div class="cookie-banner">Nous utilisons des cookies.</div>
<article><h1>Lyon installe des caméras</h1>
<p>La métropole de Lyon a installé 612 caméras
de vidéoprotection en 2023, selon la chambre régionale des comptes.</p>
<p>Le budget atteint 4&nbsp;millions d'euros.<br>Une seconde ligne.</p>
<ul><li>Point un</li><li>Point deux</li></ul>
<div class="share-buttons">Partager sur Twitter</div></article>
<aside>À lire aussi : autre chose</aside><footer>© Le Quotidien 2024</footer></body></html>
"""

MARKDOWN = """---
title: Note sur Grenoble
author: Collectif Technopolice
---
# Grenoble et la reconnaissance faciale

La ville de **Grenoble** a refusé la [reconnaissance faciale](https://example.org) en 2021.

- premier point
- second point
"""


def make_pdf(lines: list[str], *, title: str | None = None, author: str | None = None,
             stream: bytes | None = None, compress: bool = False) -> bytes:
    """A minimal one-page PDF with a Helvetica text layer (WinAnsi), written by hand."""
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({s}) '" for s in escaped) + " ET"
    data = content.encode("cp1252") if stream is None else stream
    flate = ""
    if compress:
        data, flate = zlib.compress(data, 9), " /Filter /FlateDecode"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(data)}{flate} >>\nstream\n".encode() + data + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    info = [f"/Title ({title})" if title else "", f"/Author ({author})" if author else ""]
    if any(info):
        objects.append(("<< " + " ".join(info) + " >>").encode("cp1252"))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R" + (
        f" /Info {len(objects)} 0 R" if any(info) else "") + " >>"
    out.write(f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypted_pdf(lines: list[str]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(lines))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[str], title: str) -> bytes:
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{title}</dc:title><dc:creator>Un auteur</dc:creator></cp:coreProperties>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        document = f"<w:document {w}><w:body>{body}</w:body></w:document>"
        archive.writestr("word/document.xml", document)
        archive.writestr("docProps/core.xml", core)
    return out.getvalue()


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_html_keeps_the_article_and_drops_furniture(tmp_path: Path) -> None:
    found = extract(write(tmp_path, "lyon.html", HTML))
    assert found.title == "Lyon et ses caméras"
    assert (found.author, found.publisher) == ("Jeanne Martin", "Le Quotidien")
    assert found.format == "html"
    assert "612 caméras de vidéoprotection en 2023" in found.text  # source line break joined
    assert "4 millions" in found.text and "• Point un" in found.text
    dropped = ("Accueil", "cookies", "Partager", "À lire aussi", "©", "pas du texte", "color")
    for furniture in dropped:
        assert furniture not in found.text


def test_html_declared_charset_unless_it_is_valid_utf8(tmp_path: Path) -> None:
    page = ('<html><head><meta charset="windows-1252"><title>Été</title></head>'
            "<body><p>Caméras à Nîmes.</p>")
    latin = extract(write(tmp_path, "a.html", page.encode("cp1252")))
    assert (latin.text, latin.title, latin.encoding) == ("Caméras à Nîmes.\n", "Été", "cp1252")
    mislabelled = extract(write(tmp_path, "b.html", page.encode("utf-8")))
    assert (mislabelled.text, mislabelled.encoding) == ("Caméras à Nîmes.\n", "utf-8")


def test_markdown_front_matter_heading_and_marks(tmp_path: Path) -> None:
    found = extract(write(tmp_path, "note.md", MARKDOWN))
    assert (found.title, found.author) == ("Note sur Grenoble", "Collectif Technopolice")
    assert found.text.startswith("Grenoble et la reconnaissance faciale\n\n")
    assert "La ville de Grenoble a refusé la reconnaissance faciale en 2021." in found.text
    assert "• premier point" in found.text and "**" not in found.text and "http" not in found.text
    plain = MARKDOWN.split("---\n", 2)[2]
    assert extract(write(tmp_path, "b.md", plain)).title == "Grenoble et la reconnaissance faciale"


def test_pdf_text_layer_and_metadata(tmp_path: Path) -> None:
    pdf = make_pdf(["Le rapport compte 4 200 caméras à Nice.", "Fin."], title="Rapport Nice",
                   author="ONG Vigie")
    found = extract(write(tmp_path, "nice.pdf", pdf))
    assert "Le rapport compte 4 200 caméras à Nice." in found.text
    assert (found.title, found.author, found.format) == ("Rapport Nice", "ONG Vigie", "pdf")
    untitled = extract(write(tmp_path, "x.pdf", make_pdf(["Une phrase sans titre."])))
    assert untitled.title == "x.pdf"  # no metadata, first line is a sentence: the file name


def test_docx_paragraphs_and_core_properties(tmp_path: Path) -> None:
    found = extract(write(tmp_path, "d.docx", make_docx(["Premier paragraphe.", "Second."], "Doc")))
    assert found.text == "Premier paragraphe.\n\nSecond.\n"
    assert (found.title, found.author) == ("Doc", "Un auteur")


@pytest.mark.parametrize(("data", "encoding"), [
    ("Élise a vu 3 caméras à Montréal.\n".encode(), "utf-8"),
    ("\ufeffÉlise a vu 3 caméras.\n".encode(), "utf-8-sig"),
    ("Élise a vu 3 caméras.\n".encode("utf-16"), "utf-16"),
    ("Élise a vu 3 caméras à Montréal, déjà.\n".encode("cp1252"), "cp1252"),
])
def test_encodings_are_detected_and_recorded(tmp_path: Path, data: bytes, encoding: str) -> None:
    found = extract(write(tmp_path, "e.txt", data))
    assert found.text.startswith("Élise a vu 3 caméras") and found.encoding == encoding
    assert (found.title, found.format) == ("e.txt", "txt")  # a sentence is no title


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


def test_bad_pdfs_say_why(tmp_path: Path) -> None:
    no_text = write(tmp_path, "scan.pdf", make_pdf([], stream=b"q 0 0 612 792 re f Q"))
    with pytest.raises(IngestError, match=r"no text layer.*OCR is not supported"):
        extract(no_text)
    with pytest.raises(IngestError, match="encrypted"):
        extract(write(tmp_path, "enc.pdf", encrypted_pdf(["Secret."])))
    with pytest.raises(IngestError, match="not a readable PDF"):
        extract(write(tmp_path, "junk.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40))


def runaway_pdf(operations: int) -> bytes:
    """A PDF whose content stream makes the text extractor crawl (and grow)."""
    return make_pdf([], stream=b"BT /F1 12 Tf " + b"(ab) Tj 1 0 Td " * operations + b"ET")


def test_runaway_pdf_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "slow.pdf", runaway_pdf(400_000))
    with pytest.raises(IngestError, match=r"over its 0.5 s limit"):
        extract(path, Limits(pdf_seconds=0.5))


def test_runaway_pdf_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.pdf", runaway_pdf(300_000))
    with pytest.raises(IngestError, match=r"over its 100 MB memory limit"):
        extract(path, Limits(pdf_memory_mb=100, pdf_seconds=60))


def test_size_cap_and_unknown_types(tmp_path: Path) -> None:
    big = write(tmp_path, "big.txt", "Une phrase assez longue. " * 100)
    with pytest.raises(IngestError, match="over the 0 MB limit"):
        extract(big, Limits(max_bytes=1000))
    assert extract(big, Limits(max_bytes=10_000)).format == "txt"
    with pytest.raises(IngestError, match="unsupported file type"):
        extract(write(tmp_path, "a.exe", b"MZ"))
    with pytest.raises(IngestError, match="not a regular file"):
        extract(tmp_path / "missing.txt")


def test_expand_walks_folders_and_skips_hidden_and_unknown(tmp_path: Path) -> None:
    for name in ("a.txt", "sub/b.md", "sub/deep/c.html", ".hidden/d.txt", "e.jpg"):
        write(tmp_path / "in", name, "x")
    found = [p.relative_to(tmp_path / "in").as_posix() for p in expand([tmp_path / "in"])]
    assert found == ["a.txt", "sub/b.md", "sub/deep/c.html"]
    with pytest.raises(IngestError, match="no such file"):
        expand([tmp_path / "nope"])


def test_normalise_and_names() -> None:
    assert normalise("a\r\nb\u200b\x07\tc  \n\n\n\nﬁn") == "a\nb c\n\nfin\n"
    assert content_hash("Une  Phrase\n") == content_hash("une phrase")
    name = source_name("Rapport Été 2024.pdf", "0123456789abcdef")
    assert name == "rapport-ete-2024_0123456789.txt"
    assert source_name("***.txt", "ab" * 8) == "document_ababababab.txt"
