"""Request limits: body size, time per request, a rate per API key or client address, and
how many questions a process answers at once.

The rate limit is kept per process (with N workers a client may get up to N times the rate),
unless `CITEQA_REDIS_URL` names a Redis that every worker shares (`service/shared.py`).

Admission: a process answers at most `CITEQA_MAX_IN_FLIGHT` questions at once. One more
waits up to `CITEQA_ADMISSION_WAIT_MS` for a turn, then gets 503 `overloaded` with
Retry-After at once, so that under more load than it can serve the service keeps its rate
and tells the excess to come back, instead of slowing every answer down. Probes, metrics
and document writes are never held back.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections import deque

from cachetools import TTLCache
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citeqa.service.config import Settings, parse_rate
from citeqa.service.http.errors import error_body
from citeqa.service.http.security import credentials_in_url, is_valid_key, presented_key
from citeqa.service.shared import SharedRateLimiter

# JSON bodies of questions and conversations are far smaller; documents have their own cap.
_BODY_SLACK = 64_000


# Callers whose buckets are remembered at once: beyond, the longest idle is forgotten (a full
# bucket again). A bucket idle for a whole period is full anyway, so none is kept longer.
_MAX_CALLERS = 100_000
# Writes of documents, which the request timeout does not cut off.
_WRITES = "/v1/documents"
# Paths never limited: probes and metrics.
_UNLIMITED = ("/healthz", "/readyz", "/metrics")
# Questions: what admission control counts.
_QUESTIONS = ("/v1/ask", "/v1/chat", "/mcp")


class RateLimiter:
    """A token bucket per caller: `count` requests per `period` seconds, refilled smoothly."""

    def __init__(self, count: int, period: float, max_callers: int = _MAX_CALLERS) -> None:
        self.capacity = count
        self.refill_per_s = count / period
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(max_callers, ttl=period)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def acquire(self, caller: str) -> float:
        """0 when the request may go ahead; otherwise seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(caller, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - at) * self.refill_per_s)
            if tokens >= 1:
                self._buckets[caller] = (tokens - 1, now)
                return 0.0
            self._buckets[caller] = (tokens, now)
            return (1 - tokens) / self.refill_per_s


class Admission:
    """At most `limit` questions in flight in this process; one more waits up to `wait_s`
    for a turn, handed to the longest waiting as one ends. At most `limit` wait at once: more
    could not get a turn in time, and are refused at once. Counted on the event loop, which
    runs every request's admission."""

    def __init__(self, limit: int, wait_s: float) -> None:
        self.limit = limit
        self.wait_s = wait_s
        self.in_flight = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def enter(self) -> bool:
        """Take a turn; False when none came free in time."""
        if self.in_flight < self.limit and not self._waiting:
            self.in_flight += 1
            return True
        if self.wait_s <= 0 or len(self._waiting) >= self.limit:
            return False
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.wait_s)
        except BaseException as stopped:  # out of time, or the client went away
            with contextlib.suppress(ValueError):
                self._waiting.remove(turn)
            handed = turn.done() and not turn.cancelled()
            turn.cancel()  # `leave` passes over it from now on
            if isinstance(stopped, TimeoutError):
                return handed  # a turn handed over as time ran out is taken
            if handed:
                self.leave()  # ... or passed on, never lost
            raise
        return True  # handed over by `leave`: counted in flight already

    def leave(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():  # not timed out: the turn passes to it
                turn.set_result(None)
                return
        self.in_flight -= 1


class Limits:
    """ASGI middleware: refuses credentials in URLs, bodies over the size cap (declared or
    streamed) and callers over the rate, and answers 503 when a request has not started its
    response within the request timeout."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        rate = parse_rate(settings.limits.rate_limit) if settings.limits.rate_limit else None
        self.limiter = RateLimiter(*rate) if rate else None
        self.shared = (
            SharedRateLimiter(settings.server.redis_url, *rate, self.limiter.acquire)
            if rate and self.limiter is not None and settings.server.redis_url
            else None
        )
        self.max_body = settings.limits.max_document_bytes + _BODY_SLACK
        server = settings.server
        self.admission = Admission(server.max_in_flight, server.admission_wait_ms / 1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request) or await self._over_rate(request)
        if refusal is None and "content-length" not in request.headers:
            receive, refusal = await self._read_capped(receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if request.method in ("POST", "DELETE") and request.url.path.startswith(_WRITES):
            # A write is never cut off half-way: it answers when it is done, with its outcome.
            await self.app(scope, receive, send)
            return
        if request.method != "POST" or not request.url.path.startswith(_QUESTIONS):
            await self._within_timeout(scope, receive, send)
            return
        if not await self.admission.enter():
            await self._overloaded()(scope, receive, send)
            return
        try:
            await self._within_timeout(scope, receive, send)
        finally:
            self.admission.leave()

    def _overloaded(self) -> Response:
        return JSONResponse(
            error_body(
                "overloaded",
                f"The service is answering as many questions as it can "
                f"({self.admission.limit} at once a process). Retry in 1 s.",
            ),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    def _refusal(self, request: Request) -> Response | None:
        if credentials_in_url(request):
            return JSONResponse(
                error_body(
                    "forbidden",
                    "Send the key in the header 'Authorization: Bearer <key>', not in the URL.",
                ),
                status_code=403,
            )
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return self._too_large()
        return None

    async def _over_rate(self, request: Request) -> Response | None:
        """The 429 for a caller over the rate, else None."""
        if self.limiter is None or request.method == "OPTIONS" or request.url.path in _UNLIMITED:
            return None
        key = presented_key(request)
        # Only a valid key has a bucket of its own; anything else counts against the address.
        caller = (
            f"key:{key}"
            if is_valid_key(key, self.settings)
            else f"ip:{request.client.host if request.client else '?'}"
        )
        wait = await self.shared.acquire(caller) if self.shared else self.limiter.acquire(caller)
        if not wait:
            return None
        return JSONResponse(
            error_body(
                "rate_limited",
                f"Too many requests: the limit is {self.settings.limits.rate_limit}. "
                f"Retry in {math.ceil(wait)} s.",
            ),
            status_code=429,
            headers={"Retry-After": str(math.ceil(wait))},
        )

    def _too_large(self) -> Response:
        return JSONResponse(
            error_body(
                "request_too_large",
                f"The request body is larger than {self.max_body:,} bytes. Send less, or "
                "raise CITEQA_MAX_DOCUMENT_BYTES.",
            ),
            status_code=413,
        )

    async def _read_capped(self, receive: Receive) -> tuple[Receive, Response | None]:
        """A body sent without a length (chunked) read up to the cap, then handed on as it
        came; past the cap, the 413 refusal, and the rest is never read."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body:
                return receive, self._too_large()
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        return replay, None

    async def _within_timeout(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; if it has not begun its response in time, cancel it and answer 503.
        A response that has begun (a stream) is not cut off."""
        started = asyncio.Event()

        async def send_noting_start(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, send_noting_start))
        waiter = asyncio.ensure_future(started.wait())
        try:
            await asyncio.wait(
                (task, waiter),
                timeout=self.settings.limits.request_timeout_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiter.cancel()
        if task.done() or started.is_set():
            await task
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        timeout = self.settings.limits.request_timeout_s
        response = JSONResponse(
            error_body(
                "timeout",
                f"The request took longer than {timeout:g} s. Try again; if the store is "
                "down, /readyz says so.",
            ),
            status_code=503,
        )
        await response(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the size, time and rate limits to every request."""
    app.add_middleware(Limits, settings=settings)
