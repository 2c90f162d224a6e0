"""What the question alone says about the corpus: the names, numbers and content words
it uses that the corpus never mentions (matched across languages through the FreeDict
lexicon: Pékin / Beijing / Peking / Pechino, Belgrade / Belgrado, Serbie / Serbia)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from survqa.analysis import numbers, tokenize
from survqa.indexing.sentences import SentenceTable
from survqa.search.query import Query, term_groups
from survqa.translation import Lexicon, fold

_NAME = re.compile(r"(?<![\w’'])([A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ][\w’'-]*)")
_OPENING = re.compile(r"^\W*\w+")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Counts of the question's names and numbers, how many the corpus never uses, and the
    share of its content words with no corpus term."""

    names: int
    unknown_names: int
    numbers: int
    unknown_numbers: int
    unknown_terms: float


def question_names(question: str) -> list[str]:
    """Capitalised words (not acronyms: CCTV, NGO), except the question's first word."""
    body = _OPENING.sub("", question.strip(), count=1)
    return [m for m in _NAME.findall(body) if not m.isdigit()]


def _known(word: str, language: str, table: SentenceTable, lexicon: Lexicon) -> bool:
    """A name is known when one of its parts has a corpus term (own or translated)."""
    terms: set[str] = set()
    for part in [word, *re.split(r"[-’']", word)]:  # "Chinese-made", "China's"
        terms |= set(tokenize(part)) | set(tokenize(fold(part)))
        if language != "fr":
            terms |= lexicon.group(part, language)
    return bool(terms & table.vocabulary)


def gather(query: Query, table: SentenceTable, lexicon: Lexicon) -> Evidence:
    """The evidence of the question (its own words, not a follow-up's context)."""
    question, language = query.question, query.language
    names = [n for n in question_names(question) if tokenize(n)]
    names = [n for n in names if not lexicon.is_common(n, language)]  # German nouns
    found = numbers(question)
    groups = (
        query.groups if query.searched == question else term_groups(question, language, lexicon)
    )
    unknown = sum(not (g & table.vocabulary) for g in groups) / len(groups) if groups else 0.0
    return Evidence(
        names=len(names),
        unknown_names=sum(not _known(n, language, table, lexicon) for n in names),
        numbers=len(found),
        unknown_numbers=sum(n not in table.numbers for n in found),
        unknown_terms=unknown,
    )
