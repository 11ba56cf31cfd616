"""How citeqa behaves as the index grows: ingestion speed, query latency, memory.

Each size up to `embed_up_to` is a corpus written by `bench.corpus` (Markov text from
public-domain sources), ingested for real with the real model into embedded Chroma. A larger
size is built from the largest ingested one by storing copies of its documents under new
ids with their stored vectors, because embedding 100,000 passages would take over an hour
on a 2-core CPU; searching costs the same per vector whatever the vector holds. Each index
is then served by `citeqa serve` and asked the founding-texts questions one at a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from bench.corpus import write
from bench.page import markers, write_section
from citeqa.index.documents import Document
from citeqa.index.store import ChunkStore, open_client
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.load import resident_mib
from tests.processes import listening_pid, running_citeqa

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "founding.jsonl"


@dataclass(frozen=True)
class Scale:
    """The figures of one index size."""

    chunks: int
    copied: bool  # built by copying a smaller index's documents and vectors
    ingest_s: float
    chunks_per_s: float
    model_chunks_per_s: float  # the model alone, embedding the passages' text once
    first_start_s: float  # no snapshot yet: read from Chroma, snapshot written
    cold_start_s: float  # from the snapshot
    p50_ms: float
    p95_ms: float
    rss_mib: float


def ingested(size: int, work_dir: Path) -> tuple[Path, float, float]:
    """An index of about `size` generated passages: its folder, the seconds ingestion took,
    and the model's own rate on the passages' text (passages per second)."""
    corpus = work_dir / f"corpus-{size}"
    write(size, corpus)
    data = work_dir / f"data-{size}"
    engine = Engine.open(Settings(data_dir=data))
    started = time.perf_counter()
    engine.library.ingest([corpus])
    ingest_s = time.perf_counter() - started
    texts = [chunk.text for chunk in engine.retriever.corpus.chunks[:1000]]
    started = time.perf_counter()
    engine.embedder.embed(texts)
    return data, ingest_s, len(texts) / (time.perf_counter() - started)


def copied(base: Path, copies: int, work_dir: Path) -> Path:
    """The index in `base` with `copies` more copies of each document, vectors reused."""
    data = work_dir / f"{base.name}-x{copies + 1}"
    shutil.copytree(base, data)
    store = ChunkStore(open_client(data, None), Settings().index.collection)
    for stored in store.documents():
        chunks = store.chunks(list(stored.chunk_ids))
        sentences = store.sentences(list(stored.chunk_ids))
        vectors = store.vectors([chunk.id for chunk in chunks])
        sentence_vectors = store.sentence_vectors([sentence.id for sentence in sentences])
        for copy in range(1, copies + 1):
            title = f"{stored.title} ({copy})"
            document = Document(f"{stored.id}-{copy}", title, "", ())
            fresh = [
                replace(
                    c, id=f"{c.id}-{copy}", document_id=document.id, document_title=document.title
                )
                for c in chunks
            ]
            fresh_sentences = [
                replace(s, id=f"{s.chunk_id}-{copy}:{s.index}", chunk_id=f"{s.chunk_id}-{copy}")
                for s in sentences
            ]
            store.write_document(
                document,
                fresh,
                vectors,
                fresh_sentences,
                sentence_vectors,
                [chunk.id for chunk in fresh],
            )
    return data


def measure_all(sizes: list[int], work_dir: Path, embed_up_to: int = 10000) -> list[Scale]:
    """Every size, smallest first; sizes above `embed_up_to` copy the largest ingested one."""
    scales, base, base_rate, base_chunks = [], None, 0.0, 0
    for size in sorted(sizes):
        if size <= embed_up_to or base is None:
            data, ingest_s, rate = ingested(size, work_dir)
            base, base_rate = data, rate
            base_chunks = _count(data)
        else:
            copies = max(1, round(size / base_chunks)) - 1
            data, ingest_s, rate = copied(base, copies, work_dir), 0, 0
        print(f"  {_count(data)} passages indexed", flush=True)
        scales.append(_serve_and_ask(data, ingest_s, rate or base_rate, size > embed_up_to))
    return scales


def _count(data: Path) -> int:
    return ChunkStore(open_client(data, None), Settings().index.collection).count_chunks()


def _serve_and_ask(data: Path, ingest_s: float, model_rate: float, copy: bool) -> Scale:
    chunks = _count(data)
    rounds = 3
    asked = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    shutil.rmtree(data / "snapshots", ignore_errors=True)
    started = time.perf_counter()
    with running_citeqa(data, wait_s=1800):
        first_start_s = time.perf_counter() - started
    started = time.perf_counter()
    with running_citeqa(data, wait_s=900, answer_cache_size="0") as url:
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
        copied=copy,
        ingest_s=ingest_s,
        chunks_per_s=chunks / ingest_s if ingest_s else 0.0,
        model_chunks_per_s=model_rate,
        first_start_s=first_start_s,
        cold_start_s=cold_start_s,
        p50_ms=statistics.median(latencies),
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))],
        rss_mib=rss,
    )


def section(scale: Scale, index: Path) -> str:
    """The benchmarks page's section for one index measured on its own."""
    begin, end = markers("scale")
    rows = [
        (
            "first start after a write (reads Chroma, writes the snapshot)",
            f"{scale.first_start_s:.1f} s",
            "—",
        ),
        ("ready, from the snapshot", f"{scale.cold_start_s:.1f} s", "≤ 10 s"),
        (
            "resident memory after the questions",
            f"{scale.rss_mib:.0f} MiB",
            "≤ 1,229 MiB (1.2 GiB)",
        ),
        (
            "`/v1/ask` p50 / p95, one at a time",
            f"{scale.p50_ms:.1f} / {scale.p95_ms:.1f} ms",
            "p50 ≤ 25 ms",
        ),
    ]
    lines = [
        begin,
        f"## Fast start at {scale.chunks:,} passages (`python -m bench.scale --index DIR`)",
        "",
        f"The index `{index.name}` built by `bench/scale.py` (generated documents, copied to",
        "size), served by `citeqa serve` and asked the founding-texts questions three times,",
        "one at a time, answer cache off.",
        "",
        "| figure | measured | target |",
        "|---|---|---|",
        *(f"| {what} | {found} | {target} |" for what, found, target in rows),
        end,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Start and ask an index built earlier.")
    parser.add_argument("--index", type=Path, required=True, help="Its data directory.")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args()
    scale = _serve_and_ask(args.index, 0.0, 0.0, copy=True)
    text = section(scale, args.index)
    write_section("scale", text, args.output)
    print(text)


if __name__ == "__main__":
    main()
