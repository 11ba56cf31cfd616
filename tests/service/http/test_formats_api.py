"""Documents as they come, over HTTP: PDF pages and Word sections in citations, the reader
page that shows a citation in place, and bad files refused with nothing else lost."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app
from tests import documents

KEY = "s3cret-key"
AUTH = {"authorization": f"Bearer {KEY}"}
TOLLS = "The toll for a laden barge was raised to nine shillings in the spring of that year."


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=[KEY])
    with TestClient(create_app(settings)) as client:
        yield client


def _upload(client: TestClient, name: str, raw: bytes) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/documents", files={"file": (name, raw)}, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _ask(client: TestClient, question: str) -> dict:  # type: ignore[type-arg]
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answered"], body
    return body  # type: ignore[no-any-return]


def test_a_pdf_answer_cites_its_page_and_opens_highlighted_in_the_reader(
    service: TestClient,
) -> None:
    pages = [
        ["Annual report of the harbour board."],
        ["The harbour master opens the lock gates at high tide and closes them at dusk."],
        [TOLLS],
        ["The board thanks the pilots for another safe year on the river."],
    ]
    _upload(service, "report.pdf", documents.pdf(pages))
    body = _ask(service, "How much was the toll for a laden barge raised to?")
    [citation] = [c for c in body["citations"] if "nine shillings" in c["quote"]]
    assert (citation["page"], citation["page_end"]) == (3, 3)
    text = service.get(f"/v1/documents/{citation['document_id']}").json()["text"]
    assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert citation["url"] == (
        f"/documents/{citation['document_id']}?start={citation['start']}&end={citation['end']}"
    )
    page = service.get(citation["url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    marked = re.search(r'<mark id="cited">(.*?)</mark>', page.text, re.S)
    assert marked and html.unescape(marked.group(1)) == citation["quote"]
    assert "Page 3" in page.text
    asked = {"question": "How much was the toll raised to?", "include_passages": True}
    passages = service.post("/v1/ask", json=asked).json()["passages"]
    assert {p["page"] for p in passages if "nine shillings" in p["text"]} == {3}


def test_a_word_answer_cites_its_section(service: TestClient) -> None:
    raw = documents.word(
        [
            ("Heading 1", "Opening hours"),
            ("", "The harbour office opens at seven in the morning on weekdays."),
            ("Heading 1", "Tolls"),
            ("", TOLLS),
        ],
        title="Harbour rules",
    )
    _upload(service, "rules.docx", raw)
    citation = _ask(service, "How much was the toll for a laden barge?")["citations"][0]
    assert citation["section"] == "Tolls" and citation.get("page") is None


def test_the_reader_shows_a_documents_text_as_text(service: TestClient) -> None:
    hostile = {
        "title": "<script>alert('title')</script>",
        "text": "Harbour notes.\n\nThe sign says <img src=x onerror=alert(1)> at the gate.",
    }
    created = service.post("/v1/documents", json=hostile, headers=AUTH).json()
    page = service.get(f"/documents/{created['id']}").text
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    listed = service.get("/").text
    assert f'href="/documents/{created["id"]}"' in listed


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?start=5", 422, "invalid_request"),
        ("?start=9&end=3", 422, "invalid_request"),
        ("?start=0&end=999999", 422, "invalid_request"),
        ("?start=-1&end=3", 422, "invalid_request"),
        ("?start=x&end=3", 422, "invalid_request"),
    ],
)
def test_a_reader_range_outside_the_document_is_a_clear_error(
    service: TestClient, query: str, status: int, code: str
) -> None:
    created = service.post(
        "/v1/documents", json={"text": "The harbour opens at dawn."}, headers=AUTH
    ).json()
    response = service.get(f"/documents/{created['id']}{query}")
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_an_unknown_document_in_the_reader_is_a_404(service: TestClient) -> None:
    response = service.get("/documents/no-such-document")
    assert (response.status_code, response.json()["code"]) == (404, "document_not_found")


@pytest.mark.parametrize(
    ("name", "raw", "status", "code", "says"),
    [
        ("empty.txt", b"", 422, "invalid_document", "empty"),
        ("data.txt", bytes(range(256)) * 8, 415, "unsupported_media_type", "binary"),
        ("bomb.docx", documents.zip_bomb(120_000_000), 422, "invalid_document", "zip bomb"),
        ("blank.pdf", documents.blank_pdf(10_000), 422, "invalid_document", "10,000 pages"),
        ("scan.pdf", documents.image_only_pdf(), 422, "invalid_document", "no text layer"),
        (
            "locked.pdf",
            documents.pdf([[TOLLS]], password="pw"),
            422,
            "invalid_document",
            "encrypted",
        ),
        ("broken.pdf", b"%PDF-1.7\n%garbage", 422, "invalid_document", "cannot be read"),
        (
            "page.html",
            b"<html><body>" + b"<script>go()</script>" * 200 + b"</body></html>",
            422,
            "invalid_document",
            "no readable text",
        ),
        (
            "../../etc/passwd.txt",
            b"The harbour opens at dawn.",
            422,
            "invalid_request",
            "path separator",
        ),
        (
            "notes\x07.txt",
            b"The harbour opens at dawn.",
            422,
            "invalid_request",
            "control character",
        ),
    ],
)
def test_bad_files_are_refused_with_a_code_and_nothing_else_is_lost(
    service: TestClient, name: str, raw: bytes, status: int, code: str, says: str
) -> None:
    _upload(service, "notes.txt", b"Harbour notes\n\nThe harbour opens at dawn every day.\n")
    before = service.get("/v1/documents").json()["documents"]
    # The body is written by hand: an HTTP client would escape a control character.
    boundary = "citeqa-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + raw
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**AUTH, "content-type": f"multipart/form-data; boundary={boundary}"}
    response = service.post("/v1/documents", content=body, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert says in response.json()["message"]
    assert service.get("/v1/documents").json()["documents"] == before
    assert "dawn" in _ask(service, "When does the harbour open?")["answer"]
