"""Extractive answers: choose the retrieved sentences that answer a question and cite them.

Every answer sentence is a verbatim sentence of a passage, followed by the `[n]` marker of
the citation that points at it. When the passages do not support an answer, the answer is
the refusal text from `prompts/refusal.txt` and `answered` is false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.embedding import Embedder
from service.prompts import load_prompt
from service.retrieval import Corpus, Hit, Query, Retriever, Sentence

_AUTHORSHIP = re.compile(
    r"\b(who (wrote|authored|is the author|penned)|author|written by|writer|byline)\b", re.I
)
_BYLINE = re.compile(r"^by\s+\S", re.I)
_COUNT_QUESTION = re.compile(r"\bhow (many|much)\b|\bwhat number\b|\bhow long\b", re.I)
_TIME_QUESTION = re.compile(r"\bwhen\b|\bwhat (year|date|month|day|time)\b", re.I)
_PERSON_QUESTION = re.compile(r"\bwho(m|se)?\b", re.I)
_NUMBER = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|billions?)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(1[5-9]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|yesterday|today|last (year|month|week))\b"
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_TYPE_BONUS = 0.08
_LEXICAL_WEIGHT = 0.5
_SECOND_SENTENCE_RATIO = 0.85
_DUPLICATE_SIMILARITY = 0.9


@dataclass(frozen=True)
class Quote:
    """A run of consecutive sentences of one passage, used as one cited quote."""

    hit: Hit
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Answer:
    """An extractive answer: the quotes in answer order, or none when refused."""

    answered: bool
    quotes: tuple[Quote, ...]
    text: str


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    sentence: Sentence
    index: int
    similarity: float
    score: float


class Answerer:
    """Composes a short answer from the best sentences of the retrieved passages."""

    def __init__(
        self,
        retriever: Retriever,
        max_words: int = 60,
        min_similarity: float = 0.3,
        min_term_coverage: float = 0.5,
    ) -> None:
        self.retriever = retriever
        self.max_words = max_words
        self.min_similarity = min_similarity
        self.min_term_coverage = min_term_coverage

    @property
    def corpus(self) -> Corpus:
        return self.retriever.corpus

    @property
    def embedder(self) -> Embedder:
        return self.retriever.embedder

    def answer(self, query: Query, hits: list[Hit]) -> Answer:
        """The answer to `query` from `hits`, or a refusal."""
        if not hits:
            return self._refusal()
        if _AUTHORSHIP.search(query.text):
            byline = self._byline(hits)
            if byline:
                return self._compose([byline])
        candidates = self._candidates(query, hits)
        best = candidates[0] if candidates else None
        if best is None or not self._is_supported(query, hits, best):
            return self._refusal()
        return self._compose(self._select(candidates))

    def _refusal(self) -> Answer:
        return Answer(False, (), load_prompt("refusal"))

    def _candidates(self, query: Query, hits: list[Hit]) -> list[_Candidate]:
        chunks = [hit.chunk for hit in hits]
        vectors = self.corpus.sentence_vectors(chunks, self.embedder)
        weights = {t: self.corpus.idf(t) for t in query.terms}
        total = sum(weights.values()) or 1.0
        candidates = []
        for rank, (hit, sentence_vectors) in enumerate(zip(hits, vectors, strict=True)):
            similarities = sentence_vectors @ query.vector
            for index, sentence in enumerate(self.corpus.sentences(hit.chunk)):
                lexical = sum(w for t, w in weights.items() if t in sentence.terms) / total
                similarity = float(similarities[index])
                score = (
                    similarity
                    + _LEXICAL_WEIGHT * lexical
                    + _type_bonus(query.text, sentence.text)
                    - 0.01 * rank
                )
                candidates.append(_Candidate(hit, sentence, index, similarity, score))
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _is_supported(self, query: Query, hits: list[Hit], best: _Candidate) -> bool:
        """Answer only when the best sentence is close and the passages hold the key terms."""
        if best.similarity < self.min_similarity:
            return False
        return self.term_coverage(query, hits) >= self.min_term_coverage

    def term_coverage(self, query: Query, hits: list[Hit]) -> float:
        """IDF-weighted share of the question's terms that the retrieved passages contain."""
        if not query.terms:
            return 1.0
        present: set[str] = set()
        for hit in hits:
            for sentence in self.corpus.sentences(hit.chunk):
                present |= sentence.terms
        weights = {t: self.corpus.idf(t) for t in query.terms}
        return sum(w for t, w in weights.items() if t in present) / (sum(weights.values()) or 1)

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        best = candidates[0]
        chosen = [best]
        words = _word_count(best.sentence.text)
        for candidate in candidates[1:3]:
            length = _word_count(candidate.sentence.text)
            if candidate.score < _SECOND_SENTENCE_RATIO * best.score:
                break
            if words + length > self.max_words or self._repeats(candidate, chosen):
                continue
            chosen.append(candidate)
            words += length
        return chosen

    def _repeats(self, candidate: _Candidate, chosen: list[_Candidate]) -> bool:
        vectors = self.corpus.sentence_vectors([c.hit.chunk for c in chosen], self.embedder)
        mine = self.corpus.sentence_vectors([candidate.hit.chunk], self.embedder)[0]
        return any(
            float(np.dot(vectors[i][c.index], mine[candidate.index])) > _DUPLICATE_SIMILARITY
            for i, c in enumerate(chosen)
        )

    def _byline(self, hits: list[Hit]) -> _Candidate | None:
        chunk = self.corpus.byline_chunk(hits[0].chunk.document_id)
        if chunk is None:
            return None
        for index, sentence in enumerate(self.corpus.sentences(chunk)):
            if _BYLINE.match(sentence.text):
                return _Candidate(Hit(chunk, hits[0].score, 1.0), sentence, index, 1.0, 1.0)
        return None

    def _compose(self, chosen: list[_Candidate]) -> Answer:
        """Merge adjacent sentences of one passage into one quote; order by the document."""
        chosen = sorted(chosen, key=lambda c: (c.hit.chunk.document_id, c.sentence.start))
        groups: list[list[_Candidate]] = []
        for candidate in chosen:
            last = groups[-1][-1] if groups else None
            if (
                last is not None
                and last.hit.chunk.id == candidate.hit.chunk.id
                and last.index + 1 == candidate.index
            ):
                groups[-1].append(candidate)
            else:
                groups.append([candidate])
        quotes = []
        for group in groups:
            chunk = group[0].hit.chunk
            start, end = group[0].sentence.start, group[-1].sentence.end
            text = chunk.text[start - chunk.start : end - chunk.start]
            quotes.append(Quote(group[0].hit, start, end, text, max(c.score for c in group)))
        body = " ".join(f"{quote.text} [{n}]" for n, quote in enumerate(quotes, start=1))
        return Answer(True, tuple(quotes), body)


def _word_count(text: str) -> int:
    return len(text.split())


def _type_bonus(question: str, sentence: str) -> float:
    """A small bonus when the sentence holds the kind of thing the question asks for."""
    if _COUNT_QUESTION.search(question) and _NUMBER.search(sentence):
        return _TYPE_BONUS
    if _TIME_QUESTION.search(question) and _DATE.search(sentence):
        return _TYPE_BONUS
    if _PERSON_QUESTION.search(question) and _NAME.search(sentence):
        return _TYPE_BONUS / 2
    return 0.0
