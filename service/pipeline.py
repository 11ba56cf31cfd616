"""The question-answering pipeline shared by the HTTP API, the CLI and the evaluator.

question ─► instructions set aside ─► parts ─► retrieve ─► answer ─► response
                                                            │
                    extractive (default) ◄──────────────────┤
                    LLM + verification (mode "llm") ◄───────┘  falls back to extractive
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from index.chunking import Chunker
from index.documents import clean_document
from index.embedding import Embedder, OnnxEmbedder, TorchEmbedder
from index.ingest import Ingestor, IngestReport
from index.sentences import split_sentences
from index.store import ChunkStore, StoredDocument, open_client
from service.answering import Answer, Answerer, AnswerPolicy, refusal
from service.config import Settings
from service.conversation import Turn, is_follow_up, resolve
from service.errors import IndexNotReady
from service.generation import Generator, LLMFailed, build_llm
from service.questions import split_parts
from service.retrieval import Hit, Query, RetrievalWeights, Retriever
from service.safety import split_instructions
from service.schemas import AskResponse, Citation, Passage, Timings
from service.verification import Verifier

Mode = Literal["extractive", "llm"]
_WORD = re.compile(r"\S+\s*")


@cache
def load_embedder(
    model: str, threads: int = 0, backend: str = "onnx", cache_dir: Path | None = None
) -> Embedder:
    """The embedding model, loaded once per process and shared."""
    if backend == "torch":
        return TorchEmbedder(model, threads=threads)
    return OnnxEmbedder(model, cache_dir or Settings().model_cache_dir, threads=threads)


@dataclass
class _Retrieved:
    """A question prepared and searched: its parts, their hits, and when each stage ended.

    `asked` is the question as the user asked it; `question` is what was searched and what
    a model is asked (follow-ups resolved, instructions set aside).
    """

    asked: str
    question: str
    parts: list[tuple[Query, list[Hit]]]
    started: float
    retrieved: float
    warnings: list[str] = field(default_factory=list)

    @property
    def hits(self) -> list[Hit]:
        seen: dict[str, Hit] = {}
        for _, hits in self.parts:
            for hit in hits:
                seen.setdefault(hit.chunk.id, hit)
        return list(seen.values())


@dataclass
class Pipeline:
    """Everything a question needs, built once: store, model, retriever, answerer, LLM."""

    settings: Settings
    store: ChunkStore
    embedder: Embedder
    retriever: Retriever
    answerer: Answerer
    generator: Generator | None = None
    _writing: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cache: OrderedDict[tuple[Any, ...], AskResponse] = field(
        default_factory=OrderedDict, repr=False
    )
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> Pipeline:
        """Open the index under the settings' data directory and load the model."""
        store = ChunkStore(
            open_client(settings.data_dir, settings.chroma_server()), settings.collection
        )
        embedder = load_embedder(
            settings.embed_model,
            settings.model_threads,
            settings.embed_backend,
            settings.model_cache_dir,
        )
        retriever = Retriever(
            store,
            embedder,
            settings.candidate_pool,
            RetrievalWeights(
                passage=settings.passage_weight,
                sentence=settings.sentence_weight,
                lexical=settings.lexical_weight,
            ),
            settings.memory_search_limit,
        )
        answerer = Answerer(
            retriever,
            AnswerPolicy(
                max_words=settings.answer_max_words,
                lexical_weight=settings.answer_lexical_weight,
                passage_weight=settings.answer_passage_weight,
                min_score=settings.min_score,
                second_sentence_ratio=settings.second_sentence_ratio,
                connected_sentences=settings.answer_connected_sentences,
                unknown_terms_share=settings.unknown_terms_share,
                unknown_terms_min_similarity=settings.unknown_terms_min_similarity,
            ),
        )
        llm = build_llm(settings)
        generator = Generator(llm) if llm is not None else None
        return cls(settings, store, embedder, retriever, answerer, generator)

    def check_ready(self) -> None:
        """Raise `IndexNotReady`, naming the fix, when nothing is indexed."""
        if not self.retriever.corpus.chunks:
            raise IndexNotReady(
                f"The index in {self.settings.data_dir} is empty. "
                f"Run: citeqa ingest {self.settings.seeds_dir}"
            )

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        include_passages: bool = False,
        mode: Mode | None = None,
    ) -> AskResponse:
        """Answer one question with citations, timing each stage."""
        key = ("ask", question, top_k, include_passages, mode)
        return self._cached(
            key,
            lambda: self._respond(
                self._retrieve(question, question, top_k), mode, include_passages
            ),
        )

    def chat(
        self,
        turns: list[Turn],
        top_k: int | None = None,
        include_passages: bool = False,
        mode: Mode | None = None,
    ) -> AskResponse:
        """Answer the last user message of a conversation, resolving follow-ups first."""
        key = ("chat", tuple(turns), top_k, include_passages, mode)
        return self._cached(
            key,
            lambda: self._respond(self._retrieve_turns(turns, top_k, mode), mode, include_passages),
        )

    def warm_up(self) -> None:
        """Load what the first question would otherwise load (the sentence splitter, the
        model's first run), so that the first user does not wait for it. Touches neither the
        index nor a language model, so it cannot fail on them."""
        split_sentences("Ready? Yes.")
        self.embedder.embed_query("Ready?")

    def _cached(self, key: tuple[Any, ...], answer: Callable[[], AskResponse]) -> AskResponse:
        """Answers are kept per index generation: any ingestion or deletion invalidates them.

        Answers with warnings (a model failure, say) are not kept.
        """
        if not self.settings.answer_cache_size:
            return answer()
        started = time.perf_counter()
        self.retriever.refresh_if_changed()
        full_key = (self.retriever.corpus.generation, *key)
        with self._cache_lock:
            hit = self._cache.get(full_key)
            if hit is not None:
                self._cache.move_to_end(full_key)
        if hit is not None:
            elapsed = _ms(started, time.perf_counter())
            return hit.model_copy(
                update={"timings_ms": Timings(retrieve=0.0, answer=0.0, total=elapsed)}
            )
        response = answer()
        if not response.warnings:
            with self._cache_lock:
                self._cache[full_key] = response
                while len(self._cache) > self.settings.answer_cache_size:
                    self._cache.popitem(last=False)
        return response

    def events(
        self, question: str | None, turns: list[Turn] | None, top_k: int | None, mode: Mode | None
    ) -> Iterator[tuple[str, Any]]:
        """The answer as stream events: `citations`, `delta`s, `done` (LLM: deltas first)."""
        retrieved = (
            self._retrieve_turns(turns, top_k, mode)
            if turns
            else self._retrieve(question or "", question or "", top_k)
        )
        self._note_mode(retrieved, mode)
        if self._mode(mode) == "llm" and self.generator is not None and retrieved.hits:
            pieces: list[str] = []
            try:
                for piece in self.generator.stream(retrieved.question, retrieved.hits):
                    pieces.append(piece)
                    yield "delta", {"text": piece}
                response = self._llm_response(retrieved, "".join(pieces), False)
            except LLMFailed as error:
                retrieved.warnings.append(_fallback_warning(str(error)))
                response = self._extractive_response(retrieved, False)
            body = response.model_dump(mode="json", exclude_none=True)
            yield "citations", body["citations"]
            yield "done", body
            return
        response = self._respond(retrieved, "extractive", False)
        body = response.model_dump(mode="json", exclude_none=True)
        yield "citations", body["citations"]
        for word in _WORD.findall(response.answer):
            yield "delta", {"text": word}
        yield "done", body

    def _mode(self, mode: Mode | None) -> Mode:
        """The mode a request gets: LLM only when a model is configured."""
        return (mode or "llm") if self.generator is not None else "extractive"

    def _note_mode(self, retrieved: _Retrieved, mode: Mode | None) -> None:
        if mode == "llm" and self.generator is None:
            retrieved.warnings.append(
                "LLM mode is not configured, so the answer is extractive. Set CITEQA_LLM="
                "openai-like (or ollama), CITEQA_LLM_BASE_URL and CITEQA_LLM_MODEL to enable it."
            )

    def _retrieve_turns(
        self, turns: list[Turn], top_k: int | None, mode: Mode | None
    ) -> _Retrieved:
        resolved = resolve(turns)
        warnings: list[str] = []
        search_as, context = resolved.question, resolved.context
        if self.generator is not None and self._mode(mode) == "llm" and len(turns) > 1:
            try:
                search_as, context = self.generator.condense(turns), ""
            except LLMFailed as error:
                warnings.append(f"Follow-up resolved offline: {error}.")
        retrieved = self._retrieve(turns[-1].content, search_as, top_k, context, resolved.seen)
        retrieved.warnings += warnings
        return retrieved

    def _retrieve(
        self,
        question: str,
        search_as: str,
        top_k: int | None,
        context: str = "",
        seen: str = "",
    ) -> _Retrieved:
        """Prepare and search each part of a question (instructions set aside)."""
        self.retriever.refresh_if_changed()
        self.check_ready()
        started = time.perf_counter()
        instructions, rest = split_instructions(search_as)
        k = top_k or self.settings.top_k
        parts, previous = [], ""
        for part in split_parts(rest if instructions else search_as):
            # A later part that leans on the one before ("..., and why did it fail?") is read
            # with it, as a follow-up is read with the turn before it.
            leans = previous and is_follow_up(part)
            part_context = " ".join(c for c in (context, previous if leans else "") if c)
            query = self.retriever.prepare(
                part, part_context, self.settings.followup_context_weight, seen
            )
            parts.append((query, self.retriever.search(query, k) if query.terms else []))
            previous = part
        searched = rest if instructions else search_as
        return _Retrieved(question, searched, parts, started, time.perf_counter())

    def _respond(
        self, retrieved: _Retrieved, mode: Mode | None, include_passages: bool
    ) -> AskResponse:
        self._note_mode(retrieved, mode)
        if self._mode(mode) == "llm" and self.generator is not None and retrieved.hits:
            try:
                generated = self.generator.generate(retrieved.question, retrieved.hits)
            except LLMFailed as error:
                retrieved.warnings.append(_fallback_warning(str(error)))
            else:
                return self._llm_response(retrieved, generated, include_passages)
        return self._extractive_response(retrieved, include_passages)

    def _extractive_response(self, retrieved: _Retrieved, include_passages: bool) -> AskResponse:
        parts = retrieved.parts
        if not parts:
            answer = refusal()
        elif len(parts) > 1:
            answer = self.answerer.answer_parts(parts)
        else:
            answer = self.answerer.answer(*parts[0])
        return self._response(retrieved, answer, "extractive", include_passages)

    def _llm_response(
        self, retrieved: _Retrieved, generated: str, include_passages: bool
    ) -> AskResponse:
        verifier = Verifier(
            self.retriever.corpus,
            self.embedder,
            self.settings.verify_min_similarity,
            self.settings.verify_min_lexical,
        )
        verified = verifier.verify(generated, retrieved.hits)
        retrieved.warnings += verified.warnings
        if verified.refused:
            return self._response(retrieved, refusal(), "llm", include_passages)
        if not verified.quotes:
            retrieved.warnings.append(
                "No generated sentence was supported by the sources; answered extractively."
            )
            return self._extractive_response(retrieved, include_passages)
        answer = Answer(True, tuple(verified.quotes), verified.text)
        return self._response(retrieved, answer, "llm", include_passages)

    def _response(
        self, retrieved: _Retrieved, answer: Answer, mode: Mode, include_passages: bool
    ) -> AskResponse:
        finished = time.perf_counter()
        citations = [
            Citation(
                marker=marker,
                chunk_id=quote.chunk.id,
                document_id=quote.chunk.document_id,
                document_title=quote.chunk.document_title,
                text=quote.chunk.text,
                quote=quote.text,
                start=quote.start,
                end=quote.end,
                score=round(quote.score, 4),
            )
            for marker, quote in enumerate(answer.quotes, start=1)
        ]
        passages = [
            Passage(
                chunk_id=hit.chunk.id,
                document_id=hit.chunk.document_id,
                text=hit.chunk.text,
                start=hit.chunk.start,
                end=hit.chunk.end,
                score=round(hit.score, 6),
            )
            for hit in _cited_first(retrieved.hits, answer)
        ]
        return AskResponse(
            question=retrieved.asked,
            answer=answer.text,
            answered=answer.answered,
            mode=mode,
            citations=citations,
            warnings=retrieved.warnings,
            timings_ms=Timings(
                retrieve=_ms(retrieved.started, retrieved.retrieved),
                answer=_ms(retrieved.retrieved, finished),
                total=_ms(retrieved.started, finished),
            ),
            passages=passages if include_passages else None,
        )

    def ingest(
        self, paths: Iterable[Path], on_file: Callable[[Path], None] | None = None
    ) -> IngestReport:
        """Index files, then make the new passages visible to questions."""
        with self._writing:
            report = self._ingestor().ingest_files(paths, on_file)
            self.retriever.refresh()
        return report

    def add_document(
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
        document_id = "doc-" + document.content_hash[:20]
        document = replace(document, id=document_id, metadata=dict(metadata or {}))
        with self._writing:
            existing = self.store.document(document_id)
            if existing is not None:
                return existing, False
            self._ingestor().ingest(document)
            self.retriever.refresh()
            stored = self.store.document(document_id)
        assert stored is not None, "a document just written must be readable"
        return stored, True

    def delete_document(self, document_id: str) -> bool:
        """Remove a document and all its passages; False when there was none."""
        with self._writing:
            found = self.store.delete_document(document_id)
            self.retriever.refresh()
        return found

    def _ingestor(self) -> Ingestor:
        return Ingestor(self.store, self.embedder, Chunker(self.settings.chunk_max_words))


def _fallback_warning(cause: str) -> str:
    return f"LLM answer unavailable: {cause}; answered extractively."


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 3)


def _cited_first(hits: list[Hit], answer: Answer) -> list[Hit]:
    """The passages an answer quotes, best quote first, then the others in retrieval order:
    the sentence-level scores that chose the quotes rank passages better than passage scores
    alone (hit@1: article 0.81 -> 0.84, second corpus 0.83 -> 0.86)."""
    quoted = sorted(answer.quotes, key=lambda quote: -quote.score)
    order = {quote.chunk.id: rank for rank, quote in enumerate(quoted)}
    return sorted(hits, key=lambda hit: order.get(hit.chunk.id, len(order)))
