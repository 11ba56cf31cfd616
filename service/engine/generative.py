"""LLM answers: a model writes, every sentence is verified, and only verified text is sent.

    model text ─► sentences ─► verified (re-cited) ─► answer
                                   │ none survive, or the model fails first
                                   └─► the extractive answer, with a warning saying why

Streaming verifies each sentence once it is finished, so a reader sees the answer grow
sentence by sentence and never sees a sentence that verification removes. A sentence is
finished when the first word after it is complete: the sentence splitter decides a
boundary from the words on either side of it, so later text cannot move it. If the model
fails after some sentences were sent, those sentences are the answer, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from citeqa.index.errors import ModelFailed
from citeqa.index.sentences import split_sentences
from citeqa.index.vocabulary import MARKER
from citeqa.service.engine.answers import Answer, Draft, refusal
from citeqa.service.engine.conversation import Resolved, Turn
from citeqa.service.engine.extractive import ExtractiveAnswerer
from citeqa.service.engine.generation import Generator
from citeqa.service.engine.questions import Prepared
from citeqa.service.engine.verification import Check, Verifier

_NOTHING_SUPPORTED = "No generated sentence was supported by the sources; answered extractively."
_COMPLETE_WORD = re.compile(r"\w\W*\s")


class LLMAnswerer:
    """Answers with the configured model; falls back to the extractive answerer."""

    def __init__(
        self, generator: Generator, verifier: Verifier, extractive: ExtractiveAnswerer
    ) -> None:
        self.generator = generator
        self.verifier = verifier
        self.extractive = extractive

    def resolve(self, turns: list[Turn]) -> tuple[Resolved, list[str]]:
        """A follow-up rewritten by the model to stand on its own (offline if it fails)."""
        resolved, _ = self.extractive.resolve(turns)
        if len(turns) < 2:
            return resolved, []
        try:
            condensed = self.generator.condense(turns)
        except ModelFailed as error:
            return resolved, [f"Follow-up resolved offline: {error}."]
        return Resolved(condensed, "", resolved.seen, resolved.focus, resolved.own), []

    def answer(self, question: Prepared) -> Draft:
        """The model's answer as verification leaves it."""
        if not question.hits:
            return self.extractive.answer(question)
        try:
            generated = self.generator.generate(question.question, question.hits)
        except ModelFailed as error:
            return _warned(self.extractive.answer(question), _unavailable(str(error)))
        check = self.verifier.check(question.hits)
        check.add_text(generated)
        if not check.kept and not check.refused:
            return _warned(self.extractive.answer(question), *check.warnings, _NOTHING_SUPPORTED)
        return _finished(check)

    def stream(self, question: Prepared) -> Iterator[str | Draft]:
        """Verified sentences as the model finishes each, then the answer."""
        if not question.hits:
            yield from self.extractive.stream(question)
            return
        check = self.verifier.check(question.hits)
        written, checked = "", 0
        try:
            for piece in self.generator.stream(question.question, question.hits):
                written += piece
                finished = finished_up_to(written, checked)
                yield from _kept(check, written[checked:finished])
                checked = finished
        except ModelFailed as error:
            if not check.kept:
                yield from _fallback(self.extractive, question, _unavailable(str(error)))
                return
            check.warnings.append(f"The model stopped early: {error}.")
        else:
            yield from _kept(check, written[checked:])
        if not check.kept and not check.refused:
            warnings = (*check.warnings, _NOTHING_SUPPORTED)
            yield from _fallback(self.extractive, question, *warnings)
            return
        draft = _finished(check)
        if not draft.answer.answered:
            yield draft.answer.text
        yield draft


def finished_up_to(written: str, start: int) -> int:
    """Where the finished sentences of `written[start:]` end: each is followed by a complete
    word (a marker or punctuation alone does not finish the sentence before it)."""
    spans = split_sentences(written[start:], start)
    end = start
    for following in spans[1:]:
        if not MARKER.sub("", written[following.start : following.end]).strip(" .,;:"):
            continue  # markers alone belong to the sentence before them
        if not _COMPLETE_WORD.search(MARKER.sub("", written[following.start :])):
            break
        end = following.start
    return end


def _kept(check: Check, text: str) -> Iterator[str]:
    """The sentences of `text` that verification keeps, as pieces of the answer's text."""
    first = not check.kept
    for line in check.add_text(text):
        yield line if first else " " + line
        first = False


def _finished(check: Check) -> Draft:
    """The verified answer, or the model's refusal."""
    warnings = tuple(check.warnings)
    if check.kept:
        return Draft(Answer(True, tuple(check.quotes), check.text), "llm", warnings)
    return Draft(refusal(), "llm", warnings)


def _fallback(
    extractive: ExtractiveAnswerer, question: Prepared, *warnings: str
) -> Iterator[str | Draft]:
    for item in extractive.stream(question):
        yield _warned(item, *warnings) if isinstance(item, Draft) else item


def _warned(draft: Draft, *warnings: str) -> Draft:
    return replace(draft, warnings=(*warnings, *draft.warnings))


def _unavailable(cause: str) -> str:
    return f"LLM answer unavailable: {cause}; answered extractively."
