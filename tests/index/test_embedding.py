import numpy as np

from index.embedding import Embedder


def test_vectors_have_unit_length(embedder: Embedder) -> None:
    vectors = embedder.embed(["Iran retaliated with drones.", "Bread needs yeast."])
    assert vectors.shape == (2, embedder.dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_path_equals_the_batch_path(embedder: Embedder) -> None:
    text = "How many commanders were killed in the strike on the consulate?"
    assert np.allclose(embedder.embed_query(text), embedder.embed([text])[0], atol=1e-5)


def test_related_sentences_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    question, near, far = embedder.embed(
        ["Who was killed in the strike?", "The strike killed a commander.", "Bread needs yeast."]
    )
    assert question @ near > question @ far + 0.2
