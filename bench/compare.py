"""citeqa next to llama-index's default retrieval and next to the floor, in one process.

Same questions, same embedding model, same machine, timed in turn question by question so
that the machine's noise falls on all three alike:

- citeqa: `Engine.ask`, the full cited answer, with the answer cache off;
- llama-index: its default pipeline (`VectorStoreIndex` over Chroma, `as_retriever()`),
  retrieval only;
- floor: one query embedding and one Chroma query, nothing else.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import chromadb

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.load import questions

ARTICLE = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class Comparison:
    """Median latencies in milliseconds of the three, and their ratios."""

    citeqa_ms: float
    llama_index_ms: float
    floor_ms: float
    embedding_ms: float  # the question's embedding alone, part of all three
    questions: int
    rounds: int

    @property
    def over_llama_index(self) -> float:
        """citeqa's full answer / llama-index's retrieval only."""
        return self.citeqa_ms / self.llama_index_ms

    @property
    def over_floor(self) -> float:
        """citeqa's full answer / one embedding and one Chroma query."""
        return self.citeqa_ms / self.floor_ms


def llama_index_retriever(data_dir: Path, model: str) -> Callable[[str], object]:
    """llama-index's default pipeline over the article, in its own Chroma collection."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    LlamaSettings.llm = None  # retrieval only; nothing may call a hosted model
    client = chromadb.PersistentClient(path=str(data_dir))
    collection = client.get_or_create_collection("llama-index-default")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(collection))
    documents = SimpleDirectoryReader(str(ARTICLE)).load_data()
    embed_model = HuggingFaceEmbedding(model_name=model, device="cpu")
    index = VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed_model
    )
    return index.as_retriever().retrieve


def floor(engine: Engine) -> Callable[[str], object]:
    """One query embedding and one Chroma query over citeqa's passages."""
    embedder, store, k = engine.embedder, engine.library.store, engine.settings.retrieval.top_k

    def search(question: str) -> object:
        return store.nearest(embedder.embed_query(question), k)

    return search


def compare(work_dir: Path, rounds: int = 5) -> Comparison:
    """Time the three on the article's questions, `rounds` times each, interleaved."""
    settings = Settings(data_dir=work_dir / "citeqa", answer_cache_size=0)
    engine = Engine.open(settings)
    engine.library.ingest([ARTICLE])
    contenders: dict[str, Callable[[str], object]] = {
        "citeqa": engine.ask,
        "llama-index": llama_index_retriever(work_dir / "llama-index", settings.index.embed_model),
        "floor": floor(engine),
        "embedding": engine.embedder.embed_query,
    }
    asked = questions()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for call in contenders.values():  # warm every path once
        for question in asked[:5]:
            call(question)
    for _ in range(rounds):
        for question in asked:
            for name, call in contenders.items():
                started = time.perf_counter()
                call(question)
                times[name].append((time.perf_counter() - started) * 1000)
    median = {name: statistics.median(values) for name, values in times.items()}
    return Comparison(
        median["citeqa"],
        median["llama-index"],
        median["floor"],
        median["embedding"],
        len(asked),
        rounds,
    )
