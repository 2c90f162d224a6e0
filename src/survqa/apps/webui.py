"""The Gradio chat interface of survqa: ``build_app(assistant)`` returns the ``gr.Blocks``.

Run it with ``python app.py`` (127.0.0.1:7860 by default, see ``app.py --help``).

API endpoint ``/ask`` (also listed on the app's "Use via API" page)::

    from gradio_client import Client
    answer = Client("http://127.0.0.1:7860/").predict(
        "Combien de caméras compte Paris ?",  # question (at most 2000 characters)
        5,                                   # k: number of excerpts, 1..50
        [],                                  # sources: file names or title fragments, [] = all
        [],                                  # history: previous questions, oldest first
        api_name="/ask",
    )
    answer["excerpts"][0]["answer"]          # the answering sentence, verbatim

It returns ``Answer.to_dict()``. A bad question or an unknown source raises a
``gradio.Error`` with a French message; other failures are logged and reported with a
generic message.

The page: its event handlers (:mod:`.handlers`), the conversation (:mod:`.conversation`,
kept in the browser), citation cards
(:mod:`.rendering`, :mod:`.exports`), the document reader (:mod:`.reader`), uploads
(:mod:`.upload`, only with ``allow_upload``), labels in five languages (:mod:`.labels`).
``assets/survqa.js`` wires the buttons inside the chat to hidden Gradio buttons, whose
``js=`` hooks read the request it left. Corpus and user text is escaped in Python; the
Chatbot sanitises HTML again and renders no LaTeX.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from survqa.apps import upload
from survqa.apps.conversation import MAX_K, MAX_QUESTION_CHARS, AssistantLike
from survqa.apps.handlers import Page, filter_choices
from survqa.apps.intro import render_about, render_intro
from survqa.apps.labels import ASSETS, i18n
from survqa.apps.rendering import escape, render_documents
from survqa.search.inputs import coerce_k
from survqa.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["BAD_QUESTION", "INTERNAL_ERROR", "MAX_QUESTION_CHARS", "api_ask", "build_app",
           "escape", "launch_options", "uploads_allowed"]  # fmt: skip
EXAMPLES = [
    "Combien de caméras compte Paris ?", "Quelle entreprise fournit les caméras de Belgrade ?",
    "Combien d'exposants chinois au salon Milipol ?", "How many cameras are there in Paris?",
    "¿Qué es el sistema de crédito social?",
]  # fmt: skip
BAD_QUESTION = (
    "Je n'ai pas pu traiter cette question. Posez-la avec des mots, par exemple : "
    "« Combien de caméras compte Paris ? »"
)
INTERNAL_ERROR = "Une erreur interne est survenue. Veuillez réessayer plus tard."
# BrowserState encrypts with a key the page itself receives: not a secret, and not needed
# as one (stored turns are checked and escaped again on load). A fixed key keeps the
# conversation across restarts of the app.
BROWSER_KEY = "survqa-conversation-v1"
CHAT_HEIGHT = "calc(100vh - 210px)"
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def _sources(assistant: AssistantLike, sources: object) -> object:
    """File names or title fragments → file names (the core's resolution, when offered)."""
    resolve = getattr(assistant, "resolve_sources", None)
    if not sources or resolve is None or not isinstance(sources, list):
        return sources or None
    if not all(isinstance(s, str) for s in sources):
        return sources
    return resolve(sources)


def api_ask(
    assistant: AssistantLike,
    question: str,
    k: int = 5,
    sources: list[str] | None = None,
    history: list[str] | None = None,
) -> dict[str, Any]:
    """The ``/ask`` endpoint body: ``Answer.to_dict()`` or a ``gr.Error`` in French."""
    if isinstance(question, str) and len(question) > MAX_QUESTION_CHARS:
        too_long = f"La question dépasse {MAX_QUESTION_CHARS} caractères."
        raise gr.Error(too_long, print_exception=False)
    try:
        k = coerce_k(k, Settings().max_k)
        chosen = _sources(assistant, sources)
        answer = assistant.ask(question, k, history=history or None, sources=chosen)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        log.info("refused API question: %s", exc)
        raise gr.Error(BAD_QUESTION + " (ou une source inconnue)", print_exception=False) from None
    except Exception:
        log.exception("survqa failed on an API question")
        raise gr.Error(INTERNAL_ERROR, print_exception=False) from None  # logged above
    return answer.to_dict()


def build_app(assistant: AssistantLike, allow_upload: bool = False) -> gr.Blocks:
    """The chat UI and the ``/ask`` API endpoint around one (already loaded) assistant;
    ``allow_upload``: documents can be added and removed from the page."""
    page = Page(assistant, allow_upload)
    documents = page.documents()
    t = i18n()

    def ask(
        question: str,
        k: int = 5,
        sources: list[str] | None = None,
        history: list[str] | None = None,
    ) -> dict[str, Any]:
        """Answer a question with cited verbatim excerpts (JSON of Answer.to_dict())."""
        return api_ask(assistant, question, k, sources, history)

    with gr.Blocks(title="survqa — surveillance en Chine", analytics_enabled=False) as demo:
        stored = gr.BrowserState([], storage_key="survqa-conversation", secret=BROWSER_KEY)
        gr.Markdown(t("title"), elem_id="sq-title")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    show_label=False, height=CHAT_HEIGHT, autoscroll=False, buttons=[],
                    sanitize_html=True, latex_delimiters=[], allow_tags=False,
                    feedback_options=None, elem_id="sq-chat",
                    placeholder=render_intro(documents, "fr", page.limits),
                )  # fmt: skip
                box = gr.Textbox(
                    placeholder=t("placeholder"), show_label=False, submit_btn=t("submit"),
                    max_length=MAX_QUESTION_CHARS + 1, elem_id="sq-question", lines=1,
                )  # fmt: skip
                gr.Examples(EXAMPLES, inputs=[box], label=t("examples"))
            with gr.Column(scale=1, min_width=260):
                new = gr.Button(t("new_chat"), size="sm", elem_id="sq-new")
                k = gr.Slider(1, MAX_K, value=5, step=1, label=t("k"), elem_id="sq-k")
                sources = gr.Dropdown(
                    choices=filter_choices(documents), value=[], multiselect=True,
                    label=t("filter"), info=t("filter_info"), elem_id="sq-sources",
                )  # fmt: skip
                with gr.Accordion(t("documents"), open=True, elem_id="sq-documents"):
                    docs = gr.HTML(render_documents(documents), elem_id="sq-docs")
                    with gr.Column(visible=allow_upload, elem_id="sq-upload-box"):
                        uploader = gr.UploadButton(
                            t("upload"), file_count="multiple", file_types=upload.FILE_TYPES,
                            size="sm", elem_id="sq-upload",
                        )  # fmt: skip
                        status = gr.HTML("", elem_id="sq-upload-status")
                        removable = gr.Dropdown(
                            choices=upload.added_choices(documents), value=None,
                            label=t("remove_pick"), elem_id="sq-remove-pick",
                        )  # fmt: skip
                        remove = gr.Button(t("remove"), size="sm", elem_id="sq-remove")
                with gr.Accordion(t("about"), open=False, elem_id="sq-about"):
                    about = gr.HTML(render_about(page.limits, "fr"))
        with gr.Column(visible=False, elem_id="sq-reader") as reader_box:
            with gr.Row(elem_id="sq-reader-bar"):
                close = gr.Button(t("close"), size="sm", elem_id="sq-reader-close")
            reading = gr.HTML("", elem_id="sq-reader-body")
        open_request = gr.Textbox(visible="hidden", elem_id="sq-open-request")
        open_go = gr.Button(visible="hidden", elem_id="sq-open-go")
        turn_request = gr.Textbox(visible="hidden", elem_id="sq-everywhere-request")
        everywhere_go = gr.Button(visible="hidden", elem_id="sq-everywhere-go")

        chat_state = [chatbot, stored]
        demo.load(page.restore, [stored], [*chat_state, docs, sources, removable, about], **PRIVATE)
        box.submit(page.answer, [box, stored, k, sources], [*chat_state, box], **PRIVATE)
        everywhere_go.click(
            page.everywhere, [turn_request, stored, k], [*chat_state, sources],
            js="(turn, stored, k) => [window.sqTake('everywhere'), stored, k]", **PRIVATE,
        )  # fmt: skip
        open_go.click(
            page.open_source, [open_request], [reading, reader_box],
            js="(request) => [window.sqTake('open')]", show_progress="hidden", **PRIVATE,
        )  # fmt: skip
        close.click(lambda: gr.Column(visible=False), None, [reader_box], **PRIVATE)
        for clear in (new.click, chatbot.clear):
            clear(lambda: ([], []), None, chat_state, **PRIVATE)
        if allow_upload:
            panels = [status, docs, sources, removable]
            uploader.upload(page.add, [uploader], panels, concurrency_limit=1,
                            concurrency_id="library", **PRIVATE)  # fmt: skip
            remove.click(page.remove, [removable], panels, concurrency_limit=1,
                         concurrency_id="library", **PRIVATE)  # fmt: skip
        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=4, max_size=32, api_open=False)  # no /run/ask bypass
    return demo


def uploads_allowed(host: str, asked: bool | None = None) -> bool:
    """Whether the page may add documents: as asked (``--allow-upload`` / ``--no-allow-upload``),
    else only when listening on a loopback address (anyone reaching the page could add files)."""
    if asked is not None:
        return bool(asked)
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def launch_options(
    host: str, port: int, blocked: Sequence[str | Path] = (), allow_upload: bool = False
) -> dict[str, Any]:
    """Keyword arguments of ``demo.launch``: local only, no share (nor its hint), nothing
    extra served; uploads up to the ingest size cap only when they are allowed."""
    max_size = f"{upload.upload_limits().max_bytes}b" if allow_upload else "100kb"
    return {
        "server_name": host,
        "server_port": port,
        "share": False,
        "quiet": True,
        "show_error": False,
        "blocked_paths": sorted({str(Path(p).resolve()) for p in blocked}),
        "max_file_size": max_size,
        "enable_monitoring": False,
        "mcp_server": False,
        "ssr_mode": False,
        "run_history": False,
        "footer_links": ["api"],
        "css": (ASSETS / "survqa.css").read_text(encoding="utf-8"),
        "js": (ASSETS / "survqa.js").read_text(encoding="utf-8"),
        "i18n": i18n(),
    }
