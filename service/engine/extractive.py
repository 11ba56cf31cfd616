"""Extractive answers: choose the retrieved sentences that answer a question and cite them.

Every answer sentence is a verbatim sentence of a passage, followed by the `[n]` marker of
the citation that points at it. When the passages do not support an answer, the answer is
the refusal text from `prompts/refusal.txt` and `answered` is false.

A question is refused when its best sentence scores below `min_score`, when it asks for a
number, a date or a person and the chosen sentences hold none that the question does not
already name, or when most of its weight is on words no document contains and the best
sentence is not close in meaning.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace

from citeqa.index.chunking import Chunk, Sentence
from citeqa.index.embedding import Vectors
from citeqa.index.sentences import states_something
from citeqa.index.terms import same_word, terms, words
from citeqa.index.vocabulary import LIST_ITEM, PERSON_PRONOUNS, THING_PRONOUNS, any_of
from citeqa.service.config import AnswerSettings
from citeqa.service.engine.answers import Answer, Draft, Quote, refusal
from citeqa.service.engine.conversation import Resolved, Turn, asks_for_more, resolve
from citeqa.service.engine.intents import WholeDocumentQuestions
from citeqa.service.engine.questions import Prepared
from citeqa.service.engine.retrieval import Corpus, Hit, Query, Retriever, ScoredSentence
from citeqa.service.engine.rules import (
    ANNOUNCES,
    ASKED_ON_CONDITION,
    ASKS_FOR_ITEMS,
    ASKS_WHAT_NEXT,
    CARRIES_ON,
    CLAUSE_END,
    CONCLUDES,
    EXPLANATION_QUESTION,
    GIVES_REASON,
    ITEM_MARK_BEFORE,
    LEANS_ON_PREVIOUS,
    OPENING_OR_CLOSING,
    OPENS_WITH_CONDITION,
    QUOTED_PHRASE,
    RECALLS_ANSWER,
    YEAR,
    Evidence,
    asks_why_of_it,
    contradicted_specific,
    document_date_asked,
    document_part_asked,
    has_expected_type,
    metadata_asked,
    new_matches,
    wanted_kind,
)
from citeqa.service.engine.safety import is_instruction

_WORD = re.compile(r"\S+\s*")

# "Tell me about X": at most this many sentences, each chosen for its score less this
# share of its similarity to those already chosen (maximal marginal relevance). Measured on
# the about-X questions (key facts): 3 -> 10 of 11 (article-users), 4 of 4 (licences);
# 4 -> 11 of 11, 4 of 4, within the same limit of twice the answer length.
# A question about a document's end or start is answered from this share of its passages
# (at least one).
_PART_SHARE = 0.1
# "god / religion", "tariffs or trade": alternatives a user names as one topic.
_ALTERNATIVES = re.compile(r"\s*/\s*|\s+or\s+", re.I)
_PART_SENTENCES = 2
# A document's own date stands among its first few sentences ("Version 2.0, January 2004").
_DATE_SENTENCES = 3
# Words that ask only for the part, not about anything in it.
_PART_TERMS = frozenset(
    terms(
        """end ending ends close closes closing conclude concludes conclusion finish wrap open
        opens opening begin begins beginning start starts first last final line lines word
        words paragraph paragraphs sentence sentences part section remarks speech article
        piece essay text document address report letter story very"""
    )
) | frozenset(terms(" ".join(OPENING_OR_CLOSING)))
_ABOUT_SENTENCES = 4
_ABOUT_NOVELTY = 0.5
# A sentence that opens with the topic (within its first words) is about it: this bonus.
# Measured on the about-X questions of article-users (key facts, of 11): 0 -> 9, 0.05 -> 10,
# 0.1 -> 10, 0.2 -> 9.
_ABOUT_SUBJECT_BONUS = 0.1
_SUBJECT_WORDS = 4
# A sentence that announces what follows ("…granted by a Contributor:") is answered with at
# most this many of the sentences after it, when it says little itself: at most this many
# words ("no patent license is granted by a Contributor:"; a longer one, "provided that … you
# do both of the following:", may answer on its own).
_ITEMS = 4
_SHORT_ANNOUNCEMENT = 25
_OPENS_WITH_PRONOUN = re.compile(rf"^\W*{any_of(f'{PERSON_PRONOUNS} {THING_PRONOUNS}')}\b", re.I)
_MARK_BEFORE = 8  # characters before a sentence where its list item mark may stand
# A sentence this similar to one already chosen repeats it.
_DUPLICATE_SIMILARITY = 0.9
# When the best sentences lack what the question asks for, one of the next two that has it
# answers instead if it scores at least this share of the best. Measured on every working
# set: 0.85, 0.9 and 0.95 alike, fourth article set false refusals 0.053 -> 0, nothing else
# moved.
_TYPED_SHARE = 0.9
# A sentence right after one the conversation already gave carries the story on.
_CONTINUATION_BONUS = 0.1
# In a follow-up, a sentence among the few right after the last one given (`Query.follows`)
# gets this bonus: conversations read on. Measured on the dialogue sets (last turns
# answered, of 53): 0 -> 36, 0.1 -> 38, 0.2 -> 40, 0.3 -> 39.
_FOLLOWS_BONUS = 0.2
# In a follow-up, the weight of the share of its new words a sentence holds: what the
# message newly asks counts more than the conversation blended into it. Measured on the
# dialogue sets (last-turn key facts answered, of 53): 0 -> 31, 0.15 -> 33, 0.3 -> 31,
# 0.5 -> 32.
_FOCUS_WEIGHT = 0.15
# A sentence already given is quoted again (its best clause) when it holds at least this
# share of what a follow-up newly asks, by IDF weight, and beats every other sentence by
# this much in that share plus its similarity to the question.
_RECITE_COVERAGE = 0.5
_RECITE_MARGIN = 0.25
_RECITE_WORD_COST = 0.02  # per word: the shortest clause that says it
_KIND_BONUS = 0.5  # a clause holding the kind of thing asked for ("which country": a name)
# What an earlier answer left out of a sentence it quoted in part is quoted when it has at
# least this many words: "when Russia, having reduced its footprint there…".
_UNTOLD_MIN_WORDS = 6
_CUT_MARKS = " ,;:—–"
_CLAUSE_JOINTS = ",;:—–.!?"
# Any comma or clause boundary, where a sentence already given may be cut.
_ANY_CLAUSE_END = re.compile(rf"{CLAUSE_END.pattern}|,\s+")


# A part of a comparison asked of one thing ("…Iran's launch positions…") is answered by a
# sentence about that thing, when one of this many of the best names it within its first
# few words, and not the other thing ("Iran's drones and missiles had to traverse…"), rather
# than by one about both ("…of Iranian and Israeli strikes depended…").
_SIDE_CANDIDATES = 5
_SIDE_OPENING_WORDS = 4
_SIDE_SHARE = 0.75


@dataclass(frozen=True)
class _Candidate:
    chunk: Chunk
    scored: ScoredSentence
    score: float


class ExtractiveAnswerer:
    """Composes a short answer from the best sentences of the retrieved passages."""

    def __init__(
        self,
        retriever: Retriever,
        settings: AnswerSettings | None = None,
        whole_document: WholeDocumentQuestions | None = None,
    ) -> None:
        self.retriever = retriever
        self.policy = settings or AnswerSettings()
        self.whole_document = whole_document

    @property
    def corpus(self) -> Corpus:
        """The passages the retriever currently serves."""
        return self.retriever.corpus

    def resolve(self, turns: list[Turn]) -> tuple[Resolved, list[str]]:
        """Follow-ups resolved offline, from the words of the conversation."""
        corpus = self.corpus
        titles = frozenset().union(*corpus.titles.values())
        if len(turns) == 1:
            return resolve(turns, titles), []
        return resolve(turns, titles, corpus.proper_names(), corpus.documents_named), []

    def answer(self, question: Prepared) -> Draft:
        """The quoted answer, or a refusal."""
        return Draft(self.quote(question.parts), "extractive")

    def stream(self, question: Prepared) -> Iterator[str | Draft]:
        """The whole answer first (it is known at once), then its text word by word."""
        draft = self.answer(question)
        yield draft
        yield from _WORD.findall(draft.answer.text)

    def quote(self, parts: list[tuple[Query, list[Hit]]]) -> Answer:
        """One answer to a question in one or more parts: for each part after the first,
        its best sentence that an earlier part did not already take."""
        if len(parts) == 1:
            chosen = self._choose(*parts[0])
            return compose(chosen) if chosen else refusal()
        chosen = []
        for query, hits in parts:
            taken = frozenset(c.scored.sentence.id for c in chosen)
            chosen += self._choose(query, hits, taken)[:1]
        return compose(chosen) if chosen else refusal()

    def _choose(
        self, query: Query, hits: list[Hit], taken: frozenset[str] = frozenset()
    ) -> list[_Candidate]:
        """The sentences that answer `query`, best first, leaving out those `taken` by an
        earlier part of the question; none when it should be refused."""
        metadata = self._metadata_answer(query, hits) if hits else None
        if metadata:
            return [] if metadata.scored.sentence.id in taken else [metadata]
        if not taken and document_date_asked(query.own or query.text, self._names_document):
            return self._dated_answer(query, hits)
        part = self._part_answer(query, hits) if not taken else None
        if part is not None:
            return part
        # A question about the byline ("Who wrote it?") is never one about the whole text.
        summary = (
            self._summary_answer(query) if not taken and not metadata_asked(query.text) else []
        )
        if summary or not hits:
            return summary
        about = self._about_answer(query, hits) if query.topic and not taken else []
        if about:
            return [] if self.policy.check_specifics and self._contradicted(query, about) else about
        candidates = [c for c in self._candidates(query, hits) if c.scored.sentence.id not in taken]
        if query.sides is not None:
            candidates = self._about_side_first(query, candidates)
        if len(query.documents) > 1 and not taken:
            return self._compared(query, candidates)
        if query.seen and ASKS_WHAT_NEXT.search(query.own or query.text) and not taken:
            return self._next_told(query)
        reason = self._reason_told(query, hits) if not taken else None
        if reason is not None:
            return reason
        recited = self._recited(query, hits, candidates) if not taken else None
        if recited is not None:
            return self._checked(query, [recited])
        if not candidates or not self._is_supported(query, candidates[0]):
            return []
        chosen = self._select(candidates)
        if self.policy.connected_sentences:
            chosen = self._with_neighbours(query, candidates, chosen)
        if not has_expected_type(query.text, [c.scored.sentence.text for c in chosen]):
            chosen = self._typed(query, candidates) or chosen
        return self._checked(query, [self._shorten(query, c) for c in chosen])

    @staticmethod
    def _typed(query: Query, candidates: list[_Candidate]) -> list[_Candidate]:
        """When the best sentences lack what the question asks for ("When…?" and no time),
        the next one nearly as good that has it; none when there is none."""
        floor = _TYPED_SHARE * candidates[0].score
        return next(
            (
                [c]
                for c in candidates[1:3]
                if c.score >= floor and has_expected_type(query.text, [c.scored.sentence.text])
            ),
            [],
        )

    def _checked(self, query: Query, chosen: list[_Candidate]) -> list[_Candidate]:
        """The chosen sentences, or none when they lack what the question asks for or
        contradict what it states."""
        if not has_expected_type(query.text, [c.scored.sentence.text for c in chosen]):
            return []
        if self.policy.check_specifics and self._contradicted(query, chosen):
            return []
        return chosen

    def _next_told(self, query: Query) -> list[_Candidate]:
        """ "What happened next?": the sentence after the one the conversation gave last,
        in its document; none when it gave none or that one ends the document."""
        places = self.corpus.places_told(query.seen)
        following = self.corpus.sentences_following(places[-1], 1) if places else []
        return [_Candidate(c, ScoredSentence(s, 1.0, 1.0), 1.0) for c, s in following]

    def _compared(self, query: Query, candidates: list[_Candidate]) -> list[_Candidate]:
        """A question that names several documents is answered with the best sentence of
        each, when each is good enough; none when any is not."""
        chosen = []
        for document_id in sorted(query.documents):
            best = next((c for c in candidates if c.chunk.document_id == document_id), None)
            if best is None or not self._is_supported(query, best):
                return []
            chosen.append(self._shorten(query, best))
        return self._checked(query, chosen)

    def _about_side_first(self, query: Query, candidates: list[_Candidate]) -> list[_Candidate]:
        """In a comparison's part asked of one thing, the best candidates that speak of it
        and would answer on their own, nearly as good as the best, first; then the rest,
        each in their order."""
        if not candidates or query.sides is None:
            return candidates
        floor = _SIDE_SHARE * candidates[0].score
        about = [
            c
            for c in candidates[:_SIDE_CANDIDATES]
            if c.score >= floor
            and _opens_on(c.scored.sentence.text, *query.sides)
            and self._is_supported(query, c)
        ]
        return about + [c for c in candidates if c not in about]

    def _after_told(self, told_at: dict[tuple[int, int], str]) -> set[str]:
        """The sentences right after those the conversation gave, in document order: the
        next one may open the next passage."""
        corpus = self.corpus
        after = set()
        for (position, index), quote in told_at.items():
            sentence = corpus.sentences[corpus.chunks[position].id][index]
            if _quoted(quote, sentence.text):
                after |= {s.id for _, s in corpus.sentences_following((position, index), 1)}
        return after

    @staticmethod
    def _continues(query: Query, hit: Hit, told: list[bool], i: int, after_told: set[str]) -> bool:
        """Whether sentence `i` carries on from what the conversation already gave: it
        follows a sentence given, or, asked why, it comes before a sentence given that
        draws a conclusion from it ("… therefore …")."""
        if hit.sentences[i].sentence.id in after_told:
            return True
        return (
            i + 1 < len(told)
            and told[i + 1]
            and bool(EXPLANATION_QUESTION.search(query.text))
            and bool(CONCLUDES.search(hit.sentences[i + 1].sentence.text))
        )

    def _contradicted(self, query: Query, chosen: list[_Candidate]) -> bool:
        """Whether the question states a date, number, name or negation that the chosen
        sentences and their passages state differently: a question that only looks
        answerable."""
        passages = {c.chunk.id: f"{c.chunk.document_title}\n{c.chunk.text}" for c in chosen}
        documents = {c.chunk.document_id for c in chosen}
        evidence = Evidence(
            sentences=" ".join(c.scored.sentence.text for c in chosen),
            passages="\n".join(passages.values()),
            documents="\n".join(self.corpus.document_text(d) for d in sorted(documents)),
        )
        return contradicted_specific(query.own or query.text, evidence) is not None

    def _focus(self, query: Query) -> Callable[[Collection[str]], float] | None:
        """In a conversation, the share of what the last message newly asks (its focus
        terms the documents know, by IDF weight) that a set of terms holds; None outside a
        conversation or when the message asks nothing new."""
        corpus = self.corpus
        weights = {t: corpus.idf(t) for t in query.focus if t in corpus.document_frequency}
        total = sum(weights.values())
        if not query.seen or not total:
            return None
        return lambda found: sum(w for t, w in weights.items() if t in found) / total

    def _candidates(self, query: Query, hits: list[Hit]) -> list[_Candidate]:
        policy = self.policy
        focus = self._focus(query)
        candidates = []
        corpus = self.corpus
        told_at = dict(corpus.quotes_told(query.seen)) if query.seen else {}
        marked = corpus.quoted_in_marks(query.seen) if query.seen else []
        # A phrase that several sentences hold says nothing of which one was given.
        holding = {
            q: sum(q in s.sentence.text for hit in hits for s in hit.sentences) for q in marked
        }
        after = self._after_told(told_at)
        for hit in hits:
            if _is_byline(hit.chunk):
                continue
            position = corpus.position[hit.chunk.id]
            for s in hit.sentences:  # a quote from its middle, which no place was found for
                place = (position, s.sentence.index)
                quote = next((q for q in marked if q in s.sentence.text), None)
                if place not in told_at and quote is not None and holding[quote] == 1:
                    told_at[place] = quote
            told = [
                _quoted(told_at.get((position, s.sentence.index)), s.sentence.text)
                for s in hit.sentences
            ]
            for i, scored in enumerate(hit.sentences):
                found = corpus.sentence_terms[scored.sentence.id]
                if told[i] and asks_for_more(query.own or query.text):
                    continue  # "Anything else?": not the rest of a sentence already given
                if told[i]:
                    # The conversation gave this sentence, maybe only in part: what it left
                    # out may still answer. It keeps the whole sentence's similarity and term
                    # overlap (it goes on from what was asked), but only its own words count
                    # as what the follow-up newly asks.
                    untold = _untold(scored.sentence, told_at[(position, i)])
                    if untold is None:
                        continue
                    found = frozenset(terms(untold.text))
                    scored = replace(scored, sentence=untold)
                if is_instruction(scored.sentence.text):
                    continue  # a sentence telling a reader or a model what to say is no evidence
                if not states_something(scored.sentence.text):
                    continue  # "3.", an address, a heading: nothing stated
                score = (
                    scored.similarity
                    + policy.lexical_weight * scored.lexical
                    + policy.passage_weight * hit.score
                    + (_CONTINUATION_BONUS if self._continues(query, hit, told, i, after) else 0.0)
                    + (_FOLLOWS_BONUS if scored.sentence.id in query.follows else 0.0)
                    + (_FOCUS_WEIGHT * focus(found) if focus else 0.0)
                )
                candidates.append(_Candidate(hit.chunk, scored, score))
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _is_supported(self, query: Query, best: _Candidate) -> bool:
        policy = self.policy
        if best.score < policy.min_score:
            return False
        if _quotes_from(query.text, best.scored.sentence.text):
            return True
        # Asked about X ("What role does god / religion play…?"), what X's words are counts,
        # not the words that frame the question; of X's alternatives, the best known.
        alternatives = _ALTERNATIVES.split(query.topic) if query.topic else []
        asked = [
            weights
            for weights in (
                {
                    t: query.weights.get(t, self.corpus.idf(t))
                    for asked in terms(alternative)
                    for t in self.corpus.spelled_out(asked, alternative) or (asked,)
                }
                for alternative in alternatives
            )
            if weights
        ] or [query.weights]
        return any(self._known_enough(weights, best.scored.similarity) for weights in asked)

    def _known_enough(self, weights: Mapping[str, float], similarity: float) -> bool:
        """Whether the documents know enough of the question's words for an answer this
        close in meaning: with most of them unknown it must be close, with all of them
        closer still."""
        total = sum(weights.values())
        if not total:
            return True
        unknown = sum(w for t, w in weights.items() if not self.corpus.knows(t)) / total
        policy = self.policy
        if unknown == 1.0 and similarity < policy.all_unknown_min_similarity:
            return False
        return not (
            unknown >= policy.unknown_terms_share
            and similarity < policy.unknown_terms_min_similarity
        )

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        best = candidates[0]
        chosen = [best]
        words = len(best.scored.sentence.text.split())
        for candidate in candidates[1:3]:
            if candidate.score < self.policy.second_sentence_ratio * best.score:
                break
            length = len(candidate.scored.sentence.text.split())
            if words + length > self.policy.max_words or self._repeats(candidate, chosen):
                continue
            chosen.append(candidate)
            words += length
        return chosen

    def _with_neighbours(
        self, query: Query, candidates: list[_Candidate], chosen: list[_Candidate]
    ) -> list[_Candidate]:
        """The best sentence with the sentences it is connected to, when they fit: the one
        before it, when it points back ("this interest"); for a why or how question, the
        one after it, when that carries on ("They crave…, but…"): the best match often
        names the topic and the next gives the reason."""
        first = chosen[0].scored.sentence.text
        if ANNOUNCES.search(first) and len(first.split()) <= _SHORT_ANNOUNCEMENT:
            return self._with_items(chosen[0])
        # Asked for several things, the best sentence one item of a list: the list, when
        # that item fits in it.
        if ASKS_FOR_ITEMS.search(query.own or query.text):
            announcement = self._announcement(chosen[0])
            listed = self._with_items(announcement) if announcement is not None else []
            if any(c.scored.sentence.id == chosen[0].scored.sentence.id for c in listed):
                return listed
        if LEANS_ON_PREVIOUS.search(chosen[0].scored.sentence.text):
            chosen = self._joined(candidates, chosen, offset=-1)
        if EXPLANATION_QUESTION.search(query.text):
            chosen = self._joined(candidates, chosen, offset=1)
        return chosen

    def _with_items(self, first: _Candidate) -> list[_Candidate]:
        """A sentence that announces what follows ("…no patent license is granted by a
        Contributor:") with the sentences that follow it: the first always (cut to the
        answer limit if need be), and the next ones while they are items of a list ("(b)
        …") and fit in twice the answer limit, like an answer about a topic."""
        corpus = self.corpus
        place = (corpus.position[first.chunk.id], first.scored.sentence.index)
        kept, words = [first], len(first.scored.sentence.text.split())
        for chunk, sentence in corpus.sentences_following(place, _ITEMS):
            length = len(sentence.text.split())
            if len(kept) > 1 and (
                not self._is_item(chunk, sentence) or words + length > 2 * self.policy.max_words
            ):
                break
            scored = replace(first.scored, sentence=sentence, lexical=0.0)
            kept.append(_Candidate(chunk, scored, first.score))
            words += length
        return kept

    def _announcement(self, item: _Candidate) -> _Candidate | None:
        """The short sentence that announces the list `item` is an item of ("…provided
        that the following conditions are met:"), when the ones between are items too."""
        corpus = self.corpus
        if not self._is_item(item.chunk, item.scored.sentence):
            return None
        place = (corpus.position[item.chunk.id], item.scored.sentence.index)
        before = ((c, s) for c, s in corpus.sentences_before(*place) if states_something(s.text))
        for chunk, sentence in itertools.islice(before, _ITEMS):
            if ANNOUNCES.search(sentence.text):
                if len(sentence.text.split()) > _SHORT_ANNOUNCEMENT:
                    return None
                scored = replace(item.scored, sentence=sentence, lexical=0.0)
                return _Candidate(chunk, scored, item.score)
            if not self._is_item(chunk, sentence):
                return None
        return None

    def _is_item(self, chunk: Chunk, sentence: Sentence) -> bool:
        """Whether a sentence is an item of a list: marked "(b)" or "2." at its start, or
        just before it, in its passage or at the end of the one before."""
        if LIST_ITEM.match(sentence.text):
            return True
        before = chunk.text[: sentence.start - chunk.start][-_MARK_BEFORE:]
        position = self.corpus.position[chunk.id]
        if not before.strip() and position:
            previous = self.corpus.chunks[position - 1]
            if previous.document_id == chunk.document_id:
                before = previous.text[-_MARK_BEFORE:] + before
        return bool(ITEM_MARK_BEFORE.search(before))

    def _joined(
        self, candidates: list[_Candidate], chosen: list[_Candidate], offset: int
    ) -> list[_Candidate]:
        """`chosen` with the sentence `offset` places from its first one added (the one
        after only when it carries on), dropping the others if that is what it takes to
        stay within the answer limit."""
        first = chosen[0]
        place = (first.chunk.id, first.scored.sentence.index + offset)
        neighbour = next(
            (c for c in candidates if (c.chunk.id, c.scored.sentence.index) == place), None
        )
        if (
            neighbour is None
            or (offset > 0 and not CARRIES_ON.search(neighbour.scored.sentence.text))
            or any(c.scored.sentence.id == neighbour.scored.sentence.id for c in chosen)
        ):
            return chosen
        for kept in ([*chosen, neighbour], [first, neighbour]):
            if sum(len(c.scored.sentence.text.split()) for c in kept) <= self.policy.max_words:
                return kept
        return chosen

    def _shorten(self, query: Query, candidate: _Candidate) -> _Candidate:
        """A sentence longer than the answer limit is cut to its clauses that match best."""
        text = candidate.scored.sentence.text
        limit = self.policy.max_words
        if len(text.split()) <= limit:
            return candidate
        cuts = [0, *(m.end() for m in CLAUSE_END.finditer(text)), len(text)]
        # No clause boundary, or a first clause over the limit: cut at words.
        if len(cuts) < 3 or len(text[: cuts[1]].split()) > limit:
            words = [0, *(m.start() for m in re.finditer(r"(?<=\s)\S", text))]
            cuts = sorted({*cuts, *words[:: limit // 2 or 1], len(text)})

        # Each of the sentence's terms, with the question's terms it is a form of.
        forms = {f: {t for t in query.weights if same_word(t, f)} for f in set(terms(text))}

        def weight(piece: str) -> float:
            asked = set().union(*(forms.get(f, set()) for f in terms(piece)))
            # Summed exactly: a set's order changes with the process (hash seed), and a
            # float sum with its order, which would break ties between runs differently.
            return math.fsum(query.weights[t] for t in asked)

        if not weight(text):  # nothing asked is said: its opening, not a first clause alone
            return _cut(
                candidate, cuts, lambda p: len(p.split()) if text.startswith(p) else 0, limit
            )
        asked_if = bool(ASKED_ON_CONDITION.search(query.own or query.text))
        return _cut(candidate, cuts, weight, limit, asked_if)

    def _recited(self, query: Query, hits: list[Hit], fresh: list[_Candidate]) -> _Candidate | None:
        """A sentence the conversation already gave, when it answers what the follow-up
        newly asks clearly better than any sentence not yet given; then the answer is the
        part of it that says that ("including two generals"). What it newly asks is its
        focus terms, or for "Where?", "When?", "How many?" the kind of thing asked for. A
        question about what was said ("which country did you say…?") looks only there."""
        told = [(hit, s) for hit in hits for s in hit.sentences if s.sentence.text in query.seen]
        cover = self._focus(query)
        if not told:
            return None
        if cover is None:
            return self._recited_kind(query, told)
        corpus = self.corpus

        def value(scored: ScoredSentence) -> float:
            return cover(corpus.sentence_terms[scored.sentence.id]) + scored.similarity

        hit, scored = max(told, key=lambda found: value(found[1]))
        rival = max((value(c.scored) for c in fresh), default=0.0)
        recalled = bool(RECALLS_ANSWER.search(query.own or query.text))  # "did you say…"
        if not recalled and (
            cover(corpus.sentence_terms[scored.sentence.id]) < _RECITE_COVERAGE
            or value(scored) < rival + _RECITE_MARGIN
        ):
            return None
        kind = wanted_kind(query.own or query.text)  # "which other country…": a name

        def holds(piece: str) -> float:
            gives = kind is not None and bool(new_matches(kind, query.text, piece))
            return cover(set(terms(piece))) + (_KIND_BONUS if gives else 0.0)

        return _clause(
            _Candidate(hit.chunk, scored, scored.similarity),
            holds,
            self.policy.max_words,
            bool(ASKED_ON_CONDITION.search(query.own or query.text)),
        )

    def _reason_told(self, query: Query, hits: list[Hit]) -> list[_Candidate] | None:
        """ "Why?" right after an answer whose sentence gives a reason after what the answer
        quoted ("…in early 2022, when Russia, having reduced its footprint there…"): that
        clause, to the end of the sentence; None when there is none or it is too long."""
        if not query.seen or not asks_why_of_it(query.own or query.text):
            return None
        corpus = self.corpus
        told = corpus.quotes_told(query.seen)
        if not told:
            return None
        (position, index), quoted = told[-1]
        found = (
            (hit, scored)
            for hit in hits
            if corpus.position[hit.chunk.id] == position
            for scored in hit.sentences
            if scored.sentence.index == index
        )
        hit, scored = next(found, (None, None))
        if hit is None or scored is None:
            return None
        text = scored.sentence.text
        given = text.find(quoted)
        reason = next((m for m in GIVES_REASON.finditer(text) if m.start() > given >= 0), None)
        if reason is None:
            return None
        start = reason.start() + len(reason.group()) - len(reason.group().lstrip(", "))
        if len(text[start:].split()) > self.policy.max_words:
            return None
        clause = _cut(
            _Candidate(hit.chunk, scored, scored.similarity),
            [start, len(text)],
            lambda piece: 1.0,
            self.policy.max_words,
        )
        return self._checked(query, [clause])

    def _recited_kind(
        self, query: Query, told: list[tuple[Hit, ScoredSentence]]
    ) -> _Candidate | None:
        """ "Where?" after an answer that named the place: the clause of it that does."""
        wanted = wanted_kind(query.own)
        if wanted is None:
            return None
        for hit, scored in told:
            if new_matches(wanted, query.text, scored.sentence.text):
                return _clause(
                    _Candidate(hit.chunk, scored, scored.similarity),
                    lambda piece: float(bool(new_matches(wanted, query.text, piece))),
                    self.policy.max_words,
                )
        return None

    def _repeats(self, candidate: _Candidate, chosen: list[_Candidate]) -> bool:
        mine = self._vector(candidate)
        return any(float(self._vector(other) @ mine) > _DUPLICATE_SIMILARITY for other in chosen)

    def _vector(self, candidate: _Candidate) -> Vectors:
        sentence = candidate.scored.sentence
        vector: Vectors = self.corpus.sentence_matrix(sentence.chunk_id)[sentence.index]
        return vector

    def _about_answer(self, query: Query, hits: list[Hit]) -> list[_Candidate]:
        """A few sentences about the question's topic that say different things (MMR over
        the sentences that name it), in document order; none when no sentence names it."""
        topic = self._topic_names(query.topic)
        candidates = [
            replace(c, score=c.score + _ABOUT_SUBJECT_BONUS * _opens_with(topic, c))
            for c in self._candidates(query, hits)
            if self._speaks_of(topic, c.chunk, c.scored.sentence)
        ]
        candidates.sort(key=lambda c: -c.score)
        if not candidates or not self._is_supported(query, candidates[0]):
            return []
        chosen = [candidates[0]]
        words = len(candidates[0].scored.sentence.text.split())
        while len(chosen) < _ABOUT_SENTENCES:
            scored = [
                (
                    c.score
                    - _ABOUT_NOVELTY
                    * max(float(self._vector(c) @ self._vector(o)) for o in chosen),
                    c,
                )
                for c in candidates
                if c not in chosen
                and words + len(c.scored.sentence.text.split()) <= 2 * self.policy.max_words
                and not self._repeats(c, chosen)
            ]
            if not scored:
                break
            best = max(scored, key=lambda pair: pair[0])[1]
            chosen.append(best)
            words += len(best.scored.sentence.text.split())
        return chosen

    def _speaks_of(self, topic: list[frozenset[str]], chunk: Chunk, sentence: Sentence) -> bool:
        """Whether a sentence names the topic, or opens with "it", "they", "he"… right after
        one that names it ("Velor, for one, … It followed the council's lead…")."""
        said = self.corpus.sentence_terms
        if _names_topic(topic, said[sentence.id]):
            return True
        if sentence.index == 0 or not _OPENS_WITH_PRONOUN.match(sentence.text):
            return False
        before = self.corpus.sentences[chunk.id][sentence.index - 1]
        return _names_topic(topic, said[before.id])

    def _topic_names(self, topic: str) -> list[frozenset[str]]:
        """The ways a sentence names a topic: by any of its terms, or by all the terms of
        the name one of them is the initials of ("UK's role": united, kingdom)."""
        return [frozenset(self.corpus.spelled_out(t, topic) or (t,)) for t in terms(topic)]

    def _names_document(self, phrase: str) -> bool:
        return bool(self.corpus.documents_named(phrase))

    def _body_asked(self, query: Query, hits: list[Hit]) -> list[str]:
        """The passages, in order and without the byline, of the document a question about
        a document asks of: the one it names, else the one searched alone, the only one, or
        the best passage's."""
        corpus = self.corpus
        named = query.documents or query.only or frozenset(corpus.documents)
        if len(named) != 1 and not hits:
            return []
        document_id = next(iter(named)) if len(named) == 1 else hits[0].chunk.document_id
        chunk_ids = [c for c in corpus.documents[document_id].chunk_ids if c in corpus.position]
        return [c for c in chunk_ids if not _is_byline(corpus.chunks[corpus.position[c]])]

    def _dated_answer(self, query: Query, hits: list[Hit]) -> list[_Candidate]:
        """ "When was this article published?": the document's opening sentence that gives
        a date ("Version 2.0, January 2004"); none, and so a refusal, when it opens with no
        date."""
        corpus = self.corpus
        opening = [
            (chunk_id, sentence)
            for chunk_id in self._body_asked(query, hits)
            for sentence in corpus.sentences.get(chunk_id, [])
        ][:_DATE_SENTENCES]
        for chunk_id, sentence in opening:
            if YEAR.search(sentence.text):  # its date has a year: "April" alone is no date
                chunk = corpus.chunks[corpus.position[chunk_id]]
                return self._checked(
                    query, [_Candidate(chunk, ScoredSentence(sentence, 1.0, 1.0), 1.0)]
                )
        return []

    def _part_answer(self, query: Query, hits: list[Hit]) -> list[_Candidate] | None:
        """A question about a document's end or start ("How does he close his speech?") is
        answered from that part alone (see `_body_asked`). None for any other question."""
        part = document_part_asked(query.own or query.text, self._names_document)
        if part is None:
            return None
        body = self._body_asked(query, hits)
        if not body:
            return None
        corpus = self.corpus
        share = max(1, round(len(body) * _PART_SHARE))
        within = body[-share:] if part == "end" else body[:share]
        candidates = self._candidates(query, self.retriever.score(query, within))
        if not candidates:
            return None  # nothing stated there: the question is searched as any other
        if not set(query.terms) - _PART_TERMS - corpus.byline_terms:
            # Nothing asked but the part ("How does it end?"): its last or first sentences.
            candidates.sort(key=lambda c: (corpus.position[c.chunk.id], c.scored.sentence.index))
            ordered = (
                candidates[-_PART_SENTENCES:] if part == "end" else candidates[:_PART_SENTENCES]
            )
            return self._checked(query, [self._shorten(query, c) for c in ordered])
        # A topic it asks the part about ("What does the conclusion say about taxes?") must be
        # said there, by one of its words the documents use; else the question is searched as
        # any other.
        topic = set(terms(query.topic or "")) - _PART_TERMS - corpus.byline_terms
        known = [t for t in topic if corpus.knows(t)]
        said = {s for c in candidates for s in corpus.sentence_terms[c.scored.sentence.id]}
        if known and not any(same_word(t, s) for t in known for s in said):
            return None
        return self._checked(query, [self._shorten(query, c) for c in self._select(candidates)])

    def _summary_answer(self, query: Query) -> list[_Candidate]:
        """A question about a whole document is answered with its stored summary: the
        document it names by title, else the only one; with several and none named, the
        first summary sentence of each, as a digest."""
        corpus = self.corpus
        naming = corpus.documents_named(query.text)
        naming_terms = {t for said in naming.values() for t in terms(" ".join(said))}
        if self.whole_document is None or not self.whole_document.asked(
            query.text,
            query.vector,
            corpus.byline_terms | naming_terms,
            corpus.document_frequency,
            naming_terms,
        ):
            return []
        within = [d for d in corpus.documents.values() if not query.only or d.id in query.only]
        named = [
            d for d in _documents_named(query.text, corpus) if not query.only or d in query.only
        ]
        if named or len(within) == 1:
            document = corpus.documents[named[0]] if named else within[0]
            return self._summary_sentences(document.summary)
        digest: list[_Candidate] = []
        for document in sorted(within, key=lambda d: d.title.lower()):
            first = self._summary_sentences(document.summary[:1])
            words = sum(len(c.scored.sentence.text.split()) for c in digest + first)
            if first and words <= self.policy.max_words * 2:
                digest += first
        return digest

    def _summary_sentences(self, sentence_ids: tuple[str, ...]) -> list[_Candidate]:
        corpus = self.corpus
        found = []
        for sentence_id in sentence_ids:
            chunk_id, _, index = sentence_id.rpartition(":")
            sentences = corpus.sentences.get(chunk_id, [])
            position = corpus.position.get(chunk_id)
            if position is None or int(index) >= len(sentences):
                return []  # the summary names what is no longer there: no summary
            scored = ScoredSentence(sentences[int(index)], 1.0, 1.0)
            found.append(_Candidate(corpus.chunks[position], scored, 1.0))
        return found

    def _metadata_answer(self, query: Query, hits: list[Hit]) -> _Candidate | None:
        """Authorship, title and publication questions are answered from the byline."""
        wanted = _metadata_line(query.text, self.corpus, hits[0].chunk.document_id)
        chunk = self.corpus.byline_chunk(hits[0].chunk.document_id)
        if wanted is None or chunk is None:
            return None
        for sentence in self.corpus.sentences.get(chunk.id, []):
            if sentence.text == wanted:
                return _Candidate(chunk, ScoredSentence(sentence, 1.0, 1.0), 1.0)
        return None


def _clause(
    candidate: _Candidate, value: Callable[[str], float], max_words: int, asked_if: bool = False
) -> _Candidate:
    """The shortest run of a sentence's clauses (cut at commas too) that `value`s highest."""
    text = candidate.scored.sentence.text
    cuts = [0, *(m.end() for m in _ANY_CLAUSE_END.finditer(text)), len(text)]
    return _cut(
        candidate,
        cuts,
        lambda piece: value(piece) - _RECITE_WORD_COST * len(piece.split()),
        max_words,
        asked_if,
    )


def _cut(
    candidate: _Candidate,
    cuts: list[int],
    value: Callable[[str], float],
    max_words: int,
    asked_if: bool = False,
) -> _Candidate:
    """The candidate cut to the run of pieces between `cuts` that `value`s highest, within
    `max_words`; its offsets still point at the exact text in the document. `asked_if`:
    the question states a condition, so a run does not end on one the sentence goes on
    from ("and when so paused," is not what happens then), unless no other run fits."""
    sentence = candidate.scored.sentence
    spans = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if sentence.text[a:b].strip()]
    open_ends = {
        j
        for j, (a, b) in enumerate(spans[:-1])
        if asked_if and OPENS_WITH_CONDITION.match(sentence.text[a:b])
    }
    best = _best_run(sentence.text, spans, value, max_words, open_ends)
    if best is None and open_ends:
        best = _best_run(sentence.text, spans, value, max_words, set())
    if best is None:
        return candidate
    piece = sentence.text[best[1] : best[2]]
    start = best[1] + len(piece) - len(piece.lstrip())
    piece = piece.strip().rstrip(",;:—–")
    trimmed = replace(
        sentence, start=sentence.start + start, end=sentence.start + start + len(piece), text=piece
    )
    return replace(candidate, scored=replace(candidate.scored, sentence=trimmed))


def _best_run(
    text: str,
    spans: list[tuple[int, int]],
    value: Callable[[str], float],
    max_words: int,
    not_ends: Collection[int],
) -> tuple[float, int, int] | None:
    """The (value, start, end) of the run of `spans` that `value`s highest within
    `max_words`, ending on no span in `not_ends`. On a tie the run that starts first wins,
    and of the runs that start there, the shortest."""
    best: tuple[float, int, int] | None = None
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            start, end = spans[i][0], spans[j][1]
            piece = text[start:end]
            if len(piece.split()) > max_words:
                break
            if j in not_ends:
                continue
            score = value(piece)
            if best is None or score > best[0]:
                best = (score, start, end)
    return best


def _opens_on(text: str, name: str, other: str) -> bool:
    """Whether a sentence names `name` ("Iran", "Iran's", "Iranian"; "senate": "Senator")
    among its first words, and not `other` ("Because Iran and Israel do not…" speaks of
    both)."""
    sides = [_side_named(word, name, other) for word in words(text)[:_SIDE_OPENING_WORDS]]
    return name in sides and other not in sides


def _side_named(word: str, name: str, other: str) -> str | None:
    """Which of two names a word is, as one search term is another (`same_word`): the
    name's stem itself or with a short ending ("Israeli", "Iranian", "Senator"); of two
    that fit ("Niger" and "Nigeria"), the one closer in length."""
    stem = (terms(word) or [word])[0]
    stems = {side: (terms(side) or [side])[0] for side in (name, other)}
    fits = [side for side in (name, other) if same_word(stem, stems[side])]
    return min(fits, key=lambda side: abs(len(stems[side]) - len(stem))) if fits else None


def compose(chosen: list[_Candidate]) -> Answer:
    """Merge adjacent sentences of one passage into one quote; order by the document."""
    chosen = sorted(chosen, key=lambda c: (c.chunk.document_id, c.scored.sentence.start))
    groups: list[list[_Candidate]] = []
    for candidate in chosen:
        last = groups[-1][-1] if groups else None
        if last is not None and _follows_on(last, candidate):
            groups[-1].append(candidate)
        else:
            groups.append([candidate])
    quotes, sentences = [], []
    for marker, group in enumerate(groups, start=1):
        chunk = group[0].chunk
        start, end = group[0].scored.sentence.start, group[-1].scored.sentence.end
        text = chunk.text[start - chunk.start : end - chunk.start]
        quotes.append(Quote(chunk, start, end, text, max(c.score for c in group)))
        sentences += [f"{c.scored.sentence.text} [{marker}]" for c in group]
    return Answer(True, tuple(quotes), " ".join(sentences))


def _follows_on(last: _Candidate, candidate: _Candidate) -> bool:
    """Whether a quote follows another in its passage with only space between: then they
    make one quote. A sentence cut to a clause leaves a gap, and the two stay apart."""
    if last.chunk.id != candidate.chunk.id:
        return False
    chunk = last.chunk
    between = chunk.text[
        last.scored.sentence.end - chunk.start : candidate.scored.sentence.start - chunk.start
    ]
    return last.scored.sentence.end <= candidate.scored.sentence.start and not between.strip()


def _names_topic(topic: list[frozenset[str]], found: Collection[str]) -> bool:
    """Whether terms `found` name a topic, given the ways to name it (`_topic_names`)."""
    return any(way <= set(found) for way in topic)


def _quotes_from(question: str, sentence: str) -> bool:
    """Whether the question quotes a phrase the sentence holds word for word ("what's the
    'Linked Version'?"), a phrase with a word of its own (not "'it'")."""
    return any(
        terms(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", sentence, re.I)
        for phrase in QUOTED_PHRASE.findall(question)
    )


def _opens_with(topic: list[frozenset[str]], candidate: _Candidate) -> bool:
    """Whether a sentence names the topic in its first words: most often, it is about it."""
    opening = " ".join(candidate.scored.sentence.text.split()[:_SUBJECT_WORDS])
    return _names_topic(topic, terms(opening))


def _is_byline(chunk: Chunk) -> bool:
    """The first paragraph of every cleaned document is its title and byline: metadata."""
    return chunk.paragraph_index == 0


def _quoted(quote: str | None, sentence: str) -> bool:
    """Whether an earlier answer quoted this sentence, whole or in part, word for word (an
    answer in other words is no quote of it)."""
    return quote is not None and quote in sentence


def _untold(sentence: Sentence, quoted: str) -> Sentence | None:
    """What a sentence the conversation already quoted in part still says: the longer side
    around the part quoted (which it holds word for word), when that states something; None
    when it was quoted whole, or when that side does not stand apart from the part quoted
    at a clause's end ("Israel, for its part, knows that" before "a larger conflict…")."""
    text = sentence.text
    if quoted == text:
        return None
    at = text.index(quoted)
    before, after = (0, at), (at + len(quoted), len(text))
    start, end = max(before, after, key=lambda span: span[1] - span[0])
    if end == at:  # the words before the quote: they end at a mark of their own
        joint = text[:at].rstrip()[-1:]
    else:  # the words after it: the quote ends at a mark, or they begin with one
        joint = quoted.rstrip()[-1:] + text[at + len(quoted) :].lstrip(" ")[:1]
    if not any(mark in _CLAUSE_JOINTS for mark in joint):
        return None
    piece = text[start:end]
    start += len(piece) - len(piece.lstrip(_CUT_MARKS))
    piece = piece.strip(_CUT_MARKS)
    if len(piece.split()) < _UNTOLD_MIN_WORDS or not states_something(piece):
        return None
    return replace(
        sentence, start=sentence.start + start, end=sentence.start + start + len(piece), text=piece
    )


def _documents_named(question: str, corpus: Corpus) -> list[str]:
    """Documents the question names, best named first: by its title (all of its words, or
    at least two) or by words that name it alone (initials, "mpl 2.0"), counting both."""
    said = set(terms(question))
    naming = corpus.documents_named(question)
    counts = []
    for document in corpus.documents.values():
        title = set(terms(document.title))
        shared = len(title & said)
        if document.id in naming or (title and (shared == len(title) or shared >= 2)):
            counts.append((-shared - len(naming.get(document.id, ())), document.id))
    return [document_id for _, document_id in sorted(counts)]


def _metadata_line(question: str, corpus: Corpus, document_id: str) -> str | None:
    """The byline line that answers a question about the document itself, if any."""
    document = corpus.documents.get(document_id)
    if document is None:
        return None
    for field in metadata_asked(question):
        if field == "author" and document.author:
            return f"By {document.author}"
        if field == "publication" and document.publication:
            return document.publication
        if field == "title":
            return document.title
    return None
