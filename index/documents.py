"""Load a file (any format `formats.py` reads) and clean it into a `Document`.

Cleaning is written for documents in general: a short header block (title, byline,
publication) becomes metadata, site boilerplate and repeated lines (pull quotes) are dropped,
and the body keeps its paragraphs. The cleaned text starts with a byline paragraph built from
the metadata, so that questions about authorship can be answered and cited like any other.
Headings and a PDF's page marks become the document's `Layout`: where each section and each
page begins in the cleaned text.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from citeqa.index.errors import InvalidDocument, UnsupportedMediaType
from citeqa.index.extracted import HEADING_MARK, PAGE
from citeqa.index.extracted import page_number as _page_number
from citeqa.index.formats import READERS, extract
from citeqa.index.pdf import MAX_PDF_PAGES
from citeqa.index.sentences import split_sentences
from citeqa.index.vocabulary import LIST_ITEM, NUMBER

SUPPORTED_SUFFIXES = tuple(READERS)
_MARKS = re.compile(rf"{PAGE.pattern}|{HEADING_MARK}")

_HEADER_MAX_WORDS = 12
_HEADER_MAX_BLOCKS = 5
_BOILERPLATE_MAX_WORDS = 25
# Words of a site's chrome wherever it stands ("Sign up for our newsletter"), and words a
# site's footer shares with the text of a licence or a law ("copyright", "comment"): those
# mark chrome only in the last few blocks, where a footer stands, and never in a clause
# that grants or binds ("You may add notices of copyright").
_BOILERPLATE = re.compile(
    r"\b(subscribe|subscription|sign (in|up)|log ?in|newsletter|cookies?|share this|"
    r"advertisement|follow us|read more|related articles|privacy policy)\b",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"\b(comment(s|ing)?|all rights reserved|copyright|terms of (use|service))\b|©",
    re.IGNORECASE,
)
_FOOTER_BLOCKS = 3
_BINDS = re.compile(r"\b(may|must|shall|will)\b", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(?P<author>.+)$", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.DOTALL)
_WORD = re.compile(r"\w+")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_PULL_QUOTE_MIN_WORDS = 6
_PULL_QUOTE_OVERLAP = 0.75


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a cleaned document, as `text[start:end]`."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Layout:
    """Where each page and each section begins in a cleaned text, as (offset, page number)
    and (offset, heading) pairs in order; empty for a text without pages or headings."""

    pages: tuple[tuple[int, int], ...] = ()
    sections: tuple[tuple[int, str], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page the character at `offset` stands on; None for a text without pages."""
        if not self.pages:
            return None
        i = bisect.bisect_right([start for start, _ in self.pages], offset) - 1
        return self.pages[max(i, 0)][1]

    def section_at(self, offset: int) -> str | None:
        """The heading of the section `offset` stands in; None before the first heading."""
        i = bisect.bisect_right([start for start, _ in self.sections], offset) - 1
        return self.sections[i][1] if i >= 0 else None

    def to_json(self) -> str:
        """The layout as JSON, for the store."""
        return json.dumps({"pages": self.pages, "sections": self.sections}) if self else ""

    @classmethod
    def from_json(cls, text: str) -> Layout:
        """A layout stored by `to_json`; an empty one for empty text."""
        if not text:
            return cls()
        found = json.loads(text)
        return cls(
            tuple((int(o), int(p)) for o, p in found.get("pages", [])),
            tuple((int(o), str(h)) for o, h in found.get("sections", [])),
        )

    def __bool__(self) -> bool:
        return bool(self.pages or self.sections)


@dataclass(frozen=True)
class Document:
    """A cleaned document: metadata, the cleaned text, and where its paragraphs lie."""

    id: str
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    author: str = ""
    publication: str = ""
    source: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    layout: Layout = field(default_factory=Layout)

    @property
    def body_hash(self) -> str:
        """Hash of the text without its byline: the same content under another name or
        title hashes the same."""
        body = self.text[self.paragraphs[1].start :] if len(self.paragraphs) > 1 else self.text
        return hashlib.sha256(body.encode()).hexdigest()

    @property
    def content_hash(self) -> str:
        """Hash of what the index stores of this document; equal hashes need no re-ingest."""
        key = "\n".join([self.title, self.author, self.publication, self.text])
        if self.layout:  # a text without pages or headings hashes as it always did
            key += "\n" + self.layout.to_json()
        return hashlib.sha256(key.encode()).hexdigest()


def document_id_for(path: Path) -> str:
    """A stable id for a file: its name without suffix, lowercased and hyphenated."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or hashlib.sha256(path.name.encode()).hexdigest()[:16]


def load_document(path: Path, *, max_pdf_pages: int = MAX_PDF_PAGES) -> Document:
    """Read a file in any supported format and clean it."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InvalidDocument(
            f"{path}: unsupported file type '{path.suffix}'. "
            f"Supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        extracted = extract(path.read_bytes(), str(path), max_pdf_pages=max_pdf_pages)
    except UnsupportedMediaType as error:
        raise InvalidDocument(error.message) from None
    return clean_document(
        extracted.text,
        document_id=document_id_for(path),
        source=str(path),
        fallback_title=path.stem,
        title=extracted.title,
    )


def clean_document(
    text: str,
    *,
    document_id: str,
    source: str = "",
    fallback_title: str = "",
    title: str = "",
    author: str = "",
    publication: str = "",
) -> Document:
    """Clean raw text into a `Document`; explicit metadata wins over what the header says."""
    if "\x00" in text:
        raise InvalidDocument(f"{source or document_id}: looks like a binary file, not text.")
    text, front = _split_front_matter(_normalise_whitespace(text))
    blocks = _blocks(text)
    header, body = _split_header(blocks, title)
    header = {key: _unmarked(value) for key, value in header.items()}
    body = _drop_boilerplate(body)
    body = _drop_repeated(body)
    if not any(_unmarked(block) for block in body):
        raise InvalidDocument(f"{source or document_id}: no text left to index after cleaning.")
    title = title or front.get("title") or header.get("title") or fallback_title or document_id
    author = author or front.get("author") or header.get("author", "")
    publication = publication or front.get("publication") or header.get("publication", "")
    # A header line that metadata given otherwise overrides ("Version 2.0, January 2004"
    # under a front-matter title) is text of the document still: it is kept, not lost.
    overridden = [
        value
        for key, value in header.items()
        if value and value != {"title": title, "author": author, "publication": publication}[key]
    ]
    body = overridden + body
    byline = "\n".join(
        line for line in (title, f"By {author}" if author else "", publication) if line
    )
    first_page = PAGE.search(text)  # the byline stands on the page the text begins on
    if first_page:
        byline = first_page.group() + byline
    return _assemble(document_id, title, author, publication, source, [byline, *body])


def normalise_spaces(text: str) -> str:
    """Unusual spaces as plain spaces, and characters of no width removed: text that looks
    the same reads the same, in documents and in questions alike."""
    text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _normalise_whitespace(text: str) -> str:
    return "\n".join(line.strip() for line in normalise_spaces(text).split("\n"))


def _split_front_matter(text: str) -> tuple[str, dict[str, str]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    fields = {}
    for line in match.group("body").split("\n"):
        key, _, value = line.partition(":")
        if value.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return text[match.end() :], fields


def _blocks(text: str) -> list[str]:
    """Paragraphs: runs of non-blank lines joined by spaces, Markdown heading marks removed
    (a one-line heading paragraph is marked as one instead). A page mark with no text of
    its own goes to the paragraph after it."""
    blocks = []
    pending = ""
    for chunk in re.split(r"\n\s*\n", text):
        lines = [_leading_pages(line) for line in chunk.strip().split("\n")]
        heading = len(lines) == 1 and re.match(r"#{1,6} ", lines[0][1])
        block = " ".join(pages + rest.lstrip("#").strip() for pages, rest in lines)
        block = re.sub(r" {2,}", " ", block).strip()
        if heading:
            block = HEADING_MARK + block
        if block and not _unmarked(block):
            pending += "".join(m.group() for m in PAGE.finditer(block))
        elif block:
            blocks.append(pending + block)
            pending = ""
    return blocks


def _leading_pages(line: str) -> tuple[str, str]:
    """The page marks a line begins with, and the rest of it."""
    pages = re.match(rf"(?:{PAGE.pattern})*", line)
    end = pages.end() if pages else 0
    return line[:end], line[end:]


def _unmarked(text: str) -> str:
    """Text without page and heading marks."""
    return _MARKS.sub("", text).strip()


def _is_header_line(block: str) -> bool:
    return len(block.split()) <= _HEADER_MAX_WORDS and not block.endswith((".", "?", "!", "”"))


def _split_header(blocks: list[str], title: str = "") -> tuple[dict[str, str], list[str]]:
    """Leading short lines without sentence punctuation are the title, byline and
    publication; a first heading other than the `title` a file declares begins the body."""
    header: dict[str, str] = {}
    if title and blocks and HEADING_MARK in blocks[0] and _unmarked(blocks[0]) != title.strip():
        return header, blocks
    position = 0
    while position < min(len(blocks) - 1, _HEADER_MAX_BLOCKS) and _is_header_line(blocks[position]):
        block = blocks[position]
        if position and HEADING_MARK in block:
            break  # a heading after the first line begins the body
        byline = _BYLINE.match(block)
        if byline and "author" not in header:
            header["author"] = byline.group("author").strip()
        elif "title" not in header:
            header["title"] = block
        elif "publication" not in header:
            header["publication"] = block.title() if block.islower() else block
        position += 1
    return header, blocks[position:]


def _drop_boilerplate(blocks: list[str]) -> list[str]:
    footer = len(blocks) - _FOOTER_BLOCKS
    return [
        block
        for position, block in enumerate(blocks)
        if not (
            len(block.split()) <= _BOILERPLATE_MAX_WORDS
            and (_BOILERPLATE.search(block) or (position >= footer and _is_footer(block)))
        )
    ]


def _is_footer(block: str) -> bool:
    return bool(_FOOTER.search(block)) and not _BINDS.search(block)


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text)}


def _drop_repeated(blocks: list[str]) -> list[str]:
    """Drop exact repeats, and one-sentence blocks that restate a sentence found elsewhere."""
    kept: list[str] = []
    seen: set[str] = set()
    spans = [split_sentences(block) for block in blocks]
    sentences = [
        _Sentence(position, _words(block[span.start : span.end]), len(spans[position]) > 1)
        for position, block in enumerate(blocks)
        for span in spans[position]
    ]
    for position, block in enumerate(blocks):
        key = " ".join(_WORD.findall(block.lower()))
        if key in seen:
            continue
        seen.add(key)
        if (
            len(spans[position]) == 1
            and not LIST_ITEM.match(block)  # "(b) any new file…" after "(a) any file…": parallel
            and _restates_another(position, block, sentences)
        ):
            continue
        kept.append(block)
    return kept


@dataclass(frozen=True)
class _Sentence:
    block: int
    words: set[str]
    in_longer_block: bool


def _numbers(words: set[str]) -> set[str]:
    return {word for word in words if NUMBER.fullmatch(word)}


def _restates_another(position: int, block: str, sentences: list[_Sentence]) -> bool:
    """True when most words of this one-sentence block, or of a sentence that stays, are
    shared, and the block gives no number that sentence lacks: a pull quote never changes a
    number, while parallel clauses of a law or a list ("the Age of twenty five Years" and
    "the Age of thirty Years") share most of their words and state different facts."""
    words = _words(block)
    numbers = _numbers(words)
    for sentence in sentences:
        stays = sentence.in_longer_block or sentence.block < position
        if sentence.block == position or not stays or len(sentence.words) < _PULL_QUOTE_MIN_WORDS:
            continue
        if numbers - sentence.words:
            continue
        shared = len(sentence.words & words)
        if max(shared / len(sentence.words), shared / len(words)) >= _PULL_QUOTE_OVERLAP:
            return True
    return False


def _assemble(
    document_id: str, title: str, author: str, publication: str, source: str, blocks: list[str]
) -> Document:
    paragraphs = []
    kept: list[str] = []
    pages: list[tuple[int, int]] = []
    sections: list[tuple[int, str]] = []
    offset = 0
    for marked in blocks:
        block, breaks, last = "", [], 0
        for mark in _MARKS.finditer(marked):
            block += marked[last : mark.start()]
            last = mark.end()
            if mark.group(1):
                breaks.append((len(block), _page_number(mark.group(1))))
        block += marked[last:]
        lead = len(block) - len(block.lstrip())
        block = block.strip()
        if not block:
            continue
        pages += [(offset + max(at - lead, 0), number) for at, number in breaks]
        if HEADING_MARK in marked:
            sections.append((offset, block))
        paragraphs.append(Paragraph(len(kept), offset, offset + len(block)))
        kept.append(block)
        offset += len(block) + 2
    return Document(
        id=document_id,
        title=title,
        text="\n\n".join(kept),
        paragraphs=tuple(paragraphs),
        author=author,
        publication=publication,
        source=source,
        layout=Layout(tuple(pages), tuple(sections)),
    )
