"""Load a running citeqa with questions from the article's question set.

    python -m tests.load --url http://127.0.0.1:8000 --requests 5000 --concurrency 32

Half the requests are `/v1/ask`, half `/v1/chat` (two-turn conversations). Bounded in count
and time; loopback only by default. Prints requests, errors, timeouts, p50/p95/p99 and, when
`--pid` is given, the server's resident memory before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "article.jsonl"


@dataclass
class LoadResult:
    """What a load run measured."""

    requests: int = 0
    errors: int = 0
    timeouts: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    reconnects: int = 0
    failed: list[str] = field(default_factory=list)  # each failure and retry: what, how long

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    def summary(self) -> dict[str, float]:
        """The figures, for printing or asserting."""
        return {
            "requests": self.requests,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "reconnects": self.reconnects,
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "per_second": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
        }


def questions() -> list[str]:
    """The questions of the article's evaluation set, in order."""
    return [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]


def _payloads(chat: bool) -> list[tuple[str, dict[str, object]]]:
    asked = questions()
    payloads: list[tuple[str, dict[str, object]]] = []
    for i, question in enumerate(asked):
        payloads.append(("/v1/ask", {"question": question}))
        if not chat:
            continue
        previous = asked[i - 1]
        messages = [
            {"role": "user", "content": previous},
            {"role": "assistant", "content": "An earlier answer. [1]"},
            {"role": "user", "content": question},
        ]
        payloads.append(("/v1/chat", {"messages": messages}))
    return payloads


async def run_load(
    url: str, requests: int, concurrency: int, timeout_s: float = 30.0, chat: bool = True
) -> LoadResult:
    """Send `requests` requests, `concurrency` at a time; every error is counted.

    Half are `/v1/ask` and half `/v1/chat`; with `chat=False`, all are `/v1/ask`.
    """
    result = LoadResult()
    payloads = _payloads(chat)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                path, body = payloads[i % len(payloads)]
                started = time.perf_counter()
                try:
                    try:
                        response = await client.post(path, json=body)
                    except (httpx.RemoteProtocolError, httpx.ReadError) as closed:
                        # The connection was closed (FIN) or reset (RST, when the request
                        # was already in the server's buffer) before any answer came. Ask
                        # again once on a new connection, as browsers and HTTP libraries
                        # do; counted, and bounded by the tests.
                        result.reconnects += 1
                        result.failed.append(
                            f"asked again: {closed!r} after {_ms_since(started):.1f} ms"
                        )
                        response = await client.post(path, json=body)
                except httpx.TimeoutException:
                    result.timeouts += 1
                    result.errors += 1
                    continue
                except httpx.HTTPError as error:
                    result.errors += 1
                    result.failed.append(
                        f"{type(error).__name__} on {path} (request {i}) after "
                        f"{_ms_since(started):.1f} ms: {error!r} caused by {error.__context__!r}"
                    )
                    continue
                finally:
                    result.requests += 1
                result.latencies_ms.append(_ms_since(started))
                result.statuses[response.status_code] = (
                    result.statuses.get(response.status_code, 0) + 1
                )
                if response.status_code != 200:
                    result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


@dataclass
class Reply:
    """One response of `hammer`: its status, how long it took, and its Retry-After."""

    status: int
    ms: float
    retry_after: str | None
    body: bytes


async def hammer(
    url: str,
    body: Callable[[int], bytes],
    concurrency: int,
    seconds: float,
    path: str = "/v1/ask",
    wait_as_told: bool = True,
) -> list[Reply]:
    """POST JSON bodies (`body(i)` for the i-th request) for `seconds`, `concurrency` at a
    time over keep-alive connections; every reply. A client told 503 with Retry-After waits
    that long before its next request, as clients should (`wait_as_told=False`: at once).

    Written on raw sockets: a client library costs about a millisecond of CPU a request,
    which at high concurrency on a small machine would be measured as the server's latency.
    """
    host, port = url.removeprefix("http://").split(":")
    deadline = time.perf_counter() + seconds
    replies: list[Reply] = []
    sent = itertools.count()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                payload = body(next(sent))
                started = time.perf_counter()
                writer.write(
                    f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
                    f"\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                status, headers = await asyncio.wait_for(_head(reader), seconds + 60)
                content = await reader.readexactly(int(headers.get("content-length", "0")))
                retry_after = headers.get("retry-after")
                replies.append(Reply(status, _ms_since(started), retry_after, content))
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                if wait_as_told and status == 503 and retry_after:
                    await asyncio.sleep(
                        min(float(retry_after), max(0, deadline - time.perf_counter()))
                    )
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return replies


async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def resident_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    children = [int(c) for c in found]
    return children + [g for c in children for g in _children(c)]


def main() -> None:
    """Run a load and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--pid", type=int, help="Server process id, to report its memory.")
    args = parser.parse_args()
    before = resident_mib(args.pid) if args.pid else None
    result = asyncio.run(run_load(args.url, args.requests, args.concurrency))
    figures: dict[str, object] = {**result.summary(), "statuses": result.statuses}
    if args.pid:
        figures["rss_mib_before"] = round(before or 0, 1)
        figures["rss_mib_after"] = round(resident_mib(args.pid), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
