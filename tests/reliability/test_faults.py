"""Faults: the store going away under load, a broken data directory, an ingestion killed
halfway, and concurrent ingestions of one document. Each: a clear JSON error or designed
degradation, then recovery by itself; no 500, no hang past the request timeout."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from citeqa.index.store import ChunkStore, open_client
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.conftest import ARTICLE
from tests.load import run_load
from tests.processes import ChromaProcess, running_citeqa
from tests.reliability.artifacts import record

KEY = "fault-key"
CITEQA = str(Path(sys.executable).with_name("citeqa"))


def test_chroma_killed_during_load_then_started_again(tmp_path: Path) -> None:
    chroma = ChromaProcess(tmp_path / "chroma")
    chroma.start()
    collection = f"f{uuid.uuid4().hex[:10]}"
    settings = Settings(chroma_url=chroma.url, collection=collection)
    Engine.open(settings).library.ingest([ARTICLE])
    env = {
        "chroma_url": chroma.url,
        "collection": collection,
        "request_timeout_s": "5",
        "answer_cache_size": "0",
    }
    try:
        with running_citeqa(tmp_path / "unused", **env) as url:

            def outage() -> None:
                time.sleep(2)
                chroma.stop()
                time.sleep(3)
                chroma.start()

            thread = threading.Thread(target=outage)
            thread.start()
            result = asyncio.run(run_load(url, 600, 8, timeout_s=15))
            thread.join()
            deadline = time.monotonic() + 20
            while httpx.get(f"{url}/readyz").status_code != 200:
                assert time.monotonic() < deadline, "did not recover"
                time.sleep(0.5)
            after = httpx.post(f"{url}/v1/ask", json={"question": "Who wrote this article?"})
    finally:
        chroma.stop()
    assert result.timeouts == 0
    assert set(result.statuses) <= {200, 503}, result.statuses
    assert result.statuses.get(503, 0) > 0, "the outage was not seen"
    assert "Vali Nasr" in after.json()["answer"]
    record("chroma-outage", {**result.summary(), "statuses": result.statuses})


def test_missing_data_directory_is_an_empty_index_with_the_fix(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path / "nowhere"))) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "Run: citeqa ingest" in ready.json()["message"]


def test_corrupted_data_directory_is_not_ready_and_says_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Engine.open(Settings(data_dir=data)).library.ingest([ARTICLE])
    database = data / "chroma" / "chroma.sqlite3"
    database.write_bytes(b"this is not a database" * 1000)
    with TestClient(create_app(Settings(data_dir=data))) as client:
        ready = client.get("/readyz")
        asked = client.post("/v1/ask", json={"question": "Who wrote this article?"})
    assert ready.status_code == asked.status_code == 503
    assert ready.json()["code"] == "store_unavailable"
    assert str(data) in ready.json()["message"] and "remove it" in ready.json()["message"]


def test_unreadable_data_directory_is_not_ready(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Engine.open(Settings(data_dir=data)).library.ingest([ARTICLE])
    with sqlite3.connect(data / "chroma" / "chroma.sqlite3") as db:
        db.execute("DROP TABLE embeddings")
    with TestClient(create_app(Settings(data_dir=data))) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["code"] in {"store_unavailable", "index_not_ready"}


def test_ingestion_killed_halfway_leaves_the_previous_content_serving(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "CITEQA_DATA_DIR": str(data)}
    subprocess.run(
        [CITEQA, "ingest", str(ARTICLE)], env=env, check=True, capture_output=True, timeout=120
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(40):
        paragraphs = [
            f"Report {n}, part {p}. The station logged {n * 7 + p} storms in sector {p}. "
            f"Crews repaired mast {p} of tower {n} before the night shift ended." * 6
            for p in range(12)
        ]
        (corpus / f"report-{n:02d}.txt").write_text(f"Report {n}\n\n" + "\n\n".join(paragraphs))
    database = data / "chroma" / "chroma.sqlite3"
    written = database.stat().st_mtime
    process = subprocess.Popen(
        [CITEQA, "ingest", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while database.stat().st_mtime == written:
        assert time.monotonic() < deadline and process.poll() is None, "ingestion never wrote"
        time.sleep(0.05)
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()

    store = ChunkStore(open_client(data))
    titles = {d.title for d in store.documents()}
    orphans_after_kill = store.orphan_count()
    assert "Why Iran and Israel Stepped Back From the Brink" in titles
    assert len(titles) < 41, "the kill came too late to test anything"
    with TestClient(create_app(Settings(data_dir=data))) as client:
        body = client.post("/v1/ask", json={"question": "Who wrote this article?"}).json()
    assert "Vali Nasr" in body["answer"]

    rerun = subprocess.run(
        [CITEQA, "ingest", str(corpus)], env=env, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    store = ChunkStore(open_client(data))
    listed = [cid for d in store.documents() for cid in d.chunk_ids]
    assert len(store.documents()) == 41
    assert store.orphan_count() == 0
    assert store.count_chunks() == len(listed) == len(set(listed))
    record(
        "ingestion-killed",
        {
            "documents before the kill": 1,
            "documents visible after the kill": len(titles),
            "orphan chunks after the kill": orphans_after_kill,
            "orphan chunks after re-running": 0,
            "chunks": len(listed),
            "duplicates": 0,
        },
    )


def test_eight_concurrent_ingestions_of_one_document_while_questions_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Engine.open(Settings(data_dir=data)).library.ingest([ARTICLE])
    document = {"title": "Tide tables", "text": "High tide at the north pier comes at six. " * 30}
    with running_citeqa(data, api_keys=KEY) as url, httpx.Client(base_url=url, timeout=60) as http:
        statuses: list[int] = []
        questions: list[int] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                questions.append(
                    http.post("/v1/ask", json={"question": "When is high tide?"}).status_code
                )

        def add() -> None:
            statuses.append(
                http.post(
                    "/v1/documents", json=document, headers={"authorization": f"Bearer {KEY}"}
                ).status_code
            )

        asker = threading.Thread(target=ask)
        asker.start()
        adders = [threading.Thread(target=add) for _ in range(8)]
        for thread in adders:
            thread.start()
        for thread in adders:
            thread.join()
        stop.set()
        asker.join()
        documents = http.get("/v1/documents").json()["documents"]
    tides = [d for d in documents if d["title"] == "Tide tables"]
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(tides) == 1
    assert set(questions) == {200}
    store = ChunkStore(open_client(data))
    assert store.orphan_count() == 0
    assert store.count_chunks() == sum(d.chunk_count for d in store.documents())
    record(
        "concurrent-ingestion",
        {
            "ingestions": 8,
            "created": statuses.count(201),
            "already present": statuses.count(200),
            "copies": len(tides),
            "questions meanwhile": len(questions),
        },
    )
