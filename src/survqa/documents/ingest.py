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

from survqa.documents.docx_reader import docx_text
from survqa.documents.html_reader import html_text
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
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# punctuation that cp1252 text legitimately contains above ASCII
_COMMON_HIGH = set("«»‘’“”–—…°€£§·•\u00a0×¿¡ºª")
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
            reader = {"txt": _plain, "md": _markdown, "html": _html, "docx": docx_text}[fmt]
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


def decode(data: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): a BOM, else the declared charset, else UTF-8, else cp1252 when
    the result reads as real text; anything else is refused rather than garbled."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(name), path), name
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{path}: starts with a {name} mark but is not {name} ({exc})"
                ) from exc
    if b"\x00" in data:
        raise IngestError(f"{path}: binary data, not text (NUL bytes); is the extension right?")
    candidates = [declared] if declared else []
    for name in ["utf-8", *candidates, "cp1252"]:  # valid UTF-8 is UTF-8, whatever it declares
        try:
            text = data.decode(_codec(name))
        except (UnicodeDecodeError, LookupError):
            continue
        if name == "cp1252" and not declared and not _plausible_latin(text):
            break
        return _checked(text, path), codecs.lookup(_codec(name)).name
    raise IngestError(
        f"{path}: unknown text encoding (not UTF-8, nor plausible Windows-1252); "
        "re-save the file as UTF-8 and add it again"
    )


def _codec(name: str) -> str:
    """Browsers read latin-1 as cp1252 (its superset)."""
    latin = name.lower().replace("_", "-") in ("iso-8859-1", "latin-1", "latin1")
    return "cp1252" if latin else name


def _plausible_latin(text: str) -> bool:
    """cp1252 text of a Western language: few accented letters, few odd symbols."""
    letters = [ch for ch in text if ch.isalpha()]
    high = [ch for ch in letters if ord(ch) > 127]
    odd = [ch for ch in text if ord(ch) > 127 and not ch.isalpha() and ch not in _COMMON_HIGH]
    return bool(letters) and len(high) <= 0.3 * len(letters) and len(odd) <= 0.01 * len(text)


def _checked(text: str, path: Path) -> str:
    """Refuse text with many control / unassigned / private-use characters (binary junk)."""
    bad = sum(
        1
        for ch in text
        if ch not in "\n\r\t\f" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )
    if bad > max(2, 0.01 * len(text)) or "\ufffd" * 3 in text:
        raise IngestError(
            f"{path}: binary data, not text ({bad} control characters); is the extension right?"
        )
    return text


def _plain(data: bytes, path: Path) -> dict[str, str | None]:
    text, encoding = decode(data, path)
    return {"text": text, "encoding": encoding}


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def _markdown(data: bytes, path: Path) -> dict[str, str | None]:
    """Markdown as readable text: headings, emphasis, links and images unmarked."""
    text, encoding = decode(data, path)
    text = text.replace("\r\n", "\n")
    meta: dict[str, str] = {}
    front = _FRONT.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = _HEADING.search(text) or re.search(r"^(\S.*)\n=+[ \t]*$", text, re.MULTILINE)
    rules: list[tuple[str, str]] = [
        (r"<!--.*?-->", ""),
        (r"^[ \t]*```.*$", ""),
        (r"^[ \t]*(?:[-*_][ \t]*){3,}$", ""),
        (r"^[=-]{3,}[ \t]*$", ""),
        (r"!\[[^\]]*\]\([^)]*\)", ""),
        (r"\[([^\]]+)\]\([^)]*\)", r"\1"),
        (r"^#{1,6}[ \t]+(.+?)[ \t#]*$", r"\1"),
        (r"^[ \t]*>[ \t]?", ""),
        (r"^([ \t]*)[-*+][ \t]+", r"\1• "),
        (r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2"),
        (r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)", r"\1"),
        (r"`([^`\n]+)`", r"\1"),
    ]
    for pattern, repl in rules:
        text = re.sub(pattern, repl, text, flags=re.MULTILINE | re.DOTALL)
    title = meta.get("title") or (_strip_marks(heading.group(1)) if heading else None)
    return {
        "text": text,
        "encoding": encoding,
        "title": title,
        "author": meta.get("author"),
        "publisher": meta.get("publisher"),
    }


def _strip_marks(text: str) -> str:
    return re.sub(r"[*_`]+", "", re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)).strip()


def _html(data: bytes, path: Path) -> dict[str, str | None]:
    head = data[:4096].decode("ascii", "replace")
    charset = re.search(r"<meta[^>]+charset\s*=\s*[\"']?([\w:.-]+)", head, re.IGNORECASE)
    declared = charset.group(1) if charset else None
    try:
        codecs.lookup(_codec(declared or "utf-8"))
    except LookupError:
        declared = None
    text, encoding = decode(data, path, declared)
    found: dict[str, str | None] = dict(html_text(text))
    found["encoding"] = encoding
    return found
