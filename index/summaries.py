"""A document's extractive summary, chosen once at ingestion: its lead sentence and the
sentences closest to what the whole document is about, without repeats, in document order.

Centrality blends each sentence's similarity to the mean of all the document's sentence
vectors with its degree in the graph of sentences alike (LexRank's degree centrality: how
many others it is close to); diversity is maximal marginal relevance (MMR) against the
sentences already chosen. The summary is stored with the document, so it costs nothing at
question time.
"""

from __future__ import annotations

import re

import numpy as np

from citeqa.index.chunking import Sentence
from citeqa.index.embedding import Vectors

SUMMARY_SENTENCES = 4
SUMMARY_MAX_WORDS = 120
# MMR's balance between centrality and novelty.
_RELEVANCE = 0.7
# Shorter sentences say too little out of context ("In Congress, July 4, 1776.").
_MIN_WORDS = 8
# A sentence under this many words is quoted with the one before it in its passage: its
# embedding window holds both, and alone it often points back ("All dreaded it…").
# Measured on the whole-document questions of the four corpora (key facts, of 55): 0 (never)
# -> 45, 8 -> 45, 10 -> 45, 12 -> 45; at 10 Lincoln's summary says what "it" is.
_SHORT_WORDS = 10
# Two sentences closer than this are neighbours in the graph of sentences alike; a
# sentence's degree is its number of neighbours. Measured on the whole-document questions
# of the four corpora (key facts, of 56), as the threshold: 0.3 -> 39, 0.4 -> 40, 0.5 -> 35;
# as the degree's weight in centrality: 0 -> 37, 0.3 -> 40, 0.5 -> 39, 0.7 -> 39, 1 -> 39.
_NEIGHBOUR_SIMILARITY = 0.4
_DEGREE_WEIGHT = 0.3
_ROWS_AT_ONCE = 1024
# The lead is the first of the first three sentences that is at least this share as central
# as the most central of them: the document's opening, unless a preamble or a notice stands
# before it ("We the People…" before "All legislative Powers…"). Measured on the
# whole-document questions of the four corpora (key facts, of 55, headings left out as
# below): the most central of the first two -> 45, but the first held-out founding part 2
# of 4 -> 0 (the Declaration then opens with "When in the Course…", not "We hold these
# truths…"); share 0.75 -> 45, 0.8 -> 44, 0.9 -> 44, 1.0 (the most central) -> 42.
_LEAD_SENTENCES = 3
_LEAD_SHARE = 0.75
# A sentence ends on a stop; a line that does not is a heading or a title line ("GNU LESSER
# GENERAL PUBLIC LICENSE Version 3, 29 June 2007"), which says what the document is called,
# not what it says. Left out, unless the document has nothing else.
# A stop may be followed by closing quotes or brackets and by a footnote's mark ("…in
# 1901.[1]"); an ellipsis is a stop.
_ENDS_LIKE_A_SENTENCE = re.compile(r"[.!?:;…][\"'”’)\]]*(?:\[\d+\])*\s*$")


def summarise(sentences: list[Sentence], vectors: Vectors) -> list[str]:
    """The ids of the summary's sentences, in document order.

    `sentences` are the document's body sentences in reading order (no byline), each with
    its row of `vectors`: the vector of its embedding window, the sentence after the one
    before it. A short sentence is chosen for what that window says, so it is quoted with
    the sentence before it ("…an impending civil war. All dreaded it, all sought to avert
    it."), when both fit."""
    full = [i for i, s in enumerate(sentences) if len(s.text.split()) >= _MIN_WORDS]
    ended = [i for i in full if _ENDS_LIKE_A_SENTENCE.search(sentences[i].text)]
    full = ended or full
    if not full:
        return []
    every, sentences = sentences, [sentences[i] for i in full]
    vectors = vectors[full]
    # What each sentence brings with it: the sentence before a short one, in its passage.
    before = {
        k: every[i - 1]
        for k, i in enumerate(full)
        if len(every[i].text.split()) < _SHORT_WORDS
        and i
        and every[i - 1].chunk_id == every[i].chunk_id
        and _ENDS_LIKE_A_SENTENCE.search(every[i - 1].text)
    }
    centrality = _centrality(vectors)
    # The lead says what the document is about, in most documents: its opening sentence,
    # unless a notice or dedication before it is much less central than what follows.
    first = centrality[:_LEAD_SENTENCES]
    most = float(first.max())
    lead = int(np.flatnonzero(first >= (_LEAD_SHARE * most if most > 0 else most))[0])
    # The lead comes alone, even over the limit: what stands before it was passed over.
    chosen, quoted = [lead], [sentences[lead]]

    def unit(k: int) -> list[Sentence]:
        """Sentence `k` and what it brings with it that is not quoted yet."""
        brought = [before[k]] if k in before and before[k] not in quoted else []
        return [*brought, sentences[k]]

    def fits(k: int) -> bool:
        return sum(len(s.text.split()) for s in quoted + unit(k)) <= SUMMARY_MAX_WORDS

    while len(chosen) < SUMMARY_SENTENCES:
        novelty = (vectors @ vectors[chosen].T).max(axis=1)
        scores = _RELEVANCE * centrality - (1 - _RELEVANCE) * novelty
        ranked = (int(k) for k in np.argsort(-scores) if sentences[k] not in quoted)
        best = next((k for k in ranked if fits(k)), None)
        if best is None:
            break
        chosen.append(best)
        quoted += unit(best)
    order = {s.id: i for i, s in enumerate(every)}
    return sorted({s.id for s in quoted}, key=order.__getitem__)


def _centrality(vectors: Vectors) -> Vectors:
    """Each sentence's closeness to the document's mean vector, blended with its degree
    among sentences alike, scaled to the same range."""
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    closeness = vectors @ centroid
    degree = np.zeros(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), _ROWS_AT_ONCE):  # a long document: not n × n at once
        rows = vectors[start : start + _ROWS_AT_ONCE] @ vectors.T
        degree[start : start + len(rows)] = (rows > _NEIGHBOUR_SIMILARITY).sum(axis=1)
    degree *= float(closeness.max()) / (float(degree.max()) or 1.0)
    blended: Vectors = (1 - _DEGREE_WEIGHT) * closeness + _DEGREE_WEIGHT * degree
    return blended
