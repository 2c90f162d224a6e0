"""The key figure, date or name inside an answering sentence, when the question asks for one.

"Combien de caméras compte Paris ?" asks for a number; in "Paris (… 11 millions
d'habitants) compte 56 000 caméras, Madrid 25 000…" the answer is "56 000": the number
nearest the question's words (a number right before one of them — "56 000 caméras" —
counts most, one in brackets least). Names already in the question are not answers; a
"who is X?" question asks for a description, not a name, and gets no emphasis. Question
words match the sentence's through French stems or, across languages, through their first
five letters without accents ("cameras" / "caméras").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from survqa.analysis import FRENCH_MONTHS, STOPWORDS, strip_accents, tokenize
from survqa.search.query import expected_answer

Span = tuple[int, int]

_MONTHS = FRENCH_MONTHS
_SPELLED = (
    "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|"
    "quarante|cinquante|soixante|cent|cents|mille"
)
_MAGNITUDE = r"(?:\s?%|\s(?:pour ?cent|millions?|milliards?|mille|billions?|percent))"
_ABOUT = (
    r"(?:une? |la )(?:dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|"
    r"soixantaine|centaine|moitié|majorité)|(?:des )?milliers|(?:un )?(?:tiers|quart)"
)
_NUMBER = re.compile(
    rf"(?<![\w,.])\d+(?:[ \u00a0\u202f.]\d{{3}})*(?:,\d+)?{_MAGNITUDE}?(?![\w])"
    rf"|\b(?:un|une|{_SPELLED})(?:[ -](?:{_SPELLED}))*{_MAGNITUDE}"
    rf"|\b(?:{_ABOUT})\b"
    rf"|\b(?:{_SPELLED})(?:[ -](?:{_SPELLED}))*\b",
    re.IGNORECASE,
)
_SPELLED_ONLY = re.compile(rf"(?:{_SPELLED})(?:[ -](?:{_SPELLED}))*", re.IGNORECASE)
_FOOTNOTE = re.compile(r"\s\d{1,2}[.\s]*$")
_DATE = re.compile(
    rf"\b(?:(?:\d{{1,2}}(?:er)?\s+)?(?:{_MONTHS})\s+)?(?:1[89]|20)\d{{2}}\b"
    rf"|\b\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\b",
    re.IGNORECASE,
)
_CAPITAL = r"(?:[A-ZÀ-ÖØ-Þ][\w’'-]*|[A-Z]{2,})"
_NAME = re.compile(rf"\b{_CAPITAL}(?:\s+(?:(?:de|du|des|von|van|al|el)\s+)?{_CAPITAL})*")
_WHO_IS = re.compile(
    r"\b(qui (est|était|sont)|who (is|was|are)|qui[eé]n es|wer (ist|war)|chi [eè])\b", re.I
)
# the weight of a question word near a candidate (its own words, those of the question a
# follow-up leans on), and the bonus of a number right after a place the question names
OWN, EARLIER, NAMED = 2.0, 0.5, 3.0
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_EXTRA_STOP = {"selon", "depuis", "dans", "pour", "mais", "ainsi", "alors", "cette", "comme"}


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    keys: frozenset[str]


def _keys(word: str) -> frozenset[str]:
    """A word's matching keys: its French stem and its first five unaccented letters."""
    lowered = strip_accents(word.lower())
    if len(lowered) < 3 or lowered in STOPWORDS or lowered in _EXTRA_STOP:
        return frozenset()
    return frozenset({*tokenize(word), lowered[:5]})


def _words(text: str) -> list[_Word]:
    return [_Word(m.start(), m.end(), _keys(m.group())) for m in _WORD.finditer(text)]


def _candidates(sentence: str, kind: str, asked: str) -> list[Span]:
    """The spans of ``sentence`` of the kind asked for, without those the question names."""
    if kind == "name":
        folded = strip_accents(asked.lower())
        spans = []
        for match in _NAME.finditer(sentence):
            words = match.group().split()
            while words and (strip_accents(words[0].lower()) in STOPWORDS | _EXTRA_STOP):
                words = words[1:]
            if not words or len(words) > 5:
                continue
            text = " ".join(words)
            start = match.start() + match.group().index(words[0])
            if all(strip_accents(w.lower()) in folded for w in words):
                continue  # a name the question already gives
            spans.append((start, start + len(text)))
        return spans
    pattern = _DATE if kind == "date" else _NUMBER
    spans = [m.span() for m in pattern.finditer(sentence) if m.group().strip()]
    asked_keys = set().union(*(w.keys for w in _words(asked)))
    spans = [
        (a, b) for a, b in spans
        if sentence[a:b] not in asked
        and not _known(sentence[a:b], asked_keys)
        and not _FOOTNOTE.match(sentence[a - 1 :])  # "… en Chine 1." ends with a note number
    ]  # fmt: skip
    if kind == "number":
        plain = [s for s in spans if not re.fullmatch(r"(1[89]|20)\d\d", sentence[s[0] : s[1]])]
        spans = plain or spans  # a year is the answer only when nothing else is a number
        figures = [s for s in spans if any(ch.isdigit() for ch in sentence[s[0] : s[1]])]
        spelled = [s for s in spans if _SPELLED_ONLY.fullmatch(sentence[s[0] : s[1]])]
        spans = [s for s in spans if s not in spelled] if figures else spans
    return spans


def _known(text: str, keys: set[str]) -> bool:
    """Every word of ``text`` is a word of the question ("le milliard" → "un milliard")."""
    own = {k for w in _words(text) for k in w.keys}
    return bool(own) and own <= keys


def key_span(
    sentence: str, question: str, context: str = "", translated: frozenset[str] = frozenset()
) -> Span | None:
    """The span of ``sentence`` holding the figure, date or name that ``question`` asks for
    (``context``: the earlier questions a follow-up leans on; ``translated``: French stems
    of a foreign question's words), or None."""
    kind = expected_answer(question) or (expected_answer(context) if context else None)
    if kind not in ("number", "date", "name") or (kind == "name" and _WHO_IS.search(question)):
        return None
    candidates = _candidates(sentence, kind, f"{context} {question}")
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    own = set().union(*(w.keys for w in _words(question))) | translated
    earlier = set().union(*(w.keys for w in _words(context))) - own if context else set()
    words = _words(sentence)

    covered = [_indexes(words, span) for span in candidates]

    def weight(w: _Word) -> float:
        return OWN if w.keys & own else EARLIER if w.keys & earlier else 0.0

    def score(n: int) -> float:
        first, last = covered[n]
        total = sum(
            weight(w) / (first - i if i < first else i - last)
            for i, w in enumerate(words)
            if not first <= i <= last
        )
        if kind == "number":
            total += _counts(words, last + 1, weight, sentence)
            others = {i for m, (a, b) in enumerate(covered) if m != n for i in range(a, b + 1)}
            for i in range(first - 1, max(first - 4, -1), -1):
                if i in others:
                    break
                if sentence[words[i].start].isupper() and words[i].keys & own:
                    total += NAMED  # "Rome 22 000", "Berlin moins de 9 000": the place asked
                    break
        return total

    scores = [score(n) for n in range(len(candidates))]
    best = max(range(len(candidates)), key=lambda n: (scores[n], -candidates[n][0]))
    return candidates[best] if scores[best] > 0 else None


def _indexes(words: list[_Word], span: Span) -> tuple[int, int]:
    """The first and last word of ``span``."""
    inside = [i for i, w in enumerate(words) if w.start < span[1] and w.end > span[0]]
    return (inside[0], inside[-1]) if inside else (0, 0)


def _counts(
    words: list[_Word], after: int, weight: Callable[[_Word], float], sentence: str
) -> float:
    """What a number counts, when it is a word of the question: "56 000 caméras",
    "15 millions de caméras" (a lower-case word, maybe after "de")."""
    for j in (after, after + 1):
        if j >= len(words):
            return 0.0
        w = words[j]
        if not w.keys:
            if sentence[w.start : w.end].lower() in ("de", "d"):
                continue
            return 0.0
        return 0.0 if sentence[w.start].isupper() else weight(w)
    return 0.0


def key_in_file(
    answer_start: int,
    answer: str,
    question: str,
    context: str = "",
    translated: frozenset[str] = frozenset(),
) -> Span | None:
    """:func:`key_span` of an answering sentence as stored (``answer``, starting at file
    offset ``answer_start``), in file offsets; line breaks count as spaces."""
    span = key_span(answer.replace("\n", " "), question, context, translated)
    return None if span is None else (answer_start + span[0], answer_start + span[1])
