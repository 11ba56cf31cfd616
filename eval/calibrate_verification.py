"""Calibrates the thresholds that verify LLM sentences against their sources.

    python -m citeqa.eval.calibrate_verification

Faithful sentences: each question's reference answer, against the passage holding its
reference context. Unsupported sentences: another question's reference answer, against the
same passage. For each pair of thresholds it prints the share of each that would be kept.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from citeqa.eval.question_sets import load_dataset
from citeqa.eval.session import EVAL_DIR
from citeqa.index.chunking import Chunker, sentences_of
from citeqa.index.documents import load_document
from citeqa.index.embedding import load_embedder
from citeqa.index.terms import terms
from citeqa.service.config import Settings

SETS = [
    (EVAL_DIR / "datasets" / "article.jsonl", sorted((EVAL_DIR.parent / "seeds").glob("*.txt"))),
    (
        EVAL_DIR / "datasets" / "founding.jsonl",
        sorted((EVAL_DIR / "datasets" / "corpus").glob("*.txt")),
    ),
]


def pairs(
    dataset: Path, documents: list[Path]
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(similarity, lexical share) of faithful and of unsupported sentences."""
    settings = Settings().index
    embedder = load_embedder(settings.embed_model, cache_dir=settings.model_cache_dir)
    chunks = [c for path in documents for c in Chunker(120).split(load_document(path))]
    cases = [c for c in load_dataset(dataset) if c.answerable and c.reference_answer]
    faithful: list[tuple[float, float]] = []
    unsupported: list[tuple[float, float]] = []
    chooser = random.Random(0)
    for case in cases:
        chunk = next((c for c in chunks if case.reference_contexts[0] in c.text), None)
        if chunk is None:
            continue
        sentences = sentences_of(chunk)
        windows = embedder.embed([s.window for s in sentences])
        words = set(terms(chunk.text))
        other = chooser.choice([c for c in cases if c.reference_contexts[0] not in chunk.text])
        for answer, bucket in (
            (case.reference_answer, faithful),
            (other.reference_answer, unsupported),
        ):
            vector = embedder.embed_query(answer)
            answer_words = set(terms(answer))
            lexical = len(answer_words & words) / max(1, len(answer_words))
            bucket.append((float((windows @ vector).max()), lexical))
    return faithful, unsupported


def main() -> None:
    """Print kept shares for a grid of thresholds."""
    faithful: list[tuple[float, float]] = []
    unsupported: list[tuple[float, float]] = []
    for dataset, documents in SETS:
        good, bad = pairs(dataset, documents)
        faithful += good
        unsupported += bad
    f, u = np.array(faithful), np.array(unsupported)
    print(f"{len(f)} faithful, {len(u)} unsupported sentences")
    print("| min similarity | min lexical | faithful kept | unsupported kept |")
    print("|---:|---:|---:|---:|")
    for similarity in (0.3, 0.35, 0.4, 0.45, 0.5):
        for lexical in (0.3, 0.4, 0.5, 0.6):
            kept = ((f[:, 0] >= similarity) & (f[:, 1] >= lexical)).mean()
            leaked = ((u[:, 0] >= similarity) & (u[:, 1] >= lexical)).mean()
            print(f"| {similarity} | {lexical} | {kept:.3f} | {leaked:.3f} |")


if __name__ == "__main__":
    main()
