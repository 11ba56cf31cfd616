"""Tuning sweep: settings → metrics on several question sets, written as a Markdown table.

    python -m citeqa.eval.sweep --output docs/quality-sweep.md

Each question set is evaluated on a temporary index of its own documents (built once per
chunk size), so the sweep never touches the main index. Rows are sorted by the mean, over
the sets, of key-fact accuracy + evidence rate + citation precision + refusal rate
− 2 × false-refusal rate.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path
from typing import Any

from citeqa.eval.question_sets import load_dataset
from citeqa.eval.reports import HEADLINE
from citeqa.eval.runner import evaluate, summarise
from citeqa.eval.session import EVAL_DIR
from citeqa.eval.targets import EngineTarget
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine

REPO = EVAL_DIR.parent
SETS = {
    "article": (EVAL_DIR / "datasets" / "article.jsonl", [REPO / "seeds"]),
    "founding": (EVAL_DIR / "datasets" / "founding.jsonl", [EVAL_DIR / "datasets" / "corpus"]),
}
GRID: dict[str, list[Any]] = {
    "chunk_max_words": [120],
    "top_k": [3, 4],
    "min_score": [0.5, 0.6, 0.7],
    "second_sentence_ratio": [0.85, 0.9, 0.95, 1.0],
    "answer_lexical_weight": [0.25, 0.5],
}
# The headline metrics but latency, which a sweep on a busy machine does not measure well.
SHOWN = tuple(m for m in HEADLINE if not m.startswith("latency"))


def objective(overall: dict[str, float]) -> float:
    """One number to rank settings by; higher is better."""
    return (
        overall.get("key_fact_accuracy", 0)
        + overall.get("evidence_rate", 0)
        + overall.get("citation_precision", 0)
        + overall.get("refusal_rate", 0)
        - 2 * overall.get("false_refusal_rate", 0)
    )


def sweep(grid: dict[str, list[Any]], scratch: Path) -> list[dict[str, Any]]:
    """Evaluate every combination of `grid` on every question set."""
    rows = []
    indexes: dict[tuple[str, int], Path] = {}
    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        combo = dict(zip(names, values, strict=True))
        row: dict[str, Any] = {"settings": combo, "sets": {}}
        for set_name, (dataset, docs) in SETS.items():
            key = (set_name, combo.get("chunk_max_words", 120))
            data_dir = scratch / f"{key[0]}-{key[1]}"
            settings = Settings(data_dir=data_dir, **combo)
            engine = Engine.open(settings)
            if key not in indexes:
                engine.library.ingest(docs)
                indexes[key] = data_dir
            results = evaluate(
                EngineTarget(engine), load_dataset(dataset), settings.retrieval.top_k
            )
            row["sets"][set_name] = summarise(results, engine.stats().chunks)["overall"]
        row["objective"] = sum(objective(s) for s in row["sets"].values()) / len(SETS)
        rows.append(row)
        print(f"{combo} → {row['objective']:.3f}", flush=True)
    return sorted(rows, key=lambda r: -r["objective"])


def markdown(rows: list[dict[str, Any]]) -> str:
    """The sweep as a Markdown table, best first."""
    names = list(rows[0]["settings"])
    header = ["objective", *names] + [f"{s} {m}" for s in SETS for m in SHOWN]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{row['objective']:.3f}", *(str(row["settings"][n]) for n in names)]
        cells += [f"{row['sets'][s].get(m, 0):.2f}" for s in SETS for m in SHOWN]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the sweep and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="Write the Markdown table here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-sweep-") as scratch:
        table = markdown(sweep(GRID, Path(scratch)))
    if args.output:
        args.output.write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
