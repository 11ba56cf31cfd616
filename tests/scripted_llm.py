"""A scripted OpenAI-compatible model server on 127.0.0.1, for testing LLM mode.

Tests queue what the "model" does next: reply with a text (streamed or not), answer with an
HTTP error, hang, or send malformed JSON. Every request is recorded. It runs in a thread of
the test process and is stopped when the fixture ends.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse


@dataclass
class Step:
    """One scripted behaviour: a reply, an HTTP status, a delay, or malformed output."""

    reply: str = ""
    status: int = 200
    delay_s: float = 0.0
    malformed: bool = False


@dataclass
class ScriptedModel:
    """The script and the log of what the server received."""

    steps: list[Step] = field(default_factory=list)
    default: Step = field(default_factory=lambda: Step(reply="No script was queued."))
    requests: list[dict[str, Any]] = field(default_factory=list)

    def then(self, *steps: Step) -> None:
        """Queue behaviours for the next requests, in order."""
        self.steps.extend(steps)

    def reset(self) -> None:
        self.steps.clear()
        self.requests.clear()

    def next_step(self) -> Step:
        return self.steps.pop(0) if self.steps else self.default


def _chunk(content: str, finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def build_app(model: ScriptedModel) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Response:
        body = await request.json()
        model.requests.append(body)
        step = model.next_step()
        if step.delay_s:
            await asyncio.sleep(step.delay_s)  # a stuck model: the client's timeout fires
        if step.status != 200:
            return JSONResponse({"error": {"message": "scripted failure"}}, status_code=step.status)
        if step.malformed:
            return PlainTextResponse("this is not JSON {", media_type="application/json")
        if body.get("stream"):

            def stream() -> Iterator[str]:
                words = step.reply.split(" ")
                for i, word in enumerate(words):
                    yield _chunk(word + (" " if i < len(words) - 1 else ""))
                yield _chunk("", "stop")
                yield "data: [DONE]\n\n"

            return StreamingResponse(stream(), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": "scripted",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": step.reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    return app


class ScriptedServer:
    """Runs the scripted app with uvicorn in a thread on 127.0.0.1:`port`."""

    def __init__(self, port: int) -> None:
        self.model = ScriptedModel()
        config = uvicorn.Config(
            build_app(self.model), host="127.0.0.1", port=port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}/v1"

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("scripted model server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
