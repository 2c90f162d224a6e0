"""Stage 2, ``retrieve``: candidate passages from dense and BM25 search, fused."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from survqa.indexing.index import SearchIndex
from survqa.search import fusion
from survqa.search.query import Query
from survqa.settings import Settings


@dataclass(frozen=True, slots=True)
class Candidates:
    """Fused passage candidates (rows, best first) with their raw dense and BM25 scores."""

    rows: list[int]
    fused: dict[int, float]
    dense: dict[int, float]
    bm25: dict[int, float]


def retrieve(
    index: SearchIndex, query: Query, sources: Collection[str] | None, settings: Settings
) -> Candidates:
    """The ``settings.candidates`` best passages for ``query``, restricted to ``sources``
    (None: every document). BM25 weighs less in the fusion for a foreign question."""
    backend = index.backend
    pool = settings.candidates if sources is None else len(index.passages)
    dense = backend.dense_search(query.vector, pool)
    lexical = backend.lexical_search(query.terms, pool)
    lexical_weight = settings.lexical_weight_foreign if query.foreign else 1.0
    if settings.fusion == "rrf":
        fused = fusion.reciprocal_rank(
            [dense.ids, lexical.ids], [1.0, lexical_weight], k=settings.rrf_k
        )
    else:
        fused = fusion.weighted_scores(
            [(dense.ids, dense.scores), (lexical.ids, lexical.scores)], [1.0, lexical_weight]
        )
    if sources is not None:
        fused = {r: v for r, v in fused.items() if index.passages[r].source in sources}
    best = fusion.top(fused, settings.candidates)
    return Candidates(
        rows=[r for r, _ in best],
        fused=dict(best),
        dense=dict(zip(dense.ids.tolist(), dense.scores.tolist(), strict=True)),
        bm25=dict(zip(lexical.ids.tolist(), lexical.scores.tolist(), strict=True)),
    )
