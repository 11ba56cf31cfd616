"""Request and response bodies of the HTTP API; their descriptions become `/docs`."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
)

from citeqa.service.engine.collections import NAME, NAME_RULE

MAX_QUESTION_CHARS = 2000


def _whole_number(value: Any) -> Any:
    """JSON's integers, written 7 or 7.0; not true/false, not "7", not 7.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


TopK = Annotated[int, Field(ge=1, le=20), BeforeValidator(_whole_number)]
# In the schema: at least one character that is not white space (checked by validators).
_NOT_BLANK: dict[str, Any] = {"pattern": r"\S"}
# White space as JSON Schema's (ECMAScript) `\s` means it, so the check and the schema agree.
_BLANK = re.compile("^[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*$")


def _is_blank(text: str) -> bool:
    return bool(_BLANK.match(text))


def _not_blank(text: str) -> str:
    if _is_blank(text):
        raise ValueError("must not be empty or only whitespace")
    return text


# What a person writes: 1 to 2,000 characters, not all white space.
Said = Annotated[StrictStr, Field(max_length=MAX_QUESTION_CHARS), AfterValidator(_not_blank)]


# A collection's name, as `service/engine/collections.py` defines it.
CollectionName = Annotated[
    StrictStr,
    Field(
        pattern=rf"^{NAME.pattern}$",
        description=f"The collection to use ({NAME_RULE}); default: `default`.",
    ),
]


class _AnswerOptions(BaseModel):
    """How a question is answered: the options `/v1/ask` and `/v1/chat` share."""

    model_config = ConfigDict(extra="forbid")

    collection: CollectionName | None = None
    documents: list[Annotated[StrictStr, Field(min_length=1, max_length=200)]] | None = Field(
        None,
        max_length=100,
        description="Answer from these documents only (their ids, at most 100); default: "
        "every document of the collection.",
    )

    top_k: TopK | None = Field(
        None, description="How many passages to retrieve (1 to 20; default from settings)."
    )
    include_passages: StrictBool = Field(
        False,
        description="Also return the retrieved passages: those the answer quotes first, then "
        "by score.",
    )
    mode: Literal["extractive", "llm"] | None = Field(
        None,
        description="`extractive` quotes sentences; `llm` writes an answer with the configured "
        "model and verifies every sentence. Default: `llm` when a model is configured.",
    )


class AskRequest(_AnswerOptions):
    """A question about the indexed documents."""

    question: Said = Field(
        json_schema_extra=_NOT_BLANK,
        description="The question, in plain language (1 to 2,000 characters, not all spaces).",
        examples=["How many Revolutionary Guard commanders were killed in the strike?"],
    )


MAX_MESSAGES = 50


class ChatMessage(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"] = Field(description="Who said it.")
    content: Said = Field(
        json_schema_extra=_NOT_BLANK,
        description="What was said (at most 2,000 characters, not all spaces).",
    )


class ChatRequest(_AnswerOptions):
    """A conversation whose last message is the user's question.

    The server keeps no session: send the whole history (at most 50 messages) each time.
    """

    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=MAX_MESSAGES,
        description="The conversation so far, oldest first; the last message is the user's.",
    )

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if messages[-1].role != "user":
            raise ValueError("the last message must have role 'user'")
        return messages


class Citation(BaseModel):
    """A passage an answer sentence is quoted from."""

    model_config = ConfigDict(from_attributes=True)

    marker: int = Field(description="The number n of the `[n]` marker in the answer.")
    chunk_id: str = Field(description="Id of the cited passage.")
    document_id: str = Field(description="Id of the document the passage belongs to.")
    document_title: str = Field(description="Title of that document.")
    text: str = Field(description="The whole cited passage.")
    quote: str = Field(description="The sentence(s) of the passage the answer uses, verbatim.")
    start: int = Field(description="Offset of `quote` in the cleaned document text.")
    end: int = Field(description="End offset: the document's `text[start:end] == quote`.")
    score: float = Field(description="How well the quote matches the question (higher is better).")
    url: str = Field(
        description="The reader page showing the quote highlighted in its document: "
        "`/documents/{document_id}?start=…&end=…`."
    )
    page: int | None = Field(
        default=None, description="The page the quote begins on (PDF); null without pages."
    )
    page_end: int | None = Field(
        default=None, description="The page the quote ends on (PDF); null without pages."
    )
    section: str | None = Field(
        default=None, description="The heading of the section the quote stands in, if any."
    )


class Passage(BaseModel):
    """A retrieved passage, in retrieval order."""

    model_config = ConfigDict(from_attributes=True)

    chunk_id: str = Field(description="Id of the passage.")
    document_id: str = Field(description="Id of its document.")
    text: str = Field(description="The passage.")
    start: int = Field(description="Offset of the passage in the cleaned document text.")
    end: int = Field(description="End offset of the passage.")
    page: int | None = Field(
        default=None, description="The page it begins on (PDF); null without pages."
    )
    page_end: int | None = Field(
        default=None, description="The page it ends on (PDF); null without pages."
    )
    score: float = Field(description="Fused retrieval score (higher is better).")


class Timings(BaseModel):
    """Where the time of a request went, in milliseconds."""

    model_config = ConfigDict(from_attributes=True)

    retrieve: float = Field(description="Finding passages.")
    answer: float = Field(description="Choosing and citing sentences.")
    total: float = Field(description="The whole request.")


class AskResponse(BaseModel):
    """A short answer whose every sentence carries a citation, or a refusal."""

    model_config = ConfigDict(from_attributes=True)

    question: str = Field(description="The question as asked.")
    answer: str = Field(description="The answer, each sentence followed by its `[n]` marker.")
    answered: bool = Field(description="False when the documents do not hold the answer.")
    mode: Literal["extractive", "llm"] = Field(
        description="How the answer was made: quoted sentences, or written by the model and "
        "verified against the sources."
    )
    citations: list[Citation] = Field(description="One per marker, in marker order.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What did not go as asked: model failures, removed sentences, dropped markers.",
    )
    timings_ms: Timings = Field(description="Time spent, in milliseconds.")
    passages: list[Passage] | None = Field(
        None, description="The retrieved passages, when the request set `include_passages`."
    )


class DocumentSummary(BaseModel):
    """A document in the index."""

    id: str = Field(description="Stable id of the document.")
    title: str = Field(description="Title, from the document's header or file name.")
    author: str = Field(description="Author, from the byline; empty when unknown.")
    publication: str = Field(description="Publication, from the header; empty when unknown.")
    source: str = Field(description="Where the document was read from.")
    chunk_count: int = Field(description="Number of indexed passages.")
    metadata: dict[str, str] = Field(
        default_factory=dict, description="Metadata given when the document was added."
    )


class DocumentDetail(DocumentSummary):
    """A document with its cleaned text, which citation offsets point into."""

    text: str = Field(description="The cleaned text of the document.")


class DocumentIn(BaseModel):
    """A document sent as JSON."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(
        json_schema_extra=_NOT_BLANK, description="The document's text (plain text or Markdown)."
    )
    title: StrictStr = Field("", max_length=500, description="Title; default from the text.")
    author: StrictStr = Field("", max_length=500, description="Author, if known.")
    source: StrictStr = Field("", max_length=2000, description="Where it comes from (a URL).")
    metadata: dict[StrictStr, StrictStr] = Field(
        default_factory=dict, description="Any string key-value pairs to keep with it."
    )
    collection: CollectionName | None = None


class DocumentCreated(BaseModel):
    """The id of an added (or already present) document."""

    id: str = Field(description="The document's id: a hash of its content.")
    chunk_count: int = Field(description="Number of indexed passages.")
    created: bool = Field(description="False when the same content was already indexed.")


class DocumentList(BaseModel):
    """Every indexed document."""

    documents: list[DocumentSummary]


class CollectionSummary(BaseModel):
    """A collection and how much it holds."""

    name: str = Field(description="The collection's name.")
    documents: int = Field(description="Number of documents.")
    chunks: int = Field(description="Number of indexed passages.")


class CollectionList(BaseModel):
    """Every collection of the service."""

    collections: list[CollectionSummary]


class Health(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok"] = Field(description="Always `ok` when this body is returned.")
    documents: int | None = Field(None, description="Indexed documents (readiness only).")
    chunks: int | None = Field(None, description="Indexed passages (readiness only).")


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="What went wrong and how to fix it.")
