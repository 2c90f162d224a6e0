"""The one rendering of an excerpt with its answering sentence marked (CLI and web UI)."""

from __future__ import annotations

import html

import pytest

from survqa.apps.highlight import Highlight, render, split
from survqa.records import Citation


def citation(text: str, start: int, answer_start: int, answer_end: int) -> Citation:
    return Citation(text=text, source="a.txt", title="A", start=start, end=start + len(text),
                    answer_start=answer_start, answer_end=answer_end)  # fmt: skip


def marked(c: Citation) -> str:
    return render(c, html.escape, lambda answer: f"<mark>{answer}</mark>")


def test_split_cuts_around_the_answer_in_reading_form() -> None:
    text = "Le rap-\nport dit :\nParis compte 56 000\ncaméras. Berlin moins."
    c = citation(text, 10, 10 + text.index("Paris"), 10 + text.index(" Berlin"))
    assert split(c) == Highlight(
        "Le rapport dit : ", "Paris compte 56 000 caméras.", " Berlin moins."
    )


def test_answering_sentence_is_highlighted_and_cleaned() -> None:
    text = "Le rap-\nport dit :\nParis compte 56 000\ncaméras. Berlin moins."
    out = marked(citation(text, 10, 10 + text.index("Paris"), 10 + text.index(" Berlin")))
    assert "<mark>Paris compte 56 000 caméras.</mark>" in out
    assert html.unescape(out).startswith("Le rapport dit")
    assert "\n" not in out


def test_highlight_with_bad_offsets_shows_the_text_without_mark() -> None:
    assert "<mark>" not in marked(citation("Une phrase.", 0, 5, 5))
    assert "<mark>Une phrase.</mark>" in marked(citation("Une phrase.", 10, 0, 99))


def test_highlight_keeps_the_space_before_the_sentence() -> None:
    text = "Intro.\nParis compte 56 000 caméras."
    assert marked(citation(text, 0, 6, len(text))) == (
        "Intro. <mark>Paris compte 56 000 caméras.</mark>"
    )


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        ("A. B. C.", "B.", "A. [B.] C."),
        ("B. C.", "B.", "[B.] C."),
        ("A.\n\nB.", "B.", "A. [B.]"),
        ("A.   B.   C.", "B.", "A. [B.] C."),
    ],
)
def test_one_space_between_the_pieces(text: str, answer: str, expected: str) -> None:
    a = text.index(answer)
    c = citation(text, 0, a, a + len(answer))
    assert render(c, lambda s: s, lambda s: f"[{s}]") == expected


def test_escape_sees_document_text_and_mark_sees_it_escaped() -> None:
    text = "<b>x</b> & Paris <i>compte</i>."
    c = citation(text, 0, text.index("Paris"), len(text))
    out = render(c, html.escape, lambda s: f"<mark>{s}</mark>")
    assert out == "&lt;b&gt;x&lt;/b&gt; &amp; <mark>Paris &lt;i&gt;compte&lt;/i&gt;.</mark>"
