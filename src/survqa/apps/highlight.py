"""The one rendering of an excerpt with its answering sentence marked, for every app.

An excerpt's raw text (hard line breaks, end-of-line hyphenation) is shown in its
reading form; the app says how to escape the document's text for its medium and how to
mark the answering sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from survqa.records import Citation
from survqa.text import clean, display


@dataclass(frozen=True, slots=True)
class Highlight:
    """Reading form of an excerpt in three pieces: before, the answering sentence, after.
    ``before`` and ``after`` keep one edge space where the text had whitespace."""

    before: str
    answer: str
    after: str


def split(citation: Citation) -> Highlight:
    """The excerpt of ``citation`` cut around its answering sentence."""
    text = citation.text
    a = min(max(citation.answer_start - citation.start, 0), len(text))
    b = min(max(citation.answer_end - citation.start, a), len(text))
    return Highlight(display(text[:a]), display(text[a:b]), display(text[b:]))


def render(citation: Citation, escape: Callable[[str], str], mark: Callable[[str], str]) -> str:
    """The excerpt as one line: document text through ``escape``, the answering sentence
    through ``escape`` then ``mark``."""
    h = split(citation)
    if not h.answer.strip():
        return escape(clean(citation.text))
    lead = " " if h.answer[:1] == " " else ""
    trail = " " if h.answer[-1:] == " " else ""
    marked = f"{lead}{mark(escape(h.answer.strip()))}{trail}"
    return re.sub(r" {2,}", " ", f"{escape(h.before)}{marked}{escape(h.after)}").strip()
