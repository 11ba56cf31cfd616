"""Access: write endpoints without a key, with a wrong key, with a key in the URL; CORS
from an unlisted origin; path traversal on every route that serves files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app
from tests.reliability.artifacts import record

KEY = "access-key"
RESULTS: dict[str, int] = {}
WRITES = [("POST", "/v1/documents"), ("DELETE", "/v1/documents/some-id")]


@pytest.fixture(scope="module")
def guarded(article_settings: Settings) -> Iterator[TestClient]:
    settings = article_settings.with_values(api_keys=[KEY], cors_origins=["http://shop.example"])
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(
    ("how", "headers", "query", "status"),
    [
        ("no key", {}, "", 401),
        ("wrong key", {"authorization": "Bearer not-the-key"}, "", 403),
        ("key in the query string", {}, f"?api_key={KEY}", 403),
        ("key as a basic credential", {"authorization": f"Basic {KEY}"}, "", 401),
    ],
)
def test_writes_without_a_valid_key_are_refused(
    guarded: TestClient,
    method: str,
    path: str,
    how: str,
    headers: dict[str, str],
    query: str,
    status: int,
) -> None:
    response = guarded.request(method, path + query, headers=headers, json={"text": "x"})
    assert response.status_code == status
    assert response.json()["code"] in {"missing_api_key", "forbidden"}
    RESULTS[f"{method} {path}: {how}"] = response.status_code


def test_cors_from_an_unlisted_origin_gets_no_grant(guarded: TestClient) -> None:
    preflight = guarded.options(
        "/v1/ask",
        headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
    )
    simple = guarded.post(
        "/v1/ask", json={"question": "Who wrote it?"}, headers={"origin": "http://evil.example"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers
    RESULTS["CORS preflight from an unlisted origin"] = preflight.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/widget.js/../service/http/app.py",
        "/widget.js/..%2f..%2fpyproject.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/../../pyproject.toml",
        "/static/widget.js",
        "/service/static/widget.js",
        "/..%5c..%5cpyproject.toml",
        "/widget.js%00.html",
        "/index.html",
        "/prompts/answer.txt",
    ],
)
def test_path_traversal_finds_nothing(guarded: TestClient, path: str) -> None:
    response = guarded.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    for secret in ("[project]", "root:", "def create_app", "You answer questions"):
        assert secret not in response.text
    RESULTS[f"GET {path}"] = response.status_code


def test_record_access_results() -> None:
    assert len(RESULTS) == len(WRITES) * 4 + 1 + 10
    record("access", RESULTS)
