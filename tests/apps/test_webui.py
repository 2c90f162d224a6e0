"""Fast tests of the web app's wiring: the /ask API body, the launch options, the Blocks
config (chat options, hidden request buttons, upload only when allowed) and the handlers
behind the page's buttons, with a fake assistant."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from webui_helpers import HOSTILE, FakeAssistant, inert

from survqa.apps import conversation
from survqa.apps.handlers import Page, filter_choices
from survqa.apps.webui import (
    BAD_QUESTION,
    MAX_QUESTION_CHARS,
    api_ask,
    build_app,
    launch_options,
)
from survqa.documents.ingest import Limits
from survqa.records import Document


class Request:
    """What the handlers read of a ``gr.Request``: the headers."""

    def __init__(self, language: str | None = "fr-FR,fr;q=0.9") -> None:
        self.headers = {"accept-language": language} if language else {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_api_ask_returns_the_answer_dict_or_a_french_error() -> None:
    data = api_ask(FakeAssistant(), "Paris ?", 2, ["000_a.txt"], ["Avant ?"])
    assert data["excerpts"][0]["answer"] == "Paris compte 56 000 caméras."
    with pytest.raises(gr.Error):
        api_ask(FakeAssistant(ValueError("x")), "???")
    with pytest.raises(gr.Error):
        api_ask(FakeAssistant(), "x" * (MAX_QUESTION_CHARS + 1))


def test_api_ask_takes_a_title_fragment_as_source() -> None:
    fake = FakeAssistant()
    api_ask(fake, "Qui fournit les caméras ?", 2, ["belgrade"], [])
    assert fake.calls[-1]["sources"] == ["001_b.txt"]
    with pytest.raises(gr.Error, match="source inconnue"):
        api_ask(fake, "Qui ?", 2, ["nulle part"], [])


def test_launch_options_are_local_locked_down_and_quiet(tmp_path: Path) -> None:
    opts = launch_options("127.0.0.1", 7860, [tmp_path / "index", "seeds"])
    assert opts["server_name"] == "127.0.0.1" and opts["share"] is False
    assert opts["quiet"] is True  # no "set share=True" hint a user cannot act on
    assert opts["show_error"] is False and opts["enable_monitoring"] is False
    assert opts["mcp_server"] is False and opts["run_history"] is False
    assert all(Path(p).is_absolute() for p in opts["blocked_paths"])
    assert "allowed_paths" not in opts and opts["max_file_size"] == "100kb"
    assert "sq-card" in opts["css"] and "sqTake" in opts["js"]
    assert isinstance(opts["i18n"], gr.I18n)


def test_uploads_raise_the_size_cap_to_the_ingest_cap_only_when_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SURVQA_MAX_FILE_MB", "3")
    opts = launch_options("127.0.0.1", 7860, allow_upload=True)
    assert opts["max_file_size"] == f"{3 * 2**20}b" == f"{Limits.from_env().max_bytes}b"
    assert launch_options("127.0.0.1", 7860, allow_upload=False)["max_file_size"] == "100kb"


def _components(demo: gr.Blocks, kind: str) -> list[Any]:
    return [b for b in demo.blocks.values() if type(b).__name__ == kind]


def test_chat_config_reads_top_down_without_label_or_raw_copy() -> None:
    demo = build_app(FakeAssistant())
    (chat,) = _components(demo, "Chatbot")
    assert chat.sanitize_html is True and chat.latex_delimiters == []
    assert chat.autoscroll is False  # the page scrolls to the question, not to the bottom
    assert chat.show_label is False  # no "Réponses citées" label over the first line
    assert not chat.buttons  # Gradio's copy would copy our HTML; the reply has its own
    assert "sq-intro" in chat.placeholder  # the landing introduction
    assert demo._queue.max_size == 32 and demo._queue.default_concurrency_limit == 4
    stored = _components(demo, "BrowserState")
    assert len(stored) == 1 and stored[0].storage_key == "survqa-conversation"


def test_filter_shows_titles_not_file_names() -> None:
    docs = [Document("000_4dc7.txt", "La Chine", "t", publisher="AFP"),
            Document("001_c2f8.txt", "Milipol", "t", author="A. B."),
            Document("002_x.txt", "Milipol", "t")]  # fmt: skip
    labels = dict((v, k) for k, v in filter_choices(docs))
    assert labels["000_4dc7.txt"] == "La Chine — AFP"
    assert labels["001_c2f8.txt"] == "Milipol — A. B. (001_c2f8.txt)"  # same title: told apart
    assert "000_4dc7" not in labels["000_4dc7.txt"]


def _fn_names(demo: gr.Blocks) -> set[str]:
    return {getattr(fn.fn, "__name__", "") for fn in demo.fns.values()}


def test_upload_events_exist_only_when_uploads_are_allowed() -> None:
    assert not {"add", "remove"} & _fn_names(build_app(FakeAssistant()))
    assert {"add", "remove"} <= _fn_names(build_app(FakeAssistant(), allow_upload=True))


def test_build_app_serves_the_api_endpoint() -> None:
    from gradio_client import Client

    demo = build_app(FakeAssistant())
    demo.launch(prevent_thread_lock=True, **launch_options("127.0.0.1", _free_port()))
    try:
        client = Client(demo.local_url, verbose=False)
        data = client.predict("Combien de caméras ?", 3, [], [], api_name="/ask")
        assert data["excerpts"][0]["title"] == "Titre A" and data["no_answer"] is False
    finally:
        demo.close()


def test_page_restore_renders_stored_turns_in_the_browser_language() -> None:
    page = Page(FakeAssistant(), allow_upload=False)
    chat, saved, _ = conversation.respond(page.assistant, "Combien de caméras ?", [])
    restored = page.restore(saved, Request("de-DE,de;q=0.9"))  # type: ignore[arg-type]
    chatbot, stored, docs, _, _, about = restored
    assert "sq-qtext sq-turn-1" in json.dumps(chatbot.value) and "sq-reply" in chat[1]["content"]
    assert stored == saved
    assert "ursprüngliches Korpus" in docs and "Quelle öffnen" in docs
    assert "Zuverlässigkeit" in about and "Zuverlässigkeit" in chatbot.placeholder


def test_page_open_source_renders_the_reader_or_refuses_quietly() -> None:
    page = Page(FakeAssistant(), allow_upload=False)
    ref = {"source": "000_a.txt", "start": 6, "end": 30, "answer_start": 12, "answer_end": 24}
    html, column = page.open_source("7\n" + json.dumps(ref), Request())  # type: ignore[arg-type]
    assert "sq-reader-7" in html and '<mark class="sq-hit">' in html and column.visible is True
    for bad in ("", "x", "1\n" + json.dumps({**ref, "source": "../../etc/passwd"}),
                "1\n" + json.dumps({**ref, "end": 10**9})):  # fmt: skip
        assert page.open_source(bad, Request()) == (gr.skip(), gr.skip())  # type: ignore[arg-type]


def test_page_everywhere_asks_the_turn_again_without_the_filter() -> None:
    fake = FakeAssistant()
    page = Page(fake, allow_upload=False)
    _, saved, _ = conversation.respond(fake, "Qui fournit les caméras ?", [], 3, ["001_b.txt"])
    _, stored, sources = page.everywhere("1", saved, 3, Request())  # type: ignore[arg-type]
    assert fake.calls[-1]["sources"] is None and fake.calls[-1]["question"].startswith("Qui")
    assert len(stored) == 2 and sources["value"] == []
    assert page.everywhere("99", saved, 3, Request()) == (gr.skip(),) * 3  # type: ignore[arg-type]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_page_panels_escape_hostile_titles(hostile: str) -> None:
    fake = FakeAssistant(docs=[Document("a.txt", hostile, "x", publisher=hostile,
                                        origin="added", added="2024-01-01T00:00:00Z")])  # fmt: skip
    docs, _, removable = Page(fake, allow_upload=True).panels("fr")
    assert inert(docs)
    assert removable.choices == [(f"{hostile} — a.txt", "a.txt")]  # Gradio shows labels as text


def test_bad_api_question_message_says_what_to_type() -> None:
    assert "avec des mots" in BAD_QUESTION and "Combien de caméras compte Paris" in BAD_QUESTION
