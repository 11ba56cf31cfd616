"""Hybrid retrieval: dense similarity from Chroma fused with BM25 over the same passages."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

import bm25s

from index.chunking import Chunk
from index.embedding import Embedder, Vectors
from index.sentences import split_sentences
from index.store import ChunkStore, StoredDocument
from index.terms import terms

_RRF_K = 60
# Up to this many passages, every sentence is embedded when the corpus loads, so that no
# question pays for it; beyond it, sentences are embedded the first time they are retrieved.
_WARM_SENTENCES_UP_TO = 5000


@dataclass(frozen=True)
class Query:
    """A question prepared once for every stage: its text, vector and search terms."""

    text: str
    vector: Vectors
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage; `start`/`end` are offsets in the document text."""

    text: str
    start: int
    end: int
    terms: frozenset[str]


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and dense similarity."""

    chunk: Chunk
    score: float
    similarity: float


@dataclass
class Corpus:
    """The visible passages, held in memory for BM25, term statistics and sentence lookups."""

    documents: dict[str, StoredDocument]
    chunks: list[Chunk]
    position: dict[str, int] = field(init=False)
    document_frequency: Counter[str] = field(init=False)
    _bm25: bm25s.BM25 | None = field(init=False, default=None)
    _sentences: dict[str, list[Sentence]] = field(init=False, default_factory=dict)
    _sentence_vectors: dict[str, Vectors] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {chunk.id: i for i, chunk in enumerate(self.chunks)}
        chunk_terms = [terms(chunk.text) for chunk in self.chunks]
        self.document_frequency = Counter(t for ts in chunk_terms for t in set(ts))
        if self.chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(chunk_terms, show_progress=False)

    @classmethod
    def load(cls, store: ChunkStore) -> Corpus:
        """Read every visible passage (those listed by a document record) from the store."""
        documents = {document.id: document for document in store.documents()}
        wanted = [cid for document in documents.values() for cid in document.chunk_ids]
        found = {chunk.id: chunk for chunk in store.chunks(wanted)}
        return cls(documents, [found[cid] for cid in wanted if cid in found])

    def idf(self, term: str) -> float:
        """Inverse passage frequency; a term no passage has gets the highest weight."""
        n = len(self.chunks)
        df = self.document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def bm25(self, query_terms: tuple[str, ...], n: int) -> list[tuple[int, float]]:
        """Up to `n` (passage position, BM25 score) pairs with a positive score, best first."""
        if self._bm25 is None or not query_terms:
            return []
        known = [t for t in query_terms if t in self.document_frequency]
        if not known:
            return []
        ids, scores = self._bm25.retrieve(
            [known], k=min(n, len(self.chunks)), show_progress=False, n_threads=1
        )
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    def sentences(self, chunk: Chunk) -> list[Sentence]:
        """The sentences of a passage, cached."""
        cached = self._sentences.get(chunk.id)
        if cached is None:
            cached = [
                Sentence(
                    text=chunk.text[s.start : s.end],
                    start=chunk.start + s.start,
                    end=chunk.start + s.end,
                    terms=frozenset(terms(chunk.text[s.start : s.end])),
                )
                for s in split_sentences(chunk.text)
            ]
            self._sentences[chunk.id] = cached
        return cached

    def sentence_vectors(self, chunks: list[Chunk], embedder: Embedder) -> list[Vectors]:
        """Sentence embeddings of each passage, computed once per passage."""
        missing = [c for c in chunks if c.id not in self._sentence_vectors]
        if missing:
            texts = [s.text for c in missing for s in self.sentences(c)]
            vectors = embedder.embed(texts)
            offset = 0
            for chunk in missing:
                count = len(self.sentences(chunk))
                self._sentence_vectors[chunk.id] = vectors[offset : offset + count]
                offset += count
        return [self._sentence_vectors[c.id] for c in chunks]

    def reuse_sentence_vectors(self, other: Corpus) -> None:
        """Take over sentence embeddings already computed for passages both corpora hold."""
        for chunk_id, vectors in other._sentence_vectors.items():
            if chunk_id in self.position:
                self._sentence_vectors[chunk_id] = vectors

    def byline_chunk(self, document_id: str) -> Chunk | None:
        """The first passage of a document, which holds its title and byline."""
        document = self.documents.get(document_id)
        if not document or not document.chunk_ids:
            return None
        position = self.position.get(document.chunk_ids[0])
        return None if position is None else self.chunks[position]

    def fingerprint(self) -> str:
        """Changes whenever a document is added, changed or removed."""
        return json.dumps(sorted((d.id, d.content_hash) for d in self.documents.values()))


class Retriever:
    """Finds the passages that best match a question, by reciprocal rank fusion."""

    def __init__(self, store: ChunkStore, embedder: Embedder, candidate_pool: int = 20) -> None:
        self.store = store
        self.embedder = embedder
        self.candidate_pool = candidate_pool
        self.corpus = self._load()

    def refresh(self) -> None:
        """Reload the passages after documents were added or removed."""
        self.corpus = self._load()

    def _load(self) -> Corpus:
        corpus = Corpus.load(self.store)
        previous: Corpus | None = getattr(self, "corpus", None)
        if previous is not None:  # passages are immutable: their ids name their text
            corpus.reuse_sentence_vectors(previous)
        if len(corpus.chunks) <= _WARM_SENTENCES_UP_TO:
            corpus.sentence_vectors(corpus.chunks, self.embedder)
        return corpus

    def prepare(self, question: str) -> Query:
        """Embed and tokenise a question once."""
        vector = self.embedder.embed([question])[0]
        return Query(question, vector, tuple(dict.fromkeys(terms(question))))

    def search(self, query: Query, k: int) -> list[Hit]:
        """The `k` best passages for `query`, best first."""
        corpus = self.corpus
        if not corpus.chunks:
            return []
        dense = [
            (corpus.position[cid], similarity)
            for cid, similarity in self.store.nearest(query.vector, self.candidate_pool)
            if cid in corpus.position
        ]
        fused: dict[int, float] = {}
        for ranking in (dense, corpus.bm25(query.terms, self.candidate_pool)):
            for rank, (position, _) in enumerate(ranking):
                fused[position] = fused.get(position, 0.0) + 1.0 / (_RRF_K + rank + 1)
        similarity = dict(dense)
        best = sorted(fused, key=lambda p: (-fused[p], -similarity.get(p, -1.0)))[:k]
        missing = [p for p in best if p not in similarity]
        if missing:
            vectors = self.store.vectors([corpus.chunks[p].id for p in missing])
            similarity.update(zip(missing, (vectors @ query.vector).tolist(), strict=True))
        return [Hit(corpus.chunks[p], fused[p], float(similarity[p])) for p in best]
