"""What every answerer returns, and the one interface they share.

    Answerer.answer(question) -> Draft            the whole answer at once
    Answerer.stream(question) -> Iterator[str | Draft]
                                                  verified pieces of answer text, and the Draft
                                                  once it is known (first or last)

Two answerers implement it: `ExtractiveAnswerer` (quotes sentences; the default) and
`LLMAnswerer` (a model writes, every sentence is verified before it is sent). The engine
chooses one per request and never asks the mode again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from citeqa.index.chunking import Chunk
from citeqa.prompts import load_prompt

if TYPE_CHECKING:
    from citeqa.service.engine.conversation import Resolved, Turn
    from citeqa.service.engine.questions import Prepared

Mode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Quote:
    """A run of consecutive sentences of one passage, used as one cited quote."""

    chunk: Chunk
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Answer:
    """An answer: its text with `[n]` markers and the quotes they point at, or a refusal."""

    answered: bool
    quotes: tuple[Quote, ...]
    text: str


@dataclass(frozen=True)
class Draft:
    """An answer with how it was made and what did not go as asked."""

    answer: Answer
    mode: Mode
    warnings: tuple[str, ...] = field(default=())


def refusal() -> Answer:
    """The answer given when the documents do not hold one."""
    return Answer(False, (), load_prompt("refusal"))


class Answerer(Protocol):
    """Turns a prepared question into a cited answer."""

    def resolve(self, turns: list[Turn]) -> tuple[Resolved, list[str]]:
        """The last message of a conversation made to stand on its own, with warnings."""
        ...

    def answer(self, question: Prepared) -> Draft:
        """The whole answer."""
        ...

    def stream(self, question: Prepared) -> Iterator[str | Draft]:
        """Pieces of the answer's text as they are ready, and the `Draft` once known.

        Every piece is text the `Draft` holds: nothing unverified is ever yielded."""
        ...
