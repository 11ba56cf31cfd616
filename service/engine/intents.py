"""Questions about a whole document ("What is this about?", "Summarize it"), recognised by
meaning: a question close enough to one of the examples in
`prompts/whole-document-questions.txt` asks for the document as a whole, unless it names
someone or something of the documents by name ("What does it say about Jordan?" asks
about Jordan). A document named in the question ("Summarise the CC0 deed") is read as "it"
before the comparison.
"""

from __future__ import annotations

import re
from collections.abc import Container

import numpy as np

from citeqa.index.embedding import Embedder, Vectors
from citeqa.index.terms import STOP_WORDS, terms
from citeqa.index.vocabulary import DOCUMENT_KINDS, NAME_RUN
from citeqa.prompts import load_prompt

# Least cosine similarity to the nearest example, with the bundled model, for a question
# that asks with words of its own the documents speak of ("What is the point of the
# strike?" scores 0.503: it may be about the strike). Measured: of the questions of the four
# gated sets that name nothing the documents speak of, the closest scores 0.445 ("What does
# the author suggest so that…"); whole-document questions in other words than the examples
# score 0.60 ("What are the key takeaways?") and above.
WHOLE_DOCUMENT_SIMILARITY = 0.55
# ... and for a question whose other words are all the documents' names and the examples'
# own words ("LGPLv3 in a few sentences?", 0.525). Measured on the working sets (321
# questions): every whole-document question scores 0.525 or more; of the others, the
# closest scores 0.48 ("Which magazine published the piece?").
ONLY_ASKING_SIMILARITY = 0.50
# A question whose own vector is less similar than this to every example is not read again
# with its document's name as "it" (one embedding saved). Measured on the working sets
# (321 questions): the whole-document questions that only their reading found score 0.28
# and above on their own ("what's the gist of the BSD licence"); 57 of the 153 questions
# with a reading score below 0.2.
READING_FLOOR = 0.2
_BEFORE_A_NAME = frozenset({"the", "this", "that"})
# A sentence's end inside a message: a mark after a lowercase letter or a digit ("CC0?"; "U.S."
# does not end one); after "?" or "!" the next may open in lower case, as users type ("…
# inaugural? explain it like i'm 12").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9][?!])\s+|(?<=[a-z0-9]\.)\s+(?=[A-Z])")
_QUOTES = "\"'“”‘’()"
# Where a message's last clause begins: after a comma, or a dash between spaces.
_CLAUSE_MARK = re.compile(r",\s+|\s+[-–—]+\s+")
# A sentence that asks: a question mark, or a question word first.
_ASKS = re.compile(
    r"\?\s*$|^\W*(what|who|whom|whose|which|when|where|why|how|is|are|was|were|do|does|did|"
    r"can|could|should|would|will)\b",
    re.I,
)
# "What does it say everything else depends on?": what it says of something, when two or
# more words the documents use (not the examples' own) follow "say"; not what it says as a
# whole ("What does it say?", "what's it saying, start to finish?", "what does it say at a
# high level?").
_SAYS = re.compile(r"\b(?:say|says|saying)\s+(?P<said>[^,;:?!.–—]+)", re.I)
_SAID_OF_SOMETHING_TERMS = 2
# The reader a request is meant for, at its end: "… for a non-lawyer", "… for a beginner".
_FOR_SOMEONE = re.compile(r"\s+for (?:a|an) [\w’'-]+(?: [\w’'-]+)?\W*$", re.I)
# Readings of a message embedded at most: a 2,000-character message of many short
# sentences would otherwise cost an embedding each.
_MOST_READINGS = 6


class WholeDocumentQuestions:
    """Recognises questions that ask about a whole document."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.examples = [
            line.strip() for line in load_prompt("whole-document-questions").splitlines()
        ]
        self._asking_words = frozenset(t for example in self.examples for t in terms(example))
        # Embedded once, when the engine opens, not on a question's path.
        self._vectors = embedder.embed(self.examples)

    def similarity(self, vector: Vectors) -> float:
        """How close a question's vector is to the nearest example."""
        return float(np.max(self._vectors @ vector))

    def _says_of_something(
        self, sentence: str, byline_terms: Container[str], spoken_of: Container[str]
    ) -> bool:
        """Whether a question asks what a document says of something: "say" followed by
        words the documents use, other than its names and the examples' words."""
        match = _SAYS.search(sentence)
        if match is None or not _ASKS.search(sentence):
            return False
        own = [
            t
            for t in terms(match["said"])
            if t in spoken_of and t not in byline_terms and t not in self._asking_words
        ]
        return len(own) >= _SAID_OF_SOMETHING_TERMS

    def asked(
        self,
        question: str,
        vector: Vectors,
        byline_terms: Container[str],
        spoken_of: Container[str],
        naming: Container[str] = frozenset(),
    ) -> bool:
        """Whether the question asks about a whole document. `byline_terms` are the search
        terms of the documents' bylines (their titles, authors, initials, file names),
        `spoken_of` those that occur in the documents, `naming` those the question names
        one document with ("cc0", "lgplv3")."""
        # A sentence that names someone or something of the documents is about that: a
        # question so ("Why did X…? Explain it simply.") asks of X; a statement so ("I read
        # about X. Summarise it.") leaves another sentence to be the request.
        sentences = _sentences(question)
        if any(self._says_of_something(s, byline_terms, spoken_of) for s in sentences):
            return False
        naming_sentences = [s for s in sentences if _names(s, byline_terms, spoken_of)]
        if any(_ASKS.search(s) for s in naming_sentences):
            return False
        requests = [s for s in sentences if s not in naming_sentences]
        if not requests:
            return False
        readings = [
            reading
            for sentence in requests
            for part in _clauses(sentence)
            for reading in (
                _document_as_it(part.split(), byline_terms, naming)
                if any(t in byline_terms for t in terms(part))
                else [part]
            )
        ]
        # Each reading once, and the last few (a long message's request is near its end).
        readings = list(dict.fromkeys(readings))[-_MOST_READINGS:]
        said = terms(question)
        threshold = WHOLE_DOCUMENT_SIMILARITY
        if not any(
            t in spoken_of and t not in byline_terms and t not in self._asking_words for t in said
        ):
            threshold = ONLY_ASKING_SIMILARITY  # nothing but a document's name to be about
        own = self.similarity(vector)
        if readings == [question.strip()] or own < READING_FLOOR:
            return own >= threshold
        # One at a time, each with whatever questions are waiting for the model: under load,
        # a call of its own per question would queue behind them all.
        return any(self.similarity(self.embedder.embed_query(r)) >= threshold for r in readings)


def _names(sentence: str, byline_terms: Container[str], spoken_of: Container[str]) -> bool:
    """Whether a sentence names someone or something the documents speak of, other than a
    document ("What does it say about Jordan?"; "Article One" of a document named so is the
    document)."""
    for run in NAME_RUN.finditer(sentence):
        named = terms(run.group())
        if any(t in byline_terms for t in named):
            continue
        if any(t in spoken_of for t in named):
            return True
    return False


def _clauses(sentence: str) -> list[str]:
    """A sentence, and its last clause after a comma or a dash when that has two words or
    more: the request often comes after what it is for ("I'm linking against it in my app,
    what does it cover overall?", "…, short version", "explain the LGPL to me like I'm a
    junior dev – what's it for?"). Each without the reader it is meant for, when it ends
    with one ("summarize the LGPL for a non-lawyer")."""
    cuts = list(_CLAUSE_MARK.finditer(sentence))
    head, last = (sentence[: cuts[-1].start()], sentence[cuts[-1].end() :]) if cuts else ("", "")
    clauses = [sentence, last] if head.strip() and len(last.split()) > 1 else [sentence]
    for_whom = [_FOR_SOMEONE.sub("", c) for c in clauses if _FOR_SOMEONE.search(c)]
    return clauses + [c for c in for_whom if c.strip()]


def _sentences(question: str) -> list[str]:
    """A message's sentences ("Could you summarise CC0? I'm trying to see what it's for."):
    any one of them may be the request."""
    return [s for s in _SENTENCE_END.split(question.strip()) if s.strip()] or [question]


def _document_as_it(
    words: list[str], byline_terms: Container[str], naming_terms: Container[str] = frozenset()
) -> list[str]:
    """The question with each run of words naming a document ("the Apache License", "the
    Declaration of Independence") read as "it"; and, when a run is followed by a kind of
    document, that word taken into the run as well ("the CC0 deed")."""
    naming = [any(t in byline_terms for t in terms(w)) for w in words]
    # (start, end) of each run: naming words, and the stop words between them.
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if not naming[i]:
            i += 1
            continue
        start, end = i, i + 1
        while end < len(words) and (naming[end] or _joins(words, naming, end)):
            end += 1
        earliest = max(1, runs[-1][1] if runs else 0)  # runs never overlap
        while start > earliest and words[start - 1].lstrip(_QUOTES)[:1].isupper():
            start -= 1  # a capitalised word inside a sentence, of the title: "Why Iran…"
        if start > earliest - 1 and words[start - 1].lower().strip(_QUOTES) in _BEFORE_A_NAME:
            start -= 1
        if _names_a_document(words[start:end], byline_terms, naming_terms):
            runs.append((start, end))
        i = end
    plain = _rejoined(words, runs)
    with_kind = _rejoined(words, [(s, e + _kind_of_document(words, e)) for s, e in runs])
    return [plain] if with_kind == plain else [plain, with_kind]


def _names_a_document(
    run: list[str], byline_terms: Container[str], naming_terms: Container[str]
) -> bool:
    """Whether a run of byline words names a document: a capitalised word, a word naming one
    document, two byline words ("second inaugural"), or one after "the", "this" or "that"
    ("that lease"); one lowercase title word alone ("short version") is the question's own."""
    found = [t for w in run for t in terms(w)]
    return (
        any(w.lstrip(_QUOTES)[:1].isupper() for w in run)
        or any(t in naming_terms for t in found)
        or sum(t in byline_terms for t in found) > 1
        or run[0].lower().strip(_QUOTES) in _BEFORE_A_NAME
    )


def _joins(words: list[str], naming: list[bool], i: int) -> bool:
    """Whether word `i` is one of the stop words between two naming words ("Declaration of
    Independence", "Back From the Brink")."""
    while i < len(words) and words[i].lower() in STOP_WORDS:
        i += 1
    return i < len(words) and naming[i]


def _kind_of_document(words: list[str], i: int) -> int:
    """How many words from word `i` on name a kind of document, as after a title: one
    ("deed", "speech?"), two with a word of its own before the kind ("legal code"), or none."""
    for taken in (1, 2):
        if i + taken > len(words):
            break
        # A kind after the name ("the CC0 deed") is read with it as "it"; any other word
        # there is the question's own ("What does the CC0 waive?").
        if words[i + taken - 1].lower().rstrip("?!.,;:") in DOCUMENT_KINDS:
            return taken
        if words[i].lower() in STOP_WORDS:
            break  # "the CC0 for a speech" names no kind of document
    return 0


def _rejoined(words: list[str], runs: list[tuple[int, int]]) -> str:
    """The words with each run (start, end) replaced by "it"."""
    out, at = [], 0
    for start, end in runs:
        out += [*words[at:start], "it"]
        at = end
    return " ".join(out + words[at:])
