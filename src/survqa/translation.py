"""Word-level translation of foreign questions into the corpus's French terms (FreeDict).

Debian's FreeDict dictionaries (dictd format: ``.index`` + gzip-readable ``.dict.dz``)
give, for English, German, Spanish and Italian words, French words; these are reduced
to the French terms of :func:`survqa.analysis.tokenize` and kept only when the corpus
uses them, so the table built for one corpus is small; it is built with the index and
saved in it (``lexicon.json``), so answering needs no dictionary. Spanish and Italian come from
the French→Spanish / French→Italian dictionaries, read backwards (Debian ships no
spa-fra / ita-fra).

``Lexicon.groups(question, lang)`` gives one synonym group of French stems per content
word of the question (its translations, plus the word's own French stem, which catches
names and cognates: Huawei, Xinjiang, Belgrade).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import Stemmer
from bm25s.stopwords import (
    STOPWORDS_EN,
    STOPWORDS_GERMAN,
    STOPWORDS_ITALIAN,
    STOPWORDS_SPANISH,
)

DICT_DIR = Path(os.environ.get("SURVQA_DICT_DIR", "/usr/share/dictd"))
# language -> (dictionary name, True when the file is French -> that language)
SOURCES = {
    "en": ("freedict-eng-fra", False),
    "de": ("freedict-deu-fra", False),
    "es": ("freedict-fra-spa", True),
    "it": ("freedict-fra-ita", True),
}
STEMMERS = {"en": "english", "de": "german", "es": "spanish", "it": "italian"}
_QUESTION_WORDS = {
    "en": {"how", "many", "much", "what", "which", "who", "whom", "whose", "where", "when",
           "why", "according", "also", "its", "their", "there", "over", "does", "did", "do",
           "is", "are"},
    "de": {"wie", "viele", "welche", "welcher", "welches", "wer", "wo", "warum", "was", "laut"},
    "es": {"cuántas", "cuántos", "cuál", "qué", "quién", "dónde", "cómo", "según", "cuánto"},
    "it": {"quante", "quanti", "quale", "chi", "dove", "perché", "cosa", "secondo", "come"},
}  # fmt: skip
STOPWORDS = {
    "en": set(STOPWORDS_EN) | _QUESTION_WORDS["en"],
    "de": set(STOPWORDS_GERMAN) | _QUESTION_WORDS["de"],
    "es": set(STOPWORDS_SPANISH) | _QUESTION_WORDS["es"],
    "it": set(STOPWORDS_ITALIAN) | _QUESTION_WORDS["it"],
}
MAX_WORDS = 3  # a translation of more words is a gloss, not a translation
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+", re.UNICODE)
_HEAD = re.compile(r"\s*(?:/[^/]*/|<[^>]*>)")
_NUMBERING = re.compile(r"^\s*\d+\.\s*")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

logger = logging.getLogger(__name__)


def _b64(value: str) -> int:
    number = 0
    for ch in value:
        number = number * 64 + _B64.index(ch)
    return number


def read_dictd(name: str, folder: Path = DICT_DIR) -> Iterator[tuple[str, list[str]]]:
    """(headword, body lines) of every entry of a dictd dictionary; the headword of a
    proper noun (tagged <pn>) keeps a trailing "\t<pn>" marker."""
    with gzip.open(folder / f"{name}.dict.dz") as packed:
        body = packed.read()
    for line in (folder / f"{name}.index").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00-database"):
            continue
        start, size = _b64(parts[1]), _b64(parts[2])
        lines = body[start : start + size].decode("utf-8", "replace").splitlines()
        if lines:
            head = _HEAD.split(lines[0], 1)[0].strip()
            yield head + ("\t<pn>" if "<pn" in lines[0] else ""), lines[1:]


def translations(lines: list[str]) -> list[str]:
    """Short translation phrases of an entry's body (glosses and examples dropped)."""
    out = []
    for line in lines:
        for part in re.split(r"[,;]", _NUMBERING.sub("", line)):
            phrase = part.strip().strip(".")
            if phrase and len(phrase.split()) <= MAX_WORDS and not phrase.startswith("("):
                out.append(phrase)
    return out


def fold(word: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_PLURALS = ("s", "es", "en", "n", "e")


def _forms(word: str) -> list[str]:
    """The word, then the word without a plural ending (longest stem kept >= 3 letters)."""
    return [word] + [
        word[: -len(e)] for e in _PLURALS if word.endswith(e) and len(word) > len(e) + 3
    ]


_local = threading.local()


def _stemmer(language: str) -> Stemmer.Stemmer:
    """A Snowball stemmer of this thread (PyStemmer objects must not be shared)."""
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if language not in cache:
        cache[language] = Stemmer.Stemmer(language)
    return cache[language]


@dataclass
class Lexicon:
    """Foreign stem -> French corpus stems, per language."""

    table: dict[str, dict[str, frozenset[str]]]
    french: Callable[[str], list[str]]  # French analysis (survqa.lexical.tokenize)
    common: dict[str, frozenset[str]] = field(default_factory=dict)  # lang -> common-word stems
    sources: tuple[str, ...] = ()  # the dictionaries it was built from

    def is_common(self, word: str, lang: str) -> bool:
        """The word is a dictionary word of its language that is not a proper noun
        (German capitalises every noun: "Spanne" is a word, "Londres" a name)."""
        stems = self.common.get(lang, frozenset())
        return any(self.stem_any(lang, form) in stems for form in _forms(word))

    def stem_any(self, lang: str, word: str) -> str:
        return self.stem(lang, word) if lang in STEMMERS else fold(word)

    def stem(self, lang: str, word: str) -> str:
        return _stemmer(STEMMERS[lang]).stemWord(fold(word))

    def content_words(self, text: str, lang: str) -> list[str]:
        stop = STOPWORDS.get(lang, set())
        return [w for w in _WORD.findall(text) if w.lower() not in stop and len(w) > 1]

    def group(self, word: str, lang: str) -> frozenset[str]:
        """French stems a foreign word may stand for (its own French stem included)."""
        own = frozenset(self.french(word))
        if lang not in self.table:
            return own
        table = self.table[lang]
        for form in _forms(word):  # "Kameras": the German stemmer keeps the plural -s
            found = table.get(self.stem(lang, form))
            if found:
                return own | found
        if lang == "de":  # compounds: "Sozialkreditsystem" -> "Sozialkredit" + "system"
            return own | self._compound(word, table)
        return own

    def _compound(self, word: str, table: dict[str, frozenset[str]]) -> frozenset[str]:
        """Translations of the two halves of a German compound (longest head first)."""
        low = word.lower()
        for cut in range(3, len(low) - 3):
            head, tail = low[:cut].removesuffix("s"), low[cut:]
            left = next(
                (table[k] for f in _forms(head) if (k := self.stem("de", f)) in table),
                None,
            )
            right = next(
                (table[k] for f in _forms(tail) if (k := self.stem("de", f)) in table),
                None,
            )
            if left and right:
                return left | right
        return frozenset()

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: sorted lists, so the same lexicon gives the same bytes."""
        return {
            "table": {lang: {k: sorted(v) for k, v in sorted(t.items())}
                      for lang, t in sorted(self.table.items())},
            "common": {lang: sorted(v) for lang, v in sorted(self.common.items())},
            "sources": list(self.sources),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any], french: Callable[[str], list[str]]) -> Lexicon:
        table = {lang: {k: frozenset(v) for k, v in t.items()}
                 for lang, t in data["table"].items()}  # fmt: skip
        common = {lang: frozenset(v) for lang, v in data["common"].items()}
        return cls(table, french, common, tuple(data.get("sources", ())))

    def groups(self, text: str, lang: str) -> list[frozenset[str]]:
        """One synonym group per content word; words with no French stem are dropped."""
        groups = [self.group(w, lang) for w in self.content_words(text, lang)]
        return [g for g in groups if g]


def build_lexicon(
    french: Callable[[str], list[str]],
    vocabulary: Collection[str] | None = None,
    languages: Collection[str] = tuple(SOURCES),
    folder: Path = DICT_DIR,
) -> Lexicon:
    """Read the dictionaries found in ``folder``; keep French terms of ``vocabulary`` only
    (None: keep all). A missing dictionary leaves its language untranslated."""
    table: dict[str, dict[str, frozenset[str]]] = {}
    common: dict[str, set[str]] = {"fr": set()}
    found = []
    for lang in languages:
        name, reverse = SOURCES[lang]
        if not (folder / f"{name}.index").exists():
            continue
        found.append(name)
        pairs: dict[str, set[str]] = {}
        words = common.setdefault(lang, set())
        for tagged, lines in read_dictd(name, folder):
            _read_entry(tagged, lines, (lang, reverse, french), (words, common["fr"], pairs))
        table[lang] = {
            k: frozenset(t for t in v if vocabulary is None or t in vocabulary)
            for k, v in pairs.items()
        }
        table[lang] = {k: v for k, v in table[lang].items() if v}
    return Lexicon(table, french, {k: frozenset(v) for k, v in common.items()}, tuple(found))


def _read_entry(
    tagged: str,
    lines: list[str],
    how: tuple[str, bool, Callable[[str], list[str]]],
    into: tuple[set[str], set[str], dict[str, set[str]]],
) -> None:
    """One entry of a dictionary of ``lang`` (French→lang when ``reverse``) into (common words
    of ``lang``, common French words, foreign stem → French terms)."""
    lang, reverse, french = how
    words, french_words, pairs = into
    stemmer = _stemmer(STEMMERS[lang])
    head, proper = tagged.removesuffix("\t<pn>"), tagged.endswith("\t<pn>")
    if not proper and " " not in head:
        if reverse:
            french_words.add(fold(head))
        else:
            words.add(stemmer.stemWord(fold(head)))
    for phrase in translations(lines):
        if reverse and not proper and " " not in phrase:
            words.add(stemmer.stemWord(fold(phrase)))
        foreign, french_text = (phrase, head) if reverse else (head, phrase)
        if len(foreign.split()) == 1:
            pairs.setdefault(stemmer.stemWord(fold(foreign)), set()).update(french(french_text))


def corpus_lexicon(
    tokenize: Callable[[str], list[str]], vocabulary: set[str], previous: Lexicon | None
) -> Lexicon:
    """FreeDict translations restricted to the corpus's terms; without dictionaries, the
    ``previous`` index's (new terms then have no translation)."""
    lexicon = build_lexicon(tokenize, vocabulary)
    if lexicon.sources or previous is None or not previous.sources:
        if not lexicon.sources:
            logger.warning(
                "no FreeDict dictionary found: foreign questions are not translated "
                "for BM25 (install dict-freedict-eng-fra, -deu-fra, -fra-spa, -fra-ita)"
            )
        return lexicon
    logger.warning("no FreeDict dictionary found: reusing the previous index's translations")
    table = {lang: {k: v & vocabulary for k, v in t.items() if v & vocabulary}
             for lang, t in previous.table.items()}  # fmt: skip
    return Lexicon(table, tokenize, previous.common, previous.sources)
