"""Optional stage between ``rank`` and ``select``: a cross-encoder re-orders the best hits.

Users who have a cross-encoder on disk (a multilingual bge-reranker, an mMiniLM trained on
mMARCO…) switch it on with ``Settings(reranker=PATH)`` or ``--reranker PATH``. It is loaded
with sentence-transformers' ``CrossEncoder`` from that folder (nothing is downloaded),
scores (question, the hit's window: the sentence with its paragraph neighbours) for the
first ``Settings.rerank_top`` hits, and those hits are re-ordered by its score; the rest
keep their order. The answer records the reranker's name. The default path has none.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from survqa.errors import EmbedderError
from survqa.indexing.embedding import sentence_transformers
from survqa.indexing.sentences import SentenceTable
from survqa.search.query import Query
from survqa.search.rank import Ranking

logger = logging.getLogger(__name__)


class Reranker:
    """A sentence-transformers CrossEncoder loaded offline from a local folder; thread-safe."""

    def __init__(self, path: str | Path, *, device: str = "cpu") -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise EmbedderError(f"no cross-encoder folder at {folder}: give the path of a "
                                "sentence-transformers CrossEncoder saved on disk")  # fmt: skip
        cross_encoder = sentence_transformers().CrossEncoder
        try:
            self._model = cross_encoder(str(folder), device=device, local_files_only=True)
        except Exception as exc:
            raise EmbedderError(f"cannot load the cross-encoder in {folder} ({exc})") from exc
        self.name = f"cross-encoder:{folder.name}"
        self._lock = threading.Lock()  # a fast tokenizer shared between threads fails

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        """The model's score of (question, text) for each text, higher = more relevant."""
        if not texts:
            return np.zeros(0)
        with self._lock:
            found = self._model.predict([(question, t) for t in texts], show_progress_bar=False)
        return np.asarray(found, dtype=np.float64).reshape(len(texts), -1)[:, -1]


def window_text(table: SentenceTable, sentence: int) -> str:
    first, last = table.window(sentence)
    return " ".join(table.texts[first : last + 1])


def rerank(
    ranking: Ranking, query: Query, table: SentenceTable, reranker: Reranker, top: int
) -> Ranking:
    """The ranking with its first ``top`` hits re-ordered by the cross-encoder (stable)."""
    head, tail = ranking.hits[:top], ranking.hits[top:]
    scores = reranker.scores(query.searched, [window_text(table, h.sentence) for h in head])
    order = np.argsort(-scores, kind="stable").tolist()
    logger.debug("reranked %d hits with %s", len(head), reranker.name)
    return replace(ranking, hits=[head[i] for i in order] + tail)
