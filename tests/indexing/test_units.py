"""Units that cannot answer (references, captions, credits, share lines, bylines,
fragments): the rules on made-up documents, then the labels of the real seeds."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import INDEX

from survqa.indexing.chunking import chunk_documents
from survqa.indexing.sentences import Sentence, build_sentences, from_jsonl
from survqa.indexing.units import (
    BYLINE,
    CAPTION,
    CREDIT,
    FRAGMENT,
    REFERENCE,
    SHARE,
    Unit,
    cannot_answer,
    classify_units,
    is_citation,
)
from survqa.records import Document
from survqa.settings import Settings


def _doc(paragraphs: list[str]) -> tuple[str, list[Unit]]:
    text, units, pos = "", [], 0
    for k, para in enumerate(paragraphs):
        units.append(Unit(pos, pos + len(para), k))
        text += para + "\n\n"
        pos = len(text)
    return text, units


BODY = "La Chine compte environ 700 millions de caméras, selon plusieurs estimations."


def test_reference_section_and_entries() -> None:
    text, units = _doc(
        [
            "Titre de l'article sur la surveillance",
            BODY,
            "Sources",
            "1. Paul Bischoff, « Surveillance camera statistics », Comparitech, 25 juin 2025.",
            "2. Erik Green et Meia Nouwens, The Global Security Initiative, IISS, octobre 2024.",
        ]
    )
    assert classify_units(text, units) == [None, None, REFERENCE, REFERENCE, REFERENCE]


def test_citation_needs_a_date_and_commas() -> None:
    assert is_citation("Charles Rollet, « Uniview Revealed », IPVM, 16 novembre 2020.")
    assert is_citation("Voir https://example.org/rapport")
    assert not is_citation(
        "Un million de personnes auraient été envoyées dans ces camps depuis 2017."
    )


def test_credit_share_fragment() -> None:
    text, units = _doc(
        [
            BODY,
            "Dans un café de Belgrade. (Image d'illustration) AP - Darko Vojinovic",
            "La skyline de Shenzhen, février 2021. Wikimedia |",
            "NewsletterRecevez toute l'actualité internationale directement dans votre boite mail",
            "- Publicité -",
            "mra/liu/tq/rhl",
            BODY,
        ]
    )
    labels = classify_units(text, units)
    assert labels[1:6] == [CREDIT, CREDIT, SHARE, SHARE, FRAGMENT]
    assert labels[0] is None and labels[6] is None


def test_closing_byline_and_caption_after_it() -> None:
    text, units = _doc(
        [
            BODY,
            BODY,
            BODY,
            "Patrice Lefort-Lavauzelle",
            "La vie deviendra-t-elle un concours ?",
        ]
    )
    assert classify_units(text, units)[3:] == [BYLINE, CAPTION]


def test_quote_attribution_is_not_a_byline() -> None:
    text, units = _doc(
        [
            "« Le sentiment de sécurité est le meilleur cadeau »",
            "Li Meng, vice-ministre",
            BODY,
            BODY,
        ]
    )
    assert classify_units(text, units)[1] is None


def test_spaced_stop_caption() -> None:
    text, units = _doc(
        [BODY, "Le système pourrait nuire à la solidarité sociale .", BODY, BODY, BODY]
    )
    assert classify_units(text, units)[1] == CAPTION


def test_labels_of_one_paragraph_unit_per_line_and_cannot_answer() -> None:
    text, units = _doc([BODY, "Partager sur Twitter", "Ce"])
    labels = classify_units(text, units)
    assert labels == [None, SHARE, FRAGMENT]
    assert cannot_answer(labels) == [False, True, True]
    assert classify_units("", []) == []


def test_a_list_item_after_the_reference_list_ends_it() -> None:
    text, units = _doc(
        [BODY, "Notes", "1. Erik Green, « Surveillance », IISS, octobre 2024.", BODY, BODY, BODY]
    )
    assert classify_units(text, units) == [None, REFERENCE, REFERENCE, None, None, None]


# ---------------------------------------------------------------- the real seeds


@pytest.fixture(scope="module")
def seed_rows(seeds: list[Document]) -> list[tuple[str, Sentence]]:
    """(file, sentence) of every row of the seeds' sentence table, built from the text."""
    passages = chunk_documents(seeds, Settings().passage_words)
    rows = build_sentences(passages, {d.source: d for d in seeds})
    return [(passages[s.passage].source, s) for s in rows]


def _labelled(rows: list[tuple[str, Sentence]], source: str) -> list[tuple[str | None, str]]:
    return [(s.role, s.text) for src, s in rows if src == source and s.role is not None]


def test_the_reference_list_of_000_is_labelled_entry_by_entry(seed_rows) -> None:
    doc = [(s.role, s.text) for src, s in seed_rows if src == "000_4dc79184bdaaea80.txt"]
    start = [text for _, text in doc].index("Sources")
    assert {role for role, _ in doc[start:]} == {REFERENCE} and len(doc[start:]) == 7
    entries = [text for _, text in doc[start + 1 :]]
    assert [e.split(".", 1)[0] for e in entries] == ["1", "2", "3", "4", "5", "6"]
    assert entries[0].startswith("1. Paul Bischoff, « Surveillance camera statistics")
    assert entries[3] == (
        "4. Charles Rollet, « Uniview Racist Uyghur Recognition Revealed », IPVM, 16 novembre 2020."
    )
    assert all(role is None for role, _ in doc[:start])  # the body above it can answer
    assert doc[start - 1][1].startswith("• En Europe, cinq pays")


def test_the_bylines_captions_and_fragment_of_002_and_003(seed_rows) -> None:
    assert _labelled(seed_rows, "002_57e457aff61ca5f8.txt") == [
        (FRAGMENT, "Ce"),  # "Ce" then a PDF caption cut the sentence "Ce tableau …"
        (CAPTION, "Le système de surveillance et d’évaluation pourrait encourager "
                  "l’individualisme déjà fort au sein de la société chinoise et nuire à la "
                  "solidarité sociale ."),
        (BYLINE, "Patrice Lefort-Lavauzelle"),
        (CAPTION, "La vie deviendra-t-elle un grand concours à évaluation permanente en "
                  "fonction de son propre « crédit social » ?"),
    ]  # fmt: skip
    assert _labelled(seed_rows, "003_dd7034ebacab1c8c.txt") == [
        (BYLINE, "Stéphane Aymard, Ingénieur de Recherche, La Rochelle Université")
    ]
    assert _labelled(seed_rows, "001_c2f8cadc7eb2a992.txt") == []
    assert _labelled(seed_rows, "004_fb54ba13254649be.txt") == []


def test_quote_attributions_and_section_headings_of_the_seeds_can_answer(seed_rows) -> None:
    roles = {s.text: s.role for _, s in seed_rows}
    assert roles["Li Meng, vice-ministre des sciences et de la technologie"] is None
    assert roles["Le Xinjiang, laboratoire du contrôle social"] is None
    assert roles["Conclusion : vers une guerre technologique"] is None
    assert Counter(s.role for _, s in seed_rows) == {
        None: len(seed_rows) - 12, REFERENCE: 7, CAPTION: 2, BYLINE: 2, FRAGMENT: 1,
    }  # fmt: skip


def test_the_committed_index_holds_the_same_roles(seed_rows) -> None:
    saved = from_jsonl((INDEX / "sentences.jsonl").read_text(encoding="utf-8"))
    assert [s.role for s in saved] == [s.role for _, s in seed_rows]
    assert saved == [s for _, s in seed_rows]
