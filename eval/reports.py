"""Evaluation reports: per-question JSONL and CSV, summary JSON, Markdown and a self-contained
HTML page with inline SVG charts (no network, no scripts)."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citeqa.eval.runner import QuestionResult

# The metrics shown in tables and charts, in reading order.
HEADLINE = (
    "hit@1",
    "hit@3",
    "key_fact_accuracy",
    "evidence_rate",
    "citation_precision",
    "refusal_rate",
    "false_refusal_rate",
    "median_answer_words",
    "latency_p50_ms",
)


def write_reports(
    directory: Path, results: Sequence[QuestionResult], summary: dict[str, Any]
) -> None:
    """Write questions.jsonl, questions.csv, summary.json, report.md and report.html."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = [r.as_row() for r in results]
    with (directory / "questions.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    _write_csv(directory / "questions.csv", rows)
    (directory / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (directory / "report.md").write_text(markdown_report(summary), encoding="utf-8")
    (directory / "report.html").write_text(html_report(results, summary), encoding="utf-8")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    score_names = sorted({name for row in rows for name in row["scores"]})
    columns = ["id", "category", "question", "answerable", "answered", "passed", "answer"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*columns, *score_names, "latency_ms", "citations", "error"])
        for row in rows:
            writer.writerow(
                [row[c] for c in columns]
                + [row["scores"].get(name, "") for name in score_names]
                + [
                    round(row["latency_ms"], 3),
                    json.dumps([c["quote"] for c in row["citations"]], ensure_ascii=False),
                    row["error"],
                ]
            )


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


def markdown_table(summary: dict[str, Any]) -> str:
    """Overall and per-category headline metrics as one Markdown table."""
    overall = summary["overall"]
    names = [n for n in HEADLINE if n in overall] + sorted(
        n for n in overall if n.startswith(("recall@", "mrr@", "ndcg@", "chance@"))
    )
    names += [
        n
        for n in (
            "key_fact_recall",
            "token_f1",
            "exact_match",
            "marker_validity",
            "citation_coverage",
            "latency_p95_ms",
        )
        if n in overall
    ]
    categories = list(summary["categories"])
    lines = [
        "| metric | all | " + " | ".join(categories) + " |",
        "|---|---:|" + "---:|" * len(categories),
    ]
    for name in ["questions", *names]:
        cells = [_format(summary["categories"][c].get(name, "")) for c in categories]
        lines.append(f"| {name} | {_format(overall.get(name, ''))} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def comparison_table(summary: dict[str, Any]) -> str:
    """Both answer modes side by side, when the run compared them; else empty."""
    compare = summary.get("compare")
    if not compare:
        return ""
    modes = list(compare)
    lines = ["| metric | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for name in HEADLINE:
        if any(name in compare[m] for m in modes):
            cells = [_format(compare[m].get(name, "")) for m in modes]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_report(summary: dict[str, Any]) -> str:
    """The summary as a Markdown page."""
    config = summary.get("config", {})
    settings = "\n".join(f"- {k}: `{v}`" for k, v in config.items())
    compare = comparison_table(summary)
    modes = f"## Answer modes\n\n{compare}\n" if compare else ""
    return (
        f"# citeqa evaluation\n\n{markdown_table(summary)}\n{modes}## Configuration\n\n{settings}\n"
    )


def _bar_chart(title: str, values: dict[str, float], maximum: float = 1.0) -> str:
    """A horizontal bar chart as inline SVG."""
    row, label_width, bar_width = 22, 190, 300
    height = row * len(values) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" '
        f'height="{height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(values.items()):
        y = 24 + i * row
        width = 0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * bar_width
        colour = "#2e7d32" if value / (maximum or 1) >= 0.9 else "#f9a825"
        if value / (maximum or 1) < 0.7:
            colour = "#c62828"
        parts += [
            f'<text x="0" y="{y + 14}">{html.escape(label)}</text>',
            f'<rect x="{label_width}" y="{y + 2}" width="{width:.1f}" height="16" '
            f'fill="{colour}"/>',
            f'<text x="{label_width + width + 4:.1f}" y="{y + 14}">{_format(value)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _histogram(title: str, values: Sequence[float], bins: int = 12) -> str:
    """A histogram of latencies as inline SVG."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / span * bins))] += 1
    width, height, bar = 480, 160, 480 / bins
    peak = max(counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, count in enumerate(counts):
        h = count / peak * height
        parts.append(
            f'<rect x="{i * bar:.1f}" y="{20 + height - h:.1f}" width="{bar - 2:.1f}" '
            f'height="{h:.1f}" fill="#1565c0"><title>{count}</title></rect>'
        )
    parts.append(
        f'<text x="0" y="{height + 36}">{low:.1f} ms</text>'
        f'<text x="{width - 70}" y="{height + 36}">{high:.1f} ms</text></svg>'
    )
    return "".join(parts)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1rem 0;font-size:14px}
td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
tr.fail{background:#fde7e7} tr.fail td.status{color:#b71c1c;font-weight:bold}
td.status{color:#1b5e20} .charts{display:flex;flex-wrap:wrap;gap:2rem}
blockquote{margin:4px 0;padding-left:8px;border-left:3px solid #90a4ae;color:#455a64}
svg text{font-size:12px;font-family:system-ui,sans-serif}
"""


def html_report(results: Sequence[QuestionResult], summary: dict[str, Any]) -> str:
    """A self-contained page: summary, charts per category, latency histogram, every question."""
    categories = summary["categories"]
    charts = [
        _bar_chart(
            f"{metric} by category",
            {c: float(v[metric]) for c, v in categories.items() if metric in v},
        )
        for metric in ("key_fact_accuracy", "hit@1", "evidence_rate", "refusal_rate")
        if any(metric in v for v in categories.values())
    ]
    charts.append(
        _histogram("latency per question", [r.latency_ms for r in results if not r.error])
    )
    rows = []
    for r in sorted(results, key=lambda r: (r.passed, r.category, r.id)):
        cites = "".join(
            f"<blockquote>[{c['marker']}] {html.escape(c['quote'])}</blockquote>"
            for c in r.citations
        )
        scores = ", ".join(f"{k} {_format(v)}" for k, v in sorted(r.scores.items()))
        rows.append(
            f'<tr class="{"pass" if r.passed else "fail"}"><td>{html.escape(r.id)}</td>'
            f"<td>{html.escape(r.category)}</td>"
            f'<td class="status">{"pass" if r.passed else "FAIL"}</td>'
            f"<td>{html.escape(r.question)}</td>"
            f"<td>{html.escape(r.error or r.answer)}{cites}</td>"
            f"<td>{html.escape(scores)}</td></tr>"
        )
    table = _markdown_to_html_table(markdown_table(summary))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>citeqa evaluation</title>"
        f"<style>{_STYLE}</style></head><body><h1>citeqa evaluation</h1>"
        f"<h2>Summary</h2>{table}<h2>Charts</h2><div class=charts>{''.join(charts)}</div>"
        "<h2>Questions</h2><p>Failures first.</p><table><thead><tr><th>id</th>"
        "<th>category</th><th>result</th><th>question</th><th>answer and citations</th>"
        f"<th>scores</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<h2>Configuration</h2><pre>{html.escape(json.dumps(summary.get('config', {}), indent=2))}"
        "</pre></body></html>"
    )


def _markdown_to_html_table(table: str) -> str:
    lines = [line.strip("|").split("|") for line in table.strip().splitlines()]
    head, body = lines[0], lines[2:]
    cells = "".join(f"<th>{html.escape(c.strip())}</th>" for c in head)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in row) + "</tr>"
        for row in body
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{rows}</tbody></table>"
