"""Every supported file format, by suffix, and `extract`: a file's bytes as text.

One module per format reads it (`pdf.py`, `word.py`, `webpage.py`; plain text and
Markdown here) into an `Extracted` (see `extracted.py`). `citeqa ingest` and uploads both
go through `extract`.
"""

from __future__ import annotations

from collections.abc import Callable

from citeqa.index.errors import InvalidDocument, UnsupportedMediaType
from citeqa.index.extracted import Extracted, decode_text, without_marks
from citeqa.index.pdf import MAX_PDF_PAGES, read_pdf
from citeqa.index.webpage import read_html
from citeqa.index.word import MAX_EXPANDED_BYTES, read_docx


def extract(
    raw: bytes,
    name: str,
    *,
    max_pdf_pages: int = MAX_PDF_PAGES,
    max_expanded_bytes: int = MAX_EXPANDED_BYTES,
) -> Extracted:
    """The text of a file in a supported format, chosen by the suffix of `name`."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    reader = READERS.get(f".{suffix}")
    if reader is None:
        raise UnsupportedMediaType(
            f"{name}: unsupported file type '.{suffix}'. Supported: {', '.join(READERS)}."
        )
    if not raw:
        raise InvalidDocument(f"{name} is empty (0 bytes): there is no text to index.")
    if reader is read_pdf:
        return read_pdf(raw, name, max_pages=max_pdf_pages)
    if reader is read_docx:
        return read_docx(raw, name, max_expanded_bytes=max_expanded_bytes)
    return reader(raw, name)


def read_text(raw: bytes, name: str) -> Extracted:
    """A .txt or .md file: its text as it is."""
    return Extracted(without_marks(decode_text(raw, name)))


READERS: dict[str, Callable[[bytes, str], Extracted]] = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
