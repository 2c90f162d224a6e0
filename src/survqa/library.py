"""Documents added by the user: a second corpus folder (``library/``) beside the read-only seeds.

Each added document is its extracted text as a UTF-8 ``.txt`` in the library folder (citations
slice a real file, as for the seeds), listed in the library's ``catalog.json`` (the seeds'
format plus ``origin="added"``, ``added``, ``original_name``, ``format``, ``encoding``,
``content_sha256``). A ``.txt`` the catalog does not list is ignored (an interrupted add's).

Adding or removing is all-or-nothing: the texts and the new catalog are written under
temporary names, the index is rebuilt (re-embedding only new text, see
:func:`survqa.index.known_vectors`) and swapped in atomically, the texts are renamed into
place, and the catalog rename commits. A crash before that rename leaves the corpus as it
was; the index, if already swapped, no longer matches the corpus hash and is rebuilt (with
no new embedding) on the next load.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from survqa import index as index_module
from survqa import storage
from survqa.chunking import chunk_document
from survqa.corpus import CATALOG_NAME, load_documents
from survqa.embedding import Embedder
from survqa.errors import CorpusError, IngestError, SurvqaError
from survqa.ingest import Extracted, Limits, content_hash, expand, extract, source_name
from survqa.records import Document
from survqa.settings import Settings

logger = logging.getLogger(__name__)

LIBRARY_ENV = "SURVQA_LIBRARY"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_ORPHAN = re.compile(r"_[0-9a-f]{10}\.txt$")  # the files source_name makes


def default_library_dir() -> Path:
    return Path(os.environ.get(LIBRARY_ENV) or PROJECT_ROOT / "library")


def read_catalog(library_dir: Path) -> list[dict[str, Any]]:
    """The library's catalog entries, in the order they were added (none when absent)."""
    path = Path(library_dir) / CATALOG_NAME
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["documents"]
        if not all(isinstance(e, dict) and isinstance(e.get("source"), str) for e in entries):
            raise ValueError("each document needs a 'source'")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"cannot read the library catalog {path} ({exc}): fix it") from exc
    return list(entries)


def load_library(library_dir: Path) -> list[Document]:
    """The added documents listed in the library catalog, by file name."""
    library_dir = Path(library_dir)
    documents = []
    for entry in sorted(read_catalog(library_dir), key=lambda e: e["source"]):
        path = library_dir / entry["source"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            logger.warning("added document %s is unreadable (%s): `survqa remove %s`", path, exc,
                           entry["source"])
            continue
        documents.append(Document(
            entry["source"], entry.get("title") or entry["source"], text,
            publisher=entry.get("publisher"), author=entry.get("author"), origin="added",
            added=entry.get("added"), folder=str(library_dir),
        ))
    return documents


def load_all(corpus_dir: Path, library_dir: Path | None) -> list[Document]:
    """The seeds (``corpus_dir``), then the added documents; a file name in both is refused."""
    seeds = [replace(d, folder=str(corpus_dir)) for d in load_documents(Path(corpus_dir))]
    added = load_library(Path(library_dir)) if library_dir is not None else []
    clash = sorted({d.source for d in seeds} & {d.source for d in added})
    if clash:
        raise CorpusError(f"{clash} are both in {corpus_dir} and in {library_dir}: "
                          "remove them from the library (`survqa remove NAME`)")
    return seeds + added


@dataclass(slots=True)
class AddReport:
    """What ``add`` did: the documents added, and the files skipped (with the reason)."""

    added: list[Document] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Store:
    """Where a corpus lives and how its index is built."""

    corpus_dir: Path
    library_dir: Path
    index_dir: Path
    embedder: Embedder
    settings: Settings


def _entry(found: Extracted, source: str, digest: str) -> dict[str, Any]:
    return {
        "source": source, "title": found.title, "publisher": found.publisher, "origin": "added",
        "author": found.author, "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "original_name": found.original_name, "format": found.format, "encoding": found.encoding,
        "bytes": found.size, "chars": len(found.text), "content_sha256": digest,
    }


def add(
    paths: Sequence[Path | str], store: Store, limits: Limits | None = None,
    *, skip_bad: bool = False,
) -> AddReport:
    """Add files and folders; any bad file refuses the whole batch unless ``skip_bad``."""
    files = expand(paths)
    if not files:
        raise IngestError(f"no supported file in {[str(p) for p in paths]}")
    with _locked(store.library_dir):
        documents = load_all(store.corpus_dir, store.library_dir)
        seen = {content_hash(d.text): d for d in documents}
        report, entries, texts, problems = AddReport(), read_catalog(store.library_dir), {}, []
        for path in files:
            try:
                found = extract(path, limits)
                digest = content_hash(found.text)
                if digest in seen:
                    other = seen[digest]
                    raise IngestError(f"{path}: same text as the existing document "
                                      f"{other.title!r} ({other.source}); not added again")
                source = source_name(found.original_name, digest)
                entry = _entry(found, source, digest)
                document = Document(source, found.title, found.text, found.publisher,
                                    found.author, "added", entry["added"], str(store.library_dir))
                if not chunk_document(document, store.settings.passage_words):
                    raise IngestError(f"{path}: no paragraph of text to cite once the "
                                      "boilerplate is removed")
            except IngestError as exc:
                problems.append(str(exc))
                continue
            entries.append(entry)
            texts[source] = found.text
            seen[digest] = document
            report.added.append(document)
        if problems and not skip_bad:
            raise IngestError("nothing was added:\n" + "\n".join(problems))
        report.skipped = problems
        if report.added:
            _commit(store, documents + report.added, entries, texts, drop=())
    return report


def find(name: str, documents: Sequence[Document], entries: Sequence[dict[str, Any]]) -> str:
    """The library file name that ``name`` designates (file name, stem or original name)."""
    matches = [e["source"] for e in entries
               if name in (e["source"], e["source"].removesuffix(".txt"), e.get("original_name"))]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValueError(f"{name!r} names several added documents {matches}: give the file name")
    if any(name in (d.source, d.doc_id) for d in documents):
        raise ValueError(f"{name} is a seed document: the seeds are read-only, only added "
                         "documents can be removed")
    raise ValueError(f"no added document named {name!r}; `survqa list` shows them")


def remove(names: Sequence[str], store: Store) -> list[Document]:
    """Remove added documents (by file name, stem or original name); returns them."""
    if not names:
        raise ValueError("name the documents to remove (see `survqa list`)")
    with _locked(store.library_dir):
        documents = load_all(store.corpus_dir, store.library_dir)
        entries = read_catalog(store.library_dir)
        gone = {find(name, documents, entries) for name in names}
        removed = [d for d in documents if d.source in gone]
        kept = [d for d in documents if d.source not in gone]
        _commit(store, kept, [e for e in entries if e["source"] not in gone], {}, drop=gone)
    return removed


def describe(documents: Sequence[Document], settings: Settings) -> list[dict[str, Any]]:
    """One row per document for ``survqa list``: title, source, passages, origin, added."""
    return [
        {"title": d.title, "source": d.source, "origin": d.origin, "added": d.added,
         "passages": len(chunk_document(d, settings.passage_words)),
         "publisher": d.publisher or d.author, "folder": d.folder}
        for d in documents
    ]


def _commit(
    store: Store, documents: list[Document], entries: list[dict[str, Any]],
    texts: dict[str, str], drop: Sequence[str] | set[str],
) -> None:
    """Stage the texts and catalog, rebuild the index, then publish (the catalog last)."""
    folder = store.library_dir
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for source, text in texts.items():
            staged.append((_tmp(folder, source), folder / source))
            _write(staged[-1][0], text)
        staged.append((_tmp(folder, CATALOG_NAME), folder / CATALOG_NAME))
        _write(staged[-1][0], json.dumps({"format": 1, "documents": entries},
                                         ensure_ascii=False, indent=2) + "\n")
        added = sorted((d for d in documents if d.folder == str(folder)), key=lambda d: d.source)
        documents = [d for d in documents if d.folder != str(folder)] + added  # as load_all
        _update_index(documents, store)
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


def _update_index(documents: list[Document], store: Store) -> None:
    """Rebuild the index of ``documents``, embedding only text the current index lacks."""
    try:
        previous = index_module.load(store.index_dir, store.embedder)
    except SurvqaError as exc:
        logger.warning("%s: the index is rebuilt from scratch", exc)
        previous = None
    unchanged = {}
    if previous is not None:
        hashes = {d["source"]: d.get("sha256") for d in previous.manifest["corpus"]["documents"]}
        unchanged = {d.source: d for d in documents
                     if hashes.get(d.source) == storage.sha256_bytes(d.text.encode())}
    known = index_module.known_vectors(previous, unchanged)
    index_module.build(documents, store.embedder, store.settings, store.index_dir, known)


def _listed(folder: Path) -> set[str]:
    with contextlib.suppress(CorpusError):
        return {e["source"] for e in read_catalog(folder)}
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


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per library (across processes); clears debris of crashed ones."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            listed = {e["source"] for e in read_catalog(folder)}  # unreadable: raises
            for path in folder.glob(".*.tmp-*"):
                path.unlink(missing_ok=True)
            for path in folder.glob("*.txt"):
                if path.name not in listed and _ORPHAN.search(path.name):
                    logger.warning("removing %s, left by an interrupted add", path)
                    path.unlink()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
