"""POST and DELETE /v1/documents on an embedded index: keys, formats, limits, atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.index.store import ChunkStore
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app

KEY = "s3cret-key"
AUTH = {"authorization": f"Bearer {KEY}"}
OTTERS = {
    "title": "Otters",
    "text": "Otters hold hands while they sleep. They float on their backs.",
}


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=[KEY], max_document_bytes=20_000)
    seed = tmp_path / "harbour.txt"
    seed.write_text("Harbour notes\n\nThe harbour master opens the lock gates at high tide.\n")
    Engine.open(settings).library.ingest([seed])
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_json_document_is_added_once_and_answers_change_at_once(writable: TestClient) -> None:
    question = {"question": "What do otters do while they sleep?"}
    assert writable.post("/v1/ask", json=question).json()["answered"] is False
    first = writable.post("/v1/documents", json=OTTERS, headers=AUTH)
    second = writable.post("/v1/documents", json=OTTERS, headers=AUTH)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["created"] is False
    answer = writable.post("/v1/ask", json=question).json()
    assert "hold hands" in answer["answer"]
    assert answer["citations"][0]["document_title"] == "Otters"
    listed = [d["title"] for d in writable.get("/v1/documents").json()["documents"]]
    assert listed.count("Otters") == 1


def test_deleting_a_document_removes_every_chunk(writable: TestClient) -> None:
    store: ChunkStore = writable.app.state.engine.library.store  # type: ignore[attr-defined]
    before = store.count_chunks()
    added = writable.post("/v1/documents", json=OTTERS, headers=AUTH).json()
    assert store.count_chunks() == before + added["chunk_count"]
    assert writable.delete(f"/v1/documents/{added['id']}", headers=AUTH).status_code == 204
    assert store.count_chunks() == before
    assert writable.delete(f"/v1/documents/{added['id']}", headers=AUTH).status_code == 404
    answer = writable.post("/v1/ask", json={"question": "What do otters do while they sleep?"})
    assert answer.json()["answered"] is False


def test_file_uploads_of_text_markdown_and_html(writable: TestClient) -> None:
    page = (
        b"<html><head><title>Herons</title><script>steal()</script></head><body>"
        b"<div><div><p>Herons stand still in shallow water for hours.</p></div></div>"
        b"<p>They <b>spear</b> fish with their beaks.</p></body></html>"
    )
    html = writable.post("/v1/documents", files={"file": ("herons.html", page)}, headers=AUTH)
    markdown = writable.post(
        "/v1/documents",
        files={"file": ("notes.md", b"# Newts\n\nNewts regrow lost legs.\n")},
        data={"author": "A. Naturalist"},
        headers=AUTH,
    )
    assert html.status_code == markdown.status_code == 201
    herons = writable.get(f"/v1/documents/{html.json()['id']}").json()
    assert herons["title"] == "Herons"
    assert "steal()" not in herons["text"] and "<p>" not in herons["text"]
    assert "They spear fish with their beaks." in herons["text"]
    newts = writable.get(f"/v1/documents/{markdown.json()['id']}").json()
    assert (newts["title"], newts["author"]) == ("Newts", "A. Naturalist")


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"files": {"file": ("a.bin.txt", bytes(range(256)) * 4)}}, 415, "unsupported_media_type"),
        (
            {"files": {"file": ("latin1.txt", "café au lait".encode("latin-1"))}},
            415,
            "unsupported_media_type",
        ),
        ({"files": {"file": ("sheet.xlsx", b"PK\x03\x04")}}, 415, "unsupported_media_type"),
        ({"files": {"file": ("empty.txt", b"   \n\n ")}}, 422, "invalid_request"),
        ({"json": {"text": ""}}, 422, "invalid_request"),
        ({"json": {"text": 42}}, 422, "invalid_request"),
        ({"json": {"text": "x", "colour": "red"}}, 422, "invalid_request"),
        (
            {"content": b"{broken", "headers": {"content-type": "application/json"}},
            422,
            "invalid_request",
        ),
        (
            {"content": b"plain", "headers": {"content-type": "text/plain"}},
            415,
            "unsupported_media_type",
        ),
        ({"json": {"text": "word " * 5000}}, 413, "document_too_large"),
        ({"files": {"file": ("big.txt", b"word " * 5000)}}, 413, "document_too_large"),
        ({"files": {"other": ("a.txt", b"text")}}, 422, "invalid_request"),
    ],
    ids=[
        "binary",
        "latin1",
        "xlsx",
        "empty-file",
        "empty-json",
        "wrong-type",
        "extra-field",
        "broken-json",
        "text-plain",
        "too-large-json",
        "too-large-file",
        "no-file-field",
    ],
)
def test_bad_documents_are_refused_naming_the_problem(
    writable: TestClient, request_kwargs: dict[str, object], status: int, code: str
) -> None:
    store: ChunkStore = writable.app.state.engine.library.store  # type: ignore[attr-defined]
    before = store.count_chunks()
    headers = {**AUTH, **request_kwargs.pop("headers", {})}  # type: ignore[dict-item]
    response = writable.post("/v1/documents", headers=headers, **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert store.count_chunks() == before


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_api_key"),
        ({"authorization": "Bearer wrong"}, 403, "forbidden"),
        ({"authorization": f"Basic {KEY}"}, 401, "missing_api_key"),
    ],
)
def test_writing_needs_the_right_key(
    writable: TestClient, headers: dict[str, str], status: int, code: str
) -> None:
    response = writable.post("/v1/documents", json=OTTERS, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert writable.delete("/v1/documents/anything", headers=headers).status_code == status


def test_a_key_in_the_query_string_is_refused(writable: TestClient) -> None:
    response = writable.post(f"/v1/documents?api_key={KEY}", json=OTTERS)
    assert response.status_code == 403
    assert "not in the URL" in response.json()["message"]


def test_without_configured_keys_writing_is_disabled_with_the_setting_named(
    client: TestClient,
) -> None:
    response = client.post("/v1/documents", json=OTTERS, headers=AUTH)
    assert response.status_code == 403
    assert "CITEQA_API_KEYS" in response.json()["message"]


def test_reading_can_require_a_key(tmp_path: Path, article_settings: Settings) -> None:
    settings = article_settings.with_values(api_keys=[KEY], require_key_for_read=True)
    with TestClient(create_app(settings)) as client:
        denied = client.post("/v1/ask", json={"question": "Who wrote this article?"})
        allowed = client.post("/v1/ask", json={"question": "Who wrote this article?"}, headers=AUTH)
        listed = client.get("/v1/documents")
        health = client.get("/healthz")
    assert (denied.status_code, allowed.status_code, listed.status_code) == (401, 200, 401)
    assert health.status_code == 200
