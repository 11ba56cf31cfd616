"""Request limits: body size, time per request, and a rate per API key or client address.

The rate limit is kept per process: with N workers a client may get up to N times the rate.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from service.config import Settings, parse_rate
from service.errors import error_body
from service.security import presented_key

# JSON bodies of questions and conversations are far smaller; documents have their own cap.
_BODY_SLACK = 64_000


class RateLimiter:
    """A token bucket per caller: `count` requests per `period` seconds, refilled smoothly."""

    def __init__(self, count: int, period: float) -> None:
        self.capacity = count
        self.refill_per_s = count / period
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

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


def install(app: FastAPI, settings: Settings) -> None:
    """Add the size, time and rate limits to every request."""
    rate = parse_rate(settings.rate_limit) if settings.rate_limit else None
    limiter = RateLimiter(*rate) if rate else None
    max_body = settings.max_document_bytes + _BODY_SLACK

    @app.middleware("http")
    async def limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_body:
            return JSONResponse(
                error_body(
                    "request_too_large",
                    f"The request body is larger than {max_body:,} bytes. Send less, or raise "
                    "CITEQA_MAX_DOCUMENT_BYTES.",
                ),
                status_code=413,
            )
        if limiter is not None and request.url.path not in ("/healthz", "/readyz", "/metrics"):
            key = presented_key(request)
            caller = f"key:{key}" if key else f"ip:{request.client.host if request.client else '?'}"
            wait = limiter.acquire(caller)
            if wait:
                return JSONResponse(
                    error_body(
                        "rate_limited",
                        f"Too many requests: the limit is {settings.rate_limit}. "
                        f"Retry in {math.ceil(wait)} s.",
                    ),
                    status_code=429,
                    headers={"Retry-After": str(math.ceil(wait))},
                )
        try:
            return await asyncio.wait_for(call_next(request), settings.request_timeout_s)
        except TimeoutError:
            return JSONResponse(
                error_body(
                    "timeout",
                    f"The request took longer than {settings.request_timeout_s:g} s. Try again; "
                    "if the store is down, /readyz says so.",
                ),
                status_code=503,
            )
