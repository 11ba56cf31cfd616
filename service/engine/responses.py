"""What the engine answers with: a `Reply` of citations, timings and, if asked, passages.

Field names are those of the HTTP response body (`service/http/schemas.py` describes them),
so the HTTP layer validates a `Reply` as it is and the evaluator reads it as a dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Citation:
    """A passage an answer sentence is quoted from; `quote` is `text[start:end]` of its
    document's cleaned text."""

    marker: int
    chunk_id: str
    document_id: str
    document_title: str
    text: str
    quote: str
    start: int
    end: int
    score: float
    url: str  # the reader page that shows the quote in its document
    page: int | None = None  # the page the quote begins on, for a document with pages
    page_end: int | None = None  # ... and the page it ends on
    section: str | None = None  # the heading of the section it stands in


@dataclass(frozen=True)
class Passage:
    """A retrieved passage."""

    chunk_id: str
    document_id: str
    text: str
    start: int
    end: int
    score: float
    page: int | None = None  # the page it begins on, for a document with pages
    page_end: int | None = None  # ... and the page it ends on


@dataclass(frozen=True)
class Timings:
    """Where the time of a question went, in milliseconds."""

    retrieve: float
    answer: float
    total: float


@dataclass(frozen=True)
class Reply:
    """A cited answer, or a refusal, with what did not go as asked."""

    question: str
    answer: str
    answered: bool
    mode: Literal["extractive", "llm"]
    citations: tuple[Citation, ...]
    warnings: tuple[str, ...]
    timings_ms: Timings
    passages: tuple[Passage, ...] | None = None


@dataclass(frozen=True)
class IndexStats:
    """How much is indexed and visible to questions."""

    documents: int
    chunks: int
