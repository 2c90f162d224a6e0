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

    @classmethod
    def from_dict(cls, data: Any) -> Citation:
        """The citation of ``to_dict()`` output; ``ValueError`` when a field is missing or of
        the wrong type (the data may come back from a browser)."""
        return cls(**_fields(data, _CITATION))


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

    @classmethod
    def from_dict(cls, data: Any) -> Excerpt:
        fields = _fields(data, {**_CITATION, **_EXCERPT})
        also = data.get("also_in") or []
        if not isinstance(also, list):
            raise ValueError("also_in must be a list")
        return cls(**fields, also_in=tuple(Citation.from_dict(c) for c in also))


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

    @classmethod
    def from_dict(cls, data: Any) -> Answer:
        """The answer of ``to_dict()`` output (``ValueError`` when malformed)."""
        fields = _fields(data, _ANSWER)
        excerpts = data.get("excerpts")
        if not isinstance(excerpts, list):
            raise ValueError("excerpts must be a list")
        return cls(**fields, excerpts=[Excerpt.from_dict(e) for e in excerpts])


_OPTIONAL_STR = (str, type(None))
_CITATION: dict[str, tuple[type, ...]] = {
    "text": (str,), "source": (str,), "title": (str,), "start": (int,), "end": (int,),
    "answer_start": (int,), "answer_end": (int,), "publisher": _OPTIONAL_STR,
}  # fmt: skip
_EXCERPT: dict[str, tuple[type, ...]] = {
    "score": (float, int), "confidence": (str,), "probability": (float, int), "paragraph": (int,),
}  # fmt: skip
_ANSWER: dict[str, tuple[type, ...]] = {
    "question": (str,), "no_answer": (bool,), "confidence": (str,), "language": (str,),
    "query": (str,), "elapsed_ms": (float, int), "answerable": (float, int),
    "abstention": _OPTIONAL_STR, "elsewhere": _OPTIONAL_STR, "reranker": _OPTIONAL_STR,
}  # fmt: skip


def _fields(data: Any, types: dict[str, tuple[type, ...]]) -> dict[str, Any]:
    """The typed fields of a record's dict; only the fields in ``_REQUIRED`` must be there."""
    if not isinstance(data, dict):
        raise ValueError(f"expected an object, not {type(data).__name__}")
    fields: dict[str, Any] = {}
    for name, allowed in types.items():
        if name not in data:
            if name in _REQUIRED:
                raise ValueError(f"missing field {name!r}")
            continue
        value = data[name]
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            raise ValueError(f"field {name!r} has the wrong type {type(value).__name__}")
        fields[name] = float(value) if float in allowed else value
    if "text" in fields:
        a, b, s, e = (fields[k] for k in ("start", "answer_start", "answer_end", "end"))
        if not 0 <= a <= b <= s <= e or e - a != len(fields["text"]):
            raise ValueError("the offsets do not fit the text")
    return fields


_REQUIRED = {*_CITATION} - {"publisher"} | {"question", "no_answer"}
