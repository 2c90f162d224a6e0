"""Stage 6, assemble: windows become verbatim excerpts; one that restates a better one's fact
from another document is folded into its "also in"."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PARIS, FakeEmbedder, assert_verbatim, write_corpus

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.records import Citation, Excerpt
from survqa.search.assemble import assemble, excerpt, group_corroborating, same_fact
from survqa.search.calibrate import Verdict
from survqa.search.query import prepare
from survqa.search.rank import SentenceHit
from survqa.search.select import Window

TWICE = {  # one figure stated by two documents, and a third that says something else
    "x.txt": "Vidéosurveillance à Paris\n\n"
    "Paris compte 56 000 caméras de surveillance selon la préfecture de police.\n",
    "y.txt": "La préfecture publie ses chiffres\n\n"
    "Selon la préfecture de police, Paris compte 56 000 caméras de surveillance.\n",
    "z.txt": "Autre ville\n\nLyon compte 612 caméras de surveillance selon la métropole.\n",
}


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Corpus:
    return tiny_assistant.corpus()


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = write_corpus(tmp_path_factory.mktemp("twice") / "corpus", TWICE)
    assistant = Assistant(folder, folder.parent / "index", embedder=FakeEmbedder())
    assistant.load()
    return assistant


def test_an_excerpt_is_a_verbatim_slice_around_its_sentence(corpus: Corpus) -> None:
    window = Window(SentenceHit(2, 1.23456789), first=1, last=2, answer=2)
    made = excerpt(window, ("medium", 0.612345), corpus.index, corpus.documents)
    text = corpus.documents["a.txt"].text
    assert isinstance(made, Excerpt) and made.source == "a.txt"
    assert made.text == text[made.start : made.end]
    assert made.text.startswith("En Europe, Paris") and made.text.endswith("9 000.")
    assert made.answer == "Madrid en compte 25 000 et Berlin moins de 9 000."
    assert (made.title, made.publisher, made.paragraph) == ("Les caméras de Paris", "Test", 1)
    assert (made.score, made.confidence, made.also_in) == (1.234568, "medium", ())
    assert made.probability == 0.6123  # rounded to 4 places


def test_the_marked_sentence_is_the_window_answer_not_the_opening_one(corpus: Corpus) -> None:
    window = Window(SentenceHit(2, 1.0), first=1, last=2, answer=1)
    made = excerpt(window, ("high", 0.9), corpus.index, corpus.documents)
    assert made.answer == "En Europe, Paris compte 56 000 caméras."
    assert (made.answer_start, made.answer_end) == corpus.index.sentences.spans[1]


def test_the_same_figure_in_another_document_is_folded_into_also_in(twice: Assistant) -> None:
    answer = twice.ask(PARIS, k=5)
    first = answer.excerpts[0]
    assert first.source in ("x.txt", "y.txt") and "56 000 caméras" in first.answer
    (other,) = first.also_in
    assert type(other) is Citation and {first.source, other.source} == {"x.txt", "y.txt"}
    assert "56 000 caméras" in other.answer
    # the fact is not shown twice (the other document's heading may still be an excerpt)
    assert all(e.source != other.source or "56 000" not in e.text for e in answer.excerpts)
    assert_verbatim(answer, twice.corpus_dir)
    assert answer.to_dict()["excerpts"][0]["also_in"][0]["answer"] == other.answer


def test_same_fact_needs_a_shared_number_and_close_meaning(twice: Assistant) -> None:
    corpus = twice.corpus()
    table = corpus.index.sentences
    passages = corpus.index.passages
    rows = {passages[int(table.owners[j])].source: j for j in range(len(table))
            if "compte" in table.texts[j]}  # fmt: skip
    made = {s: excerpt(Window(SentenceHit(j, 1.0), j, j, j), ("low", 0.1), corpus.index,
                       corpus.documents) for s, j in rows.items()}  # fmt: skip
    assert same_fact(corpus.index, made["x.txt"], made["y.txt"], (rows["x.txt"], rows["y.txt"]))
    assert not same_fact(corpus.index, made["x.txt"], made["z.txt"],
                         (rows["x.txt"], rows["z.txt"]))  # fmt: skip
    windows = [Window(SentenceHit(rows[s], 1.0), rows[s], rows[s], rows[s])
               for s in ("x.txt", "y.txt")]  # fmt: skip
    grouped = group_corroborating(corpus.index, windows, [made["x.txt"], made["y.txt"]])
    assert [e.source for e in grouped] == ["x.txt"] and grouped[0].also_in[0].source == "y.txt"


def test_assemble_cuts_at_k_and_takes_the_first_label(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    q = prepare(PARIS, None, tiny_assistant.embedder, tiny_assistant.settings,
                corpus.index.lexicon)  # fmt: skip
    windows = [Window(SentenceHit(1, 2.0), 1, 2, 1), Window(SentenceHit(7, 1.0), 6, 8, 8),
               Window(SentenceHit(3, 0.5), 3, 4, 3)]  # fmt: skip
    verdict = Verdict(False, (0.8, 0.6, 0.1), (0.97, 0.7, 0.2), ("high", "medium", "low"))
    answer = assemble(q, windows, verdict, 2, corpus.index, corpus.documents)
    spans = corpus.index.sentences.spans
    assert [(e.source, e.answer_start, e.confidence, e.probability) for e in answer.excerpts] == [
        ("a.txt", 22, "high", 0.97),
        ("b.txt", spans[8][0], "medium", 0.7),
    ]
    assert answer.excerpts[1].answer.startswith("Mille caméras")
    assert (answer.question, answer.query, answer.language) == (PARIS, PARIS, "fr")
    assert (answer.no_answer, answer.confidence, answer.elapsed_ms) == (False, "high", 0.0)
    assert (answer.answerable, answer.abstention, answer.elsewhere) == (0.8, None, None)
    declined = Verdict(True, (0.9,), (0.8,), ("low",), "documents", "b.txt")
    told = assemble(q, windows[:1], declined, 5, corpus.index, corpus.documents)
    assert (told.no_answer, told.abstention, told.elsewhere) == (True, "documents", "b.txt")
    assert told.excerpts[0].confidence == "low" and told.answerable == 0.9
    nothing = assemble(q, [], Verdict(True, (), (), (), "corpus"), 5, corpus.index,
                       corpus.documents)  # fmt: skip
    assert nothing.excerpts == [] and nothing.no_answer and nothing.confidence == "low"
    assert (nothing.answerable, nothing.abstention) == (0.0, "corpus")


def test_files_of_the_twice_corpus_are_untouched(twice: Assistant) -> None:
    for name, text in TWICE.items():
        assert Path(twice.corpus_dir, name).read_text(encoding="utf-8") == text
