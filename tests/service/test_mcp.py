"""The MCP tools, called with the official MCP SDK's own client: in memory, over stdio
(`citeqa mcp`), and over streamable HTTP against a running `citeqa serve`."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.mcp_server import build
from tests.processes import running_citeqa

QUESTION = "How many Revolutionary Guard commanders were killed in the consulate strike?"
TOOLS = {"ask", "search", "list_documents", "get_document"}


def _in_memory(engine: Engine) -> Client:
    return Client(build(lambda collection, headers: engine))


async def _call(client: Client, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


async def _every_tool(client: Client) -> None:
    """Call each tool as an assistant would, and check what it relies on."""
    async with client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(listed) == TOOLS
        assert all(len(tool.description or "") > 80 for tool in listed.values())
        answer = await _call(client, "ask", question=QUESTION)
        assert answer["answered"] and "seven" in answer["answer"]
        [document] = (await _call(client, "list_documents"))["documents"]
        for citation in answer["citations"]:
            read = await _call(
                client,
                "get_document",
                document_id=citation["document_id"],
                start=citation["start"],
                end=citation["end"],
            )
            assert read["text"][citation["start"] : citation["end"]] == citation["quote"]
            assert read["highlight"]["text"] == citation["quote"]
        found = (await _call(client, "search", query="consulate strike", k=3))["passages"]
        assert len(found) == 3 and all(p["document_id"] == document["id"] for p in found)
        assert any("consulate" in p["text"] for p in found)


def test_every_tool_in_memory(engine: Engine) -> None:
    anyio.run(_every_tool, _in_memory(engine))


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("search", {"query": "strike", "k": 50}, "between 1 and 20"),
        ("get_document", {"document_id": "no-such-document"}, "No document"),
        (
            "get_document",
            {"document_id": "why-iran-and-israel-stepped-back-from-the-brink", "start": 5},
            "start and end",
        ),
        ("ask", {"question": QUESTION, "collection": "no-such-collection"}, "No collection"),
        ("ask", {"question": QUESTION, "collection": "Bad Name!"}, "not a collection name"),
        ("ask", {}, "question"),
    ],
)
def test_bad_arguments_are_tool_errors_naming_the_problem(
    engine: Engine, tool: str, arguments: dict[str, Any], says: str
) -> None:
    from citeqa.service.engine.collections import Collections

    collections = Collections(engine.settings, lambda: engine)
    server = build(lambda collection, headers: collections.get(collection))

    async def call() -> None:
        async with Client(server) as client:
            result = await client.call_tool(tool, arguments)
            assert result.is_error
            assert says in " ".join(getattr(part, "text", "") for part in result.content)

    anyio.run(call)


def test_every_tool_over_stdio(article_settings: Settings) -> None:
    citeqa = str(Path(sys.executable).with_name("citeqa"))
    server = StdioServerParameters(
        command=citeqa,
        args=["mcp"],
        env={"CITEQA_DATA_DIR": str(article_settings.index.data_dir)},
    )
    anyio.run(_every_tool, Client(server, read_timeout_seconds=60))


@pytest.fixture(scope="module")
def keyed_server(
    article_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    copy = tmp_path_factory.mktemp("mcp") / "article-copy"
    shutil.copytree(
        article_settings.index.data_dir, copy, ignore=shutil.ignore_patterns("writer.lock")
    )
    with running_citeqa(
        copy,
        api_keys="reader-key,other-key:elsewhere",
        require_key_for_read="true",
    ) as url:
        yield url


def _over_http(url: str, key: str | None) -> Client:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    transport = streamable_http_client(
        f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers, timeout=60)
    )
    return Client(transport)  # type: ignore[arg-type]


def test_every_tool_over_http_with_a_key(keyed_server: str) -> None:
    anyio.run(_every_tool, _over_http(keyed_server, "reader-key"))


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("wrong-key", 403)])
def test_http_without_a_valid_key_is_refused(
    keyed_server: str, key: str | None, status: int
) -> None:
    async def connect() -> None:
        async with _over_http(keyed_server, key) as client:
            await client.list_tools()

    with pytest.raises(Exception, match="error"):  # the SDK's client gives up on the call
        anyio.run(connect)
    headers = {"authorization": f"Bearer {key}"} if key else {}
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    response = httpx2.post(f"{keyed_server}/mcp", json=initialize, headers=headers)
    assert response.status_code == status
    assert response.json()["code"] in ("missing_api_key", "forbidden")


def test_a_key_for_another_collection_cannot_ask_this_one(keyed_server: str) -> None:
    async def ask() -> None:
        async with _over_http(keyed_server, "other-key") as client:
            result = await client.call_tool("ask", {"question": QUESTION})
            assert result.is_error
            text = " ".join(getattr(part, "text", "") for part in result.content)
            assert "elsewhere" in text and "default" in text

    anyio.run(ask)
