"""Questions in, cited answers out: one question, a conversation, or either as a stream."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import iterate_in_threadpool

from citeqa.index.errors import (
    CiteqaError,
    CollectionNotFound,
    DocumentNotFound,
    IndexNotReady,
    InvalidRequest,
    StoreUnavailable,
    WrongKey,
)
from citeqa.service.engine.conversation import Turn
from citeqa.service.engine.engine import StreamEvent
from citeqa.service.engine.responses import Reply
from citeqa.service.http.dependencies import engine_for
from citeqa.service.http.errors import error_responses
from citeqa.service.http.observability import observe_answer
from citeqa.service.http.schemas import AskRequest, AskResponse, ChatRequest
from citeqa.service.http.security import ReadKey

router = APIRouter(prefix="/v1", tags=["questions"], dependencies=[ReadKey])

_ERRORS = error_responses(
    InvalidRequest, IndexNotReady, StoreUnavailable, CollectionNotFound, DocumentNotFound, WrongKey
)
_STREAM_DESCRIPTION = (
    'Server-Sent Events: `delta` events (`{"text": ...}`, pieces of the answer) and one '
    "`citations` event (the list): extractive answers send `citations` first, LLM answers "
    "send each verified sentence as it is ready and `citations` after them; then `done` "
    '(the whole response body). `error` (`{"code", "message"}`) if the answer fails.'
)
_ANSWERED: dict[str, Any] = {
    "response_model": AskResponse,
    "response_model_exclude_none": True,
    "responses": _ERRORS,
}
_STREAMED: dict[str, Any] = {
    "description": _STREAM_DESCRIPTION,
    "response_class": EventSourceResponse,
    "responses": _ERRORS,
}
log = logging.getLogger("citeqa")


@router.post("/ask", summary="Answer a question with citations", **_ANSWERED)
def ask(request: AskRequest, raw: Request) -> AskResponse:
    """Answer from the indexed documents; every sentence carries a `[n]` citation marker."""
    engine = engine_for(raw, request.collection)
    response = engine.ask(
        request.question,
        request.top_k,
        request.include_passages,
        request.mode,
        _only(request),
    )
    return _observed(raw, response)


@router.post("/chat", summary="Answer the last message of a conversation", **_ANSWERED)
def chat(request: ChatRequest, raw: Request) -> AskResponse:
    """Like `/v1/ask`, with follow-up questions resolved from the earlier messages."""
    engine = engine_for(raw, request.collection)
    response = engine.chat(
        _turns(request), request.top_k, request.include_passages, request.mode, _only(request)
    )
    return _observed(raw, response)


def _only(request: AskRequest | ChatRequest) -> frozenset[str]:
    """The documents a request limits its answer to; none: every one."""
    return frozenset(request.documents or ())


def _observed(raw: Request, response: Reply) -> AskResponse:
    """Record the answer for the metrics and the request's log line; its body."""
    observe_answer(response)
    raw.state.answered = response.answered
    raw.state.top_score = response.citations[0].score if response.citations else None
    return AskResponse.model_validate(response)


@router.post("/ask/stream", summary="Answer a question as a stream of events", **_STREAMED)
def ask_stream(request: AskRequest, raw: Request) -> EventSourceResponse:
    """Stream the answer to one question."""
    engine = engine_for(raw, request.collection)
    engine.check_ready()
    engine.check_documents(_only(request))
    turns = [Turn("user", request.question)]
    return _stream(
        raw,
        engine.stream(turns, request.top_k, request.mode, request.include_passages, _only(request)),
    )


@router.post(
    "/chat/stream",
    summary="Answer the last message of a conversation as a stream of events",
    **_STREAMED,
)
def chat_stream(request: ChatRequest, raw: Request) -> EventSourceResponse:
    """Stream the answer to the last message of a conversation."""
    engine = engine_for(raw, request.collection)
    engine.check_ready()
    engine.check_documents(_only(request))
    return _stream(
        raw,
        engine.stream(
            _turns(request), request.top_k, request.mode, request.include_passages, _only(request)
        ),
    )


def _turns(request: ChatRequest) -> list[Turn]:
    return [Turn(m.role, m.content) for m in request.messages]


def _stream(request: Request, events: Iterator[StreamEvent]) -> EventSourceResponse:
    """Send the engine's events as SSE; stop the work when the client goes away."""

    async def send() -> AsyncIterator[dict[str, str]]:
        try:
            async for event in iterate_in_threadpool(events):
                if await request.is_disconnected():
                    return
                yield _event(*_body(event))
        except CiteqaError as error:
            yield _event("error", {"code": error.code, "message": error.message})
        except Exception:
            log.exception("stream failed")
            yield _event("error", {"code": "internal_error", "message": "The answer failed."})

    return EventSourceResponse(send(), ping=15)


def _body(event: StreamEvent) -> tuple[str, Any]:
    """An engine event as the name and JSON data of a Server-Sent Event."""
    if event[0] == "delta":
        return "delta", {"text": event[1]}
    if event[0] == "citations":
        # As in `done`: fields without a value (a page, for a text without pages) are left out.
        return "citations", [
            {key: value for key, value in asdict(citation).items() if value is not None}
            for citation in event[1]
        ]
    observe_answer(event[1])
    body = AskResponse.model_validate(event[1])
    return "done", body.model_dump(mode="json", exclude_none=True)


def _event(name: str, data: Any) -> dict[str, str]:
    return {"event": name, "data": json.dumps(data, ensure_ascii=False)}
