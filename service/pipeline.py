"""The question-answering pipeline shared by the HTTP API, the CLI and the evaluator."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from index.chunking import Chunker
from index.embedding import Embedder
from index.ingest import Ingestor, IngestReport
from index.store import ChunkStore, open_client
from service.answering import Answerer, AnswerPolicy
from service.config import Settings
from service.conversation import Turn, resolve
from service.errors import IndexNotReady
from service.questions import split_parts
from service.retrieval import RetrievalWeights, Retriever
from service.safety import split_instructions
from service.schemas import AskResponse, Citation, Passage, Timings


@cache
def load_embedder(model: str) -> Embedder:
    """The embedding model, loaded once per process and shared."""
    return Embedder(model)


@dataclass
class Pipeline:
    """Everything a question needs, built once: store, model, retriever, answerer."""

    settings: Settings
    store: ChunkStore
    embedder: Embedder
    retriever: Retriever
    answerer: Answerer

    @classmethod
    def open(cls, settings: Settings) -> Pipeline:
        """Open the index under the settings' data directory and load the model."""
        store = ChunkStore(open_client(settings.data_dir), settings.collection)
        embedder = load_embedder(settings.embed_model)
        retriever = Retriever(
            store,
            embedder,
            settings.candidate_pool,
            RetrievalWeights(
                passage=settings.passage_weight,
                sentence=settings.sentence_weight,
                lexical=settings.lexical_weight,
            ),
        )
        answerer = Answerer(
            retriever,
            AnswerPolicy(
                max_words=settings.answer_max_words,
                lexical_weight=settings.answer_lexical_weight,
                passage_weight=settings.answer_passage_weight,
                min_score=settings.min_score,
                second_sentence_ratio=settings.second_sentence_ratio,
                unknown_terms_share=settings.unknown_terms_share,
                unknown_terms_min_similarity=settings.unknown_terms_min_similarity,
            ),
        )
        return cls(settings, store, embedder, retriever, answerer)

    def check_ready(self) -> None:
        """Raise `IndexNotReady`, naming the fix, when nothing is indexed."""
        if not self.retriever.corpus.chunks:
            raise IndexNotReady(
                f"The index in {self.settings.data_dir} is empty. "
                f"Run: citeqa ingest {self.settings.seeds_dir}"
            )

    def chat(
        self, turns: list[Turn], top_k: int | None = None, include_passages: bool = False
    ) -> AskResponse:
        """Answer the last user message of a conversation, resolving follow-ups first."""
        resolved = resolve(turns)
        return self.ask(
            turns[-1].content,
            top_k,
            include_passages,
            resolved.question,
            resolved.context,
            resolved.seen,
        )

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        include_passages: bool = False,
        search_as: str | None = None,
        context: str = "",
        seen: str = "",
    ) -> AskResponse:
        """Answer one question with citations, timing each stage.

        `search_as` is the question as resolved from a conversation, `context` the earlier
        turns to blend into the search, `seen` the earlier answers; the response still shows
        `question` as asked.
        """
        self.check_ready()
        started = time.perf_counter()
        instructions, rest = split_instructions(search_as or question)
        k = top_k or self.settings.top_k
        parts = []
        for part in split_parts(rest if instructions else (search_as or question)):
            query = self.retriever.prepare(
                part, context, self.settings.followup_context_weight, seen
            )
            parts.append((query, self.retriever.search(query, k) if query.terms else []))
        retrieved = time.perf_counter()
        answer = (
            self.answerer.answer_parts(parts) if len(parts) > 1 else self.answerer.answer(*parts[0])
        )
        finished = time.perf_counter()
        hits = [hit for _, part_hits in parts for hit in part_hits]
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
        return AskResponse(
            question=question,
            answer=answer.text,
            answered=answer.answered,
            mode="extractive",
            citations=citations,
            timings_ms=Timings(
                retrieve=_ms(started, retrieved),
                answer=_ms(retrieved, finished),
                total=_ms(started, finished),
            ),
            passages=[
                Passage(
                    chunk_id=hit.chunk.id,
                    document_id=hit.chunk.document_id,
                    text=hit.chunk.text,
                    start=hit.chunk.start,
                    end=hit.chunk.end,
                    score=round(hit.score, 6),
                )
                for hit in hits
            ]
            if include_passages
            else None,
        )

    def ingest(
        self, paths: Iterable[Path], on_file: Callable[[Path], None] | None = None
    ) -> IngestReport:
        """Index files, then make the new passages visible to questions."""
        ingestor = Ingestor(self.store, self.embedder, Chunker(self.settings.chunk_max_words))
        report = ingestor.ingest_files(paths, on_file)
        self.retriever.refresh()
        return report


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 3)
