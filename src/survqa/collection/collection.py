"""The collection: the documents (seeds and added ones) and an index kept current with them.

One lock per index folder (:func:`survqa.indexing.storage.index_lock`) orders everything
that writes: building, adding, removing. A stale index (another corpus, chunker, analysis
or index setting) is rebuilt on open, embedding only text that the old one lacks.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survqa.collection import library
from survqa.collection.library import AddReport
from survqa.documents.ingest import Limits, content_hash, expand, extract, source_name
from survqa.documents.loading import load_library, load_seeds, text_hash
from survqa.errors import CorpusError, IndexDamagedError, IndexMissingError, IngestError
from survqa.indexing import index as index_module
from survqa.indexing import storage
from survqa.indexing.chunking import chunk_document
from survqa.indexing.embedding import Embedder, make_embedder
from survqa.indexing.index import SearchIndex
from survqa.records import Document
from survqa.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Corpus:
    """The documents, by file name (seeds first, then added ones), and their index."""

    documents: dict[str, Document]
    index: SearchIndex


class Collection:
    """Documents of a seeds folder and a library folder, indexed in an index folder."""

    def __init__(
        self,
        corpus_dir: Path,
        library_dir: Path,
        index_dir: Path,
        settings: Settings,
        embedder: Embedder | None = None,
        prebuilt_index: Path | None = None,
    ) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.library_dir = Path(library_dir)
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.prebuilt_index = prebuilt_index
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.model)
        return self._embedder

    def documents(self) -> list[Document]:
        """The seeds, then the added documents, each in file-name order."""
        seeds = load_seeds(self.corpus_dir)
        added = load_library(self.library_dir)
        clash = sorted({d.source for d in seeds} & {d.source for d in added})
        if clash:
            raise CorpusError(f"{clash} are both in {self.corpus_dir} and in {self.library_dir}: "
                              "remove them from the library (`survqa remove NAME`)")  # fmt: skip
        return seeds + added

    def open(self, *, rebuild: bool = False) -> Corpus:
        """The documents and their index, building or updating the index when it is missing,
        stale or damaged (``rebuild``: from scratch)."""
        with storage.index_lock(self.index_dir):
            documents = self.documents()
            loaded = None if rebuild else self._current(documents)
            if loaded is None:
                previous = None if rebuild else self._previous()
                self._build(documents, previous)
                loaded = index_module.load(self.index_dir, self.embedder)
        return Corpus({d.source: d for d in documents}, loaded)

    def _current(self, documents: list[Document]) -> SearchIndex | None:
        """The index when it is present and up to date."""
        self._install_prebuilt()
        try:
            loaded = index_module.load(self.index_dir, self.embedder)
        except IndexMissingError:
            logger.warning("no index in %s: building it", self.index_dir)
            return None
        except IndexDamagedError as exc:
            logger.warning("%s — rebuilding from the corpus", exc)
            return None
        if index_module.is_stale(loaded.manifest, documents, self.settings, self.index_dir):
            logger.warning("index in %s is stale (corpus or settings changed): updating",
                           self.index_dir)  # fmt: skip
            return None
        return loaded

    def _install_prebuilt(self) -> None:
        """Copy the packaged index into an empty index folder (first run of an install)."""
        source = self.prebuilt_index
        if source is not None and not (self.index_dir / storage.MANIFEST).exists():
            logger.info("installing the prebuilt index into %s", self.index_dir)
            shutil.rmtree(self.index_dir, ignore_errors=True)
            shutil.copytree(source, self.index_dir)

    def _previous(self) -> SearchIndex | None:
        """The index as it is, for the vectors a rebuild can reuse (None when unreadable)."""
        try:
            return index_module.load(self.index_dir, self.embedder)
        except (IndexMissingError, IndexDamagedError):
            return None

    def _build(self, documents: list[Document], previous: SearchIndex | None) -> None:
        index_module.build(documents, self.embedder, self.settings, self.index_dir, previous)

    def add(
        self, paths: Sequence[Path | str], limits: Limits | None = None, *, skip_bad: bool = False
    ) -> AddReport:
        """Add files and folders; any bad file refuses the whole batch unless ``skip_bad``."""
        files = expand(paths)
        if not files:
            raise IngestError(f"no supported file in {[str(p) for p in paths]}")
        with storage.index_lock(self.index_dir):
            library.clear_debris(self.library_dir)
            documents = self.documents()
            listed = library.entries(self.library_dir)
            report, texts = self._extract(files, documents, listed, limits)
            if report.skipped and not skip_bad:
                raise IngestError("nothing was added:\n" + "\n".join(report.skipped))
            if report.added:
                self._commit(documents + report.added, listed, texts, drop=set())
        return report

    def _extract(
        self,
        files: list[Path],
        documents: list[Document],
        listed: list[dict[str, Any]],
        limits: Limits | None,
    ) -> tuple[AddReport, dict[str, str]]:
        """Read each file; appends the entries of the good ones to ``listed``."""
        seen = {content_hash(d.text): d for d in documents}
        report, texts = AddReport(), {}
        for path in files:
            try:
                found = extract(path, limits)
                digest = content_hash(found.text)
                if digest in seen:
                    other = seen[digest]
                    raise IngestError(
                        f"{path}: same text as the existing document "
                        f"{other.title!r} ({other.source}); not added again"
                    )
                source = source_name(found.original_name, digest)
                entry = library.new_entry(found, source, digest)
                document = Document(
                    source,
                    found.title,
                    found.text,
                    found.publisher,
                    found.author,
                    "added",
                    entry["added"],
                    str(self.library_dir),
                )
                if not chunk_document(document, self.settings.passage_words):
                    raise IngestError(
                        f"{path}: no paragraph of text to cite once the boilerplate is removed"
                    )
            except IngestError as exc:
                report.skipped.append(str(exc))
                continue
            listed.append(entry)
            texts[source] = found.text
            seen[digest] = document
            report.added.append(document)
        return report, texts  # fmt: skip

    def remove(self, names: Sequence[str]) -> list[Document]:
        """Remove added documents (by file name, stem or original name); returns them."""
        if not names:
            raise ValueError("name the documents to remove (see `survqa list`)")
        with storage.index_lock(self.index_dir):
            library.clear_debris(self.library_dir)
            documents = self.documents()
            listed = library.entries(self.library_dir)
            gone = {library.find(name, documents, listed) for name in names}
            kept = [d for d in documents if d.source not in gone]
            remaining = [e for e in listed if e["source"] not in gone]
            self._commit(kept, remaining, {}, drop=gone)
        return [d for d in documents if d.source in gone]

    def _commit(
        self,
        documents: list[Document],
        listed: list[dict[str, Any]],
        texts: dict[str, str],
        drop: set[str],
    ) -> None:
        folder = str(self.library_dir)
        added = sorted((d for d in documents if d.folder == folder), key=lambda d: d.source)
        ordered = [d for d in documents if d.folder != folder] + added  # as documents()
        previous = self._previous()
        library.commit(
            self.library_dir, listed, texts, drop, lambda: self._build(ordered, previous)
        )

    def describe(self) -> list[dict[str, Any]]:
        """One row per document for ``survqa list`` (no model needed): the passage count
        comes from the index manifest, None when the index does not hold the document."""
        try:
            manifest = storage.read_manifest(self.index_dir)
            built = {e["source"]: e for e in manifest["corpus"]["documents"]}
        except (FileNotFoundError, IndexDamagedError, KeyError, TypeError):
            built = {}
        rows = []
        for d in self.documents():
            entry = built.get(d.source, {})
            fresh = entry.get("sha256") == text_hash(d)
            rows.append(
                {
                    "title": d.title,
                    "source": d.source,
                    "origin": d.origin,
                    "added": d.added,
                    "passages": entry.get("passages") if fresh else None,
                    "publisher": d.publisher or d.author,
                    "folder": d.folder,
                }
            )
        return rows  # fmt: skip
