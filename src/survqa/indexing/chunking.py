"""Split paragraphs into sentences and group them into passages (the retrieval unit).

All spans are raw character offsets into ``Document.text``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from survqa.documents.paragraphs import paragraphs
from survqa.records import Document, Passage, Span
from survqa.text import clean, word_count

# Bumped whenever sentence or passage boundaries change: an index built by another
# version is stale and rebuilt (vectors of unchanged text are reused).
CHUNKER_VERSION = 2
# Sentence-final punctuation, then closing quotes / brackets, then whitespace.
_END = re.compile(r"(?:\.\.\.|[.!?…])+(?:[ \u00a0\u202f]?[»”\"’)\]])*(?=\s)")
# A bullet or a numbered item at the start of a line.
_ITEM = re.compile(r"^[ \t]*(?:[•▪◦]|\d{1,3}\.[ \t])", re.MULTILINE)
_OPENERS = '«“"(•▪◦'
_ABBREVIATIONS = frozenset(
    re.findall(
        r"\S+",
        "m mm mme mmes mlle mlles dr pr me st ste p pp ex cf vol art fig éd chap env av apr "
        "n no nº min max sq resp dir coll trad",
    )
)
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
# A short quotation in guillemets: one utterance, kept in one sentence with its attribution.
_QUOTE = re.compile(r"«[^«»]{1,400}»")


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _token_before(text: str, pos: int) -> str:
    """The non-space run that ends at pos, without opening brackets or quotes."""
    begin = pos
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:pos].lstrip("(«“\"'")


def _keeps_going(text: str, match: re.Match[str]) -> bool:
    """The punctuation of match does not end a sentence (abbreviation, list marker, "( !)")."""
    pos = match.start()
    if re.search(r"\(\s?$", text[max(0, pos - 2) : pos]):
        return True  # "( !)"
    if text[pos] != "." or match.group().startswith("..."):
        return False
    token = _token_before(text, pos)
    if token.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(token):
        return True  # "M. Dupont", "J. Smith", "U.S. Navy"
    line_start = text.rfind("\n", 0, pos) + 1
    return bool(re.fullmatch(r"[ \t]*\d{1,3}", text[line_start:pos]))  # "  1. Paul"


def _sentence_starts(text: str, start: int, end: int) -> list[int]:
    """Positions in (start, end) where a new sentence or list item begins."""
    starts = {m.end() - len(m.group().lstrip(" \t")) for m in _ITEM.finditer(text, start, end)}
    for match in _END.finditer(text, start, end):
        nxt = match.end()
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt >= end or _keeps_going(text, match):
            continue
        char = text[nxt]
        if char.isupper() or char.isdigit() or char in _OPENERS:
            starts.add(nxt)
    quoted = [(m.start(), m.end()) for m in _QUOTE.finditer(text, start, end)]
    return sorted(
        pos for pos in starts if start < pos < end and not any(a < pos < b for a, b in quoted)
    )


def split_sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans inside text[start:end], trimmed, in order, covering all content.

    A sentence ends at . ! ? … or "..." (plus closing quotes / brackets) followed by
    whitespace and an uppercase letter, a digit, an opening quote or bracket, or a
    bullet; not after common abbreviations, initials ("J.", "U.S."), list numbers or
    "( !)", nor inside a short quotation in guillemets (« … », up to 400 characters:
    one utterance). Bullets and numbered items at the start of a line start a
    new unit. Line breaks alone never split. Numbers like "3,3" or "1.100" are safe
    (no space).
    """
    cuts = [start, *_sentence_starts(text, start, end), end]
    spans = [_trim(text, a, b) for a, b in itertools.pairwise(cuts)]
    return [(a, b) for a, b in spans if a < b]


def _windows(counts: Sequence[int], max_words: int) -> list[tuple[int, int]]:
    """Split sentences (by word count) into the fewest, most even windows.

    A window holds at most max_words words unless it is a single long sentence.
    Among splits with the fewest windows, the one with the least sum of squared
    window sizes wins, so 150 words give two windows of ~75 rather than 120 + 30.
    Returns (first, last + 1) sentence indexes.
    """
    size = len(counts)
    prefix = [0]
    for count in counts:
        prefix.append(prefix[-1] + count)
    best: list[tuple[int, int, int]] = [(0, 0, 0)] + [(size + 1, 0, 0)] * size
    for stop in range(1, size + 1):
        for begin in range(stop - 1, -1, -1):
            words = prefix[stop] - prefix[begin]
            if words > max_words and stop - begin > 1:
                break
            windows, squares, _ = best[begin]
            best[stop] = min(best[stop], (windows + 1, squares + words * words, begin))
    bounds: list[tuple[int, int]] = []
    stop = size
    while stop > 0:
        begin = best[stop][2]
        bounds.append((begin, stop))
        stop = begin
    return bounds[::-1]


def chunk_document(doc: Document, max_words: int = 120) -> list[Passage]:
    """Sentence-aligned passages of at most max_words words, never across paragraphs."""
    passages: list[Passage] = []
    for number, (start, end) in enumerate(paragraphs(doc.text)):
        sentences = split_sentences(doc.text, start, end)
        counts = [word_count(doc.text[a:b]) for a, b in sentences]
        for first, stop in _windows(counts, max_words):
            spans = tuple(sentences[first:stop])
            begin, finish = spans[0][0], spans[-1][1]
            text = clean(doc.text[begin:finish])
            passages.append(Passage(doc.source, number, begin, finish, text, spans))
    return passages


def chunk_documents(docs: Sequence[Document], max_words: int = 120) -> list[Passage]:
    """Passages of every document, in document order."""
    return [passage for doc in docs for passage in chunk_document(doc, max_words)]
