"""Stage 5, calibrate: the twelve features of a window, P(answerable) and P(right) from the
shipped logistic models, abstention, confidence labels, and a restricted search compared
with the corpus-wide one ("these documents do not say")."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import PARIS

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.evaluation import DEFAULT_GOLD, load_gold
from survqa.indexing.sentences import SentenceTable
from survqa.search.calibrate import (
    FEATURES,
    SHIPPED,
    Calibration,
    Verdict,
    calibrate,
    features,
    idf_share,
    label,
    load_calibration,
    scope_of,
)
from survqa.search.evidence import gather
from survqa.search.logistic import Logistic
from survqa.search.query import Query, prepare
from survqa.search.rank import Ranking, rank
from survqa.search.retrieve import retrieve
from survqa.search.select import Window, select
from survqa.settings import Settings


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Corpus:
    return tiny_assistant.corpus()


def query(corpus: Corpus, assistant: Assistant, text: str) -> Query:
    return prepare(text, None, assistant.embedder, Settings(), corpus.index.lexicon)


def stages(
    assistant: Assistant, corpus: Corpus, text: str, sources: set[str] | None = None
) -> tuple[Query, Ranking, list[Window]]:
    q = query(corpus, assistant, text)
    ranking = rank(corpus.index, q, retrieve(corpus.index, q, sources, Settings()))
    return q, ranking, select(corpus.index.sentences, ranking, 8)


def constant(bias: float) -> dict:
    """A logistic model that says sigmoid(bias) whatever the features."""
    n = len(FEATURES)
    return Logistic(np.zeros(n), np.ones(n), np.zeros(n), bias).to_json()


def calibration_file(
    folder: Path, answerable: float, right: float, *, abstain_below: float = 0.5,
    high_above: float = 0.9, medium_above: float = 0.5, restricted_gap: float = 1.0,
) -> str:  # fmt: skip
    """A calibration whose probabilities are sigmoid(answerable) and sigmoid(right)."""
    path = folder / f"calibration-{answerable}-{right}-{abstain_below}-{restricted_gap}.json"
    path.write_text(json.dumps({
        "features": list(FEATURES), "answerable": constant(answerable), "right": constant(right),
        "abstain_below": abstain_below, "high_above": high_above, "medium_above": medium_above,
        "restricted_gap": restricted_gap,
    }), encoding="utf-8")  # fmt: skip
    return str(path)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# ---------------------------------------------------------------- the shipped calibration


def test_the_shipped_calibration_names_the_twelve_features_in_order() -> None:
    assert FEATURES == (
        "top", "margin", "window", "sentence", "titled", "unknown_name", "unknown_number",
        "unknown_terms", "coverage", "foreign", "idf_coverage", "best_window_coverage",
    )  # fmt: skip
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == FEATURES
    for part in ("answerable", "right"):
        assert all(len(data[part][key]) == 12 for key in ("mean", "scale", "weights"))
    model = load_calibration(None)
    assert isinstance(model, Calibration) and model is load_calibration(None)  # read once
    assert 0 < model.abstain_below < model.medium_above <= model.high_above <= 1.01
    assert model.restricted_gap > 0
    # fitted on the gold set (questions.jsonl), never on the held-out fresh split
    assert (
        data["fitted_on"]
        == f"the gold set, {len(load_gold())} questions (survqa/gold/questions.jsonl)"
    )
    assert DEFAULT_GOLD.name == "questions.jsonl" and len(load_gold()) == 327
    assert data["command"] == "python -m benchmarks.crossval --fit"


def test_a_calibration_of_other_features_is_refused(tmp_path: Path) -> None:
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data["features"] = data["features"][::-1]
    with pytest.raises(ValueError, match="calibration features"):
        Calibration.from_json(data)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="calibration features"):
        load_calibration(str(path))


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.95, "high"), (0.9, "high"), (0.89, "medium"), (0.5, "medium"), (0.49, "low"), (0, "low")],
)
def test_labels_follow_the_thresholds(tmp_path: Path, p: float, expected: str) -> None:
    model = load_calibration(calibration_file(tmp_path, 0, 0, high_above=0.9, medium_above=0.5))
    assert label(p, model) == expected


# ---------------------------------------------------------------- the features


def test_idf_share_by_hand(corpus: Corpus) -> None:
    table = corpus.index.sentences
    n = int(table.answers.sum())
    assert n == 9
    df = {t: len(table.lexical.postings[t]) for t in ("cam", "compt", "paris")}
    assert df == {"cam": 4, "compt": 2, "paris": 2}
    idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
    groups = [frozenset({"cam"}), frozenset({"compt"}), frozenset({"paris"})]
    total = sum(idf.values())
    assert idf_share(table, groups, {"cam", "paris"}) == pytest.approx(
        (idf["cam"] + idf["paris"]) / total
    )
    assert idf_share(table, groups, {"compt"}) == pytest.approx(idf["compt"] / total)
    assert idf_share(table, groups, {"cam", "compt", "paris", "zzz"}) == pytest.approx(1.0)
    assert idf_share(table, groups, set()) == 0.0 and idf_share(table, [], {"cam"}) == 0.0
    # a group counts once whichever of its members is found; a rarer word weighs more
    either = [frozenset({"cam", "paris"}), frozenset({"compt"})]
    assert idf_share(table, either, {"paris"}) == pytest.approx(
        table.idf(either[0]) / (table.idf(either[0]) + idf["compt"])
    )
    assert idf["compt"] > idf["cam"]


def test_features_of_a_window_by_hand(tiny_assistant: Assistant, corpus: Corpus) -> None:
    index, table = corpus.index, corpus.index.sentences
    q, ranking, windows = stages(tiny_assistant, corpus, PARIS)
    first = windows[0]
    assert (first.hit.sentence, first.first, first.last) == (0, 0, 0)  # "Les caméras de Paris"
    evidence = gather(q, table, index.lexicon)
    scope = scope_of(index, ranking, None)
    assert scope == list(range(9))
    x = dict(zip(FEATURES, features(index, q, ranking, first, scope, evidence), strict=True))
    at = ranking.position(0)
    groups = list(q.groups)
    assert x["top"] == first.hit.score
    assert x["margin"] == pytest.approx(first.hit.score - ranking.hits[1].score)
    for name in ("window", "sentence", "titled"):
        assert x[name] == pytest.approx(float(ranking.signals[name][at]))
    assert (x["unknown_name"], x["unknown_number"], x["unknown_terms"], x["foreign"]) == (
        0,
        0,
        0,
        0,
    )
    assert x["coverage"] == pytest.approx(2 / 3)  # cam, paris of cam, compt, paris
    assert x["idf_coverage"] == pytest.approx(idf_share(table, groups, {"cam", "paris"}))
    assert x["best_window_coverage"] == pytest.approx(1.0)  # "Paris compte … caméras"
    # the second window: "En Europe, Paris compte 56 000 caméras. Madrid …" (rows 1–2)
    second = windows[1]
    y = dict(zip(FEATURES, features(index, q, ranking, second, scope, evidence), strict=True))
    assert (second.first, second.last) == (1, 2)
    assert y["coverage"] == y["idf_coverage"] == pytest.approx(1.0)
    assert y["margin"] == pytest.approx(second.hit.score - ranking.hits[2].score)


def test_the_last_hit_has_a_margin_of_one(tiny_assistant: Assistant, corpus: Corpus) -> None:
    index, table = corpus.index, corpus.index.sentences
    q, ranking, _ = stages(tiny_assistant, corpus, PARIS)
    last = ranking.hits[-1]
    (window,) = select(table, ranking, 1, hits=[last])
    evidence = gather(q, table, index.lexicon)
    x = features(index, q, ranking, window, scope_of(index, ranking, None), evidence)
    assert x[FEATURES.index("margin")] == pytest.approx(1.0)  # none below: score − 1


def test_foreign_and_unknown_words_are_features(tiny_assistant: Assistant, corpus: Corpus) -> None:
    index, table = corpus.index, corpus.index.sentences
    q, ranking, windows = stages(tiny_assistant, corpus, "How many drones does Timbuktu own?")
    evidence = gather(q, table, index.lexicon)
    x = dict(zip(FEATURES, features(index, q, ranking, windows[0], scope_of(index, ranking, None),
                                    evidence), strict=True))  # fmt: skip
    assert x["foreign"] == 1.0 and x["unknown_name"] == 1.0
    assert x["unknown_terms"] == evidence.unknown_terms > 0.5
    assert x["coverage"] == x["idf_coverage"] == x["best_window_coverage"] == 0.0


def test_scope_of_a_restricted_search(tiny_assistant: Assistant, corpus: Corpus) -> None:
    _, ranking, _ = stages(tiny_assistant, corpus, PARIS, {"b.txt"})
    assert scope_of(corpus.index, ranking, {"b.txt"}) == [5, 6, 7, 8]
    assert scope_of(corpus.index, ranking, None) == list(range(9))


# ---------------------------------------------------------------- the verdict


def test_the_verdict_is_the_shipped_models_on_the_features(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    index = corpus.index
    q, ranking, windows = stages(tiny_assistant, corpus, PARIS)
    verdict = calibrate(index, q, ranking, windows, Settings())
    assert isinstance(verdict, Verdict)
    model = load_calibration(None)
    evidence = gather(q, index.sentences, index.lexicon)
    x = np.stack([features(index, q, ranking, w, scope_of(index, ranking, None), evidence)
                  for w in windows])  # fmt: skip
    np.testing.assert_allclose(verdict.answerable, model.answerable.probability(x))
    np.testing.assert_allclose(verdict.right, model.right.probability(x))
    assert len(verdict.labels) == len(windows)
    # the fake embedder's cosines are far from e5's: the corpus is judged not to answer
    assert verdict.answerable[0] < model.abstain_below
    assert (verdict.no_answer, verdict.abstention, verdict.elsewhere) == (True, "corpus", None)
    assert set(verdict.labels) == {"low"}


def test_abstention_and_labels_from_the_probabilities(
    tiny_assistant: Assistant, corpus: Corpus, tmp_path: Path
) -> None:
    q, ranking, windows = stages(tiny_assistant, corpus, PARIS)
    sure = Settings(calibration=calibration_file(tmp_path, 3.0, 3.0))  # 0.95 and 0.95
    verdict = calibrate(corpus.index, q, ranking, windows, sure)
    assert verdict.answerable == pytest.approx([sigmoid(3.0)] * len(windows))
    assert not verdict.no_answer and verdict.abstention is None
    assert set(verdict.labels) == {"high"}
    medium = calibrate(corpus.index, q, ranking, windows,
                       Settings(calibration=calibration_file(tmp_path, 3.0, 0.5)))  # fmt: skip
    assert set(medium.labels) == {"medium"}  # sigmoid(0.5) = 0.62
    low = calibrate(corpus.index, q, ranking, windows,
                    Settings(calibration=calibration_file(tmp_path, 3.0, -0.5)))  # fmt: skip
    assert set(low.labels) == {"low"} and not low.no_answer
    # P(answerable) 0.5 against a threshold of 0.5 answers; above it abstains
    at = calibrate(corpus.index, q, ranking, windows,
                   Settings(calibration=calibration_file(tmp_path, 0.0, 3.0)))  # fmt: skip
    assert not at.no_answer
    above = Settings(calibration=calibration_file(tmp_path, 0.0, 3.0, abstain_below=0.51))
    strict = calibrate(corpus.index, q, ranking, windows, above)
    assert strict.no_answer and strict.abstention == "corpus" and set(strict.labels) == {"low"}
    assert calibrate(corpus.index, q, ranking, [], Settings()) == Verdict(
        True, (), (), (), "corpus"
    )


# ---------------------------------------------------------------- restricted searches


def test_a_restricted_search_is_compared_with_the_corpus_wide_one(
    tiny_assistant: Assistant, corpus: Corpus, tmp_path: Path
) -> None:
    index = corpus.index
    q, ranking, windows = stages(tiny_assistant, corpus, PARIS, {"b.txt"})
    best, first = ranking.everywhere[0], windows[0]
    assert index.passages[int(index.sentences.owners[best.sentence])].source == "a.txt"
    assert index.passages[int(index.sentences.owners[first.hit.sentence])].source == "b.txt"
    gap = best.score - first.hit.score
    assert gap > 1

    def verdict(**thresholds: float) -> Verdict:
        path = calibration_file(tmp_path, 0.0, 3.0, **thresholds)  # P = 0.5 and 0.95
        return calibrate(index, q, ranking, windows, Settings(calibration=path), {"b.txt"})

    # the corpus answers (0.5 ≥ 0.4) far better elsewhere: these documents do not say
    declined = verdict(abstain_below=0.4, restricted_gap=gap - 0.01)
    assert (declined.no_answer, declined.abstention, declined.elsewhere) == (
        True, "documents", "a.txt",
    )  # fmt: skip
    assert set(declined.labels) == {"low"}
    # a smaller gap than the threshold: answered, labelled low, the better document named
    close = verdict(abstain_below=0.4, restricted_gap=gap + 0.01)
    assert (close.no_answer, close.abstention, close.elsewhere) == (False, None, "a.txt")
    assert set(close.labels) == {"low"}  # P(right) 0.95 would say "high"
    # the corpus does not answer at all: "corpus", whatever the gap
    nowhere = verdict(abstain_below=0.6, restricted_gap=gap - 0.01)
    assert (nowhere.no_answer, nowhere.abstention, nowhere.elsewhere) == (True, "corpus", None)


def test_restricted_to_the_document_that_answers_best(
    tiny_assistant: Assistant, corpus: Corpus, tmp_path: Path
) -> None:
    q, ranking, windows = stages(tiny_assistant, corpus, PARIS, {"a.txt"})
    assert ranking.everywhere[0] == ranking.hits[0]  # gap 0
    path = calibration_file(tmp_path, 0.0, 3.0, abstain_below=0.4, restricted_gap=0.0)
    verdict = calibrate(corpus.index, q, ranking, windows, Settings(calibration=path), {"a.txt"})
    assert (verdict.no_answer, verdict.abstention, verdict.elsewhere) == (False, None, None)
    assert set(verdict.labels) == {"high"}


def test_the_corpus_wide_verdict_uses_the_corpus_wide_margin(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    index, table = corpus.index, corpus.index.sentences
    q, ranking, _ = stages(tiny_assistant, corpus, PARIS, {"b.txt"})
    best = ranking.everywhere[0]
    (opening,) = select(table, ranking, 1, hits=[best])
    evidence = gather(q, table, index.lexicon)
    scope = scope_of(index, ranking, None)
    x = features(index, q, ranking, opening, scope, evidence, everywhere=True)
    margin = x[FEATURES.index("margin")]
    assert margin == pytest.approx(best.score - ranking.everywhere[1].score)
    with pytest.raises(ValueError):  # the corpus-wide best is no hit of the searched documents
        features(index, q, ranking, opening, scope, evidence)


def test_restricted_and_not_give_the_same_verdict_when_the_filter_is_everything(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    q, ranking, windows = stages(tiny_assistant, corpus, PARIS, {"a.txt", "b.txt"})
    _, plain, plain_windows = stages(tiny_assistant, corpus, PARIS)
    assert ranking.hits == plain.hits == ranking.everywhere
    both = calibrate(corpus.index, q, ranking, windows, Settings(), {"a.txt", "b.txt"})
    alone = calibrate(corpus.index, q, plain, plain_windows, Settings())
    assert both.answerable == alone.answerable and both.labels == alone.labels
    assert (both.no_answer, both.abstention) == (alone.no_answer, alone.abstention)


def test_tiny_table_is_the_expected_one(corpus: Corpus) -> None:
    table: SentenceTable = corpus.index.sentences
    assert table.texts[0] == "Les caméras de Paris" and len(table) == 9
