"""Which language a question is written in, from its function words.

Good enough to tell French questions (where French BM25 is trusted) from
English, Spanish, German, Italian… ones (where the dense side leads).
"""

from __future__ import annotations

import re
import unicodedata

from bm25s.stopwords import (
    STOPWORDS_EN,
    STOPWORDS_FRENCH,
    STOPWORDS_GERMAN,
    STOPWORDS_ITALIAN,
    STOPWORDS_PORTUGUESE,
    STOPWORDS_SPANISH,
)

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# frequent question words that the stopword lists miss or share
_EXTRA = {
    "fr": {
        "combien",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "pourquoi",
        "comment",
        "où",
        "qui",
        "quoi",
        "est-ce",
        "et",
        "à",
        "au",
        "aux",
        "des",
        "selon",
        "dont",
        "y",
        "a-t-il",
    },
    "en": {
        "how",
        "many",
        "much",
        "what",
        "which",
        "who",
        "where",
        "why",
        "when",
        "does",
        "did",
        "is",
        "are",
        "the",
        "and",
        "about",
        "according",
    },
    "es": {"cuántas", "cuántos", "cuál", "qué", "quién", "dónde", "cómo", "por", "según", "y"},
    "de": {"wie", "viele", "welche", "welcher", "wer", "wo", "warum", "was", "und", "laut"},
    "it": {"quante", "quanti", "quale", "chi", "dove", "perché", "cosa", "secondo", "e"},
    "pt": {"quantas", "quantos", "qual", "quem", "onde", "porque", "segundo"},
}
_STOPWORDS = {
    "fr": set(STOPWORDS_FRENCH) | _EXTRA["fr"],
    "en": set(STOPWORDS_EN) | _EXTRA["en"],
    "es": set(STOPWORDS_SPANISH) | _EXTRA["es"],
    "de": set(STOPWORDS_GERMAN) | _EXTRA["de"],
    "it": set(STOPWORDS_ITALIAN) | _EXTRA["it"],
    "pt": set(STOPWORDS_PORTUGUESE) | _EXTRA["pt"],
}
# letters that give a language away when function words are scarce
_MARKS = {"fr": "çàèùâêîôûëïœ", "es": "ñ¿¡", "de": "äöüß", "pt": "ãõ"}


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'")
    return [w for part in text.split("'") for w in _WORD.findall(part)]


def detect_language(text: str) -> str:
    """ISO 639-1 code of the question's language; "fr" when undecided."""
    words = _words(text)
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    lowered = text.lower()
    for lang, marks in _MARKS.items():
        scores[lang] += sum(2 for ch in lowered if ch in marks)
    best = max(scores, key=lambda lang: (scores[lang], lang == "fr"))
    if scores[best] == 0 or scores[best] == scores["fr"]:
        return "fr"
    return best
