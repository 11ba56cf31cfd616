"""Load a running citeqa with questions from the article's question set.

    python -m tests.load --url http://127.0.0.1:8000 --requests 5000 --concurrency 32

Half the requests are `/v1/ask`, half `/v1/chat` (two-turn conversations). Bounded in count
and time; loopback only by default. Prints requests, errors, timeouts, p50/p95/p99 and, when
`--pid` is given, the server's resident memory before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
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
