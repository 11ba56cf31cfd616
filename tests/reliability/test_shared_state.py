"""With `CITEQA_REDIS_URL`, the rate limit and the answer cache are shared by every worker,
against a real `redis-server` on loopback; Redis going away degrades both to per-worker
ones with a warning, never to an error a client sees."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.shared import SharedRateLimiter
from tests.conftest import ARTICLE
from tests.processes import ChromaProcess, RedisProcess, running_citeqa


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    server = RedisProcess()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _statuses(url: str, count: int) -> list[int]:
    # A new connection each: the kernel hands connections to both workers in turn.
    return [httpx.get(f"{url}/v1/documents", timeout=30).status_code for _ in range(count)]


def test_the_rate_limit_holds_across_two_workers(
    tmp_path: Path, redis_server: RedisProcess
) -> None:
    chroma = ChromaProcess(tmp_path / "chroma")
    chroma.start()
    try:
        collection = f"r{uuid.uuid4().hex[:10]}"
        Engine.open(Settings(chroma_url=chroma.url, collection=collection)).library.ingest(
            [ARTICLE]
        )
        env = {"chroma_url": chroma.url, "collection": collection, "rate_limit": "6/minute"}
        with running_citeqa(
            tmp_path / "unused", "--workers", "2", redis_url=redis_server.url, **env
        ) as url:
            statuses = _statuses(url, 20)
    finally:
        chroma.stop()
    assert statuses == [200] * 6 + [429] * 14


def test_redis_going_away_leaves_each_worker_its_own_limit_and_no_errors(
    article_copy: Path, tmp_path: Path, redis_server: RedisProcess
) -> None:
    log = tmp_path / "serve.log"
    with running_citeqa(
        article_copy, log=log, redis_url=redis_server.url, rate_limit="4/minute"
    ) as url:
        shared = _statuses(url, 2)
        redis_server.stop()
        alone = _statuses(url, 6)
        asked = httpx.post(f"{url}/v1/ask", json={"question": "Who wrote the article?"}, timeout=30)
    notes = log.read_text()
    assert shared == [200, 200], notes[-3000:]
    # The worker's own bucket takes over: full, since Redis counted the first two.
    assert alone == [200] * 4 + [429] * 2, notes[-4000:]
    assert asked.status_code in (200, 429)  # never a 500
    notes = log.read_text()
    assert "Redis is unreachable" in notes and "kept per worker" in notes


def test_an_answer_given_by_one_worker_is_reused_by_another(
    article_settings: Settings, redis_server: RedisProcess
) -> None:
    settings = article_settings.with_values(redis_url=redis_server.url)
    first, second = Engine.open(settings), Engine.open(settings)
    question = "How many commanders were killed in the consulate strike?"
    answered = first.ask(question)
    reused = second.ask(question)
    assert reused.answer == answered.answer and reused.citations == answered.citations
    assert reused.timings_ms.retrieve == 0.0  # from the shared cache, not answered anew
    alone = Engine.open(article_settings).ask(question)
    assert alone.timings_ms.retrieve > 0.0  # without Redis, each keeps its own
    other = Engine.open(settings.with_values(min_score=0.5)).ask(question)
    assert other.timings_ms.retrieve > 0.0  # other settings may answer otherwise: not shared


def test_no_key_is_written_into_redis(redis_server: RedisProcess) -> None:
    limiter = SharedRateLimiter(redis_server.url, 5, 60.0, lambda caller: 0.0)
    assert asyncio.run(limiter.acquire("key:a-secret-api-key")) == 0.0
    stored = redis.Redis.from_url(redis_server.url).keys("*")
    assert stored and not any(b"a-secret-api-key" in key for key in stored)
