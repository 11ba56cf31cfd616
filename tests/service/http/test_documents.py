from fastapi.testclient import TestClient

ARTICLE_ID = "why-iran-and-israel-stepped-back-from-the-brink"


def test_documents_are_listed_with_metadata(client: TestClient) -> None:
    body = client.get("/v1/documents").json()
    assert len(body["documents"]) == 1
    document = body["documents"][0]
    assert {k: document[k] for k in ("id", "title", "author", "publication")} == {
        "id": ARTICLE_ID,
        "title": "Why Iran and Israel Stepped Back From the Brink",
        "author": "Vali Nasr",
        "publication": "Foreign Affairs",
    }
    assert document["chunk_count"] > 20
    assert document["source"].endswith("why-iran-and-israel-stepped-back-from-the-brink.txt")


def test_one_document_comes_with_its_cleaned_text(client: TestClient) -> None:
    body = client.get(f"/v1/documents/{ARTICLE_ID}").json()
    assert body["text"].startswith("Why Iran and Israel Stepped Back From the Brink\nBy Vali Nasr")
    assert "Users of Guests" not in body["text"]


def test_unknown_document_id_is_a_404_naming_the_fix(client: TestClient) -> None:
    response = client.get("/v1/documents/no-such-document")
    assert response.status_code == 404
    assert response.json() == {
        "code": "document_not_found",
        "message": "No document with id 'no-such-document'. List the ids with GET /v1/documents.",
    }
