"""The OpenAPI document describes every body it names, so client generators can read it."""

from __future__ import annotations

from typing import Any

from citeqa.service.config import Settings
from citeqa.service.http.app import create_app


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolves(document: dict[str, Any], ref: str) -> bool:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_every_reference_in_the_openapi_document_resolves(settings: Settings) -> None:
    document = create_app(settings).openapi()
    refs = set(_refs(document))
    assert refs, "the schema uses references"
    assert sorted(ref for ref in refs if not _resolves(document, ref)) == []


def test_the_json_body_of_a_new_document_is_described(settings: Settings) -> None:
    body = create_app(settings).openapi()["paths"]["/v1/documents"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["text"]
    assert set(schema["properties"]) == {"text", "title", "author", "source", "metadata"}
