"""The text layer of a PDF file: pypdf, in a child process with time and memory limits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from survqa.errors import IngestError

if TYPE_CHECKING:
    from survqa.documents.ingest import Limits

_PDF_CHILD = r"""
import json, resource, sys
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
cpu = max(1, int(float(sys.argv[3])) + 1)
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
def out(**kw):
    sys.stdout.write(json.dumps(kw))
    sys.exit(0)
try:
    from pypdf import PdfReader
    reader = PdfReader(sys.argv[1], strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = 0
        if not opened:
            out(error="encrypted")
    try:
        meta = reader.metadata or {}
        info = {k: str(meta["/" + k.title()]) for k in ("title", "author")
                if meta.get("/" + k.title())}
    except Exception:
        info = {}
    pages = [page.extract_text() or "" for page in reader.pages]
    out(pages=pages, **info)
except MemoryError:
    out(error="memory")
except Exception as exc:
    out(error="unreadable", detail=(type(exc).__name__ + ": " + str(exc))[:300])
"""
_JUNK_TITLES = re.compile(
    r"^(untitled|sans titre|document\d*|microsoft word - .*|.*\.(docx?|pdf))$", re.IGNORECASE
)


def pdf_text(path: Path, limits: Limits) -> dict[str, str | None]:
    """Text layer of a PDF, parsed by pypdf in a child process with time and memory limits."""
    command = [
        sys.executable,
        "-I",
        "-c",
        _PDF_CHILD,
        str(path),
        str(limits.pdf_memory_mb),
        str(limits.pdf_seconds),
    ]
    try:
        run = subprocess.run(command, capture_output=True, timeout=limits.pdf_seconds, check=False)
    except subprocess.TimeoutExpired:
        raise IngestError(
            f"{path}: the PDF parser ran over its {limits.pdf_seconds:g} s limit and was stopped "
            "(malformed or pathological PDF); nothing was added"
        ) from None
    try:
        result = json.loads(run.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        result = {
            "error": "memory" if run.returncode != 0 else "unreadable",
            "detail": run.stderr.decode("utf-8", "replace")[-300:],
        }
    error = result.get("error")
    if error == "encrypted":
        raise IngestError(
            f"{path}: the PDF is encrypted (password-protected); remove the "
            "protection and add it again"
        )
    if error == "memory":
        raise IngestError(
            f"{path}: the PDF parser went over its {limits.pdf_memory_mb} MB memory "
            "limit and was stopped (malformed or pathological PDF)"
        )
    if error:
        raise IngestError(f"{path}: not a readable PDF ({result.get('detail', error)})")
    text = "\n\n".join(page.strip() for page in result.get("pages", []))
    if not any(ch.isalnum() for ch in text):
        raise IngestError(
            f"{path}: the PDF has no text layer (scanned pages?); OCR is not "
            "supported: add a PDF with text, or its text as a .txt file"
        )
    title = result.get("title")
    if title and _JUNK_TITLES.match(title.strip()):
        title = None
    return {"text": text, "title": title, "author": result.get("author")}
