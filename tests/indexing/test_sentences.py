"""The sentence table: rows, neighbours and windows inside a paragraph, the roles of the
units that cannot answer, the lexical facts of each sentence (group BM25, idf, vocabulary,
numbers), the e5 views, and its JSONL form saved with the index."""

from __future__ import annotations

import math

import numpy as np
import pytest

from survqa.analysis import tokenize
from survqa.indexing.chunking import chunk_document
from survqa.indexing.sentences import (
    VIEWS,
    Sentence,
    SentenceBM25,
    SentenceTable,
    build_sentences,
    from_jsonl,
    to_jsonl,
    view_texts,
    window_text,
)
from survqa.indexing.units import REFERENCE
from survqa.records import Document, Passage

TEXT = (
    "Le Parti surveille afin de prévenir la dissidence. Paris compte 56 000 caméras.\n\n"
    "En 2016, Chen Quanguo arrive au Xinjiang. La ville est calme.\n"
)
# the same two paragraphs, then a reference list: two units that cannot answer
CITED = TEXT + (
    "\nSources\n\n1. Paul Bischoff, « Les caméras de Pékin », Comparitech, 25 juin 2025.\n"
)


def _parts(text: str = TEXT, max_words: int = 8) -> tuple[list[Passage], list[Sentence]]:
    doc = Document(source="a.txt", title="A", text=text)
    passages = chunk_document(doc, max_words=max_words)
    return passages, build_sentences(passages, {"a.txt": doc})


def _table(text: str = TEXT) -> SentenceTable:
    passages, sentences = _parts(text)
    return SentenceTable(sentences, passages)


def test_rows_follow_the_text_and_neighbours_stay_in_the_paragraph() -> None:
    table = _table()
    starts = [TEXT[a:b][:8] for a, b in table.spans]
    assert starts == ["Le Parti", "Paris co", "En 2016,", "La ville"]
    assert table.after(0) == 1 and table.before(1) == 0
    assert table.after(1) is None and table.before(2) is None  # paragraph break
    assert table.neighbours(3) == [2]


def test_build_sentences_rows() -> None:
    passages, sentences = _parts()
    assert len(passages) == 4  # max_words=8: one sentence a passage, neighbours across them
    assert [s.passage for s in sentences] == [0, 1, 2, 3]
    assert [(s.previous, s.next) for s in sentences] == [(None, 1), (0, None), (None, 3), (2, None)]
    for s in sentences:
        assert s.text == " ".join(TEXT[s.start : s.end].split())
        assert s.terms == tuple(tokenize(s.text))
        assert s.role is None


def test_terms_come_from_the_cleaned_text() -> None:
    text = "La notation finan-\ncière des citoyens commence en 2014.\n"
    doc = Document(source="p.txt", title="P", text=text)
    passages = chunk_document(doc)
    (sentence,) = build_sentences(passages, {"p.txt": doc})
    assert text[sentence.start : sentence.end] == text.strip()  # the span stays raw
    assert sentence.text == "La notation financière des citoyens commence en 2014."
    assert sentence.terms == ("notat", "financier", "citoyen", "commenc", "2014")
    assert sentence.terms == tuple(tokenize(sentence.text))  # not "finan", "cier"


def test_window_text_joins_the_neighbours() -> None:
    _, sentences = _parts()
    assert window_text(sentences, 0) == (
        "Le Parti surveille afin de prévenir la dissidence. Paris compte 56 000 caméras."
    )
    assert (
        window_text(sentences, 3) == "En 2016, Chen Quanguo arrive au Xinjiang. La ville est calme."
    )


def test_window_is_the_sentence_with_its_paragraph_neighbours() -> None:
    text = "Un. Deux. Trois. Quatre.\n\nCinq.\n"
    doc = Document(source="w.txt", title="W", text=text)
    passages = chunk_document(doc)
    table = SentenceTable(build_sentences(passages, {"w.txt": doc}), passages)
    assert [table.window(j) for j in range(len(table))] == [(0, 1), (0, 2), (1, 3), (2, 3), (4, 4)]


def test_six_views_of_each_sentence() -> None:
    _, sentences = _parts()
    views = view_texts(sentences, ["Titre"] * len(sentences))
    assert tuple(views) == VIEWS == (
        "sentence", "window", "titled", "titled_window", "before", "after",
    )  # fmt: skip
    first, second = sentences[0].text, sentences[1].text
    assert views["sentence"][:2] == [first, second]
    assert views["window"][0] == views["window"][1] == f"{first} {second}"
    assert views["titled"][1] == f"Titre : {second}"
    assert views["titled_window"][1] == f"Titre : {first} {second}"
    # one neighbour: the previous one before, the next one after; left out at an edge
    assert views["before"][:2] == [first, f"{first} {second}"]
    assert views["after"][:2] == [f"{first} {second}", second]
    assert all(len(texts) == len(sentences) for texts in views.values())
    with pytest.raises(ValueError):
        view_texts(sentences, ["Titre"])  # one title per sentence


def test_jsonl_round_trip() -> None:
    _, sentences = _parts(CITED)
    text = to_jsonl(sentences)
    assert text.count("\n") == len(sentences) and "caméras" in text  # UTF-8, not escaped
    assert from_jsonl(text) == sentences
    assert [s.role for s in from_jsonl(text)][-2:] == [REFERENCE, REFERENCE]


def test_answer_kind_flags() -> None:
    table = _table()
    assert table.has_reason == [True, False, False, False]
    assert table.has_number == [False, True, True, False]
    assert table.has_year == [False, False, True, False]
    assert table.has_name[2] and not table.has_name[3]


def test_units_that_cannot_answer_are_masked_and_leave_the_vocabulary() -> None:
    table = _table(CITED)
    assert [s.role for s in table.rows] == [None, None, None, None, REFERENCE, REFERENCE]
    assert table.answers.tolist() == [True, True, True, True, False, False]
    assert table.bylines.tolist() == [False] * 6
    # the reference's own words and numbers are not the corpus's: only citable rows count
    assert "bischoff" not in table.vocabulary and "comparitech" not in table.vocabulary
    assert {"cam", "paris", "xinjiang"} <= table.vocabulary
    assert table.vocabulary == frozenset().union(*(table.terms[j] for j in range(4)))
    assert table.numbers == {"56000", "2016"}  # not "25" nor "2025" of the reference
    # the sentence BM25 still holds every row
    assert table.lexical.postings["bischoff"] == {5}


def test_window_terms_are_the_citable_words_around_a_sentence() -> None:
    text = "Paris compte 56 000 caméras.\n\nSources\n\nVoir https://example.org/cameras.\n"
    doc = Document(source="r.txt", title="R", text=text)
    passages = chunk_document(doc)
    table = SentenceTable(build_sentences(passages, {"r.txt": doc}), passages)
    assert table.answers.tolist() == [True, False, False]
    assert table.window_terms[0] == frozenset(tokenize("Paris compte 56 000 caméras."))
    assert table.window_terms[1] == table.window_terms[2] == frozenset()
    two = _table()
    assert two.window_terms[0] == two.window_terms[1] == two.terms[0] | two.terms[1]


def test_rows_of_passages_in_the_given_order() -> None:
    doc = Document(source="a.txt", title="A", text=TEXT)
    passages = chunk_document(doc)  # two passages of two sentences
    table = SentenceTable(build_sentences(passages, {"a.txt": doc}), passages)
    assert table.rows_of([1, 0]).tolist() == [2, 3, 0, 1]
    assert table.rows_of([]).tolist() == [] and table.rows_of([]).dtype == np.int64
    assert table.owners.tolist() == [0, 0, 1, 1]
    assert table.paragraph_key == [("a.txt", 0), ("a.txt", 0), ("a.txt", 1), ("a.txt", 1)]


# ---------------------------------------------------------------- BM25 of term groups

K1, B = 1.2, 0.75


def _bm25(tf: float, df: int, n: int, length: int, mean_length: float) -> float:
    """One term group's BM25 contribution, written out."""
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / mean_length))


def test_group_bm25_on_two_sentences_by_hand() -> None:
    bm25 = SentenceBM25([["paris", "cam", "cam"], ["berlin", "camera"]])
    rows = np.array([0, 1])
    mean = (3 + 2) / 2
    # a group: tf = the members' tf summed, df = the sentences holding any member
    group = frozenset({"cam", "camera"})
    got = bm25.scores([group], rows)
    want = [_bm25(2, 2, 2, 3, mean), _bm25(1, 2, 2, 2, mean)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # two separate groups score otherwise: each member has its own (higher) idf
    apart = bm25.scores([frozenset({"cam"}), frozenset({"camera"})], rows)
    np.testing.assert_allclose(apart, [_bm25(2, 1, 2, 3, mean), _bm25(1, 1, 2, 2, mean)])
    assert not np.allclose(apart, got)
    # groups add up; a group asked twice counts once; unknown terms add nothing
    paris = frozenset({"paris"})
    both = bm25.scores([group, paris, group, frozenset({"zzz"})], rows)
    np.testing.assert_allclose(both, [want[0] + _bm25(1, 1, 2, 3, mean), want[1]])
    # rows in any order and subsets
    np.testing.assert_allclose(bm25.scores([group], np.array([1])), [want[1]])
    np.testing.assert_allclose(bm25.scores([group], np.array([1, 0])), want[::-1])
    assert bm25.scores([], rows).tolist() == [0.0, 0.0]
    assert bm25.scores([group], np.zeros(0, dtype=np.int64)).shape == (0,)


def test_idf_of_a_group_counts_only_the_sentences_that_can_answer() -> None:
    table = _table(CITED)  # "cam" is in row 1 and in the reference, row 5
    n = 4  # sentences that can answer
    assert table.idf(frozenset({"cam"})) == pytest.approx(math.log(1 + (n - 1 + 0.5) / 1.5))
    assert table.idf(frozenset({"cam", "vill"})) == pytest.approx(math.log(1 + (n - 2 + 0.5) / 2.5))
    assert (
        table.idf(frozenset({"bischoff"}))
        == table.idf(frozenset({"zzz"}))
        == pytest.approx(math.log(1 + (n + 0.5) / 0.5))
    )
    # the BM25 of the whole table counts the reference too: df 2 of 6
    scores = table.lexical.scores([frozenset({"cam"})], np.array([1]))
    length = len(table.rows[1].terms)
    mean = sum(len(s.terms) for s in table.rows) / 6
    assert scores[0] == pytest.approx(_bm25(1, 2, 6, length, mean))
