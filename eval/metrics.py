"""Evaluation metrics as pure functions; each is unit-tested on hand-computed cases.

Retrieval metrics follow BEIR's definitions with binary relevance: a retrieved passage is
relevant when it contains a reference context (after normalisation) or overlaps its span.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from citeqa.index.sentences import split_sentences
from citeqa.index.vocabulary import MARKER

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "—": " ", "–": " "})
_ARTICLES = re.compile(r"\b(a|an|the)\b")


@dataclass(frozen=True)
class Span:
    """A piece of a document: `text` is `document[start:end]` of document `document_id`."""

    document_id: str
    start: int
    end: int
    text: str


def normalise(text: str) -> str:
    """Lowercase, typographic quotes and dashes folded, punctuation removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = "".join(" " if ch in string.punctuation else ch for ch in text)
    return " ".join(text.split())


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation: lowercase, no punctuation, no articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", normalise(text)).split())


def strip_markers(answer: str) -> str:
    """The answer without its `[n]` citation markers."""
    return " ".join(MARKER.sub(" ", answer).split())


def matches(passage: Span, reference: Span) -> bool:
    """A passage matches a reference context when it contains it or their spans overlap."""
    if normalise(reference.text) and normalise(reference.text) in normalise(passage.text):
        return True
    return (
        passage.document_id == reference.document_id
        and passage.start < reference.end
        and reference.start < passage.end
    )


def relevance(retrieved: Sequence[Span], references: Sequence[Span], k: int) -> list[bool]:
    """For each of the top `k` passages, whether it matches any reference context."""
    return [any(matches(p, r) for r in references) for p in retrieved[:k]]


def hit_at_k(retrieved: Sequence[Span], references: Sequence[Span], k: int) -> float:
    """1 when any of the top `k` passages is relevant, else 0."""
    return float(any(relevance(retrieved, references, k)))


def recall_at_k(retrieved: Sequence[Span], references: Sequence[Span], k: int) -> float:
    """Share of reference contexts matched by some passage in the top `k`."""
    if not references:
        return 0.0
    top = retrieved[:k]
    return sum(any(matches(p, r) for p in top) for r in references) / len(references)


def mrr_at_k(retrieved: Sequence[Span], references: Sequence[Span], k: int) -> float:
    """Reciprocal rank of the first relevant passage in the top `k` (0 when none)."""
    for rank, relevant in enumerate(relevance(retrieved, references, k), start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(retrieved: Sequence[Span], references: Sequence[Span], k: int) -> float:
    """Normalised discounted cumulative gain at `k`, binary gains, ideal = all references first."""
    if not references:
        return 0.0
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, relevant in enumerate(relevance(retrieved, references, k), start=1)
        if relevant
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(references), k) + 1))
    return dcg / ideal


def has_fact(answer: str, wordings: Sequence[str]) -> bool:
    """Whether the answer contains one of the acceptable wordings of a fact."""
    text = f" {normalise(strip_markers(answer))} "
    return any(f" {normalise(w)} " in text for w in wordings if normalise(w))


def key_fact_recall(answer: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Share of the facts the answer contains."""
    if not key_facts:
        return 0.0
    return sum(has_fact(answer, fact) for fact in key_facts) / len(key_facts)


def key_fact_accuracy(answer: str, key_facts: Sequence[Sequence[str]]) -> float:
    """1 when the answer contains every fact, else 0."""
    return float(bool(key_facts) and all(has_fact(answer, fact) for fact in key_facts))


def exact_match(answer: str, reference: str) -> float:
    """SQuAD exact match of the answer (markers removed) with the reference answer."""
    return float(squad_normalise(strip_markers(answer)) == squad_normalise(reference))


def token_f1(answer: str, reference: str) -> float:
    """SQuAD token F1 of the answer (markers removed) against the reference answer."""
    predicted = squad_normalise(strip_markers(answer)).split()
    gold = squad_normalise(reference).split()
    common = sum((Counter(predicted) & Counter(gold)).values())
    if not predicted or not gold or not common:
        return float(predicted == gold)
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def word_count(answer: str) -> int:
    """Words in the answer, markers not counted."""
    return len(strip_markers(answer).split())


def answer_sentences(answer: str) -> list[str]:
    """Sentences of the answer, each with the `[n]` markers that follow it."""
    sentences: list[str] = []
    for segment in re.findall(r"[^\[]*(?:\[\d+\][\s.,;:]*)*|.+", answer):
        text = strip_markers(segment).strip()
        if not text.strip(" .,;:"):
            if sentences and segment.strip():
                sentences[-1] += " " + segment.strip()
            continue
        spans = split_sentences(segment)
        pieces = [segment[s.start : s.end] for s in spans]
        if pieces and strip_markers(pieces[-1]).strip(" .,;:") == "" and len(pieces) > 1:
            pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
        sentences.extend(p.strip() for p in pieces if p.strip())
    return sentences


def marker_validity(answer: str, markers: Sequence[int]) -> float:
    """1 when every `[n]` in the answer has a citation and every citation is used, else 0."""
    used = {int(n) for n in MARKER.findall(answer)}
    return float(used == set(markers))


def citation_coverage(answer: str) -> float:
    """Share of answer sentences that carry at least one `[n]` marker."""
    sentences = answer_sentences(answer)
    if not sentences:
        return 0.0
    return sum(bool(MARKER.search(s)) for s in sentences) / len(sentences)


def supports(quote: Span, reference: Span) -> bool:
    """A cited quote supports a reference context when one contains the other."""
    q, r = normalise(quote.text), normalise(reference.text)
    return bool(q and r) and (r in q or q in r)


def has_evidence(quotes: Sequence[Span], references: Sequence[Span]) -> float:
    """1 when some cited quote contains (or lies within) a reference context, else 0."""
    return float(any(supports(q, r) for q in quotes for r in references))


def citation_precision(quotes: Sequence[Span], references: Sequence[Span]) -> float:
    """Share of cited quotes that overlap a reference context."""
    if not quotes:
        return 0.0
    return sum(any(matches(q, r) for r in references) for q in quotes) / len(quotes)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0 for no values."""
    return sum(values) / len(values) if values else 0.0
