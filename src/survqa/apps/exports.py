"""A reply as something to paste or keep: a citable quote, plain text, Markdown, JSON.

A quote is ``« answering sentence » — Title, Publisher (file, characters a–b)``: the
answering sentence in its reading form (line-end hyphenation joined, spaces collapsed), the
characters ``a–b`` its span in the file, so that ``text[a:b]`` is the sentence as stored.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping

from survqa.apps.labels import colon, percent, reply_labels
from survqa.records import Answer, Citation, Document, Excerpt
from survqa.text import clean

_BULLETS = "•▪◦‣●■·* \t\n\r\u00a0"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def origin(citation: Citation, documents: Mapping[str, Document]) -> str | None:
    """Who published the cited document: its publisher, else its author."""
    document = documents.get(citation.source)
    if document is not None:
        return document.publisher or document.author
    return citation.publisher


def quoted_span(citation: Citation) -> tuple[int, int]:
    """The file span of the answering sentence without a list bullet or edge spaces."""
    raw = citation.answer
    lead = len(raw) - len(raw.lstrip(_BULLETS))
    trail = len(raw) - len(raw.rstrip())
    if lead + trail >= len(raw):
        return citation.answer_start, citation.answer_end
    return citation.answer_start + lead, citation.answer_end - trail


def quote(citation: Citation, documents: Mapping[str, Document], language: str) -> str:
    """``« answering sentence » — Title, Publisher (file, characters a–b)``, plain text;
    ``a–b`` is the quoted sentence's span in the file."""
    words = reply_labels(language)
    who = origin(citation, documents)
    source = f"{citation.title}, {who}" if who else citation.title
    a, b = quoted_span(citation)
    sentence = clean(citation.text[a - citation.start : b - citation.start])
    return f"« {sentence} » — {source} ({citation.source}, {words['chars']} {a}–{b})"


def _confidence(excerpt: Excerpt, low: bool, language: str) -> str:
    words = reply_labels(language)
    level = "low" if low or excerpt.confidence not in ("high", "medium") else excerpt.confidence
    return f"{words['conf'].format(c=words[level])}, {percent(excerpt.probability, language)}"


def summary(answer: Answer, documents: Mapping[str, Document], language: str) -> str:
    """The reply's first line: how many excerpts, or why the corpus does not answer."""
    words = reply_labels(language)
    if answer.no_answer and answer.abstention == "documents" and answer.elsewhere:
        found = documents.get(answer.elsewhere)
        return words["not_here"].format(title=found.title if found else answer.elsewhere)
    if answer.no_answer:
        return words["no_answer"]
    n = len(answer.excerpts)
    count = words["found_one"] if n == 1 else words["found_many"].format(n=n)
    return f"{count} · {words['answerable'].format(p=percent(answer.answerable, language))}"


def reply_text(answer: Answer, documents: Mapping[str, Document], language: str) -> str:
    """The whole reply as plain text: the question, the summary, each excerpt as a quote
    with its confidence and the excerpt around it."""
    words, c = reply_labels(language), colon(language)
    lines = [f"{words['question']}{c} {answer.question}", summary(answer, documents, language)]
    for rank, excerpt in enumerate(answer.excerpts, 1):
        lines += [
            "",
            f"{rank}. {quote(excerpt, documents, language)}",
            f"   [{_confidence(excerpt, answer.no_answer, language)}]",
            f"   {words['excerpt']}{c} {clean(excerpt.text)}",
        ]
        lines += [f"   {words['also']}{c} {quote(o, documents, language)}" for o in excerpt.also_in]
    return "\n".join(lines) + "\n"


def md(text: str) -> str:
    """Document text as inert Markdown: every syntax character backslash-escaped."""
    return _MARKDOWN.sub(r"\\\1", clean(text))


def reply_markdown(answer: Answer, documents: Mapping[str, Document], language: str) -> str:
    """The reply as Markdown: a heading, the summary, one block quote per excerpt with the
    answering sentence in bold, and its citation."""
    words = reply_labels(language)
    parts = [f"## {md(answer.question)}", "", f"*{md(summary(answer, documents, language))}*"]
    for rank, e in enumerate(answer.excerpts, 1):
        a = max(0, e.answer_start - e.start)
        b = max(a, e.answer_end - e.start)
        before, sentence, after = md(e.text[:a]), md(e.text[a:b]), md(e.text[b:])
        sentence = f"**{sentence}**" if sentence else ""
        who = origin(e, documents)
        parts += [
            "",
            f"{rank}. **{md(e.title)}**" + (f" — {md(who)}" if who else "")
            + f" · `{e.source}` · {words['chars']} {e.start}–{e.end}"
            + f" · {_confidence(e, answer.no_answer, language)}",
            "",
            "   > " + " ".join(p for p in (before, sentence, after) if p),
        ]  # fmt: skip
        also = words["also"] + colon(language)
        parts += [f"   - {also} {md(quote(c, documents, language))}" for c in e.also_in]
    return "\n".join(parts) + "\n"


def reply_json(answer: Answer) -> str:
    """The reply as the JSON of ``Answer.to_dict()`` (what ``survqa ask --json`` prints)."""
    return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n"


def file_stem(question: str) -> str:
    """A file name for an export of the reply to ``question``: ``survqa-<ascii slug>``."""
    ascii_text = unicodedata.normalize("NFKD", question).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return f"survqa-{slug or 'reponse'}"
