"""The Assistant: loads (or builds) the index once, then answers questions with
verbatim, cited excerpts. ``ask()`` uses one process-wide default Assistant.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from survqa import index as index_module
from survqa import library, storage
from survqa.confidence import (
    abstention_features,
    answer_probability,
    question_evidence,
    score_below,
)
from survqa.embedding import Embedder, make_embedder
from survqa.errors import IndexDamagedError, IndexMissingError
from survqa.excerpts import ExcerptBuilder, group_corroborating
from survqa.ingest import Limits
from survqa.language import detect_language
from survqa.question import check_history, check_k, check_question, resolve
from survqa.records import Answer, Document
from survqa.retrieval import Query, Retriever
from survqa.settings import Settings

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_corpus_dir() -> Path:
    return Path(os.environ.get("SURVQA_CORPUS") or PROJECT_ROOT / "seeds")


def default_index_dir() -> Path:
    return Path(os.environ.get("SURVQA_INDEX") or PROJECT_ROOT / "index")


class Assistant:
    """Question answering over the seeds folder, the library of added documents and their
    index folder; thread-safe."""

    def __init__(
        self,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        library_dir: Path | str | None = None,
    ) -> None:
        self.corpus_dir = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
        self.library_dir = (
            Path(library_dir) if library_dir is not None else library.default_library_dir()
        )
        self.index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        self.settings = settings or Settings()
        self._embedder = embedder
        self._lock = threading.Lock()
        self._state: tuple[Retriever, ExcerptBuilder, dict[str, Document]] | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.model)
        return self._embedder

    def load(self, *, rebuild: bool = False) -> None:
        """Load the index, building it first when missing, stale or damaged."""
        with self._lock:
            if self._state is not None and not rebuild:
                return
            documents = library.load_all(self.corpus_dir, self.library_dir)
            search_index = self._load_or_build(documents, rebuild)
            by_source = {d.source: d for d in documents}
            retriever = Retriever(search_index, by_source, self.settings)
            builder = ExcerptBuilder(retriever, by_source, self.settings.excerpt_max_words)
            self._state = (retriever, builder, by_source)

    def _load_or_build(self, documents: list[Document], rebuild: bool) -> index_module.SearchIndex:
        known: dict[str, np.ndarray] = {}
        if not rebuild:
            try:
                loaded = index_module.load(self.index_dir, self.embedder)
                if not index_module.is_stale(loaded.manifest, documents, self.settings):
                    return loaded
                logger.warning(
                    "index in %s is stale (corpus or settings changed): updating", self.index_dir
                )
                previous = self._previous_documents(loaded, documents)
                known = index_module.known_vectors(loaded, previous)
            except IndexMissingError:
                logger.warning("no index in %s: building it", self.index_dir)
            except IndexDamagedError as exc:
                logger.warning("%s — rebuilding from the corpus", exc)
        index_module.build(documents, self.embedder, self.settings, self.index_dir, known)
        return index_module.load(self.index_dir, self.embedder)

    @staticmethod
    def _previous_documents(
        loaded: index_module.SearchIndex, documents: list[Document]
    ) -> dict[str, Document]:
        """Current documents unchanged since the index was built (their sentence spans hold)."""
        hashes = {d["source"]: d.get("sha256") for d in loaded.manifest["corpus"]["documents"]}
        return {
            d.source: d
            for d in documents
            if hashes.get(d.source) == storage.sha256_bytes(d.text.encode())
        }

    def _ready(self) -> tuple[Retriever, ExcerptBuilder, dict[str, Document]]:
        if self._state is None:
            self.load()
        assert self._state is not None
        return self._state

    def documents(self) -> list[Document]:
        """The seeds, then the added documents, each in file-name order."""
        return list(self._ready()[2].values())

    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        history: Sequence[str] | None = None,
        sources: Collection[str] | None = None,
    ) -> Answer:
        """Up to ``k`` verbatim excerpts answering ``question``, best first."""
        started = time.perf_counter()
        s = self.settings
        text = check_question(question, s.max_query_chars)
        k = check_k(k, s.max_k)
        turns = check_history(history, s.max_query_chars)
        retriever, builder, documents = self._ready()
        allowed = self._check_sources(sources, documents)
        searched = resolve(text, turns)
        query = Query(searched, text, detect_language(text), self._vector(text, searched))
        hits = retriever.rank_sentences(query, retriever.candidates(query, allowed))
        windows = builder.select(hits, k + 3)
        evidence = question_evidence(query, retriever.sentences)
        chances = [
            self._probability(query, w.hit.score, score_below(hits, w.hit.score), evidence)
            for w in windows
        ]
        no_answer = not chances or chances[0] < s.abstain_below
        excerpts = [
            builder.excerpt(w, self._confidence(p, no_answer))
            for w, p in zip(windows, chances, strict=True)
        ]
        excerpts = group_corroborating(builder, windows, excerpts)[:k]
        return Answer(
            question=question,
            excerpts=excerpts,
            no_answer=no_answer,
            confidence=excerpts[0].confidence if excerpts else "low",
            language=query.language,
            query=searched,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _vector(self, text: str, searched: str) -> np.ndarray:
        """The question's vector; a follow-up blends its own words with its context."""
        if searched == text:
            return self.embedder.embed_queries([text])[0]
        own, context = self.embedder.embed_queries([text, searched])
        blend = own + context
        return (blend / max(float(np.linalg.norm(blend)), 1e-12)).astype(np.float32)

    def _probability(
        self, query: Query, score: float, next_score: float, evidence: tuple[float, float]
    ) -> float:
        """Probability that the sentence scoring ``score`` answers the question."""
        features = abstention_features(query, score, next_score, evidence)
        return answer_probability(features, self.settings.abstention_weights)

    def _confidence(self, probability: float, no_answer: bool) -> str:
        if no_answer or probability < self.settings.medium_above:
            return "low"
        return "high" if probability >= self.settings.high_above else "medium"

    @staticmethod
    def _check_sources(
        sources: Collection[str] | None, documents: dict[str, Document]
    ) -> frozenset[str] | None:
        if sources is None:
            return None
        if isinstance(sources, str) or not all(isinstance(s, str) for s in sources):
            raise TypeError("sources must be a list of file names (str)")
        unknown = sorted(set(sources) - set(documents))
        if unknown:
            raise ValueError(f"unknown document(s) {unknown}; known: {sorted(documents)}")
        return frozenset(sources) if sources else None

    def add(
        self,
        paths: Sequence[Path | str] | Path | str,
        *,
        limits: Limits | None = None,
        skip_bad: bool = False,
    ) -> library.AddReport:
        """Add files or folders (.txt, .md, .html, .pdf, .docx) to the library and index.

        All or nothing: a bad or duplicate file raises IngestError and changes nothing,
        unless ``skip_bad`` (then it is reported in ``AddReport.skipped``).
        """
        many = [paths] if isinstance(paths, (str, Path)) else list(paths)
        with self._lock:
            report = library.add(many, self._store(), limits, skip_bad=skip_bad)
            self._state = None
        self.load()
        return report

    def remove(self, *names: str) -> list[Document]:
        """Remove added documents (file name, stem or original file name) from the library."""
        with self._lock:
            removed = library.remove(names, self._store())
            self._state = None
        self.load()
        return removed

    def file_of(self, source: str) -> Path:
        """The file that the citations of ``source`` slice (in seeds/ or the library)."""
        for document in self.documents():
            if document.source == source:
                return Path(document.folder, source)
        raise ValueError(f"unknown document {source!r}")

    def _store(self) -> library.Store:
        return library.Store(
            self.corpus_dir, self.library_dir, self.index_dir, self.embedder, self.settings
        )


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
    sources: Collection[str] | None = None,
) -> Answer:
    """Answer ``question`` from the default corpus: see :meth:`Assistant.ask`."""
    return default_assistant().ask(question, k, history=history, sources=sources)
