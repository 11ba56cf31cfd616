"""Hybrid retrieval: candidates from three searches, reranked by sentence-level evidence.

Candidates are the passages found by dense search over passages, dense search over sentence
windows and BM25 over passage words. Dense search is exact, over the vectors held in memory
(memory-mapped from the snapshot, `snapshot.py`), and a question costs no Chroma query. Beyond
`memory_search_limit` passages, sentence windows (four times the vectors) are not searched:
passages and BM25 find the candidates, and their sentences are scored as always. Each
candidate is then scored as

    passage_weight · cos(question, passage)
  + sentence_weight · max over its sentences of cos(question, sentence window)
  + lexical_weight  · max over its sentences of the IDF-weighted share of question terms

and every sentence keeps its own similarity and lexical score for the answerer.
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, cast

import bm25s
import numpy as np
import numpy.typing as npt

from citeqa.index.chunking import Chunk, Sentence
from citeqa.index.embedding import Embedder, Vectors
from citeqa.index.sentences import split_sentences, states_something
from citeqa.index.store import ChunkStore, StoredDocument
from citeqa.index.terms import (
    MAX_ENDING,
    MIN_STEM,
    STOP_WORDS,
    question_terms,
    terms,
    title_words,
    titles_named,
    words,
)
from citeqa.service.config import RetrievalSettings

log = logging.getLogger("citeqa")


@dataclass(frozen=True)
class Query:
    """A question prepared once for every stage: its text, vector and search terms."""

    text: str
    vector: Vectors
    terms: tuple[str, ...]
    weights: dict[str, float]
    seen: str = ""  # what the conversation already told the user
    topic: str = ""  # what a "tell me about X" question asks about (searched as `vector`)
    documents: frozenset[str] = frozenset()  # the documents it names: searched alone
    focus: tuple[str, ...] = ()  # in a conversation, the terms no earlier question used
    own: str = ""  # what the message itself asked, when the conversation completed it
    # In a follow-up, the sentences right after the last one the conversation gave, nearest
    # first: where a conversation's next answer most often stands.
    follows: tuple[str, ...] = ()
    # The documents a request limits the answer to (its `documents` filter): nothing else
    # is searched. Empty: every document of the collection.
    only: frozenset[str] = frozenset()
    # In a comparison asked of two things ("How did Iran's and Israel's launch positions
    # compare?"), the thing this part asks of and the other, as names in lower case.
    sides: tuple[str, str] | None = None


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a retrieved passage with its evidence for the question."""

    sentence: Sentence
    similarity: float
    lexical: float


@dataclass(frozen=True)
class Hit:
    """A retrieved passage: its score, dense similarity and scored sentences."""

    chunk: Chunk
    score: float
    similarity: float
    sentences: tuple[ScoredSentence, ...]


class Rows(Protocol):
    """Rows of vectors, in memory or read from disk as asked (`snapshot.RowFile`)."""

    def __getitem__(self, rows: slice) -> Vectors: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Embeddings:
    """Every passage's vector and every sentence window's, row by row in corpus order: read
    from the store once, or memory-mapped from a snapshot (`snapshot.py`)."""

    chunks: Vectors  # row i: passage i of the corpus
    sentences: Rows  # passage i's sentences are rows offsets[i] to offsets[i + 1]
    offsets: npt.NDArray[np.int64]

    @classmethod
    def of(cls, chunk_rows: Vectors, sentence_rows: Vectors, counts: list[int]) -> Embeddings:
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(chunk_rows, sentence_rows, offsets)


@dataclass(frozen=True)
class DenseIndex:
    """Exact search over every passage vector of a corpus and, while it is small enough
    (`memory_search_limit`), every sentence-window vector."""

    chunk_ids: list[str]
    embeddings: Embeddings
    sentence_owners: npt.NDArray[np.int64] | None  # each sentence row's passage; None: unsearched

    def nearest(self, vector: Vectors, n: int) -> list[str]:
        """The ids of the `n` passages closest to `vector`, best first."""
        return [self.chunk_ids[i] for i in _top(self.embeddings.chunks @ vector, n)]

    def nearest_sentences(self, vector: Vectors, n: int) -> list[str]:
        """The passages of the `n` sentence windows closest to `vector`, best first; none
        when sentence windows are not searched."""
        if self.sentence_owners is None:
            return []
        rows = _top(cast(Vectors, self.embeddings.sentences) @ vector, n)
        return [self.chunk_ids[self.sentence_owners[i]] for i in rows]


def _top(similarities: Vectors, n: int) -> list[int]:
    n = min(n, len(similarities))
    if n == 0:
        return []
    best = np.argpartition(-similarities, n - 1)[:n]
    return [int(i) for i in best[np.argsort(-similarities[best])]]


class SentenceTerms(Mapping[str, frozenset[str]]):
    """Each sentence's search terms, by sentence id. Kept as tuples of shared strings, a
    fifth of the memory of sets at 400,000 sentences, and handed out as sets."""

    def __init__(self, by_sentence: dict[str, list[str]]) -> None:
        shared: dict[str, str] = {}
        self._terms = {
            sentence_id: tuple(shared.setdefault(t, t) for t in dict.fromkeys(found))
            for sentence_id, found in by_sentence.items()
        }

    def __getitem__(self, sentence_id: str) -> frozenset[str]:
        return frozenset(self._terms[sentence_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)


@dataclass
class Corpus:
    """The visible passages and their sentences, held in memory for scoring."""

    documents: dict[str, StoredDocument]
    chunks: list[Chunk]
    sentences: dict[str, list[Sentence]]
    embeddings: Embeddings
    generation: str = ""
    position: dict[str, int] = field(init=False)
    document_frequency: Counter[str] = field(init=False)
    sentence_terms: SentenceTerms = field(init=False)
    titles: dict[str, frozenset[str]] = field(init=False)  # first title word -> title words
    # Words that name one document: its own title words, its author's surname, its title's
    # initials ("mpl" for "Mozilla Public License"), each with the document it names.
    naming_words: dict[str, frozenset[str]] = field(init=False)
    title_terms: frozenset[str] = field(init=False)  # search terms of every title
    byline_terms: frozenset[str] = field(init=False)  # ... and of every author's name
    other_names: dict[str, frozenset[str]] = field(init=False)
    _bm25: bm25s.BM25 | None = field(init=False, default=None)
    dense: DenseIndex = field(init=False)
    _document_texts: dict[str, str] = field(init=False, default_factory=dict)
    _places: dict[str, tuple[int, int]] | None = field(init=False, default=None)
    _proper_names: frozenset[str] | None = field(init=False, default=None)
    _initialisms: dict[str, tuple[str, ...]] | None = field(init=False, default=None)
    sorted_terms: list[str] = field(init=False)  # every term, sorted: for its longer forms

    def __post_init__(self) -> None:
        self.position = {chunk.id: i for i, chunk in enumerate(self.chunks)}
        self.search_in_memory(with_sentences=True)
        chunk_terms = [terms(chunk.text) for chunk in self.chunks]
        self.document_frequency = Counter(t for ts in chunk_terms for t in set(ts))
        self.sorted_terms = sorted(self.document_frequency)
        self.sentence_terms = SentenceTerms(
            {s.id: terms(s.text) for ss in self.sentences.values() for s in ss}
        )
        self.titles = {}
        self.title_terms = frozenset(t for d in self.documents.values() for t in terms(d.title))
        self.byline_terms = self.title_terms | {
            t for d in self.documents.values() for t in terms(d.author)
        }
        # Each document's file-name and publication words ("constitution article one",
        # "foreign affairs"): two of them in a question name it.
        self.other_names = {
            d.id: frozenset(
                w
                for w in words(f"{_file_words(d.id)} {d.publication}")
                if w not in STOP_WORDS and len(w) > 1
            )
            for d in self.documents.values()
        }
        for document in self.documents.values():
            title = title_words(document.title)
            if title:
                self.titles[title[0]] = self.titles.get(title[0], frozenset()) | frozenset(title)
        self.naming_words = _naming_words(
            self.documents.values(), [(chunk.document_id, chunk.text) for chunk in self.chunks]
        )
        if self.chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(chunk_terms, show_progress=False)

    @classmethod
    def load(cls, store: ChunkStore) -> Corpus:
        """Read every visible passage (those listed by a document record) from the store,
        with its sentences and every vector."""
        generation = store.generation()
        documents = {document.id: document for document in store.documents()}
        wanted = [cid for document in documents.values() for cid in document.chunk_ids]
        found = {chunk.id: chunk for chunk in store.chunks(wanted)}
        # Held once per corpus of up to 100,000 passages: equal strings are shared, and a
        # sentence's window (what got embedded for it) is not kept.
        chunks = [
            replace(chunk, document_id=document.id, document_title=document.title)
            for document in documents.values()
            for chunk in (found.get(cid) for cid in document.chunk_ids)
            if chunk is not None
        ]
        sentences: dict[str, list[Sentence]] = {chunk.id: [] for chunk in chunks}
        own_ids = {chunk.id: chunk.id for chunk in chunks}
        for sentence in store.sentences([chunk.id for chunk in chunks]):
            chunk_id = own_ids[sentence.chunk_id]
            sentences[chunk_id].append(replace(sentence, chunk_id=chunk_id, window=""))
        chunk_rows = store.vectors([chunk.id for chunk in chunks])
        sentence_ids = [s.id for chunk in chunks for s in sentences[chunk.id]]
        # A passage without sentences (a write cut short) has none to score, not a crash.
        sentence_rows = (
            store.sentence_vectors(sentence_ids)
            if sentence_ids
            else np.zeros((0, chunk_rows.shape[1] if chunk_rows.size else 0), dtype=np.float32)
        )
        counts = [len(sentences[chunk.id]) for chunk in chunks]
        return cls(
            documents,
            chunks,
            sentences,
            Embeddings.of(chunk_rows, sentence_rows, counts),
            generation,
        )

    def documents_named(self, question: str) -> dict[str, set[str]]:
        """The documents a question names, each with the words that name it: a word that
        names one document, or two words of a document's file name or publication ("Article
        One of the Constitution", "this foreign affairs piece"); one alone ("the strike") is
        the question's own."""
        named: dict[str, set[str]] = {}
        said = words(question)
        for word in said:
            # Initials run into a version are the initials: "LGPLv3", "GPL2".
            bare = _VERSION_ENDING.sub("", word)
            for document_id in self.naming_words.get(word, ()) or self.naming_words.get(bare, ()):
                named.setdefault(document_id, set()).add(word)
        for document_id, names in self.other_names.items():
            found = names.intersection(said)
            if len(found) > 1:
                named.setdefault(document_id, set()).update(found)
        return named

    def document_text(self, document_id: str) -> str:
        """A document's title, author and passages as one text (built once, then kept)."""
        text = self._document_texts.get(document_id)
        document = self.documents.get(document_id)
        if text is None and document is not None:
            found = [self.position[c] for c in document.chunk_ids if c in self.position]
            body = [self.chunks[p].text for p in found]
            text = self._document_texts[document_id] = "\n".join(
                [document.title, document.author, *body]
            )
        return text or ""

    def proper_names(self) -> frozenset[str]:
        """The words the documents write only capitalised, within sentences ("Iran",
        "Hezbollah"), in lower case: a message typed in lower case names them too. Worked
        out the first time a conversation asks."""
        if self._proper_names is None:
            capitalised: set[str] = set()
            lower: set[str] = set()
            for sentences in self.sentences.values():
                for sentence in sentences:
                    for match in _WITHIN_SENTENCE_WORD.finditer(sentence.text):
                        word = match.group()
                        (lower if word.islower() else capitalised).add(word.lower())
            self._proper_names = frozenset(capitalised - lower - STOP_WORDS)
        return self._proper_names

    def spelled_out(self, term: str, written: str) -> tuple[str, ...]:
        """The terms of the name a term no passage uses is the initials of, when `written`
        (the question) writes it in capitals and the documents write that name out and no
        other with the same initials: "uk" for "the UK" and "the United Kingdom", "irgc" for
        "Islamic Revolutionary Guard Corps"; none otherwise ("my pc"). Worked out the first
        time a question asks."""
        if term not in {w.lower() for w in _IN_CAPITALS.findall(written)}:
            return ()
        if self._initialisms is None:
            found: dict[str, set[tuple[str, ...]]] = {}
            for sentences in self.sentences.values():
                for sentence in sentences:
                    for run in _CAPITALISED_RUN.finditer(sentence.text):
                        named = run.group().split()
                        while named and named[0].lower() in STOP_WORDS:  # "The United…"
                            named = named[1:]
                        if len(named) < 2:
                            continue
                        letters = "".join(word[0] for word in named).lower()
                        found.setdefault(letters, set()).add(tuple(terms(" ".join(named))))
            self._initialisms = {
                letters: next(iter(names))
                for letters, names in found.items()
                if len(names) == 1 and letters not in self.document_frequency
            }
        if term in self.document_frequency or term in STOP_WORDS:
            return ()
        return self._initialisms.get(term, ())

    def place_of(self, sentence_text: str) -> tuple[int, int] | None:
        """Where a sentence stands, (passage position, sentence index), by its exact text,
        or by its first or last words when it was quoted in part (a clause of it); the
        index of every sentence is built the first time one is looked up."""
        if self._places is None:
            self._places = {}
            for position, chunk in enumerate(self.chunks):
                for sentence in self.sentences.get(chunk.id, []):
                    for key in (sentence.text, *_ends(sentence.text)):
                        self._places.setdefault(key, (position, sentence.index))
        for key in (sentence_text, *_ends(sentence_text, least=_END_WORDS)):
            if key in self._places:
                return self._places[key]
        return None

    def sentences_after(self, position: int, index: int) -> Iterator[tuple[Chunk, Sentence]]:
        """The sentences that follow one, in reading order, to the end of its document."""
        document_id = self.chunks[position].document_id
        for later in range(position, len(self.chunks)):
            chunk = self.chunks[later]
            if chunk.document_id != document_id:
                return
            for sentence in self.sentences.get(chunk.id, []):
                if chunk.id != self.chunks[position].id or sentence.index > index:
                    yield chunk, sentence

    def sentences_before(self, position: int, index: int) -> Iterator[tuple[Chunk, Sentence]]:
        """The sentences before one, nearest first, back to the start of its document."""
        document_id = self.chunks[position].document_id
        for earlier in range(position, -1, -1):
            chunk = self.chunks[earlier]
            if chunk.document_id != document_id:
                return
            for sentence in reversed(self.sentences.get(chunk.id, [])):
                if earlier != position or sentence.index < index:
                    yield chunk, sentence

    def places_told(self, told: str) -> list[tuple[int, int]]:
        """Where each sentence of `told` (earlier answers) stands, in the order told;
        sentences no passage holds are left out."""
        return [place for place, _ in self.quotes_told(told)]

    def quotes_told(self, told: str) -> list[tuple[tuple[int, int], str]]:
        """Each sentence of `told` (earlier answers, a quote a line) that a passage holds,
        whole or in part, with where that sentence stands, in the order told."""
        found = []
        for line in told.splitlines():
            in_line = self._quotes_in(line)
            # An answer may wrap its quotes in words of its own: 'In Damascus: "an Israeli
            # airstrike…"'. What stands in quotation marks is then what it quoted.
            for quoted in [] if in_line else _IN_QUOTATION_MARKS.findall(line):
                in_line += self._quotes_in(quoted)
            found += in_line
        return found

    def quoted_in_marks(self, told: str) -> list[str]:
        """What `told` (earlier answers) has in quotation marks, each run between ellipses,
        of at least as many words as a quote is known by: a sentence's middle, which
        `quotes_told` cannot place ('It killed "the harbor master who ran the ferries"').
        """
        return [
            part.strip()
            for quoted in _IN_QUOTATION_MARKS.findall(told)
            for part in re.split(r"…|\.\.\.", quoted)
            if len(part.split()) >= _END_WORDS
        ]

    def _quotes_in(self, text: str) -> list[tuple[tuple[int, int], str]]:
        found = []
        for span in split_sentences(text):
            quoted = text[span.start : span.end].strip()  # a quote after the first: " It…"
            place = self.place_of(quoted)
            if place is not None:
                found.append((place, quoted))
        return found

    def sentences_following(
        self, place: tuple[int, int], count: int
    ) -> list[tuple[Chunk, Sentence]]:
        """The `count` sentences that state something after the one at `place`."""
        after = ((c, s) for c, s in self.sentences_after(*place) if states_something(s.text))
        return list(itertools.islice(after, count))

    def knows(self, term: str) -> bool:
        """Whether the documents use a term: in a passage, a title or a byline, or in a form
        a short ending apart (`terms.same_word`): "coast" for "coastal", "take" for "taken"."""
        if term in self.document_frequency or term in self.byline_terms:
            return True
        shortest = max(MIN_STEM, len(term) - MAX_ENDING)
        if any(term[:n] in self.document_frequency for n in range(shortest, len(term))):
            return True
        return len(term) >= MIN_STEM and self._extended(term) is not None

    def compound_parts(self, word: str) -> tuple[str, ...]:
        """The terms of the two words the documents use that an unknown closed compound
        joins ("peacetime": "peace", "time"); none when it is no such compound. Each part
        has at least four letters: "season" is no "sea" and "son"."""
        if len(word) > _MAX_COMPOUND:
            return ()
        splits = []
        for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
            parts = (terms(word[:i]), terms(word[i:]))
            if all(len(p) == 1 and p[0] in self.document_frequency for p in parts):
                splits.append((min(i, len(word) - i), parts[0][0], parts[1][0]))
        return max(splits)[1:] if splits else ()

    def form_used(self, term: str) -> str | None:
        """The form the documents use of a term no passage has, when it only adds an
        ending the stemmer leaves on (`INFLECTIONS`): "taken" for "take", "american" for
        "america", "keeper" for "keep"; not "heart" for "hear". Shorter forms are not
        taken: "colonists" are no "colonies"."""
        if len(term) < MIN_STEM or term in self.document_frequency:
            return None
        return next((term + e for e in INFLECTIONS if term + e in self.document_frequency), None)

    def _extended(self, term: str) -> str | None:
        """The term the documents use a few letters longer: "taken" for "take"."""
        found = self.sorted_terms
        for i in range(bisect.bisect_right(found, term), len(found)):
            if not found[i].startswith(term):
                return None
            if len(found[i]) - len(term) <= MAX_ENDING:
                return found[i]
        return None

    def idf(self, term: str) -> float:
        """Inverse passage frequency; a term no passage has gets the highest weight."""
        n = len(self.chunks)
        df = self.document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def bm25(self, query_terms: tuple[str, ...], n: int) -> list[int]:
        """Positions of up to `n` passages with a positive BM25 score, best first."""
        known = [t for t in query_terms if t in self.document_frequency]
        if self._bm25 is None or not known:
            return []
        ids, scores = self._bm25.retrieve(
            [known], k=min(n, len(self.chunks)), show_progress=False, n_threads=1
        )
        return [int(i) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    def __getstate__(self) -> dict[str, object]:
        """What a snapshot pickles: the vectors are saved beside it, the caches rebuilt."""
        state = dict(self.__dict__)
        state.update(embeddings=None, dense=None, _document_texts={}, _places=None)
        return state

    def search_in_memory(self, with_sentences: bool) -> None:
        """Search every passage vector exactly, and every sentence window's too when
        `with_sentences` (which touches four times the memory a question)."""
        owners = None
        if with_sentences:
            if not isinstance(self.embeddings.sentences, np.ndarray):  # every row, searched
                rows = self.embeddings.sentences[0 : len(self.embeddings.sentences)].copy()
                self.embeddings = replace(self.embeddings, sentences=rows)
            counts = np.diff(self.embeddings.offsets)
            owners = np.repeat(np.arange(len(self.chunks), dtype=np.int64), counts)
        self.dense = DenseIndex([chunk.id for chunk in self.chunks], self.embeddings, owners)

    def chunk_vector(self, chunk_id: str) -> Vectors:
        """The embedding of a passage."""
        row: Vectors = self.embeddings.chunks[self.position[chunk_id]]
        return row

    def sentence_matrix(self, chunk_id: str) -> Vectors:
        """The window embeddings of a passage's sentences, one row each."""
        at = self.position[chunk_id]
        offsets = self.embeddings.offsets
        return self.embeddings.sentences[offsets[at] : offsets[at + 1]]

    def byline_chunk(self, document_id: str) -> Chunk | None:
        """The first passage of a document, which holds its title and byline."""
        document = self.documents.get(document_id)
        if not document or not document.chunk_ids:
            return None
        position = self.position.get(document.chunk_ids[0])
        return None if position is None else self.chunks[position]

    def fingerprint(self) -> str:
        """Changes whenever a document is added, changed or removed."""
        return json.dumps(sorted((d.id, d.content_hash) for d in self.documents.values()))


# A version run into initials: "v3" of "LGPLv3", "2" of "mpl2".
# A word after another in a sentence: capitalised there, it is a name ("the Iranian
# consulate"), not a sentence's opening.
_WITHIN_SENTENCE_WORD = re.compile(r"(?<=[\w,;:’'”)] )[A-Za-z][\w’'-]*")
_IN_QUOTATION_MARKS = re.compile(r"[\"“]([^\"“”]+)[\"”]")
# A name of two to five capitalised words ("United Kingdom", "Islamic Revolutionary Guard
# Corps"), which a question may write by its initials.
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){1,5}\b")
# A word written in capitals, as initials are ("UK", "IRGC's").
_IN_CAPITALS = re.compile(r"\b[A-Z]{2,6}\b")
_VERSION_ENDING = re.compile(r"(?<=[a-z])v?\d+$")
# A question left with fewer words than this once its document's name is taken out ("What
# is the Apache License?" -> "What is"): too little to embed, so it is embedded whole.
_UNNAMED_MIN_WORDS = 3
_MIN_PART = 4  # letters of each word a closed compound joins: "time" in "peacetime"
_MAX_COMPOUND = 20  # letters: a longer word is split nowhere (and costs nothing to try)
# Endings the stemmer leaves on a word: its longer form in the documents is the same word.
INFLECTIONS = ("n", "en", "an", "er", "ers", "al")
_MIN_INITIALS = 3  # "mpl", "cc0": shorter initials ("us") name too much
_END_WORDS = 5  # a sentence quoted in part is found by this many of its first or last words


def _listed(documents: Iterable[StoredDocument]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """What identifies the documents of an index: each one's content and its passages."""
    return {d.id: (d.content_hash, tuple(d.chunk_ids)) for d in documents}


def _naming_words(
    documents: Iterable[StoredDocument], passages: Iterable[tuple[str, str]]
) -> dict[str, frozenset[str]]:
    """Per word, the document it names: a capitalised word of its title, its author's
    surname, or a run of its title's initials ("lgpl" in "GNU Lesser General Public
    License"), when no other document's title or text has that word ("United States" in
    one title names nothing when another text says it)."""
    said: dict[str, set[str]] = {}  # word -> the documents whose title, byline or text has it
    for document in documents:
        # A title's words in lower case describe it ("BSD License (three clauses)"): in a
        # title with capitalised words, those name it.
        written = re.findall(r"[\w’'-]+", document.title)
        named = (
            [w for w in written if not w.islower()]
            if any(w[:1].isupper() for w in written)
            else written
        )
        title = [w for w in words(" ".join(named)) if w not in STOP_WORDS and len(w) > 1]
        surname = words(document.author)[-1:] if document.author else []
        for word in {*title, *surname, *_initials(document.title)}:
            said.setdefault(word, set()).add(document.id)
    for document_id, text in passages:
        for word in said.keys() & set(words(text)):
            said[word].add(document_id)
    return {word: frozenset(ids) for word, ids in said.items() if len(ids) == 1}


def _file_words(document_id: str) -> str:
    """The words of a document's id, its file's name ("constitution-article-one"), as a
    library lists it and users name it: the parts made of letters only (not "2", "cc0")."""
    return " ".join(part for part in document_id.split("-") if part.isalpha())


def _ends(sentence: str, least: int = 2 * _END_WORDS) -> tuple[str, ...]:
    """Keys for a sentence quoted in part: its first and its last words, when it has at
    least `least` words: a sentence needs twice as many as are compared to be told apart
    from others, a quote of it only as many ("A strike on the harbor could…")."""
    found = sentence.split()
    if len(found) < least:
        return ()
    return ("<" + " ".join(found[:_END_WORDS]), ">" + " ".join(found[-_END_WORDS:]))


def _initials(title: str) -> set[str]:
    """Every run of at least three initials of a title's capitalised words: "mpl" for
    "Mozilla Public License 2.0"; "lgpl" and "gpl" for "GNU Lesser General Public License"."""
    letters = "".join(w[0].lower() for w in re.findall(r"\b[A-Z][\w’'-]*", title))
    return {
        letters[i:j]
        for i in range(len(letters))
        for j in range(i + _MIN_INITIALS, len(letters) + 1)
    }


class Retriever:
    """Finds the passages that best answer a question, and scores their sentences."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        snapshots: Path | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.snapshots = snapshots  # where snapshots of the corpus are kept; None: none
        self._reloading = threading.Lock()
        self.corpus = self._load()

    def refresh(self) -> None:
        """Reload the passages after documents were added or removed."""
        self.corpus = self._load()

    def refresh_if_changed(self) -> None:
        """Reload when any process changed the documents since the corpus was loaded."""
        if self.store.generation() != self.corpus.generation:
            with self._reloading:
                if self.store.generation() != self.corpus.generation:
                    self.corpus = self._load()

    def _load(self) -> Corpus:
        """The corpus of the store's generation: from its snapshot when there is one to
        trust, else read from the store, and a snapshot written for the next start."""
        from citeqa.service.engine import snapshot  # it imports this module

        corpus = None
        if self.snapshots is not None:
            corpus = snapshot.load(self.snapshots, self.store.generation())
        if corpus is not None and _listed(corpus.documents.values()) != _listed(
            self.store.documents()
        ):
            # A write that stopped before it marked a new generation changed the documents.
            log.warning("Snapshot in %s is not the index's; reading the index.", self.snapshots)
            corpus = None
        if corpus is None:
            corpus = Corpus.load(self.store)
            # Not while a write went on during the load: it might hold half of that write.
            if self.snapshots is not None and self.store.generation() == corpus.generation:
                try:
                    snapshot.save(corpus, self.snapshots)
                    # Its vectors read from disk as needed from now on, not held twice.
                    snapshot.read_vectors_from(self.snapshots, corpus)
                except Exception as error:  # a full or read-only disk: serve without one
                    log.warning("No snapshot written to %s: %s", self.snapshots, error)
        corpus.search_in_memory(len(corpus.chunks) <= self.settings.memory_search_limit)
        return corpus

    def prepare(
        self, question: str, context: str = "", context_weight: float = 0.5, seen: str = ""
    ) -> Query:
        """Embed and tokenise a question once; weight its terms by IDF.

        `context` (earlier turns of a conversation) is blended in with `context_weight`:
        into the vector, and as extra terms weighted that much less.
        """
        # Words that only say which document is meant frame the question: "the Declaration",
        # or initials no passage uses ("Under the MPL, …").
        naming = self.corpus.documents_named(question)
        vector = self.embedder.embed_query(self._unnamed(question, naming))
        # Naming the one document asked about ("the MPL 2.0"), its words only say which it
        # is, even where its passages use them ("a copy of the MPL").
        one = len(self._narrowed(frozenset(naming))) == 1
        named = titles_named(question, self.corpus.titles) | {
            word
            for said in naming.values()
            for word in said
            if one or word not in self.corpus.document_frequency
        }
        query_terms = tuple(dict.fromkeys(question_terms(question, named)))
        forms = self._forms_used(question, query_terms)
        # A word in another form weighs as rare as the word asked; the two words of a
        # compound share its weight. A word asked twice keeps its larger weight.
        weights: dict[str, float] = {}
        for asked in query_terms:
            for term in forms.get(asked, (asked,)):
                weight = self.corpus.idf(asked) / len(forms.get(asked, (asked,)))
                weights[term] = max(weights.get(term, 0.0), weight)
        query_terms = tuple(weights)
        if context and context_weight > 0:
            blended = vector + context_weight * self.embedder.embed_query(context)
            vector = (blended / np.linalg.norm(blended)).astype(np.float32)
            for term in dict.fromkeys(terms(context)):
                weights.setdefault(term, context_weight * self.corpus.idf(term))
            query_terms = tuple(weights)
        documents = self._narrowed(frozenset(naming))
        return Query(question, vector, query_terms, weights, seen, documents=documents)

    def _forms_used(
        self, question: str, query_terms: tuple[str, ...]
    ) -> dict[str, tuple[str, ...]]:
        """The terms the documents use for those of `query_terms` they do not: a closed
        compound's two words ("peacetime": "peace", "time"), or a longer form of the word
        ("take": "taken"). A name ("Fairbank") is no compound."""
        corpus = self.corpus
        split: dict[str, tuple[str, ...]] = {}
        said = re.findall(r"[\w’']+", question)
        common = [w for i, w in enumerate(said) if not (i and w[0].isupper())]
        for word in words(" ".join(common)):
            stem = terms(word)
            if len(stem) == 1 and stem[0] in query_terms and not corpus.knows(stem[0]):
                parts = corpus.compound_parts(word)
                if parts:
                    split[stem[0]] = parts
        for t in query_terms:
            form = corpus.form_used(t)
            if t in split:
                continue
            named = corpus.spelled_out(t, question)  # "UK": United Kingdom
            if form or named:
                split[t] = (form,) if form else named
        return split

    def _unnamed(self, question: str, naming: dict[str, set[str]]) -> str:
        """The question to embed: without the words that only name the one document it
        names ("LGPL 3: how long…", "…under the Apache License?"). That document is searched
        alone, and its name would pull the vector toward its title instead of what is asked.
        The question as it is when it names no document or several, or is little more than
        a name."""
        if len(self._narrowed(frozenset(naming))) != 1:
            return question
        corpus = self.corpus
        only_naming = titles_named(question, corpus.titles) | {
            word
            for said in naming.values()
            for word in said
            if not any(t in corpus.document_frequency for t in terms(word))
        }
        kept = [w for w in question.split() if not set(words(w)) & only_naming]
        return " ".join(kept) if len(kept) >= _UNNAMED_MIN_WORDS else question

    def documents_for(self, question: str) -> frozenset[str]:
        """The documents a question names, to search alone; none when it names every one."""
        return self._narrowed(frozenset(self.corpus.documents_named(question)))

    def _narrowed(self, named: frozenset[str]) -> frozenset[str]:
        return frozenset() if len(named) == len(self.corpus.documents) else named

    def search(self, query: Query, k: int) -> list[Hit]:
        """The `k` best passages for `query`, best first."""
        corpus = self.corpus
        if not corpus.chunks:
            return []
        candidates = self._candidates(query)
        hits = [self._score(query, chunk_id) for chunk_id in candidates]
        hits.sort(key=lambda hit: -hit.score)
        if len(query.documents) < 2:
            # A follow-up's passages also include those the conversation's story goes on in.
            following = {sentence_id.rsplit(":", 1)[0] for sentence_id in query.follows}
            return hits[:k] + [h for h in hits[k:] if h.chunk.id in following]
        # A question naming several documents ("Is X the same in A and B?") gets the best
        # passages of each, in turn (not their title and byline), at least two each.
        by_document = [
            [h for h in hits if h.chunk.document_id == document_id and h.chunk.paragraph_index]
            for document_id in sorted(query.documents)
        ]
        turns = [hit for rank in itertools.zip_longest(*by_document) for hit in rank if hit]
        return turns[: max(k, 2 * len(query.documents))]

    def score(self, query: Query, chunk_ids: Iterable[str]) -> list[Hit]:
        """The given passages, scored for `query` as a search would score them, best first."""
        hits = [self._score(query, c) for c in chunk_ids if c in self.corpus.position]
        return sorted(hits, key=lambda hit: -hit.score)

    def _candidates(self, query: Query) -> list[str]:
        corpus, pool = self.corpus, self.settings.candidate_pool
        found = corpus.dense.nearest(query.vector, pool)
        found += corpus.dense.nearest_sentences(query.vector, pool)
        found += [corpus.chunks[p].id for p in corpus.bm25(query.terms, pool)]
        if query.documents:
            found += corpus.dense.nearest(query.vector, len(corpus.chunks))
        found += [sentence_id.rsplit(":", 1)[0] for sentence_id in query.follows]
        if query.only:
            found += corpus.dense.nearest(query.vector, len(corpus.chunks))
        found = [cid for cid in dict.fromkeys(found) if cid in corpus.position]
        if query.only:
            found = [
                c for c in found if corpus.chunks[corpus.position[c]].document_id in query.only
            ]
        if query.documents:
            # A question that names its documents is answered from them alone.
            named = [
                c for c in found if corpus.chunks[corpus.position[c]].document_id in query.documents
            ]
            found = named[: 3 * pool] or found
        return found

    def _document_of(self, chunk_id: str) -> str:
        return self.corpus.chunks[self.corpus.position[chunk_id]].document_id

    def _score(self, query: Query, chunk_id: str) -> Hit:
        corpus = self.corpus
        chunk = corpus.chunks[corpus.position[chunk_id]]
        similarity = float(corpus.chunk_vector(chunk_id) @ query.vector)
        total = sum(query.weights.values()) or 1.0
        sentences = corpus.sentences.get(chunk_id, [])
        similarities = corpus.sentence_matrix(chunk_id) @ query.vector if sentences else np.zeros(0)
        scored = tuple(
            ScoredSentence(
                sentence,
                float(similarities[i]),
                sum(w for t, w in query.weights.items() if t in corpus.sentence_terms[sentence.id])
                / total,
            )
            for i, sentence in enumerate(sentences)
        )
        best_similarity = max((s.similarity for s in scored), default=similarity)
        best_lexical = max((s.lexical for s in scored), default=0.0)
        score = (
            self.settings.passage_weight * similarity
            + self.settings.sentence_weight * best_similarity
            + self.settings.lexical_weight * best_lexical
        )
        return Hit(chunk, score, similarity, scored)
