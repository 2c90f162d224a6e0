"""Quotes, plain text, Markdown and JSON of a reply: what a journalist pastes."""

from __future__ import annotations

import json

from webui_helpers import answer, excerpt

from survqa.apps.exports import (
    file_stem,
    md,
    quote,
    quoted_span,
    reply_json,
    reply_markdown,
    reply_text,
    summary,
)
from survqa.records import Citation, Document


def test_quote_is_sentence_title_publisher_file_and_span() -> None:
    assert quote(excerpt(), {}, "fr") == (
        "« Paris compte 56 000 caméras. » — Titre A, AFP (000_a.txt, caractères 107–135)"
    )
    assert quote(excerpt(), {}, "en").endswith("(000_a.txt, characters 107–135)")


def test_quote_takes_the_author_when_there_is_no_publisher() -> None:
    docs = {"000_a.txt": Document("000_a.txt", "Titre A", "t", author="P. Lefort")}
    assert "— Titre A, P. Lefort (" in quote(excerpt(publisher=None), docs, "fr")
    assert "— Titre A (" in quote(excerpt(publisher=None), {}, "fr")


def test_quote_joins_line_breaks_and_drops_a_bullet_keeping_the_span_exact() -> None:
    text = "Avant.\n• Paris compte 56 000\ncaméras. Après."
    ex = excerpt(text=text, answer="• Paris compte 56 000\ncaméras.", start=10)
    a, b = quoted_span(ex)
    assert text[a - 10 : b - 10] == "Paris compte 56 000\ncaméras."
    assert quote(ex, {}, "fr").startswith("« Paris compte 56 000 caméras. » — Titre A, AFP")
    assert quote(ex, {}, "fr").endswith(f"caractères {a}–{b})")


def test_reply_text_is_plain_text_not_html() -> None:
    hostile = Citation("<b>x</b> & y", "b.txt", "<i>B</i>", 0, 12, 0, 12)
    text = reply_text(answer(excerpts=[excerpt(also_in=(hostile,))]), {}, "fr")
    assert text.startswith("Question\u00a0: Combien de caméras compte Paris ?\n1 extrait · ")
    assert "1. « Paris compte 56 000 caméras. » — Titre A, AFP" in text
    assert "[confiance élevée, 96\u00a0%]" in text
    assert "Extrait\u00a0: Intro. Paris compte 56 000 caméras. Suite." in text
    assert "Aussi dans\u00a0: « <b>x</b> & y » — <i>B</i> (b.txt" in text  # literal, not markup
    assert "&#" not in text and "<div" not in text


def test_markdown_escapes_document_text_and_bolds_the_sentence() -> None:
    ex = excerpt(text="Un *titre* [lien](x). Paris compte 56 000 caméras.", start=0)
    out = reply_markdown(answer(excerpts=[ex]), {}, "fr")
    assert out.startswith("## Combien de caméras compte Paris ?\n")
    assert "> Un \\*titre\\* \\[lien\\]\\(x\\)\\. **Paris compte 56 000 caméras\\.**" in out
    assert "`000_a.txt`" in out and "confiance élevée" in out
    assert md("# a_b") == "\\# a\\_b"


def test_json_is_the_answer_dict_and_file_names_are_safe() -> None:
    assert json.loads(reply_json(answer())) == answer().to_dict()
    assert file_stem("Combien de caméras ? <script>/../") == "survqa-combien-de-cameras-script"
    assert file_stem("???") == "survqa-reponse"


def test_summary_says_what_the_reply_is() -> None:
    docs = {"b.txt": Document("b.txt", "Le contrôle social", "t")}
    assert summary(answer(), docs, "fr").startswith("1 extrait · probabilité")
    assert summary(answer(excerpts=[excerpt()] * 3), docs, "en").startswith("3 excerpts · ")
    none = answer(no_answer=True, abstention="documents", elsewhere="b.txt")
    assert summary(none, docs, "es") == (
        "Los documentos elegidos no lo dicen; el corpus responde en «Le contrôle social»."
    )
    not_at_all = summary(answer(no_answer=True), docs, "de")
    assert not_at_all == "Das Korpus beantwortet diese Frage nicht."
