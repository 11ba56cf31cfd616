"""Web pages (trafilatura): the main content, headings kept; navigation, ads, scripts and
footers dropped. Markup lxml gives up on is read with the standard library's streaming
parser instead."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from xml.etree import ElementTree

from citeqa.index.errors import InvalidDocument
from citeqa.index.extracted import Extracted, decode_text, without_marks


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
    """Text outside scripts, styles and the head (the title stands there), a blank line at
    each block's edges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
