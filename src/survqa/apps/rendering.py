"""HTML of the chat: citation cards, replies, the documents panel, the landing introduction.

All corpus and user text goes through :func:`escape` (inline) or :func:`escape_data` (the
hidden plain-text copies that the copy and export buttons read): every character that
HTML, Markdown or LaTeX could read as syntax becomes a numeric entity. The tags are ours.
The Chatbot sanitises HTML again (it strips ``data-*`` attributes, so what the buttons
need travels in hidden ``.sq-data`` elements, see ``assets/survqa.js``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from survqa.apps import exports
from survqa.apps.emphasis import Span, key_in_file
from survqa.apps.labels import colon, page_labels, percent, reply_labels
from survqa.records import Answer, Citation, Document, Excerpt
from survqa.text import display

# Every character that HTML, Markdown (links, images, emphasis, code, headings, tables,
# autolinks) or LaTeX could read as syntax becomes a numeric entity: inert text.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'[]()!*_`$\\#~|{}:@=+-^"}


def escape(text: str) -> str:
    """Untrusted text -> HTML/Markdown/LaTeX-inert text; newlines become spaces."""
    return re.sub(r"[\r\n]+", " ", text).translate(_ENTITIES)


def escape_lines(text: str) -> str:
    """Untrusted text -> inert text, its line breaks kept (shown with ``pre-wrap``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ENTITIES)


def escape_data(text: str) -> str:
    """Untrusted text -> inert text on one source line, its line breaks kept as ``&#10;``
    (a blank line would end the Chatbot's HTML block)."""
    return text.replace("\r\n", "\n").translate(_ENTITIES).replace("\n", "&#10;")


@dataclass(frozen=True, slots=True)
class View:
    """What a reply needs besides the answer: its labels' language, its turn number, the
    documents (titles, publishers), and the question's words for the key-figure emphasis
    (``context``: the questions a follow-up leans on; ``translated``: French terms of a
    foreign question)."""

    language: str = "fr"
    turn: int = 0
    documents: Mapping[str, Document] = field(default_factory=dict)
    context: str = ""
    translated: frozenset[str] = frozenset()


def _button(kind: str, label: str, done: str = "") -> str:
    second = f'<span class="sq-done-label">{escape(done)} ✓</span>' if done else ""
    return (
        f'<button type="button" class="sq-btn {kind}"><span class="sq-label">{escape(label)}'
        f"</span>{second}</button>"
    )


def _data(kind: str, text: str, tag: str = "span") -> str:
    return f'<{tag} class="sq-data {kind}">{escape_data(text)}</{tag}>'


def reference(citation: Citation, key: Span | None) -> str:
    """What "open the source" sends to the reader: the file and the spans to highlight."""
    ref = {"source": citation.source, "start": citation.start, "end": citation.end,
           "answer_start": citation.answer_start, "answer_end": citation.answer_end}  # fmt: skip
    if key is not None:
        ref["key_start"], ref["key_end"] = key
    return json.dumps(ref, ensure_ascii=False)


def highlighted(citation: Citation, key: Span | None = None) -> tuple[str, bool]:
    """The excerpt as escaped HTML, the answering sentence in ``<mark>`` and the key figure
    (file offsets) in ``<strong>``; True when the answering sentence is the whole excerpt."""
    text, s = citation.text, citation.start
    a = min(max(citation.answer_start - s, 0), len(text))
    b = min(max(citation.answer_end - s, a), len(text))
    ka, kb = (key[0] - s, key[1] - s) if key is not None else (b, b)
    if not a <= ka < kb <= b:
        ka = kb = b
    before, after = display(text[:a]), display(text[b:])
    pre, core, post = display(text[a:ka]), display(text[ka:kb]), display(text[kb:b])
    sentence = pre + core + post
    if not sentence.strip():
        return escape(display(text).strip()), False
    lead = " " if sentence[:1] == " " else ""
    trail = " " if sentence[-1:] == " " else ""
    if core.strip():
        gap_before = " " if pre.strip() and pre.endswith(" ") else ""
        gap_after = " " if post.strip() and post.startswith(" ") else ""
        inner = (
            f'{escape(pre.strip())}{gap_before}<strong class="sq-key">{escape(core.strip())}'
            f"</strong>{gap_after}{escape(post.strip())}"
        )
    else:
        inner = escape(sentence.strip())
    html = f"{escape(before)}{lead}<mark>{inner}</mark>{trail}{escape(after)}"
    return re.sub(r" {2,}", " ", html).strip(), not before.strip() and not after.strip()


def _origin(title: str, publisher: str | None) -> str:
    pub = f' <span class="sq-pub">— {escape(publisher)}</span>' if publisher else ""
    return f'<span class="sq-title"><b>{escape(title)}</b></span>{pub}'


def _key(citation: Citation, view: View, question: str) -> Span | None:
    return key_in_file(citation.answer_start, citation.answer, question, view.context,
                       view.translated)  # fmt: skip


def _citation(cit: Citation, view: View, question: str) -> str:
    words = reply_labels(view.language)
    key = _key(cit, view, question) if question else None
    text, _ = highlighted(cit, key)
    return (
        f'<li class="sq-cited">{_origin(cit.title, exports.origin(cit, view.documents))}'
        f' <span class="sq-src">· {escape(cit.source)} · {words["chars"]} {cit.start}–{cit.end}'
        f'</span><div class="sq-also-text">{text}</div><div class="sq-tools">'
        f"{_button('sq-open', words['open'])}"
        f"{_button('sq-copy', words['copy_quote'], words['copied'])}</div>"
        f"{_data('sq-quote', exports.quote(cit, view.documents, view.language))}"
        f"{_data('sq-ref', reference(cit, key))}</li>"
    )


def render_excerpt(
    rank: int, ex: Excerpt, view: View | None = None, low: bool = False, question: str = ""
) -> str:
    """One citation card: rank, confidence, title, publisher, the highlighted excerpt, its
    file and span, "open the source" and "copy the quote", and "also in"."""
    view = view or View()
    words = reply_labels(view.language)
    level = "low" if low or ex.confidence not in ("high", "medium") else ex.confidence
    p = percent(ex.probability, view.language)
    # the key figure only where the excerpt likely answers: a low one would mislead
    asked = question if level != "low" else ""
    key = _key(ex, view, asked) if asked else None
    text, whole = highlighted(ex, key)
    also = ""
    if ex.also_in:
        items = "".join(_citation(c, view, asked) for c in ex.also_in)
        also = f'<div class="sq-also">{words["also"]}{colon(view.language)}<ul>{items}</ul></div>'
    best = f' <span class="sq-best">{words["best"]}</span>' if rank == 1 and not low else ""
    return (
        f'<div class="sq-card sq-cited{" sq-first" if rank == 1 else ""}">'
        f'<div class="sq-head"><b class="sq-rank">#{rank}</b> '
        f'<span class="sq-conf sq-{level}" title="{escape(words["conf_tip"].format(p=p))}">'
        f"{words['conf'].format(c=words[level])} · {escape(p)}</span>{best}</div>"
        f'<div class="sq-origin">{_origin(ex.title, exports.origin(ex, view.documents))}</div>'
        f'<blockquote class="sq-text{" sq-whole" if whole else ""}">{text}</blockquote>'
        f'<div class="sq-foot"><span class="sq-src">{escape(ex.source)} · {words["chars"]} '
        f"{ex.start}–{ex.end}</span>"
        f"{_button('sq-open', words['open'])}"
        f"{_button('sq-copy', words['copy_quote'], words['copied'])}</div>"
        f"{_data('sq-quote', exports.quote(ex, view.documents, view.language))}"
        f"{_data('sq-ref', reference(ex, key))}{also}</div>"
    )


def render_answer(answer: Answer, view: View | None = None, notice: str = "") -> str:
    """The whole chat reply as one HTML block on one line (Markdown leaves it alone)."""
    view = view or View()
    words = reply_labels(view.language)
    parts = [f'<p class="sq-notice"><i>{escape(notice)}</i></p>'] if notice else []
    first = exports.summary(answer, view.documents, view.language)
    tools = (
        f'<span class="sq-tools">{_button("sq-copy-reply", words["copy_reply"], words["copied"])}'
        f"{_button('sq-export sq-export-md', words['markdown'])}"
        f"{_button('sq-export sq-export-json', words['json'])}</span>"
    )
    kind = "sq-none" if answer.no_answer else "sq-found"
    parts.append(
        f'<div class="sq-summary"><span class="{kind}">{escape(first)}</span>{tools}</div>'
    )
    if answer.no_answer and answer.abstention == "documents":
        parts.append(f'<p class="sq-elsewhere">{_button("sq-everywhere", words["everywhere"])}</p>')
    if answer.no_answer and answer.excerpts:
        parts.append(f'<p class="sq-closest">{escape(words["closest"])}</p>')
    parts += [
        render_excerpt(i, ex, view, low=answer.no_answer, question=answer.question)
        for i, ex in enumerate(answer.excerpts, 1)
    ]
    parts += [
        _data("sq-plain", exports.reply_text(answer, view.documents, view.language), "pre"),
        _data("sq-markdown", exports.reply_markdown(answer, view.documents, view.language), "pre"),
        _data("sq-json", exports.reply_json(answer), "pre"),
        _data("sq-fname", exports.file_stem(answer.question)),
    ]
    return (
        f'<div class="sq-reply sq-turn-{int(view.turn)}" lang="{view.language}">'
        + "".join(parts)
        + "</div>"
    )


def render_message(text: str, turn: int, language: str = "fr") -> str:
    """A reply that is a message (a refused question, an error), on one line."""
    return (
        f'<div class="sq-reply sq-turn-{int(turn)}" lang="{language}"><p>{escape(text)}</p></div>'
    )


def render_question(question: str, turn: int) -> str:
    """The user's message: the question, escaped, tagged with its turn for scrolling."""
    return f'<span class="sq-qtext sq-turn-{int(turn)}">{escape(question)}</span>'


def render_documents(documents: Sequence[Document], language: str = "fr") -> str:
    """The documents panel: escaped titles, publishers (or authors), date added or
    "original corpus", the file name, and a button that opens the document."""
    words, reply = page_labels(language), reply_labels(language)
    items = []
    for d in documents:
        who = d.publisher or d.author
        when = words["added"].format(date=d.added[:10]) if d.added else words["seed"]
        facts = " · ".join(escape(x) for x in (who, when) if x)
        ref = json.dumps({"source": d.source, "start": 0, "end": 0, "answer_start": 0,
                          "answer_end": 0})  # fmt: skip
        items.append(
            f'<li class="sq-doc sq-cited"><b>{escape(d.title)}</b><div class="sq-src">{facts}'
            f"<br><code>{escape(d.source)}</code></div>{_button('sq-open sq-link', reply['open'])}"
            f"{_data('sq-ref', ref)}</li>"
        )
    return f'<ul class="sq-docs">{"".join(items)}</ul>'
