from pathlib import Path

import numpy as np

from citeqa.index.embedding import Embedder, OnnxEmbedder, TorchEmbedder
from citeqa.service.config import Settings


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


def test_onnx_and_torch_backends_give_the_same_vectors(embedder: Embedder) -> None:
    """An index built with one backend serves questions embedded by the other."""
    assert isinstance(embedder, OnnxEmbedder)  # the default backend
    torch = TorchEmbedder(Settings().index.embed_model)
    texts = ["Who was killed in the strike?", "Iran retaliated with drones and missiles. " * 20]
    assert np.allclose(embedder.embed(texts), torch.embed(texts), atol=1e-4)
    assert np.allclose(embedder.embed_query(texts[0]), torch.embed_query(texts[0]), atol=1e-4)


def test_the_onnx_export_is_made_once_and_reused(tmp_path: Path) -> None:
    model = Settings().index.embed_model
    OnnxEmbedder(model, tmp_path)
    (exported,) = tmp_path.glob("*.onnx")
    written = exported.stat().st_mtime_ns
    again = OnnxEmbedder(model, tmp_path)
    assert exported.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    assert again.embed_query("Bread needs yeast.").shape == (again.dimensions,)


def test_questions_asked_at_once_are_batched_and_each_gets_its_own_vector(
    embedder: Embedder,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    questions = [f"Question number {n} about the strike on the consulate?" for n in range(24)]
    alone = [embedder.embed_query(q) for q in questions]
    with ThreadPoolExecutor(max_workers=12) as pool:
        together = list(pool.map(embedder.embed_query, questions))
    for one, other in zip(alone, together, strict=True):
        assert np.allclose(one, other, atol=1e-5)
