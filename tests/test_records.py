"""The typed records passed between the stages and their dict form (the JSON contract)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from survqa.records import Answer, Citation, Document, Excerpt, Passage

TEXT = "Avant. Paris compte 56 000 caméras. Après."


def citation(**changes: object) -> Citation:
    fields: dict[str, object] = dict(
        text=TEXT, source="a.txt", title="A", start=100, end=100 + len(TEXT),
        answer_start=107, answer_end=135, publisher="AFP",
    )  # fmt: skip
    fields.update(changes)
    return Citation(**fields)  # type: ignore[arg-type]


def test_citation_answer_and_dict() -> None:
    c = citation()
    assert c.answer == "Paris compte 56 000 caméras."
    assert c.to_dict() == {
        "text": TEXT, "source": "a.txt", "title": "A", "start": 100, "end": 142,
        "answer_start": 107, "answer_end": 135, "publisher": "AFP",
        "answer": "Paris compte 56 000 caméras.",
    }  # fmt: skip
    assert citation(publisher=None).to_dict()["publisher"] is None
    assert Citation(text="x", source="s", title="t", start=0, end=1, answer_start=0,
                    answer_end=1).publisher is None  # fmt: skip


def test_an_excerpt_is_a_citation_ranked_as_an_answer() -> None:
    also = citation(source="b.txt", title="B")
    e = Excerpt(**{f.name: getattr(citation(), f.name) for f in dataclasses.fields(Citation)},
                score=1.5, confidence="high", probability=0.93, paragraph=3,
                also_in=(also,))  # fmt: skip
    assert isinstance(e, Citation) and e.answer == "Paris compte 56 000 caméras."
    data = e.to_dict()
    assert set(data) == {"text", "source", "title", "start", "end", "answer_start",
                         "answer_end", "publisher", "answer", "score", "confidence",
                         "probability", "paragraph", "also_in"}  # fmt: skip
    assert (data["score"], data["confidence"], data["paragraph"]) == (1.5, "high", 3)
    assert data["probability"] == 0.93
    assert data["also_in"] == [also.to_dict()]
    assert data["also_in"][0]["answer"] == "Paris compte 56 000 caméras."
    plain = Excerpt(**{f.name: getattr(citation(), f.name) for f in dataclasses.fields(Citation)})
    assert (plain.score, plain.confidence, plain.paragraph, plain.also_in) == (0.0, "low", 0, ())
    assert plain.probability == 0.0
    assert plain.to_dict()["also_in"] == []


def test_answer_dict_is_json() -> None:
    e = Excerpt(text=TEXT, source="a.txt", title="A", start=100, end=142, answer_start=107,
                answer_end=135, score=0.5)  # fmt: skip
    answer = Answer(question="q", excerpts=[e], no_answer=False, confidence="medium",
                    language="en", query="p q", elapsed_ms=12.3456, answerable=0.123456,
                    reranker="cross-encoder:m")  # fmt: skip
    data = answer.to_dict()
    assert list(data) == ["question", "no_answer", "confidence", "language", "query",
                          "elapsed_ms", "answerable", "abstention", "elsewhere", "reranker",
                          "excerpts"]  # fmt: skip
    assert data["elapsed_ms"] == 12.35 and data["excerpts"] == [e.to_dict()]
    assert data["answerable"] == 0.1235 and data["reranker"] == "cross-encoder:m"
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    empty = Answer(question="q", excerpts=[], no_answer=True)
    assert (empty.confidence, empty.language, empty.query, empty.elapsed_ms) == ("low", "fr", "", 0)
    assert (empty.answerable, empty.abstention, empty.elsewhere, empty.reranker) == (
        0.0, None, None, None,
    )  # fmt: skip
    declined = Answer(question="q", excerpts=[e], no_answer=True, abstention="documents",
                      elsewhere="002_x.txt").to_dict()  # fmt: skip
    assert (declined["abstention"], declined["elsewhere"]) == ("documents", "002_x.txt")


def test_answer_from_dict_round_trip() -> None:
    also = citation(source="b.txt", title="B")
    e = Excerpt(
        **{f.name: getattr(citation(), f.name) for f in dataclasses.fields(Citation)},
        score=1.5,
        confidence="high",
        probability=0.9,
        paragraph=3,
        also_in=(also,),
    )
    answer = Answer(
        question="q",
        excerpts=[e],
        no_answer=True,
        confidence="low",
        language="en",
        query="p q",
        answerable=0.25,
        abstention="documents",
        elsewhere="b.txt",
    )
    data = json.loads(json.dumps(answer.to_dict()))
    again = Answer.from_dict(data)
    assert again.to_dict() == answer.to_dict() and again.excerpts[0].also_in == (also,)


@pytest.mark.parametrize("change", [
    {"question": 3}, {"no_answer": "no"}, {"excerpts": "x"}, {"excerpts": [{"text": "x"}]},
    {"answerable": "1"}, {"abstention": 5}, {"question": None},
])  # fmt: skip
def test_answer_from_dict_refuses_what_to_dict_never_makes(change: dict[str, object]) -> None:
    e = Excerpt(**{f.name: getattr(citation(), f.name) for f in dataclasses.fields(Citation)})
    data = {**Answer(question="q", excerpts=[e], no_answer=False).to_dict(), **change}
    with pytest.raises(ValueError):
        Answer.from_dict(data)


@pytest.mark.parametrize("change", [
    {"start": -1}, {"end": 10}, {"answer_start": 99}, {"answer_end": 500}, {"text": 3},
    {"start": True}, {"publisher": 1},
])  # fmt: skip
def test_citation_from_dict_checks_offsets_and_types(change: dict[str, object]) -> None:
    assert Citation.from_dict(citation().to_dict()) == citation()
    with pytest.raises(ValueError):
        Citation.from_dict({**citation().to_dict(), **change})


def test_passage_round_trip() -> None:
    p = Passage(source="a.txt", paragraph=2, start=10, end=40, text="Une. Deux.",
                sentences=((10, 14), (15, 40)))  # fmt: skip
    data = p.to_dict()
    assert data["sentences"] == [[10, 14], [15, 40]]
    assert Passage.from_dict(json.loads(json.dumps(data))) == p


def test_document() -> None:
    d = Document(source="004_fb54.txt", title="T", text="x" * 1000)
    assert d.doc_id == "004_fb54" and d.origin == "seed" and d.folder == ""
    assert "xxx" not in repr(d)  # the text is left out of the repr
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.title = "U"  # type: ignore[misc]
