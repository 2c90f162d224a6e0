"""The Gradio chat interface of survqa: ``build_app(assistant)`` returns the ``gr.Blocks``.

Run it with ``python app.py`` (127.0.0.1:7860 by default, see ``app.py --help``).

API endpoint ``/ask`` (also listed on the app's "Use via API" page)::

    from gradio_client import Client
    answer = Client("http://127.0.0.1:7860/").predict(
        "Combien de caméras compte Paris ?",  # question (at most 2000 characters)
        5,                                   # k: number of excerpts, 1..50
        [],                                  # sources: corpus file names to search, [] = all
        [],                                  # history: previous questions, oldest first
        api_name="/ask",
    )
    answer["excerpts"][0]["answer"]          # the answering sentence, verbatim

It returns ``Answer.to_dict()`` (question, no_answer, confidence, language, excerpts with
text, source, title, publisher, start, end, answer_start, answer_end, answer, score,
confidence, also_in). A bad question or an unknown source raises a ``gradio.Error`` with a
French message; other failures are logged and reported with a generic message.

Corpus and user text is escaped here, in Python, into inert HTML entities (HTML, Markdown
links and images, LaTeX, autolinks); the Chatbot sanitises HTML again and renders no LaTeX.
"""

import html
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

from survqa.apps.highlight import render
from survqa.records import Answer, Citation, Document, Excerpt
from survqa.search.inputs import coerce_k
from survqa.settings import Settings
from survqa.text import clean

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = Settings().max_query_chars
MAX_K = 10
EXAMPLES = [
    "Combien de caméras compte Paris ?", "Quelle entreprise fournit les caméras de Belgrade ?",
    "Combien d'exposants chinois au salon Milipol ?", "How many cameras are there in Paris?",
    "What is the social credit system?",
]  # fmt: skip
CSS = """
.sq-card {border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; margin: 8px 0; background: var(--background-fill-secondary);}
.sq-head {font-size: 0.95em;} .sq-src {font-size: 0.8em; opacity: 0.75;}
.sq-conf {border-radius: 4px; padding: 0 6px; font-size: 0.8em; color: #111;}
.sq-high {background: #9be39b;} .sq-medium {background: #f3d27a;} .sq-low {background: #e7b1a9;}
.sq-text {margin: 6px 0; padding-left: 8px; border-left: 3px solid var(--color-accent);}
.sq-text mark {background: #ffe65c; color: #111; padding: 0 2px; border-radius: 2px;}
.sq-also {font-size: 0.85em;} .sq-none {font-weight: 600;}
.sq-docs {padding-left: 1em;} .sq-docs li {margin-bottom: 6px;}
"""

_UI: dict[str, dict[str, str]] = {
    "fr": {
        "no_answer": "Le corpus ne répond pas à cette question.",
        "closest": "Extraits les plus proches (confiance faible) :",
        "found": "{n} extrait{s}, confiance {c}.",
        "conf": "confiance {c}", "chars": "caractères", "also": "Aussi dans",
        "high": "élevée", "medium": "moyenne", "low": "faible",
    },
    "en": {
        "no_answer": "The corpus does not answer this question.",
        "closest": "Closest excerpts (low confidence):",
        "found": "{n} excerpt{s}, {c} confidence.",
        "conf": "{c} confidence", "chars": "characters", "also": "Also in",
        "high": "high", "medium": "medium", "low": "low",
    },
}  # fmt: skip
TRUNCATED = "Votre question dépassait {n} caractères : seuls les {n} premiers ont été lus."
BAD_QUESTION = (
    "Je n'ai pas pu traiter cette question. Posez-la avec des mots, par exemple : "
    "« Combien de caméras compte Paris ? »"
)
INTERNAL_ERROR = "Une erreur interne est survenue. Veuillez réessayer plus tard."

# Every character that HTML, Markdown (links, images, emphasis, code, headings, tables,
# autolinks) or LaTeX could read as syntax becomes a numeric entity: inert text.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'[]()!*_`$\\#~|{}:@=+-^"}


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


def escape(text: str) -> str:
    """Untrusted text -> HTML/Markdown/LaTeX-inert text; newlines become spaces."""
    return re.sub(r"[\r\n]+", " ", text).translate(_ENTITIES)


def _mark(answer: str) -> str:
    return f"<mark>{answer}</mark>"


def highlighted(citation: Citation) -> str:
    """The excerpt as escaped HTML with the answering sentence inside ``<mark>``."""
    return render(citation, escape, _mark)


def _origin(title: str, publisher: str | None) -> str:
    pub = f' <span class="sq-pub">— {escape(publisher)}</span>' if publisher else ""
    return f'<span class="sq-title"><b>{escape(title)}</b></span>{pub}'


def _citation(cit: Citation, ui: dict[str, str]) -> str:
    return (
        f'<li>{_origin(cit.title, cit.publisher)} <span class="sq-src">· {escape(cit.source)} · '
        f"{ui['chars']} {cit.start}–{cit.end}</span> : « {escape(clean(cit.answer))} »</li>"
    )


def render_excerpt(rank: int, ex: Excerpt, language: str = "fr", low: bool = False) -> str:
    """One citation card: rank, confidence, title, publisher, file, span, highlighted text."""
    ui = _UI.get(language, _UI["fr"])
    conf = "low" if low or ex.confidence not in ("high", "medium") else ex.confidence
    text = highlighted(ex)
    also = ""
    if ex.also_in:
        items = "".join(_citation(c, ui) for c in ex.also_in)
        also = f'<div class="sq-also">{ui["also"]} :<ul>{items}</ul></div>'
    return (
        f'<div class="sq-card"><div class="sq-head"><b>#{rank}</b> '
        f'<span class="sq-conf sq-{conf}">{ui["conf"].format(c=ui[conf])}</span> '
        f"{_origin(ex.title, ex.publisher)}</div>"
        f'<div class="sq-src">{escape(ex.source)} · {ui["chars"]} {ex.start}–{ex.end}</div>'
        f'<blockquote class="sq-text">{text}</blockquote>{also}</div>'
    )


def render_answer(answer: Answer, notice: str = "") -> str:
    """The whole chat reply as one HTML block (no blank line, so Markdown leaves it alone)."""
    ui = _UI.get(answer.language, _UI["fr"])
    parts = [f"<p><i>{escape(notice)}</i></p>"] if notice else []
    if answer.no_answer:
        parts.append(f'<p class="sq-none">{ui["no_answer"]}</p>')
        if answer.excerpts:
            parts.append(f"<p>{ui['closest']}</p>")
    else:
        conf, n = ui.get(answer.confidence, ui["low"]), len(answer.excerpts)
        parts.append(f"<p>{ui['found'].format(n=n, s='s' if n > 1 else '', c=conf)}</p>")
    parts += [
        render_excerpt(i, ex, answer.language, low=answer.no_answer)
        for i, ex in enumerate(answer.excerpts, 1)
    ]
    return '<div class="sq-reply">' + "".join(parts) + "</div>"


def render_documents(documents: Sequence[Document]) -> str:
    """The corpus panel: escaped titles, publishers (or authors) and file names."""
    items = "".join(
        f'<li><b>{escape(d.title)}</b><div class="sq-src">'
        f"{''.join(escape(p) + ' · ' for p in (d.publisher or d.author,) if p)}"
        f"<code>{escape(d.source)}</code></div></li>"
        for d in documents
    )
    return f'<ul class="sq-docs">{items}</ul>'


def _text_of(content: Any) -> str:
    """A message's text, whether ``str`` or Gradio 6's ``[{"type": "text", "text": ...}]``."""
    if isinstance(content, list):
        return " ".join(_text_of(c) for c in content)
    return str(content.get("text", "")) if isinstance(content, dict) else str(content or "")


def previous_questions(chat: Sequence[dict[str, Any]]) -> list[str]:
    """The user questions of the chat, oldest first (displayed escaped, so unescape)."""
    return [html.unescape(_text_of(m.get("content"))) for m in chat if m.get("role") == "user"]


def respond(
    assistant: AssistantLike,
    message: str,
    chat: list[dict[str, Any]] | None,
    k: float = 5,
    sources: Sequence[str] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Chat handler: returns the new chat and an empty textbox; never raises."""
    chat = list(chat or [])
    question = message if isinstance(message, str) else ""
    if not question.strip():
        return chat, ""
    notice = ""
    if len(question) > MAX_QUESTION_CHARS:
        question = question[:MAX_QUESTION_CHARS]
        notice = TRUNCATED.format(n=MAX_QUESTION_CHARS)
    history = previous_questions(chat)
    try:
        k = coerce_k(k, MAX_K)
        sources = list(sources) if sources else None
        answer = assistant.ask(question.strip(), k, history=history or None, sources=sources)
        reply = render_answer(answer, notice)
    except (ValueError, TypeError) as exc:
        log.info("refused question: %s", exc)
        reply = f'<p class="sq-reply">{escape(" ".join(filter(None, [notice, BAD_QUESTION])))}</p>'
    except Exception:
        log.exception("survqa failed on a question")
        reply = f'<p class="sq-reply">{escape(INTERNAL_ERROR)}</p>'
    chat.append({"role": "user", "content": escape(question)})
    chat.append({"role": "assistant", "content": reply})
    return chat, ""


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
        answer = assistant.ask(question, k, history=history or None, sources=sources or None)
    except (ValueError, TypeError) as exc:
        log.info("refused API question: %s", exc)
        raise gr.Error(BAD_QUESTION + " (ou une source inconnue)", print_exception=False) from None
    except Exception:
        log.exception("survqa failed on an API question")
        raise gr.Error(INTERNAL_ERROR, print_exception=False) from None  # logged above
    return answer.to_dict()


def build_app(assistant: AssistantLike) -> gr.Blocks:
    """The chat UI and the ``/ask`` API endpoint around one (already loaded) assistant."""
    documents = assistant.documents()
    choices = [(f"{d.title} ({d.source})", d.source) for d in documents]

    def chat_fn(
        message: str, chat: list[dict[str, Any]], k: float, sources: list[str]
    ) -> tuple[list[dict[str, Any]], str]:
        return respond(assistant, message, chat, k, sources)

    def ask(
        question: str,
        k: int = 5,
        sources: list[str] | None = None,
        history: list[str] | None = None,
    ) -> dict[str, Any]:
        """Answer a question with cited verbatim excerpts (JSON of Answer.to_dict())."""
        return api_ask(assistant, question, k, sources, history)

    with gr.Blocks(title="survqa — surveillance en Chine", analytics_enabled=False) as demo:
        gr.Markdown("## survqa — questions sur la surveillance de masse en Chine")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Réponses citées",
                    height=620,
                    sanitize_html=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=None,
                    buttons=["copy"],
                    elem_id="sq-chat",
                )
                box = gr.Textbox(
                    placeholder="Posez une question (français ou anglais)…",
                    show_label=False,
                    max_length=MAX_QUESTION_CHARS + 1,
                    submit_btn="Demander",
                    elem_id="sq-question",
                )
                gr.Examples(EXAMPLES, inputs=[box], label="Exemples de questions")
            with gr.Column(scale=1):
                k = gr.Slider(1, MAX_K, value=5, step=1, label="Nombre d'extraits")
                sources = gr.Dropdown(
                    choices=choices,
                    value=[],
                    multiselect=True,
                    elem_id="sq-sources",
                    label="Restreindre aux documents",
                    info="Vide : tout le corpus",
                )
                with gr.Accordion(f"Documents du corpus ({len(documents)})", open=True):
                    gr.HTML(render_documents(documents))
        box.submit(chat_fn, [box, chatbot, k, sources], [chatbot, box], api_visibility="private")
        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=4, max_size=32, api_open=False)  # no /run/ask bypass
    return demo


def launch_options(host: str, port: int, blocked: Sequence[str | Path] = ()) -> dict[str, Any]:
    """Keyword arguments of ``demo.launch``: local only, no share, nothing extra served."""
    return {
        "server_name": host,
        "server_port": port,
        "share": False,
        "show_error": False,
        "blocked_paths": sorted({str(Path(p).resolve()) for p in blocked}),
        "max_file_size": "100kb",
        "enable_monitoring": False,
        "mcp_server": False,
        "ssr_mode": False,
        "run_history": False,
        "footer_links": ["api"],
        "css": CSS,
    }
