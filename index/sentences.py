"""Sentence boundaries with character offsets, from NLTK's Punkt model that llama-index ships."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from citeqa.index.terms import STOP_WORDS

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktTokenizer

_LINE = re.compile(r"[^\n]+")
_WORDS = re.compile(r"\b[^\W\d_]+\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
# A sentence with fewer words than this ("3.", "5.2.", an address) states nothing, nor does
# a heading of at most this many words ("Accepting Warranty or Additional Liability.").
_MIN_SENTENCE_WORDS = 3
_HEADING_MAX_WORDS = 8


@dataclass(frozen=True)
class Span:
    """A sentence as `text[start:end]` of the text it was split from."""

    start: int
    end: int


@cache
def _tokenizer() -> PunktTokenizer:
    # NLTK is slow to import; load it on first use. The Punkt data ships with llama-index.
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    spec = importlib.util.find_spec("llama_index.core")
    assert spec and spec.submodule_search_locations, "llama-index-core is not installed"
    punkt_dir = str(Path(spec.submodule_search_locations[0]) / "_static" / "nltk_cache")
    if punkt_dir not in nltk.data.path:
        nltk.data.path.append(punkt_dir)
    return PunktTokenizer("english")


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Sentences of `text`, each line split on its own, as spans shifted by `offset`."""
    spans = []
    for line in _LINE.finditer(text):
        for start, piece in _pieces(line.group()):
            at = offset + line.start() + start
            for begin, end in _tokenizer().span_tokenize(piece):
                spans.append(Span(at + begin, at + _before_first_mark(piece, begin, end)))
    return spans


# "…the following conditions are met: 1." is Punkt's sentence when a list runs on in one
# line; the "1." opens the first item. Only a first mark ("1.", "a)", "(i)"), and only when
# the second follows: "Deaths in the first week: 12." keeps its number.
_FIRST_MARK_AFTER_COLON = re.compile(r":\s+(\(?)(1|a|i)([.)])$")
_SECOND_MARK = {"1": "2", "a": "b", "i": "ii"}


def _before_first_mark(piece: str, begin: int, end: int) -> int:
    """Where the sentence `piece[begin:end]` ends: before a list's first mark after its
    colon, when the list's second mark follows in `piece`; else at `end`."""
    mark = _FIRST_MARK_AFTER_COLON.search(piece, begin, end)
    if mark is None:
        return end
    opening, first, closing = mark.groups()
    second = rf"\s{re.escape(opening)}{_SECOND_MARK[first]}{re.escape(closing)}(?:\s|$)"
    return mark.start() + 1 if re.search(second, piece[end:]) else end


# NLTK gives each regular-expression match a few seconds and raises past that: a line of
# megabytes (a file with no line breaks) is split in pieces of at most this many characters,
# each ending where a sentence seems to end, else at a space.
MAX_PIECE = 50_000
_PIECE_END = re.compile(r"[.!?][\"”’')\]]*\s+")


def _pieces(line: str) -> list[tuple[int, str]]:
    """`line` as (offset, piece) pieces of at most MAX_PIECE characters."""
    pieces, start = [], 0
    while len(line) - start > MAX_PIECE:
        window = line[start : start + MAX_PIECE]
        ends = [m.end() for m in _PIECE_END.finditer(window)]
        cut = ends[-1] if ends else window.rfind(" ") + 1 or MAX_PIECE
        pieces.append((start, line[start : start + cut]))
        start += cut
    pieces.append((start, line[start:]))
    return pieces


def states_something(sentence: str) -> bool:
    """Whether a sentence states something: it has at least three words (a web address
    counts for none), and it is not a heading ("Accepting Warranty or Additional
    Liability.": a few words, every content word capitalised, no number)."""
    found = _WORDS.findall(_URL.sub("", sentence))
    if len(found) < _MIN_SENTENCE_WORDS:
        return False
    content = [w for w in found if w.lower() not in STOP_WORDS]
    heading = (
        bool(content)
        and len(found) <= _HEADING_MAX_WORDS
        and not re.search(r"\d", sentence)
        and all(w[0].isupper() for w in content)
    )
    return not heading
