"""Reading forms of raw corpus text.

Texts are kept exactly as read: every offset indexes into ``Document.text``. Cleaning
only makes the strings that are embedded, matched and displayed, with an offset map
back to the original when one is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A hyphen at the end of a line between two letters, with the line break after it.
_BREAK = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])|\s+")


@dataclass(frozen=True, slots=True)
class CleanText:
    """A cleaned text and, for each of its characters, the index in the original."""

    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the cleaned span [start, end) to the original span (end exclusive)."""
        if end > start:
            return self.offsets[start], self.offsets[end - 1] + 1
        if start < len(self.offsets):
            return self.offsets[start], self.offsets[start]
        pos = self.offsets[-1] + 1 if self.offsets else 0
        return pos, pos


def clean_with_offsets(raw: str) -> CleanText:
    """Join line-end hyphenation, collapse whitespace to one space, strip; keep offsets."""
    chars: list[str] = []
    offsets: list[int] = []
    pos = 0
    for match in _BREAK.finditer(raw):
        chars.extend(raw[pos : match.start()])
        offsets.extend(range(pos, match.start()))
        hyphen = match.group().startswith("-")
        if not hyphen or raw[match.end()].isupper():  # "Lefort-\nLavauzelle" keeps it
            chars.append("-" if hyphen else " ")
            offsets.append(match.start())
        pos = match.end()
    chars.extend(raw[pos:])
    offsets.extend(range(pos, len(raw)))
    joined = "".join(chars)
    lo = len(joined) - len(joined.lstrip(" "))
    hi = len(joined.rstrip(" "))
    return CleanText(joined[lo:hi], tuple(offsets[lo:hi]))


def clean(raw: str) -> str:
    """The reading form of a raw slice: hyphenation joined, whitespace collapsed, stripped."""
    return clean_with_offsets(raw).text


def display(piece: str) -> str:
    """:func:`clean` for a piece of a longer text: one space kept where it had edge
    whitespace, so pieces shown one after the other stay separated."""
    if not piece:
        return ""
    lead = " " if piece[0].isspace() else ""
    trail = " " if piece[-1].isspace() and piece.strip() else ""
    return lead + clean(piece) + trail


def word_count(raw: str) -> int:
    """Words of a raw slice, counted on its reading form."""
    return len(clean(raw).split())
