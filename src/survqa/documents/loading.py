"""Load the documents of a folder: every ``.txt`` of the seeds, the listed files of the library.

A document's text is kept exactly as read (UTF-8): every citation offset indexes into it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from survqa.documents.catalog import CATALOG_NAME, read_catalog
from survqa.documents.paragraphs import BOILERPLATE
from survqa.errors import CorpusError
from survqa.records import Document
from survqa.text import clean

logger = logging.getLogger(__name__)

TITLE_CHARS = 120


def load_seeds(folder: Path) -> list[Document]:
    """Every ``*.txt`` of the seeds folder, by file name, with its catalog entry."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} not found: create it, add .txt articles")
    paths = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if not paths:
        raise CorpusError(f"no .txt file in {folder}: add the articles as UTF-8 .txt files")
    entries = read_catalog(folder)
    if entries is None:
        logger.warning("no %s in %s: titles come from the files", CATALOG_NAME, folder)
    catalog = {e["source"]: e for e in entries or []}
    for source in sorted(set(catalog) - {p.name for p in paths}):
        logger.warning("catalog entry %s has no file in %s", source, folder)
    return [_document(path, _read_text(path), catalog.get(path.name, {})) for path in paths]


def load_library(folder: Path) -> list[Document]:
    """The added documents that the library catalog lists, by file name; a listed file that
    cannot be read is skipped with a warning."""
    folder = Path(folder)
    documents = []
    for entry in sorted(read_catalog(folder) or [], key=lambda e: e["source"]):
        path = folder / entry["source"]
        try:
            text = _read_text(path)
        except CorpusError as exc:
            logger.warning("%s: `survqa remove %s`", exc, entry["source"])
            continue
        documents.append(_document(path, text, {**entry, "origin": "added"}))
    return documents


def _document(path: Path, text: str, entry: dict[str, Any]) -> Document:
    return Document(
        source=path.name,
        title=entry.get("title") or fallback_title(text, path.name),
        text=text,
        publisher=entry.get("publisher"),
        author=entry.get("author"),
        origin=entry.get("origin") or "seed",
        added=entry.get("added"),
        folder=str(path.parent),
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text: re-save it as UTF-8 ({exc})") from exc
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc}): check its permissions") from exc


def fallback_title(text: str, source: str) -> str:
    """First non-empty, non-boilerplate line (trimmed), else the file name."""
    for line in text.splitlines():
        body = clean(line)
        if body and not BOILERPLATE.match(body):
            if len(body) <= TITLE_CHARS:
                return body
            return body[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return source


def corpus_hash(documents: Sequence[Document]) -> str:
    """sha256 hex over (source, text) of every document, in order."""
    digest = hashlib.sha256()
    for doc in documents:
        for part in (doc.source, doc.text):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()


def text_hash(document: Document) -> str:
    """sha256 hex of a document's text (what the index manifest records per document)."""
    return hashlib.sha256(document.text.encode("utf-8")).hexdigest()
