"""The content paragraphs of a document, as raw spans: site furniture (ads, menus, image
markup, bylines) and captions repeated from the body are left out."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from survqa.records import Span
from survqa.text import clean

logger = logging.getLogger(__name__)

# Whole lines (after strip) that are site furniture, never content.
BOILERPLATE = re.compile(
    r"^(?:[-–—]?\s*publicité\s*[-–—]?|en continu|l['’]édition du jour|newsletter.*|►.*"
    r"|!\[[^\]]*\]\([^)]*\).*|.*\s\||(?-i:[a-z]{2,5}(?:/[a-z]{2,5})+)"
    r"|de notre (?:correspondante?|envoyée? spéciale?)\b.*|cet article est republié\b.*)$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"[ \t]*(?:[•▪◦·]|\d{1,3}\.[ \t])")
_SOFT_END = ",;:-–—("
_SHORT_LINE = 0.8
# a paragraph of 8-40 words with 40% of its words in 3+ word runs of a later one
_REPEAT_MIN_WORDS, _REPEAT_MAX_WORDS, _REPEAT_RUN, _REPEAT_RATIO = 8, 40, 3, 0.4


@dataclass(frozen=True, slots=True)
class _Line:
    start: int  # first non-space character
    end: int  # after the last non-space character
    body: str  # stripped content
    indented: bool


_Row = _Line | str  # one per line of the text: a content line, BLANK or BOILER
BLANK, BOILER = "blank", "boiler"


def _lines(text: str) -> list[_Row]:
    """Every line of text, classified."""
    out: list[_Row] = []
    pos = 0
    for raw in text.split("\n"):
        body = raw.strip()
        if not body:
            out.append(BLANK)
        elif BOILERPLATE.match(body):
            out.append(BOILER)
        else:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(body), body, lead > 0))
        pos += len(raw) + 1
    for i, (this, nxt) in enumerate(itertools.pairwise(list(out))):
        # a caption shown twice, the second time with a photo credit: drop both
        if isinstance(this, _Line) and isinstance(nxt, _Line) and _captions(this, nxt):
            out[i] = out[i + 1] = BOILER
    return out


def _captions(this: _Line, nxt: _Line) -> bool:
    return len(this.body) >= 20 and nxt.body.startswith(this.body)


def _lower(line: _Line) -> bool:
    """The line starts in lowercase (ignoring opening quotes and brackets), not an item."""
    letters = [c for c in line.body if c.isalnum()]
    return bool(letters) and letters[0].islower() and not _ITEM.match(line.body)


def _is_wrapped(rows: Sequence[_Row]) -> bool:
    """Hard-wrapped (PDF) text: many lines go on with their sentence on the next line."""
    content = sum(isinstance(row, _Line) for row in rows)
    joins = sum(
        isinstance(a, _Line) and isinstance(b, _Line) and _lower(b)
        for a, b in itertools.pairwise(rows)
    )
    return content >= 4 and joins >= 0.2 * content


def _is_short(rows: Sequence[_Row], i: int) -> bool:
    """Line i stops well before the right margin of its neighbours."""
    near = [len(r.body) for r in rows[max(0, i - 3) : i + 4] if isinstance(r, _Line)]
    return len(_at(rows, i).body) < _SHORT_LINE * max(near)


def _breaks(rows: Sequence[_Row], i: int, j: int, wrapped: bool, caption: bool) -> bool:
    """Whether a paragraph ends between content line i and the next content line j."""
    prev, nxt = _at(rows, i), _at(rows, j)
    if _ITEM.match(nxt.body) or BOILER in rows[i + 1 : j]:
        return True
    lower = _lower(nxt)
    if j > i + 1:  # blank lines between: PDF text may still go on ("qui a \n\nréussi")
        return caption or not lower
    if not wrapped:
        return not lower
    if nxt.indented and not prev.indented:  # an inserted caption or heading
        return True
    if lower or prev.body[-1] in _SOFT_END:
        return False
    return _is_short(rows, i)


def _raw_paragraphs(text: str) -> list[Span]:
    rows = _lines(text)
    wrapped = _is_wrapped(rows)
    groups: list[list[int]] = []  # indexes of the content lines of each paragraph
    caption = False
    for j, row in enumerate(rows):
        if not isinstance(row, _Line):
            continue
        if not groups or _breaks(rows, groups[-1][-1], j, wrapped, caption):
            groups.append([])
            caption = wrapped and row.indented and not _ITEM.match(row.body)
        groups[-1].append(j)
    return [(_at(rows, g[0]).start, _at(rows, g[-1]).end) for g in groups]


def _at(rows: Sequence[_Row], i: int) -> _Line:
    row = rows[i]
    assert isinstance(row, _Line)
    return row


def repeat_ratio(words: Sequence[str], other: Sequence[str]) -> float:
    """Share of words that sit in runs of 3+ words found again, in order, in other."""
    if not words:
        return 0.0
    blocks = SequenceMatcher(None, words, other, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks if b.size >= _REPEAT_RUN) / len(words)


def _drop_repeats(text: str, spans: list[Span]) -> list[Span]:
    """Drop short paragraphs that mostly repeat a later one (a caption quoting the body)."""
    words = [re.findall(r"[^\W_]+", clean(text[a:b]).lower()) for a, b in spans]
    grams = [set(zip(w, w[1:], w[2:], strict=False)) for w in words]  # cheap pre-filter
    keep = []
    for k, span in enumerate(spans):
        if _REPEAT_MIN_WORDS <= len(words[k]) <= _REPEAT_MAX_WORDS and any(
            grams[k] & grams[m] and repeat_ratio(words[k], words[m]) >= _REPEAT_RATIO
            for m in range(k + 1, len(spans))
        ):
            logger.debug("dropping paragraph at %d: it repeats later text", span[0])
            continue
        keep.append(span)
    return keep


def paragraphs(text: str) -> list[Span]:
    """Raw (start, end) spans of the content paragraphs of text, in order.

    Boilerplate lines (ads, menus, image markup, agency slugs, captions shown twice,
    "► Pour en savoir plus" links, bylines) are never part of a paragraph. Blank
    lines and line breaks end a paragraph unless the text plainly goes on (the next
    line starts in lowercase; in hard-wrapped PDF text, also a line that is not
    short or ends with , ; :). In hard-wrapped text an indented line is an inserted
    caption or heading: it starts its own paragraph, which ends at the next blank line
    (so the sentence it interrupts is cut in two paragraphs). Short paragraphs that
    mostly repeat a later one (captions quoting the body) are dropped.
    """
    return _drop_repeats(text, _raw_paragraphs(text))
