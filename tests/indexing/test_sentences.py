"""The sentence table: neighbours inside a paragraph and the lexical facts of each sentence."""

from __future__ import annotations

import numpy as np

from survqa.chunking import chunk_document
from survqa.lexical import tokenize
from survqa.records import Document
from survqa.sentences import SentenceTable

TEXT = (
    "Le Parti surveille afin de prévenir la dissidence. Paris compte 56 000 caméras.\n\n"
    "En 2016, Chen Quanguo arrive au Xinjiang. La ville est calme.\n"
)


def _table() -> SentenceTable:
    doc = Document(source="a.txt", title="A", text=TEXT)
    passages = chunk_document(doc, max_words=8)
    owners = np.asarray([r for r, p in enumerate(passages) for _ in p.sentences], dtype=np.int64)
    return SentenceTable(passages, owners, {"a.txt": doc})


def test_rows_follow_the_text_and_neighbours_stay_in_the_paragraph() -> None:
    table = _table()
    starts = [TEXT[a:b][:8] for a, b in table.spans]
    assert starts == ["Le Parti", "Paris co", "En 2016,", "La ville"]
    assert table.after(0) == 1 and table.before(1) == 0
    assert table.after(1) is None and table.before(2) is None  # paragraph break
    assert table.neighbours(3) == [2]


def test_answer_kind_flags() -> None:
    table = _table()
    assert table.has_reason == [True, False, False, False]
    assert table.has_number == [False, True, True, False]
    assert table.has_year == [False, False, True, False]
    assert table.has_name[2] and not table.has_name[3]


def test_coverage_is_idf_weighted_share_of_question_terms() -> None:
    table = _table()
    terms = table.weigh(tokenize("caméras Paris Xinjiang"))
    # sentence 1 holds "caméras" and "Paris", sentence 2 "Xinjiang": together all of it
    assert 0 < table.coverage(terms, 1) < 1 and 0 < table.coverage(terms, 2) < 1
    assert abs(table.coverage(terms, 1) + table.coverage(terms, 2) - 1.0) < 1e-12
    assert table.coverage(terms, 3) == 0.0
