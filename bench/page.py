"""Sections of `docs/benchmarks.md` that a benchmark run on its own rewrites in place.

Each section sits between `<!-- name: bench/file.py -->` and `<!-- /name -->`.
"""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The lines that open and close the section `name`."""
    return f"<!-- {name}: bench/{name}.py -->", f"<!-- /{name} -->"


def write_section(name: str, text: str, output: Path) -> None:
    """Put the section into the benchmarks page, replacing its earlier version."""
    begin, end = markers(name)
    page = output.read_text(encoding="utf-8") if output.exists() else "# Benchmarks\n"
    if begin in page and end in page:
        head, rest = page.split(begin, 1)
        page = head + text.rstrip("\n") + rest.split(end, 1)[1]
    else:
        page = page.rstrip("\n") + "\n\n" + text
    output.write_text(page, encoding="utf-8")
