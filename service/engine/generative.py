"""LLM answers: a model writes, every sentence is verified, and only verified text is sent.

    model text ─► sentences ─► verified (re-cited) ─► answer
                                   │ none survive, or the model fails
                                   └─► the extractive answer, with a warning saying why

Streaming verifies each sentence as soon as the next one begins, so a reader sees the
answer grow sentence by sentence and never sees a sentence that verification removes.
"""

from __future__ import annotations

from collections.abc import Iterator

from citeqa.index.errors import ModelFailed
from citeqa.service.engine.answers import Answer, Draft, refusal
from citeqa.service.engine.conversation import Resolved, Turn
from citeqa.service.engine.extractive import ExtractiveAnswerer
from citeqa.service.engine.generation import Generator
from citeqa.service.engine.questions import Prepared
from citeqa.service.engine.verification import Check, Verifier, split_generated


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
        return Resolved(condensed, "", resolved.seen), []

    def answer(self, question: Prepared) -> Draft:
        """The model's answer as verification leaves it."""
        if not question.hits:
            return self.extractive.answer(question)
        try:
            generated = self.generator.generate(question.question, question.hits)
        except ModelFailed as error:
            return self._fallback(question, _unavailable(str(error)))
        check = self.verifier.check(question.hits)
        check.add_text(generated)
        return self._finished(question, check)

    def stream(self, question: Prepared) -> Iterator[str | Draft]:
        """Verified sentences as the model finishes each, then the answer."""
        if not question.hits:
            yield from self.extractive.stream(question)
            return
        check = self.verifier.check(question.hits)
        written, done = "", 0
        try:
            for piece in self.generator.stream(question.question, question.hits):
                written += piece
                sentences = split_generated(written)
                # The last sentence may still grow (or gain a marker); the ones before it
                # are finished.
                for text, cited in sentences[done : len(sentences) - 1]:
                    yield from _kept(check, text, cited)
                done = max(done, len(sentences) - 1)
        except ModelFailed as error:
            if not check.kept:
                yield from self._fallback_stream(question, _unavailable(str(error)))
                return
            check.warnings.append(f"The model stopped early: {error}.")
        else:
            for text, cited in split_generated(written)[done:]:
                yield from _kept(check, text, cited)
        if not check.kept and not check.refused:
            yield from self._fallback_stream(question, *check.warnings, _NOTHING_SUPPORTED)
            return
        yield self._finished(question, check)

    def _finished(self, question: Prepared, check: Check) -> Draft:
        warnings = tuple(check.warnings)
        if check.kept:
            return Draft(Answer(True, tuple(check.quotes), check.text), "llm", warnings)
        if check.refused:
            return Draft(refusal(), "llm", warnings)
        return self._fallback(question, *check.warnings, _NOTHING_SUPPORTED)

    def _fallback(self, question: Prepared, *warnings: str) -> Draft:
        question.warnings.extend(warnings)
        return self.extractive.answer(question)

    def _fallback_stream(self, question: Prepared, *warnings: str) -> Iterator[str | Draft]:
        question.warnings.extend(warnings)
        yield from self.extractive.stream(question)


_NOTHING_SUPPORTED = "No generated sentence was supported by the sources; answered extractively."


def _kept(check: Check, text: str, cited: list[int]) -> Iterator[str]:
    """The sentence as a piece of the answer's text, if verification keeps it."""
    line = check.add(text, cited)
    if line is not None:
        yield line if len(check.kept) == 1 else " " + line


def _unavailable(cause: str) -> str:
    return f"LLM answer unavailable: {cause}; answered extractively."
