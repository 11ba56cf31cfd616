"""The indexed documents, as the engine keeps them: read, add, replace, delete.

Writes go one at a time, and each makes its result visible to questions before it returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from citeqa.index.chunking import Chunker
from citeqa.index.documents import clean_document
from citeqa.index.embedding import Embedder
from citeqa.index.ingest import IngestFailure, Ingestor, IngestReport, IngestResult
from citeqa.index.pdf import MAX_PDF_PAGES
from citeqa.index.store import ChunkStore, StoredDocument
from citeqa.service.engine.retrieval import Retriever


class Library:
    """Documents in one store, kept in step with the retriever that searches them."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        retriever: Retriever,
        chunk_max_words: int,
        max_pdf_pages: int = MAX_PDF_PAGES,
    ) -> None:
        self.store = store
        self.retriever = retriever
        self._ingestor = Ingestor(store, embedder, Chunker(chunk_max_words), max_pdf_pages)
        self._writing = threading.Lock()

    def documents(self) -> list[StoredDocument]:
        """Every document, without its text."""
        return self.store.documents()

    def document(self, document_id: str) -> StoredDocument | None:
        """One document with its cleaned text, or None."""
        return self.store.document(document_id)

    def ingest(
        self,
        paths: Iterable[Path],
        on_file: Callable[[Path, IngestResult | IngestFailure], None] | None = None,
    ) -> IngestReport:
        """Index files (skipping, and reporting, those that cannot be read), then make the
        new passages visible to questions."""
        with self._writing:
            report = self._ingestor.ingest_files(paths, on_file)
            self.retriever.refresh()
        return report

    def add(
        self,
        text: str,
        *,
        title: str = "",
        author: str = "",
        source: str = "",
        metadata: dict[str, str] | None = None,
        fallback_title: str = "Untitled document",
    ) -> tuple[StoredDocument, bool]:
        """Index a document given as text; its id is a hash of its content.

        Returns the stored document and whether it is new (the same content again adds
        nothing and returns the existing one).
        """
        document = clean_document(
            text,
            document_id="pending",
            source=source,
            fallback_title=fallback_title,
            title=title,
            author=author,
        )
        document_id = "doc-" + document.body_hash[:20]
        document = replace(document, id=document_id, metadata=dict(metadata or {}))
        with self._writing:
            existing = self.store.document(document_id)
            if existing is not None:
                return existing, False
            self._ingestor.ingest(document)
            self.retriever.refresh()
            stored = self.store.document(document_id)
        assert stored is not None, "a document just written must be readable"
        return stored, True

    def delete(self, document_id: str) -> bool:
        """Remove a document and all its passages; False when there was none."""
        with self._writing:
            found = self.store.delete_document(document_id)
            self.retriever.refresh()
        return found
