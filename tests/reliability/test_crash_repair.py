"""An ingestion stopped dead (as by `kill -9`: no cleanup runs) at each point of a write
leaves nothing visible half-written, and the next ingestion repairs it: every document is
whole and answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import citeqa.index.store as store_module
from citeqa.index.store import ChunkStore, open_client
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.conftest import ARTICLE
from tests.reliability.artifacts import record

QUESTION = "How many beacons does the lighthouse keeper light?"


class Killed(BaseException):
    """Stops the process's work where it stands; `except Exception` cleanup does not run."""


def _harbour_document(folder: Path) -> Path:
    # 130 paragraphs of six sentences: more than one batch of sentence records.
    paragraphs = [
        f"Entry {n}. The harbour log for day {n} lists the ships at anchor. "
        f"The pilot boat went out {n % 5} times. Gulls nested on the breakwater. "
        "The tide tables were checked at dawn. Nothing else was noted."
        for n in range(130)
    ]
    paragraphs.insert(40, "The lighthouse keeper lights nine beacons along the point.")
    path = folder / "harbour-log.txt"
    path.write_text("Harbour log\n\nBy Port Office\n\n" + "\n\n".join(paragraphs))
    return path


def _stop_at(point: str) -> Callable[..., Any]:
    """A replacement for the store's writer that stops dead at `point`."""
    calls = {"chunks": 0, "sentences": 0}
    original = store_module._write

    def write(collection: Any, ids: list[str], *args: Any) -> None:
        kind = "sentences" if collection.name.endswith("-sentences") else "chunks"
        if point == "before sentences" and kind == "sentences":
            raise Killed
        if point == "sentences half written" and kind == "sentences" and len(ids) > 500:
            original(collection, ids[:500], *(a[:500] for a in args))
            raise Killed
        calls[kind] += 1
        original(collection, ids, *args)

    return write


@pytest.mark.parametrize(
    "point", ["before sentences", "sentences half written", "before the document record"]
)
def test_an_ingestion_stopped_dead_is_repaired_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    Engine.open(settings).library.ingest([ARTICLE])
    harbour = _harbour_document(tmp_path)
    with monkeypatch.context() as patch:
        if point == "before the document record":

            def stop(*_: Any) -> Any:
                raise Killed

            patch.setattr(store_module, "_document_metadata", stop)
        else:
            patch.setattr(store_module, "_write", _stop_at(point))
        with pytest.raises(Killed):
            Engine.open(settings).library.ingest([harbour])

    # What the stop left: the half-written document is not visible, questions answer.
    store = ChunkStore(open_client(data))
    visible_after_stop = sorted(d.title for d in store.documents())
    assert visible_after_stop == ["Why Iran and Israel Stepped Back From the Brink"]
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200

    report = Engine.open(settings).library.ingest([harbour])
    assert [r.outcome.value for r in report.results] == ["added"]
    store = ChunkStore(open_client(data))
    assert all(store.is_whole(document) for document in store.documents())
    with TestClient(create_app(settings)) as client:
        body = client.post("/v1/ask", json={"question": QUESTION}).json()
        article = client.post("/v1/ask", json={"question": "Who wrote the article?"}).json()
    assert "nine" in body["answer"] and body["citations"][0]["document_id"] == "harbour-log"
    assert article["citations"][0]["quote"] == "By Vali Nasr"
    record(
        f"ingestion-stopped-{point.replace(' ', '-')}",
        {"visible after the stop": len(visible_after_stop), "whole after re-ingesting": True},
    )


def test_a_document_left_without_sentences_is_written_again_though_unchanged(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    harbour = _harbour_document(tmp_path)
    Engine.open(settings).library.ingest([harbour])
    client = open_client(data)
    sentences = client.get_collection("citeqa-sentences")
    sentences.delete(where={"document_id": "harbour-log"})  # what the old bug left behind
    with TestClient(create_app(settings)) as app:
        assert app.post("/v1/ask", json={"question": QUESTION}).status_code == 200

    report = Engine.open(settings).library.ingest([harbour])
    assert [r.outcome.value for r in report.results] == ["replaced"]
    assert ChunkStore(open_client(data)).is_whole(ChunkStore(open_client(data)).documents()[0])
