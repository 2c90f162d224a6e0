"""The key figure, date or name inside an answering sentence (real sentences of the seeds)."""

from __future__ import annotations

import pytest

from survqa.apps.emphasis import key_in_file, key_span

PARIS = ("• En Europe, Paris (dont l’agglomération regroupe 11 millions d’habitants) compte "
         "56 000 caméras, Madrid 25 000, Rome 22 000 et Berlin moins de 9 000.")  # fmt: skip
BELGRADE = ("Le gouvernement serbe développe activement le projet « ville sûre » à Belgrade, "
            "avec des caméras Huawei installées à un rythme effréné.")  # fmt: skip


def found(sentence: str, question: str, **kw: object) -> str | None:
    span = key_span(sentence, question, **kw)  # type: ignore[arg-type]
    return None if span is None else sentence[span[0] : span[1]]


@pytest.mark.parametrize(("question", "expected"), [
    ("Combien de caméras compte Paris ?", "56 000"),
    ("How many cameras are there in Rome?", "22 000"),
    ("Combien d'habitants compte l'agglomération parisienne ?", "11 millions"),
])  # fmt: skip
def test_the_number_asked_for(question: str, expected: str) -> None:
    assert found(PARIS, question) == expected


def test_a_follow_up_uses_the_earlier_question() -> None:
    assert found(PARIS, "Et à Berlin ?", context="Combien de caméras compte Paris ?") == "9 000"


def test_names_and_dates() -> None:
    assert found(BELGRADE, "Quelle entreprise fournit les caméras de Belgrade ?") == "Huawei"
    sentence = "Le congrès Smart City Expo, organisé à Barcelone depuis 2011, est la référence."
    assert found(sentence, "Depuis quand le Smart City Expo est-il organisé ?") == "2011"


@pytest.mark.parametrize("question", [
    "Qu'est-ce que le crédit social ?",  # asks for no figure
    "Pourquoi la Chine exporte-t-elle ses caméras ?",
    "Qui est Chen Quanguo ?",  # asks for a description, not a name
])  # fmt: skip
def test_no_emphasis_when_the_question_asks_for_no_figure(question: str) -> None:
    assert found(PARIS, question) is None


def test_a_footnote_number_or_a_number_from_the_question_is_not_the_answer() -> None:
    sentence = "Environ un milliard de caméras seraient installées, dont 700 millions en Chine 1."
    assert found(sentence, "Sur le milliard de caméras, combien sont en Chine ?") == "700 millions"
    assert found("Il y a 4 caméras.", "Y a-t-il 4 caméras ?") is None


def test_key_in_file_counts_line_breaks_as_spaces() -> None:
    raw = "Paris compte 56 000\ncaméras."
    assert key_in_file(100, raw, "Combien de caméras compte Paris ?") == (113, 119)
