"""Server-Sent Events read back from a response body, as a client reads them."""

from __future__ import annotations

import json
from typing import Any


def read_events(body: str) -> list[tuple[str, Any]]:
    """(event name, decoded JSON data) of every event in a stream's body, in order."""
    events = []
    for block in body.replace("\r\n", "\n").strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events
