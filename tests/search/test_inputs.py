"""The input rules of :mod:`survqa.search.inputs`: what a question, ``k``, a history and a
source filter must be.

Each rule is tested once as a function, then once through ``Assistant.ask`` (fake model, tiny
corpus) with the same cases, then fuzzed with hypothesis: any input either answers with
verbatim excerpts or raises ValueError / TypeError with a message. The CLI's exit statuses
are in tests/apps/test_cli.py, the web handlers' in tests/apps/test_webui.py.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import (
    INDEX,
    PARIS,
    SEEDS,
    TINY,
    FakeEmbedder,
    assert_verbatim,
    fingerprint,
    write_corpus,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survqa import Assistant, Settings
from survqa.records import Answer
from survqa.search.inputs import (
    MAX_HISTORY,
    check_history,
    check_k,
    check_question,
    check_sources,
    coerce_k,
    normalise_question,
)

MAX = Settings().max_query_chars
MAX_K = Settings().max_k
KNOWN = ["a.txt", "b.txt"]


@pytest.fixture(scope="module")
def fast(tiny_assistant: Assistant) -> Assistant:
    return tiny_assistant


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Path:
    return tiny_assistant.corpus_dir


# ---------------------------------------------------------------- the question

EMPTY = ["", " ", "   ", " \t\n\r ", "?", "?!…", "?? !!", "?!...;:", "« » — …", "\x00\x01",
         "\x00\x01\x1b", "\u200b\u202e", "\u200b\u200d\ufeff", "\u202e\u2066\u2069", "\ud800",
         "\udcff\udcfe", "📹🔥🇫🇷"]  # fmt: skip
NOT_STR = [None, 3, 2.5, b"Paris", b"bytes", ["Paris"], ["list"], {"q": "Paris"}]


@pytest.mark.parametrize("bad", EMPTY)
def test_empty_questions_are_value_errors(bad: str) -> None:
    with pytest.raises(ValueError, match="question is empty"):
        check_question(bad, MAX)


@pytest.mark.parametrize("bad", NOT_STR)
def test_non_strings_are_type_errors(bad: object) -> None:
    with pytest.raises(TypeError, match="question must be a str"):
        check_question(bad, MAX)


def test_control_invisible_and_surrogate_characters_are_removed() -> None:
    cleaned = check_question("Pa\x00ris\u200b \ud800caméras\u202e ?", MAX)
    assert cleaned == "Pa ris caméras ?"
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in cleaned)
    assert check_question("Com\u200bbien de ca\u00adméras", MAX) == "Combien de caméras"
    assert check_question(" a\t\n\r b ", MAX) == "a b"


def test_nfc_and_truncation() -> None:
    decomposed = unicodedata.normalize("NFD", "caméras")
    assert check_question(decomposed, MAX) == "caméras"
    assert len(check_question("mot " * 100_000, MAX)) <= MAX
    assert normalise_question("  un deux trois ", 7) == "un deux"  # cut, then stripped
    assert len(normalise_question("\x00" * 50_000 + "Paris", 2000)) <= 2000


@pytest.mark.parametrize("question", EMPTY)
def test_empty_questions_through_ask(fast: Assistant, question: str) -> None:
    with pytest.raises(ValueError, match="question is empty"):
        fast.ask(question)


@pytest.mark.parametrize(("question", "history"), [("", None), (None, None), (PARIS, "Paris")])
def test_bad_input_is_refused_before_any_index_is_loaded_or_built(
    tmp_path: Path, question: object, history: object
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    embedder = FakeEmbedder()
    assistant = Assistant(corpus, tmp_path / "index", embedder=embedder)
    with pytest.raises((ValueError, TypeError)):
        assistant.ask(question, history=history)  # type: ignore[arg-type]
    assert not (tmp_path / "index").exists() and embedder.calls == 0


@pytest.mark.parametrize("question", NOT_STR)
def test_non_string_questions_through_ask(fast: Assistant, question: object) -> None:
    with pytest.raises(TypeError, match="question must be a str"):
        fast.ask(question)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [1_000_000, 10_000_000])
def test_huge_question_is_cut_and_answered(fast: Assistant, corpus: Path, size: int) -> None:
    question = ("Paris caméras " * (size // 14 + 1))[:size]
    answer = fast.ask(question, 3)
    assert len(answer.query) <= MAX
    assert answer.excerpts and answer.excerpts[0].source == "a.txt"
    assert_verbatim(answer, corpus)


INVISIBLE = {
    "nul": "Combien de caméras\x00 compte Paris ?",
    "controls": "\x1bCombien de caméras\x07 compte\x08\x0b Paris ?\x7f\x9b",
    "zero-width": "Com\u200bbien de ca\u200dméras comp\u200cte Pa\u00adris ?\ufeff",
    "bidi": "\u202eCombien de caméras\u202c compte \u2067Paris\u2069 ?\u200f",
    "surrogates": "Combien de caméras \ud800compte Paris ?\udfff",
}


@pytest.mark.parametrize("name", sorted(INVISIBLE))
def test_invisible_characters_do_not_change_the_answer(fast: Assistant, name: str) -> None:
    clean = fast.ask(PARIS, 3)
    dirty = fast.ask(INVISIBLE[name], 3)
    assert fingerprint(dirty) == fingerprint(clean)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in dirty.query)


def test_decomposed_and_composed_accents_give_the_same_answer(fast: Assistant) -> None:
    composed = "La reconnaissance faciale inquiète-t-elle la Cnil à Belgrade ?"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fingerprint(fast.ask(decomposed)) == fingerprint(fast.ask(composed))


@pytest.mark.parametrize("question", [
    "📹 Combien de caméras 📹 compte Paris ? 🇫🇷👍🏽",
    "Paris 😀 ? مرحبا",
    "Pa\x00ris\u202e cam\ud800éras ?",
    "caméras " * 20_000,
    "كم عدد الكاميرات في باريس؟",
    "כמה מצלמות יש בפריז?",
    "<script>alert(1)</script> caméras Paris",
    "<img src=x onerror=alert(1)> caméras",
    "![x](http://127.0.0.1:9/x.png) [lien](javascript:alert(1)) caméras",
    "$$\\frac{1}{2}$$ \\input{/etc/passwd} caméras $x$",
    "' OR 1=1; DROP TABLE passages; -- caméras",
    "{{7*7}} ${jndi:ldap://127.0.0.1/x} %s%n caméras",
])  # fmt: skip
def test_odd_but_valid_questions_are_answered_verbatim(
    fast: Assistant, corpus: Path, question: str
) -> None:
    answer = fast.ask(question, 3)
    assert answer.question == question
    assert_verbatim(answer, corpus)
    json.dumps(answer.to_dict(), ensure_ascii=False)


# ---------------------------------------------------------------- k

BAD_K = [
    (0, ValueError), (-1, ValueError), (-3, ValueError), (-(10**30), ValueError),
    (1.5, TypeError), (2.5, TypeError), (float("nan"), TypeError), (float("inf"), TypeError),
    ("3", TypeError), (None, TypeError), (True, TypeError), (np.float64(2), TypeError),
]  # fmt: skip
LARGE_K = [1, 50, 51, 10_000, 10**9, 10**100, np.int64(2)]


@pytest.mark.parametrize(("k", "error"), BAD_K)
def test_bad_k_is_refused_with_a_message(k: object, error: type) -> None:
    with pytest.raises(error, match="k must be"):
        check_k(k, MAX_K)


@pytest.mark.parametrize("k", LARGE_K)
def test_k_is_an_int_capped_at_max_k(k: int) -> None:
    checked = check_k(k, MAX_K)
    assert type(checked) is int and checked == min(int(k), MAX_K)
    assert check_k(3, 50) == 3


@pytest.mark.parametrize(("k", "error"), BAD_K)
def test_bad_k_through_ask(fast: Assistant, k: object, error: type) -> None:
    with pytest.raises(error, match="k must be"):
        fast.ask(PARIS, k)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", LARGE_K)
def test_large_k_is_capped_through_ask(fast: Assistant, k: int) -> None:
    assert 1 <= len(fast.ask(PARIS, k).excerpts) <= min(int(k), MAX_K)


@pytest.mark.parametrize(
    ("value", "k"),
    [(5, 5), (2.9, 2), ("3", 3), (" 7 ", 7), (0, 1), (-5, 1), (1e308, 10), (10**100, 10),
     (np.float32(4.5), 4), (True, 1)],
)  # fmt: skip
def test_a_k_typed_in_a_form_is_coerced(value: object, k: int) -> None:
    assert coerce_k(value, 10) == k


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), "abc", "", None,
                                   [], {"a": 1}])  # fmt: skip
def test_a_form_k_that_is_no_finite_number(value: object) -> None:
    with pytest.raises(ValueError, match="k must be"):
        coerce_k(value, 10)


# ---------------------------------------------------------------- history

MALFORMED_HISTORY = ["Paris ?", "a string", b"Paris", {"q": 1}, {"a": 1}, 42, [1], [1, 2],
                     [None], [["Paris"]]]  # fmt: skip


def test_history_rules() -> None:
    assert check_history(None, 100) == []
    assert check_history(["  q1 ", "", "q2"], 100) == ["q1", "q2"]
    assert check_history(("q1", "q\u200b2"), 100) == ["q1", "q2"]
    assert len(check_history(["q"] * 1000, 100)) == MAX_HISTORY == 20
    assert check_history([f"q{i}" for i in range(30)], 100)[0] == "q10"  # the latest kept
    assert check_history(["", "\ud800", "\x00", "?!"], 100) == []
    assert check_history(["x" * 500], 100) == ["x" * 100]


@pytest.mark.parametrize("history", MALFORMED_HISTORY)
def test_malformed_history_is_a_type_error(history: object) -> None:
    with pytest.raises(TypeError, match="history must"):
        check_history(history, 100)


@pytest.mark.parametrize("history", MALFORMED_HISTORY)
def test_malformed_history_through_ask(fast: Assistant, history: object) -> None:
    with pytest.raises(TypeError, match="history must"):
        fast.ask("Et à Berlin ?", history=history)  # type: ignore[arg-type]


def test_huge_history_is_bounded(fast: Assistant, corpus: Path) -> None:
    many = [PARIS] * 100_000
    answer = fast.ask("Et à Berlin ?", history=many)
    assert answer.query == f"{PARIS} Et à Berlin ?"
    giant = fast.ask("Et à Berlin ?", history=["Paris caméras " * 800_000])
    assert len(giant.query) <= MAX + len(" Et à Berlin ?")
    junk = fast.ask("Et à Berlin ?", history=["", "\ud800", "\x00", "?!"])
    assert junk.query == "Et à Berlin ?"
    assert_verbatim(giant, corpus)


# ---------------------------------------------------------------- sources

MALFORMED_SOURCES = ["a.txt", [1], [None], [b"a.txt"], 3]


def test_sources_rules() -> None:
    assert check_sources(None, KNOWN) is None
    assert check_sources([], KNOWN) is None  # empty filter = whole corpus
    assert check_sources(["b.txt", "b.txt"], KNOWN) == frozenset({"b.txt"})
    assert check_sources({"a.txt", "b.txt"}, KNOWN) == frozenset(KNOWN)
    with pytest.raises(ValueError, match=r"unknown document\(s\) \['nope.txt'\]; known: \['a.txt'"):
        check_sources(["a.txt", "nope.txt"], KNOWN)
    with pytest.raises(ValueError, match="unknown"):
        check_sources(["../corpus/a.txt", "/etc/passwd"], KNOWN)


@pytest.mark.parametrize("bad", MALFORMED_SOURCES)
def test_malformed_sources_are_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="sources must be"):
        check_sources(bad, KNOWN)


def test_unknown_or_malformed_document_filter_through_ask(fast: Assistant) -> None:
    with pytest.raises(ValueError, match=r"unknown document\(s\) \['nope.txt'\]; known: \['a.txt'"):
        fast.ask(PARIS, sources=["nope.txt"])
    with pytest.raises(ValueError, match="unknown"):
        fast.ask(PARIS, sources=["../corpus/a.txt", "/etc/passwd"])
    for bad in MALFORMED_SOURCES:
        with pytest.raises(TypeError, match="sources must be"):
            fast.ask(PARIS, sources=bad)  # type: ignore[arg-type]


def test_source_filter_restricts_the_excerpts(fast: Assistant) -> None:
    answer = fast.ask("caméras", k=5, sources=["b.txt"])
    assert answer.excerpts and {e.source for e in answer.excerpts} == {"b.txt"}
    assert {e.source for e in fast.ask(PARIS, sources=["b.txt"]).excerpts} == {"b.txt"}
    assert fast.ask(PARIS, sources=[]).excerpts  # empty filter = whole corpus
    assert fingerprint(fast.ask(PARIS, sources=KNOWN)) == fingerprint(fast.ask(PARIS))


# ---------------------------------------------------------------- fuzzing (issue 6, part 1)


def repeat(piece_times: tuple[str, int]) -> str:
    """A long question (at most 100 000 characters) made of one generated piece."""
    piece, times = piece_times
    return (piece * times)[:100_000]


# any code point, surrogates included; plus runs of the characters most likely to break things
ANY_CHAR = st.characters(codec=None, categories=None)
NASTY = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\u200b", "\u202e", "\u0301", "\ufeff", "\u00ad", "é", "e\u0301",
     "📹", "🇫🇷", "ﷺ", "ǅ", "ß", "İ", "\n", "\t", " ", "'", "’", "«", "?", "<", "$", "[", "0",
     "56 000", "Paris", "caméras", "et"]
)  # fmt: skip
QUESTIONS = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(NASTY, max_size=60).map("".join),
    st.tuples(st.text(ANY_CHAR, max_size=20), st.integers(1, 100_000)).map(repeat),
    st.tuples(st.text(ANY_CHAR, min_size=500, max_size=1_000), st.integers(1, 200)).map(repeat),
)


def check(assistant: Assistant, corpus: Path, question: str, **kwargs: Any) -> None:
    try:
        answer = assistant.ask(question, **kwargs)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert isinstance(answer, Answer) and answer.question == question
    assert len(answer.query) <= 2 * MAX + 1
    for e in answer.excerpts:
        text = (corpus / e.source).read_text(encoding="utf-8")
        assert text[e.start : e.end] == e.text
        assert e.start <= e.answer_start < e.answer_end <= e.end


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(question=QUESTIONS)
def test_fuzz_questions_fake_model(fast: Assistant, corpus: Path, question: str) -> None:
    check(fast, corpus, question)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    question=QUESTIONS,
    k=st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=True), st.none(), st.text()),
    history=st.one_of(st.none(), st.lists(st.text(ANY_CHAR, max_size=200), max_size=30),
                      st.lists(st.one_of(st.none(), st.integers()), max_size=3)),
    sources=st.one_of(st.none(), st.lists(st.sampled_from(["a.txt", "b.txt", "zz.txt", ""]))),
)  # fmt: skip
def test_fuzz_all_arguments_fake_model(
    fast: Assistant, corpus: Path, question: str, k: object, history: object, sources: object
) -> None:
    check(fast, corpus, question, k=k, history=history, sources=sources)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index = tmp_path_factory.mktemp("fuzz-real") / "index"
    shutil.copytree(INDEX, index)
    assistant = Assistant(SEEDS, index)
    assistant.load()
    return assistant


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    question=st.one_of(st.text(ANY_CHAR, max_size=100), st.lists(NASTY, max_size=30).map("".join))
)
def test_fuzz_questions_real_model(real: Assistant, question: str) -> None:
    check(real, SEEDS, question)
