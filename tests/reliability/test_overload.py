"""Overload: a process answers a bounded number of questions at once and tells the excess
to come back (503 `overloaded`, Retry-After), while probes are always answered."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.load import run_load
from tests.processes import running_citeqa

CONCURRENCY = 32
REQUESTS = 400


def test_questions_beyond_the_bound_are_refused_with_retry_after(article_copy: Path) -> None:
    with running_citeqa(article_copy, max_in_flight="2", admission_wait_ms="5") as url:

        async def load_and_probe() -> tuple[object, list[int], list[httpx.Response]]:
            load = asyncio.create_task(run_load(url, REQUESTS, CONCURRENCY, chat=False))
            probes = []
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                while not load.done():
                    probes.append((await client.get("/healthz")).status_code)
                    await asyncio.sleep(0.05)
                refused = await asyncio.gather(
                    *(client.post("/v1/ask", json={"question": "Who wrote it?"}) for _ in range(16))
                )
            return await load, probes, list(refused)

        result, probes, burst = asyncio.run(load_and_probe())
    statuses = result.statuses  # type: ignore[attr-defined]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.get(200, 0) > 0 and statuses.get(503, 0) > 0, statuses
    assert probes and set(probes) == {200}
    refused = [response for response in burst if response.status_code == 503]
    assert refused and all(r.json()["code"] == "overloaded" for r in refused)
    assert all(r.headers["retry-after"] == "1" for r in refused)
