"""Stage 2, ``retrieve``: candidate passages from dense and BM25 search, fused (here, or by
the engine when the backend offers ``hybrid_search`` and the two lists weigh the same)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from survqa.indexing.index import SearchIndex
from survqa.search import fusion
from survqa.search.query import Query
from survqa.settings import Settings


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidate passage rows: the best of the whole corpus and, when the search is
    restricted, the best of the ``sources`` documents (the corpus-wide ones let the later
    stages compare). Below ``Settings.candidates`` passages, every passage is a candidate."""

    rows: list[int]
    sources: frozenset[str] | None


def retrieve(
    index: SearchIndex, query: Query, sources: Collection[str] | None, settings: Settings
) -> Candidates:
    """The ``settings.candidates`` best passages for ``query`` (BM25 weighs less in the
    fusion for a foreign question), plus as many from ``sources`` (None: every document),
    searched with the backend's source filter."""
    rows = [r for r, _ in fusion.top(_fused(index, query, None, settings), settings.candidates)]
    if sources is None:
        return Candidates(rows, None)
    inside = _fused(index, query, frozenset(sources), settings)
    seen = set(rows)
    extra = [r for r, _ in fusion.top(inside, settings.candidates) if r not in seen]
    return Candidates(rows + extra, frozenset(sources))


def _fused(
    index: SearchIndex, query: Query, sources: frozenset[str] | None, settings: Settings
) -> dict[int, float]:
    backend, pool = index.backend, settings.candidates
    lexical_weight = settings.lexical_weight_foreign if query.foreign else 1.0
    hybrid = getattr(backend, "hybrid_search", None)  # the engine fuses (Milvus's RRF ranker)
    if hybrid is not None and settings.fusion == "rrf" and lexical_weight == 1.0:
        fused = hybrid(query.vector, query.terms, pool, settings.rrf_k, sources)
        if fused is not None:
            return dict(fused)
    dense = backend.dense_search(query.vector, pool, sources)
    lexical = backend.lexical_search(query.terms, pool, sources)
    if settings.fusion == "rrf":
        return fusion.reciprocal_rank(
            [dense.ids, lexical.ids], [1.0, lexical_weight], k=settings.rrf_k
        )
    return fusion.weighted_scores(
        [(dense.ids, dense.scores), (lexical.ids, lexical.scores)], [1.0, lexical_weight]
    )
