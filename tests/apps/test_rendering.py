"""The chat's HTML: cards, replies, the documents panel and the introduction — escaped,
with the buttons and the hidden data they read (hand-made records, no model)."""

from __future__ import annotations

import html
import json
import re

import pytest
from webui_helpers import HOSTILE, answer, excerpt, inert, shown

from survqa.apps.intro import Thresholds, render_about, render_intro
from survqa.apps.rendering import (
    View,
    escape,
    escape_data,
    highlighted,
    render_answer,
    render_documents,
    render_excerpt,
    render_message,
    render_question,
)
from survqa.records import Answer, Citation, Document

LIMITS = Thresholds(high=0.91, medium=0.5, abstain=0.17, questions=333)


def data(rendered: str, kind: str) -> str:
    """The text of a hidden ``.sq-data`` element, as the page's script reads it."""
    found = re.search(rf'<(?:span|pre) class="sq-data {kind}">(.*?)</(?:span|pre)>', rendered)
    assert found, kind
    return html.unescape(found.group(1))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_excerpt_title_and_publisher_are_inert_and_kept_literally(hostile: str) -> None:
    text = f"Avant {hostile} après. Paris compte 56 000 caméras."
    card = render_excerpt(1, excerpt(text=text, title=hostile, publisher=hostile, source=hostile),
                          question="Combien de caméras ?")  # fmt: skip
    assert inert(card)
    assert "<script" not in card and "<img" not in card and "](" not in card
    assert " ".join(hostile.split()) in shown(card)
    assert hostile.split("\n")[0] in data(card, "sq-quote")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_question_citation_and_documents_are_inert(hostile: str) -> None:
    cit = Citation(text=hostile, source="x.txt", title=hostile, start=0, end=len(hostile),
                   answer_start=0, answer_end=len(hostile), publisher=hostile)  # fmt: skip
    reply = render_answer(answer(hostile, excerpts=[excerpt(also_in=(cit,))]))
    assert inert(reply)
    assert inert(render_question(hostile, 3)) and inert(render_message(hostile, 3))
    docs = [Document(hostile, hostile, "", publisher=hostile, added=hostile)]
    assert inert(render_documents(docs))
    intro = render_intro(docs, "fr", LIMITS)
    assert inert(intro[intro.index("<ul>") : intro.index("</ul>") + 5])


def test_escape_covers_markdown_and_latex_specials() -> None:
    out = escape("# a\n[b](c) ![d](e) *f* _g_ `h` $i$ \\j <k> &l")
    assert re.search(r"[<>\[\]()!*_`$\\#&]", re.sub(r"&#\d+;", "", out)) is None
    assert "\n" not in out
    assert html.unescape(out) == "# a [b](c) ![d](e) *f* _g_ `h` $i$ \\j <k> &l"
    kept = escape_data("a\n\nb <c>")
    assert "\n" not in kept and html.unescape(kept) == "a\n\nb <c>"


def test_highlight_marks_the_sentence_and_emphasises_the_key_figure() -> None:
    text = "Le rap-\nport <b>dit</b> :\nParis compte 56 000\ncaméras. [Berlin](x) moins."
    ex = excerpt(text=text, answer="Paris compte 56 000\ncaméras.")
    key = (ex.start + text.index("56 000"), ex.start + text.index("56 000") + 6)
    out, whole = highlighted(ex, key)
    assert html.unescape(out) == (
        'Le rapport <b>dit</b> : <mark>Paris compte <strong class="sq-key">56 000</strong> '
        "caméras.</mark> [Berlin](x) moins."
    )
    assert not whole and "\n" not in out
    plain, _ = highlighted(ex)
    assert "<strong" not in plain and "<mark>Paris compte 56 000 caméras.</mark>" in plain


def test_a_one_sentence_excerpt_is_not_all_yellow() -> None:
    ex = excerpt(text="Paris compte 56 000 caméras.", answer="Paris compte 56 000 caméras.")
    card = render_excerpt(1, ex, question="Combien de caméras compte Paris ?")
    assert '<blockquote class="sq-text sq-whole">' in card  # the CSS drops the yellow
    assert '<strong class="sq-key">56 000</strong>' in card  # the figure still stands out
    assert "sq-whole" not in render_excerpt(1, excerpt())


def test_card_shows_rank_confidence_title_publisher_file_span_and_actions() -> None:
    card = render_excerpt(1, excerpt(confidence="medium", probability=0.62))
    text = shown(card)
    for part in (
        "#1",
        "confiance moyenne · 62 %",
        "Meilleur extrait",
        "Titre A",
        "AFP",
        "000_a.txt",
        "caractères 100–142",
        "Ouvrir la source",
        "Copier la citation",
    ):
        assert part in text, part
    assert 'title="Probabilité calibrée que cet extrait réponde' in card
    ref = json.loads(data(card, "sq-ref"))
    assert ref == {"source": "000_a.txt", "start": 100, "end": 142, "answer_start": 107,
                   "answer_end": 135}  # fmt: skip
    assert data(card, "sq-quote") == (
        "« Paris compte 56 000 caméras. » — Titre A, AFP (000_a.txt, caractères 107–135)"
    )


def test_low_excerpts_get_no_key_emphasis() -> None:
    question = "Combien de caméras compte Paris ?"
    assert "sq-key" in render_excerpt(1, excerpt(), question=question)
    assert "sq-key" not in render_excerpt(1, excerpt(confidence="low"), question=question)


def test_reply_has_summary_tools_and_the_plain_markdown_json_copies() -> None:
    reply = render_answer(answer(), View("fr", 4))
    assert reply.startswith('<div class="sq-reply sq-turn-4" lang="fr">')
    assert "1 extrait · probabilité que le corpus réponde" in shown(reply)
    for tool in ("sq-copy-reply", "sq-export-md", "sq-export-json"):
        assert f"sq-btn {tool}" in reply or f"sq-export {tool}" in reply
    plain = data(reply, "sq-plain")
    assert "<" not in plain and "« Paris compte 56 000 caméras. »" in plain
    assert json.loads(data(reply, "sq-json"))["question"] == answer().question
    assert data(reply, "sq-markdown").startswith("## Combien de caméras compte Paris ?")
    assert data(reply, "sq-fname") == "survqa-combien-de-cameras-compte-paris"
    assert "\n" not in reply  # one line: Markdown leaves the block alone


def test_no_answer_says_so_and_marks_closest_excerpts_low() -> None:
    reply = render_answer(answer(no_answer=True, abstention="corpus"))
    assert "Le corpus ne répond pas à cette question" in reply
    assert "confiance faible" in reply and "confiance élevée" not in reply
    assert "Meilleur extrait" not in reply and "sq-everywhere" not in reply
    empty = render_answer(answer(no_answer=True, excerpts=[]))
    assert "Le corpus ne répond pas à cette question" in empty and "sq-card" not in empty


def test_documents_abstention_names_where_the_corpus_answers_and_offers_everywhere() -> None:
    docs = {"002_b.txt": Document("002_b.txt", "Le contrôle <social>", "t")}
    reply = render_answer(
        answer(no_answer=True, abstention="documents", elsewhere="002_b.txt"),
        View("fr", 2, docs),
    )
    text = shown(reply)
    said = "Les documents choisis ne le disent pas ; le corpus répond dans « Le contrôle <social> »"
    assert said in text and "Le corpus ne répond pas" not in text
    assert "confiance faible" in text  # the documents' closest excerpts, labelled low
    assert "Chercher dans tout le corpus" in text and "sq-btn sq-everywhere" in reply
    assert inert(reply)


@pytest.mark.parametrize(("language", "words"), [
    ("en", ("high confidence", "characters", "Open the source", "Copy the quote")),
    ("es", ("confianza alta", "caracteres", "Abrir la fuente", "Copiar la cita")),
    ("de", ("Zuverlässigkeit hoch", "Zeichen", "Quelle öffnen", "Zitat kopieren")),
    ("it", ("affidabilità alta", "caratteri", "Apri la fonte", "Copia la citazione")),
])  # fmt: skip
def test_labels_follow_the_language(language: str, words: tuple[str, ...]) -> None:
    reply = shown(render_answer(answer(), View(language)))
    for word in words:
        assert word in reply, word
    assert "confiance" not in reply and "Ouvrir" not in reply


def test_also_in_lists_the_corroborating_documents_with_their_own_actions() -> None:
    text = "Avant. Paris : 56 000. Après"
    cit = Citation(text=text, source="002_b.txt", title="Titre B", start=50, end=78,
                   answer_start=57, answer_end=72, publisher="Le Monde")  # fmt: skip
    card = render_excerpt(1, excerpt(also_in=(cit,)))
    item = card[card.index('<li class="sq-cited">') :]
    for part in ("Aussi dans", "Titre B", "Le Monde", "002_b.txt", "50–78", "Paris : 56 000."):
        assert part in shown(card)
    assert "sq-open" in item and "sq-copy" in item
    assert json.loads(data(item, "sq-ref"))["source"] == "002_b.txt"
    assert data(item, "sq-quote").startswith("« Paris : 56 000. » — Titre B, Le Monde")


def test_documents_panel_lists_titles_publishers_dates_and_opens_them() -> None:
    docs = [Document("000_a.txt", "Titre <b>A</b>", "texte", publisher="AFP"),
            Document("up_1.txt", "Ajouté", "t", author="Moi", origin="added",
                     added="2024-03-05T10:00:00Z")]  # fmt: skip
    panel = render_documents(docs)
    text = shown(panel)
    for part in ("Titre <b>A</b>", "AFP", "corpus d'origine", "000_a.txt", "Moi",
                 "ajouté le 2024-03-05", "Ouvrir la source"):  # fmt: skip
        assert part in text, part
    assert panel.count('class="sq-data sq-ref"') == 2


def test_intro_says_what_the_corpus_holds_and_what_confidence_means() -> None:
    docs = [Document(f"{i}.txt", f"Titre {i}", "t") for i in range(3)]
    intro = shown(render_intro(docs, "fr", LIMITS))
    assert "extraits copiés mot pour mot" in intro and "3 documents" in intro
    assert "Titre 0" in intro and "Titre 2" in intro
    assert "élevée ≥ 91 %" in intro and "moyenne ≥ 50 %" in intro and "333" in intro
    assert "high ≥ 91%" in shown(render_about(LIMITS, "en"))


def test_a_message_reply_is_tagged_with_its_turn() -> None:
    assert render_message("x", 5, "en").startswith('<div class="sq-reply sq-turn-5" lang="en">')
    assert render_question("Q ?", 5) == '<span class="sq-qtext sq-turn-5">Q ?</span>'


def test_an_answer_round_trips_through_its_dict_unchanged() -> None:
    also = Citation("Paris : 56 000.", "b.txt", "B", 3, 18, 3, 18, publisher="Le Monde")
    original = answer(excerpts=[excerpt(also_in=(also,))])
    again = Answer.from_dict(json.loads(json.dumps(original.to_dict())))
    assert render_answer(again) == render_answer(original)
