"""Writes docs/reliability.md from a run of the reliability tests (`make reliability`).

    python -m tests.reliability.report build/reliability.xml docs/reliability.md

Reads the JUnit XML of the run and the figures the tests left in test-artifacts/.
"""

from __future__ import annotations

import json
import platform
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.reliability.artifacts import ARTIFACTS

FAMILIES = [
    (
        "API fuzzing (Schemathesis)",
        "test_fuzz",
        "every operation of the OpenAPI schema, positive and negative data: no 5xx, responses match the schema, every 4xx has the JSON error body",
    ),
    (
        "Load",
        "test_load",
        "5,000 `/v1/ask` + `/v1/chat` requests at concurrency 32, one server and 4 workers on a Chroma server",
    ),
    (
        "Faults: store, data, ingestion",
        "test_faults",
        "Chroma killed during load and restarted; data directory missing, corrupted, unreadable; ingestion killed with SIGKILL; 8 concurrent ingestions of one document",
    ),
    (
        "Faults: LLM server",
        "test_llm_mode",
        "model server refusing connections, answering 500/401, malformed or empty output, hanging past the timeout",
    ),
    (
        "Hostile documents and questions",
        "test_hostile_input",
        "empty, blank, binary, invalid UTF-8, 50 MB, 1 MB line, nested HTML, scripts, prompt injection; long, control-character, RTL, emoji, SQL, template, HTML and instruction questions",
    ),
    (
        "Hostile text in the widget (browser)",
        "test_widget_browser",
        "markup from documents shown inert in Chromium; cross-origin refusal",
    ),
    (
        "Access",
        "test_access",
        "writes without a key, with a wrong key, with a key in the URL; CORS from an unlisted origin; path traversal",
    ),
    (
        "Ingestion stopped dead, then repaired",
        "test_crash_repair",
        "a write stopped with no cleanup before the sentences, with sentences half written, before the document record; a stored document missing its sentences",
    ),
    (
        "Documents that give instructions",
        "test_injected_instructions",
        "sentences telling a reader or a model what to say, in extractive and LLM mode; reports of what people said stay evidence",
    ),
    (
        "Limits and keys",
        "test_limits_and_keys",
        "made-up bearer keys against the rate limit; 6,000 callers; 429 readable by a page; preflights; a 300 MB chunked body; credentials in URLs and in the server's log",
    ),
    (
        "Writes under pressure",
        "test_writes",
        "a large upload past the request timeout; questions while it is written; one 5 MB paragraph",
    ),
    (
        "Hardening",
        "test_hardening",
        "protected reads of the demo page and metrics; 405 Allow; HEAD probes; content security policy and nosniff; /docs without a CDN; Host header; schema references",
    ),
    (
        "Consistency",
        "test_consistency",
        "deleting a missing document; the same content under three names; characters of no width; stream passages; two files in one upload; NUL in JSON",
    ),
    (
        "Overload",
        "test_overload",
        "questions beyond the bound refused with 503 `overloaded` and Retry-After while probes answer; concurrency 128 beside 16: no other 5xx, answered p99 within 2x",
    ),
    (
        "Shared limits and caches (Redis)",
        "test_shared_state",
        "a real redis-server on loopback: the rate limit held across 2 workers; Redis stopped mid-run leaves each worker its own limit and no errors; an answer reused by another worker",
    ),
]


def _cases(junit: Path) -> dict[str, list[tuple[str, bool]]]:
    by_file: dict[str, list[tuple[str, bool]]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        failed = any(child.tag in ("failure", "error") for child in case)
        skipped = any(child.tag == "skipped" for child in case)
        if not skipped:
            by_file.setdefault(module, []).append((case.get("name", ""), not failed))
    return by_file


def _figures(name: str) -> dict[str, Any]:
    path = ARTIFACTS / f"reliability-{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _details(module: str) -> str:
    if module == "test_fuzz":
        cases = (
            json.loads((ARTIFACTS / "fuzz-cases.json").read_text())
            if (ARTIFACTS / "fuzz-cases.json").exists()
            else {}
        )
        return f"{sum(cases.values()):,} generated requests over {len(cases)} method × path pairs"
    if module == "test_load":
        parts = []
        for name in ("one-server", "4-workers-chroma-server"):
            f = _figures(f"load-{name}")
            if f:
                parts.append(
                    f"{name}: {f['requests']:,} requests, {f['errors']} errors, {f['timeouts']} timeouts, "
                    f"{f.get('reconnects', 0)} asked again after a closed connection, "
                    f"p50/p95/p99 {f['p50_ms']}/{f['p95_ms']}/{f['p99_ms']} ms, {f['per_second']}/s, "
                    f"RSS {f['rss_mib_after_warm_up']} → {f['rss_mib_after']} MiB ({f['growth']:+.1%})"
                )
        return "; ".join(parts)
    if module == "test_faults":
        outage = _figures("chroma-outage")
        killed = _figures("ingestion-killed")
        concurrent = _figures("concurrent-ingestion")
        parts = []
        if outage:
            parts.append(
                f"outage under load: {outage['requests']} requests, statuses {outage['statuses']}, {outage['timeouts']} timeouts"
            )
        if killed:
            parts.append(
                f"killed ingestion: {killed['orphan chunks after the kill']} orphan chunks after the kill, {killed['orphan chunks after re-running']} after re-running, {killed['duplicates']} duplicates in {killed['chunks']} chunks"
            )
        if concurrent:
            parts.append(
                f"concurrent ingestion: {concurrent['created']} created, {concurrent['already present']} already present, {concurrent['copies']} copy, {concurrent['questions meanwhile']} questions answered meanwhile"
            )
        return "; ".join(parts)
    if module == "test_hostile_input":
        results = _figures("hostile")
        return "; ".join(f"{k} → {v}" for k, v in results.items())
    if module == "test_access":
        results = _figures("access")
        return f"{len(results)} attempts, all refused (401/403/404, no grant)" if results else ""
    recorded = [(name, _figures(name)) for name in _RECORDED.get(module, ())]
    return "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items())
        for name, figures in recorded
        if figures
    )


# The figures other families record, by the names they record them under.
_RECORDED = {
    "test_crash_repair": (
        "ingestion-stopped-before-sentences",
        "ingestion-stopped-sentences-half-written",
        "ingestion-stopped-before-the-document-record",
    ),
    "test_injected_instructions": ("planted-instructions",),
    "test_limits_and_keys": ("rate-limit-made-up-keys", "chunked-body-cap"),
    "test_writes": ("upload-past-timeout",),
    "test_hardening": ("hardening", "slow-headers"),
}


def main() -> None:
    """Write the report."""
    junit, output = Path(sys.argv[1]), Path(sys.argv[2])
    by_file = _cases(junit)
    rows = []
    for family, module, what in FAMILIES:
        cases = by_file.get(module, [])
        passed = sum(ok for _, ok in cases)
        result = (
            "not run"
            if not cases
            else ("pass" if passed == len(cases) else f"FAIL ({len(cases) - passed} failed)")
        )
        rows.append(
            f"| {family} | {what} | {passed}/{len(cases)} tests | {result} | {_details(module)} |"
        )
    text = "\n".join(
        [
            "# Reliability",
            "",
            "Regenerated by `make reliability` (the same tests run in CI with `make test`).",
            f"Run: {datetime.now(UTC).isoformat(timespec='seconds')}, {platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}, 2 cores.",
            "",
            "| family | what is proved | tests | result | figures |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
