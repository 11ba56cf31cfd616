"""Settings: one name and one default per knob, read from the environment, documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from citeqa.service.config import PREFIX, Settings, flat_names
from tests.conftest import REPO


def test_environment_variables_keep_their_names_and_land_in_their_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITEQA_TOP_K", "7")
    monkeypatch.setenv("CITEQA_ANSWER_MAX_WORDS", "40")
    monkeypatch.setenv("CITEQA_LLM", "ollama")
    monkeypatch.setenv("CITEQA_API_KEYS", "one, two")
    monkeypatch.setenv("CITEQA_CORS_ORIGINS", "https://a.example/,https://b.example")
    settings = Settings()
    assert settings.retrieval.top_k == 7
    assert settings.answer.max_words == 40
    assert settings.llm.provider == "ollama"
    assert settings.limits.api_keys == ["one", "two"]
    assert settings.server.cors_origins == ["https://a.example", "https://b.example"]


def test_a_dotenv_file_is_read_and_the_environment_wins_over_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("CITEQA_TOP_K=9\nCITEQA_MIN_SCORE=0.7\n")
    monkeypatch.setenv("CITEQA_TOP_K", "3")
    settings = Settings()
    assert (settings.retrieval.top_k, settings.answer.min_score) == (3, 0.7)


def test_code_gives_settings_by_flat_name_or_by_group_and_arguments_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITEQA_TOP_K", "3")
    assert Settings(top_k=5).retrieval.top_k == 5
    assert Settings(retrieval={"top_k": 6}).retrieval.top_k == 6
    changed = Settings(top_k=5).with_values(min_score=0.1)
    assert (changed.retrieval.top_k, changed.answer.min_score) == (5, 0.1)


def test_an_unknown_or_invalid_setting_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="Unknown setting 'top_kk'"):
        Settings(top_kk=5)
    with pytest.raises(ValidationError, match="top_k"):
        Settings(top_k=0)


def _readme_rows() -> dict[str, str]:
    rows = {}
    for line in (REPO / "README.md").read_text().splitlines():
        match = re.match(r"^\| `(CITEQA_[A-Z0-9_]+)` \| ([^|]*) \|", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    return rows


def _documented(cell: str, default: Any) -> bool:
    if default in ("", []):
        return cell.startswith("(")
    literal = re.match(r"`([^`]*)`", cell)
    if literal is None:
        return False
    text = literal.group(1)
    if isinstance(default, bool):
        return text == str(default).lower()
    if isinstance(default, int | float):
        return float(text) == float(default)
    return text == str(default)


def test_the_readme_lists_every_setting_with_its_real_default() -> None:
    rows = _readme_rows()
    names = {f"{PREFIX}{flat.upper()}": info for flat, (_, _, info) in flat_names().items()}
    assert sorted(set(names) - set(rows)) == [], "settings missing from the README"
    assert sorted(set(rows) - set(names)) == [], "README rows for settings that do not exist"
    wrong = {
        name: rows[name]
        for name, info in names.items()
        if info.default_factory is None and not _documented(rows[name], info.default)
    }
    assert wrong == {}


def test_a_setting_given_in_code_keeps_the_rest_of_its_group_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITEQA_LLM_MODEL", "local-model")
    monkeypatch.setenv("CITEQA_MIN_SCORE", "0.7")
    settings = Settings(llm="ollama", answer={"max_words": 30})
    assert (settings.llm.provider, settings.llm.model) == ("ollama", "local-model")
    assert (settings.answer.max_words, settings.answer.min_score) == (30, 0.7)
    changed = settings.with_values(retrieval={"top_k": 2}, llm="none")
    assert (changed.retrieval.top_k, changed.llm.provider, changed.llm.model) == (
        2,
        "none",
        "local-model",
    )


def test_flat_settings_leave_secrets_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEQA_API_KEYS", "secret-key")
    flat = Settings(llm_api_key="secret").flat()
    assert flat["top_k"] == 4 and flat["data_dir"] == "data"
    assert not {"api_keys", "llm_api_key", "chroma_token"} & set(flat)
