"""The OpenAPI document describes every body it names, so client generators can read it."""

from __future__ import annotations

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app


def test_the_json_body_of_a_new_document_is_described(settings: Settings) -> None:
    body = create_app(settings).openapi()["paths"]["/v1/documents"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["text"]
    assert set(schema["properties"]) == {
        "text",
        "title",
        "author",
        "source",
        "metadata",
        "collection",
    }
