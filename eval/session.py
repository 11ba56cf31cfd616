"""One evaluation run as `citeqa eval` performs it: pick a target, run, summarise, report."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from citeqa.eval.question_sets import EvalCase, file_hash, load_dataset
from citeqa.eval.reports import comparison_table, markdown_table, write_reports
from citeqa.eval.runner import (
    LOWER_IS_BETTER,
    QuestionResult,
    check_thresholds,
    evaluate,
    summarise,
)
from citeqa.eval.targets import EngineTarget, HttpTarget, Target
from citeqa.index.errors import DatasetError, EvaluationError, TargetError

EVAL_DIR = Path(__file__).resolve().parent
DEFAULT_DATASET = EVAL_DIR / "datasets" / "article.jsonl"
# Under the current folder: never inside the installed package, and never beside
# eval/reports.py, which a folder of that name would shadow.
REPORTS_DIR = Path("build") / "eval-reports"
_METRICS = (
    "hit@1 hit@3 recall@4 mrr@4 ndcg@4 key_fact_accuracy key_fact_recall exact_match token_f1 "
    "marker_validity citation_coverage evidence_rate citation_precision refusal_rate "
    "passed_rate"
).split()

__all__ = ["check_thresholds", "comparison_table", "markdown_table"]


@dataclass(frozen=True)
class Outcome:
    """The summary of a run and where its reports are."""

    summary: dict[str, Any]
    report_dir: Path


def higher_is_better_metrics() -> list[str]:
    """Metric names `--fail-under` accepts."""
    return list(_METRICS)


def lower_is_better_metrics() -> list[str]:
    """Metric names `--fail-over` accepts."""
    return sorted(LOWER_IS_BETTER)


def run(
    datasets: list[Path],
    *,
    settings: Any,
    url: str | None = None,
    docs: list[Path] | None = None,
    top_k: int | None = None,
    report_dir: Path | None = None,
    console: Console | None = None,
    mode: str = "extractive",
) -> Outcome:
    """Evaluate `datasets` against a service URL, a temporary index of `docs`, or the index.

    With `mode="llm"` every question is asked in both modes; the summary is the LLM run's,
    with both runs' overall figures side by side under `compare`.
    """
    cases = _load(datasets)
    with _target(settings, url, docs or []) as target:
        modes = ["extractive", "llm"] if mode == "llm" else ["extractive"]
        runs = {m: _evaluate(target, cases, top_k, m, console) for m in modes}
        results = runs[mode]
        summary = summarise(results, target.chunk_count())
        if len(runs) > 1:
            summary["compare"] = {
                m: summarise(r, target.chunk_count())["overall"] for m, r in runs.items()
            }
        summary["config"] = {
            **target.describe(),
            "top_k": top_k or target.describe().get("default_top_k"),
            "mode": mode,
            "git_commit": _git_commit(),
            "datasets": [{"path": str(p), "sha256": file_hash(p)} for p in datasets],
            "docs": [str(p) for p in docs or []],
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    directory = report_dir or REPORTS_DIR / datetime.now().strftime("%Y%m%d-%H%M%S")
    write_reports(directory, results, summary)
    return Outcome(summary, directory)


def _evaluate(
    target: Target, cases: list[EvalCase], top_k: int | None, mode: str, console: Console | None
) -> list[QuestionResult]:
    progress = Progress(
        TextColumn(f"Evaluating ({mode})"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=console is None or not console.is_terminal,
    )
    with progress:
        task = progress.add_task("", total=len(cases))
        return evaluate(target, cases, top_k, lambda _: progress.advance(task), mode)


def _load(datasets: list[Path]) -> list[EvalCase]:
    cases: list[EvalCase] = []
    for path in datasets:
        try:
            loaded = load_dataset(path)
        except DatasetError as error:
            raise EvaluationError(str(error)) from None
        if len(datasets) > 1:
            loaded = [_prefixed(case, path.stem) for case in loaded]
        cases.extend(loaded)
    return cases


def _prefixed(case: EvalCase, prefix: str) -> EvalCase:
    from dataclasses import replace

    return replace(case, id=f"{prefix}/{case.id}")


@contextmanager
def _target(settings: Any, url: str | None, docs: list[Path]) -> Iterator[Target]:
    from citeqa.service.engine.engine import Engine

    if url:
        try:
            yield HttpTarget(url)
        except TargetError as error:
            raise EvaluationError(str(error)) from None
        return
    if docs:
        with tempfile.TemporaryDirectory(prefix="citeqa-eval-") as scratch:
            temporary = settings.with_values(data_dir=Path(scratch))
            engine = Engine.open(temporary)
            engine.library.ingest(docs)
            yield EngineTarget(engine)
        return
    engine = Engine.open(settings)
    if not engine.stats().chunks:
        raise EvaluationError(
            f"The index in {settings.index.data_dir} is empty. "
            "Run: citeqa ingest, or pass --docs PATH."
        )
    yield EngineTarget(engine)


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=EVAL_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return ""
    return result.stdout.strip()
