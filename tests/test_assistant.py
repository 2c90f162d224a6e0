"""Assistant.ask with the fake embedder: the contract, verbatim excerpts, the stages run in
order, the index loaded, built, rebuilt and reused, threads. Input rules: tests/search/
test_inputs.py."""

import itertools
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import PARIS, assert_verbatim

import survqa
from survqa import Assistant
from survqa.collection.collection import Collection, Corpus
from survqa.indexing.index import SearchIndex
from survqa.indexing.sentences import SentenceTable
from survqa.records import Answer, Excerpt
from survqa.search.assemble import assemble
from survqa.search.calibrate import Verdict, calibrate
from survqa.search.inputs import check_k, check_sources
from survqa.search.query import Query, prepare
from survqa.search.rank import Ranking, SentenceHit, rank
from survqa.search.retrieve import Candidates, retrieve
from survqa.search.select import Window, select


@pytest.fixture
def assistant(tiny_corpus: Path, tmp_path: Path, fake_embedder) -> Assistant:
    return Assistant(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder=fake_embedder)


def test_contract_fields(assistant: Assistant) -> None:
    answer = assistant.ask(PARIS, k=2)
    assert answer.question == PARIS
    assert isinstance(answer.no_answer, bool) and isinstance(answer.excerpts, list)
    assert len(answer.excerpts) == 2
    first, second = answer.excerpts
    # the fake embedder ranks the short heading "Les caméras de Paris" first (it holds two of
    # the three question terms); the figure comes next, its sentence marked
    assert first.text == "Les caméras de Paris" and first.source == "a.txt"
    assert "56 000 caméras" in second.text and second.source == "a.txt"
    assert second.answer == "En Europe, Paris compte 56 000 caméras."
    assert first.title == "Les caméras de Paris" and isinstance(first.score, float)
    assert first.score >= second.score
    for e in answer.excerpts:
        assert e.confidence in ("high", "medium", "low") and 0.0 <= e.probability <= 1.0
    assert 0.0 <= answer.answerable <= 1.0
    assert answer.no_answer == (answer.abstention is not None)
    assert answer.abstention in (None, "corpus") and answer.elsewhere is None
    assert answer.reranker is None
    assert_verbatim(answer, assistant.corpus_dir)
    assert set(answer.to_dict()) >= {"question", "no_answer", "excerpts", "answerable",
                                     "abstention", "elsewhere", "reranker"}  # fmt: skip
    assert answer.elapsed_ms > 0


@pytest.mark.parametrize("sources", [None, ["b.txt"]])
def test_the_public_stages_in_order_give_what_ask_gives(
    tiny_assistant: Assistant, sources: list[str] | None
) -> None:
    assistant, settings, k = tiny_assistant, tiny_assistant.settings, 3
    spare = survqa.assistant.SPARE_WINDOWS
    corpus = assistant.corpus()
    assert isinstance(corpus, Corpus) and isinstance(corpus.index, SearchIndex)
    index = corpus.index
    query = prepare(PARIS, None, assistant.embedder, settings, index.lexicon)
    assert isinstance(query, Query) and query.vector.dtype == np.float32
    allowed = check_sources(sources, list(corpus.documents))
    candidates = retrieve(index, query, allowed, settings)
    assert isinstance(candidates, Candidates) and candidates.rows
    assert candidates.sources == allowed
    assert all(isinstance(r, int) for r in candidates.rows)
    ranking = rank(index, query, candidates)
    assert isinstance(ranking, Ranking) and ranking.restricted == (sources is not None)
    assert ranking.hits and all(isinstance(h, SentenceHit) for h in ranking.hits)
    table = index.sentences
    assert isinstance(table, SentenceTable)
    windows = select(table, ranking, check_k(k, settings.max_k) + spare)
    assert windows and all(isinstance(w, Window) for w in windows)
    verdict = calibrate(index, query, ranking, windows, settings, allowed)
    assert isinstance(verdict, Verdict) and len(verdict.labels) == len(windows)
    answer = assemble(query, windows, verdict, k, index, corpus.documents)
    assert isinstance(answer, Answer) and all(isinstance(e, Excerpt) for e in answer.excerpts)
    asked = assistant.ask(PARIS, k, sources=sources)
    assert asked.elapsed_ms > 0 and answer.elapsed_ms == 0.0
    answer.elapsed_ms = asked.elapsed_ms
    assert answer == asked
    assert answer.to_dict() == asked.to_dict()
    if sources is not None:  # a.txt answers better than b.txt: b.txt "does not say" or is low
        assert {e.source for e in asked.excerpts} == {"b.txt"}
        assert set(verdict.labels) == {"low"}


def test_the_assistant_holds_a_collection(assistant: Assistant) -> None:
    collection = assistant.collection
    assert isinstance(collection, Collection)
    assert (collection.corpus_dir, collection.index_dir) == (
        assistant.corpus_dir,
        assistant.index_dir,
    )
    assert assistant.embedder is collection.embedder
    assert [d.source for d in assistant.documents()] == ["a.txt", "b.txt"]
    assert assistant.file_of("b.txt") == assistant.corpus_dir / "b.txt"
    with pytest.raises(ValueError, match="unknown document"):
        assistant.file_of("nope.txt")
    corpus = assistant.corpus()
    assert assistant.corpus() is corpus  # loaded once
    assistant.load(rebuild=True)
    assert assistant.corpus() is not corpus


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
    assert_verbatim(answer, fresh.corpus_dir)


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
    # the new document only — its passage and the ten new texts of its sentences' six views
    # (tests/indexing/test_index.py counts them) — plus the question
    assert fake_embedder.texts - before == 1 + 10 + 1
    assert answer.excerpts[0].source == "c.txt"


def test_the_module_level_ask_uses_one_default_assistant(
    tiny_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(survqa.assistant, "_default", tiny_assistant)
    assert survqa.default_assistant() is tiny_assistant
    assert (
        survqa.ask(PARIS, 2).to_dict()["excerpts"]
        == tiny_assistant.ask(PARIS, 2).to_dict()["excerpts"]
    )
    assert survqa.ask("Et à Berlin ?", history=[PARIS], sources=["a.txt"]).query == (
        f"{PARIS} Et à Berlin ?"
    )
