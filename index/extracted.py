"""What a file reader gives: a document's text with its page and heading marks.

Every reader in `index/` (one module per format, listed in `formats.py`) returns an
`Extracted`: paragraphs separated by blank lines, headings as Markdown headings ("## Ships"),
and for a PDF a page mark where each page begins. Cleaning (`documents.clean_document`)
turns the marks into the document's `Layout`, so that a citation knows its page and section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.index.errors import UnsupportedMediaType

# Where a page begins: this mark, then the page number in the digits below. Characters of
# Unicode's private use area: no document text holds them, and they are no word characters,
# so cleaning (which works on words) reads past them.
PAGE_MARK = "\ue000"
_DIGITS = "".join(chr(0xE010 + d) for d in range(10))
PAGE = re.compile(rf"{PAGE_MARK}([{_DIGITS}]+)")
# A heading paragraph begins with this mark.
HEADING_MARK = "\ue001"
_ANY_MARK = re.compile(f"[{PAGE_MARK}{HEADING_MARK}{_DIGITS}]")
_CONTROL_SHARE = 0.05  # more control characters than this: a binary file, not text


@dataclass(frozen=True)
class Extracted:
    """A file's text: paragraphs, `#` headings and page marks; and the title it declares."""

    text: str
    title: str = ""


def page_mark(number: int) -> str:
    """The mark that says page `number` begins here."""
    return PAGE_MARK + "".join(_DIGITS[int(d)] for d in str(number))


def page_number(digits: str) -> int:
    """The page number a page mark's digits spell."""
    return int("".join(str(ord(c) - 0xE010) for c in digits))


def without_marks(text: str) -> str:
    """Text with any character citeqa uses as a page or heading mark removed: a document's
    own text cannot claim pages."""
    return _ANY_MARK.sub("", text)


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 text; binary data and other encodings are refused, naming why."""
    head = raw[:8192]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or (head and control / len(head) > _CONTROL_SHARE):
        raise UnsupportedMediaType(
            f"{name} looks like a binary file, not text. Give a text, Markdown, HTML, PDF or "
            "Word file, named with its own suffix."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsupportedMediaType(
            f"{name} is not valid UTF-8 (byte {error.start}). Save it as UTF-8 and try again."
        ) from None
