"""The OpenAI-compatible chat, called with the official `openai` client against a running
`citeqa serve`: citations kept in the content, in annotations and in the stream."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import httpx
import openai
import pytest

QUESTION = "How many Revolutionary Guard commanders were killed in the consulate strike?"


@pytest.fixture(scope="module")
def server(live_server: str) -> str:
    """`citeqa serve` over the article, in its own process."""
    return live_server


@pytest.fixture(scope="module")
def client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key="any-key", max_retries=0)


def _check_quotes(server: str, annotations: list) -> None:  # type: ignore[type-arg]
    """Every annotation's quote is `text[start:end]` of its document, and its URL opens the
    reader on that range."""
    assert annotations
    for annotation in annotations:
        cited = annotation.url_citation
        text = httpx.get(f"{server}/v1/documents/{cited.document_id}").json()["text"]
        assert text[cited.start : cited.end] == cited.quote
        query = parse_qs(urlparse(cited.url).query)
        assert (int(query["start"][0]), int(query["end"][0])) == (cited.start, cited.end)


def test_models_name_the_collections(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == ["citeqa"]


def test_a_chat_completion_keeps_its_citations(client: openai.OpenAI, server: str) -> None:
    completion = client.chat.completions.create(
        model="citeqa",
        temperature=0.2,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": QUESTION},
        ],
    )
    message = completion.choices[0].message
    assert message.content and "seven" in message.content
    answer, sources = message.content.split("\n\nSources:\n")
    assert "[1]" in answer and sources.startswith("[1] Why Iran and Israel Stepped Back")
    annotations = message.annotations or []
    _check_quotes(server, annotations)
    first = annotations[0].url_citation
    assert message.content[first.start_index : first.end_index] == "[1]"
    assert first.title == "Why Iran and Israel Stepped Back From the Brink"
    assert first.quote in sources


def test_a_streamed_completion_sends_sources_text_and_annotations(
    client: openai.OpenAI, server: str
) -> None:
    stream = client.chat.completions.create(
        model="citeqa", stream=True, messages=[{"role": "user", "content": QUESTION}]
    )
    content, annotations, finish = "", [], None
    for chunk in stream:
        delta = chunk.choices[0].delta
        content += delta.content or ""
        annotations += getattr(delta, "annotations", None) or []
        finish = chunk.choices[0].finish_reason or finish
    assert "seven" in content and "\n\nSources:\n[1] " in content and finish == "stop"
    _check_quotes(
        server, [openai.types.chat.chat_completion_message.Annotation(**a) for a in annotations]
    )


def test_the_stream_carries_open_webui_sources(server: str) -> None:
    body = {"model": "citeqa", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{server}/v1/chat/completions", json=body, timeout=60) as response:
        frames = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    [sources] = [json.loads(f)["sources"] for f in frames[:-1] if "sources" in json.loads(f)]
    assert sources[0]["source"]["name"] == "Why Iran and Israel Stepped Back From the Brink"
    assert "seven" in sources[0]["document"][0]


@pytest.mark.parametrize(
    ("options", "status", "param"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, 400, "tools"),
        ({"n": 2}, 400, "n"),
        ({"model": "gpt-4o"}, 404, "model"),
        ({"model": "citeqa/no-such-collection"}, 404, None),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}
                        ],
                    }
                ]
            },
            400,
            "messages",
        ),
        ({"messages": [{"role": "user", "content": "x" * 2001}]}, 400, "messages"),
        ({"messages": []}, 400, "messages"),
    ],
)
def test_what_citeqa_cannot_do_gets_an_openai_error(
    client: openai.OpenAI,
    options: dict,
    status: int,
    param: str | None,  # type: ignore[type-arg]
) -> None:
    request = {"model": "citeqa", "messages": [{"role": "user", "content": QUESTION}], **options}
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(**request)
    assert raised.value.status_code == status
    error = raised.value.body
    assert isinstance(error, dict) and error["message"] and error["type"]
    assert error.get("param") == param


def test_keys_and_collections_hold_over_the_openai_interface(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from citeqa.service.config import Settings
    from citeqa.service.http.app import create_app

    settings = Settings(
        data_dir=tmp_path / "data",
        api_keys=["admin-key", "alpha-key:alpha"],
        require_key_for_read=True,
    )
    otters = {"text": "Otters hold hands while they sleep.", "collection": "alpha"}
    with TestClient(create_app(settings)) as http:
        http.post("/v1/documents", json=otters, headers={"authorization": "Bearer admin-key"})

        def client(key: str) -> openai.OpenAI:
            return openai.OpenAI(
                base_url="http://testserver/v1", api_key=key, http_client=http, max_retries=0
            )

        assert [m.id for m in client("alpha-key").models.list()] == ["citeqa/alpha"]
        assert [m.id for m in client("admin-key").models.list()] == ["citeqa", "citeqa/alpha"]
        asked = [{"role": "user", "content": "What do otters do while they sleep?"}]
        answer = client("alpha-key").chat.completions.create(model="citeqa/alpha", messages=asked)
        assert "hold hands" in (answer.choices[0].message.content or "")
        for key, model, status in (
            ("alpha-key", "citeqa", 403),
            ("wrong-key", "citeqa/alpha", 403),
        ):
            with pytest.raises(openai.APIStatusError) as raised:
                client(key).chat.completions.create(model=model, messages=asked)
            assert raised.value.status_code == status
            assert isinstance(raised.value.body, dict) and raised.value.body["type"]
