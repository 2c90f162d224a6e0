"""Assistant.ask with the fake embedder: the contract, verbatim excerpts, input rules."""

import itertools
import shutil
import threading
from pathlib import Path

import pytest

from survqa import Assistant
from survqa.records import Answer


@pytest.fixture
def assistant(tiny_corpus: Path, tmp_path: Path, fake_embedder) -> Assistant:
    return Assistant(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder=fake_embedder)


def _verbatim(assistant: Assistant, answer: Answer) -> None:
    for e in answer.excerpts:
        original = (assistant.corpus_dir / e.source).read_text(encoding="utf-8")
        assert e.text == original[e.start : e.end]
        assert e.start <= e.answer_start < e.answer_end <= e.end
        assert e.answer == original[e.answer_start : e.answer_end]
        for c in e.also_in:
            assert (
                c.text
                == (assistant.corpus_dir / c.source).read_text(encoding="utf-8")[c.start : c.end]
            )


def test_contract_fields(assistant: Assistant) -> None:
    answer = assistant.ask("Combien de caméras compte Paris ?", k=2)
    assert answer.question == "Combien de caméras compte Paris ?"
    assert isinstance(answer.no_answer, bool) and isinstance(answer.excerpts, list)
    assert 1 <= len(answer.excerpts) <= 2
    first = answer.excerpts[0]
    assert "56 000 caméras" in first.text and first.source == "a.txt"
    assert first.title == "Les caméras de Paris" and isinstance(first.score, float)
    assert first.confidence in ("high", "medium", "low")
    _verbatim(assistant, answer)
    assert set(answer.to_dict()) >= {"question", "no_answer", "excerpts"}


def test_builds_missing_index_then_reuses_it(assistant: Assistant, fake_embedder) -> None:
    assistant.ask("Huawei à Belgrade ?")
    built = fake_embedder.texts
    again = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=fake_embedder)
    again.ask("Huawei à Belgrade ?")
    assert fake_embedder.texts == built + 1  # only the question was embedded


def test_deleted_index_is_rebuilt(assistant: Assistant) -> None:
    assistant.ask("Huawei ?")
    shutil.rmtree(assistant.index_dir)
    fresh = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=assistant.embedder)
    assert fresh.ask("Huawei ?").excerpts
    assert (assistant.index_dir / "manifest.json").is_file()


def test_edited_seed_makes_index_stale_and_rebuilt(assistant: Assistant) -> None:
    assistant.ask("Huawei ?")
    path = assistant.corpus_dir / "b.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nLa ville compte 6 000 caméras de plus.\n",
        encoding="utf-8",
    )
    fresh = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=assistant.embedder)
    answer = fresh.ask("Combien de caméras de plus ?")
    assert any("6 000 caméras de plus" in e.text for e in answer.excerpts)
    _verbatim(fresh, answer)


def test_source_filter_and_unknown_source(assistant: Assistant) -> None:
    answer = assistant.ask("caméras", k=5, sources=["b.txt"])
    assert answer.excerpts and {e.source for e in answer.excerpts} == {"b.txt"}
    with pytest.raises(ValueError, match="unknown document"):
        assistant.ask("caméras", sources=["nope.txt"])
    with pytest.raises(TypeError):
        assistant.ask("caméras", sources="b.txt")


@pytest.mark.parametrize("bad", ["", "   ", "?? !!"])
def test_empty_questions(assistant: Assistant, bad: str) -> None:
    with pytest.raises(ValueError):
        assistant.ask(bad)


def test_bad_types_and_k(assistant: Assistant) -> None:
    with pytest.raises(TypeError):
        assistant.ask(None)  # type: ignore[arg-type]
    for bad_k in (0, -3):
        with pytest.raises(ValueError):
            assistant.ask("Paris", k=bad_k)
    for bad_k in (2.5, "3"):
        with pytest.raises(TypeError):
            assistant.ask("Paris", k=bad_k)  # type: ignore[arg-type]
    assert len(assistant.ask("caméras", k=10_000).excerpts) <= assistant.settings.max_k


def test_hostile_characters_and_huge_questions_are_answered(assistant: Assistant) -> None:
    for question in ("Pa\x00ris\u202e cam\ud800éras ?", "caméras " * 20_000, "Paris 😀 ? مرحبا"):
        answer = assistant.ask(question)
        _verbatim(assistant, answer)


def test_k_limits_and_excerpts_do_not_overlap(assistant: Assistant) -> None:
    answer = assistant.ask("caméras Paris Belgrade Huawei Cnil", k=10)
    spans = sorted((e.source, e.start, e.end) for e in answer.excerpts)
    for (s1, _, b1), (s2, a2, _) in itertools.pairwise(spans):
        assert s1 != s2 or b1 <= a2


def test_thread_safe(assistant: Assistant) -> None:
    expected = assistant.ask("Huawei Belgrade").to_dict()
    expected.pop("elapsed_ms")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                got = assistant.ask("Huawei Belgrade").to_dict()
                got.pop("elapsed_ms")
                assert got == expected
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_changed_corpus_re_embeds_only_new_text(assistant: Assistant, fake_embedder) -> None:
    assistant.ask("Huawei ?")
    (assistant.corpus_dir / "c.txt").write_text(
        "Un nouveau document. Il parle de Lyon.\n", encoding="utf-8"
    )
    before = fake_embedder.texts
    fresh = Assistant(assistant.corpus_dir, assistant.index_dir, embedder=fake_embedder)
    answer = fresh.ask("Lyon ?")
    # the new document only: its passage, its two sentences, their (identical) window
    # "Un nouveau document. Il parle de Lyon.", plus the question
    assert fake_embedder.texts - before == 1 + 2 + 1 + 1
    assert answer.excerpts[0].source == "c.txt"
