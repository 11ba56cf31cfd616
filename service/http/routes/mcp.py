"""The MCP server on the HTTP service: streamable HTTP at `/mcp`, stateless, so that any
worker answers any call, behind the same API keys as the rest of the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from citeqa.index.errors import CiteqaError, IndexNotReady
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.dependencies import collection_engine
from citeqa.service.http.errors import error_body
from citeqa.service.http.security import bearer_key, require_read_key
from citeqa.service.mcp_server import build

PATH = "/mcp"


def install(app: FastAPI, settings: Settings) -> McpEndpoint:
    """Add `/mcp` to the app; run `endpoint.running()` in the app's lifespan."""

    def engine_for(collection: str | None, headers: dict[str, str] | None) -> Engine:
        key = bearer_key((headers or {}).get("authorization", ""))
        return collection_engine(app.state.collections, settings, key, collection)

    endpoint = McpEndpoint(build(engine_for), settings.server.host)
    app.router.routes.append(Route(PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
    return endpoint


class McpEndpoint:
    """The `/mcp` endpoint: an ASGI app (a class, so that Starlette routes to it as one)
    that lets a request through to the MCP server once its key may read."""

    def __init__(self, server: MCPServer, host: str) -> None:
        self.server = server
        self.host = host
        self._inner: StreamableHTTPASGIApp | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve while the block runs. A session manager runs once, so each run (each
        start of the app) builds its own: stateless, answering in JSON."""
        self.server.streamable_http_app(
            streamable_http_path=PATH, stateless_http=True, json_response=True, host=self.host
        )
        async with self.server.session_manager.run():
            self._inner = StreamableHTTPASGIApp(self.server.session_manager)
            try:
                yield
            finally:
                self._inner = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await require_read_key(Request(scope))
            if self._inner is None:
                raise IndexNotReady("The MCP server is starting or stopping; try again.")
        except CiteqaError as error:
            response = JSONResponse(error_body(error.code, error.message), error.status_code)
            await response(scope, receive, send)
            return
        await self._inner(scope, receive, send)
