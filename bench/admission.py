"""Admission control swept: answers per second, the answered requests' p99 and the share
refused, by bound (`CITEQA_MAX_IN_FLIGHT`) and concurrency, one worker over the article,
distinct questions.

    python -m bench.admission [--bounds 8 16 32 64] [--concurrency 16 64 128] [--requests 800]

Bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.conftest import ARTICLE
from tests.load import questions
from tests.processes import running_citeqa


async def _load(url: str, requests: int, concurrency: int) -> dict[str, float]:
    asked = questions()
    answered: list[float] = []
    refused: list[float] = []
    other = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal other
            while not queue.empty():
                i = queue.get_nowait()
                started = time.perf_counter()
                # Distinct questions: the answer cache answers none of them.
                question = f"{asked[i % len(asked)]} ({i})"
                response = await client.post("/v1/ask", json={"question": question})
                took = (time.perf_counter() - started) * 1000
                if response.status_code == 200:
                    answered.append(took)
                elif response.status_code == 503:
                    refused.append(took)
                else:
                    other += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    ordered = sorted(answered)
    return {
        "answers_per_s": len(answered) / seconds,
        "p99_ms": ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)] if ordered else 0,
        "refused": len(refused) / requests,
        "refusal_p99_ms": sorted(refused)[round(0.99 * len(refused)) - 1] if refused else 0.0,
        "other": other,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bounds", type=int, nargs="*", default=[8, 16, 32, 64])
    parser.add_argument("--concurrency", type=int, nargs="*", default=[16, 64, 128])
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--wait-ms", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-admission-") as work:
        data = Path(work) / "data"
        Engine.open(Settings(data_dir=data)).library.ingest([ARTICLE])
        print("| bound | concurrency | answers/s | answered p99 ms | refused | refusal p99 ms |")
        print("|---|---|---|---|---|---|")
        for bound in args.bounds:
            copy = Path(work) / f"copy-{bound}"
            shutil.copytree(data, copy, ignore=shutil.ignore_patterns("writer.lock"))
            with running_citeqa(
                copy, max_in_flight=str(bound), admission_wait_ms=str(args.wait_ms)
            ) as url:
                asyncio.run(_load(url, 200, 16))  # warm up
                for concurrency in args.concurrency:
                    found = asyncio.run(_load(url, args.requests, concurrency))
                    print(
                        f"| {bound} | {concurrency} | {found['answers_per_s']:.0f} | "
                        f"{found['p99_ms']:.0f} | {found['refused']:.0%} | "
                        f"{found['refusal_p99_ms']:.0f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
