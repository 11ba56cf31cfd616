"""A question prepared for answering: instructions set aside, split into its parts, each
part searched.

"What did X do, and why did Y happen?" becomes two parts. Each part is retrieved and
answered on its own, so that the answer quotes a sentence for each part instead of the one
sentence that best matches the whole. A later part that leans on the one before ("..., and
why did it fail?") is searched with it, as a follow-up is searched with the turn before it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

from citeqa.index.documents import normalise_spaces
from citeqa.index.terms import words
from citeqa.service.config import RetrievalSettings
from citeqa.service.engine.conversation import Resolved, is_follow_up
from citeqa.service.engine.retrieval import Hit, Query, Retriever
from citeqa.service.engine.rules import COMPARES, about_topic
from citeqa.service.engine.safety import split_instructions

# ", and why…", ", versus what…": a second question joined to the first.
_SECOND_PART = re.compile(
    r",?\s+(?:and|versus|vs\.?|as opposed to|compared (?:to|with))\s+"
    r"(?=(?:what|why|how|who|whom|where|when|which|is|are|was|were|did|does|do)\b)",
    re.IGNORECASE,
)
_MIN_PART_WORDS = 3
# "house vs senate", "the Apache licence versus the MPL", "cc0 vs apache 2.0": two sides
# compared, each a few words (a name, or a noun after "the", with its version).
_VERSUS = re.compile(
    r"(?<![\w'’-])(?:(?:compare|comparing|contrast|between)\s+)?"
    r"(?P<a>(?:the )?(?:(?-i:[A-Z])[\w’'-]* )?[\w’'-]+(?: v?\d+(?:\.\d+)*)?) (?:vs\.?|versus) "
    r"(?P<b>(?:the )?[\w’'-]+(?: v?\d+(?:\.\d+)*)?\b)",
    re.IGNORECASE,
)
# "the house's and the senate's role", "iran's and israel's attacks": the same asked of two.
_POSSESSIVE_PAIR = re.compile(
    r"(?<![\w'’-])(?P<a>(?:the )?(?:(?-i:[A-Z])[\w-]* )*[\w-]+['’]s?) and "
    r"(?P<b>(?:the )?(?:(?-i:[A-Z])[\w-]* )*[\w-]+['’]s?)(?=\s)",
    re.IGNORECASE,
)
# A follow-up's answer most often stands within this many sentences after the last one the
# conversation gave. Measured on the dialogue sets (last turns answered, of 53, with the
# bonus in `extractive.py`): 1 -> 38, 2 -> 39, 3 -> 40, 5 -> 40.
_FOLLOWING = 3


def split_parts(question: str) -> list[str]:
    """The parts of a question joined by ", and <question word>", or the question asked of
    each side it compares ("house vs senate: how do the age limits differ?"); one part when
    there are none."""
    pieces = _SECOND_PART.split(question, maxsplit=1)
    if len(pieces) < 2:
        return _sides_compared(question)
    first, second = pieces[0].strip().rstrip(",?") + "?", pieces[1].strip()
    if min(len(first.split()), len(second.split())) < _MIN_PART_WORDS:
        return [question]
    return [first, second]


def _sides_compared(question: str) -> list[str]:
    """ "house vs senate: how do the age limits differ?" asks the same of the house and of
    the senate: the question once with each side in place of the two, so that each side
    finds its own sentence."""
    match = _VERSUS.search(question) or _POSSESSIVE_PAIR.search(question)
    if match is None:
        return [question]
    before, after = question[: match.start("a")], question[match.end() :]
    return [f"{before}{match[side]}{after}" for side in ("a", "b")]


@dataclass
class Prepared:
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
        """Every part's passages, each once, in the order found."""
        seen: dict[str, Hit] = {}
        for _, hits in self.parts:
            for hit in hits:
                seen.setdefault(hit.chunk.id, hit)
        return list(seen.values())


class QuestionReader:
    """Prepares questions for answering against one retriever."""

    def __init__(self, retriever: Retriever, settings: RetrievalSettings) -> None:
        self.retriever = retriever
        self.top_k = settings.top_k
        self.context_weight = settings.followup_context_weight

    def read(
        self,
        asked: str,
        resolved: Resolved,
        top_k: int | None,
        only: frozenset[str] = frozenset(),
    ) -> Prepared:
        """Set aside instructions in the resolved question, split it into parts and search
        each (in the documents `only` names, when it names any), with what the
        conversation adds (context, sentences given, focus)."""
        search_as, context, seen = resolved.question, resolved.context, resolved.seen
        started = time.perf_counter()
        instructions, rest = split_instructions(normalise_spaces(search_as))
        # One space between words: the question patterns then match in linear time.
        searched = " ".join((rest if instructions else normalise_spaces(search_as)).split())
        k = top_k or self.top_k
        parts, previous = [], ""
        pieces = split_parts(searched)
        sides = self._sides(searched, pieces)
        for i, part in enumerate(pieces):
            leans = previous and is_follow_up(part)
            part_context = " ".join(c for c in (context, previous if leans else "") if c)
            topic = about_topic(part)
            if topic:  # "Tell me about X": X is what is searched for
                query = self.retriever.prepare(topic, part_context, self.context_weight, seen)
                named = self.retriever.documents_for(part)  # "What does the MPL say about X?"
                query = replace(query, text=part, topic=topic, documents=named)
            else:
                query = self.retriever.prepare(part, part_context, self.context_weight, seen)
            # A one-part question's own words, when the conversation completed it.
            own = resolved.own if len(pieces) == 1 else ""
            query = replace(query, focus=resolved.focus, own=own, only=only)
            if sides is not None:
                query = replace(query, sides=sides if i == 0 else sides[::-1])
            if resolved.context:  # a follow-up: the story the conversation told goes on
                query = replace(query, follows=self._following(seen))
            parts.append((query, self.retriever.search(query, k) if query.terms else []))
            previous = part
        return Prepared(asked, searched, parts, started, time.perf_counter())

    def _sides(self, question: str, pieces: list[str]) -> tuple[str, str] | None:
        """The two things a comparison asks of, one in each part ("what holds Iran back from
        war with Israel, versus what holds Israel back?"): the name a part has that the
        other lacks, else its only name, as the documents write names; none when that does
        not give two."""
        if len(pieces) != 2 or not COMPARES.search(question):
            return None
        names = self.retriever.corpus.proper_names()
        first, second = ({w for w in words(piece) if w in names} for piece in pieces)
        found = []
        for own, other in ((first, second), (second, first)):
            side = own - other if len(own - other) == 1 else own
            if len(side) != 1:
                return None
            found.append(next(iter(side)))
        return (found[0], found[1]) if found[0] != found[1] else None

    def _following(self, seen: str) -> tuple[str, ...]:
        """The sentences right after the last one the conversation gave (quoted whole or in
        part): where the story it tells most often goes on."""
        corpus = self.retriever.corpus
        places = corpus.places_told(seen)
        following = corpus.sentences_following(places[-1], _FOLLOWING) if places else []
        return tuple(sentence.id for _, sentence in following)
