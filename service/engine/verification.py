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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from citeqa.index.embedding import Embedder
from citeqa.index.sentences import split_sentences
from citeqa.index.terms import terms
from citeqa.index.vocabulary import MARKER, NUMBER
from citeqa.prompts import load_prompt
from citeqa.service.engine.answers import Quote
from citeqa.service.engine.retrieval import Corpus, Hit, Retriever
from citeqa.service.engine.safety import is_instruction


@dataclass(frozen=True)
class _Support:
    hit_index: int
    sentence_index: int
    similarity: float
    score: float


class Verifier:
    """Checks generated sentences against the numbered passages they were written from."""

    def __init__(
        self, retriever: Retriever, embedder: Embedder, min_similarity: float, min_lexical: float
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.min_lexical = min_lexical

    def check(self, hits: list[Hit]) -> Check:
        """A check of generated sentences, one at a time, against these numbered passages,
        in the corpus as it is now (a document added meanwhile does not disturb it)."""
        return Check(self, self.retriever.corpus, hits)


class Check:
    """Generated sentences checked one by one as they arrive; what survives, re-marked.

    Each kept sentence's citation quotes the passage sentence that supports it best; the
    refusal sentence is noted, not kept, and never counts as an answer.
    """

    def __init__(self, verifier: Verifier, corpus: Corpus, hits: list[Hit]) -> None:
        self.verifier = verifier
        self.corpus = corpus
        self.hits = hits
        self.quotes: list[Quote] = []
        self.kept: list[str] = []
        self.warnings: list[str] = []
        self.refused = False

    def add_text(self, generated: str) -> list[str]:
        """Check every sentence of `generated`; the kept ones, each with its marker."""
        kept = (self.add(text, cited) for text, cited in split_generated(generated))
        return [line for line in kept if line is not None]

    def add(self, text: str, cited: list[int]) -> str | None:
        """Check one sentence and the markers it carried: "text [n]" when it is kept."""
        if _is_refusal(text):
            self.refused = True
            return None
        hits = self.hits
        vector = self.verifier.embedder.embed_query(text)
        valid = [n for n in cited if 1 <= n <= len(hits)]
        for n in sorted(set(cited) - set(valid)):
            self.warnings.append(f"Dropped marker [{n}]: no source {n} was given.")
        support = self._best_support(text, vector, [n - 1 for n in valid])
        if support is None:
            support = self._best_support(text, vector, range(len(hits)))
        if support is None:
            self.warnings.append(f"Removed a sentence the sources do not support: “{text}”")
            return None
        quote = self._quote(hits[support.hit_index], support)
        marker = next((i for i, q in enumerate(self.quotes, 1) if q.start == quote.start), 0)
        if not marker:
            self.quotes.append(quote)
            marker = len(self.quotes)
        self.kept.append(f"{text} [{marker}]")
        return self.kept[-1]

    @property
    def text(self) -> str:
        """The kept sentences, in order."""
        return " ".join(self.kept)

    def _best_support(
        self, text: str, vector: np.ndarray, candidates: Iterable[int]
    ) -> _Support | None:
        """The passage sentence among `candidates` that supports `text` best, if any does."""
        corpus, minimum = self.corpus, self.verifier
        words = set(terms(text))
        numbers = {m.group().lower() for m in NUMBER.finditer(text)}
        best: _Support | None = None
        for index in candidates:
            hit = self.hits[index]
            sentences = corpus.sentences.get(hit.chunk.id, [])
            if not sentences:
                continue
            evidence = [s for s in sentences if not is_instruction(s.text)]
            passage_words = (
                set().union(*(corpus.sentence_terms[s.id] for s in evidence)) if evidence else set()
            )
            if words and len(words & passage_words) / len(words) < minimum.min_lexical:
                continue
            passage_text = " ".join(s.text for s in evidence).lower()
            if any(number not in passage_text for number in numbers):
                continue
            similarities = corpus.sentence_matrix(hit.chunk.id) @ vector
            for i, sentence in enumerate(sentences):
                similarity = float(similarities[i])
                if sentence not in evidence or similarity < minimum.min_similarity:
                    continue
                # Windows carry the sentence before; the sentence's own words pick the quote.
                own = len(words & corpus.sentence_terms[sentence.id]) / max(1, len(words))
                if best is None or similarity + own > best.score:
                    best = _Support(index, i, similarity, similarity + own)
        return best

    def _quote(self, hit: Hit, support: _Support) -> Quote:
        sentence = self.corpus.sentences[hit.chunk.id][support.sentence_index]
        return Quote(hit.chunk, sentence.start, sentence.end, sentence.text, support.similarity)


def split_generated(generated: str) -> list[tuple[str, list[int]]]:
    """Generated sentences without their markers, each with the markers it carried."""
    found = []
    for span in split_sentences(generated):
        piece = generated[span.start : span.end]
        cited = [int(n) for n in MARKER.findall(piece)]
        text = MARKER.sub("", piece).strip()
        if text.strip(" .,;:"):
            found.append((text, cited))
        elif found and cited:  # a marker split off after the period belongs to the sentence
            found[-1][1].extend(cited)
    return found


def _is_refusal(sentence: str) -> bool:
    refusal = load_prompt("refusal").lower().rstrip(".")
    return refusal in MARKER.sub("", sentence).lower()
