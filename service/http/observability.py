"""Prometheus metrics and one JSON log line per request, with a request id.

With several workers (`citeqa serve --workers N`) the metrics are kept in
`PROMETHEUS_MULTIPROC_DIR`, which `citeqa serve` sets, and `/metrics` adds up all workers.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citeqa.service.engine.responses import Reply
from citeqa.service.http.security import ReadKey, add_security_headers

REQUESTS = Counter(
    "citeqa_requests_total",
    "HTTP requests by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "citeqa_request_seconds",
    "HTTP request latency by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ANSWERS = Counter("citeqa_answers_total", "Answers by outcome and mode.", ["outcome", "mode"])
STAGE = Histogram(
    "citeqa_stage_seconds",
    "Time spent in retrieval and in answering.",
    ["stage"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)
DOCUMENTS = Gauge("citeqa_documents", "Indexed documents.", multiprocess_mode="livemax")
CHUNKS = Gauge("citeqa_chunks", "Indexed passages.", multiprocess_mode="livemax")

access_log = logging.getLogger("citeqa.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

router = APIRouter(tags=["operations"])


def observe_answer(response: Reply) -> None:
    """Count an answer and record how long its stages took."""
    ANSWERS.labels("answered" if response.answered else "refused", response.mode).inc()
    STAGE.labels("retrieve").observe(response.timings_ms.retrieve / 1000)
    STAGE.labels("answer").observe(response.timings_ms.answer / 1000)


@router.get(
    "/metrics", summary="Prometheus metrics", response_class=Response, dependencies=[ReadKey]
)
def metrics(request: Request) -> Response:
    """Requests, latency, answers and index size, in Prometheus' text format."""
    engine = request.app.state.engine
    if engine is not None:
        stats = engine.stats()
        DOCUMENTS.set(stats.documents)
        CHUNKS.set(stats.chunks)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname}
        entry.update(getattr(record, "fields", {"message": record.getMessage()}))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging() -> None:
    """Send citeqa's logs to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger("citeqa")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class Observe:
    """ASGI middleware: a request id on every response, one access log line and the request
    metrics; `headers` adds the response headers every response carries. Plain ASGI rather
    than `@app.middleware("http")`, which costs about a millisecond a request and streams
    every response."""

    def __init__(
        self, app: ASGIApp, headers: Callable[[Scope, MutableHeaders], None] | None = None
    ) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500  # what the server answers when the app raises before it responds

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                if self.headers is not None:
                    self.headers(scope, headers)
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(route, scope["method"], str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "latency_ms": round(elapsed * 1000, 3),
                        "answered": state.get("answered"),
                        "top_score": state.get("top_score"),
                    }
                },
            )


def install(app: FastAPI) -> None:
    """Add the request-id, logging, metrics and security-header middleware and the /metrics
    route."""
    app.include_router(router)
    app.add_middleware(Observe, headers=add_security_headers)
