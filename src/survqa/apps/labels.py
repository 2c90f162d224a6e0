"""The interface's words in French, English, Spanish, German and Italian.

``assets/labels.json`` holds three tables: ``reply`` (the words of an answer, in the
question's language), ``page`` (server-rendered panels: introduction, documents, upload
messages, in the browser's language; values may hold our own ``<b>`` tags) and ``static``
(component labels, translated in the browser by Gradio's ``I18n`` from its locale).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import gradio as gr

ASSETS = Path(__file__).resolve().parent / "assets"
LANGUAGES = ("fr", "en", "es", "de", "it")
DEFAULT = "fr"  # the corpus's language; a request without Accept-Language gets it
FALLBACK = "en"  # a browser in another language gets English, as Gradio's own labels do


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = json.loads(
        (ASSETS / "labels.json").read_text(encoding="utf-8")
    )
    return data


def reply_labels(language: str) -> dict[str, str]:
    """The words of a reply in ``language`` (one of LANGUAGES, else French)."""
    return _tables()["reply"].get(language, _tables()["reply"][DEFAULT])


def page_labels(language: str) -> dict[str, str]:
    """The words of the server-rendered panels in ``language``."""
    return _tables()["page"].get(language, _tables()["page"][DEFAULT])


def static_labels(language: str) -> dict[str, str]:
    return _tables()["static"].get(language, _tables()["static"][DEFAULT])


def i18n() -> gr.I18n:
    """Gradio's translations of the component labels (the browser picks by its locale)."""
    return gr.I18n(**{lang: dict(_tables()["static"][lang]) for lang in LANGUAGES})


_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def browser_language(accept_language: str | None) -> str:
    """The preferred supported language of an ``Accept-Language`` header: DEFAULT without a
    header, FALLBACK when it names none of LANGUAGES."""
    if not accept_language:
        return DEFAULT
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language[:500].split(",")):
        match = _RANGE.match(part)
        if match is None:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        ranked.append((-weight, i, match.group(1).lower()))
    for _, _, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return FALLBACK


def reply_language(question_language: str, browser: str) -> str:
    """A reply speaks the question's language when it is one of LANGUAGES, else the
    browser's."""
    return question_language if question_language in LANGUAGES else browser


def request_language(request: Any) -> str:
    """The browser language of a Gradio request (DEFAULT when there is none)."""
    headers = getattr(request, "headers", None)
    value = headers.get("accept-language") if headers is not None else None
    return browser_language(value if isinstance(value, str) else None)


def percent(p: float, language: str) -> str:
    """A probability as a percentage written the language's way: "96 %" / "96%"."""
    value = f"{round(100 * max(0.0, min(1.0, p)))}"
    return f"{value}%" if language in ("en", "it") else f"{value}\u00a0%"


def colon(language: str) -> str:
    """The colon as the language writes it after a word (French puts a space before it)."""
    return "\u00a0:" if language == "fr" else ":"
