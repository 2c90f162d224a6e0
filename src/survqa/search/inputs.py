"""The input rules: what a question, ``k``, a history and a source filter must be.

Bad input raises ``TypeError`` (wrong type) or ``ValueError`` (wrong value) with a message
that says what to type instead; every app (``ask()``, the CLI, the web UI) goes through
these functions.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Collection, Sequence

_SPACE = re.compile(r"\s+")
MAX_HISTORY = 20


def _visible(ch: str) -> str:
    category = unicodedata.category(ch)
    # Cf (zero-width, soft hyphen, bidi overrides) and Cs (lone surrogates) are dropped, so
    # "Pa\u200bris" stays one word; Cc (NUL, tab, newline…), Co and Cn become spaces
    if category in ("Cf", "Cs"):
        return ""
    return " " if category in ("Cc", "Co", "Cn") else ch


def normalise_question(text: str, max_chars: int) -> str:
    """NFC, invisible and control characters removed, spaces collapsed, length capped."""
    text = text[: max_chars * 4]
    text = "".join(_visible(ch) for ch in unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()[:max_chars].strip()


def check_question(question: object, max_chars: int) -> str:
    """The normalised question; TypeError / ValueError say what is wrong."""
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    cleaned = normalise_question(question, max_chars)
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


def coerce_k(value: object, max_k: int) -> int:
    """A k typed in a form (a slider's float, a string): rounded down, then clamped to
    [1, max_k]; ValueError when it is not a finite number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"k must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"k must be a finite number, not {value!r}")
    return max(1, min(int(number), max_k))


def check_history(history: object, max_chars: int) -> list[str]:
    """Previous user questions (oldest first) as clean strings; the last MAX_HISTORY kept."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence):
        raise TypeError("history must be a list of previous questions (str)")
    turns = list(history)[-MAX_HISTORY:]
    if not all(isinstance(turn, str) for turn in turns):
        raise TypeError("history must contain only str (the previous questions)")
    cleaned = [normalise_question(turn, max_chars) for turn in turns]
    return [turn for turn in cleaned if any(ch.isalnum() for ch in turn)]


def check_sources(sources: object, known: Sequence[str]) -> frozenset[str] | None:
    """The file names to search (None: all); unknown names raise ValueError."""
    if sources is None:
        return None
    if isinstance(sources, str) or not isinstance(sources, Collection):
        raise TypeError("sources must be a list of file names (str)")
    if not all(isinstance(s, str) for s in sources):
        raise TypeError("sources must be a list of file names (str)")
    unknown = sorted(set(sources) - set(known))
    if unknown:
        raise ValueError(f"unknown document(s) {unknown}; known: {sorted(known)}")
    return frozenset(sources) if sources else None
