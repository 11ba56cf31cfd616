"""Files as text: each supported format read into paragraphs, headings and page marks.

Every reader returns an `Extracted`: paragraphs separated by blank lines, headings as
Markdown headings ("## Ships"), and for a PDF a page mark where each page begins. Cleaning
(`documents.clean_document`) turns the marks into the document's layout, so that a
citation knows its page and its section.

- **.txt, .md:** UTF-8 text as it is.
- **.html:** the page's main content (trafilatura): navigation, ads and scripts are dropped.
- **.pdf:** text page by page (pypdf), running headers, footers and page numbers dropped,
  lines joined into paragraphs, words hyphenated across a line or page break repaired.
- **.docx:** paragraphs and tables in order (python-docx); heading styles become headings.

A file that cannot be read as its suffix says (an encrypted or broken PDF, a scan without a
text layer, a zip bomb named .docx, a binary file named .txt) raises `InvalidDocument` or
`UnsupportedMediaType`, naming the problem and the fix.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

from citeqa.index.errors import InvalidDocument, UnsupportedMediaType

# Where a page begins: this mark, then the page number in the digits below. Characters of
# Unicode's private use area: no document text holds them, and they are no word characters,
# so cleaning (which works on words) reads past them.
PAGE_MARK = "\ue000"
_DIGITS = "".join(chr(0xE010 + d) for d in range(10))
PAGE = re.compile(rf"{PAGE_MARK}([{_DIGITS}]+)")
# A heading paragraph begins with this mark.
HEADING_MARK = "\ue001"
_ANY_MARK = re.compile(f"[{PAGE_MARK}{HEADING_MARK}{_DIGITS}]")

# Limits on what one file may expand to; measured defaults are in service/config.py.
MAX_PDF_PAGES = 2_000
MAX_EXPANDED_BYTES = 200_000_000  # a .docx (a zip) unpacked

_CONTROL_SHARE = 0.05  # more control characters than this: a binary file, not text
_RUNNING_MIN_PAGES = 2  # a line at the top or bottom of this many pages, and of...
_RUNNING_SHARE = 0.5  # ...this share of them, is a running header or footer
_EDGE_LINES = 2  # lines at each end of a page where running headers and footers stand
_SHORT_LINE = 0.75  # a line this much shorter than the page's longest may end a paragraph
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,5}(?:\s*(?:of|/)\s*\d{1,5})?$", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?:;\"”’)]$")
_HYPHENATED = re.compile(r"[^\W\d_]-$")


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


def read_text(raw: bytes, name: str) -> Extracted:
    """A .txt or .md file: its text as it is."""
    return Extracted(without_marks(decode_text(raw, name)))


def read_html(raw: bytes, name: str) -> Extracted:
    """A web page's main content (trafilatura), headings kept, and its title."""
    import trafilatura  # imported here: lxml is slow to load, and most files are not HTML

    markup = without_marks(decode_text(raw, name))
    found = trafilatura.extract(markup, output_format="xml", include_tables=True)
    main = ElementTree.fromstring(found).find("main") if found else None
    blocks = list(_html_blocks(main)) if main is not None else []
    if not blocks:
        # lxml gives up on pathological markup (thousands of nested tags): read its text
        # with the standard library's streaming parser instead, scripts and styles left out.
        blocks = [b for b in _streamed_text(markup).split("\n\n") if b.strip()]
    if not blocks:
        raise InvalidDocument(
            f"{name}: no readable text in this page (only scripts, navigation or markup). "
            "Save the page with its article text, or give the text itself."
        )
    metadata = trafilatura.extract_metadata(markup)
    title = ((metadata.title or "") if metadata is not None else "").strip()
    if title and blocks[0].lstrip("# ") == title:
        blocks = blocks[1:] or blocks  # a first heading that repeats the title is the title
    return Extracted("\n\n".join(blocks), title)


def _html_blocks(main: ElementTree.Element) -> Iterator[str]:
    """Paragraphs of trafilatura's XML: headings as Markdown headings, a list's items and a
    table's rows each a paragraph."""
    for element in main:
        if element.tag == "head":
            level = re.match(r"h([1-6])", element.get("rend") or "")
            yield f"{'#' * (int(level.group(1)) if level else 2)} {_inner_text(element)}"
        elif element.tag == "list":
            yield from (_inner_text(item) for item in element.iter("item") if _inner_text(item))
        elif element.tag == "table":
            for row in element.iter("row"):
                cells = [_inner_text(cell) for cell in row.iter("cell")]
                if any(cells):
                    yield " | ".join(cell for cell in cells if cell)
        elif _inner_text(element):
            yield _inner_text(element)


def _inner_text(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext()).split())


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


READERS: dict[str, Callable[[bytes, str], Extracted]] = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}


_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "tr",
    "table",
    "hr",
    "main",
}
_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}


def _streamed_text(markup: str) -> str:
    """The text of an HTML page outside scripts and styles, a blank line between blocks."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = re.sub(r"\n\s*\n\s*", "\n\n", text).strip()
    return text


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skipping:
            self._skipping -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skipping:
            self.parts.append(data)
