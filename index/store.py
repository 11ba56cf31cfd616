"""Chroma storage for passages, their sentences and documents, under citeqa's own keys.

Three collections: `<name>` holds one record per chunk (text, metadata, embedding);
`<name>-sentences` one per sentence of a chunk (embedded with the sentence before it);
`<name>-documents` one per document (cleaned text, metadata, the ids of its chunks). A
document record is written after its chunks and sentences and is what makes them visible,
so a reader never sees a half-ingested document.

Every record's metadata keys are citeqa's own, written and read here only: a chunk has
`document_id`, `document_title`, `paragraph_index`, `start`, `end`; a sentence `chunk_id`,
`document_id`, `index`, `start`, `end`, `window`. Anything else that reads these records
reads them through this module.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Metadata, Where
from chromadb.config import Settings as ChromaSettings

from citeqa.index.chunking import Chunk, Sentence
from citeqa.index.documents import Document, Layout
from citeqa.index.embedding import Vectors
from citeqa.index.errors import StoreUnavailable

P = ParamSpec("P")
R = TypeVar("R")
_DOCUMENTS_SUFFIX = "-documents"
_SENTENCES_SUFFIX = "-sentences"
_META_SUFFIX = "-meta"


@dataclass(frozen=True)
class StoredDocument:
    """What the store knows of one document."""

    id: str
    title: str
    author: str
    publication: str
    source: str
    content_hash: str
    chunk_ids: tuple[str, ...]
    text: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    summary: tuple[str, ...] = ()  # ids of the summary's sentences, in document order
    layout: Layout = field(default_factory=Layout)  # where its pages and sections begin

    @property
    def chunk_count(self) -> int:
        """Number of passages indexed for this document."""
        return len(self.chunk_ids)


@dataclass(frozen=True)
class ChromaServer:
    """Where a Chroma server runs, and how to reach it."""

    url: str
    tenant: str = "default_tenant"
    database: str = "default_database"
    token: str = ""
    timeout_s: float = 5.0


def open_client(data_dir: Path, server: ChromaServer | None = None) -> ClientAPI:
    """A Chroma client, telemetry off: the server when one is given, else embedded in
    `data_dir`."""
    if server is not None:
        return _http_client(server)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(data_dir / "chroma"),
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
        )
    except Exception as error:  # Chroma raises many types for an unusable directory.
        raise StoreUnavailable(
            f"Cannot open the index in {data_dir} ({type(error).__name__}: {error}). "
            "Check that the directory is writable, or remove it and run: citeqa ingest"
        ) from None


def _http_client(server: ChromaServer) -> ClientAPI:
    parsed = urlparse(server.url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise StoreUnavailable(
            f"CITEQA_CHROMA_URL '{server.url}' is not a URL. Example: http://127.0.0.1:8001"
        )
    headers = {"Authorization": f"Bearer {server.token}"} if server.token else None
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 80),
            ssl=parsed.scheme == "https",
            headers=headers,
            settings=ChromaSettings(anonymized_telemetry=False),
            tenant=server.tenant,
            database=server.database,
        )
        # Chroma's HTTP client waits forever by default; a stuck server must not hang us.
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):
            session.timeout = httpx.Timeout(server.timeout_s)
        client.heartbeat()
    except Exception as error:
        raise StoreUnavailable(
            f"The Chroma server at {server.url} is unavailable ({type(error).__name__}). "
            "Start it (chroma run --path DIR --host HOST --port PORT) or fix CITEQA_CHROMA_URL."
        ) from None
    return client


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Any failure to talk to Chroma becomes `StoreUnavailable`, with the cause named."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as error:
            raise StoreUnavailable(
                f"The vector store is unavailable ({type(error).__name__}). "
                "Check that Chroma is running and reachable; citeqa retries on its own."
            ) from error

    return call


class ChunkStore:
    """Reads and writes chunks, sentences and documents in Chroma collections."""

    @_guarded
    def __init__(self, client: ClientAPI, collection: str = "citeqa") -> None:
        self._client = client
        self._chunks: Collection = client.get_or_create_collection(
            collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._documents: Collection = client.get_or_create_collection(
            collection + _DOCUMENTS_SUFFIX, embedding_function=None
        )
        self._sentences: Collection = client.get_or_create_collection(
            collection + _SENTENCES_SUFFIX,
            embedding_function=None,
            metadata={"hnsw:space": "cosine"},
        )
        self._meta: Collection = client.get_or_create_collection(
            collection + _META_SUFFIX, embedding_function=None
        )

    @_guarded
    def names_beside(self) -> list[str]:
        """The names of every passage store in the same Chroma (this one's among them)."""
        names = {c if isinstance(c, str) else c.name for c in self._client.list_collections()}
        return sorted(n for n in names if n + _DOCUMENTS_SUFFIX in names)

    @_guarded
    def generation(self) -> str:
        """A token that changes whenever any document is written or deleted, by anyone."""
        record = self._meta.get(ids=["generation"], include=["documents"])
        return (record["documents"] or [""])[0] or ""

    def _bump_generation(self) -> None:
        self._meta.upsert(
            ids=["generation"],
            documents=[uuid.uuid4().hex],
            embeddings=np.zeros((1, 1), dtype=np.float32),
        )

    @_guarded
    def count_chunks(self) -> int:
        """Number of chunk records, visible or not."""
        return int(self._chunks.count())

    @_guarded
    def documents(self) -> list[StoredDocument]:
        """Every document, without its text."""
        records = self._documents.get(include=["metadatas"])
        return [
            _stored_document(id_, meta)
            for id_, meta in zip(records["ids"], records["metadatas"] or [], strict=True)
        ]

    @_guarded
    def document(self, document_id: str) -> StoredDocument | None:
        """One document with its cleaned text, or None."""
        records = self._documents.get(ids=[document_id], include=["metadatas", "documents"])
        if not records["ids"]:
            return None
        meta = (records["metadatas"] or [{}])[0]
        text = (records["documents"] or [""])[0] or ""
        return _stored_document(document_id, meta, text)

    @_guarded
    def chunks(self, ids: list[str] | None = None) -> list[Chunk]:
        """Chunk records by id (all of them when `ids` is None)."""
        batches = [None] if ids is None else list(_batches(ids))
        found = []
        for batch in batches:
            records = self._chunks.get(ids=batch, include=["metadatas", "documents"])
            found += [_chunk(*record) for record in _rows(records)]
        return found

    @_guarded
    def sentences(self, chunk_ids: list[str]) -> list[Sentence]:
        """The sentences of the given chunks, each chunk's in order."""
        found = []
        for batch in _batches(chunk_ids):
            records = self._sentences.get(
                where=_any_of("chunk_id", batch), include=["metadatas", "documents"]
            )
            found += [_sentence(*record) for record in _rows(records)]
        return sorted(found, key=lambda s: (s.chunk_id, s.index))

    @_guarded
    def nearest(self, vector: Vectors, n: int) -> list[tuple[str, float]]:
        """The `n` chunk ids closest to `vector`, with cosine similarity, best first."""
        return _nearest(self._chunks, vector, n)

    @_guarded
    def vectors(self, ids: list[str]) -> Vectors:
        """The stored embeddings of chunks, in the order of `ids`."""
        return _vectors(self._chunks, ids)

    @_guarded
    def sentence_vectors(self, ids: list[str]) -> Vectors:
        """The stored window embeddings of sentences, in the order of `ids`."""
        return _vectors(self._sentences, ids)

    @_guarded
    def is_whole(self, document: StoredDocument) -> bool:
        """Whether every chunk the document lists is stored with its sentences."""
        ids = list(document.chunk_ids)
        held = {
            i for batch in _batches(ids) for i in self._chunks.get(ids=batch, include=[])["ids"]
        }
        with_sentences = {
            str(meta["chunk_id"])
            for batch in _batches(ids)
            for meta in self._sentences.get(
                where=_any_of("chunk_id", batch), include=["metadatas"]
            )["metadatas"]
            or []
        }
        return held == with_sentences == set(ids)

    @_guarded
    def write_document(
        self,
        document: Document,
        fresh: list[Chunk],
        vectors: Vectors,
        sentences: list[Sentence],
        sentence_vectors: Vectors,
        chunk_ids: list[str],
        summary: list[str] | None = None,
    ) -> None:
        """Store fresh chunks and their sentences, then the document record that makes them
        visible (with the ids of its summary's sentences), then prune what the document no
        longer has.

        `chunk_ids` are all of the document's chunks; those not in `fresh` are already stored.
        """
        previous = self.document(document.id)
        try:
            _write(
                self._chunks,
                [c.id for c in fresh],
                vectors,
                [c.text for c in fresh],
                [_chunk_metadata(c) for c in fresh],
            )
            _write(
                self._sentences,
                [s.id for s in sentences],
                sentence_vectors,
                [s.text for s in sentences],
                [_sentence_metadata(s, document.id) for s in sentences],
            )
            self._documents.upsert(
                ids=[document.id],
                documents=[document.text],
                metadatas=[_document_metadata(document, chunk_ids, summary or [])],
                embeddings=np.zeros((1, 1), dtype=np.float32),  # looked up by id only
            )
        except Exception:
            # Nothing half-written stays: chunks no document lists are removed again.
            if fresh:
                self._chunks.delete(
                    ids=[
                        c.id for c in fresh if c.id not in (previous.chunk_ids if previous else ())
                    ]
                )
                self._sentences.delete(where=_any_of("chunk_id", [c.id for c in fresh]))
            raise
        # Whatever this document no longer lists goes: chunks it replaced, and orphans an
        # interrupted ingestion left behind.
        listed = set(chunk_ids)
        held = self._chunks.get(where={"document_id": document.id}, include=[])["ids"]
        stale = sorted(set(held) - listed)
        if stale:
            self._chunks.delete(ids=stale)
            self._sentences.delete(where=_any_of("chunk_id", stale))
        self._bump_generation()

    @_guarded
    def orphan_count(self) -> int:
        """Chunk records that no document lists (left by an interrupted ingestion)."""
        listed = {cid for document in self.documents() for cid in document.chunk_ids}
        return sum(1 for cid in self._chunks.get(include=[])["ids"] if cid not in listed)

    @_guarded
    def delete_document(self, document_id: str) -> bool:
        """Remove a document and all its chunks; False when it was not there."""
        if self.document(document_id) is None:
            return False  # nothing to remove, and nothing changed: answers stay cached
        self._documents.delete(ids=[document_id])
        self._chunks.delete(where={"document_id": document_id})
        self._sentences.delete(where={"document_id": document_id})
        self._bump_generation()
        return True


# Records per Chroma read or write: in embedded Chroma each record read is an SQL variable,
# and SQLite refuses a statement with too many (a 10,000-passage corpus failed to load in
# one read); Chroma refuses writes of more than a few thousand records.
_BATCH = 500


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


def _rows(records: Any) -> Iterator[tuple[str, str, Any]]:
    """(id, text, metadata) of each record a Chroma `get` returned."""
    yield from zip(
        records["ids"],
        [text or "" for text in records["documents"] or []],
        records["metadatas"] or [],
        strict=True,
    )


def _any_of(key: str, values: list[str]) -> Where:
    """A Chroma filter: metadata `key` is one of `values`."""
    condition: Any = {"$in": values}
    return {key: condition}


def _nearest(collection: Collection, vector: Vectors, n: int) -> list[tuple[str, float]]:
    # Chroma returns fewer than `n` when the collection holds fewer (none when it is empty);
    # asking `count()` first cost more than the search itself (8 ms at 100k vectors).
    result = collection.query(
        query_embeddings=[vector.tolist()], n_results=n, include=["distances"]
    )
    distances = (result["distances"] or [[]])[0]
    return [(id_, 1.0 - float(d)) for id_, d in zip(result["ids"][0], distances, strict=True)]


def _vectors(collection: Collection, ids: list[str]) -> Vectors:
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    by_id: dict[str, Any] = {}
    for batch in _batches(ids):
        records = collection.get(ids=batch, include=["embeddings"])
        embeddings: Any = records["embeddings"]
        by_id.update(zip(records["ids"], embeddings, strict=True))
    return np.asarray([by_id[id_] for id_ in ids], dtype=np.float32)


def _sentence(sentence_id: str, text: str, meta: Any) -> Sentence:
    return Sentence(
        id=sentence_id,
        chunk_id=str(meta["chunk_id"]),
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        window=str(meta["window"]),
    )


def _write(
    collection: Collection,
    ids: list[str],
    vectors: Vectors,
    texts: list[str],
    metadatas: list[Metadata],
) -> None:
    """Records in batches: Chroma refuses a write of more than a few thousand."""
    for start in range(0, len(ids), _BATCH):
        end = start + _BATCH
        collection.upsert(
            ids=ids[start:end],
            embeddings=vectors[start:end],
            documents=texts[start:end],
            metadatas=metadatas[start:end],
        )


def _chunk_metadata(chunk: Chunk) -> Metadata:
    return {
        "document_id": chunk.document_id,
        "document_title": chunk.document_title,
        "paragraph_index": chunk.paragraph_index,
        "start": chunk.start,
        "end": chunk.end,
    }


def _document_metadata(document: Document, chunk_ids: list[str], summary: list[str]) -> Metadata:
    return {
        "title": document.title,
        "author": document.author,
        "publication": document.publication,
        "source": document.source,
        "content_hash": document.content_hash,
        "chunk_ids": json.dumps(chunk_ids),
        "metadata": json.dumps(document.metadata),
        "summary": json.dumps(summary),
        "layout": document.layout.to_json(),
    }


def _sentence_metadata(sentence: Sentence, document_id: str) -> Metadata:
    return {
        "chunk_id": sentence.chunk_id,
        "document_id": document_id,
        "index": sentence.index,
        "start": sentence.start,
        "end": sentence.end,
        "window": sentence.window,
    }


def _chunk(chunk_id: str, text: str, meta: Any) -> Chunk:
    return Chunk(
        id=chunk_id,
        document_id=str(meta["document_id"]),
        document_title=str(meta["document_title"]),
        paragraph_index=int(meta["paragraph_index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
    )


def _stored_document(document_id: str, meta: Any, text: str = "") -> StoredDocument:
    return StoredDocument(
        id=document_id,
        title=str(meta.get("title", "")),
        author=str(meta.get("author", "")),
        publication=str(meta.get("publication", "")),
        source=str(meta.get("source", "")),
        content_hash=str(meta.get("content_hash", "")),
        chunk_ids=tuple(json.loads(meta.get("chunk_ids", "[]"))),
        text=text,
        metadata=json.loads(meta.get("metadata", "{}")),
        summary=tuple(json.loads(meta.get("summary", "[]"))),
        layout=Layout.from_json(str(meta.get("layout") or "")),
    )
