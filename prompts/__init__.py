"""Prompt and canned-text files in this folder, loaded by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent


def render_prompt(name: str, **values: str) -> str:
    """A prompt file with its `$variables` filled in; a missing variable is an error."""
    return Template(load_prompt(name)).substitute(values)


@cache
def load_prompt(name: str) -> str:
    """The text of `prompts/<name>.txt` without its leading `#` comment lines."""
    lines = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip()
