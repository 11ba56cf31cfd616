"""Small libraries of documents written for a test, with an engine over them."""

from __future__ import annotations

from pathlib import Path

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine


def library_of(folder: Path, texts: dict[str, tuple[str, str]]) -> Engine:
    """An engine over Markdown documents written to `folder`, given as {id: (title, body)}."""
    for document_id, (title, body) in texts.items():
        (folder / f"{document_id}.md").write_text(f"---\ntitle: {title}\n---\n\n{body}\n")
    engine = Engine.open(Settings(data_dir=folder / "data"))
    engine.library.ingest([folder])
    return engine
