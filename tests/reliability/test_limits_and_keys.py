"""Rate limits that cannot be dodged, a size cap that holds for streamed bodies, and keys
that never reach a URL or a log."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app
from citeqa.service.http.limits import RateLimiter
from tests.processes import running_citeqa
from tests.reliability.artifacts import record

KEY = "limits-key"
ORIGIN = "http://shop.example"


@pytest.fixture
def limited(article_settings: Settings) -> Iterator[TestClient]:
    settings = article_settings.with_values(
        rate_limit="5/minute", api_keys=[KEY], cors_origins=[ORIGIN]
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_made_up_keys_share_their_addresss_bucket(limited: TestClient) -> None:
    codes = [
        limited.get(
            "/v1/documents", headers={"authorization": f"Bearer {secrets.token_hex(8)}"}
        ).status_code
        for _ in range(8)
    ]
    own = limited.get("/v1/documents", headers={"authorization": f"Bearer {KEY}"})
    assert codes == [200] * 5 + [429] * 3
    assert own.status_code == 200  # a valid key has a bucket of its own
    record("rate-limit-made-up-keys", {"requests": 8, "passed": codes.count(200)})


def test_the_bucket_table_is_bounded() -> None:
    limiter = RateLimiter(5, 60.0, max_callers=1000)
    for n in range(6000):
        limiter.acquire(f"ip:10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 1000


def test_a_429_is_readable_by_the_page_and_preflights_cost_nothing(limited: TestClient) -> None:
    preflight = {"origin": ORIGIN, "access-control-request-method": "POST"}
    for _ in range(10):
        assert limited.options("/v1/ask", headers=preflight).status_code == 200
    codes = [limited.get("/v1/documents", headers={"origin": ORIGIN}) for _ in range(6)]
    assert [r.status_code for r in codes] == [200] * 5 + [429]
    refused = codes[-1]
    assert refused.headers["access-control-allow-origin"] == ORIGIN
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()


def test_a_streamed_body_over_the_cap_is_refused_without_being_read(
    article_settings: Settings,
) -> None:
    app = create_app(article_settings.with_values(max_document_bytes=100_000))
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:  # a chunked body of 300 MB, 100 KB at a time
        nonlocal read
        read += 100_000
        return {"type": "http.request", "body": b" " * 100_000, "more_body": read < 300_000_000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/ask",
        "raw_path": b"/v1/ask",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
        "http_version": "1.1",
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "request_too_large"
    assert read <= 300_000
    record("chunked-body-cap", {"status": 413, "bytes read": read})


@pytest.mark.parametrize("name", ["api_key", "access_token", "token", "key", "apikey"])
def test_credentials_in_the_url_are_refused_everywhere(limited: TestClient, name: str) -> None:
    headers = {"authorization": f"Bearer {KEY}"}
    for method, path in [("GET", "/v1/documents"), ("POST", "/v1/ask"), ("GET", "/healthz")]:
        response = limited.request(method, f"{path}?{name}={KEY}", headers=headers)
        assert response.status_code == 403, (method, path)
        assert "not in the URL" in response.json()["message"]


def test_a_key_in_the_url_never_reaches_the_servers_log(article_copy: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_citeqa(article_copy, log=log, api_keys=KEY) as url:
        for query in (f"api_key={KEY}", f"access_token={KEY}"):
            response = httpx.post(
                f"{url}/v1/documents?{query}",
                json={"text": "A note."},
                headers={"authorization": f"Bearer {KEY}"},
            )
            assert response.status_code == 403
    assert KEY not in log.read_text()
