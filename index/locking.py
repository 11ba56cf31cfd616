"""One writer at a time for an embedded index: a lock file in the data directory.

Embedded Chroma is not safe to write from two processes. `citeqa serve` (which writes
through the document API) and `citeqa ingest` both take this lock; a Chroma server needs none.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from citeqa.index.errors import IndexBusy


@contextmanager
def writer_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's writer lock for the duration of the block."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "writer.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(
                f"The index in {data_dir} is in use by another citeqa process (a running "
                "`citeqa serve`, or an ingestion). Embedded Chroma allows one writer: add "
                "documents with POST /v1/documents, stop the other process, or use a Chroma "
                "server (CITEQA_CHROMA_URL)."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
