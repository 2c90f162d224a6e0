"""The conversation: its turns (kept in the browser), the chat handler, follow-ups.

A turn is plain data — the question, ``Answer.to_dict()`` or the key of a message, the
language of its labels, the documents it searched — so the browser keeps data, never
markup: on reload the turns come back (untrusted: :func:`load_turns` checks each one)
and are rendered again, escaped, by :mod:`survqa.apps.rendering`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from survqa.apps.labels import LANGUAGES, reply_labels, reply_language
from survqa.apps.rendering import View, render_answer, render_message, render_question
from survqa.language import detect_language
from survqa.records import Answer, Document
from survqa.search.inputs import coerce_k, normalise_question
from survqa.settings import Settings

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = Settings().max_query_chars
MAX_K = 10
MAX_TURNS = 30  # the browser keeps the last 30 turns
MESSAGES = ("bad_question", "internal_error", "unknown_source")


class AssistantLike(Protocol):
    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        history: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer: ...

    def documents(self) -> list[Document]: ...


@dataclass(slots=True)
class Turn:
    """One question and what it got: an answer, or a message (``MESSAGES``)."""

    question: str
    language: str = "fr"
    answer: Answer | None = None
    message: str | None = None
    truncated: bool = False
    sources: list[str] = field(default_factory=list)
    # increasing through the conversation (the page scrolls to the newest turn)
    number: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "language": self.language,
            "answer": self.answer.to_dict() if self.answer is not None else None,
            "message": self.message, "truncated": self.truncated, "sources": self.sources,
            "number": self.number,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> Turn:
        """A stored turn; ValueError when anything is off (it came from the browser)."""
        if not isinstance(data, dict) or not isinstance(data.get("question"), str):
            raise ValueError("not a turn")
        answer = Answer.from_dict(data["answer"]) if data.get("answer") is not None else None
        message = data.get("message")
        sources = data.get("sources") or []
        if answer is None and message not in MESSAGES:
            raise ValueError("a turn needs an answer or a known message")
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise ValueError("sources must be a list of file names")
        language, number = data.get("language"), data.get("number")
        return cls(
            question=data["question"][:MAX_QUESTION_CHARS],
            language=language if language in LANGUAGES else "fr",
            answer=answer, message=message if answer is None else None,
            truncated=data.get("truncated") is True, sources=sources[:50],
            number=number if isinstance(number, int) and 0 < number < 10**9 else 0,
        )  # fmt: skip


def load_turns(raw: object) -> list[Turn]:
    """The turns of a stored conversation; malformed entries are dropped."""
    turns = []
    for item in raw[-MAX_TURNS:] if isinstance(raw, list) else []:
        try:
            turns.append(Turn.from_json(item))
        except (ValueError, TypeError, KeyError):
            log.info("dropped a malformed stored turn")
    return turns


def context_of(answer: Answer) -> str:
    """The earlier questions that a follow-up's search leaned on ("" for a question alone)."""
    query, question = answer.query.strip(), answer.question.strip()
    return query[: -len(question)].strip() if question and query.endswith(question) else ""


def render_turn(
    turn: Turn, documents: Mapping[str, Document], translated: frozenset[str]
) -> list[dict[str, str]]:
    """The two chat messages of a turn."""
    number = turn.number
    words = reply_labels(turn.language)
    notice = words["truncated"].format(n=MAX_QUESTION_CHARS) if turn.truncated else ""
    if turn.answer is not None:
        view = View(turn.language, number, documents, context_of(turn.answer), translated)
        reply = render_answer(turn.answer, view, notice)
    else:
        text = words[turn.message or "internal_error"].format(q=turn.question.strip())
        reply = render_message(" ".join(filter(None, [notice, text])), number, turn.language)
    return [
        {"role": "user", "content": render_question(turn.question, number)},
        {"role": "assistant", "content": reply},
    ]


def translated_terms(assistant: object, question: str, language: str) -> frozenset[str]:
    """French terms of a foreign question's words (the index's lexicon), for the emphasis."""
    if language == "fr":
        return frozenset()
    try:
        lexicon = assistant.corpus().index.lexicon  # type: ignore[attr-defined]
        return frozenset(t for group in lexicon.groups(question, language) for t in group)
    except Exception:  # an assistant without an index (tests), or an odd question
        return frozenset()


def chat_of(assistant: AssistantLike, turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The Chatbot's messages for ``turns``."""
    documents = {d.source: d for d in assistant.documents()}
    chat: list[dict[str, str]] = []
    for turn in turns:
        language = turn.answer.language if turn.answer is not None else "fr"
        terms = translated_terms(assistant, turn.question, language)
        chat += render_turn(turn, documents, terms)
    return chat


def numbered(turns: list[Turn]) -> list[Turn]:
    """The turns with increasing numbers (stored turns without one get theirs)."""
    last = 0
    for turn in turns:
        turn.number = turn.number if turn.number > last else last + 1
        last = turn.number
    return turns


def ask_turn(
    assistant: AssistantLike,
    question: str,
    history: list[str],
    k: object,
    sources: Sequence[str] | None,
    browser: str,
) -> Turn:
    """Ask one question; never raises (a refusal or an error becomes a message)."""
    truncated = len(question) > MAX_QUESTION_CHARS
    question = question[:MAX_QUESTION_CHARS]
    language = reply_language(detect_language(question), browser)
    turn = Turn(question.strip(), language, truncated=truncated, sources=list(sources or []))
    if not any(ch.isalnum() for ch in normalise_question(question, MAX_QUESTION_CHARS)):
        turn.language, turn.message = browser, "bad_question"
        return turn
    try:
        count = coerce_k(k, MAX_K)
    except ValueError:
        count = 5
    try:
        turn.answer = assistant.ask(turn.question, count, history=history or None,
                                    sources=list(sources) if sources else None)  # fmt: skip
    except (ValueError, TypeError) as exc:
        log.info("refused question: %s", exc)
        turn.message = "unknown_source" if sources else "bad_question"
    except Exception:
        log.exception("survqa failed on a question")
        turn.message = "internal_error"
    return turn


def respond(
    assistant: AssistantLike,
    message: object,
    stored: object,
    k: object = 5,
    sources: Sequence[str] | None = None,
    browser: str = "fr",
) -> tuple[list[dict[str, str]], list[dict[str, Any]], str]:
    """Chat handler: (the chat, the turns to store, an empty textbox); never raises."""
    turns = numbered(load_turns(stored))
    question = message if isinstance(message, str) else ""
    if not question.strip():
        return chat_of(assistant, turns), [t.to_json() for t in turns], ""
    history = [t.question for t in turns]
    turn = ask_turn(assistant, question, history, k, sources, browser)
    turn.number = turns[-1].number + 1 if turns else 1
    turns = [*turns, turn][-MAX_TURNS:]
    return chat_of(assistant, turns), [t.to_json() for t in turns], ""
