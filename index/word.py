"""Word files (python-docx): paragraphs and table rows in order; "Heading n" and "Title"
styles become headings. A file that is no zip, or unpacks to too much, is refused first."""

from __future__ import annotations

import io
import re
import zipfile

from citeqa.index.errors import InvalidDocument
from citeqa.index.extracted import Extracted, without_marks

MAX_EXPANDED_BYTES = 200_000_000  # a .docx (a zip) unpacked, when no limit is given


def read_docx(raw: bytes, name: str, *, max_expanded_bytes: int = MAX_EXPANDED_BYTES) -> Extracted:
    """A Word file's paragraphs and table rows in order; "Heading n" styles as headings."""
    _check_zip(raw, name, max_expanded_bytes)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as error:  # python-docx raises several kinds for a broken package
        raise InvalidDocument(
            f"{name} cannot be read as a Word .docx file ({type(error).__name__}). Open it "
            "in a word processor and save it again as .docx."
        ) from None
    blocks = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    blocks.append(" | ".join(cells))
            continue
        text = " ".join(item.text.split())
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level = _heading_level(style)
        blocks.append(f"{'#' * level} {text}" if level else text)
    title = (document.core_properties.title or "").strip()
    if not blocks:
        raise InvalidDocument(f"{name}: the Word file holds no text.")
    return Extracted(without_marks("\n\n".join(blocks)), title)


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else 0


def _check_zip(raw: bytes, name: str, limit: int = MAX_EXPANDED_BYTES) -> None:
    """A .docx is a zip: refuse one that is no zip, or that unpacks to more than `limit`."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise InvalidDocument(
            f"{name} is not a Word .docx file (not a zip package). Save it as .docx; older "
            ".doc files are not read."
        ) from None
    if expanded > limit:
        raise InvalidDocument(
            f"{name} unpacks to {expanded:,} bytes, more than the {limit:,} a document may: "
            "it looks like a zip bomb. Give the document's text instead."
        )
