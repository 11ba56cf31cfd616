"""The `citeqa` command: ingest documents, ask questions, serve the API, evaluate."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from citeqa.index.documents import SUPPORTED_SUFFIXES
from citeqa.index.errors import CiteqaError, EvaluationError
from citeqa.index.ingest import IngestFailure, IngestResult, Outcome, find_files
from citeqa.index.locking import writer_lock
from citeqa.service.config import Settings

if TYPE_CHECKING:
    from citeqa.service.engine.engine import Engine

console = Console(stderr=True)


def _open(settings: Settings, collection: str | None = None) -> Engine:
    """The engine of a collection (the default one for None), imported late so that
    `--help` and usage errors answer at once."""
    from citeqa.service.engine.collections import check_name
    from citeqa.service.engine.engine import DEFAULT_COLLECTION, Engine

    try:
        return Engine.open(settings, check_name(collection or DEFAULT_COLLECTION))
    except CiteqaError as error:
        raise click.ClickException(error.message) from None


_COLLECTION = click.option(
    "--collection",
    default=None,
    metavar="NAME",
    help="The collection to use (default: the default one); ingesting creates it.",
)


@click.group()
@click.version_option(package_name="citeqa")
def main() -> None:
    """citeqa: answers questions about your documents, citing every sentence."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing when the index already has documents.")
@_COLLECTION
def ingest(paths: tuple[Path, ...], if_empty: bool, collection: str | None) -> None:
    """Index files or folders (default: the seeds folder): .txt, .md, .html, .pdf, .docx.

    A file that cannot be read is named with the reason and skipped; the rest are indexed,
    and the exit status is 1 when any file was skipped.
    """
    settings = Settings()
    targets = list(paths) or [settings.index.seeds_dir]
    try:
        files = find_files(targets)
    except CiteqaError as error:
        raise click.ClickException(str(error)) from None
    if not files:
        raise click.UsageError(
            f"No {', '.join(SUPPORTED_SUFFIXES)} files in: {', '.join(map(str, targets))}"
        )
    with contextlib.ExitStack() as stack:
        _hold_writer_lock(stack, settings)
        failed = _ingest_files(settings, files, if_empty, collection)
    if failed:
        sys.exit(1)


def _hold_writer_lock(stack: contextlib.ExitStack, settings: Settings) -> None:
    """With embedded Chroma, one process writes: hold the index's lock until `stack` ends."""
    if not settings.index.chroma_url:
        try:
            stack.enter_context(writer_lock(settings.index.data_dir))
        except CiteqaError as error:
            raise click.ClickException(str(error)) from None


def _ingest_files(
    settings: Settings, files: list[Path], if_empty: bool, collection: str | None
) -> int:
    """Index `files` with a progress bar (files, passages, passages per second); each file
    that fails is named with its reason. The number of files that failed."""
    engine = _open(settings, collection)
    if if_empty and engine.stats().chunks:
        console.print(f"Index in {settings.index.data_dir} already has documents; nothing to do.")
        return 0
    started = time.perf_counter()
    passages = 0

    def done(path: Path, outcome: IngestResult | IngestFailure) -> None:
        nonlocal passages
        if isinstance(outcome, IngestFailure):
            progress.console.print(
                f"{'failed':>9}  {outcome.reason}", highlight=False, soft_wrap=True
            )
        else:
            passages += outcome.chunk_count
        rate = passages / max(time.perf_counter() - started, 1e-9)
        progress.update(task, advance=1, description=f"{passages} passages, {rate:.1f}/s")

    try:
        with Progress(
            TextColumn("Ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.description}"),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("", total=len(files))
            report = engine.library.ingest(files, on_file=done)
    except CiteqaError as error:
        raise click.ClickException(str(error)) from None
    for result in report.results:
        console.print(f"{result.outcome.value:>9}  {result.title}  ({result.chunk_count} chunks)")
    elapsed = time.perf_counter() - started
    console.print(
        f"{len(report.results)} documents: {report.count(Outcome.ADDED)} added, "
        f"{report.count(Outcome.REPLACED)} replaced, {report.count(Outcome.UNCHANGED)} unchanged; "
        f"{len(report.failures)} failed. {passages} passages in {elapsed:.1f} s ("
        + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in report.seconds.items())
        + f", writing beside the rest). Index: {settings.index.data_dir}",
        highlight=False,
        soft_wrap=True,
    )
    return len(report.failures)


@main.command()
@click.argument("question")
@click.option("--top-k", type=click.IntRange(1, 20), default=None, help="Passages to retrieve.")
@click.option("--json", "as_json", is_flag=True, help="Print the full response as JSON.")
@_COLLECTION
def ask(question: str, top_k: int | None, as_json: bool, collection: str | None) -> None:
    """Answer QUESTION from the index, with citations."""
    if not question.strip():
        raise click.UsageError('The question is empty. Example: citeqa ask "Who wrote this?"')
    engine = _open(Settings(), collection)
    try:
        response = engine.ask(question, top_k)
    except CiteqaError as error:
        raise click.ClickException(error.message) from None
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(response), indent=2, ensure_ascii=False))
        return
    click.echo(response.answer)
    for citation in response.citations:
        click.echo(
            f"\n[{citation.marker}] {citation.document_title}, characters "
            f"{citation.start}-{citation.end}:\n    “{citation.quote}”"
        )


@main.command()
def mcp() -> None:
    """Serve the MCP tools (ask, search, list_documents, get_document) over stdio, for an
    assistant that starts citeqa as a subprocess. Every collection is open to it."""
    from citeqa.service.engine.collections import Collections
    from citeqa.service.mcp_server import build

    settings = Settings()
    engine = _open(settings)
    collections = Collections(settings, lambda: engine)
    build(lambda collection, _headers: collections.get(collection)).run("stdio")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default from settings).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Worker processes; more than one needs a Chroma server (CITEQA_CHROMA_URL).",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the HTTP API."""
    import os
    import tempfile

    import uvicorn

    from citeqa.service.http.connections import DeadlineHttpProtocol

    settings = Settings()
    if workers > 1 and not settings.index.chroma_url:
        raise click.UsageError(
            "--workers above 1 needs a Chroma server: embedded Chroma is safe for one process "
            "only. Run `chroma run --path DIR --port 8001` and set "
            "CITEQA_CHROMA_URL=http://127.0.0.1:8001."
        )
    address, number = host or settings.server.host, port or settings.server.port
    with contextlib.ExitStack() as stack:
        _hold_writer_lock(stack, settings)
        if workers > 1:
            metrics_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="citeqa-metrics-"))
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
            if not settings.index.model_threads:
                # Each worker takes its share of the cores (see CITEQA_MODEL_THREADS).
                cores = len(os.sched_getaffinity(0))
                os.environ["CITEQA_MODEL_THREADS"] = str(max(1, cores // workers))
            # Workers are new processes, so glibc reads this at their start: a few malloc
            # arenas instead of one per request thread keeps worker memory flat under load
            # (growth after warm-up 9% without, under 1% with; docs/reliability.md).
            os.environ.setdefault("MALLOC_ARENA_MAX", "2")
            # Workers loading the model at once on few cores can hold the interpreter lock
            # past uvicorn's 5 s check, which then kills and restarts them (see the setting).
            uvicorn.run(
                "citeqa.service.http.app:create_app",
                factory=True,
                workers=workers,
                host=address,
                port=number,
                timeout_worker_healthcheck=settings.server.worker_healthcheck_s,
                access_log=False,  # citeqa logs each request itself, without its query
                http=DeadlineHttpProtocol,
            )
        else:
            from citeqa.service.http.app import create_app

            # citeqa logs each request itself, without the query string (which may hold
            # a key someone put in the URL); uvicorn's access log would keep it.
            DeadlineHttpProtocol.header_timeout_s = settings.server.header_timeout_s
            uvicorn.run(
                create_app(settings),
                host=address,
                port=number,
                access_log=False,
                http=DeadlineHttpProtocol,
            )


def _thresholds(values: tuple[str, ...], option: str, allowed: list[str]) -> dict[str, float]:
    parsed = {}
    for value in values:
        name, _, number = value.partition("=")
        if name not in allowed:
            raise click.BadParameter(
                f"unknown metric '{name}'. Valid: {', '.join(allowed)}", param_hint=option
            )
        try:
            parsed[name] = float(number)
        except ValueError:
            raise click.BadParameter(
                f"'{value}' is not METRIC=NUMBER, e.g. {allowed[0]}=0.9", param_hint=option
            ) from None
    return parsed


@main.command(name="eval")
@click.argument("datasets", nargs=-1, type=click.Path(path_type=Path))
@click.option("--url", help="Evaluate a running service at this URL instead of in-process.")
@click.option(
    "--docs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Build a temporary index from these files and evaluate against it.",
)
@click.option("--top-k", type=click.IntRange(1, 20), default=None, help="Passages per question.")
@click.option("--report", type=click.Path(path_type=Path), help="Report folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option(
    "--mode",
    type=click.Choice(["extractive", "llm"]),
    default="extractive",
    help="llm: ask every question in both modes and report them side by side.",
)
@click.option("--fail-under", multiple=True, help="METRIC=VALUE: exit 1 when METRIC is lower.")
@click.option("--fail-over", multiple=True, help="METRIC=VALUE: exit 1 when METRIC is higher.")
def evaluate_command(
    datasets: tuple[Path, ...],
    url: str | None,
    docs: tuple[Path, ...],
    top_k: int | None,
    report: Path | None,
    as_json: bool,
    mode: str,
    fail_under: tuple[str, ...],
    fail_over: tuple[str, ...],
) -> None:
    """Run question sets and report retrieval, answer, citation and refusal quality."""
    from citeqa.eval import session

    if url and docs:
        raise click.UsageError("--url and --docs exclude each other: a remote index is not ours.")
    under = _thresholds(fail_under, "--fail-under", session.higher_is_better_metrics())
    over = _thresholds(fail_over, "--fail-over", session.lower_is_better_metrics())
    try:
        outcome = session.run(
            list(datasets) or [session.DEFAULT_DATASET],
            settings=Settings(),
            url=url,
            docs=list(docs),
            top_k=top_k,
            report_dir=report,
            console=console,
            mode=mode,
        )
    except EvaluationError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(outcome.summary, indent=2, ensure_ascii=False))
    else:
        click.echo(session.markdown_table(outcome.summary))
        click.echo(session.comparison_table(outcome.summary))
        console.print(f"Report: {outcome.report_dir}")
    failures = session.check_thresholds(outcome.summary["overall"], under, over)
    for failure in failures:
        console.print(f"[red]FAIL[/red] {failure}")
    if failures:
        raise SystemExit(1)
