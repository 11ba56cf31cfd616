import shutil
from pathlib import Path

import pytest

from citeqa.index.chunking import Chunker
from citeqa.index.documents import Document
from citeqa.index.embedding import Embedder
from citeqa.index.ingest import Ingestor, IngestReport, Outcome
from citeqa.index.store import ChunkStore, open_client
from tests.conftest import ARTICLE


def _ingestor(data_dir: Path, embedder: Embedder) -> Ingestor:
    return Ingestor(ChunkStore(open_client(data_dir)), embedder, Chunker(120))


def test_reingesting_the_same_file_adds_no_chunks(tmp_path: Path, embedder: Embedder) -> None:
    ingestor = _ingestor(tmp_path / "data", embedder)
    first = ingestor.ingest_files([ARTICLE])
    count = ingestor.store.count_chunks()
    second = ingestor.ingest_files([ARTICLE])
    assert [r.outcome for r in first.results] == [Outcome.ADDED]
    assert [r.outcome for r in second.results] == [Outcome.UNCHANGED]
    assert ingestor.store.count_chunks() == count == first.results[0].chunk_count


def test_changed_file_replaces_its_chunks_leaving_none_stale(
    tmp_path: Path, embedder: Embedder
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Otters hold hands while sleeping.\n\nBeavers build dams from branches.\n")
    ingestor = _ingestor(tmp_path / "data", embedder)
    ingestor.ingest_files([path])
    path.write_text("Otters hold hands while sleeping.\n\nHerons stand still for hours.\n")
    report = ingestor.ingest_files([path])
    texts = sorted(chunk.text for chunk in ingestor.store.chunks())
    assert report.results[0].outcome is Outcome.REPLACED
    assert texts == [
        "Herons stand still for hours.",
        "Otters hold hands while sleeping.",
        "notes",
    ]


def test_index_survives_a_restart(tmp_path: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    _ingestor(data, embedder).ingest_files([ARTICLE])
    moved = tmp_path / "moved"
    shutil.copytree(data, moved)
    store = ChunkStore(open_client(moved))
    assert [d.title for d in store.documents()] == [
        "Why Iran and Israel Stepped Back From the Brink"
    ]
    assert store.count_chunks() == len(store.documents()[0].chunk_ids) > 20


def test_deleting_a_document_removes_all_its_chunks(tmp_path: Path, embedder: Embedder) -> None:
    ingestor = _ingestor(tmp_path / "data", embedder)
    result = ingestor.ingest_files([ARTICLE]).results[0]
    assert ingestor.store.delete_document(result.document_id)
    assert ingestor.store.count_chunks() == 0
    assert ingestor.store.documents() == []


def test_a_folder_is_reported_in_file_order_with_where_the_time_went(
    tmp_path: Path, embedder: Embedder
) -> None:
    # Documents are written beside the reading and embedding of the next: the report and
    # the progress callback still come in the order the files were read, a file named
    # twice is found unchanged the second time (not written twice), and a file that fails
    # sits in its place.
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Otters hold hands while sleeping.\n\nThey float on kelp.\n")
    (folder / "b.pdf").write_bytes(b"not a pdf")
    (folder / "c.txt").write_text("Herons stand still for hours.\n\nThey fish at dawn.\n")
    ingestor = _ingestor(tmp_path / "data", embedder)
    called: list[str] = []
    report = ingestor.ingest_files(
        [folder, folder / "c.txt"], on_file=lambda path, _: called.append(path.name)
    )
    assert called == ["a.txt", "b.pdf", "c.txt", "c.txt"]
    assert [r.title for r in report.results] == ["a", "c", "c"]
    assert [r.outcome for r in report.results] == [Outcome.ADDED, Outcome.ADDED, Outcome.UNCHANGED]
    assert [f.path.name for f in report.failures] == ["b.pdf"]
    assert len(ingestor.store.documents()) == 2
    assert set(report.seconds) == {"read", "split", "embed", "summarise", "write"}
    assert report.seconds["embed"] > 0 and report.seconds["write"] > 0


def test_a_failure_embedding_one_file_still_reports_the_file_written_before_it(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Otters hold hands while sleeping.\n\nThey float on kelp.\n")
    (folder / "b.txt").write_text("Herons stand still for hours.\n\nThey fish at dawn.\n")
    ingestor = _ingestor(tmp_path / "data", embedder)
    prepare = ingestor._prepare

    def fail_on_b(document: Document, report: IngestReport) -> object:
        if document.title == "b":
            raise RuntimeError("the model failed")
        return prepare(document, report)

    monkeypatch.setattr(ingestor, "_prepare", fail_on_b)
    called: list[str] = []
    with pytest.raises(RuntimeError, match="the model failed"):
        ingestor.ingest_files([folder], on_file=lambda path, _: called.append(path.name))
    assert called == ["a.txt"]  # written, and said so, before the failure stopped the run
    assert [d.title for d in ingestor.store.documents()] == ["a"]
