"""OpenAI-compatible chat: `POST /v1/chat/completions` and `GET /v1/models`, citations kept.

A chat client that speaks OpenAI's API (Open WebUI, an `openai` SDK script) gets citeqa's
cited answer, and its citations three ways at once, since clients read different ones:

- in `content`: the answer's `[n]` markers, then a "Sources" list, one line a citation;
- in `message.annotations` (`delta.annotations` when streaming): one `url_citation` a
  citation, with the document's title, the reader URL of the cited range, and where its
  `[n]` marker stands in `content`;
- when streaming, a chunk with `"sources": [...]` (and an empty delta) before the answer,
  as Open WebUI reads them.

A model names what to answer from: `citeqa` is the default collection, `citeqa/<name>`
another. Parameters citeqa cannot honour (tools, images, several choices) are refused with
OpenAI's error body; those it may ignore (temperature, max_tokens, …) are accepted. The
answer is the extractive one, or the verified LLM answer when a model is configured:
the same as `/v1/chat`, with its limits.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from citeqa.index.errors import CiteqaError
from citeqa.service.engine.collections import Collections
from citeqa.service.engine.conversation import Turn
from citeqa.service.engine.engine import DEFAULT_COLLECTION, Engine
from citeqa.service.engine.responses import Citation, Reply
from citeqa.service.http.dependencies import engine_for
from citeqa.service.http.schemas import ChatRequest
from citeqa.service.http.security import require_read_key

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL = "citeqa"
# Parameters that change what the answer would be, which citeqa cannot do: refused.
_REFUSED = {
    "tools": "tools (function calling)",
    "functions": "functions (function calling)",
    "audio": "audio output",
    "prediction": "predicted outputs",
}
_UNSUPPORTED = "unsupported_parameter"
_STATUS_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error"}


class OpenAIError(Exception):
    """An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param

    def body(self) -> dict[str, Any]:
        kind = _STATUS_TYPES.get(self.status, "invalid_request_error")
        if self.status >= 500:
            kind = "server_error"
        return {"message": self.message, "type": kind, "param": self.param, "code": self.code}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.body()}, status_code=self.status)

    @classmethod
    def of(cls, error: CiteqaError) -> OpenAIError:
        return cls(error.status_code, error.message, error.code)


_OPENAI_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
_OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": said, "content": {"application/json": {"schema": _OPENAI_ERROR}}}
    for status, said in (
        (400, "A parameter citeqa does not support, or a malformed request."),
        (401, "A key is required and none was sent."),
        (403, "The key is wrong, or limited to other collections."),
        (404, "No such model (collection), or no such document."),
        (503, "Nothing is indexed yet, or the store is unavailable."),
    )
}


@router.get(
    "/models",
    summary="The models (collections) to chat with, OpenAI-style",
    responses=_OPENAI_ERRORS,
)
async def list_models(request: Request) -> JSONResponse:
    """`citeqa` (the default collection) and `citeqa/<name>` for every other collection
    the request's key may use."""
    try:
        await require_read_key(request)
        collections: Collections = request.app.state.collections
        names = await run_in_threadpool(collections.names)
        usable = []
        for name in sorted(names, key=lambda n: (n != DEFAULT_COLLECTION, n)):
            try:
                await run_in_threadpool(engine_for, request, name)
            except CiteqaError:
                continue  # a collection this key may not use is not listed
            usable.append(MODEL if name == DEFAULT_COLLECTION else f"{MODEL}/{name}")
    except CiteqaError as error:
        return OpenAIError.of(error).response()
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "citeqa"} for m in usable]
    return JSONResponse({"object": "list", "data": data})


@router.post(
    "/chat/completions",
    summary="Answer a conversation, OpenAI-style, with citations",
    responses=_OPENAI_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def chat_completions(request: Request) -> Any:
    """OpenAI's chat completion, streaming or not, answered by citeqa with citations."""
    try:
        await require_read_key(request)
        body = await _json_object(request)
        _refuse_unsupported(body)
        model = body.get("model")
        turns = _turns(body.get("messages"))
        engine = await run_in_threadpool(engine_for, request, _collection(model))
        if body.get("stream") is True:
            engine.check_ready()
            return _streamed(request, engine, turns, str(model))
        reply = await run_in_threadpool(engine.chat, turns)
    except OpenAIError as error:
        return error.response()
    except CiteqaError as error:
        return OpenAIError.of(error).response()
    return JSONResponse(_completion(request, reply, str(model)))


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OpenAIError(400, "The request body is not valid JSON.", "invalid_json") from None
    if not isinstance(body, dict):
        raise OpenAIError(400, "The request body must be a JSON object.", "invalid_body")
    return body


def _refuse_unsupported(body: dict[str, Any]) -> None:
    for name, what in _REFUSED.items():
        if body.get(name):
            raise OpenAIError(
                400, f"citeqa does not support {what}.", "unsupported_parameter", name
            )
    if body.get("n") not in (None, 1):
        raise OpenAIError(
            400, "citeqa gives one answer: n must be 1.", "unsupported_parameter", "n"
        )
    if body.get("logprobs"):
        raise OpenAIError(400, "citeqa gives no logprobs.", _UNSUPPORTED, "logprobs")
    if "stream" in body and not isinstance(body["stream"], bool | None):
        raise OpenAIError(400, "stream must be true or false.", "invalid_type", "stream")


def _collection(model: object) -> str:
    """The collection a model names: `citeqa` the default one, `citeqa/<name>` another."""
    if model == MODEL:
        return DEFAULT_COLLECTION
    if isinstance(model, str) and model.startswith(f"{MODEL}/") and model[len(MODEL) + 1 :]:
        return model[len(MODEL) + 1 :]
    raise OpenAIError(
        404,
        f"The model {model!r} does not exist. Use 'citeqa', or 'citeqa/<collection>'; "
        "GET /v1/models lists them.",
        "model_not_found",
        "model",
    )


def _turns(messages: object) -> list[Turn]:
    """The conversation as citeqa reads it: system messages set aside, text parts joined,
    and the limits of `/v1/chat` applied."""
    if not isinstance(messages, list) or not messages:
        raise OpenAIError(400, "messages must be a non-empty list.", "invalid_value", "messages")
    said = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise OpenAIError(400, f"messages[{i}] must be an object.", "invalid_type", "messages")
        role = message.get("role")
        if role in ("system", "developer"):
            continue  # instructions to a model: citeqa's answers follow their own rules
        if role not in ("user", "assistant"):
            raise OpenAIError(
                400,
                f"messages[{i}].role {role!r} is not supported: use user, assistant or system.",
                "unsupported_value",
                "messages",
            )
        said.append({"role": role, "content": _text(message.get("content"), i)})
    try:
        request = ChatRequest.model_validate({"messages": said})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise OpenAIError(
            400, f"Invalid messages. {problems}", "invalid_value", "messages"
        ) from None
    return [Turn(m.role, m.content) for m in request.messages]


def _text(content: object, i: int) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise OpenAIError(
                    400,
                    f"messages[{i}] holds a {kind!r} part: citeqa reads text only.",
                    "unsupported_content",
                    "messages",
                )
            texts.append(str(part.get("text", "")))
        return "\n".join(texts)
    raise OpenAIError(400, f"messages[{i}].content must be text.", "invalid_type", "messages")


def _content(reply: Reply, base: str) -> str:
    """The answer with its markers, then a "Sources" list: one line a citation."""
    if not reply.citations:
        return reply.answer
    lines = [f"{reply.answer}", "", "Sources:"]
    for citation in reply.citations:
        page = f", page {citation.page}" if citation.page is not None else ""
        lines.append(
            f"[{citation.marker}] {citation.document_title}{page}: “{citation.quote}” "
            f"({base}{citation.url})"
        )
    return "\n".join(lines)


def _annotations(reply: Reply, content: str, base: str) -> list[dict[str, Any]]:
    """One `url_citation` a citation, at its first `[n]` marker in `content`."""
    found = []
    for citation in reply.citations:
        marker = f"[{citation.marker}]"
        at = content.find(marker)
        found.append(
            {
                "type": "url_citation",
                "url_citation": {
                    "url": base + citation.url,
                    "title": citation.document_title,
                    "start_index": max(at, 0),
                    "end_index": max(at, 0) + len(marker),
                    # citeqa's own: the verbatim quote and where it stands in its document.
                    "quote": citation.quote,
                    "document_id": citation.document_id,
                    "start": citation.start,
                    "end": citation.end,
                },
            }
        )
    return found


def _source(citation: Citation, base: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"source": base + citation.url, "name": citation.document_title}
    if citation.page is not None:
        metadata["page"] = citation.page
    return {
        "source": {"id": base + citation.url, "name": citation.document_title},
        "document": [citation.quote],
        "metadata": [metadata],
    }


def _completion(request: Request, reply: Reply, model: str) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    content = _content(reply, base)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": _annotations(reply, content, base),
                },
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(reply),
        "citeqa": {"answered": reply.answered, "warnings": list(reply.warnings)},
    }


def _usage(reply: Reply) -> dict[str, int]:
    """Words, not tokens: citeqa runs no tokenizer for a language model."""
    asked, answered = len(reply.question.split()), len(reply.answer.split())
    return {"prompt_tokens": asked, "completion_tokens": answered, "total_tokens": asked + answered}


def _streamed(request: Request, engine: Engine, turns: list[Turn], model: str) -> StreamingResponse:
    """`chat.completion.chunk` events: the role, the answer as it comes, the Sources list
    and the annotations, then `[DONE]`; Open WebUI's sources frame once the citations are
    known. An error after the stream began is sent as an error frame."""
    base = str(request.base_url).rstrip("/")
    chunk_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def frames() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            for event in engine.stream(turns):
                if event[0] == "citations" and event[1]:
                    # A chunk with an empty delta, so that every client reads it as one.
                    yield chunk({}, sources=[_source(citation, base) for citation in event[1]])
                elif event[0] == "delta":
                    yield chunk({"content": event[1]})
                elif event[0] == "done":
                    reply = event[1]
                    content = _content(reply, base)
                    yield chunk({"content": content[len(reply.answer) :]})
                    yield chunk({"annotations": _annotations(reply, content, base)}, "stop")
        except CiteqaError as error:
            yield f"data: {json.dumps({'error': OpenAIError.of(error).body()})}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(
        iterate_in_threadpool(frames()),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
