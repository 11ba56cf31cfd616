"""Collections: separate knowledge bases in one service, keys limited to some of them, and
questions limited to some documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app

ADMIN = {"authorization": "Bearer admin-key"}
ALPHA = {"authorization": "Bearer alpha-key"}
LOCKS = {"title": "Locks", "text": "The harbour master opens the lock gates at high tide."}
OTTERS = {"title": "Otters", "text": "Otters hold hands while they sleep on the river."}
HERONS = {"title": "Herons", "text": "Herons stand still in the shallow water of the river."}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        api_keys=["admin-key", "alpha-key:alpha"],
        require_key_for_read=True,
    )
    with TestClient(create_app(settings)) as client:
        for document, collection in ((LOCKS, None), (OTTERS, "alpha"), (HERONS, "beta")):
            body = {**document, "collection": collection} if collection else document
            assert client.post("/v1/documents", json=body, headers=ADMIN).status_code == 201
        yield client


def _ask(client: TestClient, question: str, headers: dict[str, str], **options: object):  # type: ignore[no-untyped-def]
    return client.post("/v1/ask", json={"question": question, **options}, headers=headers)


def test_each_collection_answers_from_its_own_documents_only(service: TestClient) -> None:
    otters = "What do otters do while they sleep?"
    assert "hold hands" in _ask(service, otters, ADMIN, collection="alpha").json()["answer"]
    assert _ask(service, otters, ADMIN).json()["answered"] is False  # not in the default one
    assert _ask(service, otters, ADMIN, collection="beta").json()["answered"] is False
    citation = _ask(service, otters, ADMIN, collection="alpha").json()["citations"][0]
    assert citation["url"].endswith("&collection=alpha")
    page = service.get(citation["url"], headers=ADMIN)
    assert page.status_code == 200 and "hold hands" in page.text
    titles = [
        d["title"]
        for d in service.get("/v1/documents?collection=alpha", headers=ADMIN).json()["documents"]
    ]
    assert titles == ["Otters"]
    listed = service.get("/v1/collections", headers=ADMIN).json()["collections"]
    assert [(c["name"], c["documents"]) for c in listed] == [
        ("alpha", 1),
        ("beta", 1),
        ("default", 1),
    ]


@pytest.mark.parametrize(
    ("collection", "status", "code"),
    [("gamma", 404, "collection_not_found"), ("Not A Name!", 422, "invalid_request")],
)
def test_an_unknown_or_malformed_collection_is_a_clear_error(
    service: TestClient, collection: str, status: int, code: str
) -> None:
    response = _ask(service, "What do otters do?", ADMIN, collection=collection)
    assert (response.status_code, response.json()["code"]) == (status, code)
    listed = service.get(f"/v1/documents?collection={collection}", headers=ADMIN)
    assert listed.status_code in (404, 422)


def test_a_key_for_one_collection_can_neither_read_nor_write_another(
    service: TestClient,
) -> None:
    otters = "What do otters do while they sleep?"
    assert _ask(service, otters, ALPHA, collection="alpha").json()["answered"] is True
    refused = [
        _ask(service, "What do herons do?", ALPHA, collection="beta"),
        _ask(service, "When are the lock gates opened?", ALPHA),  # the default collection
        service.get("/v1/documents?collection=beta", headers=ALPHA),
        service.post(
            "/v1/documents", json={**HERONS, "text": "New.", "collection": "beta"}, headers=ALPHA
        ),
        service.post(
            "/v1/chat",
            json={"messages": [{"role": "user", "content": otters}], "collection": "beta"},
            headers=ALPHA,
        ),
    ]
    for response in refused:
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
        assert "alpha" in response.json()["message"]
    added = service.post("/v1/documents", json={**LOCKS, "collection": "alpha"}, headers=ALPHA)
    assert added.status_code == 201
    names = [c["name"] for c in service.get("/v1/collections", headers=ALPHA).json()["collections"]]
    assert names == ["alpha"]
    assert service.get("/v1/collections", headers=ADMIN).status_code == 200


def test_a_question_can_be_limited_to_some_documents(service: TestClient) -> None:
    both = {**HERONS, "text": "Herons and otters both fish in the river at dawn."}
    other = service.post("/v1/documents", json={**both, "collection": "alpha"}, headers=ADMIN)
    otters_id = next(
        d["id"]
        for d in service.get("/v1/documents?collection=alpha", headers=ADMIN).json()["documents"]
        if d["title"] == "Otters"
    )
    question = "What do otters do in the river?"
    limited = _ask(service, question, ADMIN, collection="alpha", documents=[other.json()["id"]])
    assert limited.json()["answered"]
    assert {c["document_id"] for c in limited.json()["citations"]} == {other.json()["id"]}
    only_otters = _ask(service, question, ADMIN, collection="alpha", documents=[otters_id])
    assert {c["document_id"] for c in only_otters.json()["citations"]} == {otters_id}
    unknown = _ask(service, question, ADMIN, collection="alpha", documents=["no-such-doc"])
    assert (unknown.status_code, unknown.json()["code"]) == (404, "document_not_found")
    assert "no-such-doc" in unknown.json()["message"]
