"""API fuzzing with Schemathesis against the app's own OpenAPI schema: every operation,
positive and negative data. No 5xx, every response matches the schema, every 4xx carries
the JSON error body."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"

KEY = "fuzz-key"
CASES: Counter[str] = Counter()
# Requests to add a document, by media type, and how many of them added one.
UPLOADS: Counter[str] = Counter()
WRITES: Counter[str] = Counter()
# Raw bytes, not JSON, by design.
_NOT_JSON = ("/widget.js", "/metrics", "/")


_FOLDER = Path(tempfile.mkdtemp(prefix="citeqa-fuzz-"))
_SETTINGS = Settings(data_dir=_FOLDER / "data", api_keys=[KEY], max_document_bytes=20_000)
APP = create_app(_SETTINGS)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _started_app() -> Iterator[None]:
    """A small index, and the app's lifespan running while the cases are sent."""
    seed = _FOLDER / "harbour.txt"
    seed.write_text(
        "Harbour notes\n\nBy Port Office\n\n"
        "The harbour master opens the lock gates at high tide. Ships wait in the outer basin.\n"
    )
    Engine.open(_SETTINGS).library.ingest([seed])
    with TestClient(APP):
        yield
    shutil.rmtree(_FOLDER, ignore_errors=True)


# The OpenAI-compatible endpoints answer their own errors in OpenAI's shape, {"error": {...}};
# those of the service around them (405, 413, 429) keep citeqa's.
_OPENAI_SHAPED = frozenset({"/v1/chat/completions", "/v1/models"})


@schema.parametrize()
@settings(max_examples=110, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case: schemathesis.Case) -> None:
    CASES[f"{case.method} {case.path}"] += 1
    response = case.call(headers={"authorization": f"Bearer {KEY}"})
    assert response.status_code < 500, response.text[:500]
    if (case.method, case.path) == ("POST", "/v1/documents"):
        UPLOADS[str(case.media_type)] += 1
        WRITES[str(case.media_type)] += response.status_code == 201
    # Some rules cannot be said in JSON Schema, so schema-valid requests are rightly refused:
    # a conversation must end with the user; an uploaded file must be UTF-8 text.
    unsayable = case.path.startswith("/v1/chat") or (case.method, case.path) == (
        "POST",
        "/v1/documents",
    )
    excluded = [positive_data_acceptance] if unsayable else []
    case.validate_response(response, excluded_checks=excluded)
    if 400 <= response.status_code < 500 and case.path not in _NOT_JSON:
        body = response.json()
        if case.path in _OPENAI_SHAPED and "error" in body:  # each protocol's own error body
            body = body["error"]
            assert isinstance(body.get("type"), str)
        assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str)


def test_fuzzing_ran_at_least_a_thousand_cases() -> None:
    assert sum(CASES.values()) >= 1000, CASES
    assert len(CASES) >= 12, CASES


def test_fuzzing_sent_documents_both_ways_and_added_some_with_the_key() -> None:
    # Schemathesis can build a JSON document only when the schema describes its body.
    assert UPLOADS["application/json"] > 0 and UPLOADS["multipart/form-data"] > 0, UPLOADS
    assert WRITES["application/json"] > 0, WRITES


def test_fuzzing_report() -> None:
    """Keeps the per-operation counts for docs/reliability.md."""
    assert all(count > 0 for count in CASES.values())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-cases.json").write_text(json.dumps(dict(sorted(CASES.items())), indent=1))
