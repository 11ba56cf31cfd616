"""Load: 5,000 /v1/ask and /v1/chat requests at concurrency 32, against one server and
against 4 workers sharing a Chroma server. Zero errors, zero timeouts, bounded memory."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from bench.load import resident_mib, run_load
from bench.processes import ChromaProcess, listening_pid, running_citeqa
from service.config import Settings
from service.pipeline import Pipeline
from tests.conftest import ARTICLE
from tests.reliability.artifacts import record

REQUESTS = 5000
CONCURRENCY = 32
WARM_UP = 2500  # every worker has seen every question: caches and buffers are full


def _load(url: str, name: str) -> None:
    pid = listening_pid(url)
    warm = asyncio.run(run_load(url, WARM_UP, CONCURRENCY))
    before = resident_mib(pid)
    result = asyncio.run(run_load(url, REQUESTS, CONCURRENCY, timeout_s=30))
    after = resident_mib(pid)
    figures = {
        **result.summary(),
        "rss_mib_after_warm_up": round(before, 1),
        "rss_mib_after": round(after, 1),
        "growth": round(after / before - 1, 3),
    }
    print(f"\n{name}: {figures}")
    record(f"load-{name}", figures)
    assert warm.errors == 0
    assert result.requests == REQUESTS
    assert result.errors == 0 and result.timeouts == 0, result.statuses
    assert after < before * 1.10, figures


def test_one_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Pipeline.open(Settings(data_dir=data)).ingest([ARTICLE])
    with running_citeqa(data) as url:
        _load(url, "one-server")


@pytest.mark.parametrize("workers", [4])
def test_workers_with_a_chroma_server(tmp_path: Path, workers: int) -> None:
    chroma = ChromaProcess(tmp_path / "chroma")
    chroma.start()
    try:
        collection = f"l{uuid.uuid4().hex[:10]}"
        Pipeline.open(Settings(chroma_url=chroma.url, collection=collection)).ingest([ARTICLE])
        env = {"chroma_url": chroma.url, "collection": collection}
        with running_citeqa(tmp_path / "unused", "--workers", str(workers), **env) as url:
            assert httpx.get(f"{url}/readyz").status_code == 200
            _load(url, f"{workers}-workers-chroma-server")
    finally:
        chroma.stop()
