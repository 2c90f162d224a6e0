"""Adding and removing documents from the browser, through ``Assistant.add`` / ``remove``.

The same checks, limits and all-or-nothing behaviour as ``survqa add``: one bad file
refuses the batch and each refused file is listed with its reason; the size cap is the
ingest cap (Gradio refuses a bigger upload before anything reads it, see
``webui.launch_options``). The running assistant reloads its index, so the next question
is answered from the new documents. Only offered when the app is started with uploads
allowed (``app.py --allow-upload``; the default on 127.0.0.1 only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from survqa.apps.labels import page_labels
from survqa.apps.rendering import escape
from survqa.collection.library import AddReport
from survqa.documents.ingest import FORMATS, Limits
from survqa.errors import SurvqaError
from survqa.records import Document

log = logging.getLogger(__name__)

FILE_TYPES = sorted(FORMATS)
Progress = Callable[..., Any]


class Library(Protocol):
    def add(
        self, paths: Sequence[Path | str], *, limits: Limits | None = None, skip_bad: bool = False
    ) -> AddReport: ...

    def remove(self, *names: str) -> list[Document]: ...

    def documents(self) -> list[Document]: ...


def upload_limits() -> Limits:
    """The ingest limits of an upload: those of ``survqa add`` (``SURVQA_MAX_FILE_MB``)."""
    return Limits.from_env()


def _names(files: Sequence[str]) -> dict[str, str]:
    """Each uploaded file's temporary path (as given and resolved) → the name the user gave."""
    names = {}
    for raw in files:
        path = Path(raw)
        names[str(path)] = path.name
        names[str(path.resolve())] = path.name
    return names


def _without_paths(message: str, names: dict[str, str]) -> str:
    """An ingest message that names the user's file, not the server's temporary path."""
    for path in sorted(names, key=len, reverse=True):
        message = message.replace(path, names[path])
    return message


def _status(kind: str, title: str, lines: Sequence[str]) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div class="sq-status sq-{kind}"><b>{escape(title)}</b><ul>{items}</ul></div>'


def _discard(files: Sequence[str]) -> None:
    """Delete the uploaded copies: the library keeps the extracted text."""
    for raw in files:
        Path(raw).unlink(missing_ok=True)


def add_files(
    library: Library, files: Sequence[str] | None, language: str, progress: Progress
) -> str:
    """Add the uploaded ``files``; the status message (HTML) says what was added or why
    nothing was."""
    words = page_labels(language)
    files = [str(f) for f in files or [] if isinstance(f, (str, Path))]
    if not files:
        return _status("refused", words["upload_none"], [])
    names = _names(files)
    progress(0.1, desc=words["upload_progress"].format(n=len(files)))
    try:
        report = library.add(files, limits=upload_limits())
    except (SurvqaError, ValueError) as exc:
        lines = _without_paths(str(exc), names).splitlines()
        reasons = [line for line in lines if line.strip() and not line.startswith("nothing")]
        log.info("upload refused: %s", reasons)
        return _status("refused", words["upload_refused"], reasons or lines)
    except Exception:
        log.exception("upload failed")
        return _status("refused", words["upload_refused"], ["internal error"])
    finally:
        _discard(files)
    progress(1.0)
    added = [f"{d.title} ({d.source})" for d in report.added]
    return _status("added", words["upload_added"], added)


def remove_document(library: Library, source: object, language: str) -> str:
    """Remove the added document ``source``; the status message (HTML)."""
    words = page_labels(language)
    if not isinstance(source, str) or not source:
        return _status("refused", words["upload_pick"], [])
    try:
        removed = library.remove(source)
    except (SurvqaError, ValueError) as exc:
        return _status("refused", words["upload_pick"], [str(exc)])
    return _status("removed", words["upload_removed"], [f"{d.title} ({d.source})" for d in removed])


def added_choices(documents: Sequence[Document]) -> list[tuple[str, str]]:
    """The documents that can be removed (the added ones), by title."""
    return [(f"{d.title} — {d.source}", d.source) for d in documents if d.origin == "added"]
