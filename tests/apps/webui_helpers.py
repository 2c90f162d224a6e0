"""Hand-made records and a fake assistant for the fast web UI tests, and the check that
rendered HTML is inert (no markup but ours)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from survqa.records import Answer, Document, Excerpt

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://127.0.0.1:9/x.png)",
    "[lien](javascript:alert(1))",
    "$$\\frac{1}{2}$$ et $x$",
    "# titre\n* liste _em_ `code` ~~barré~~ | a | b |",
    "<a href='http://example.org'>x</a> &amp; www.example.org http://127.0.0.1:9/",
    '" onmouseover="alert(1)',
]
# our tags, with only the attributes we write (classes, a language, a type, a title that is
# itself escaped text)
OUR_TAGS = re.compile(
    r"</?(div|p|b|i|span|mark|strong|blockquote|ul|li|pre|code|br|button|article|h3)"
    r'( class="[a-z0-9 -]+")?( lang="[a-z]{2}")?( type="button")?( class="[a-z0-9 -]+")?'
    r'( title="[^"<>]*")?>'
)
LIVE = re.compile(r"[<>\[\]()!*_`$\\#~|&\"']")


def inert(rendered: str) -> bool:
    """No markup left once our own tags and the numeric entities are removed."""
    ours = OUR_TAGS.sub("", rendered.replace('<b class="sq-rank">#', '<b class="sq-rank">'))
    return LIVE.search(re.sub(r"&#\d+;", "", ours)) is None and "javascript:" not in rendered


def shown(rendered: str) -> str:
    """The text a reader sees (tags removed, entities decoded)."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace("\u00a0", " ")


def excerpt(
    text: str = "Intro. Paris compte 56 000 caméras. Suite.",
    answer: str = "Paris compte 56 000 caméras.",
    start: int = 100,
    **kw: Any,
) -> Excerpt:
    a = text.index(answer)
    fields: dict[str, Any] = {
        "text": text, "source": "000_a.txt", "title": "Titre A", "start": start,
        "end": start + len(text), "answer_start": start + a,
        "answer_end": start + a + len(answer), "score": 0.9, "confidence": "high",
        "probability": 0.96, "publisher": "AFP",
    }  # fmt: skip
    fields.update(kw)
    return Excerpt(**fields)


def answer(question: str = "Combien de caméras compte Paris ?", **kw: Any) -> Answer:
    fields: dict[str, Any] = {
        "question": question,
        "excerpts": [excerpt()],
        "no_answer": False,
        "confidence": "high",
        "query": question,
        "answerable": 0.8,
    }
    fields.update(kw)
    return Answer(**fields)


class FakeAssistant:
    """Answers every question with one excerpt of "000_a.txt"; records the calls."""

    def __init__(self, error: Exception | None = None, docs: list[Document] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error
        self.docs = docs or [
            Document("000_a.txt", "Titre <b>A</b>", "texte " * 30, publisher="AFP"),
            Document("001_b.txt", "Belgrade et Huawei", "Belgrade " * 30, author="J. Doe"),
        ]

    def ask(
        self, question: str, k: int = 5, *,
        history: Sequence[str] | None = None, sources: Sequence[str] | None = None,
    ) -> Answer:  # fmt: skip
        self.calls.append({"question": question, "k": k, "history": history, "sources": sources})
        if self.error is not None:
            raise self.error
        if sources and not set(sources) <= {d.source for d in self.docs}:
            raise ValueError("unknown document")
        from survqa.language import detect_language

        return answer(question, language=detect_language(question))

    def documents(self) -> list[Document]:
        return list(self.docs)

    def resolve_sources(self, names: Sequence[str]) -> list[str]:
        from survqa.documents.names import resolve_all

        return resolve_all(names, self.docs)
