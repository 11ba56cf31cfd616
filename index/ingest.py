"""Ingest files into the store: load, clean, chunk, embed only what changed, write."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


@dataclass
class IngestReport:
    """Outcomes of one ingestion run, in the order the files were read, and the files
    skipped because they could not be read."""

    results: list[IngestResult] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)

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

    def ingest(self, document: Document) -> IngestResult:
        """Index one cleaned document; embeds only chunks its stored version lacks.

        Only chunks the document's own record lists are whole (their sentences were written
        before the record); anything else a killed run left is written again. A stored
        document missing sentences (from such a run) is written again even if unchanged.
        """
        previous = self.store.document(document.id)
        chunks = self.chunker.split(document)
        whole = previous is not None and self.store.is_whole(previous)
        if previous and whole and previous.content_hash == document.content_hash:
            return IngestResult(document.id, document.title, Outcome.UNCHANGED, len(chunks))
        existing = set(previous.chunk_ids) if previous and whole else set()
        fresh = [chunk for chunk in chunks if chunk.id not in existing]
        sentences = [sentence for chunk in fresh for sentence in sentences_of(chunk)]
        vectors = self.embedder.embed([chunk.text for chunk in fresh])
        sentence_vectors = self.embedder.embed([sentence.window for sentence in sentences])
        summary = self._summary(chunks, existing, sentences, sentence_vectors)
        self.store.write_document(
            document,
            fresh,
            vectors,
            sentences,
            sentence_vectors,
            [chunk.id for chunk in chunks],
            summary,
        )
        outcome = Outcome.REPLACED if previous else Outcome.ADDED
        return IngestResult(document.id, document.title, outcome, len(chunks))

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
        file with what became of it."""
        report = IngestReport()
        for path in find_files(paths):
            outcome: IngestResult | IngestFailure
            try:
                document = load_document(path, max_pdf_pages=self.max_pdf_pages)
            except (InvalidDocument, OSError) as error:
                reason = error.message if isinstance(error, InvalidDocument) else f"{path}: {error}"
                outcome = IngestFailure(path, reason)
                report.failures.append(outcome)
            else:
                outcome = self.ingest(document)
                report.results.append(outcome)
            if on_file:
                on_file(path, outcome)
        return report
