"""Checking and normalising what the user typed, and resolving follow-ups."""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Sequence

from survqa.lexical import tokenize

_SPACE = re.compile(r"\s+")
_FOLLOW_UP_START = re.compile(
    r"^(et|and|what about|how about|y|und|e|ou|or|mais|but|puis|then|also|aussi)\b",
    re.IGNORECASE,
)
MAX_HISTORY = 20


def _clean(ch: str) -> str:
    category = unicodedata.category(ch)
    # Cf (zero-width, soft hyphen, bidi overrides) and Cs (lone surrogates) are dropped, so
    # "Pa\u200bris" stays one word; Cc (NUL, tab, newline…), Co and Cn become spaces
    if category in ("Cf", "Cs"):
        return ""
    return " " if category in ("Cc", "Co", "Cn") else ch


def normalise(text: str, max_chars: int) -> str:
    """NFC, invisible and control characters removed, spaces collapsed, length capped."""
    text = text[: max_chars * 4]
    text = "".join(_clean(ch) for ch in unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()[:max_chars].strip()


def check_question(question: object, max_chars: int) -> str:
    """The normalised question; TypeError / ValueError say what is wrong."""
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    cleaned = normalise(question, max_chars)
    if not any(ch.isalnum() for ch in cleaned):
        raise ValueError("question is empty: type a question with at least one word")
    return cleaned


def check_k(k: object, max_k: int) -> int:
    """k as an int in [1, max_k] (larger values are capped)."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an int, not {type(k).__name__}")
    k = int(k)  # numpy integers too
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return min(k, max_k)


def check_history(history: object, max_chars: int) -> list[str]:
    """Previous user questions (oldest first) as clean strings; the last MAX_HISTORY kept."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence):
        raise TypeError("history must be a list of previous questions (str)")
    turns = list(history)[-MAX_HISTORY:]
    if not all(isinstance(turn, str) for turn in turns):
        raise TypeError("history must contain only str (the previous questions)")
    cleaned = [normalise(turn, max_chars) for turn in turns]
    return [turn for turn in cleaned if any(ch.isalnum() for ch in turn)]


_REFERS = re.compile(r"\b(ces|cette|cet|ceux|celles|these|those|them|they)\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """An elliptical question ("Et à Berlin ?", "And who heads it?") that needs the previous one."""
    terms = len(tokenize(question))
    if _FOLLOW_UP_START.match(question):
        return True
    return terms <= 1 or (terms <= 3 and bool(_REFERS.search(question)))


def resolve(question: str, history: list[str]) -> str:
    """The text to search: the question, preceded by the turn(s) it follows up.

    The previous turn is taken, and the one before it too when that turn itself
    leans on an earlier one ("Qui fournit ces caméras ?").
    """
    if not history or not is_follow_up(question):
        return question
    context: list[str] = []
    for turn in reversed(history[-2:]):
        context.insert(0, turn)
        if not (is_follow_up(turn) or _REFERS.search(turn)):
            break
    return " ".join([*context, question])


_EXPECTS = (
    (
        "number",
        re.compile(
            r"\b(combien|nombre|quel(le)? (pourcentage|proportion|part|ratio|chiffre)|"
            r"how (many|much)|"
            r"what (percentage|share|number)|cu[aá]nt[oa]s?|wie viele|wie viel|quant[ie]|quanto)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(quand|en quelle année|depuis quand|when|what year|since when|cu[aá]ndo|wann|"
            r"in welchem jahr|quando|in che anno)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "reason",
        re.compile(
            r"\b(pourquoi|pour quelle raison|dans quel but|why|for what reason|por qu[eé]|"
            r"warum|weshalb|wieso|perch[eé]|per quale motivo)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "name",
        re.compile(
            r"\b(qui|quel(le)?s? (entreprise|société|pays|ville|groupe|organisation|ong)|who|which "
            r"(company|country|city|firm|organi[sz]ation)|qui[eé]n|wer|"
            r"welche[rs]? (firma|land|stadt)|chi)\b",
            re.IGNORECASE,
        ),
    ),
)


def expected_answer(question: str) -> str | None:
    """What kind of answer the question asks for: "number", "date", "reason", "name" or None."""
    for kind, pattern in _EXPECTS:
        if pattern.search(question):
            return kind
    return None
