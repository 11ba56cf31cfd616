"""Connections that must send their request's headers within a deadline.

uvicorn closes a connection that stays idle between requests, but not one that trickles
a request's headers a byte at a time, which would hold it for as long as the client likes.
This protocol (uvicorn's own, with a timer) closes a connection whose request has not
finished its headers `header_timeout_s` after the connection opened or the last response.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from citeqa.service.config import Settings


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline for each request's headers.

    The deadline is `CITEQA_HEADER_TIMEOUT_S`, read once per process (each worker of
    `serve --workers` reads its own environment), unless `header_timeout_s` is set first.
    """

    header_timeout_s: float | None = None

    @classmethod
    def deadline(cls) -> float:
        """Seconds a request may take to send its headers."""
        if cls.header_timeout_s is None:
            cls.header_timeout_s = Settings().server.header_timeout_s
        return cls.header_timeout_s

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self._awaited:
            self._deadline.cancel()  # the request's headers are complete

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline.cancel()
        super().connection_lost(exc)

    def _arm_deadline(self) -> None:
        previous: Any = getattr(self, "_deadline", None)
        if previous is not None:
            previous.cancel()
        self._awaited = self.cycle  # a new request replaces this cycle
        self._deadline = self.loop.call_later(self.deadline(), self._expire)

    def _expire(self) -> None:
        if self.cycle is self._awaited and not self.transport.is_closing():
            self.transport.close()
