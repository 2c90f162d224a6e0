"""The Assistant: answers questions over a collection with verbatim, cited excerpts.

``Assistant.ask`` runs the pipeline's stages in order — prepare, retrieve, rank, select,
calibrate, assemble — over the collection's current corpus. ``ask()`` uses one
process-wide default Assistant.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection as AnyCollection
from collections.abc import Sequence
from pathlib import Path

from survqa import locations
from survqa.collection.collection import Collection, Corpus
from survqa.collection.library import AddReport
from survqa.documents.ingest import Limits
from survqa.documents.names import resolve_all
from survqa.indexing.embedding import Embedder
from survqa.records import Answer, Document
from survqa.search.assemble import assemble
from survqa.search.calibrate import calibrate
from survqa.search.inputs import check_history, check_k, check_question, check_sources
from survqa.search.query import prepare
from survqa.search.rank import rank
from survqa.search.rerank import Reranker, rerank
from survqa.search.retrieve import retrieve
from survqa.search.select import select
from survqa.settings import Settings

logger = logging.getLogger(__name__)

# windows selected beyond k: the corroboration step may fold some into "also in"
SPARE_WINDOWS = 3


class Assistant:
    """Question answering over a seeds folder, a library of added documents and their
    index folder (defaults: :mod:`survqa.locations`); thread-safe."""

    def __init__(
        self,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        library_dir: Path | str | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.collection = Collection(
            Path(corpus_dir) if corpus_dir is not None else locations.default_corpus_dir(),
            Path(library_dir) if library_dir is not None else locations.default_library_dir(),
            Path(index_dir) if index_dir is not None else locations.default_index_dir(),
            self.settings,
            embedder,
            prebuilt_index=locations.prebuilt_index() if index_dir is None else None,
        )
        self._lock = threading.Lock()
        self._corpus: Corpus | None = None
        self._reranker: Reranker | None = None

    @property
    def embedder(self) -> Embedder:
        return self.collection.embedder

    @property
    def reranker(self) -> Reranker | None:
        """The optional cross-encoder of ``Settings.reranker`` (loaded on first use)."""
        if self.settings.reranker is not None and self._reranker is None:
            with self._lock:
                if self._reranker is None:
                    self._reranker = Reranker(self.settings.reranker)
        return self._reranker

    @property
    def index_dir(self) -> Path:
        return self.collection.index_dir

    @property
    def corpus_dir(self) -> Path:
        return self.collection.corpus_dir

    @property
    def library_dir(self) -> Path:
        return self.collection.library_dir

    def load(self, *, rebuild: bool = False) -> None:
        """Load the index, building it first when missing, stale or damaged."""
        with self._lock:
            if self._corpus is None or rebuild:
                self._corpus = self.collection.open(rebuild=rebuild)

    def corpus(self) -> Corpus:
        """The documents and index the next question is answered from (loaded on first use)."""
        corpus = self._corpus
        if corpus is None:
            self.load()
            corpus = self._corpus
        assert corpus is not None
        return corpus

    def documents(self) -> list[Document]:
        """The seeds, then the added documents, each in file-name order."""
        return list(self.corpus().documents.values())

    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        history: Sequence[str] | None = None,
        sources: AnyCollection[str] | None = None,
    ) -> Answer:
        """Up to ``k`` verbatim excerpts answering ``question``, best first."""
        started = time.perf_counter()
        s = self.settings
        k = check_k(k, s.max_k)
        check_question(question, s.max_query_chars)  # bad input is refused before any
        check_history(history, s.max_query_chars)  # index is loaded or built
        corpus = self.corpus()
        index = corpus.index
        query = prepare(question, history, self.embedder, s, index.lexicon)
        allowed = check_sources(sources, list(corpus.documents))
        candidates = retrieve(index, query, allowed, s)
        ranking = rank(index, query, candidates)
        if self.reranker is not None:
            ranking = rerank(ranking, query, index.sentences, self.reranker, s.rerank_top)
        windows = select(index.sentences, ranking, k + SPARE_WINDOWS)
        verdict = calibrate(index, query, ranking, windows, s, allowed)
        answer = assemble(query, windows, verdict, k, index, corpus.documents)
        answer.reranker = self.reranker.name if self.reranker is not None else None
        answer.question, answer.elapsed_ms = question, (time.perf_counter() - started) * 1000
        return answer

    def add(
        self,
        paths: Sequence[Path | str] | Path | str,
        *,
        limits: Limits | None = None,
        skip_bad: bool = False,
    ) -> AddReport:
        """Add files or folders (.txt, .md, .html, .pdf, .docx) to the library and index.

        All or nothing: a bad or duplicate file raises IngestError and changes nothing,
        unless ``skip_bad`` (then it is reported in ``AddReport.skipped``).
        """
        many = [paths] if isinstance(paths, (str, Path)) else list(paths)
        report = self.collection.add(many, limits, skip_bad=skip_bad)
        self._reload()
        return report

    def remove(self, *names: str) -> list[Document]:
        """Remove added documents (file name, stem or original file name) from the library."""
        removed = self.collection.remove(names)
        self._reload()
        return removed

    def _reload(self) -> None:
        with self._lock:
            self._corpus = self.collection.open()

    def resolve_sources(self, names: Sequence[str]) -> list[str]:
        """The file names that ``names`` designate: file names, stems or title fragments
        (``ValueError`` naming the candidates when one designates none or several)."""
        return resolve_all(names, self.documents())

    def file_of(self, source: str) -> Path:
        """The file that the citations of ``source`` slice (in seeds/ or the library)."""
        document = self.corpus().documents.get(source)
        if document is None:
            raise ValueError(f"unknown document {source!r}")
        return Path(document.folder, source)


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The process-wide Assistant over the default corpus and index folders."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def ask(
    question: str,
    k: int = 5,
    *,
    history: Sequence[str] | None = None,
    sources: AnyCollection[str] | None = None,
) -> Answer:
    """Answer ``question`` from the default corpus: see :meth:`Assistant.ask`."""
    return default_assistant().ask(question, k, history=history, sources=sources)
