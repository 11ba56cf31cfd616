from pathlib import Path

from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.conftest import SEEDS


def test_healthz_and_readyz_with_an_index(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "documents": None, "chunks": None}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["documents"] == 1 and ready.json()["chunks"] > 20


def test_empty_index_is_not_ready_and_says_how_to_fix_it(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        asked = client.post("/v1/ask", json={"question": "Who wrote this?"})
    assert ready.status_code == asked.status_code == 503
    assert ready.json()["code"] == "index_not_ready"
    assert f"Run: citeqa ingest {SEEDS}" in ready.json()["message"]


def test_unusable_data_dir_is_not_ready_and_names_the_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    with TestClient(create_app(Settings(data_dir=blocker))) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["code"] == "store_unavailable"
    assert str(blocker) in ready.json()["message"]


def test_service_answers_the_same_after_a_restart(settings: Settings) -> None:
    question = {"question": "Who was killed in the strike on the consulate?"}
    Engine.open(settings).library.ingest([SEEDS])
    with TestClient(create_app(settings)) as client:
        first = client.post("/v1/ask", json=question).json()
    with TestClient(create_app(settings)) as client:
        second = client.post("/v1/ask", json=question).json()
    assert second["answer"] == first["answer"]
    assert second["citations"] == first["citations"]
