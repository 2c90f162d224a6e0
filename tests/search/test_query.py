"""Stage 1, prepare: the question checked, follow-ups resolved, analysed and embedded."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PARIS, FakeEmbedder

from survqa.analysis import tokenize
from survqa.search.query import (
    Query,
    embed_question,
    expected_answer,
    is_follow_up,
    prepare,
    resolve,
    term_groups,
)
from survqa.settings import Settings
from survqa.translation import Lexicon

# a hand-made English lexicon: foreign stem -> French corpus terms
LEXICON = Lexicon({"en": {"camera": frozenset({"cam", "video"})}}, tokenize)
NO_LEXICON = Lexicon({}, tokenize)


def test_follow_up_resolution() -> None:
    assert is_follow_up("Et à Berlin ?")
    assert is_follow_up("And Madrid?")
    assert not is_follow_up(PARIS)
    history = [PARIS]
    assert resolve("Et à Berlin ?", history) == f"{PARIS} Et à Berlin ?"
    assert resolve("Qui est Chen Quanguo ?", history) == "Qui est Chen Quanguo ?"
    assert resolve("Et à Berlin ?", []) == "Et à Berlin ?"


def test_short_questions_and_pronouns_lean_on_the_previous_turn() -> None:
    assert is_follow_up("Huawei ?")  # one term
    assert is_follow_up("Qui fournit ces caméras ?")  # few terms and "ces"
    assert not is_follow_up("Qui fournit les caméras de Belgrade au gouvernement serbe ?")


def test_resolve_takes_two_turns_when_the_last_one_leans_too() -> None:
    history = ["Quelle entreprise équipe Belgrade ?", "Qui fournit ces caméras ?"]
    assert resolve("Et à Nice ?", history) == " ".join([*history, "Et à Nice ?"])
    standalone = ["Que dit la Cnil ?", "Quelle entreprise équipe Belgrade ?"]
    assert resolve("Et à Nice ?", standalone) == "Quelle entreprise équipe Belgrade ? Et à Nice ?"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        (PARIS, "number"),
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


def test_prepare_a_standalone_question() -> None:
    embedder = FakeEmbedder()
    query = prepare(f"  {PARIS}\u200b ", None, embedder, Settings(), LEXICON)
    assert isinstance(query, Query)
    assert query.question == query.searched == PARIS
    assert (query.language, query.expects, query.foreign) == ("fr", "number", False)
    assert query.terms == tuple(tokenize(PARIS)) == ("cam", "compt", "paris")
    assert query.groups == (frozenset({"cam"}), frozenset({"compt"}), frozenset({"paris"}))
    np.testing.assert_array_equal(query.vector, embedder.embed_queries([PARIS])[0])
    assert embedder.calls == 2  # one for the question, one for the check above


def test_french_groups_are_one_term_each_and_ignore_the_lexicon() -> None:
    question = "Paris compte-t-il plus de caméras que Paris ?"
    groups = term_groups(question, "fr", LEXICON)
    assert groups == tuple(frozenset([t]) for t in dict.fromkeys(tokenize(question)))
    assert groups.count(frozenset({"paris"})) == 1  # each term once


def test_foreign_groups_come_from_the_lexicon() -> None:
    question = "How many cameras does Paris have? Cameras!"
    groups = term_groups(question, "en", LEXICON)
    # one group a content word ("how", "many", "does" are stopwords), each group once:
    # "cameras" -> its own French term "cam" and the translations of the stem "camera"
    assert groups == (frozenset({"cam", "video"}), frozenset({"paris"}), frozenset({"hav"}))
    assert term_groups(question, "en", NO_LEXICON) == (
        frozenset({"cam"}), frozenset({"paris"}), frozenset({"hav"}),
    )  # fmt: skip
    query = prepare(question, None, FakeEmbedder(), Settings(), LEXICON)
    assert query.foreign and query.groups == groups
    assert query.terms == ("cam", "video", "paris", "hav")  # each group's members, sorted


def test_prepare_a_follow_up_blends_its_words_with_its_context() -> None:
    embedder = FakeEmbedder()
    query = prepare("And in Berlin?", [PARIS], embedder, Settings(), LEXICON)
    assert query.searched == f"{PARIS} And in Berlin?" and query.question == "And in Berlin?"
    assert query.language == "en" and query.foreign
    # the groups are those of the whole searched text, in the question's language
    assert query.groups == term_groups(query.searched, "en", LEXICON)
    assert frozenset({"berlin"}) in query.groups and frozenset({"paris"}) in query.groups
    own, context = embedder.embed_queries([query.question, query.searched])
    blend = (own + context) / np.linalg.norm(own + context)
    np.testing.assert_allclose(query.vector, blend, rtol=1e-6)
    assert query.vector.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(query.vector), 1.0, rtol=1e-6)
    same = embed_question(embedder, "Paris", "Paris")
    np.testing.assert_array_equal(same, embedder.embed_queries(["Paris"])[0])


def test_prepare_applies_the_input_rules() -> None:
    with pytest.raises(ValueError, match="question is empty"):
        prepare(" ?! ", None, FakeEmbedder(), Settings(), LEXICON)
    with pytest.raises(TypeError, match="history must"):
        prepare(PARIS, "Paris", FakeEmbedder(), Settings(), LEXICON)  # type: ignore[arg-type]
    short = prepare("caméras " * 100, None, FakeEmbedder(), Settings(max_query_chars=20), LEXICON)
    assert short.question == "caméras caméras camé" == short.searched
