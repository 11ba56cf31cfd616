"""A document's extractive summary, chosen once at ingestion: its lead sentence and the
sentences closest to what the whole document is about, without repeats, in document order.

Centrality is each sentence's similarity to the mean of all the document's sentence
vectors; diversity is maximal marginal relevance (MMR) against the sentences already
chosen. The summary is stored with the document, so it costs nothing at question time.
"""

from __future__ import annotations

import numpy as np

from citeqa.index.chunking import Sentence
from citeqa.index.embedding import Vectors

SUMMARY_SENTENCES = 4
SUMMARY_MAX_WORDS = 120
# MMR's balance between centrality and novelty.
_RELEVANCE = 0.7
# Shorter sentences say too little out of context ("In Congress, July 4, 1776.").
_MIN_WORDS = 8
# The lead is one of the first this many sentences.
_LEAD_SENTENCES = 3


def summarise(sentences: list[Sentence], vectors: Vectors) -> list[str]:
    """The ids of the summary's sentences, in document order.

    `sentences` are the document's body sentences in reading order (no byline), each with
    its row of `vectors`."""
    full = [i for i, s in enumerate(sentences) if len(s.text.split()) >= _MIN_WORDS]
    if not full:
        return []
    sentences = [sentences[i] for i in full]
    vectors = vectors[full]
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = vectors @ centroid
    # The lead says what the document is about, in most documents: the most central of
    # its first sentences, so that a notice or dedication before it is passed over.
    lead = int(np.argmax(centrality[:_LEAD_SENTENCES]))
    chosen = [lead]
    words = len(sentences[lead].text.split())
    while len(chosen) < SUMMARY_SENTENCES:
        novelty = (vectors @ vectors[chosen].T).max(axis=1)
        scores = _RELEVANCE * centrality - (1 - _RELEVANCE) * novelty
        scores[chosen] = -np.inf
        fits = [i for i in np.argsort(-scores) if np.isfinite(scores[i])]
        fits = [i for i in fits if words + len(sentences[i].text.split()) <= SUMMARY_MAX_WORDS]
        if not fits:
            break
        best = int(fits[0])
        chosen.append(best)
        words += len(sentences[best].text.split())
    return [sentences[i].id for i in sorted(chosen)]
