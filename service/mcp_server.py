"""citeqa as an MCP server, for AI assistants: ask, search, list and read the documents.

Built with the official MCP Python SDK (`MCPServer`, called FastMCP before version 2). It
is served two ways:

- **stdio:** `citeqa mcp`, for an assistant that starts it as a subprocess;
- **streamable HTTP:** `/mcp` on `citeqa serve`, stateless (any worker answers any call),
  behind the same API keys as the rest of the service.

Each tool takes an optional `collection`; a key limited to some collections is held to them.
The tools translate to and from the engine and add no behaviour of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from citeqa.index.errors import CiteqaError, DocumentNotFound, InvalidRequest
from citeqa.service.engine.engine import Engine
from citeqa.service.engine.responses import Reply

# (collection, the request's HTTP headers or None) -> the engine to use; raises a
# CiteqaError when the collection is unknown or the key may not use it.
EngineFor = Callable[[str | None, dict[str, str] | None], Engine]

INSTRUCTIONS = (
    "citeqa answers questions about a fixed set of documents and cites, for every sentence, "
    "the exact passage it quotes. Use `ask` for a question (its answer is already cited); "
    "`search` to read the passages on a topic yourself; `list_documents` to see what the "
    "documents are; `get_document` to read one, or the range a citation points at. When "
    "`ask` says the documents do not hold the answer, they do not: say so."
)


def build(engine_for: EngineFor) -> MCPServer:
    """The MCP server over the engines `engine_for` gives."""
    server = MCPServer("citeqa", instructions=INSTRUCTIONS)

    async def engine(collection: str | None, ctx: Context) -> Engine:
        headers = _headers(ctx)
        try:
            return await anyio.to_thread.run_sync(engine_for, collection, headers)
        except CiteqaError as error:
            raise ToolError(error.message) from None

    async def run(call: Callable[[], Any]) -> Any:
        try:
            return await anyio.to_thread.run_sync(call)
        except CiteqaError as error:
            raise ToolError(error.message) from None

    @server.tool(
        description="Answer a question from the documents. Every sentence of the answer is "
        "quoted from a document and carries a [n] marker; `citations` gives, for each n, the "
        "document, the verbatim quote and its character offsets (and page, for a PDF). "
        "`answered` is false when the documents do not hold the answer: then say so rather "
        "than answering from elsewhere. Use this first for any question about the documents."
    )
    async def ask(question: str, ctx: Context, collection: str | None = None) -> dict[str, Any]:
        chosen = await engine(collection, ctx)
        reply: Reply = await run(lambda: chosen.ask(question))
        return {
            "answer": reply.answer,
            "answered": reply.answered,
            "citations": [
                {
                    "marker": c.marker,
                    "document_id": c.document_id,
                    "document_title": c.document_title,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                    "page": c.page,
                    "section": c.section,
                    "url": c.url,
                }
                for c in reply.citations
            ],
        }

    @server.tool(
        description="Find the passages that best match a query, best first, with their "
        "scores and character offsets in their documents: for reading around a topic, or "
        "when `ask` is not enough. `k` is how many (1 to 20, default 5)."
    )
    async def search(
        query: str, ctx: Context, k: int = 5, collection: str | None = None
    ) -> dict[str, Any]:
        if not 1 <= k <= 20:
            raise ToolError("k must be between 1 and 20.")
        chosen = await engine(collection, ctx)
        passages = await run(lambda: chosen.search(query, k))
        return {
            "passages": [
                {
                    "document_id": p.document_id,
                    "text": p.text,
                    "start": p.start,
                    "end": p.end,
                    "score": p.score,
                    "page": p.page,
                }
                for p in passages
            ]
        }

    @server.tool(
        description="List the documents that can be asked about: id, title, author and "
        "number of passages. Use it to see what the documents cover, or to find an id for "
        "`get_document`."
    )
    async def list_documents(ctx: Context, collection: str | None = None) -> dict[str, Any]:
        chosen = await engine(collection, ctx)
        documents = await run(chosen.library.documents)
        return {
            "documents": [
                {"id": d.id, "title": d.title, "author": d.author, "passages": d.chunk_count}
                for d in sorted(documents, key=lambda d: d.title.lower())
            ]
        }

    @server.tool(
        description="Read a document's cleaned text, the text citation offsets point into. "
        "Give `start` and `end` (a citation's) to get that range back as `highlight`, with "
        "its page for a PDF."
    )
    async def get_document(
        document_id: str,
        ctx: Context,
        start: int | None = None,
        end: int | None = None,
        collection: str | None = None,
    ) -> dict[str, Any]:
        chosen = await engine(collection, ctx)
        document = await run(lambda: chosen.library.document(document_id))
        if document is None:
            raise ToolError(
                DocumentNotFound(
                    f"No document with id '{document_id}'. List the ids with list_documents."
                ).message
            )
        found: dict[str, Any] = {
            "id": document.id,
            "title": document.title,
            "author": document.author,
            "text": document.text,
        }
        if start is not None or end is not None:
            if start is None or end is None or not 0 <= start < end <= len(document.text):
                raise ToolError(
                    InvalidRequest(
                        f"start and end must be given together, with 0 <= start < end <= "
                        f"{len(document.text)}: use a citation's start and end."
                    ).message
                )
            found["highlight"] = {
                "start": start,
                "end": end,
                "text": document.text[start:end],
                "page": document.layout.page_at(start),
            }
        return found

    return server


def _headers(ctx: Context) -> dict[str, str] | None:
    """The HTTP headers of the call, when it came over HTTP; None over stdio or in memory."""
    try:
        request = ctx.request_context.request
    except (AttributeError, ValueError):
        return None
    headers = getattr(request, "headers", None)
    return {k.lower(): v for k, v in headers.items()} if headers is not None else None
