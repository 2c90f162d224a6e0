"""Validation and normalisation of questions, k and history; follow-up detection."""

import unicodedata

import pytest

from survqa.question import (
    check_history,
    check_k,
    check_question,
    expected_answer,
    is_follow_up,
    resolve,
)


@pytest.mark.parametrize("bad", ["", "   ", "?!…", "\x00\x01", "\u200b\u202e"])
def test_empty_questions_are_value_errors(bad: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        check_question(bad, 2000)


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["list"]])
def test_non_strings_are_type_errors(bad: object) -> None:
    with pytest.raises(TypeError):
        check_question(bad, 2000)


def test_control_invisible_and_surrogate_characters_are_removed() -> None:
    cleaned = check_question("Pa\x00ris\u200b \ud800caméras\u202e ?", 2000)
    assert cleaned == "Pa ris caméras ?"
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in cleaned)


def test_nfc_and_truncation() -> None:
    decomposed = unicodedata.normalize("NFD", "caméras")
    assert check_question(decomposed, 2000) == "caméras"
    assert len(check_question("mot " * 100_000, 2000)) <= 2000


def test_k_rules() -> None:
    assert check_k(3, 50) == 3
    assert check_k(10_000, 50) == 50
    for bad in (0, -1):
        with pytest.raises(ValueError):
            check_k(bad, 50)
    for bad in (1.5, "3", True, None):
        with pytest.raises(TypeError):
            check_k(bad, 50)


def test_history_rules() -> None:
    assert check_history(None, 100) == []
    assert check_history(["  q1 ", "", "q2"], 100) == ["q1", "q2"]
    assert len(check_history(["q"] * 1000, 100)) == 20
    for bad in ("a string", [1, 2], {"a": 1}):
        with pytest.raises(TypeError):
            check_history(bad, 100)


def test_follow_up_resolution() -> None:
    assert is_follow_up("Et à Berlin ?")
    assert is_follow_up("And Madrid?")
    assert not is_follow_up("Combien de caméras compte Paris ?")
    history = ["Combien de caméras compte Paris ?"]
    assert resolve("Et à Berlin ?", history) == "Combien de caméras compte Paris ? Et à Berlin ?"
    assert resolve("Qui est Chen Quanguo ?", history) == "Qui est Chen Quanguo ?"
    assert resolve("Et à Berlin ?", []) == "Et à Berlin ?"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Combien de caméras compte Paris ?", "number"),
        ("How many cameras does Paris have?", "number"),
        ("En quelle année le projet a-t-il commencé ?", "date"),
        ("Pourquoi le pouvoir surveille-t-il sa population ?", "reason"),
        ("Why does the Party watch its people?", "reason"),
        ("¿Por qué vigila el gobierno?", "reason"),
        ("Warum überwacht die Regierung?", "reason"),
        ("Qui a fondé l’entreprise ?", "name"),
        ("Quelle entreprise a vendu ces caméras ?", "name"),
        ("Que signifie Yinsi ?", None),
    ],
)
def test_expected_answer_kind(question: str, kind: str | None) -> None:
    assert expected_answer(question) == kind
