"""Units (sentences / list items) that cannot answer a question.

Reference lists and footnote entries, photo credits, captions, share / subscribe
lines, bylines and one-word fragments are detected from a document's text when it
is loaded: rules on the unit's own text and on its paragraph's place in the
document, no per-document special case. Such a unit is never marked as the
answering sentence; it may still appear as context inside an excerpt.

Entry point: :func:`classify_units`, one label (or ``None``) per unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from survqa.analysis import FRENCH_MONTHS

REFERENCE, CAPTION, CREDIT, SHARE, BYLINE, FRAGMENT = (
    "reference", "caption", "credit", "share", "byline", "fragment",
)  # fmt: skip
BYLINE_MAX_WORDS = 12  # a signature line: a name, maybe a title and an institution
EDGE_PARAGRAPHS = 2  # bylines sit in the first or last two paragraphs of a document

_MONTHS = (
    FRENCH_MONTHS + "|january|february|march|april|may|june|july|august|september|october|"
    "november|december|jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_SECTION = re.compile(
    r"^(?:sources?|références?|references?|notes?(?: et références)?|bibliographie|"
    r"bibliography|pour aller plus loin|further reading|lire aussi|à lire aussi)\s*:?$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?:\[?\d{1,3}[.)\]]|[•▪◦·*-])\s+")
_ENDS_WITH_DATE = re.compile(
    rf"(?:\b\d{{1,2}}(?:er)?\s+)?(?:\b(?:{_MONTHS})\.?\s+)?\b(?:1[89]|20)\d\d\s*[.)]?\s*$",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|www\.|\bdoi:|\bisbn\b", re.IGNORECASE)
_QUOTED_TITLE = re.compile(r"[«“\"][^«»“”\"]{3,}[»”\"]")
_CREDIT = re.compile(
    r"©|\bcrédits? ?(?:photo)?\s*:|\bphoto\s*:|\((?:image|photo) d['’]illustration\)"
    r"|^(?:AFP|AP|Reuters|Getty Images|Wikimedia(?: Commons)?|Shutterstock|DR)\b"
    r"|[-–|/.]\s*(?:AFP|AP|Reuters|Getty Images|Wikimedia(?: Commons)?|Shutterstock)\s*\|?\s*$"
    r"|^(?:AFP|AP|Reuters)\s*[-–/]\s*[A-Z][\w-]+(?:\s+[A-Z][\w-]+)+\s*$",
    re.IGNORECASE,
)
_SHARE = re.compile(
    r"^(?:partager|partagez|share|tweet(?:er)?|imprimer|print|abonnez-vous|inscrivez-vous|"
    r"s['’]abonner|subscribe|sign up|newsletter|recevez\b|suivez-nous|follow us|lire aussi|"
    r"à lire aussi|read more|lire l['’]article original|pour en savoir plus|publicité|"
    r"cet article est republié|this article is republished)\b"
    r"|\b(?:newsletter|boite mail|boîte mail|inbox)\b",
    re.IGNORECASE,
)
_NAME = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+)?"
_PERSON = re.compile(rf"^(?:(?:par|by|von|por|di)\s+)?{_NAME}(?:\s+{_NAME}){{1,2}}(?:,|$)")
_SENTENCE_END = re.compile(r"[.!?…»”\"]\s*$")
_QUOTE_END = re.compile(r"[»”\"]\s*$")
_SPACED_STOP = re.compile(r"\S\s+\.$")  # "… sociale ." : a PDF caption's typesetting


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of a document: raw character span and its paragraph's number."""

    start: int
    end: int
    paragraph: int


def _flat(text: str) -> str:
    return " ".join(text.split())


def is_citation(unit_text: str) -> bool:
    """A bibliography / footnote entry: link or DOI, or 'Author, «Title», Publisher, date.'"""
    body = _flat(unit_text)
    if _LINK.search(body):
        return True
    if not _ENDS_WITH_DATE.search(body) or body.count(",") < 2:
        return False
    return bool(_QUOTED_TITLE.search(body) or _ITEM.match(unit_text))


def _is_byline(body: str, words: int, previous_paragraph: str) -> bool:
    if words > BYLINE_MAX_WORDS or _SENTENCE_END.search(body):
        return False
    if _QUOTE_END.search(previous_paragraph):  # "« … »" then "Name, title": an attribution
        return False
    return bool(_PERSON.match(body))


class _Document:
    """Paragraph texts of one document, for positional rules."""

    def __init__(self, text: str, units: Sequence[Unit]) -> None:
        self.text = text
        self.units = units
        self.paragraphs = sorted({u.paragraph for u in units})
        self.members: dict[int, list[int]] = {}
        for i, u in enumerate(units):
            self.members.setdefault(u.paragraph, []).append(i)

    def paragraph_text(self, paragraph: int) -> str:
        rows = self.members.get(paragraph, [])
        if not rows:
            return ""
        return _flat(self.text[self.units[rows[0]].start : self.units[rows[-1]].end])

    def position(self, paragraph: int) -> tuple[int, int]:
        """(paragraphs before, paragraphs after) among the document's content paragraphs."""
        k = self.paragraphs.index(paragraph)
        return k, len(self.paragraphs) - 1 - k

    def alone(self, i: int) -> bool:
        return len(self.members[self.units[i].paragraph]) == 1


def _own_label(doc: _Document, i: int) -> str | None:
    """Label from the unit's own text (and its paragraph's place for bylines)."""
    unit = doc.units[i]
    raw = doc.text[unit.start : unit.end]
    body = _flat(raw)
    words = len(body.split())
    if _SECTION.match(body) or is_citation(raw):
        return REFERENCE
    if sum(c.isalpha() for c in body) < 3 or (words <= 1 and not any(c.isdigit() for c in body)):
        return FRAGMENT
    if _SHARE.search(body.lstrip("-–—►•|> ")):
        return SHARE
    if _CREDIT.search(body):
        return CREDIT
    before, after = doc.position(unit.paragraph)
    edge = min(before, after) < EDGE_PARAGRAPHS
    previous = doc.paragraph_text(doc.paragraphs[before - 1]) if before > 0 else ""
    if edge and doc.alone(i) and _is_byline(body, words, previous):
        return BYLINE
    if _SPACED_STOP.search(body) and doc.alone(i):
        return CAPTION
    return None


def classify_units(text: str, units: Sequence[Unit]) -> list[str | None]:
    """One label per unit of one document (units in document order), None = can answer.

    Besides each unit's own label: every unit after a reference-section heading that is
    a list item or a citation is a reference; every unit after the closing byline (the
    signature ends an article) is a caption or furniture.
    """
    doc = _Document(text, units)
    labels = [_own_label(doc, i) for i in range(len(units))]
    in_section = False
    for i, unit in enumerate(units):
        body = _flat(text[unit.start : unit.end])
        if _SECTION.match(body):
            in_section = True
            continue
        if in_section and labels[i] is None:
            if _ITEM.match(text[unit.start : unit.end]) or is_citation(body):
                labels[i] = REFERENCE
            else:
                in_section = False
    closing = [i for i, lab in enumerate(labels) if lab == BYLINE]
    last_byline = closing[-1] if closing else None
    if last_byline is not None and doc.position(units[last_byline].paragraph)[1] < EDGE_PARAGRAPHS:
        for i in range(last_byline + 1, len(units)):
            if labels[i] is None:
                labels[i] = CAPTION
    return labels


def cannot_answer(labels: Sequence[str | None]) -> list[bool]:
    return [label is not None for label in labels]
