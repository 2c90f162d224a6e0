"""Files a user adds, made by hand for the tests: an HTML page, a Markdown note, minimal PDFs
(with a text layer, encrypted, or one that makes the parser crawl) and a DOCX."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from pypdf import PdfReader, PdfWriter

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

# a note that an add turns into one library document (used by the collection tests)
GRENOBLE = """# Grenoble dit non

Le conseil municipal de Grenoble a voté l'interdiction de la reconnaissance faciale le 12 mars 2021.

La décision a été prise à l'unanimité des élus présents.
"""


def make_pdf(
    lines: list[str],
    *,
    title: str | None = None,
    author: str | None = None,
    stream: bytes | None = None,
    compress: bool = False,
) -> bytes:
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
    info_ref = f" /Info {len(objects)} 0 R" if any(info) else ""
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R{info_ref} >>"
    out.write(f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypted_pdf(lines: list[str]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(lines))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def runaway_pdf(operations: int) -> bytes:
    """A PDF whose content stream makes the text extractor crawl (and grow)."""
    return make_pdf([], stream=b"BT /F1 12 Tf " + b"(ab) Tj 1 0 Td " * operations + b"ET")


def make_docx(paragraphs: list[str], title: str, *, core: bool = True) -> bytes:
    """A DOCX of plain paragraphs (their XML inserted as is), title and author in core.xml."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    properties = (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:creator>Un auteur</dc:creator></cp:coreProperties>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        document = f"<w:document {w}><w:body>{body}</w:body></w:document>"
        archive.writestr("word/document.xml", document)
        if core:
            archive.writestr("docProps/core.xml", properties)
    return out.getvalue()


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


VIGIE_PDF_LINES = [
    "Rapport annuel de l'observatoire Vigie",
    "L'observatoire a recensé 37 drones de surveillance utilisés par la police de Marseille.",
    "Les vols ont lieu surtout la nuit, au-dessus des quartiers nord.",
]


def inbox(folder: Path) -> Path:
    """A folder of three files to add: an HTML page, a PDF and a Markdown note."""
    write(folder, "lyon.html", HTML)
    write(
        folder, "vigie.pdf", make_pdf(VIGIE_PDF_LINES, title="Rapport Vigie 2024", author="Vigie")
    )
    write(folder, "grenoble.md", GRENOBLE)
    return folder
