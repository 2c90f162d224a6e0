"""The text of a DOCX file: the paragraphs of word/document.xml, title and author from
docProps/core.xml."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from survqa.errors import IngestError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"


def docx_text(data: bytes, path: Path) -> dict[str, str | None]:
    """Paragraphs of word/document.xml; title and author from docProps/core.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in ("word/document.xml", "docProps/core.xml"):
                if name in archive.namelist() and archive.getinfo(name).file_size > 200 * 2**20:
                    raise IngestError(f"{path}: {name} expands to over 200 MB; refused")
            body = ElementTree.fromstring(archive.read("word/document.xml"))
            names = archive.namelist()
            core = archive.read("docProps/core.xml") if "docProps/core.xml" in names else b""
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, RuntimeError) as exc:
        raise IngestError(f"{path}: not a readable .docx file ({exc})") from exc
    paragraphs = []
    for para in body.iter(f"{_W}p"):
        parts = []
        for node in para.iter():
            if node.tag == f"{_W}t":
                parts.append(node.text or "")
            elif node.tag in (f"{_W}tab", f"{_W}br"):
                parts.append(" " if node.tag == f"{_W}tab" else "\n")
        paragraphs.append("".join(parts))
    meta = ElementTree.fromstring(core) if core else None
    title = meta.findtext(f"{_DC}title") if meta is not None else None
    author = meta.findtext(f"{_DC}creator") if meta is not None else None
    return {
        "text": "\n\n".join(p for p in paragraphs if p.strip()),
        "title": title,
        "author": author,
    }
