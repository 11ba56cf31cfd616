"""Figures the reliability tests record for docs/reliability.md (`make reliability`)."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"


def record(name: str, figures: dict[str, Any]) -> None:
    """Keep a test family's figures in test-artifacts/reliability-<name>.json."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"reliability-{name}.json").write_text(json.dumps(figures, indent=1))
