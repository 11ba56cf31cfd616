"""Shared fixtures: the real model (loaded once), real Chroma under tmp paths, the real app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.index.embedding import Embedder, load_embedder
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.processes import ChromaProcess, running_citeqa

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
    settings = Settings().index
    return load_embedder(settings.embed_model, cache_dir=settings.model_cache_dir)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with an empty index of the test's own."""
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS)


@pytest.fixture(scope="session")
def article_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings of an index holding the article, built once and only read by tests."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("article") / "data", seeds_dir=SEEDS)
    Engine.open(settings).library.ingest([SEEDS])
    return settings


@pytest.fixture(scope="session")
def engine(article_settings: Settings) -> Engine:
    """The question-answering engine over the article."""
    return Engine.open(article_settings)


@pytest.fixture
def client(article_settings: Settings) -> Iterator[TestClient]:
    """The app over the article's index, with its lifespan running."""
    with TestClient(create_app(article_settings)) as client:
        yield client


@pytest.fixture
def article_copy(article_settings: Settings, tmp_path: Path) -> Path:
    """A copy of the article's index, for a `citeqa serve` of the test's own (two servers
    cannot hold one embedded index)."""
    copy = tmp_path / "article-copy"
    shutil.copytree(
        article_settings.index.data_dir, copy, ignore=shutil.ignore_patterns("writer.lock")
    )
    return copy


@pytest.fixture(scope="session")
def live_server(article_settings: Settings) -> Iterator[str]:
    """`citeqa serve` over the article's index, in its own process; its URL."""
    with running_citeqa(article_settings.index.data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaProcess]:
    """A Chroma server for the whole run, stopped by its process id at the end."""
    server = ChromaProcess(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
