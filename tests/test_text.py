"""Reading forms of raw text: hyphenation joined, whitespace collapsed, offsets kept."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survqa.records import Document
from survqa.text import clean, clean_with_offsets, display, word_count


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Finan-\ncial", "Financial"),
        ("surveil-\nlance", "surveillance"),
        ("sur-\nveillance", "surveillance"),
        ("sur- \n\n veillance", "surveillance"),
        ("U.S.-China", "U.S.-China"),
        ("État-providence", "État-providence"),
        ("Delbos-Corfield", "Delbos-Corfield"),
        ("Lefort-\nLavauzelle", "Lefort-Lavauzelle"),
        ("1 000 -\n2 000", "1 000 - 2 000"),
        ("  un\n\ndeux \t trois\u00a0quatre  ", "un deux trois quatre"),
        ("", ""),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_offsets_round_trip() -> None:
    text = " Une notifi-\ncation  arrive,\n\nd’État-providence. Finan-\ncial\n"
    cleaned = clean_with_offsets(text)
    assert cleaned.text == "Une notification arrive, d’État-providence. Financial"
    assert len(cleaned.offsets) == len(cleaned.text)
    assert list(cleaned.offsets) == sorted(set(cleaned.offsets))
    for i, char in enumerate(cleaned.text):
        original = text[cleaned.offsets[i]]
        assert original == char or (char == " " and original.isspace())
    start = cleaned.text.index("notification")
    a, b = cleaned.to_original(start, start + len("notification"))
    assert text[a:b] == "notifi-\ncation"
    assert cleaned.to_original(0, 0) == (1, 1)
    assert cleaned.to_original(len(cleaned.text), len(cleaned.text)) == (len(text) - 1,) * 2
    assert clean_with_offsets("").to_original(0, 0) == (0, 0)


@given(st.text(alphabet="ab -\n\t\u00a0éÉ.", max_size=60))
def test_clean_offsets_property(text: str) -> None:
    cleaned = clean_with_offsets(text)
    assert len(cleaned.offsets) == len(cleaned.text)
    assert all(a < b for a, b in itertools.pairwise(cleaned.offsets))
    for char, offset in zip(cleaned.text, cleaned.offsets, strict=True):
        assert text[offset] == char or (char == " " and text[offset].isspace())
    assert cleaned.text == cleaned.text.strip() and "  " not in cleaned.text
    assert clean(text) == cleaned.text
    if cleaned.text:
        a, b = cleaned.to_original(0, len(cleaned.text))
        assert clean(text[a:b]) == cleaned.text


def test_clean_on_seeds_maps_back(seeds: list[Document]) -> None:
    for doc in seeds:
        cleaned = clean_with_offsets(doc.text)
        assert len(cleaned.offsets) == len(cleaned.text)
        for i in range(0, len(cleaned.text), 7):
            original = doc.text[cleaned.offsets[i]]
            assert original == cleaned.text[i] or original.isspace() or original == "-"
        word = "surveillance"
        start = cleaned.text.find(word)
        if start >= 0:
            a, b = cleaned.to_original(start, start + len(word))
            assert clean(doc.text[a:b]) == word


@pytest.mark.parametrize(
    ("piece", "shown"),
    [
        ("", ""),
        ("   ", " "),
        ("Intro.\n", "Intro. "),
        ("\nParis compte", " Paris compte"),
        (" notifi-\ncation ", " notification "),
        ("mot", "mot"),
    ],
)
def test_display_keeps_one_edge_space(piece: str, shown: str) -> None:
    assert display(piece) == shown


def test_word_count_reads_the_cleaned_form() -> None:
    assert word_count("Ant Finan-\ncial  Services\n\n") == 3
    assert word_count(" \n ") == 0
