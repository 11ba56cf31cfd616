"""The store reads any number of records: large corpora load whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from citeqa.index.chunking import Chunk, Sentence
from citeqa.index.documents import Document
from citeqa.index.store import ChunkStore, open_client

CHUNKS = 2000
SENTENCES_PER_CHUNK = 17  # 34,000 sentences: more than SQLite's 32,766 variables


def test_a_corpus_of_34_000_sentences_loads_in_full(tmp_path: Path) -> None:
    # Embedded Chroma turns each record it reads into an SQL variable; SQLite refuses a
    # statement with too many, which once stopped a 10,000-passage corpus from loading.
    store = ChunkStore(open_client(tmp_path / "data"))
    document = Document("big", "Big", "", ())
    chunks = [Chunk(f"c{n}", "big", "Big", n, 0, 1, f"Passage {n}.") for n in range(CHUNKS)]
    sentences = [
        Sentence(f"c{n}:{i}", f"c{n}", i, 0, 1, f"Sentence {i}.", f"Sentence {i}.")
        for n in range(CHUNKS)
        for i in range(SENTENCES_PER_CHUNK)
    ]
    ids = [chunk.id for chunk in chunks]
    vectors = np.random.default_rng(0).random((len(sentences), 8), dtype=np.float32)
    store.write_document(document, chunks, vectors[:CHUNKS], sentences, vectors, ids)

    assert len(store.chunks(ids)) == CHUNKS
    assert len(store.sentences(ids)) == len(sentences)
    assert store.sentence_vectors([s.id for s in sentences]).shape == (len(sentences), 8)
    assert store.is_whole(store.documents()[0])


def test_records_carry_only_citeqas_own_metadata_keys(tmp_path: Path) -> None:
    client = open_client(tmp_path / "data")
    store = ChunkStore(client, "keys")
    document = Document("doc", "Doc", "", ())
    chunk = Chunk("c0", "doc", "Doc", 0, 0, 12, "One. Two too.")
    sentences = [Sentence("c0:0", "c0", 0, 0, 4, "One.", "One.")]
    vectors = np.ones((1, 4), dtype=np.float32)
    store.write_document(document, [chunk], vectors, sentences, vectors, ["c0"])

    chunk_meta = client.get_collection("keys").get(ids=["c0"], include=["metadatas"])
    sentence_meta = client.get_collection("keys-sentences").get(include=["metadatas"])
    assert set((chunk_meta["metadatas"] or [{}])[0]) == {
        "document_id",
        "document_title",
        "paragraph_index",
        "start",
        "end",
    }
    assert set((sentence_meta["metadatas"] or [{}])[0]) == {
        "chunk_id",
        "document_id",
        "index",
        "start",
        "end",
        "window",
    }
    assert store.chunks(["c0"]) == [chunk]
    assert store.delete_document("doc") and store.chunks(["c0"]) == []
