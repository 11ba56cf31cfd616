"""Writes under pressure: a large upload past the request timeout, questions while it is
written, and a document of one enormous line."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

import citeqa.index.sentences as sentences_module
from citeqa.index.sentences import MAX_PIECE, split_sentences
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.conftest import ARTICLE
from tests.processes import running_citeqa
from tests.reliability.artifacts import record

KEY = "writes-key"


def _logbook(paragraphs: int) -> str:
    return "Harbour logbook\n\n" + "\n\n".join(
        f"On day {n} the pilot boat crossed the bar {n % 7} times. The crane on quay {n} "
        f"lifted {n * 3} crates before noon. Fog closed berth {n % 11} in the evening."
        for n in range(paragraphs)
    )


def test_an_upload_past_the_request_timeout_is_written_and_says_so_while_questions_answer(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    Engine.open(Settings(data_dir=data)).library.ingest([ARTICLE])
    with running_citeqa(data, api_keys=KEY, request_timeout_s="1", answer_cache_size="0") as url:
        upload: dict[str, httpx.Response] = {}

        def add() -> None:
            upload["response"] = httpx.post(
                f"{url}/v1/documents",
                json={"text": _logbook(160)},
                headers={"authorization": f"Bearer {KEY}"},
                timeout=300,
            )

        writer = threading.Thread(target=add)
        writer.start()
        answered_meanwhile = 0
        with httpx.Client(base_url=url, timeout=60) as client:
            while writer.is_alive():
                response = client.post("/v1/ask", json={"question": "Who wrote the article?"})
                assert response.status_code == 200, response.text
                answered_meanwhile += writer.is_alive()
        writer.join()
        listed = httpx.get(f"{url}/v1/documents").json()["documents"]
    assert upload["response"].status_code == 201, upload["response"].text
    assert any(d["id"] == upload["response"].json()["id"] for d in listed)
    # The model embeds a few passages a turn, so questions are answered between turns.
    assert answered_meanwhile >= 5
    record(
        "upload-past-timeout", {"status": 201, "questions answered meanwhile": answered_meanwhile}
    )


def test_a_line_of_megabytes_is_split_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    tokenizer = sentences_module._tokenizer()

    class Recording:
        def span_tokenize(self, text: str) -> object:
            seen.append(len(text))
            return tokenizer.span_tokenize(text)

    monkeypatch.setattr(sentences_module, "_tokenizer", lambda: Recording())
    sentence = "The pilot boat crossed the bar at dawn and waited for the tide. "
    line = sentence * (5_000_000 // len(sentence))
    spans = split_sentences(line)
    assert max(seen) <= MAX_PIECE
    assert len(spans) == line.count(". ")
    assert line[spans[-1].start : spans[-1].end] == sentence.strip()


def test_a_five_megabyte_upload_of_one_paragraph_is_indexed(tmp_path: Path) -> None:
    engine = Engine.open(Settings(data_dir=tmp_path / "data"))
    text = ("The crane lifted crates before noon and the fog closed the berth " * 80_000)[
        :5_000_000
    ]
    stored, created = engine.library.add(text, title="One long paragraph")
    assert created and stored.chunk_count > 0
