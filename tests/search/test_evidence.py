"""What the question alone says about the corpus: its names, numbers and content words
that the corpus never uses, matched across languages through the lexicon."""

from __future__ import annotations

import pytest
from conftest import PARIS, FakeEmbedder

from survqa import Assistant
from survqa.analysis import tokenize
from survqa.indexing.chunking import chunk_document
from survqa.indexing.sentences import SentenceTable, build_sentences
from survqa.records import Document
from survqa.search.evidence import Evidence, gather, question_names
from survqa.search.query import Query, prepare
from survqa.settings import Settings
from survqa.translation import Lexicon

NONE = Lexicon({}, tokenize)
# Spanish "Belgrado" (stem "belgr") is the corpus's "belgrad"; German "Kamera" is a word
LEXICON = Lexicon(
    {"es": {"belgr": frozenset({"belgrad"})}, "de": {"kamera": frozenset({"cam"})}},
    tokenize,
    {"de": frozenset({"kamera"})},
)


def query(text: str, lexicon: Lexicon = NONE, history: list[str] | None = None) -> Query:
    return prepare(text, history, FakeEmbedder(), Settings(), lexicon)


@pytest.fixture(scope="module")
def table(tiny_assistant: Assistant) -> SentenceTable:
    table = tiny_assistant.corpus().index.sentences
    assert table.numbers == {"56000", "25000", "9000"}
    return table


@pytest.mark.parametrize(
    ("question", "names"),
    [("Combien de caméras à Tombouctou selon Interpol ?", ["Tombouctou", "Interpol"]),
     ("Paris compte-t-il des caméras ?", []),  # the first word is capitalised anyway
     ("Qui est Chen Quanguo ?", ["Chen", "Quanguo"]),
     ("Combien de CCTV à Paris en 2016 ?", ["Paris"]),  # acronyms and numbers are no names
     ("Qu'a dit l'ONG Share à Belgrade ?", ["Share", "Belgrade"]),
     ("Wie viele Kameras hat Paris?", ["Kameras", "Paris"])],
)  # fmt: skip
def test_question_names(question: str, names: list[str]) -> None:
    assert question_names(question) == names


def test_a_question_the_corpus_knows(table: SentenceTable) -> None:
    assert gather(query(PARIS), table, NONE) == Evidence(
        names=1, unknown_names=0, numbers=0, unknown_numbers=0, unknown_terms=0.0
    )


def test_unknown_names_and_words(table: SentenceTable) -> None:
    evidence = gather(query("Combien de drones à Tombouctou ?"), table, NONE)
    # "dron" and "tombouctou": no corpus term; one name, unknown
    assert evidence == Evidence(1, 1, 0, 0, 1.0)
    mixed = gather(query("Combien de drones surveillent Paris ?"), table, NONE)
    # groups dron, surveil, paris: two of three unknown; "Paris" is known
    assert mixed == Evidence(1, 0, 0, 0, pytest.approx(2 / 3))


def test_unknown_numbers(table: SentenceTable) -> None:
    evidence = gather(query("Paris compte-t-il 77 777 caméras ou 56 000 ?"), table, NONE)
    # numbers 77777 (unknown) and 56000; groups paris compt 77777 cam 56000: one unknown
    assert evidence == Evidence(0, 0, 2, 1, pytest.approx(1 / 5))
    assert gather(query("Berlin a-t-il moins de 9.000 caméras ?"), table, NONE).unknown_numbers == 0


def test_names_are_matched_across_languages_through_the_lexicon(table: SentenceTable) -> None:
    spanish = "¿Cuántas cámaras hay en Belgrado?"
    assert gather(query(spanish, NONE), table, NONE).unknown_names == 1
    known = gather(query(spanish, LEXICON), table, LEXICON)
    assert (known.names, known.unknown_names) == (1, 0)
    # "Belgrade" in an English question: its own French term is the corpus's
    assert gather(query("Who films Belgrade?"), table, NONE).unknown_names == 0


def test_common_words_of_a_language_are_no_names(table: SentenceTable) -> None:
    german = "Wie viele Kameras hat Tombouctou?"
    assert gather(query(german, NONE), table, NONE).names == 2  # Kameras, Tombouctou
    evidence = gather(query(german, LEXICON), table, LEXICON)
    assert (evidence.names, evidence.unknown_names) == (1, 1)  # Tombouctou only
    # its words: "Kameras" → cam (known) and "Tombouctou" (unknown)
    assert evidence.unknown_terms == pytest.approx(1 / 2)


def test_a_follow_up_is_judged_on_its_own_words(table: SentenceTable) -> None:
    follow = query("Et à Tombouctou ?", history=[PARIS])
    assert follow.searched != follow.question and frozenset({"paris"}) in follow.groups
    evidence = gather(follow, table, NONE)
    assert evidence == Evidence(1, 1, 0, 0, 1.0)  # "tombouctou" alone, not Paris's words


def test_words_only_in_units_that_cannot_answer_are_unknown() -> None:
    text = (
        "En 2016, Chen Quanguo arrive au Xinjiang. La ville est calme.\n\n"
        "Sources\n\n1. Paul Bischoff, « Les caméras de Pékin », Comparitech, 25 juin 2025.\n"
    )
    doc = Document(source="r.txt", title="R", text=text)
    passages = chunk_document(doc)
    references = SentenceTable(build_sentences(passages, {"r.txt": doc}), passages)
    assert references.answers.tolist() == [True, True, False, False]
    evidence = gather(query("Que dit Paul Bischoff du Xinjiang en 2025 ?"), references, NONE)
    # Paul, Bischoff only in the reference: unknown; Xinjiang known; 2025 only there too;
    # words dit paul bischoff xinjiang 2025: four of five unknown
    assert tokenize("Que dit Paul Bischoff du Xinjiang en 2025 ?")[0] == "dit"
    assert evidence == Evidence(3, 2, 1, 1, pytest.approx(4 / 5))
    assert not gather(query("Que fait Chen Quanguo en 2016 ?"), references, NONE).unknown_names
