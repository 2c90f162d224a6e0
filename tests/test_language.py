"""Which language a question is written in."""

from __future__ import annotations

import pytest

from survqa.language import detect_language


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Combien de caméras compte Paris ?", "fr"),
        ("Et à Berlin ?", "fr"),
        ("How many cameras does Paris have?", "en"),
        ("¿Cuántas cámaras hay en Belgrado?", "es"),
        ("Wie viele Kameras gibt es in Belgrad?", "de"),
        ("Quante telecamere ci sono a Belgrado?", "it"),
        ("Quantas câmeras existem em Belgrado, segundo o relatório?", "pt"),
        ("Qu’est-ce que le crédit social ?", "fr"),
        ("What is the social credit system?", "en"),
    ],
)
def test_detect_language(question: str, language: str) -> None:
    assert detect_language(question) == language


@pytest.mark.parametrize("question", ["", "Huawei ?", "56 000", "📹", "Xinjiang Urumqi"])
def test_undecided_is_french(question: str) -> None:
    assert detect_language(question) == "fr"


def test_accented_letters_tip_the_balance() -> None:
    assert detect_language("Überwachung Straße") == "de"
    assert detect_language("Señal") == "es"
    assert detect_language("Sécurité") == "fr"
