"""The sentence table: rows, neighbours inside a paragraph, the lexical facts of each
sentence, and its JSONL form saved with the index."""

from __future__ import annotations

import numpy as np

from survqa.analysis import tokenize
from survqa.indexing.chunking import chunk_document
from survqa.indexing.sentences import (
    Sentence,
    SentenceTable,
    build_sentences,
    from_jsonl,
    to_jsonl,
    window_text,
)
from survqa.records import Document, Passage

TEXT = (
    "Le Parti surveille afin de prévenir la dissidence. Paris compte 56 000 caméras.\n\n"
    "En 2016, Chen Quanguo arrive au Xinjiang. La ville est calme.\n"
)


def _parts() -> tuple[list[Passage], list[Sentence]]:
    doc = Document(source="a.txt", title="A", text=TEXT)
    passages = chunk_document(doc, max_words=8)
    return passages, build_sentences(passages, {"a.txt": doc})


def _table() -> SentenceTable:
    passages, sentences = _parts()
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
        assert s.terms == tuple(tokenize(TEXT[s.start : s.end]))


def test_window_text_joins_the_neighbours() -> None:
    _, sentences = _parts()
    assert window_text(sentences, 0) == (
        "Le Parti surveille afin de prévenir la dissidence. Paris compte 56 000 caméras."
    )
    assert (
        window_text(sentences, 3) == "En 2016, Chen Quanguo arrive au Xinjiang. La ville est calme."
    )


def test_jsonl_round_trip() -> None:
    _, sentences = _parts()
    text = to_jsonl(sentences)
    assert text.count("\n") == len(sentences) and "caméras" in text  # UTF-8, not escaped
    assert from_jsonl(text) == sentences


def test_answer_kind_flags() -> None:
    table = _table()
    assert table.has_reason == [True, False, False, False]
    assert table.has_number == [False, True, True, False]
    assert table.has_year == [False, False, True, False]
    assert table.has_name[2] and not table.has_name[3]


def test_heading_is_a_short_lone_line_without_final_punctuation() -> None:
    text = "Les caméras de Paris\n\nParis compte des caméras. Beaucoup.\n\nUne phrase seule.\n"
    doc = Document(source="h.txt", title="H", text=text)
    passages = chunk_document(doc)
    table = SentenceTable(build_sentences(passages, {"h.txt": doc}), passages)
    assert table.is_heading == [True, False, False, False]


def test_rows_of_passages_in_the_given_order() -> None:
    doc = Document(source="a.txt", title="A", text=TEXT)
    passages = chunk_document(doc)  # two passages of two sentences
    table = SentenceTable(build_sentences(passages, {"a.txt": doc}), passages)
    assert table.rows_of([1, 0]).tolist() == [2, 3, 0, 1]
    assert table.rows_of([]).tolist() == [] and table.rows_of([]).dtype == np.int64
    assert [table.source(j, passages) for j in range(len(table))] == ["a.txt"] * 4
    assert table.paragraph_key == [("a.txt", 0), ("a.txt", 0), ("a.txt", 1), ("a.txt", 1)]


def test_coverage_is_idf_weighted_share_of_question_terms() -> None:
    table = _table()
    terms = table.weigh(tokenize("caméras Paris Xinjiang"))
    # sentence 1 holds "caméras" and "Paris", sentence 2 "Xinjiang": together all of it
    assert 0 < table.coverage(terms, 1) < 1 and 0 < table.coverage(terms, 2) < 1
    assert abs(table.coverage(terms, 1) + table.coverage(terms, 2) - 1.0) < 1e-12
    assert table.coverage(terms, 3) == 0.0
    assert table.coverage({}, 1) == 0.0


def test_novelty_is_the_share_of_the_sentence_the_question_lacks() -> None:
    table = _table()
    assert table.novelty(table.weigh(list(table.terms[1])), 1) == 0.0
    assert table.novelty({}, 1) == 1.0
    assert 0.0 < table.novelty(table.weigh(tokenize("Paris")), 1) < 1.0


def test_weigh_uses_idf_and_a_default_for_unknown_terms() -> None:
    table = _table()
    weights = table.weigh(["paris", "inconnu"], boost=2.0)
    assert weights["paris"] == 2.0 * table.idf["paris"]
    assert weights["inconnu"] == 2.0 * table.default_idf >= weights["paris"]
