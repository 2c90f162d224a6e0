"""Content paragraphs: site furniture, captions and repeats left out (no model, fast)."""

from __future__ import annotations

import pytest
from boilerplate import BOILERPLATE as FURNITURE

from survqa.documents.paragraphs import BOILERPLATE, paragraphs, repeat_ratio
from survqa.records import Document
from survqa.text import clean


def _paragraph_texts(doc: Document) -> list[str]:
    return [clean(doc.text[start:end]) for start, end in paragraphs(doc.text)]


# ---------------------------------------------------------------- seeds


@pytest.mark.parametrize("boiler", FURNITURE)
def test_no_boilerplate_in_seed_paragraphs(seeds: list[Document], boiler: str) -> None:
    for doc in seeds:
        for text in _paragraph_texts(doc):
            assert boiler not in text, (doc.source, text)


def test_seed_paragraphs_keep_content(seeds: list[Document]) -> None:
    texts = {doc.source[:3]: _paragraph_texts(doc) for doc in seeds}
    assert "Sources" in texts["000"]
    numbered = [t for t in texts["000"] if t[:2] in {"1.", "2.", "3.", "4.", "5.", "6."}]
    assert len(numbered) == 6
    bullets = [t for t in texts["000"] if t.startswith("•")]
    assert len(bullets) == 10 and any("56 000 caméras" in t for t in bullets)
    assert "Inquiétude des ONG de défense des droits numériques" in texts["004"]
    assert "Patrice Lefort-Lavauzelle" in texts["002"]
    assert "Stéphane Aymard, Ingénieur de Recherche, La Rochelle Université" in texts["003"]
    assert "– « Compliqué en France » –" in texts["001"]
    assert texts["004"][0].startswith("Dans les rues de Belgrade")


def test_pdf_paragraphs_join_broken_sentences(seeds: list[Document]) -> None:
    texts = _paragraph_texts(seeds[2])
    joined = " ".join(texts)
    for piece in (
        "rembourser ses crédits font gagner des points",
        "un immense pare-feu national qui a réussi à sanctuariser",
        "Ant Financial Services Group",
        "un dispositif de surveillance et des incitations",
        "De rares critiques publiques d’une surveillance massive",
    ):
        assert piece in joined
    assert "« L’Œil céleste » vous regarde" in texts  # a heading is its own paragraph
    assert "Le contrôle social en Chine : 1,42 milliard de suspects sous surveillance" in texts


def test_paragraph_spans_are_trimmed_and_ordered(seeds: list[Document]) -> None:
    for doc in seeds:
        spans = paragraphs(doc.text)
        assert spans
        previous_end = 0
        for start, end in spans:
            assert previous_end <= start < end <= len(doc.text)
            assert not doc.text[start].isspace() and not doc.text[end - 1].isspace()
            previous_end = end


# ---------------------------------------------------------------- small texts


def test_paragraphs_blank_lines_and_boilerplate() -> None:
    text = "Titre court\n\nPremier paragraphe.\n\n- Publicité -\n\nSecond. Fin.\n\nmra/liu\n"
    assert [text[a:b] for a, b in paragraphs(text)] == [
        "Titre court",
        "Premier paragraphe.",
        "Second. Fin.",
    ]


def test_paragraphs_one_per_line_and_bullets() -> None:
    text = "Une phrase.\nUn titre\nAutre phrase.\n  • point un\n  • point deux\n"
    assert [text[a:b] for a, b in paragraphs(text)] == [
        "Une phrase.",
        "Un titre",
        "Autre phrase.",
        "• point un",
        "• point deux",
    ]


def test_paragraphs_drop_caption_shown_twice() -> None:
    text = "Titre\n\nUne photo de la ville la nuit.\nUne photo de la ville la nuit. AFP\n\nTexte.\n"
    assert [text[a:b] for a, b in paragraphs(text)] == ["Titre", "Texte."]


def test_paragraphs_markup_caption_lines() -> None:
    text = "![]() |\nLa ville en 2021. Wikimedia |\nLe vrai texte commence ici.\n"
    assert [text[a:b] for a, b in paragraphs(text)] == ["Le vrai texte commence ici."]


def test_short_paragraph_repeating_a_later_one_is_dropped() -> None:
    caption = "Des caméras de surveillance installées sur un poteau de la place centrale."
    body = (
        "Sur la place, des caméras de surveillance installées sur un poteau de la place "
        "centrale filment les passants jour et nuit, selon les habitants interrogés."
    )
    text = f"{caption}\n\nUn autre paragraphe sans rapport.\n\n{body}\n"
    assert [text[a:b] for a, b in paragraphs(text)] == ["Un autre paragraphe sans rapport.", body]


WRAPPED = (
    "Le grand titre\n"
    "Une longue phrase qui continue sur la ligne\n"
    "suivante puis encore sur une autre ligne et\n"
    "\n"
    "même après une ligne vide, avant de finir.\n"
    "Une autre phrase commence ici sur la ligne\n"
    "pleine puis se termine ici par un point.\n"
    "\n"
    "Nouveau paragraphe qui commence et se termine.\n"
)


def test_paragraphs_hard_wrapped_text() -> None:
    texts = [clean(WRAPPED[a:b]) for a, b in paragraphs(WRAPPED)]
    assert texts[0] == "Le grand titre"
    assert texts[1].startswith("Une longue phrase") and texts[1].endswith("par un point.")
    assert "et même après une ligne vide" in texts[1]
    assert texts[2] == "Nouveau paragraphe qui commence et se termine."


def test_paragraphs_of_empty_text() -> None:
    assert paragraphs("") == []
    assert paragraphs("\n\n  \n- Publicité -\n") == []


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "line",
    ["Publicité", "- Publicité -", "EN CONTINU", "L'édition du jour", "Newsletter du matin",
     "► Pour en savoir plus", "![](https://x/y.png)", "Image d'illustration. Wikimedia |",
     "mra/liu/tq/rhl", "De notre correspondant à Pékin", "Cet article est republié de X"],
)  # fmt: skip
def test_boilerplate_lines(line: str) -> None:
    assert BOILERPLATE.match(line)


@pytest.mark.parametrize(
    "line", ["Paris compte 56 000 caméras.", "Sources", "MRA/LIU", "Le publicitaire"]
)
def test_content_lines_are_not_boilerplate(line: str) -> None:
    assert not BOILERPLATE.match(line)


def test_repeat_ratio() -> None:
    words = ["a", "b", "c", "d", "e", "f"]
    assert repeat_ratio(words, ["x", "a", "b", "c", "y", "d", "e", "f"]) == 1.0
    assert (
        repeat_ratio(words, ["a", "b", "x", "c", "d", "x", "e", "f"]) == 0.0
    )  # runs under 3 words
    assert repeat_ratio(words, ["z", "a", "b", "c", "z"]) == pytest.approx(0.5)
    assert repeat_ratio([], ["a"]) == 0.0
