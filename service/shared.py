"""State every worker on every machine shares through Redis, when `CITEQA_REDIS_URL` is set:
the rate limit per caller and the answer cache.

Without Redis, both stay in each worker process (`service/http/limits.py: RateLimiter`, and
the engine's LRU cache). With Redis, a worker that cannot reach it carries on with its own,
logs a warning once, and tries Redis again every few seconds: Redis going away degrades the
limits to per-worker ones, never to an error a client sees.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any, TypeVar

import redis
from cachetools import LRUCache
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import TypeAdapter, ValidationError

from citeqa.service.engine.responses import Reply

log = logging.getLogger("citeqa")

# Seconds a worker carries on alone before it asks Redis again after a failure.
RETRY_S = 5.0
# Seconds a Redis call may take before the worker carries on alone: Redis on the same
# network answers in well under a millisecond.
TIMEOUT_S = 0.25
# How long Redis keeps an answer. A new index generation makes every earlier answer
# unreachable (it is part of the key); this only lets Redis reclaim their memory.
ANSWER_TTL_S = 3600
_PREFIX = "citeqa"

T = TypeVar("T")


class Outage:
    """Whether Redis is usable now; a failure is logged once and makes the caller work
    alone for `RETRY_S` seconds."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    def failed(self, error: Exception) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + RETRY_S
        if first:
            log.warning(
                "Redis is unreachable (%s: %s): the %s is kept per worker until it is back; "
                "trying again every %g s.",
                type(error).__name__,
                error,
                self.what,
                RETRY_S,
            )

    def recovered(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            log.warning("Redis is back: the %s is shared again.", self.what)


class SharedRateLimiter:
    """`count` requests per `period` seconds per caller across every worker, in a moving
    window kept in Redis by the `limits` library; `fallback` (this worker's own bucket)
    while Redis cannot be reached."""

    def __init__(
        self, url: str, count: int, period: float, fallback: Callable[[str], float]
    ) -> None:
        self.item = RateLimitItemPerSecond(count, max(1, math.ceil(period)))
        storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=f"{_PREFIX}-limits",
            wrap_exceptions=True,
            socket_timeout=TIMEOUT_S,
            socket_connect_timeout=TIMEOUT_S,
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self.fallback = fallback
        self.outage = Outage("rate limit")

    async def acquire(self, caller: str) -> float:
        """0 when the request may go ahead; otherwise seconds until it may."""
        if self.outage.down:
            return self.fallback(caller)
        # A key is never written into Redis: whoever reads Redis learns no credential.
        counted = hashlib.sha256(caller.encode()).hexdigest()
        try:
            if await self.limiter.hit(self.item, counted):
                self.outage.recovered()
                return 0.0
            stats = await self.limiter.get_window_stats(self.item, counted)
        except Exception as error:  # any failure of Redis: carry on alone, never a 500
            self.outage.failed(error)
            return self.fallback(caller)
        self.outage.recovered()
        return max(1.0, stats.reset_time - time.time())


class AnswerCache:
    """Answers kept for repeated questions, in this process."""

    def __init__(self, size: int) -> None:
        self._local: LRUCache[str, Reply] = LRUCache(size)
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Reply | None:
        with self._lock:
            return self._local.get(_digest(key))

    def put(self, key: tuple[Any, ...], reply: Reply) -> None:
        with self._lock:
            self._local[_digest(key)] = reply


class SharedAnswerCache(AnswerCache):
    """Answers kept in Redis for every worker; in this process while Redis is away. Stored
    as JSON (never pickled: what Redis holds is read back as data only)."""

    def __init__(self, url: str, size: int) -> None:
        super().__init__(size)
        self.redis = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
        )
        self.outage = Outage("answer cache")

    def get(self, key: tuple[Any, ...]) -> Reply | None:
        found = self._shared(lambda: self.redis.get(_redis_key(key)))
        if isinstance(found, bytes):
            try:
                return _REPLY.validate_json(found)
            except ValidationError:  # written by another version: answered anew
                return None
        return super().get(key)

    def put(self, key: tuple[Any, ...], reply: Reply) -> None:
        stored = self._shared(
            lambda: self.redis.set(_redis_key(key), _REPLY.dump_json(reply), ex=ANSWER_TTL_S)
        )
        if stored is None:
            super().put(key, reply)

    def _shared(self, call: Callable[[], T]) -> T | None:
        """The call's result; None when Redis is away (and then for a while after)."""
        if self.outage.down:
            return None
        try:
            result = call()
        except (redis.RedisError, OSError) as error:
            self.outage.failed(error)
            return None
        self.outage.recovered()
        return result


_REPLY = TypeAdapter(Reply)


def _digest(key: tuple[Any, ...]) -> str:
    """The same for equal keys in every process (unlike `hash`, salted per process)."""
    return hashlib.sha256(json.dumps(_plain(key), sort_keys=True).encode()).hexdigest()


def _redis_key(key: tuple[Any, ...]) -> str:
    return f"{_PREFIX}:answer:{_digest(key)}"


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
