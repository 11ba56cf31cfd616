"""Rate limits, request size, metrics, request ids, JSON logs and the one-writer lock."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app
from tests.conftest import SEEDS


def test_rate_limit_answers_429_with_retry_after(article_settings: Settings) -> None:
    settings = article_settings.with_values(rate_limit="3/minute")
    with TestClient(create_app(settings)) as client:
        codes = [client.get("/v1/documents").status_code for _ in range(4)]
        limited = client.get("/v1/documents")
        health = client.get("/healthz")
    assert codes == [200, 200, 200, 429]
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 20
    assert health.status_code == 200


def test_a_malformed_rate_is_a_settings_error_naming_the_format() -> None:
    with pytest.raises(ValueError, match="Use COUNT/UNIT, e.g. 60/minute"):
        Settings(rate_limit="lots")


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "unix:///run/redis.sock"])
def test_a_redis_url_citeqa_cannot_use_is_a_settings_error_naming_the_format(url: str) -> None:
    with pytest.raises(ValueError, match="Use redis://HOST:PORT/DB"):
        Settings(redis_url=url)


def test_an_oversized_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/v1/ask", content=b"x" * 6_000_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_request_ids_are_echoed_or_made_and_logged_as_json(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="citeqa.access"):
        given = client.post(
            "/v1/ask",
            json={"question": "Who wrote this article?"},
            headers={"x-request-id": "abc-123"},
        )
        made = client.get("/healthz", headers={"x-request-id": "bad id with spaces"})
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    fields = [r.fields for r in caplog.records if hasattr(r, "fields")]  # type: ignore[attr-defined]
    ask_line = next(f for f in fields if f["request_id"] == "abc-123")
    assert ask_line["route"] == "/v1/ask" and ask_line["status"] == 200
    assert ask_line["answered"] is True and ask_line["top_score"] > 0
    assert json.loads(json.dumps(ask_line))  # serialisable as one JSON line
    assert "authorization" not in json.dumps(fields).lower()


def test_metrics_count_requests_answers_and_the_index(client: TestClient) -> None:
    client.post("/v1/ask", json={"question": "Who wrote this article?"})
    client.post("/v1/ask", json={"question": "What is the capital of Australia?"})
    text = client.get("/metrics").text
    assert 'citeqa_answers_total{mode="extractive",outcome="answered"}' in text
    assert 'citeqa_answers_total{mode="extractive",outcome="refused"}' in text
    assert 'citeqa_request_seconds_bucket{le="0.005",route="/v1/ask"}' in text
    assert "citeqa_documents 1.0" in text
    assert 'citeqa_stage_seconds_count{stage="retrieve"}' in text


def test_ingest_refuses_while_a_server_holds_the_embedded_index(
    article_settings: Settings, live_server: str
) -> None:
    citeqa = str(Path(sys.executable).with_name("citeqa"))
    env = {**os.environ, "CITEQA_DATA_DIR": str(article_settings.index.data_dir)}
    result = subprocess.run(
        [citeqa, "ingest", str(SEEDS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Embedded Chroma allows one writer" in result.stderr


def test_unusable_chroma_url_is_reported(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(chroma_url="not a url"))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "is not a URL" in response.json()["message"]
