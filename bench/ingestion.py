"""Ingestion beside the model alone: where a folder's ingestion time goes, stage by stage,
and the whole against the embedding model alone on exactly the texts ingestion embeds (each
passage and each sentence window), timed in the same run.

    python -m bench.ingestion [--chunks 2000] [--output docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import write
from bench.page import markers, write_section
from citeqa.index.chunking import Chunker, sentences_of
from citeqa.index.documents import load_document
from citeqa.index.embedding import Embedder, default_model_path, load_embedder
from citeqa.index.ingest import Ingestor
from citeqa.index.store import ChunkStore, open_client


@dataclass(frozen=True)
class Ingestion:
    """One folder ingested, and the model alone on its texts."""

    files: int
    passages: int
    texts: int  # passages and sentence windows: what the model embeds
    ingest_s: float
    model_s: float
    stages: dict[str, float]

    @property
    def over_model(self) -> float:
        return self.ingest_s / self.model_s


def _texts(folder: Path, chunker: Chunker) -> list[str]:
    """What ingestion embeds: every passage, then every sentence window."""
    texts = []
    for path in sorted(folder.iterdir()):
        chunks = chunker.split(load_document(path))
        texts += [chunk.text for chunk in chunks]
        texts += [sentence.window for chunk in chunks for sentence in sentences_of(chunk)]
    return texts


def _model_alone(embedder: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.embed(texts)
    return time.perf_counter() - started


def measure(chunks: int, work: Path) -> Ingestion:
    """Ingest a generated corpus of about `chunks` passages into embedded Chroma, then time
    the model on the same texts; the model is warm for both."""
    folder = work / "corpus"
    write(chunks, folder)
    embedder = load_embedder(default_model_path())
    chunker = Chunker()
    texts = _texts(folder, chunker)
    embedder.embed(texts[:64])  # warm
    ingestor = Ingestor(ChunkStore(open_client(work / "data")), embedder, chunker)
    started = time.perf_counter()
    report = ingestor.ingest_files([folder])
    ingest_s = time.perf_counter() - started
    model_s = _model_alone(embedder, texts)
    passages = sum(result.chunk_count for result in report.results)
    return Ingestion(len(report.results), passages, len(texts), ingest_s, model_s, report.seconds)


def section(found: Ingestion) -> str:
    """The benchmarks page's section."""
    begin, end = markers("ingestion")
    lines = [
        begin,
        "## Ingestion beside the model alone (`python -m bench.ingestion`)",
        "",
        f"{found.files} generated documents (`bench/corpus.py`), {found.passages:,} passages and",
        f"{found.texts - found.passages:,} sentence windows: {found.texts:,} texts embedded.",
        "Ingested into embedded Chroma by `Ingestor.ingest_files`, then the same texts embedded",
        "by the model alone (`Embedder.embed`, one call), in the same process.",
        "",
        "| | seconds | passages/s | vs the model alone (≤ 1.3) |",
        "|---|---|---|---|",
        f"| ingestion | {found.ingest_s:.1f} | {found.passages / found.ingest_s:.1f} | "
        f"{found.over_model:.2f} |",
        f"| the model alone | {found.model_s:.1f} | {found.passages / found.model_s:.1f} | 1.00 |",
        "",
        "Where ingestion's time went (writing runs beside the rest, one document behind):",
        "",
        "| " + " | ".join(found.stages) + " |",
        "|" + "---|" * len(found.stages),
        "| " + " | ".join(f"{s:.1f} s" for s in found.stages.values()) + " |",
        end,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-ingestion-") as work:
        text = section(measure(args.chunks, Path(work)))
    write_section("ingestion", text, args.output)
    print(text)


if __name__ == "__main__":
    main()
