"""Where questions are sent: the in-process engine, or a running service over HTTP.

Both return the `/v1/ask` response body as a dict, so every metric is computed the same way.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from citeqa.eval.question_sets import EvalCase
from citeqa.index.errors import CiteqaError, TargetError
from citeqa.service.engine.answers import Mode
from citeqa.service.engine.conversation import Turn

if TYPE_CHECKING:
    from citeqa.service.engine.engine import Engine


class Target(Protocol):
    """Something that answers questions as `/v1/ask` does."""

    def ask(
        self, case: EvalCase, top_k: int | None, mode: str = "extractive"
    ) -> tuple[dict[str, Any], float]:
        """The response body for a case, and the wall time it took in milliseconds."""
        ...

    def document_text(self, document_id: str) -> str:
        """The cleaned text of a document, which citation offsets point into."""
        ...

    def chunk_count(self) -> int:
        """How many passages the index holds (for the chance baseline)."""
        ...

    def describe(self) -> dict[str, Any]:
        """The target's configuration, recorded in the report."""
        ...


class EngineTarget:
    """Asks the in-process engine: the code path behind `POST /v1/ask`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ask(
        self, case: EvalCase, top_k: int | None, mode: str = "extractive"
    ) -> tuple[dict[str, Any], float]:
        started = time.perf_counter()
        chosen: Mode = "llm" if mode == "llm" else "extractive"
        try:
            if case.messages:
                turns = [Turn(m.role, m.content) for m in case.messages]
                response = self.engine.chat(turns, top_k, True, chosen)
            else:
                response = self.engine.ask(case.question, top_k, True, chosen)
        except CiteqaError as error:
            raise TargetError(f"{case.id}: {error.message}") from None
        elapsed = (time.perf_counter() - started) * 1000
        body: dict[str, Any] = asdict(response)
        return body, elapsed

    def document_text(self, document_id: str) -> str:
        document = self.engine.library.document(document_id)
        return document.text if document else ""

    def chunk_count(self) -> int:
        return self.engine.stats().chunks

    def describe(self) -> dict[str, Any]:
        settings = self.engine.settings
        return {
            "target": "in-process",
            **settings.flat(),
            "default_top_k": settings.retrieval.top_k,
        }


class HttpTarget:
    """Asks a running citeqa service over HTTP, exactly as its users do."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, timeout=timeout_s)
        self._texts: dict[str, str] = {}
        try:
            ready = self._client.get("/readyz")
        except httpx.HTTPError as error:
            raise TargetError(
                f"Cannot reach {self.url} ({error}). Is `citeqa serve` running?"
            ) from None
        if ready.status_code != 200:
            raise TargetError(f"{self.url} is not ready: {ready.text}")
        self._ready = ready.json()

    def ask(
        self, case: EvalCase, top_k: int | None, mode: str = "extractive"
    ) -> tuple[dict[str, Any], float]:
        payload: dict[str, Any] = {"include_passages": True, "mode": mode}
        if top_k:
            payload["top_k"] = top_k
        if case.messages:
            payload["messages"] = [{"role": m.role, "content": m.content} for m in case.messages]
        else:
            payload["question"] = case.question
        started = time.perf_counter()
        try:
            response = self._client.post("/v1/chat" if case.messages else "/v1/ask", json=payload)
        except httpx.HTTPError as error:
            raise TargetError(f"{case.id}: request to {self.url} failed ({error}).") from None
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise TargetError(
                f"{case.id}: {self.url} answered {response.status_code}: {response.text}"
            )
        body: dict[str, Any] = response.json()
        return body, elapsed

    def document_text(self, document_id: str) -> str:
        if document_id not in self._texts:
            response = self._client.get(f"/v1/documents/{document_id}")
            self._texts[document_id] = (
                response.json().get("text", "") if response.is_success else ""
            )
        return self._texts[document_id]

    def chunk_count(self) -> int:
        return int(self._ready.get("chunks") or 0)

    def describe(self) -> dict[str, Any]:
        return {"target": self.url, **self._ready}
