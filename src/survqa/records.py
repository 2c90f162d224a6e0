"""Typed records passed between the pipeline stages.

Offsets (``start``, ``end``, sentence spans, ``answer_start``/``answer_end``) are
always character offsets into the *original* file of the corpus folder, so that
``Path(corpus, source).read_text(encoding="utf-8")[start:end]`` is the excerpt.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Document:
    """One file of the corpus with its catalog entry."""

    source: str
    title: str
    text: str = field(repr=False)
    publisher: str | None = None
    author: str | None = None
    origin: str = "seed"
    added: str | None = None
    # the folder holding ``source`` (seeds/ or the library of added documents); "" = unknown
    folder: str = ""

    @property
    def doc_id(self) -> str:
        return self.source.rsplit(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence-aligned window of one paragraph; the unit of retrieval.

    ``text`` is the cleaned form used for embedding and BM25 (line breaks and
    in-word hyphenation joined); ``start``/``end`` and ``sentences`` point into
    the original file.
    """

    source: str
    paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sentences"] = [list(span) for span in self.sentences]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            source=str(data["source"]),
            paragraph=int(data["paragraph"]),
            start=int(data["start"]),
            end=int(data["end"]),
            text=str(data["text"]),
            sentences=tuple((int(s), int(e)) for s, e in data["sentences"]),
        )


@dataclass(frozen=True, slots=True)
class Citation:
    """A verbatim slice of one corpus file, with the answering sentence marked."""

    text: str
    source: str
    title: str
    start: int
    end: int
    answer_start: int
    answer_end: int
    publisher: str | None = None

    @property
    def answer(self) -> str:
        """The answering sentence, verbatim."""
        return self.text[self.answer_start - self.start : self.answer_end - self.start]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answer"] = self.answer
        return data


@dataclass(frozen=True, slots=True)
class Excerpt(Citation):
    """A citation ranked as an answer: its score, confidence label, paragraph number, and
    the other documents that state the same fact."""

    score: float = 0.0
    confidence: str = "low"
    # calibrated probability that this excerpt answers (its confidence label comes from it)
    probability: float = 0.0
    paragraph: int = 0
    also_in: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = Citation.to_dict(self)
        data["also_in"] = [c.to_dict() for c in self.also_in]
        return data


@dataclass(slots=True)
class Answer:
    """What ``ask()`` returns: the excerpts, best first, or an abstention."""

    question: str
    excerpts: list[Excerpt]
    no_answer: bool
    confidence: str = "low"
    language: str = "fr"
    query: str = ""
    elapsed_ms: float = 0.0
    # calibrated probability that the corpus answers (abstention below a threshold)
    answerable: float = 0.0
    # why no_answer: "corpus" (the corpus does not answer) or "documents" (the documents
    # searched do not say; ``elsewhere`` names the document where the corpus answers best)
    abstention: str | None = None
    elsewhere: str | None = None
    # the cross-encoder that re-ordered the excerpts (None: the default path)
    reranker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "no_answer": self.no_answer,
            "confidence": self.confidence,
            "language": self.language,
            "query": self.query,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "answerable": round(self.answerable, 4),
            "abstention": self.abstention,
            "elsewhere": self.elsewhere,
            "reranker": self.reranker,
            "excerpts": [e.to_dict() for e in self.excerpts],
        }
