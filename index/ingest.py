"""Ingest files into the store: load, clean, chunk, embed only what changed, write."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from citeqa.index.chunking import Chunk, Chunker, Sentence, sentences_of
from citeqa.index.documents import SUPPORTED_SUFFIXES, Document, load_document
from citeqa.index.errors import InvalidDocument
from citeqa.index.pdf import MAX_PDF_PAGES
from citeqa.index.summaries import summarise

if TYPE_CHECKING:  # Chroma and the model are slow to import; the CLI needs neither for --help.
    from citeqa.index.embedding import Embedder, Vectors
    from citeqa.index.store import ChunkStore


class Outcome(StrEnum):
    """What ingesting one document did to the index."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class IngestResult:
    """The outcome for one document."""

    document_id: str
    title: str
    outcome: Outcome
    chunk_count: int


@dataclass(frozen=True)
class IngestFailure:
    """A file that could not be indexed, and why (the fix is named in `reason`)."""

    path: Path
    reason: str


# Where ingestion's time goes, stage by stage. Writing runs beside the others (a document
# is written while the next one is read and embedded), so the stages add up to more than
# the run took.
STAGES = ("read", "split", "embed", "summarise", "write")


@dataclass
class IngestReport:
    """Outcomes of one ingestion run, in the order the files were read, the files skipped
    because they could not be read, and the seconds each stage took."""

    results: list[IngestResult] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Add the time the block takes to `stage`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def count(self, outcome: Outcome) -> int:
        """How many documents had this outcome."""
        return sum(result.outcome is outcome for result in self.results)


def find_files(paths: Iterable[Path]) -> list[Path]:
    """The supported files named by `paths`, searching folders recursively, sorted; hidden
    files and folders (".git") are passed over."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InvalidDocument(f"{path}: no such file or folder.")
    return found


@dataclass(frozen=True)
class _Prepared:
    """A document split and embedded, ready to write."""

    document: Document
    fresh: list[Chunk]
    vectors: Vectors
    sentences: list[Sentence]
    sentence_vectors: Vectors
    chunk_ids: list[str]
    summary: list[str]
    outcome: Outcome


class Ingestor:
    """Writes documents into a `ChunkStore`, skipping those whose content is unchanged."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        chunker: Chunker,
        max_pdf_pages: int = MAX_PDF_PAGES,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.max_pdf_pages = max_pdf_pages

    def ingest(self, document: Document, report: IngestReport | None = None) -> IngestResult:
        """Index one cleaned document; embeds only chunks its stored version lacks.

        Only chunks the document's own record lists are whole (their sentences were written
        before the record); anything else a killed run left is written again. A stored
        document missing sentences (from such a run) is written again even if unchanged.
        """
        report = report or IngestReport()
        prepared = self._prepare(document, report)
        if isinstance(prepared, IngestResult):
            return prepared
        return self._write(prepared, report)

    def _prepare(self, document: Document, report: IngestReport) -> _Prepared | IngestResult:
        """Split and embed what the store lacks; the result itself when nothing changed."""
        with report.timing("split"):
            previous = self.store.document(document.id)
            chunks = self.chunker.split(document)
            whole = previous is not None and self.store.is_whole(previous)
            if previous and whole and previous.content_hash == document.content_hash:
                return IngestResult(document.id, document.title, Outcome.UNCHANGED, len(chunks))
            existing = set(previous.chunk_ids) if previous and whole else set()
            fresh = [chunk for chunk in chunks if chunk.id not in existing]
            sentences = [sentence for chunk in fresh for sentence in sentences_of(chunk)]
        with report.timing("embed"):
            # One call: the model takes the passages and windows together, shortest first.
            texts = [chunk.text for chunk in fresh] + [sentence.window for sentence in sentences]
            embedded = self.embedder.embed(texts)
            vectors, sentence_vectors = embedded[: len(fresh)], embedded[len(fresh) :]
        with report.timing("summarise"):
            summary = self._summary(chunks, existing, sentences, sentence_vectors)
        outcome = Outcome.REPLACED if previous else Outcome.ADDED
        return _Prepared(
            document,
            fresh,
            vectors,
            sentences,
            sentence_vectors,
            [chunk.id for chunk in chunks],
            summary,
            outcome,
        )

    def _write(self, prepared: _Prepared, report: IngestReport) -> IngestResult:
        with report.timing("write"):
            self.store.write_document(
                prepared.document,
                prepared.fresh,
                prepared.vectors,
                prepared.sentences,
                prepared.sentence_vectors,
                prepared.chunk_ids,
                prepared.summary,
            )
        document = prepared.document
        return IngestResult(document.id, document.title, prepared.outcome, len(prepared.chunk_ids))

    def _summary(
        self,
        chunks: list[Chunk],
        existing: set[str],
        fresh_sentences: list[Sentence],
        fresh_vectors: Vectors,
    ) -> list[str]:
        """The summary of the whole document: fresh sentences with their new vectors, the
        rest read back from the store; the byline paragraph is left out."""
        kept = [c.id for c in chunks if c.id in existing]
        stored = self.store.sentences(kept) if kept else []
        stored_vectors = self.store.sentence_vectors([s.id for s in stored]) if stored else None
        by_id = {s.id: (s, fresh_vectors[i]) for i, s in enumerate(fresh_sentences)}
        by_id |= {s.id: (s, stored_vectors[i]) for i, s in enumerate(stored)}  # type: ignore[index]
        body = {c.id for c in chunks if c.paragraph_index > 0}
        ordered = sorted(
            (pair for pair in by_id.values() if pair[0].chunk_id in body),
            key=lambda pair: (pair[0].start, pair[0].index),
        )
        if not ordered:
            return []
        return summarise([s for s, _ in ordered], np.vstack([v for _, v in ordered]))

    def ingest_files(
        self,
        paths: Iterable[Path],
        on_file: Callable[[Path, IngestResult | IngestFailure], None] | None = None,
    ) -> IngestReport:
        """Index every supported file under `paths`. A file that cannot be read is skipped
        and reported with the reason; the others are indexed. `on_file` is called after each
        file with what became of it.

        Each document is written on a thread of its own while the next is read and
        embedded: the model, which releases the interpreter, keeps the cores busy while the
        store writes. One write is in flight at a time, in the order the files were read.
        """
        report = IngestReport()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="citeqa-write") as writer:
            writing: tuple[Path, str, Future[IngestResult]] | None = None

            def done(path: Path, outcome: IngestResult | IngestFailure) -> None:
                if isinstance(outcome, IngestFailure):
                    report.failures.append(outcome)
                else:
                    report.results.append(outcome)
                if on_file:
                    on_file(path, outcome)

            def finish_writing() -> None:
                nonlocal writing
                if writing is not None:
                    path, _, future = writing
                    writing = None
                    done(path, future.result())

            for path in find_files(paths):
                try:
                    with report.timing("read"):
                        document = load_document(path, max_pdf_pages=self.max_pdf_pages)
                except (InvalidDocument, OSError) as error:
                    reason = (
                        error.message if isinstance(error, InvalidDocument) else f"{path}: {error}"
                    )
                    finish_writing()
                    done(path, IngestFailure(path, reason))
                    continue
                # Two files of the same content are one document: the second waits for the
                # first to be written, then finds it unchanged.
                if writing is not None and (writing[2].done() or writing[1] == document.id):
                    finish_writing()
                try:
                    prepared = self._prepare(document, report)
                finally:  # the document being written is reported, whatever came of this one
                    finish_writing()
                if isinstance(prepared, IngestResult):
                    done(path, prepared)
                else:
                    writing = (path, document.id, writer.submit(self._write, prepared, report))
            finish_writing()
        return report
