"""Stage 1, ``prepare``: the question as searched — checked, follow-ups resolved, analysed
once (terms, language, the kind of answer it expects, its term groups, translated word by
word when it is not French) and embedded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from survqa.analysis import tokenize
from survqa.indexing.embedding import Embedder
from survqa.language import detect_language
from survqa.search.inputs import check_history, check_question
from survqa.settings import Settings
from survqa.translation import Lexicon

_FOLLOW_UP_START = re.compile(
    r"^(et|and|what about|how about|y|und|e|ou|or|mais|but|puis|then|also|aussi)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Query:
    """A question ready for search.

    ``question`` is what the user asked (normalised); ``searched`` is the question preceded
    by the turns it follows up (the same text when it stands alone). ``groups`` holds one
    group of French terms per content word of ``searched`` (a French word: its own term; a
    foreign word: its translations and its own French term), ``terms`` all of them in
    order (for passage BM25).
    """

    question: str
    searched: str
    language: str
    expects: str | None
    groups: tuple[frozenset[str], ...]
    terms: tuple[str, ...]
    vector: np.ndarray

    @property
    def foreign(self) -> bool:
        """Not French: the corpus's language, where BM25 is trusted."""
        return self.language != "fr"


def prepare(
    question: object,
    history: Sequence[str] | None,
    embedder: Embedder,
    settings: Settings,
    lexicon: Lexicon,
) -> Query:
    """Check, resolve, analyse and embed a question (TypeError / ValueError on bad input)."""
    text = check_question(question, settings.max_query_chars)
    searched = resolve(text, check_history(history, settings.max_query_chars))
    language = detect_language(text)
    groups = term_groups(searched, language, lexicon)
    return Query(
        question=text,
        searched=searched,
        language=language,
        expects=expected_answer(text),
        groups=groups,
        terms=tuple(dict.fromkeys(t for group in groups for t in sorted(group))),
        vector=embed_question(embedder, text, searched),
    )


def term_groups(text: str, language: str, lexicon: Lexicon) -> tuple[frozenset[str], ...]:
    """One group of French terms per content word, each group once."""
    if language == "fr":
        return tuple(frozenset([t]) for t in dict.fromkeys(tokenize(text)))
    return tuple(dict.fromkeys(lexicon.groups(text, language)))


def embed_question(embedder: Embedder, question: str, searched: str) -> np.ndarray:
    """The question's vector; a follow-up blends its own words with its context."""
    if searched == question:
        return embedder.embed_queries([question])[0]
    own, context = embedder.embed_queries([question, searched])
    blend = own + context
    return (blend / max(float(np.linalg.norm(blend)), 1e-12)).astype(np.float32)


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
