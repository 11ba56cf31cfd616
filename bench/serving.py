"""citeqa as users meet it: a real `citeqa serve` over HTTP on loopback.

Cold start (process start to `/readyz` 200), latency at concurrency 1, answers per second
at several concurrencies with one and two workers, and the same question asked again.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.load import LoadResult, questions, run_load
from tests.processes import ChromaProcess, running_citeqa

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@dataclass
class Serving:
    """What the serving benchmarks measured."""

    cold_start_s: list[float] = field(default_factory=list)
    latency: LoadResult | None = None
    throughput: dict[tuple[int, int], float] = field(default_factory=dict)  # (workers, c)
    failed: dict[tuple[int, int], int] = field(default_factory=dict)  # requests that failed
    first_ask_ms: float = 0.0
    repeat_ms: list[float] = field(default_factory=list)


def cold_start(data_dir: Path) -> float:
    """Seconds from starting `citeqa serve` to its first `/readyz` 200."""
    started = time.perf_counter()
    with running_citeqa(data_dir):
        return time.perf_counter() - started


def latency_at_one(url: str, rounds: int) -> LoadResult:
    """Every question asked in turn, one at a time, `rounds` times."""
    count = rounds * len(questions())
    return asyncio.run(run_load(url, count, 1, chat=False))


def answers_per_second(url: str, concurrency: int, requests: int) -> tuple[float, int]:
    """`/v1/ask` answers per second with `concurrency` requests in flight, and the number
    of requests that failed."""
    asyncio.run(run_load(url, min(requests, 200), concurrency, chat=False))  # warm
    result = asyncio.run(run_load(url, requests, concurrency, chat=False))
    return (result.requests - result.errors) / result.seconds, result.errors


def repeated_question(url: str, times: int = 50) -> tuple[float, list[float]]:
    """Milliseconds for a question asked first, then for the same question asked again."""
    body = {"question": questions()[0]}
    with httpx.Client(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        client.post("/v1/ask", json=body).raise_for_status()
        first = (time.perf_counter() - started) * 1000
        again = []
        for _ in range(times):
            started = time.perf_counter()
            client.post("/v1/ask", json=body).raise_for_status()
            again.append((time.perf_counter() - started) * 1000)
    return first, again


def measure(
    work_dir: Path, concurrencies: list[int], requests: int, rounds: int, starts: int = 3
) -> Serving:
    """Run every serving benchmark over the article; servers are stopped by their ids."""
    serving = Serving()
    data = work_dir / "data"
    Engine.open(Settings(data_dir=data)).library.ingest([SEEDS])
    serving.cold_start_s = [cold_start(data) for _ in range(starts)]
    # Every request does all the work (no answer cache), and none is refused: this measures
    # what a process can answer; bench/admission.py measures it refusing the excess.
    unbounded = str(max(concurrencies))
    with running_citeqa(data, answer_cache_size="0", max_in_flight=unbounded) as url:
        serving.latency = latency_at_one(url, rounds)
        for concurrency in concurrencies:
            rate, failed = answers_per_second(url, concurrency, requests)
            serving.throughput[(1, concurrency)], serving.failed[(1, concurrency)] = rate, failed
    with running_citeqa(data) as url:
        serving.first_ask_ms, serving.repeat_ms = repeated_question(url)
    chroma = ChromaProcess(work_dir / "chroma")
    chroma.start()
    try:
        collection = f"b{uuid.uuid4().hex[:8]}"
        Engine.open(Settings(chroma_url=chroma.url, collection=collection)).library.ingest([SEEDS])
        with running_citeqa(
            work_dir / "unused",
            "--workers",
            "2",
            chroma_url=chroma.url,
            collection=collection,
            answer_cache_size="0",
            max_in_flight=unbounded,
        ) as url:
            for concurrency in concurrencies:
                rate, failed = answers_per_second(url, concurrency, requests)
                serving.throughput[(2, concurrency)] = rate
                serving.failed[(2, concurrency)] = failed
    finally:
        chroma.stop()
    return serving


def median(values: list[float]) -> float:
    """The median, or 0 for no values."""
    return statistics.median(values) if values else 0.0
