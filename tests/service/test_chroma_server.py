"""citeqa against a real Chroma server (`chroma run`) on loopback: ingestion, questions,
the document API across several workers, and the server going away and coming back."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.conftest import ARTICLE, SEEDS
from tests.processes import ChromaProcess, running_citeqa

KEY = "test-key-1"


def _settings(server: ChromaProcess, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "unused",
        chroma_url=server.url,
        collection=f"t{uuid.uuid4().hex[:12]}",  # each test its own collections
        api_keys=[KEY],
        seeds_dir=SEEDS,
        **extra,  # type: ignore[arg-type]
    )


def test_ingest_and_answer_against_a_chroma_server(
    chroma_server: ChromaProcess, tmp_path: Path
) -> None:
    settings = _settings(chroma_server, tmp_path)
    first = Engine.open(settings).library.ingest([ARTICLE])
    again = Engine.open(settings).library.ingest([ARTICLE])
    assert [r.outcome.value for r in first.results + again.results] == ["added", "unchanged"]
    with TestClient(create_app(settings)) as client:
        body = client.post("/v1/ask", json={"question": "How many commanders were killed?"})
        assert "seven" in body.json()["answer"]
        assert client.get("/readyz").json()["chunks"] == first.results[0].chunk_count
    assert not (tmp_path / "unused").exists()


def test_documents_added_and_deleted_over_http_change_answers_in_every_worker(
    chroma_server: ChromaProcess, tmp_path: Path
) -> None:
    settings = _settings(chroma_server, tmp_path)
    Engine.open(settings).library.ingest([ARTICLE])
    env = {
        "chroma_url": settings.index.chroma_url,
        "collection": settings.index.collection,
        "api_keys": KEY,
    }
    question = {"question": "What colour are the lighthouse keeper's boots?"}
    with (
        running_citeqa(tmp_path / "unused", "--workers", "2", **env) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        before = [http.post("/v1/ask", json=question).json()["answered"] for _ in range(6)]
        added = http.post(
            "/v1/documents",
            json={
                "title": "Lighthouse log",
                "text": "The lighthouse keeper wears bright yellow boots on stormy nights.",
            },
            headers={"authorization": f"Bearer {KEY}"},
        )
        after = [http.post("/v1/ask", json=question).json()["answer"] for _ in range(6)]
        deleted = http.delete(
            f"/v1/documents/{added.json()['id']}", headers={"authorization": f"Bearer {KEY}"}
        )
        gone = [http.post("/v1/ask", json=question).json()["answered"] for _ in range(6)]
        metrics = http.get("/metrics").text
    assert before == [False] * 6
    assert added.status_code == 201
    assert all("yellow boots" in answer for answer in after)
    assert deleted.status_code == 204
    assert gone == [False] * 6
    assert 'citeqa_requests_total{method="POST",route="/v1/ask",status="200"} 18.0' in metrics


def test_chroma_going_away_gives_503_and_the_service_recovers_by_itself(
    tmp_path: Path,
) -> None:
    server = ChromaProcess(tmp_path / "chroma")
    server.start()
    try:
        settings = _settings(server, tmp_path, request_timeout_s=5.0)
        Engine.open(settings).library.ingest([ARTICLE])
        with TestClient(create_app(settings)) as client:
            assert client.get("/readyz").status_code == 200
            server.stop()
            started = time.monotonic()
            asked = client.post("/v1/ask", json={"question": "Who wrote this article?"})
            ready = client.get("/readyz")
            assert time.monotonic() - started < 10
            assert asked.status_code == ready.status_code == 503
            assert asked.json()["code"] == "store_unavailable"
            assert "Chroma" in asked.json()["message"]
            server.start()
            deadline = time.monotonic() + 20
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "did not recover"
                time.sleep(0.5)
            body = client.post("/v1/ask", json={"question": "Who wrote this article?"}).json()
            assert "Vali Nasr" in body["answer"]
    finally:
        server.stop()


def test_starting_while_chroma_is_down_recovers_when_it_comes_up(tmp_path: Path) -> None:
    server = ChromaProcess(tmp_path / "chroma")
    settings = _settings(server, tmp_path)
    with TestClient(create_app(settings)) as client:
        down = client.get("/readyz")
        assert down.status_code == 503
        assert server.url in down.json()["message"]
        server.start()
        try:
            Engine.open(settings).library.ingest([ARTICLE])
            deadline = time.monotonic() + 20
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "did not recover"
                time.sleep(0.5)
        finally:
            server.stop()


@pytest.mark.parametrize("workers", ["2"])
def test_several_workers_need_a_chroma_server(tmp_path: Path, workers: str) -> None:
    import os
    import subprocess
    import sys

    citeqa = str(Path(sys.executable).with_name("citeqa"))
    env = {**os.environ, "CITEQA_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [citeqa, "serve", "--workers", workers],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "needs a Chroma server" in result.stderr
