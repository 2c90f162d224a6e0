"""Per-question measurements of survqa and of the plain baseline, and their tables.

Used by ``benchmarks/crossval.py`` and ``benchmarks/ablation.py``. A question is answered
at rank *r* when the *r*-th excerpt comes from a gold source and contains a gold answer
string (``survqa.evaluation``'s rule); the answering sentence is right when the marked
sentence of the first excerpt contains one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.evaluation import DEPTH, answer_rank, contains_answer, sentence_correct
from survqa.search import calibrate as calibration
from survqa.search.assemble import assemble
from survqa.search.evidence import gather
from survqa.search.query import Query, prepare
from survqa.search.rank import SentenceHit, rank
from survqa.search.retrieve import retrieve
from survqa.search.select import Window, select, windows_of
from survqa.text import clean

SPARE = 3


@dataclass
class Row:
    """One question: survqa's result and the baseline's, then the fold's verdicts."""

    id: str
    lang: str
    in_corpus: bool
    rank: int | None
    sentence_ok: bool
    words: int
    silent_first: bool  # the first marked sentence is a unit that cannot answer
    features: np.ndarray
    baseline_rank: int | None
    baseline_sentence_ok: bool
    baseline_words: int
    baseline_silent_first: bool
    baseline_cosine: float
    ms: float
    abstained: bool = False
    label: str = "low"
    baseline_abstained: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "features"}
        data["features"] = self.features.tolist()
        return data


def plain_windows(corpus: Corpus, query: Query, count: int = DEPTH) -> list[Window]:
    """The plain baseline: every sentence ranked by e5 cosine of its window (the sentence
    with its paragraph neighbours), the window as the excerpt, its centre as the answer."""
    table = corpus.index.sentences
    scores = corpus.index.backend.vectors("window", np.arange(len(table))) @ query.vector
    hits = [SentenceHit(j, float(scores[j])) for j in np.argsort(-scores, kind="stable").tolist()]
    return windows_of(table, hits, count, lambda first, last, opening: opening)


def _baseline(corpus: Corpus, query: Query, item: dict[str, Any]) -> dict[str, Any]:
    index, table = corpus.index, corpus.index.sentences
    windows = plain_windows(corpus, query)
    texts = []
    for w in windows:
        source = index.passages[int(table.owners[w.first])].source
        start, end = table.spans[w.first][0], table.spans[w.last][1]
        texts.append((source, corpus.documents[source].text[start:end]))
    found = [r for r, (src, text) in enumerate(texts, 1)
             if src in item["sources"] and contains_answer(text, item["answers"])]  # fmt: skip
    centre = windows[0].answer
    cosine = windows[0].hit.score
    return {
        "baseline_rank": found[0] if found and item["in_corpus"] else None,
        "baseline_sentence_ok": bool(item["in_corpus"] and texts[0][0] in item["sources"]
                                     and contains_answer(table.texts[centre], item["answers"])),
        "baseline_words": len(clean(texts[0][1]).split()),
        "baseline_silent_first": table.rows[centre].role not in (None, "byline"),
        "baseline_cosine": cosine,
    }  # fmt: skip


def measure_one(assistant: Assistant, item: dict[str, Any]) -> Row:
    started = time.perf_counter()
    corpus, s = assistant.corpus(), assistant.settings
    index = corpus.index
    query = prepare(item["question"], item.get("history"), assistant.embedder, s, index.lexicon)
    ranking = rank(index, query, retrieve(index, query, None, s))
    windows = select(index.sentences, ranking, DEPTH + SPARE)
    evidence = gather(query, index.sentences, index.lexicon)
    scope = calibration.scope_of(index, ranking, None)
    features = calibration.features(index, query, ranking, windows[0], scope, evidence)
    n = len(windows)
    verdict = calibration.Verdict(False, (0.0,) * n, (0.0,) * n, ("low",) * n)
    answer = assemble(query, windows, verdict, DEPTH, index, corpus.documents)
    ms = (time.perf_counter() - started) * 1000
    first = answer.excerpts[0]
    return Row(
        extra={"gaps": document_gaps(corpus, ranking.hits), "sources": item["sources"]},
        id=item["id"], lang=item["lang"], in_corpus=item["in_corpus"],
        rank=answer_rank(answer, item) if item["in_corpus"] else None,
        sentence_ok=bool(item["in_corpus"] and sentence_correct(first, item)),
        words=len(clean(first.text).split()),
        silent_first=index.sentences.rows[windows[0].answer].role not in (None, "byline"),
        features=features, ms=ms, **_baseline(corpus, query, item),
    )  # fmt: skip


def document_gaps(corpus: Corpus, hits: Sequence[SentenceHit]) -> dict[str, float]:
    """For each document: the corpus-wide best relevance minus the document's best — what a
    search restricted to that document compares (0 for the document that holds the best)."""
    table, passages = corpus.index.sentences, corpus.index.passages
    best: dict[str, float] = {}
    for hit in hits:
        best.setdefault(passages[int(table.owners[hit.sentence])].source, hit.score)
    top = hits[0].score if hits else 0.0
    return {source: top - best.get(source, top - 1e9) for source in corpus.documents}


def measure(assistant: Assistant, items: Sequence[dict[str, Any]]) -> list[Row]:
    assistant.load()
    return [measure_one(assistant, item) for item in items]


def _share(values: Sequence[bool]) -> str:
    return f"{sum(values) / len(values):.3f}" if values else "—"


def _ranking_row(name: str, rows: Sequence[Row], baseline: bool) -> str:
    answerable = [r for r in rows if r.in_corpus]
    ranks = [r.baseline_rank if baseline else r.rank for r in answerable]
    sentence = [r.baseline_sentence_ok if baseline else r.sentence_ok for r in answerable]
    words = [r.baseline_words if baseline else r.words for r in answerable]
    silent = sum(r.baseline_silent_first if baseline else r.silent_first for r in rows)
    langs = sorted({r.lang for r in answerable})
    first = [x == 1 for x in ranks]
    by_lang = " / ".join(
        f"{lang} {_share([f for f, r in zip(first, answerable, strict=True) if r.lang == lang])}"
        for lang in langs
    )
    foreign = [f for f, r in zip(first, answerable, strict=True) if r.lang != "fr"]
    top3 = [x is not None and x <= 3 for x in ranks]
    mrr = sum(1 / x for x in ranks if x) / max(len(ranks), 1)
    return (
        f"| {name} | {_share(first)} | {_share(top3)} | {mrr:.3f} | {_share(sentence)} "
        f"| {_share(foreign)} | {by_lang} | {np.mean(words):.1f} | {silent} |"
    )


def _abstention_row(name: str, rows: Sequence[Row], baseline: bool) -> str:
    out = [r for r in rows if not r.in_corpus]
    inside = [r for r in rows if r.in_corpus]
    abstained = [r for r in rows if (r.baseline_abstained if baseline else r.abstained)]
    recall = [r.baseline_abstained if baseline else r.abstained for r in out]
    fr = [a for a, r in zip(recall, out, strict=True) if r.lang == "fr"]
    other = [a for a, r in zip(recall, out, strict=True) if r.lang != "fr"]
    false = [r.baseline_abstained if baseline else r.abstained for r in inside]
    precision = _share([not r.in_corpus for r in abstained])
    labels = "—" if baseline else " | ".join(_label(rows, lab) for lab in ("high", "medium", "low"))
    return (
        f"| {name} | {_share(recall)} ({_share(fr)} / {_share(other)}) | {precision} "
        f"| {_share(false)} | {labels} |"
    )


def _label(rows: Sequence[Row], label: str) -> str:
    given = [r for r in rows if not r.abstained and r.label == label]
    right = sum(r.in_corpus and r.rank == 1 for r in given)
    return f"{right}/{len(given)}" + (f" = {right / len(given):.2f}" if given else "")


def report(title: str, rows: Sequence[Row]) -> str:
    answerable = sum(r.in_corpus for r in rows)
    ms = sorted(r.ms for r in rows)
    lines = [
        f"## {title}: {answerable} answerable, {len(rows) - answerable} out of corpus", "",
        "| system | hit@1 | hit@3 | MRR@10 | answering sentence | hit@1 foreign "
        "| hit@1 by language | words (1st) | cannot-answer unit 1st |",
        "|---|---|---|---|---|---|---|---|---|",
        _ranking_row("plain baseline (e5 windows)", rows, True),
        _ranking_row("survqa", rows, False), "",
        "| system | out of corpus abstained (fr / foreign) | abstention precision "
        "| false abstention | high right | medium right | low right |",
        "|---|---|---|---|---|---|---|",
        _abstention_row("plain baseline (threshold on best cosine)", rows, True) + " — | — |",
        _abstention_row("survqa", rows, False), "", restricted_report(rows), "",
        f"stages p50 {ms[len(ms) // 2]:.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms "
        "(query embedding included)",
    ]  # fmt: skip
    return "\n".join(lines)


def restricted_report(rows: Sequence[Row]) -> str:
    """Searches restricted to one document: the best gold one must answer, the best other
    one (answerable questions) and every one (out of corpus) must decline."""
    gold, other, outside, best = [], [], [], []
    for r in rows:
        declines, gaps = r.extra.get("declines"), r.extra["gaps"]
        if declines is None:
            continue
        if r.in_corpus:
            gold.append(declines[min(r.extra["sources"], key=gaps.__getitem__)])
            rest = [s for s in gaps if s not in r.extra["sources"]]
            if rest:
                other.append(declines[min(rest, key=gaps.__getitem__)])
        else:
            outside += list(declines.values())
            best.append(declines[min(gaps, key=gaps.__getitem__)])
    return "\n".join([
        "| restricted search | declined |", "|---|---|",
        f"| to the best gold document (false declines) | {_share(gold)} (n={len(gold)}) |",
        f"| to the best other document | {_share(other)} (n={len(other)}) |",
        f"| out of corpus, to each document | {_share(outside)} (n={len(outside)}) |",
        f"| out of corpus, to its best document | {_share(best)} (n={len(best)}) |",
    ])  # fmt: skip


def calibration_json(model: calibration.Calibration, questions: int) -> dict[str, Any]:
    return {
        "features": list(calibration.FEATURES),
        "answerable": model.answerable.to_json(),
        "right": model.right.to_json(),
        "abstain_below": model.abstain_below,
        "high_above": model.high_above,
        "medium_above": model.medium_above,
        "restricted_gap": model.restricted_gap,
        "fitted_on": f"the gold set, {questions} questions (survqa/gold/questions.jsonl)",
        "command": "python -m benchmarks.crossval --fit",
    }
