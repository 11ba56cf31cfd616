"""Uploaded documents turned into text: .txt, .md and .html, checked for what they hold."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from citeqa.index.errors import UnsupportedMediaType

SUPPORTED = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
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


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 text of an upload; binary data and other encodings are refused, naming why."""
    if b"\x00" in raw[:8192] or _control_share(raw[:8192]) > 0.05:
        raise UnsupportedMediaType(
            f"{name} looks like a binary file. Upload UTF-8 text (.txt, .md or .html)."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsupportedMediaType(
            f"{name} is not valid UTF-8 (byte {error.start}). Save it as UTF-8 and upload again."
        ) from None


def _control_share(raw: bytes) -> float:
    if not raw:
        return 0.0
    control = sum(1 for b in raw if b < 32 and b not in (9, 10, 12, 13))
    return control / len(raw)


def html_to_text(markup: str) -> tuple[str, str]:
    """The readable text of an HTML page, paragraphs kept, and its <title>."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = re.sub(r"\n\s*\n\s*", "\n\n", text).strip()
    return text, parser.title.strip()


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
