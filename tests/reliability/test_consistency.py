"""Small inconsistencies a hostile pass found: each now does what the API promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app
from tests.sse import read_events

KEY = "consistency-key"
AUTH = {"authorization": f"Bearer {KEY}"}
NOTE = b"The tide comes in at six. The pier closes at nine."


@pytest.fixture
def writable(
    article_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("consistency") / "data"
    settings = Settings(data_dir=data, api_keys=[KEY])
    with TestClient(create_app(settings)) as client:
        yield client


def test_deleting_a_missing_document_changes_nothing(writable: TestClient) -> None:
    engine = writable.app.state.engine  # type: ignore[attr-defined]
    before = engine.library.store.generation()
    assert writable.delete("/v1/documents/no-such-id", headers=AUTH).status_code == 404
    assert engine.library.store.generation() == before  # answers stay cached


def test_the_same_content_under_other_names_is_one_document(writable: TestClient) -> None:
    answers = [
        writable.post("/v1/documents", files={"file": (name, NOTE)}, headers=AUTH)
        for name in ("tides.txt", "copy of tides.txt", "tides.md")
    ]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(writable.get("/v1/documents").json()["documents"]) == 1


def test_characters_of_no_width_do_not_change_a_question(client: TestClient) -> None:
    plain = client.post("/v1/ask", json={"question": "Who wrote the article?"}).json()
    hidden = client.post("/v1/ask", json={"question": "Who wr\u200bote the art\u200dicle?"}).json()
    assert hidden["answer"] == plain["answer"] == "By Vali Nasr [1]"


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/ask/stream", {"question": "Who wrote the article?"}),
        ("/v1/chat/stream", {"messages": [{"role": "user", "content": "Who wrote it?"}]}),
    ],
)
def test_streams_include_passages_when_asked(
    client: TestClient, path: str, payload: dict[str, object]
) -> None:
    events = read_events(client.post(path, json={**payload, "include_passages": True}).text)
    assert events[-1][0] == "done" and events[-1][1]["passages"]


def test_two_files_in_one_upload_are_refused_saying_so(writable: TestClient) -> None:
    files = [("file", ("a.txt", NOTE)), ("file", ("b.txt", b"Another note."))]
    response = writable.post("/v1/documents", files=files, headers=AUTH)
    assert response.status_code == 422
    assert "Send one file in the field 'file'" in response.json()["message"]


def test_a_nul_character_in_json_text_is_named(writable: TestClient) -> None:
    response = writable.post(
        "/v1/documents", json={"text": "High tide\u0000 at six."}, headers=AUTH
    )
    assert response.status_code == 422
    assert "NUL character" in response.json()["message"]
