"""Extract readable text (and title, author, publisher) from a file to add to the corpus.

Formats: ``.txt``, ``.md``/``.markdown``, ``.html``/``.htm``, ``.pdf`` (text layer, via
pypdf in a child process with a time and memory limit) and ``.docx``. Every problem
raises :class:`IngestError` with a message naming the file and what to do; nothing is
written here (see :mod:`survqa.collection.library`).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from survqa.documents.decoding import browser_codec, decode
from survqa.documents.docx_reader import docx_text
from survqa.documents.html_reader import html_text
from survqa.documents.markdown_reader import markdown_text
from survqa.documents.pdf_reader import pdf_text
from survqa.errors import IngestError

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
MAX_FILE_MB_ENV = "SURVQA_MAX_FILE_MB"
TITLE_CHARS = 160
_TRANSLATE = str.maketrans(
    {
        "ﬀ": "ff",
        "ﬁ": "fi",
        "ﬂ": "fl",
        "ﬃ": "ffi",
        "ﬄ": "ffl",
        "ﬅ": "st",
        "ﬆ": "st",
        "\t": " ",
        "\u2028": "\n",
        "\u2029": "\n\n",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of one extraction (size cap, PDF parser time and memory)."""

    max_bytes: int = 50 * 1024 * 1024
    pdf_seconds: float = 60.0
    pdf_memory_mb: int = 1024

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, with the size cap from SURVQA_MAX_FILE_MB when set."""
        raw = os.environ.get(MAX_FILE_MB_ENV)
        return cls(max_bytes=int(float(raw) * 1024 * 1024)) if raw else cls()


@dataclass(frozen=True, slots=True)
class Extracted:
    """The text of one file and what is known about it."""

    text: str
    title: str
    format: str
    original_name: str
    encoding: str | None = None
    author: str | None = None
    publisher: str | None = None
    size: int = 0


def supported(path: Path) -> bool:
    return path.suffix.lower() in FORMATS


def expand(paths: Sequence[Path | str]) -> list[Path]:
    """Files named, and the supported files of the folders named (recursively, no hidden)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and supported(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.exists():
            found.append(path)
        else:
            raise IngestError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def source_name(original: str, digest: str) -> str:
    """``<ascii slug of the file stem>_<10 hex of the content hash>.txt``."""
    stem = unicodedata.normalize("NFKD", Path(original).stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40].strip("-") or "document"
    return f"{slug}_{digest[:10]}.txt"


def content_hash(text: str) -> str:
    """sha256 of the normalised text (NFKC, case-folded, whitespace collapsed)."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(folded.encode()).hexdigest()


def extract(path: Path, limits: Limits | None = None) -> Extracted:
    """Text and metadata of ``path``; raises IngestError for anything unusable."""
    limits = limits or Limits.from_env()
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise IngestError(f"{path}: unsupported file type {path.suffix!r} (supported: {known})")
    try:
        if not path.is_file():
            raise IngestError(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise IngestError(
                f"{path}: {size / 2**20:.1f} MB is over the {limits.max_bytes / 2**20:.0f} MB "
                f"limit (raise it with --max-size or {MAX_FILE_MB_ENV})"
            )
        if size == 0:
            raise IngestError(f"{path}: the file is empty")
        if fmt == "pdf":
            found = pdf_text(path, limits)
        else:
            reader = {"txt": _plain, "md": markdown_text, "html": _html, "docx": docx_text}[fmt]
            found = reader(path.read_bytes(), path)
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the file ({exc})") from exc
    text = normalise_text(found.pop("text") or "")
    if not any(ch.isalnum() for ch in text):
        raise IngestError(f"{path}: no text found in the file (it is empty once extracted)")
    title = _short(found.pop("title", None)) or first_line_title(text) or path.name
    return Extracted(
        text=text,
        title=title,
        format=fmt,
        original_name=path.name,
        size=size,
        **{k: _short(v) for k, v in found.items()},
    )


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no control or invisible format characters, no ligatures,
    no trailing spaces, at most one blank line in a row, one final newline."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(
        ch
        for ch in text.translate(_TRANSLATE)
        if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n" if text else ""


def _short(value: object) -> str | None:
    """A one-line metadata string, or None when blank."""
    if value is None:
        return None
    line = " ".join(str(value).split())
    return line[:TITLE_CHARS] if line else None


def first_line_title(text: str) -> str | None:
    """The first non-empty line when it is short enough to be a title."""
    for line in text.splitlines():
        line = line.strip().lstrip("#•* ").strip()
        if line:
            return line if len(line) <= 120 and not line.endswith((".", ",", ";")) else None
    return None


def _plain(data: bytes, path: Path) -> dict[str, str | None]:
    text, encoding = decode(data, path)
    return {"text": text, "encoding": encoding}


def _html(data: bytes, path: Path) -> dict[str, str | None]:
    head = data[:4096].decode("ascii", "replace")
    charset = re.search(r"<meta[^>]+charset\s*=\s*[\"']?([\w:.-]+)", head, re.IGNORECASE)
    declared = charset.group(1) if charset else None
    try:
        codecs.lookup(browser_codec(declared or "utf-8"))
    except LookupError:
        declared = None
    text, encoding = decode(data, path, declared)
    found: dict[str, str | None] = dict(html_text(text))
    found["encoding"] = encoding
    return found
