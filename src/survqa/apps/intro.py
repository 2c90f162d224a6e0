"""The landing introduction (shown in the empty chat) and the "how to read the answers" panel:
what the corpus holds, that answers are verbatim quotes, how to use the chat, and what the
confidence labels mean — with the calibration's own thresholds."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from survqa.apps.labels import page_labels, percent
from survqa.apps.rendering import escape
from survqa.records import Document
from survqa.search.calibrate import SHIPPED, load_calibration

SHOWN_TITLES = 6


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The calibration's thresholds: labels and abstention, and how many questions fit them."""

    high: float
    medium: float
    abstain: float
    questions: int


def thresholds(calibration: str | None = None) -> Thresholds:
    """The thresholds of the calibration file the assistant uses (None: the shipped one)."""
    model = load_calibration(calibration)
    path = Path(calibration) if calibration else SHIPPED
    try:
        fitted = str(json.loads(path.read_text(encoding="utf-8")).get("fitted_on", ""))
    except (OSError, ValueError):
        fitted = ""
    found = re.search(r"(\d+) questions", fitted)
    return Thresholds(model.high_above, model.medium_above, model.abstain_below,
                      int(found.group(1)) if found else 0)  # fmt: skip


def confidence_text(limits: Thresholds, language: str) -> str:
    """What the confidence labels mean, as HTML (our tags, numbers only)."""
    return page_labels(language)["confidence"].format(
        q=limits.questions or "?",
        high=percent(limits.high, language),
        medium=percent(limits.medium, language),
        abstain=percent(limits.abstain, language),
    )


def render_intro(documents: Sequence[Document], language: str, limits: Thresholds) -> str:
    """The landing text: the promise, the corpus (its titles, escaped), how to use it, and
    the confidence labels."""
    words = page_labels(language)
    titles = "".join(f"<li>{escape(d.title)}</li>" for d in documents[:SHOWN_TITLES])
    more = f"<li>… (+{len(documents) - SHOWN_TITLES})</li>" if len(documents) > SHOWN_TITLES else ""
    return (
        f'<div class="sq-intro" lang="{language}"><p>{words["lead"]}</p>'
        f"<p>{words['corpus'].format(n=len(documents))}</p><ul>{titles}{more}</ul>"
        f"<p>{words['use']}</p><p>{confidence_text(limits, language)}</p></div>"
    )


def render_about(limits: Thresholds, language: str) -> str:
    """The "how to read the answers" panel."""
    words = page_labels(language)
    return (
        f'<div class="sq-intro" lang="{language}"><p>{words["lead"]}</p><p>{words["use"]}</p>'
        f"<p>{confidence_text(limits, language)}</p></div>"
    )
