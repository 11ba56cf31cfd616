"""Admission control swept: answers per second, the answered requests' p99 and the share
refused, by bound (`CITEQA_MAX_IN_FLIGHT`) and concurrency, one worker over the article,
distinct questions, each concurrency for a fixed time. A refused client waits the
Retry-After it was told before it asks again.

    python -m bench.admission [--bounds 4 8 16] [--concurrency 16 64 128] [--seconds 10]

Bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.page import markers, write_section
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.conftest import ARTICLE
from tests.load import hammer, questions
from tests.processes import running_citeqa


@dataclass(frozen=True)
class Overload:
    """One concurrency's figures."""

    concurrency: int
    answers_per_s: float
    answered_p99_ms: float
    refused: float  # share of requests
    refusal_p50_ms: float
    refusal_p99_ms: float
    other: int  # neither 200 nor 503 overloaded with Retry-After


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else 0.0


def overloaded(url: str, seconds: float, concurrency: int, start: int = 0) -> Overload:
    """Ask distinct questions (the answer cache answers none) at `concurrency` for
    `seconds`; questions are numbered from `start`."""
    asked = questions()

    def body(i: int) -> bytes:
        return json.dumps({"question": f"{asked[i % len(asked)]} ({start + i})"}).encode()

    replies = asyncio.run(hammer(url, body, concurrency, seconds))
    answered = [r.ms for r in replies if r.status == 200]
    refused = [r.ms for r in replies if r.status == 503 and r.retry_after]
    return Overload(
        concurrency,
        len(answered) / seconds,
        _percentile(answered, 0.99),
        len(refused) / len(replies),
        _percentile(refused, 0.5),
        _percentile(refused, 0.99),
        len(replies) - len(answered) - len(refused),
    )


def sweep(
    data: Path, bound: int, wait_ms: float, levels: list[int], seconds: float
) -> list[Overload]:
    """One server with this bound, loaded at each concurrency in turn."""
    with running_citeqa(data, max_in_flight=str(bound), admission_wait_ms=str(wait_ms)) as url:
        overloaded(url, 2, 8)  # warm up
        return [
            overloaded(url, seconds, level, start=(n + 1) * 1_000_000)
            for n, level in enumerate(levels)
        ]


BOUNDS = [4, 8, 16]
LEVELS = [16, 64, 128]


def measure(
    work: Path, bounds: list[int], levels: list[int], seconds: float, wait_ms: float
) -> dict[int, list[Overload]]:
    """The sweep: every bound at every concurrency, one server per bound."""
    data = work / "data"
    Engine.open(Settings(data_dir=data)).library.ingest([ARTICLE])
    found = {}
    for bound in bounds:
        copy = work / f"copy-{bound}"
        shutil.copytree(data, copy, ignore=shutil.ignore_patterns("writer.lock"))
        found[bound] = sweep(copy, bound, wait_ms, levels, seconds)
    return found


def section(found: dict[int, list[Overload]], seconds: float, wait_ms: float) -> str:
    """The benchmarks page's section: the sweep, and the targets at the default bound."""
    begin, end = markers("admission")
    default = Settings().server.max_in_flight
    lines = [
        begin,
        "## Admission control (`python -m bench.admission`)",
        "",
        "One worker over the article, distinct questions (the answer cache answers none),",
        f"{seconds:g} s at each concurrency, `CITEQA_ADMISSION_WAIT_MS={wait_ms:g}`. Load from",
        "raw sockets (`tests/load.py: hammer`); a refused client waits the Retry-After it was",
        "told, then asks again.",
        "",
        "| bound | concurrency | answers/s | answered p99 ms | refused | refusal p50 / p99 ms "
        "| other |",
        "|---|---|---|---|---|---|---|",
    ]
    for bound, rows in found.items():
        for row in rows:
            lines.append(
                f"| {bound} | {row.concurrency} | {row.answers_per_s:.0f} | "
                f"{row.answered_p99_ms:.0f} | {row.refused:.0%} | {row.refusal_p50_ms:.0f} / "
                f"{row.refusal_p99_ms:.0f} | "
                f"{row.other} |"
            )
    rows = found.get(default, [])
    base = next((r for r in rows if r.concurrency == 16), None)
    if base is not None:
        lines += [
            "",
            f"At the default bound ({default}), beside concurrency 16 in the same run:",
            "",
            "| concurrency | answers/s vs 16 (≥ 0.9) | answered p99 vs 16 (≤ 2) "
            "| refusal p99 (≤ 50 ms) |",
            "|---|---|---|---|",
        ]
        for row in rows:
            lines.append(
                f"| {row.concurrency} | {row.answers_per_s / base.answers_per_s:.2f} | "
                f"{row.answered_p99_ms / base.answered_p99_ms:.2f} | "
                f"{row.refusal_p99_ms:.0f} ms |"
            )
    lines.append(end)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bounds", type=int, nargs="*", default=BOUNDS)
    parser.add_argument("--concurrency", type=int, nargs="*", default=LEVELS)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--wait-ms", type=float, default=Settings().server.admission_wait_ms)
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-admission-") as work:
        found = measure(Path(work), args.bounds, args.concurrency, args.seconds, args.wait_ms)
    text = section(found, args.seconds, args.wait_ms)
    write_section("admission", text, args.output)
    print(text)


if __name__ == "__main__":
    main()
