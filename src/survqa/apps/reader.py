"""The reader panel: a document's text, escaped, with an excerpt and its answering sentence
highlighted in their full context, and the document's title, publisher and date added.

"Open the source" sends what the card's hidden ``.sq-ref`` holds (file name and spans, see
:func:`survqa.apps.rendering.reference`) preceded by a request number on its own line;
:func:`parse_request` checks it against the known documents (the browser is not trusted:
an unknown file or spans outside the text are refused), and :func:`render_reader` answers
with HTML whose outer element carries the request number, so the page scrolls to the
highlight of this request and not of a previous one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from survqa.apps.labels import page_labels
from survqa.apps.rendering import escape, escape_lines
from survqa.records import Document

MAX_CHARS = 200_000  # a longer document is shown around the excerpt, this many characters
MAX_REQUEST = 2_000
_SPANS = ("start", "end", "answer_start", "answer_end")


@dataclass(frozen=True, slots=True)
class ReaderRequest:
    """A document to show, the excerpt ``[start, end)`` and answering sentence
    ``[answer_start, answer_end)`` to highlight (empty: none), the key figure in it."""

    source: str
    start: int = 0
    end: int = 0
    answer_start: int = 0
    answer_end: int = 0
    key_start: int = 0
    key_end: int = 0
    serial: int = 0


def parse_request(raw: object, documents: Mapping[str, Document]) -> ReaderRequest:
    """The request that ``raw`` (``"<serial>\\n<json>"``) describes; ValueError when it is
    malformed, names an unknown document or spans outside its text."""
    if not isinstance(raw, str) or len(raw) > MAX_REQUEST:
        raise ValueError("not a reader request")
    head, _, body = raw.partition("\n")
    try:
        serial = int(head) if head.strip() else 0
        data = json.loads(body)
    except ValueError:
        raise ValueError("not a reader request") from None
    if not isinstance(data, dict) or not isinstance(data.get("source"), str):
        raise ValueError("not a reader request")
    document = documents.get(data["source"])
    if document is None:
        raise ValueError(f"unknown document {data['source']!r}")
    spans = {k: data.get(k, 0) for k in (*_SPANS, "key_start", "key_end")}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in spans.values()):
        raise ValueError("spans must be integers")
    a, b, s, e = (spans[k] for k in _SPANS)
    if not 0 <= a <= s <= e <= b <= len(document.text):
        raise ValueError("spans outside the document")
    if not s <= spans["key_start"] <= spans["key_end"] <= e:
        spans["key_start"] = spans["key_end"] = 0
    return ReaderRequest(document.source, **spans, serial=max(0, serial) % 10**9)


def _window(text: str, request: ReaderRequest) -> tuple[int, int]:
    """The part of ``text`` to show: all of it, or MAX_CHARS around the excerpt."""
    if len(text) <= MAX_CHARS:
        return 0, len(text)
    middle = (request.start + request.end) // 2
    lo = max(0, min(middle - MAX_CHARS // 2, len(text) - MAX_CHARS))
    hi = min(len(text), lo + MAX_CHARS)
    lo = text.rfind("\n", 0, lo) + 1 if lo else 0
    return lo, hi


def _text(text: str, r: ReaderRequest, lo: int, hi: int) -> str:
    """The shown text ``[lo, hi)`` with the excerpt in ``.sq-excerpt``, the answering
    sentence in ``<mark class="sq-hit">`` inside it and the key figure in ``<strong>``."""
    if r.end <= r.start or not lo <= r.start <= r.end <= hi:
        return escape_lines(text[lo:hi])

    def piece(a: int, b: int) -> str:
        return escape_lines(text[a:b])

    if r.answer_end > r.answer_start:
        sentence = piece(r.answer_start, r.answer_end)
        if r.key_end > r.key_start:
            sentence = (
                f'{piece(r.answer_start, r.key_start)}<strong class="sq-key">'
                f"{piece(r.key_start, r.key_end)}</strong>{piece(r.key_end, r.answer_end)}"
            )
        inner = (
            f'{piece(r.start, r.answer_start)}<mark class="sq-hit">{sentence}</mark>'
            f"{piece(r.answer_end, r.end)}"
        )
    else:
        inner = piece(r.start, r.end)
    return f'{piece(lo, r.start)}<span class="sq-excerpt">{inner}</span>{piece(r.end, hi)}'


def render_reader(document: Document, request: ReaderRequest, language: str = "fr") -> str:
    """The reader panel's HTML for ``document`` around ``request``."""
    words = page_labels(language)
    who = " · ".join(escape(x) for x in (document.publisher, document.author) if x)
    added = words["added"].format(date=document.added[:10]) if document.added else words["seed"]
    text = document.text
    lo, hi = _window(text, request)
    shown = "" if (lo, hi) == (0, len(text)) else f" · {lo}–{hi} / {len(text)}"
    facts = " · ".join(
        x for x in (who, escape(added), f"<code>{escape(document.source)}</code>") if x
    )
    return (
        f'<article class="sq-reader-doc sq-reader-{request.serial}" lang="fr">'
        f'<h3 class="sq-reader-title">{escape(document.title)}</h3>'
        f'<div class="sq-src">{facts}{escape(shown)}</div>'
        f'<div class="sq-reader-text">{_text(text, request, lo, hi)}</div></article>'
    )
