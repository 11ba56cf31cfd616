"""The FastAPI application: `create_app(settings)` wires lifespan, routes and error handlers."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from citeqa.index.errors import CiteqaError
from citeqa.service.config import Settings
from citeqa.service.engine.collections import Collections
from citeqa.service.engine.engine import Engine
from citeqa.service.http import limits, observability
from citeqa.service.http.dependencies import default_engine
from citeqa.service.http.errors import register_error_handlers, route_methods
from citeqa.service.http.routes import (
    ask,
    chat_completions,
    collections,
    docs,
    documents,
    health,
    mcp,
    reader,
    widget,
)
from citeqa.service.http.schemas import ErrorBody

# What any route may answer, from the middleware and the access checks.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "A key is required and none was sent."},
    403: {"model": ErrorBody, "description": "The key is wrong."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    429: {"model": ErrorBody, "description": "Rate limited; see Retry-After."},
    503: {"model": ErrorBody, "description": "Not ready, store unavailable, or timed out."},
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """A citeqa app; the index and model are opened when it starts, not at import."""
    settings = settings or Settings()
    observability.configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = None
        app.state.startup_error = ""
        app.state.opening = threading.Lock()
        app.state.opened_at = time.monotonic()
        app.state.collections = Collections(settings, lambda: default_engine(app.state))
        # Sync routes run on this many threads: answering is CPU-bound, so more threads add
        # no speed, only memory (each thread that ever ran keeps its buffers).
        to_thread.current_default_thread_limiter().total_tokens = settings.server.request_threads
        try:
            app.state.engine = Engine.open(settings)
            app.state.engine.warm_up()
        except CiteqaError as error:
            app.state.startup_error = str(error)
        async with mcp_endpoint.running():
            yield

    app = FastAPI(
        title="citeqa",
        summary="Answers questions about your documents, citing the sentence behind each claim.",
        version="0.1.0",
        lifespan=lifespan,
        responses=COMMON_RESPONSES,
        docs_url=None,  # served by routes/docs.py, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    mcp_endpoint = mcp.install(app, settings)
    register_error_handlers(app)
    # Each middleware added wraps those before it. CORS wraps the limits, so a browser can
    # read a 429 and its Retry-After; the request log wraps everything.
    limits.install(app, settings)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", "accept"],
            expose_headers=["retry-after", "x-request-id"],
            max_age=600,
        )
    observability.install(app)
    routers = [
        health.router,
        ask.router,
        chat_completions.router,
        documents.router,
        collections.router,
        reader.router,
        widget.router,
        docs.router,
    ]
    for router in routers:
        app.include_router(router)
    docs.mount_assets(app)
    routers.append(observability.router)  # included by observability.install
    app.state.route_methods = route_methods(app, routers)
    return app
