"""Every sentence an LLM writes is checked against the passages it cites.

A sentence is supported by a passage when one of the passage's sentences is close in
meaning (`min_similarity`, cosine of the embeddings), at least `min_lexical` of the
sentence's content words occur in the passage, and every number it states occurs there
too. Instructions inside a document are never evidence.

- a marker naming a source that was not given is dropped (warning);
- a sentence not supported by what it cites, but by another passage, cites that one;
- a sentence without a marker that is supported gets the marker of its best passage;
- a sentence supported by nothing is removed (warning).

Each surviving sentence's citation quotes the passage sentence that supports it best.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from index.embedding import Embedder
from index.sentences import split_sentences
from index.terms import terms
from service.answering import Quote
from service.prompts import load_prompt
from service.retrieval import Corpus, Hit
from service.safety import is_instruction

_MARKER = re.compile(r"\s*\[(\d+)\]")
_NUMBER = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"hundreds?|thousands?|millions?|billions?|dozens?)\b",
    re.I,
)


@dataclass
class Verified:
    """What survives verification: sentences with their quotes, and what was removed."""

    text: str
    quotes: list[Quote]
    warnings: list[str] = field(default_factory=list)
    refused: bool = False


@dataclass(frozen=True)
class _Support:
    hit_index: int
    sentence_index: int
    similarity: float
    score: float


class Verifier:
    """Checks generated sentences against the numbered passages they were written from."""

    def __init__(
        self, corpus: Corpus, embedder: Embedder, min_similarity: float, min_lexical: float
    ) -> None:
        self.corpus = corpus
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.min_lexical = min_lexical

    def verify(self, generated: str, hits: list[Hit]) -> Verified:
        """The supported sentences of `generated`, re-marked with verified citations."""
        warnings: list[str] = []
        if _is_refusal(generated):
            return Verified(load_prompt("refusal"), [], warnings, refused=True)
        sentences = _sentences(generated)
        vectors = self.embedder.embed([text for text, _ in sentences]) if sentences else None
        quotes: list[Quote] = []
        parts: list[str] = []
        for (text, cited), vector in zip(
            sentences, vectors if vectors is not None else [], strict=False
        ):
            valid = [n for n in cited if 1 <= n <= len(hits)]
            for n in sorted(set(cited) - set(valid)):
                warnings.append(f"Dropped marker [{n}]: no source {n} was given.")
            support = self._best_support(text, vector, hits, [n - 1 for n in valid])
            if support is None:
                support = self._best_support(text, vector, hits, range(len(hits)))
            if support is None:
                warnings.append(f"Removed a sentence the sources do not support: “{text}”")
                continue
            quote = self._quote(hits[support.hit_index], support)
            marker = next((i for i, q in enumerate(quotes, 1) if q.start == quote.start), 0)
            if not marker:
                quotes.append(quote)
                marker = len(quotes)
            parts.append(f"{text} [{marker}]")
        return Verified(" ".join(parts), quotes, warnings)

    def _best_support(
        self, text: str, vector: np.ndarray, hits: list[Hit], candidates: Iterable[int]
    ) -> _Support | None:
        """The passage sentence among `candidates` that supports `text` best, if any does."""
        words = set(terms(text))
        numbers = {m.group().lower() for m in _NUMBER.finditer(text)}
        best: _Support | None = None
        for index in candidates:
            hit = hits[index]
            sentences = self.corpus.sentences.get(hit.chunk.id, [])
            if not sentences:
                continue
            evidence = [s for s in sentences if not is_instruction(s.text)]
            passage_words = (
                set().union(*(self.corpus.sentence_terms[s.id] for s in evidence))
                if evidence
                else set()
            )
            if words and len(words & passage_words) / len(words) < self.min_lexical:
                continue
            passage_text = " ".join(s.text for s in evidence).lower()
            if any(number not in passage_text for number in numbers):
                continue
            similarities = self.corpus.sentence_matrix(hit.chunk.id) @ vector
            for i, sentence in enumerate(sentences):
                similarity = float(similarities[i])
                if sentence not in evidence or similarity < self.min_similarity:
                    continue
                # Windows carry the sentence before; the sentence's own words pick the quote.
                own = len(words & self.corpus.sentence_terms[sentence.id]) / max(1, len(words))
                if best is None or similarity + own > best.score:
                    best = _Support(index, i, similarity, similarity + own)
        return best

    def _quote(self, hit: Hit, support: _Support) -> Quote:
        sentence = self.corpus.sentences[hit.chunk.id][support.sentence_index]
        return Quote(hit.chunk, sentence.start, sentence.end, sentence.text, support.similarity)


def _sentences(generated: str) -> list[tuple[str, list[int]]]:
    """Generated sentences without their markers, each with the markers it carried."""
    found = []
    for span in split_sentences(generated):
        piece = generated[span.start : span.end]
        cited = [int(n) for n in _MARKER.findall(piece)]
        text = _MARKER.sub("", piece).strip()
        if text.strip(" .,;:"):
            found.append((text, cited))
        elif found and cited:  # a marker split off after the period belongs to the sentence
            found[-1][1].extend(cited)
    return found


def _is_refusal(generated: str) -> bool:
    refusal = load_prompt("refusal").lower().rstrip(".")
    return refusal in _MARKER.sub("", generated).lower()
