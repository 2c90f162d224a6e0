"""Text analysis shared by BM25, the sentence table and the question: French terms.

Tokens are lower-cased, elisions (l', d', qu'…) removed, French and English stopwords
dropped, stripped of accents and Snowball-stemmed (French); digit groups are joined
("56 000" → "56000") so numbers match however they are typed.

``ANALYSIS_VERSION`` is written in every index manifest: changing the stopwords, the
stemmer or the token rules must bump it, so that an index analysed the old way is
rebuilt instead of silently missing terms.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

ANALYSIS_VERSION = 1
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
_DIGIT_GROUP = re.compile(r"(?<=\d)[\s\u00a0\u202f.](?=\d{3}\b)")
_TOKEN = re.compile(r"\d+(?:,\d+)?|[^\W\d_]+", re.UNICODE)
STOPWORDS = frozenset(STOPWORDS_FRENCH) | frozenset(STOPWORDS_EN) | {"combien", "quel", "quelle"}

# French month names, with and without accents (in regular expressions)
FRENCH_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre"
)
# a number as written: "56 000", "1.100", "3,3", "2016"
NUMBER = re.compile(r"\d+(?:[ .,\u00a0\u202f]\d{3})*(?:,\d+)?")

_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects must not be shared between threads
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("french")
    return stemmer


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """The terms of a text (passage, sentence or question), in order, repeats kept."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _ELISION.sub(" ", text)
    text = _DIGIT_GROUP.sub("", text)
    words = [strip_accents(w) for w in _TOKEN.findall(text) if w not in STOPWORDS]
    # accents stripped before stemming, so "securite" typed without them still matches
    return [s for s in _stemmer().stemWords(words) if s]


def number_key(raw: str) -> str:
    """One spelling per number: "56 000" / "56.000" / "1,000" / "56000" → "56000";
    "3,3" stays "3,3"."""
    return re.sub(r"[ .\u00a0\u202f]|,(?=\d{3}$)", "", raw)


def numbers(text: str) -> list[str]:
    """The numbers written in a text, as :func:`number_key`s."""
    return [number_key(m) for m in NUMBER.findall(text)]
