"""A process starts from the corpus snapshot beside the index: the same answers as from the
store, without reading the store's passages; a stale or damaged snapshot is passed over and
written again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from citeqa.index.store import ChunkStore
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.engine.retrieval import Corpus
from citeqa.service.engine.snapshot import RowFile, folder_for

QUESTIONS = [
    "How many commanders were killed in the consulate strike?",
    "What is this article about?",
    "Who wrote it?",
]


@pytest.fixture
def data(article_settings: Settings, tmp_path: Path) -> Path:
    """A copy of the article's index, with the snapshot its first start wrote."""
    copy = tmp_path / "data"
    shutil.copytree(
        article_settings.index.data_dir, copy, ignore=shutil.ignore_patterns("writer.lock")
    )
    return copy


def _snapshots(data: Path) -> Path:
    return folder_for(Settings(data_dir=data).index, Settings().index.collection)


def _read_from_store_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(store: object) -> Corpus:
        raise AssertionError("the corpus was read from the store")

    monkeypatch.setattr(Corpus, "load", classmethod(lambda cls, store: refuse(store)))


def test_a_start_reads_the_snapshot_and_answers_as_from_the_store(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_store = Engine.open(Settings(data_dir=data, answer_cache_size=0))
    assert (_snapshots(data) / "current.json").is_file()
    _read_from_store_refused(monkeypatch)
    from_snapshot = Engine.open(Settings(data_dir=data, answer_cache_size=0))
    corpus = from_snapshot.retriever.corpus
    assert isinstance(corpus.embeddings.chunks, np.memmap)  # one copy for every worker
    assert corpus.chunks == from_store.retriever.corpus.chunks
    assert np.array_equal(corpus.embeddings.chunks, from_store.retriever.corpus.embeddings.chunks)
    # Beyond the in-memory limit, sentence vectors are read from the file as asked.
    large = Engine.open(Settings(data_dir=data, answer_cache_size=0, memory_search_limit=0))
    assert isinstance(large.retriever.corpus.embeddings.sentences, RowFile)
    for chunk in corpus.chunks:
        expected_rows = from_store.retriever.corpus.sentence_matrix(chunk.id)
        assert np.array_equal(large.retriever.corpus.sentence_matrix(chunk.id), expected_rows)
    for question in QUESTIONS:
        expected = from_store.ask(question)
        for engine in (from_snapshot, large):
            found = engine.ask(question)
            assert (found.answer, found.citations) == (expected.answer, expected.citations)


def test_a_write_makes_the_snapshot_stale_and_the_next_start_writes_a_new_one(
    data: Path, tmp_path: Path
) -> None:
    engine = Engine.open(Settings(data_dir=data))
    before = json.loads((_snapshots(data) / "current.json").read_text())["generation"]
    note = tmp_path / "otters.txt"
    note.write_text("Otters\n\nSea otters hold hands while they sleep so they do not drift.\n")
    engine.library.ingest([note])
    restarted = Engine.open(Settings(data_dir=data))
    after = json.loads((_snapshots(data) / "current.json").read_text())["generation"]
    assert after != before and after == restarted.retriever.store.generation()
    assert "Otters" in {d.title for d in restarted.retriever.corpus.documents.values()}
    kept = [p.name for p in _snapshots(data).iterdir() if p.is_dir()]
    assert len(kept) == 1 and kept[0].startswith(f"generation-{after}-")  # the stale one gone


@pytest.mark.parametrize("damage", ["truncate the vectors", "change a byte of the corpus"])
def test_a_damaged_snapshot_is_passed_over_and_written_again(
    data: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    Engine.open(Settings(data_dir=data))
    generation = json.loads((_snapshots(data) / "current.json").read_text())["generation"]
    (place,) = _snapshots(data).glob(f"generation-{generation}-*")
    if damage == "truncate the vectors":
        vectors = place / "sentences.npy"
        vectors.write_bytes(vectors.read_bytes()[:-4096])
    else:
        corpus = place / "corpus.pickle"
        body = bytearray(corpus.read_bytes())
        body[len(body) // 2] ^= 0xFF
        corpus.write_bytes(bytes(body))
    with caplog.at_level("WARNING", logger="citeqa"):
        engine = Engine.open(Settings(data_dir=data, answer_cache_size=0))
    assert any("is damaged" in record.getMessage() for record in caplog.records)
    assert engine.ask(QUESTIONS[0]).answered
    # Written again: the next start trusts it.
    caplog.clear()
    with caplog.at_level("WARNING", logger="citeqa"):
        Engine.open(Settings(data_dir=data))
    assert not any("is damaged" in record.getMessage() for record in caplog.records)


def test_what_a_crash_left_half_written_is_cleared_and_what_another_is_writing_is_kept(
    data: Path, tmp_path: Path
) -> None:
    Engine.open(Settings(data_dir=data))
    folder = _snapshots(data)
    abandoned, writing = folder / ".building-dead", folder / ".building-alive"
    for left in (abandoned, writing):
        left.mkdir()
        (left / "corpus.pickle").write_bytes(b"half")
    hours_ago = time.time() - 2 * 3600
    os.utime(abandoned, (hours_ago, hours_ago))
    engine = Engine.open(Settings(data_dir=data))
    note = tmp_path / "herons.txt"
    note.write_text("Herons\n\nHerons stand still in the shallows for hours.\n")
    engine.library.ingest([note])  # a new generation: its snapshot is written, old ones go
    assert not abandoned.exists() and writing.exists()


def test_a_snapshot_that_cannot_be_unpickled_is_read_from_the_store_instead(
    data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    Engine.open(Settings(data_dir=data))
    pointer_path = _snapshots(data) / "current.json"
    pointer = json.loads(pointer_path.read_text())
    (place,) = _snapshots(data).glob(f"generation-{pointer['generation']}-*")
    corpus = place / "corpus.pickle"
    corpus.write_bytes(b"not a pickle")  # and its checksum made to match
    pointer["files"]["corpus.pickle"] = {
        "size": corpus.stat().st_size,
        "sha256": hashlib.sha256(corpus.read_bytes()).hexdigest(),
    }
    pointer_path.write_text(json.dumps(pointer))
    with caplog.at_level("WARNING", logger="citeqa"):
        engine = Engine.open(Settings(data_dir=data, answer_cache_size=0))
    assert any("cannot be read" in record.getMessage() for record in caplog.records)
    assert engine.ask(QUESTIONS[0]).answered


def test_a_write_that_stopped_before_marking_a_new_generation_is_not_hidden(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Engine.open(Settings(data_dir=data))
    # The document is written, and the process stops before the generation moves on.
    monkeypatch.setattr(ChunkStore, "_bump_generation", lambda store: None)
    note = tmp_path / "otters.txt"
    note.write_text("Otters\n\nSea otters hold hands while they sleep so they do not drift.\n")
    Engine.open(Settings(data_dir=data)).library.ingest([note])
    monkeypatch.undo()
    restarted = Engine.open(Settings(data_dir=data, answer_cache_size=0))
    assert "Otters" in {d.title for d in restarted.retriever.corpus.documents.values()}
    assert "hold hands" in restarted.ask("What do sea otters do while they sleep?").answer
