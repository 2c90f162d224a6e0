"""The handlers behind the page's events (``webui.build_app`` wires them): restoring the
conversation and the panels on load, answering, searching everywhere, opening a source,
adding and removing documents. Each reads the browser's language from the request."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import gradio as gr

from survqa.apps import conversation, reader, upload
from survqa.apps.conversation import AssistantLike
from survqa.apps.intro import render_about, render_intro, thresholds
from survqa.apps.labels import request_language
from survqa.apps.rendering import render_documents
from survqa.records import Document

log = logging.getLogger(__name__)

PROGRESS = gr.Progress(track_tqdm=True)  # Gradio injects the event's progress tracker


def filter_choices(documents: Sequence[Document]) -> list[tuple[str, str]]:
    """The document filter: readable names (title — publisher), the file name only to tell
    apart two documents with the same title."""
    titles = [d.title for d in documents]
    choices = []
    for d in documents:
        who = d.publisher or d.author
        name = f"{d.title} — {who}" if who else d.title
        choices.append((f"{name} ({d.source})" if titles.count(d.title) > 1 else name, d.source))
    return choices


class Page:
    """The handlers of one app, around one (already loaded) assistant."""

    def __init__(self, assistant: AssistantLike, allow_upload: bool) -> None:
        self.assistant = assistant
        self.allow_upload = allow_upload
        self.limits = thresholds(getattr(getattr(assistant, "settings", None), "calibration", None))

    def documents(self) -> list[Document]:
        return self.assistant.documents()

    def panels(self, language: str) -> tuple[str, Any, Any]:
        """The documents panel, the filter and the list of removable documents, current."""
        documents = self.documents()
        removable = upload.added_choices(documents)
        return (
            render_documents(documents, language),
            gr.Dropdown(choices=filter_choices(documents)),
            gr.Dropdown(choices=removable, value=None),
        )

    def restore(self, stored: object, request: gr.Request) -> tuple[Any, ...]:
        language = request_language(request)
        turns = conversation.numbered(conversation.load_turns(stored))
        intro = render_intro(self.documents(), language, self.limits)
        chat = gr.Chatbot(value=conversation.chat_of(self.assistant, turns), placeholder=intro)
        saved = [t.to_json() for t in turns]
        docs, choices, removable = self.panels(language)
        return chat, saved, docs, choices, removable, render_about(self.limits, language)

    def answer(
        self, message: str, stored: object, k: float, sources: list[str], request: gr.Request
    ) -> tuple[Any, ...]:
        chat, saved, box = conversation.respond(
            self.assistant, message, stored, k, sources, request_language(request)
        )
        return chat, saved, box

    def everywhere(
        self, turn: str, stored: object, k: float, request: gr.Request
    ) -> tuple[Any, ...]:
        """Ask a turn's question again, over the whole corpus (and clear the filter)."""
        turns = conversation.load_turns(stored)
        asked = [t for t in conversation.numbered(turns) if str(t.number) == str(turn).strip()]
        if not asked:
            return gr.skip(), gr.skip(), gr.skip()
        chat, saved, _ = conversation.respond(
            self.assistant, asked[0].question, stored, k, None, request_language(request)
        )
        return chat, saved, gr.update(value=[])

    def open_source(self, raw: str, request: gr.Request) -> tuple[Any, Any]:
        documents = {d.source: d for d in self.documents()}
        try:
            wanted = reader.parse_request(raw, documents)
        except ValueError as exc:
            log.info("refused reader request: %s", exc)
            return gr.skip(), gr.skip()
        html = reader.render_reader(documents[wanted.source], wanted, request_language(request))
        return html, gr.Column(visible=True)

    def add(
        self, files: list[str] | None, request: gr.Request, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, ...]:
        language = request_language(request)
        status = upload.add_files(self.assistant, files, language, progress)  # type: ignore[arg-type]
        return (status, *self.panels(language))

    def remove(self, source: str, request: gr.Request) -> tuple[Any, ...]:
        language = request_language(request)
        status = upload.remove_document(self.assistant, source, language)  # type: ignore[arg-type]
        return (status, *self.panels(language))
