"""Load a text or Markdown file and clean it into a `Document`.

Cleaning is written for documents in general: a short header block (title, byline,
publication) becomes metadata, site boilerplate and repeated lines (pull quotes) are dropped,
and the body keeps its paragraphs. The cleaned text starts with a byline paragraph built from
the metadata, so that questions about authorship can be answered and cited like any other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from citeqa.index.errors import InvalidDocument
from citeqa.index.sentences import split_sentences
from citeqa.index.vocabulary import NUMBER

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown")

_HEADER_MAX_WORDS = 12
_HEADER_MAX_BLOCKS = 5
_BOILERPLATE_MAX_WORDS = 25
_BOILERPLATE = re.compile(
    r"\b(comment(s|ing)?|subscribe|subscription|sign (in|up)|log ?in|newsletter|"
    r"all rights reserved|copyright|cookies?|share this|advertisement|follow us|"
    r"read more|related articles|privacy policy|terms of (use|service))\b|©",
    re.IGNORECASE,
)
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
        return hashlib.sha256(key.encode()).hexdigest()


def document_id_for(path: Path) -> str:
    """A stable id for a file: its name without suffix, lowercased and hyphenated."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or hashlib.sha256(path.name.encode()).hexdigest()[:16]


def load_document(path: Path) -> Document:
    """Read a .txt or .md file and clean it."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InvalidDocument(
            f"{path}: unsupported file type '{path.suffix}'. "
            f"Supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidDocument(
            f"{path}: not valid UTF-8 (byte {error.start}). Save the file as UTF-8 text."
        ) from None
    return clean_document(
        text, document_id=document_id_for(path), source=str(path), fallback_title=path.stem
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
    header, body = _split_header(blocks)
    body = _drop_boilerplate(body)
    body = _drop_repeated(body)
    if not body:
        raise InvalidDocument(f"{source or document_id}: no text left to index after cleaning.")
    title = title or front.get("title") or header.get("title") or fallback_title or document_id
    author = author or front.get("author") or header.get("author", "")
    publication = publication or front.get("publication") or header.get("publication", "")
    byline = "\n".join(
        line for line in (title, f"By {author}" if author else "", publication) if line
    )
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
    """Paragraphs: runs of non-blank lines joined by spaces, Markdown heading marks removed."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        block = " ".join(line.lstrip("#").strip() for line in chunk.split("\n"))
        block = re.sub(r" {2,}", " ", block).strip()
        if block:
            blocks.append(block)
    return blocks


def _is_header_line(block: str) -> bool:
    return len(block.split()) <= _HEADER_MAX_WORDS and not block.endswith((".", "?", "!", "”"))


def _split_header(blocks: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading short lines without sentence punctuation are the title, byline and publication."""
    header: dict[str, str] = {}
    position = 0
    while position < min(len(blocks) - 1, _HEADER_MAX_BLOCKS) and _is_header_line(blocks[position]):
        block = blocks[position]
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
    return [
        block
        for block in blocks
        if not (len(block.split()) <= _BOILERPLATE_MAX_WORDS and _BOILERPLATE.search(block))
    ]


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
        if len(spans[position]) == 1 and _restates_another(position, block, sentences):
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
    offset = 0
    for index, block in enumerate(blocks):
        paragraphs.append(Paragraph(index, offset, offset + len(block)))
        offset += len(block) + 2
    return Document(
        id=document_id,
        title=title,
        text="\n\n".join(blocks),
        paragraphs=tuple(paragraphs),
        author=author,
        publication=publication,
        source=source,
    )
