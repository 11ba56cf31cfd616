"""How citeqa behaves as the index grows: ingestion speed, query latency, memory.

Each size is a corpus written by `bench.corpus` (Markov text from public-domain sources),
ingested for real with the real model into embedded Chroma, then served by `citeqa serve`
and asked the founding-texts questions one at a time.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.corpus import write
from bench.load import resident_mib
from bench.processes import listening_pid, running_citeqa
from service.config import Settings
from service.pipeline import Pipeline

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "founding.jsonl"


@dataclass(frozen=True)
class Scale:
    """The figures of one index size."""

    chunks: int
    ingest_s: float
    chunks_per_s: float
    model_chunks_per_s: float  # the model alone, embedding the passages' text once
    cold_start_s: float
    p50_ms: float
    p95_ms: float
    rss_mib: float


def measure(size: int, work_dir: Path, rounds: int = 3) -> Scale:
    """Generate, ingest, serve and question an index of about `size` passages."""
    corpus = work_dir / f"corpus-{size}"
    write(size, corpus)
    data = work_dir / f"data-{size}"
    pipeline = Pipeline.open(Settings(data_dir=data))
    started = time.perf_counter()
    pipeline.ingest([corpus])
    ingest_s = time.perf_counter() - started
    chunks = pipeline.store.count_chunks()
    texts = [chunk.text for chunk in pipeline.retriever.corpus.chunks[:1000]]
    started = time.perf_counter()
    pipeline.embedder.embed(texts)
    model_rate = len(texts) / (time.perf_counter() - started)
    asked = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    started = time.perf_counter()
    with running_citeqa(data, answer_cache_size="0") as url:
        cold_start_s = time.perf_counter() - started
        latencies = []
        with httpx.Client(base_url=url, timeout=60) as client:
            for question in asked[:5]:
                client.post("/v1/ask", json={"question": question})
            for _ in range(rounds):
                for question in asked:
                    began = time.perf_counter()
                    client.post("/v1/ask", json={"question": question}).raise_for_status()
                    latencies.append((time.perf_counter() - began) * 1000)
        rss = resident_mib(listening_pid(url))
    latencies.sort()
    return Scale(
        chunks=chunks,
        ingest_s=ingest_s,
        chunks_per_s=chunks / ingest_s,
        model_chunks_per_s=model_rate,
        cold_start_s=cold_start_s,
        p50_ms=statistics.median(latencies),
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))],
        rss_mib=rss,
    )
