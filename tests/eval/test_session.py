"""`citeqa eval` end to end: in-process, over HTTP, on a temporary index, and as a CI gate."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from citeqa.eval import session
from citeqa.service.cli import main
from citeqa.service.config import Settings
from tests.conftest import ARTICLE

ROWS = [
    {
        "id": "seven",
        "question": "How many Revolutionary Guard commanders died in the consulate strike?",
        "answerable": True,
        "key_facts": [["seven"]],
        "reference_contexts": [
            "On April 1, an Israeli airstrike on the Iranian consulate in Damascus killed seven "
            "Islamic Revolutionary Guard Corps commanders, including two generals."
        ],
        "category": "fact",
    },
    {
        "id": "patience",
        "question": "What did Iran call its policy of avoiding direct confrontation?",
        "answerable": True,
        "key_facts": [["strategic patience"]],
        "reference_contexts": [
            "Iran had since avoided direct confrontation in favor of what it calls “strategic "
            "patience,” focusing on building its military capabilities in Syria and abstaining "
            "from measures that could result in escalation with Israel."
        ],
        "category": "fact",
    },
    {
        "id": "australia",
        "question": "What is the capital of Australia?",
        "answerable": False,
        "key_facts": [],
        "reference_contexts": [],
        "category": "off-topic",
    },
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n")
    return path


def _quality(summary: dict) -> dict:  # type: ignore[type-arg]
    """Every figure except timings, which differ between runs."""
    return {k: v for k, v in summary["overall"].items() if not k.startswith("latency")}


def test_in_process_and_http_give_the_same_figures(
    dataset: Path, article_settings: Settings, live_server: str, tmp_path: Path
) -> None:
    local = session.run([dataset], settings=article_settings, report_dir=tmp_path / "local")
    remote = session.run(
        [dataset], settings=article_settings, url=live_server, report_dir=tmp_path / "remote"
    )
    assert _quality(local.summary) == _quality(remote.summary)
    assert local.summary["overall"]["questions"] == 3
    assert local.summary["overall"]["refusal_rate"] == 1.0


def test_reports_are_written(dataset: Path, article_settings: Settings, tmp_path: Path) -> None:
    outcome = session.run([dataset], settings=article_settings, report_dir=tmp_path / "r")
    names = sorted(p.name for p in outcome.report_dir.iterdir())
    assert names == [
        "questions.csv",
        "questions.jsonl",
        "report.html",
        "report.md",
        "summary.json",
    ]
    rows = [json.loads(line) for line in (outcome.report_dir / "questions.jsonl").open()]
    assert [r["id"] for r in rows] == ["seven", "patience", "australia"]
    summary = json.loads((outcome.report_dir / "summary.json").read_text())
    assert summary["config"]["datasets"][0]["path"] == str(dataset)
    assert len(summary["config"]["datasets"][0]["sha256"]) == 64
    assert set(summary["categories"]) == {"fact", "off-topic"}
    page = (outcome.report_dir / "report.html").read_text()
    assert "<svg" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "llm_api_key" not in json.dumps(summary)


def test_docs_build_a_temporary_index_and_leave_the_main_one_alone(
    dataset: Path, settings: Settings, tmp_path: Path
) -> None:
    outcome = session.run(
        [dataset], settings=settings, docs=[ARTICLE], report_dir=tmp_path / "docs"
    )
    assert outcome.summary["overall"]["key_fact_accuracy"] == 1.0
    assert not settings.index.data_dir.exists()


def test_cli_gate_fails_naming_each_metric_below_its_threshold(
    dataset: Path, article_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CITEQA_DATA_DIR", str(article_settings.index.data_dir))
    runner = CliRunner()
    args = ["eval", str(dataset), "--report", str(tmp_path / "gate")]
    passing = runner.invoke(main, [*args, "--fail-under", "refusal_rate=0.9"])
    failing = runner.invoke(
        main, [*args, "--json", "--fail-under", "refusal_rate=1.1", "--fail-over", "errors=-1"]
    )
    assert passing.exit_code == 0, passing.output
    assert "| key_fact_accuracy |" in passing.stdout
    assert failing.exit_code == 1
    assert json.loads(failing.stdout)["overall"]["questions"] == 3
    assert "refusal_rate = 1.000, below the threshold 1.1" in failing.stderr
    assert "errors = 0.000, above the limit -1.0" in failing.stderr


def test_cli_rejects_unknown_metrics_listing_the_valid_ones(dataset: Path) -> None:
    result = CliRunner().invoke(main, ["eval", str(dataset), "--fail-under", "accuracy=0.9"])
    assert result.exit_code == 2
    assert "unknown metric 'accuracy'. Valid: hit@1, hit@3" in result.stderr
