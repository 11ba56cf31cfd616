"""Pages and responses hardened against a hostile browser or client: security headers,
protected reads, honest 405s, a self-contained API reference and a schema that resolves."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app
from tests.processes import running_citeqa
from tests.reliability.artifacts import record

KEY = "hardening-key"


@pytest.fixture(scope="module")
def protected(article_settings: Settings) -> Iterator[TestClient]:
    settings = article_settings.with_values(api_keys=[KEY], require_key_for_read=True)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("path", ["/", "/metrics", "/v1/documents"])
def test_protected_reads_need_the_key(protected: TestClient, path: str) -> None:
    assert protected.get(path).status_code == 401
    assert protected.get(path, headers={"authorization": f"Bearer {KEY}"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v1/ask", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/v1/documents", "GET, POST"),
        ("PUT", "/v1/documents/some-id", "DELETE, GET"),
    ],
)
def test_a_405_names_the_allowed_methods(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["message"].endswith(f"Allowed: {allowed}")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head(client: TestClient, path: str) -> None:
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_pages_carry_a_content_security_policy_that_forbids_framing(
    client: TestClient, path: str
) -> None:
    policy = client.get(path).headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy


@pytest.mark.parametrize(
    "path", ["/", "/docs", "/widget.js", "/healthz", "/v1/documents", "/openapi.json", "/nope"]
)
def test_every_response_says_nosniff(client: TestClient, path: str) -> None:
    assert client.get(path).headers["x-content-type-options"] == "nosniff"


def test_the_api_reference_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"url: '([^']+)'", page)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_the_demo_page_does_not_load_the_widget_from_the_hosts_name(client: TestClient) -> None:
    page = client.get("/", headers={"host": "attacker.example"}).text
    assert re.findall(r'<script src="([^"]+)"', page) == ["/widget.js"]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_schema_reference_resolves(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    missing = []
    for ref in set(_refs(document)):
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            missing.append(ref)
    assert missing == []
    record("hardening", {"schema references": len(set(_refs(document))), "unresolved": 0})


def test_a_client_trickling_headers_is_cut_off(article_copy: Path) -> None:
    with running_citeqa(article_copy, header_timeout_s="1") as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            closed = False
            while time.monotonic() - started < 6 and not closed:
                try:
                    connection.sendall(b"X-Slow: 1\r\n")
                    connection.settimeout(0.3)
                    closed = connection.recv(1024) == b""
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
            held = time.monotonic() - started
        # An honest client on the same server is answered.
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert closed and held < 4
    record("slow-headers", {"deadline s": 1, "connection held s": round(held, 1)})
