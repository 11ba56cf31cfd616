"""Shared fixtures: the real model (loaded once), real Chroma under tmp paths, the real app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.embedding import Embedder
from service.app import create_app
from service.config import Settings
from service.pipeline import Pipeline, load_embedder

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
ARTICLE = SEEDS / "why-iran-and-israel-stepped-back-from-the-brink.txt"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's CITEQA_* variables or writes to ./data."""
    for name in list(__import__("os").environ):
        if name.startswith("CITEQA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITEQA_SEEDS_DIR", str(SEEDS))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real embedding model, loaded once for the whole run."""
    return load_embedder(Settings().embed_model)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with an empty index of the test's own."""
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS)


@pytest.fixture(scope="session")
def article_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings of an index holding the article, built once and only read by tests."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("article") / "data", seeds_dir=SEEDS)
    Pipeline.open(settings).ingest([SEEDS])
    return settings


@pytest.fixture(scope="session")
def pipeline(article_settings: Settings) -> Pipeline:
    """The question-answering pipeline over the article."""
    return Pipeline.open(article_settings)


@pytest.fixture
def client(article_settings: Settings) -> Iterator[TestClient]:
    """The app over the article's index, with its lifespan running."""
    with TestClient(create_app(article_settings)) as client:
        yield client


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_citeqa(data_dir: Path, *args: str, **env: str) -> Iterator[str]:
    """`citeqa serve` over `data_dir` in its own process on loopback; yields its URL.

    Extra command-line arguments come as `args` (`"--workers", "2"`), extra `CITEQA_*`
    settings as keyword arguments (`cors_origins="..."`). The process is stopped by its id
    when the block ends.
    """
    import os
    import subprocess
    import sys
    import tempfile
    import time

    import httpx

    port = free_port()
    settings = {f"CITEQA_{k.upper()}": v for k, v in env.items()}
    environment = {**os.environ, "CITEQA_DATA_DIR": str(data_dir), **settings}
    citeqa = str(Path(sys.executable).with_name("citeqa"))
    url = f"http://127.0.0.1:{port}"
    # The server logs a line a request: into a file, since a pipe nobody reads fills and
    # blocks it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [citeqa, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=environment,
            stdout=log,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"citeqa serve exited: {log.read()[-2000:]!r}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            else:
                raise RuntimeError("citeqa serve did not become ready within 90 s")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def live_server(article_settings: Settings) -> Iterator[str]:
    """`citeqa serve` over the article's index, in its own process; its URL."""
    with running_citeqa(article_settings.data_dir) as url:
        yield url


class ChromaProcess:
    """A real Chroma server (`chroma run`) on loopback, which tests may stop and restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Any = None

    def start(self) -> None:
        import subprocess
        import sys
        import time

        import httpx

        chroma = str(Path(sys.executable).with_name("chroma"))
        self.process = subprocess.Popen(
            [
                chroma,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not answer within 60 s")

    def stop(self) -> None:
        import subprocess

        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaProcess]:
    """A Chroma server for the whole run, stopped by its process id at the end."""
    server = ChromaProcess(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
