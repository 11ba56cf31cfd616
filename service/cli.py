"""The `citeqa` command: ingest documents, ask questions, serve the API, evaluate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from index.errors import IngestError
from index.ingest import Outcome, find_files
from service.config import Settings
from service.errors import CiteqaError

if TYPE_CHECKING:
    from service.pipeline import Pipeline

console = Console(stderr=True)


def _open(settings: Settings) -> Pipeline:
    """The pipeline, imported late so that `--help` and usage errors answer at once."""
    from service.pipeline import Pipeline

    try:
        return Pipeline.open(settings)
    except (IngestError, CiteqaError) as error:
        raise click.ClickException(str(error)) from None


@click.group()
@click.version_option(package_name="citeqa")
def main() -> None:
    """citeqa: answers questions about your documents, citing every sentence."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing when the index already has documents.")
def ingest(paths: tuple[Path, ...], if_empty: bool) -> None:
    """Index .txt and .md files or folders (default: the seeds folder)."""
    settings = Settings()
    targets = list(paths) or [settings.seeds_dir]
    try:
        files = find_files(targets)
    except IngestError as error:
        raise click.ClickException(str(error)) from None
    if not files:
        raise click.UsageError(f"No .txt or .md files in: {', '.join(map(str, targets))}")
    pipeline = _open(settings)
    if if_empty and pipeline.retriever.corpus.chunks:
        console.print(f"Index in {settings.data_dir} already has documents; nothing to do.")
        return
    try:
        with Progress(
            TextColumn("Ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("", total=len(files))
            report = pipeline.ingest(files, on_file=lambda p: progress.advance(task))
    except IngestError as error:
        raise click.ClickException(str(error)) from None
    for result in report.results:
        console.print(f"{result.outcome.value:>9}  {result.title}  ({result.chunk_count} chunks)")
    console.print(
        f"{len(report.results)} documents: {report.count(Outcome.ADDED)} added, "
        f"{report.count(Outcome.REPLACED)} replaced, {report.count(Outcome.UNCHANGED)} unchanged. "
        f"Index: {settings.data_dir}"
    )


@main.command()
@click.argument("question")
@click.option("--top-k", type=click.IntRange(1, 20), default=None, help="Passages to retrieve.")
@click.option("--json", "as_json", is_flag=True, help="Print the full response as JSON.")
def ask(question: str, top_k: int | None, as_json: bool) -> None:
    """Answer QUESTION from the index, with citations."""
    if not question.strip():
        raise click.UsageError('The question is empty. Example: citeqa ask "Who wrote this?"')
    pipeline = _open(Settings())
    try:
        response = pipeline.ask(question, top_k)
    except CiteqaError as error:
        raise click.ClickException(error.message) from None
    if as_json:
        click.echo(json.dumps(response.model_dump(), indent=2, ensure_ascii=False))
        return
    click.echo(response.answer)
    for citation in response.citations:
        click.echo(
            f"\n[{citation.marker}] {citation.document_title}, characters "
            f"{citation.start}-{citation.end}:\n    “{citation.quote}”"
        )


@main.command()
@click.option("--host", default=None, help="Address to listen on (default from settings).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
def serve(host: str | None, port: int | None) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from service.app import create_app

    settings = Settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)
