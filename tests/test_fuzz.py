"""Property-based fuzzing of ask() (issue 6, part 1): arbitrary Unicode never crashes it.

Every call either answers with verbatim excerpts or raises ValueError / TypeError with a
message; nothing else. The fast run uses the FakeEmbedder over the tiny corpus, the slow one
the real default assistant (real model, real index).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TINY, FakeEmbedder, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survqa import Assistant, Settings
from survqa.records import Answer

ROOT = Path(__file__).resolve().parents[1]
MAX = Settings().max_query_chars

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
JOIN = "".join
QUESTIONS = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(NASTY, max_size=60).map("".join),
    st.tuples(st.text(ANY_CHAR, max_size=20), st.integers(1, 100_000)).map(repeat),
    st.tuples(st.text(ANY_CHAR, min_size=500, max_size=1_000), st.integers(1, 200)).map(repeat),
)


def check(assistant: Assistant, corpus: Path, question: str, **kwargs: object) -> None:
    try:
        answer = assistant.ask(question, **kwargs)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert isinstance(answer, Answer) and answer.question == question
    assert len(answer.query) <= 2 * MAX + 1
    for e in answer.excerpts:
        text = (corpus / e.source).read_text(encoding="utf-8")
        assert text[e.start : e.end] == e.text
        assert e.start <= e.answer_start < e.answer_end <= e.end


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assistant, Path]:
    corpus = write_corpus(tmp_path_factory.mktemp("fuzz") / "corpus", TINY)
    assistant = Assistant(corpus, corpus.parent / "index", embedder=FakeEmbedder())
    assistant.load()
    return assistant, corpus


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(question=QUESTIONS)
def test_fuzz_questions_fake_model(tiny: tuple[Assistant, Path], question: str) -> None:
    check(*tiny, question)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    question=QUESTIONS,
    k=st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=True), st.none(), st.text()),
    history=st.one_of(st.none(), st.lists(st.text(ANY_CHAR, max_size=200), max_size=30),
                      st.lists(st.one_of(st.none(), st.integers()), max_size=3)),
    sources=st.one_of(st.none(), st.lists(st.sampled_from(["a.txt", "b.txt", "zz.txt", ""]))),
)  # fmt: skip
def test_fuzz_all_arguments_fake_model(
    tiny: tuple[Assistant, Path], question: str, k: object, history: object, sources: object
) -> None:
    check(*tiny, question, k=k, history=history, sources=sources)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assistant, Path]:
    index = tmp_path_factory.mktemp("fuzz-real") / "index"
    shutil.copytree(ROOT / "index", index)
    assistant = Assistant(ROOT / "seeds", index)
    assistant.load()
    return assistant, ROOT / "seeds"


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(question=st.one_of(st.text(ANY_CHAR, max_size=100), st.lists(NASTY, max_size=30).map(JOIN)))
def test_fuzz_questions_real_model(real: tuple[Assistant, Path], question: str) -> None:
    check(*real, question)
