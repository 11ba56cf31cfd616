"""The `citeqa` command, run as a user runs it: a separate process per command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, SEEDS

CITEQA = str(Path(sys.executable).with_name("citeqa"))


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITEQA_DATA_DIR": str(data_dir), "CITEQA_SEEDS_DIR": str(SEEDS)}
    return subprocess.run(
        [CITEQA, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_ask_on_an_empty_index_prints_one_line_with_the_fix(tmp_path: Path) -> None:
    result = _run(tmp_path / "data", "ask", "Who wrote this article?")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: The index in {tmp_path / 'data'} is empty. Run: citeqa ingest {SEEDS}"
    ]


def test_ingest_then_ask_in_new_processes_answers_from_the_saved_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _run(data, "ingest")
    again = _run(data, "ingest", str(ARTICLE))
    asked = _run(data, "ask", "--json", "How many commanders were killed in the consulate strike?")
    assert first.returncode == again.returncode == asked.returncode == 0, first.stderr
    assert "1 added" in first.stderr
    assert "0 added, 0 replaced, 1 unchanged" in again.stderr
    body = json.loads(asked.stdout)
    assert body["answered"] is True and "seven" in body["answer"]
    assert body["citations"][0]["marker"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "no/such/place"], "Error: no/such/place: no such file or folder."),
        (["ask", "   "], "Error: The question is empty."),
        (["ask", "x", "--top-k", "99"], "Error: Invalid value for '--top-k'"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = _run(tmp_path / "data", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_loads_neither_chroma_nor_llama_index_to_show_help() -> None:
    # `citeqa --help` answers in about 0.3 s because nothing heavy is imported for it.
    probe = (
        "import sys, citeqa.service.cli; "
        "print(sorted(m for m in ('chromadb', 'llama_index', 'torch', 'onnxruntime') "
        "if any(n == m or n.startswith(m + '.') for n in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_folder_is_indexed_whatever_its_formats_and_failures_are_named(tmp_path: Path) -> None:
    from tests import documents

    folder = tmp_path / "docs"
    (folder / "reports").mkdir(parents=True)
    tolls = "The toll for a laden barge was raised to nine shillings in the spring."
    (folder / "reports" / "tolls.pdf").write_bytes(documents.pdf([["Harbour report."], [tolls]]))
    (folder / "rules.docx").write_bytes(
        documents.word([("Heading 1", "Hours"), ("", "The harbour office opens at seven.")])
    )
    (folder / "news.html").write_text(
        "<html><head><title>Harbour news</title></head><body><nav>Home | Shop</nav><article>"
        "<p>The new crane on the east quay lifts forty tons at once.</p></article></body></html>"
    )
    (folder / "scan.pdf").write_bytes(documents.image_only_pdf())
    (folder / "empty.md").write_bytes(b"")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "draft.txt").write_text("Not to be indexed.")
    data = tmp_path / "data"
    result = _run(data, "ingest", str(folder))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    failed = [line for line in lines if line.strip().startswith("failed")]
    assert len(failed) == 2 and "scan.pdf has no text layer" in " ".join(failed)
    assert "3 documents: 3 added" in result.stderr and "2 failed" in result.stderr
    asked = _run(data, "ask", "--json", "How much was the toll for a laden barge raised to?")
    citation = json.loads(asked.stdout)["citations"][0]
    assert "nine shillings" in citation["quote"] and citation["page"] == 2
    crane = json.loads(_run(data, "ask", "--json", "How much can the new crane lift?").stdout)
    assert "forty tons" in crane["answer"]


def test_ingest_and_ask_in_a_collection_keep_it_apart(tmp_path: Path) -> None:
    notes = tmp_path / "otters.md"
    notes.write_text("# Otters\n\nOtters hold hands while they sleep on the river.\n")
    data = tmp_path / "data"
    assert _run(data, "ingest", "--collection", "rivers", str(notes)).returncode == 0
    asked = _run(data, "ask", "--json", "--collection", "rivers", "What do otters do asleep?")
    assert "hold hands" in json.loads(asked.stdout)["answer"]
    default = _run(data, "ask", "What do otters do asleep?")
    assert default.returncode == 1 and "is empty" in default.stderr
    bad = _run(data, "ask", "--collection", "Bad Name", "What do otters do?")
    assert bad.returncode == 1 and "not a collection name" in bad.stderr


@pytest.mark.parametrize(
    ("backend", "fix"),
    [("torch", "Set CITEQA_EMBED_DEVICE=cpu"), ("onnx", "Set CITEQA_EMBED_BACKEND=torch")],
)
def test_a_gpu_asked_for_on_a_machine_without_one_stops_with_the_fix(
    tmp_path: Path, backend: str, fix: str
) -> None:
    # This machine has no GPU: the CUDA path is taken for real and finds none.
    env = {**os.environ, "CITEQA_EMBED_DEVICE": "cuda", "CITEQA_EMBED_BACKEND": backend}
    result = subprocess.run(
        [CITEQA, "ingest", str(ARTICLE)],
        capture_output=True,
        text=True,
        env={**env, "CITEQA_DATA_DIR": str(tmp_path / "data")},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "CITEQA_EMBED_DEVICE=cuda" in result.stderr and fix in result.stderr
