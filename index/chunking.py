"""Split a cleaned document into passages that follow paragraphs and never cut a sentence."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from citeqa.index.documents import Document, Paragraph
from citeqa.index.sentences import Span, split_sentences


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document: `document.text[start:end] == text`."""

    id: str
    document_id: str
    document_title: str
    paragraph_index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a chunk; `start`/`end` are offsets in the document text.

    `window` is the text that is embedded for it: the sentence after the one before it in
    the same chunk, so that "It", "This" or "They" carry what they refer to.
    """

    id: str
    chunk_id: str
    index: int
    start: int
    end: int
    text: str
    window: str


def sentences_of(chunk: Chunk) -> list[Sentence]:
    """The sentences of a chunk, in order, with their embedding windows."""
    spans = split_sentences(chunk.text)
    texts = [chunk.text[s.start : s.end] for s in spans]
    return [
        Sentence(
            id=f"{chunk.id}:{i}",
            chunk_id=chunk.id,
            index=i,
            start=chunk.start + span.start,
            end=chunk.start + span.end,
            text=texts[i],
            window=f"{texts[i - 1]} {texts[i]}" if i else texts[i],
        )
        for i, span in enumerate(spans)
    ]


def chunk_id_for(document_id: str, text: str) -> str:
    """Stable id of a passage: the same document and text always give the same id."""
    return hashlib.sha256(f"{document_id}\x1f{text}".encode()).hexdigest()[:32]


# A sentence more than this many times `max_words` long is not one: it is cut in word runs.
_RUN_ON_FACTOR = 3


class Chunker:
    """Makes one chunk per paragraph, or several sentence-aligned chunks of a long paragraph."""

    def __init__(self, max_words: int = 120) -> None:
        if max_words < 1:
            raise ValueError(f"max_words must be at least 1, got {max_words}")
        self.max_words = max_words

    def split(self, document: Document) -> list[Chunk]:
        """Chunks of `document`, in reading order, without repeats."""
        chunks: dict[str, Chunk] = {}
        for paragraph in document.paragraphs:
            for start, end in self._pieces(document.text, paragraph):
                text = document.text[start:end]
                chunk = Chunk(
                    id=chunk_id_for(document.id, text),
                    document_id=document.id,
                    document_title=document.title,
                    paragraph_index=paragraph.index,
                    start=start,
                    end=end,
                    text=text,
                )
                chunks.setdefault(chunk.id, chunk)
        return list(chunks.values())

    def _pieces(self, text: str, paragraph: Paragraph) -> list[tuple[int, int]]:
        """Balanced runs of whole sentences, each near `max_words` words at most."""
        body = text[paragraph.start : paragraph.end]
        sentences = [
            piece
            for sentence in split_sentences(body, paragraph.start)
            for piece in self._runs_of_words(text, sentence)
        ]
        if len(body.split()) <= self.max_words or len(sentences) < 2:
            return [(paragraph.start, paragraph.end)]
        target = len(body.split()) / math.ceil(len(body.split()) / self.max_words)
        pieces: list[list[Span]] = [[]]
        words = 0
        for sentence in sentences:
            length = len(text[sentence.start : sentence.end].split())
            if pieces[-1] and words + length / 2 > target:
                pieces.append([])
                words = 0
            pieces[-1].append(sentence)
            words += length
        return [(piece[0].start, piece[-1].end) for piece in pieces]

    def _runs_of_words(self, text: str, sentence: Span) -> list[Span]:
        """A "sentence" far longer than a chunk (a line without punctuation) in word runs."""
        words = list(re.finditer(r"\S+", text[sentence.start : sentence.end]))
        if len(words) <= _RUN_ON_FACTOR * self.max_words:
            return [sentence]
        runs = []
        for first in range(0, len(words), self.max_words):
            last = words[min(first + self.max_words, len(words)) - 1]
            runs.append(Span(sentence.start + words[first].start(), sentence.start + last.end()))
        return runs
