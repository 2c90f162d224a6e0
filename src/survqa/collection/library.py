"""The library folder of added documents, beside the read-only seeds, and its transactions.

Each added document is its extracted text as a UTF-8 ``.txt`` in the library folder
(citations slice a real file, as for the seeds), listed in the library's ``catalog.json``
(the seeds' format plus ``origin="added"``, ``added``, ``original_name``, ``format``,
``encoding``, ``content_sha256``). A ``.txt`` the catalog does not list is ignored (an
interrupted add's) and cleared by the next writer.

A change is all-or-nothing (:func:`commit`): the texts and the new catalog are written
under temporary names, the index is rebuilt and swapped in, the texts are renamed into
place, and the catalog rename commits. A crash before that rename leaves the library as
it was; the index, if already swapped, no longer matches the corpus hash and is rebuilt
(with no new embedding) on the next load.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survqa.documents.catalog import CATALOG_NAME, catalog_json, read_catalog
from survqa.documents.ingest import Extracted
from survqa.errors import CorpusError
from survqa.records import Document

logger = logging.getLogger(__name__)

_ORPHAN = re.compile(r"_[0-9a-f]{10}\.txt$")  # the files ingest.source_name makes


@dataclass(slots=True)
class AddReport:
    """What an add did: the documents added, and the files skipped (with the reason)."""

    added: list[Document] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def entries(folder: Path) -> list[dict[str, Any]]:
    """The library's catalog entries, in the order they were added (none when absent)."""
    return read_catalog(folder) or []


def new_entry(found: Extracted, source: str, digest: str) -> dict[str, Any]:
    """The catalog entry of a document being added."""
    return {
        "source": source, "title": found.title, "publisher": found.publisher, "origin": "added",
        "author": found.author, "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "original_name": found.original_name, "format": found.format, "encoding": found.encoding,
        "bytes": found.size, "chars": len(found.text), "content_sha256": digest,
    }  # fmt: skip


def find(name: str, documents: Sequence[Document], listed: Sequence[dict[str, Any]]) -> str:
    """The library file name that ``name`` designates (file name, stem or original name)."""
    matches = [
        e["source"]
        for e in listed
        if name in (e["source"], e["source"].removesuffix(".txt"), e.get("original_name"))
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValueError(f"{name!r} names several added documents {matches}: give the file name")
    if any(name in (d.source, d.doc_id) for d in documents):
        raise ValueError(f"{name} is a seed document: the seeds are read-only, only added "
                         "documents can be removed")  # fmt: skip
    raise ValueError(f"no added document named {name!r}; `survqa list` shows them")


def clear_debris(folder: Path) -> None:
    """Delete what interrupted writers left: staged files, texts the catalog does not list.
    The caller holds the collection's lock."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = {e["source"] for e in entries(folder)}  # unreadable: raises
    for path in folder.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)
    for path in folder.glob("*.txt"):
        if path.name not in listed and _ORPHAN.search(path.name):
            logger.warning("removing %s, left by an interrupted add", path)
            path.unlink()


def commit(
    folder: Path,
    listed: list[dict[str, Any]],
    texts: dict[str, str],
    drop: Collection[str],
    rebuild_index: Callable[[], None],
) -> None:
    """Make ``listed`` the catalog, with ``texts`` added and ``drop`` removed, around
    ``rebuild_index()``; on any failure the library is left as it was."""
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for source, text in texts.items():
            staged.append((_tmp(folder, source), folder / source))
            _write(staged[-1][0], text)
        staged.append((_tmp(folder, CATALOG_NAME), folder / CATALOG_NAME))
        _write(staged[-1][0], catalog_json(listed))
        rebuild_index()
        _publish(staged)
    except BaseException:
        for tmp, final in staged:
            tmp.unlink(missing_ok=True)
            if final.name != CATALOG_NAME and final.name not in _listed(folder):
                final.unlink(missing_ok=True)  # renamed, but the catalog was not committed
        raise
    for source in drop:
        (folder / source).unlink(missing_ok=True)


def _publish(staged: list[tuple[Path, Path]]) -> None:
    """Rename the staged files into place; the catalog (last) is the commit point."""
    for tmp, final in staged:
        os.replace(tmp, final)
    _fsync_dir(staged[-1][1].parent)


def _listed(folder: Path) -> set[str]:
    with contextlib.suppress(CorpusError):
        return {e["source"] for e in entries(folder)}
    return set()


def _tmp(folder: Path, name: str) -> Path:
    return folder / f".{name}.tmp-{os.getpid()}"


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
