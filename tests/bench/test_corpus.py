"""The benchmark corpus generator writes the size it is asked for, the same way every time."""

from __future__ import annotations

from bench.corpus import documents
from index.chunking import Chunker
from index.documents import clean_document


def test_generated_corpus_has_about_the_asked_number_of_passages() -> None:
    generated = documents(100)
    chunker = Chunker(max_words=120)
    chunks = [
        chunk
        for title, text in generated
        for chunk in chunker.split(
            clean_document(f"{title}\n\n{text}", document_id=title, fallback_title=title)
        )
    ]
    assert 95 <= len(chunks) <= 110
    assert len({chunk.text for chunk in chunks}) == len(chunks)  # no passage repeats


def test_the_same_seed_writes_the_same_corpus_and_another_seed_does_not() -> None:
    assert documents(50, seed=1) == documents(50, seed=1)
    assert documents(50, seed=1) != documents(50, seed=2)
