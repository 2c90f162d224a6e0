"""The conversation: turns as data kept in the browser, the chat handler, follow-ups,
messages for refused questions in the question's (or the browser's) language."""

from __future__ import annotations

import html
import json
import logging

import pytest
from webui_helpers import HOSTILE, FakeAssistant, answer, inert, shown

from survqa.apps.conversation import (
    MAX_QUESTION_CHARS,
    MAX_TURNS,
    Turn,
    chat_of,
    context_of,
    load_turns,
    respond,
)


def stored_after(*questions: str, fake: FakeAssistant | None = None) -> list[dict[str, object]]:
    saved: list[dict[str, object]] = []
    for question in questions:
        _, saved, _ = respond(fake or FakeAssistant(), question, saved)
    return saved


@pytest.mark.parametrize("message", ["", "   ", "\n\t ", None, 42])
def test_empty_submit_does_nothing(message: object) -> None:
    fake = FakeAssistant()
    saved = stored_after("Paris ?", fake=fake)
    chat, again, box = respond(fake, message, saved)
    assert again == saved and box == "" and len(chat) == 2 and len(fake.calls) == 1


def test_a_turn_is_data_and_renders_again_the_same() -> None:
    fake = FakeAssistant()
    chat, saved, box = respond(fake, "Combien de caméras compte Paris ?", [], 3, ["000_a.txt"])
    assert box == "" and len(chat) == 2 and json.loads(json.dumps(saved)) == saved
    assert saved[0]["number"] == 1 and saved[0]["sources"] == ["000_a.txt"]
    assert chat[0]["content"].startswith('<span class="sq-qtext sq-turn-1">')
    assert shown(chat[0]["content"]) == "Combien de caméras compte Paris ?"
    assert chat_of(fake, load_turns(saved)) == chat  # a reload shows the same conversation
    assert "sq-reply sq-turn-1" in chat[1]["content"]


def test_follow_up_passes_previous_questions_as_history() -> None:
    fake = FakeAssistant()
    saved = stored_after("Combien de caméras à [Paris] ?", fake=fake)
    respond(fake, "Et à Berlin ?", saved, 99, [])
    assert fake.calls[0]["history"] is None
    assert fake.calls[1] == {
        "question": "Et à Berlin ?",
        "k": 10,
        "history": ["Combien de caméras à [Paris] ?"],
        "sources": None,
    }


def test_turn_numbers_keep_growing_when_old_turns_are_dropped() -> None:
    saved = stored_after(*[f"Question {i} sur Paris ?" for i in range(MAX_TURNS + 2)])
    assert len(saved) == MAX_TURNS and saved[-1]["number"] == MAX_TURNS + 2


def test_malformed_or_hostile_stored_turns_are_dropped_or_escaped() -> None:
    good = stored_after("Paris ?")[0]
    hostile_answer = answer(HOSTILE[0], excerpts=[]).to_dict()
    stored = [
        good, "x", None, {"question": 3}, {"question": "q", "message": "<script>"},
        {"question": "q", "answer": {"excerpts": "no"}},
        {**good, "answer": {**good["answer"], "excerpts": [{"text": "x"}]}},  # type: ignore[dict-item]
        {"question": HOSTILE[1], "answer": hostile_answer, "language": "<b>", "number": -5},
    ]  # fmt: skip
    turns = load_turns(stored)
    assert [t.question for t in turns] == ["Paris ?", HOSTILE[1]]
    assert turns[1].language == "fr"
    chat = chat_of(FakeAssistant(), turns)
    assert all(inert(m["content"]) for m in chat)
    assert load_turns("not a list") == [] and load_turns({"a": 1}) == []


def test_huge_paste_is_truncated_with_a_notice() -> None:
    fake = FakeAssistant()
    chat, saved, _ = respond(fake, "Paris " * 200_000, [])
    assert len(fake.calls[0]["question"]) <= MAX_QUESTION_CHARS
    assert "seuls les 2000 premiers" in shown(chat[1]["content"])
    assert saved[0]["truncated"] is True


@pytest.mark.parametrize(("browser", "expected"), [
    ("fr", "« ??? » ne contient aucun mot. Tapez une question avec des mots, par exemple"),
    ("en", "“???” has no words. Type a question in words, for example"),
    ("de", "„???“ enthält kein Wort."),
])  # fmt: skip
def test_a_question_without_words_says_what_to_type(browser: str, expected: str) -> None:
    fake = FakeAssistant()
    chat, _, _ = respond(fake, "???", [], browser=browser)
    assert expected in shown(chat[1]["content"]) and fake.calls == []
    assert "empty" not in chat[1]["content"]


def test_replies_speak_the_question_s_language() -> None:
    fake = FakeAssistant()
    for question, word in [
        ("¿Cuántas cámaras hay en París?", "Abrir la fuente"),
        ("Wie viele Kameras gibt es in Paris?", "Quelle öffnen"),
        ("Quante telecamere ci sono a Parigi?", "Apri la fonte"),
        ("How many cameras are there in Paris?", "Open the source"),
    ]:
        chat, _, _ = respond(fake, question, [], browser="fr")
        assert word in shown(chat[1]["content"]), question


def test_errors_are_logged_not_leaked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        chat, saved, _ = respond(FakeAssistant(RuntimeError("/secret/path")), "Paris ?", [])
    assert "Une erreur interne est survenue" in html.unescape(chat[1]["content"])
    assert "/secret/path" not in json.dumps(chat) + json.dumps(saved)
    assert "/secret/path" in caplog.text


def test_a_removed_document_in_the_filter_gets_a_plain_message() -> None:
    chat, _, _ = respond(FakeAssistant(), "Paris ?", [], 5, ["gone.txt"])
    assert "videz le filtre des documents" in shown(chat[1]["content"])


def test_context_of_a_follow_up() -> None:
    assert context_of(answer("Et à Berlin ?", query="Paris ? Et à Berlin ?")) == "Paris ?"
    assert context_of(answer("Paris ?", query="Paris ?")) == ""


def test_turn_json_round_trip() -> None:
    turn = Turn("Q ?", "en", answer(), None, True, ["a.txt"], 7)
    assert Turn.from_json(json.loads(json.dumps(turn.to_json()))) == turn
