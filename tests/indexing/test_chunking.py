"""Sentence splitting and passage chunking (no model, fast)."""

from __future__ import annotations

import re

import pytest
from boilerplate import BOILERPLATE

from survqa.documents.paragraphs import paragraphs
from survqa.indexing.chunking import chunk_document, chunk_documents, split_sentences
from survqa.records import Document, Passage
from survqa.text import clean, word_count


@pytest.fixture(scope="module")
def passages(seeds: list[Document]) -> list[Passage]:
    return chunk_documents(seeds)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, 0, len(text))]


# ---------------------------------------------------------------- sentences


def test_basic_split_and_trim() -> None:
    text = "  Une phrase. Deux phrases ! Trois ? Quatre… Cinq... Six.  "
    assert _sentences(text) == [
        "Une phrase.",
        "Deux phrases !",
        "Trois ?",
        "Quatre…",
        "Cinq...",
        "Six.",
    ]


def test_no_split_inside_numbers() -> None:
    text = "Il y a 3,3 millions d’habitants, 494,25 caméras et 1.100 exposants. Fin 2,76 milliards."
    assert _sentences(text) == [
        "Il y a 3,3 millions d’habitants, 494,25 caméras et 1.100 exposants.",
        "Fin 2,76 milliards.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "M. Dupont est venu.",
        "Mme Durand est venue.",
        "Le Dr Martin est venu. ",
        "Voir p. 12 du rapport.",
        "Par ex. Alibaba en Chine.",
        "La commission U.S. China est citée.",
        "Selon J. Smith ce serait vrai.",
        "Voir Dr. House et cf. Annexe.",
        "Mieux classé sur les sites ( !) A contrario, rien.",
        "Quatre…  et puis rien.",
        "Il dit « non. » et part.",
    ],
)
def test_no_split(text: str) -> None:
    assert _sentences(text) == [text.strip()]


def test_footnote_digit_ends_sentence() -> None:
    text = "700 millions uniquement en Chine\u00a01. Le pays compte une caméra."
    assert _sentences(text) == [
        "700 millions uniquement en Chine\u00a01.",
        "Le pays compte une caméra.",
    ]


def test_closing_quotes_and_brackets_stay() -> None:
    text = "Il a dit « c’est fini. » Puis (il est parti.) Ensuite « Encore » vint."
    assert _sentences(text) == [
        "Il a dit « c’est fini. »",
        "Puis (il est parti.)",
        "Ensuite « Encore » vint.",
    ]


def test_short_quotation_is_one_sentence_with_its_attribution() -> None:
    text = (
        "Il parle. « C’est dur. On y arrivera en Grèce. En France, non », dit-il. "
        "Après « Oui. » Fin."
    )
    assert _sentences(text) == [
        "Il parle.",
        "« C’est dur. On y arrivera en Grèce. En France, non », dit-il.",
        "Après « Oui. »",
        "Fin.",
    ]


def test_long_quotation_is_still_split() -> None:
    long = "Phrase numéro un assez longue. " * 15
    assert len(_sentences(f"« {long}»")) == 15


def test_opening_quote_bracket_and_digit_start_sentences() -> None:
    text = "Fin. « Début » ici. (Ex : ceci). 2020 fut dur. “Oui” dit-il."
    assert _sentences(text) == [
        "Fin.",
        "« Début » ici.",
        "(Ex : ceci).",
        "2020 fut dur.",
        "“Oui” dit-il.",
    ]


def test_lowercase_after_period_does_not_split() -> None:
    assert _sentences("Il y avait etc. et d’autres. Fin.") == [
        "Il y avait etc. et d’autres.",
        "Fin.",
    ]


def test_bullets_and_numbered_items() -> None:
    text = (
        "Sources\n  1. Paul Bischoff, « Titre », 2025.\n  2. Emily Baker, Forbes."
        "\n  • Un point\n  • Deux"
    )
    assert _sentences(text) == [
        "Sources",
        "1. Paul Bischoff, « Titre », 2025.",
        "2. Emily Baker, Forbes.",
        "• Un point",
        "• Deux",
    ]


def test_line_breaks_inside_sentence() -> None:
    text = (
        "Vous recevez une notifi-\ncation sur votre \nsmartphone : votre crédit \n\nbaisse !"
        " Depuis \nhier."
    )
    assert _sentences(text) == [
        "Vous recevez une notifi-\ncation sur votre \nsmartphone : votre crédit \n\nbaisse !",
        "Depuis \nhier.",
    ]


def test_split_respects_bounds() -> None:
    text = "Avant. Une phrase. Deux phrases. Après."
    start, end = text.index("Une"), text.index(" Après")
    spans = split_sentences(text, start, end)
    assert [text[a:b] for a, b in spans] == ["Une phrase.", "Deux phrases."]
    assert split_sentences(text, 3, 3) == []
    assert split_sentences("   ", 0, 3) == []


# ---------------------------------------------------------------- windows


def _doc(text: str) -> Document:
    return Document(source="t.txt", title="t", text=text)


def test_passage_never_crosses_paragraphs() -> None:
    doc = _doc("Un deux trois.\n\nQuatre cinq six.\n")
    found = chunk_document(doc)
    assert [(p.paragraph, p.text) for p in found] == [
        (0, "Un deux trois."),
        (1, "Quatre cinq six."),
    ]


def test_balanced_windows() -> None:
    sentence = "Mot " * 14 + "fin."  # 15 words
    doc = _doc(" ".join([sentence] * 10))  # 150 words in one paragraph
    found = chunk_document(doc, max_words=120)
    assert [word_count(p.text) for p in found] == [75, 75]


def test_long_sentence_is_its_own_passage() -> None:
    long_sentence = "Long " * 49 + "fin."
    doc = _doc(f"Court ici. {long_sentence} Encore court.")
    found = chunk_document(doc, max_words=20)
    assert [word_count(p.text) for p in found] == [2, 50, 2]
    assert found[1].sentences == ((found[1].start, found[1].end),)


def test_passage_text_is_cleaned() -> None:
    doc = _doc("La filiale Ant Finan-\ncial Services \nest là.")
    (passage,) = chunk_document(doc)
    assert passage.text == "La filiale Ant Financial Services est là."
    assert doc.text[passage.start : passage.end] == doc.text


def test_empty_document_gives_no_passage() -> None:
    assert chunk_document(_doc("\n\n- Publicité -\n")) == []


# ---------------------------------------------------------------- seeds


def test_seed_passages_invariants(seeds: list[Document], passages: list[Passage]) -> None:
    docs = {doc.source: doc for doc in seeds}
    assert [p.source for p in passages] == sorted(p.source for p in passages)
    for passage in passages:
        text = docs[passage.source].text
        assert 0 <= passage.start < passage.end <= len(text)
        assert passage.sentences[0][0] == passage.start
        assert passage.sentences[-1][1] == passage.end
        assert passage.text == clean(text[passage.start : passage.end])
        previous = passage.start
        for start, end in passage.sentences:
            assert previous <= start < end <= passage.end
            assert clean(text[start:end])
            previous = end
        if len(passage.sentences) > 1:
            assert word_count(passage.text) <= 120


def test_seed_passages_per_paragraph(seeds: list[Document]) -> None:
    for doc in seeds:
        spans = paragraphs(doc.text)
        for passage in chunk_document(doc):
            start, end = spans[passage.paragraph]
            assert start <= passage.start < passage.end <= end


@pytest.mark.parametrize("max_words", [30, 60])
def test_seed_max_words(seeds: list[Document], max_words: int) -> None:
    for passage in chunk_documents(seeds, max_words=max_words):
        assert len(passage.sentences) == 1 or word_count(passage.text) <= max_words


def test_chunk_documents_is_concatenation(seeds: list[Document], passages: list[Passage]) -> None:
    assert passages == [p for doc in seeds for p in chunk_document(doc)]
    assert Passage.from_dict(passages[0].to_dict()) == passages[0]


@pytest.mark.parametrize("boiler", BOILERPLATE)
def test_no_boilerplate_in_passages(passages: list[Passage], boiler: str) -> None:
    for passage in passages:
        assert boiler not in passage.text, passage.text


def test_no_broken_words_in_passages(passages: list[Passage]) -> None:
    for passage in passages:
        assert "\n" not in passage.text
        assert not re.search(r"[^\W\d_]- [a-zà-ÿ]", passage.text), passage.text
    texts = " ".join(p.text for p in passages if p.source.startswith("002"))
    assert "Financial" in texts and "surveillance" in texts and "Finan- cial" not in texts


def test_seed_numbers_inside_one_sentence(seeds: list[Document], passages: list[Passage]) -> None:
    docs = {doc.source: doc for doc in seeds}
    sentences = [clean(docs[p.source].text[a:b]) for p in passages for a, b in p.sentences]
    for number in ("3,3 millions", "494,25", "1.100", "2,76 milliards"):
        holders = [s for s in sentences if number in s]
        assert len(holders) == 1, number
        assert len(holders[0].split()) > 8  # a real sentence, not a fragment


def test_seed_bullet_is_its_own_unit(seeds: list[Document], passages: list[Passage]) -> None:
    doc = seeds[0]
    (passage,) = [p for p in passages if "56 000 caméras" in p.text]
    assert passage.text.startswith("• En Europe, Paris") and passage.text.endswith("9 000.")
    assert len(passage.sentences) == 1
    assert doc.text[passage.start : passage.end].count("•") == 1


def test_seed_footnote_and_sources(seeds: list[Document]) -> None:
    doc = seeds[0]
    start, end = paragraphs(doc.text)[0]
    texts = [clean(doc.text[a:b]) for a, b in split_sentences(doc.text, start, end)]
    assert texts[1].endswith("uniquement en Chine 1.")
    assert texts[2].startswith("Le pays compte")
    first = [p for p in chunk_document(doc) if p.text.startswith("1. Paul Bischoff")]
    assert len(first) == 1 and len(first[0].sentences) == 1
