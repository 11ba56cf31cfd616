"""PDF files (pypdf): the text layer page by page, a page mark where each page begins.

Running headers, footers and page numbers are dropped, lines are joined into paragraphs, and
a word hyphenated across a line or a page break is joined again. A scan without a text
layer, an encrypted or a damaged file, or one with too many pages is refused, naming why.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator

from citeqa.index.errors import InvalidDocument
from citeqa.index.extracted import Extracted, page_mark, without_marks

MAX_PDF_PAGES = 2_000  # the default of CITEQA_MAX_PDF_PAGES
_RUNNING_MIN_PAGES = 2  # a line at the top or bottom of this many pages, and of...
_RUNNING_SHARE = 0.5  # ...this share of them, is a running header or footer
_EDGE_LINES = 2  # lines at each end of a page where running headers and footers stand
_SHORT_LINE = 0.75  # a line this much shorter than the page's longest may end a paragraph
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,5}(?:\s*(?:of|/)\s*\d{1,5})?$", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?:;\"”’)]$")
_HYPHENATED = re.compile(r"[^\W\d_]-$")


def read_pdf(raw: bytes, name: str, *, max_pages: int = MAX_PDF_PAGES) -> Extracted:
    """A PDF's text layer, page by page, as paragraphs with a page mark where each begins."""
    pages = list(_pdf_pages(raw, name, max_pages))
    if not any(lines for lines in pages):
        raise InvalidDocument(
            f"{name} has no text layer: it looks like a scan or holds only images. citeqa does "
            "not read text from images; run OCR on it first (for example with OCRmyPDF)."
        )
    running = _running_lines(pages)
    text = ""
    for number, lines in enumerate(pages, start=1):
        kept = [line for i, line in enumerate(lines) if not _is_running(i, line, lines, running)]
        paragraphs = _paragraphs(kept)
        if not paragraphs:
            continue
        if not text:
            text = page_mark(number) + "\n\n".join(paragraphs)
        elif not _ENDS_SENTENCE.search(text) and paragraphs[0][:1].islower():
            # The sentence carries on over the page break, hyphenated or not.
            glue = "" if _HYPHENATED.search(text) else " "
            text = (text[:-1] if glue == "" else text) + glue + page_mark(number)
            text += "\n\n".join(paragraphs)
        else:
            text += "\n\n" + page_mark(number) + "\n\n".join(paragraphs)
    return Extracted(text, "")


def _pdf_pages(raw: bytes, name: str, max_pages: int) -> Iterator[list[str]]:
    """Each page's lines of text, one page at a time."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("a password is needed")
        count = len(reader.pages)
    except FileNotDecryptedError:
        raise InvalidDocument(
            f"{name} is encrypted with a password. Save a copy without the password and give that."
        ) from None
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as error:
        raise InvalidDocument(
            f"{name} cannot be read as a PDF ({error}). It may be damaged or only named .pdf; "
            "export it again as PDF."
        ) from None
    if count > max_pages:
        raise InvalidDocument(
            f"{name} has {count:,} pages, more than the {max_pages:,} a document may. Split "
            "it, or raise CITEQA_MAX_PDF_PAGES."
        )
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except (PdfReadError, ValueError, KeyError, TypeError) as error:
            raise InvalidDocument(
                f"{name}: a page cannot be read ({error}). Export the PDF again."
            ) from None
        text = without_marks(text)
        yield [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _shape(line: str) -> str:
    """A line with its digits blurred: "Page 3" and "Page 4" are the same running footer."""
    return re.sub(r"\d+", "#", line.lower())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of lines standing at the top or bottom of many pages: running headers and
    footers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {*lines[:_EDGE_LINES], *lines[-_EDGE_LINES:]}
        counts.update({_shape(line) for line in edges})
    enough = max(_RUNNING_MIN_PAGES, _RUNNING_SHARE * len(pages))
    return {shape for shape, n in counts.items() if n >= enough}


def _is_running(i: int, line: str, lines: list[str], running: set[str]) -> bool:
    at_edge = i < _EDGE_LINES or i >= len(lines) - _EDGE_LINES
    return at_edge and (_shape(line) in running or bool(_PAGE_NUMBER.match(line)))


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines joined into paragraphs: a line that ends a sentence well short of the page's
    longest line ends its paragraph; a word hyphenated at a line's end is joined again."""
    if not lines:
        return []
    longest = max(len(line) for line in lines)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not current:
            current = line
        elif _HYPHENATED.search(current) and line[:1].islower():
            current = current[:-1] + line
        else:
            current += " " + line
        if _ENDS_SENTENCE.search(line) and len(line) < _SHORT_LINE * longest:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
