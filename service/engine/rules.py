"""The extractive answerer's rules, as data: what a question asks for, and what an answer
to it must then contain.

QUESTION_TYPES is read top to bottom and the first type whose pattern matches the question
is its type, so the precedence is the order of the table: "How much did it cost?" is a money
question before it is a count question. A question of no type needs nothing particular.

METADATA_QUESTIONS are answered from a document's byline (author, publication, title), in
the same first-match order.

Shared words and patterns (numbers, dates, names, markers) come from `index/vocabulary.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import TypeVar

from citeqa.index.terms import STOP_WORDS, terms, words
from citeqa.index.vocabulary import (
    AUXILIARIES,
    DATE,
    DOCUMENT_KIND,
    LIST_MARK,
    MONEY,
    MONTH,
    NAME,
    NAME_RUN,
    QUANTITY,
    SMALL_CARDINALS,
    TEENS,
    TENS,
    any_of,
)


def new_matches(pattern: re.Pattern[str], question: str, text: str) -> set[str]:
    """What `pattern` finds in `text` that the question does not already say."""
    asked = {m.group().lower() for m in pattern.finditer(question)}
    return {m.group().lower() for m in pattern.finditer(text)} - asked


def gives_new(pattern: re.Pattern[str]) -> Callable[[re.Match[str], str, str], bool]:
    """The check "the answer gives a `pattern` the question lacks"."""
    return lambda _asked, question, text: bool(new_matches(pattern, question, text))


# Words for the parts a whole is divided into, which name no thing of their own: "How many
# groups were they split into?" is answered by a number of them or of things the question
# does not name ("into three Classes"), not by "two Senators" (the whole), "six Years" (a
# length), "one Vote", "several States" or "2022".
_PARTS = frozenset(
    "groups parts kinds types sorts categories classes sections pieces portions sets "
    "divisions batches tiers stages phases".split()
)
_NUMBER_OF_THINGS = re.compile(
    rf"\b(?!one\b)(?:\d{{1,3}}|{any_of(f'{SMALL_CARDINALS} {TEENS} {TENS}')}) "
    r"(?P<things>[^\W\d_]+)",
    re.I,
)


def gives_count(asked: re.Match[str], question: str, text: str) -> bool:
    """Whether `text` gives a quantity the question lacks, and, when the question asks how
    many of a thing ("How many delegates…?"), names that thing too, by its first letters:
    "thirteen united States" counts no delegates. How many parts ("groups", "kinds") a
    whole has is a number of them, or of things the question does not name."""
    if not new_matches(QUANTITY, question, text):
        return False
    thing = (asked.groupdict().get("thing") or "").lower()
    if not thing or thing in STOP_WORDS:
        return True
    if thing in _PARTS:
        said = {w[:_NAME_STEM] for w in words(question)} - {thing[:_NAME_STEM]}
        counted = (m["things"].lower() for m in _NUMBER_OF_THINGS.finditer(text))
        return any(
            c[:_NAME_STEM] not in said and c not in STOP_WORDS and not re.fullmatch(_UNITS, c, re.I)
            for c in counted
        )
    return any(word.startswith(thing[:_NAME_STEM]) for word in words(text))


# What may be charged, said in words, as a limit: "at a charge no more than the cost of
# distribution", "free of charge". Only for a question about charging ("How much may I
# charge…?"): a grant's "royalty-free" or a "cost of…" answers no "How much does it cost?".
_ASKS_WHAT_MAY_BE_CHARGED = re.compile(r"\b(?:charg\w*|fees?)\b", re.I)
_PRICE_IN_WORDS = re.compile(
    r"\b(?:charge|fee|price)s? (?:no more than|not (?:more than|exceeding|to exceed)|"
    r"at most|up to)\b"
    r"|\b(?:free of charge|at no (?:charge|cost)|without (?:charge|fee|payment))\b",
    re.I,
)


def _gives_money(asked: re.Match[str], question: str, text: str) -> bool:
    """Whether `text` gives an amount of money the question lacks, or, asked what may be
    charged, says in words what may be."""
    if new_matches(MONEY, question, text):
        return True
    return bool(_ASKS_WHAT_MAY_BE_CHARGED.search(question) and _PRICE_IN_WORDS.search(text))


# "When is it justified?", "When can the lock close?": asked in the present or with a modal,
# "when" asks the condition as well as the time ("if a ship…", "when the tide…"); "When did…?",
# "When will…?" and "When is the election?" (a thing's time) ask a time.
_ASKS_CONDITION = re.compile(
    r"\bwhen (is|are|does|do|can|could|should|must|may|might|would)\b", re.I
)
# "When is the election?", "When is the next vote?": a thing's time (not "When is a toll
# charged?", which ends on a participle).
_ASKS_A_THINGS_TIME = re.compile(
    r"\bwhen (?:is|are) (?:the|a|an|this|that|these|those|its|their|his|her|our|my|your)"
    r"(?: [\w’'-]+)?(?: (?![\w’'-]*(?:ed|en)\b)[\w’'-]+)\W*$",
    re.I,
)
_STATES_CONDITION = re.compile(
    r"\b(if|when|whenever|unless|once|provided|as long as|in case|in the event|"
    r"(scenario|case|situation|event|world) in which)\b",
    re.I,
)


def gives_time(asked: re.Match[str], question: str, text: str) -> bool:
    """Whether `text` gives a date or time the question lacks, or, asked when something
    holds, the condition it holds on."""
    if new_matches(DATE, question, text):
        return True
    asks_condition = _ASKS_CONDITION.search(question) and not _ASKS_A_THINGS_TIME.search(question)
    return bool(asks_condition and _STATES_CONDITION.search(text))


# A thing given its name: "named Kingsway", "known as the Mercy Route", "Operation Dawn".
NAMING = re.compile(
    r"\b(named|called|dubbed|known as|code-?named|titled)\s+(the\s+)?[\"“‘']?[A-Z]"
    r"|\bOperation [A-Z]"
)


def gives_name(asked: re.Match[str], question: str, text: str) -> bool:
    """Whether `text` gives a name: by a naming word ("named Kingsway"), or, when the
    question asks for the name of a thing, as a new name right before it ("the Carlow
    lighthouse"). A name merely near the thing ("an airbase in Iran") is not its name."""
    if NAMING.search(text):
        return True
    if asked.groupdict().get("whose"):
        return _gives_persons_name(text)
    thing = asked.groupdict().get("thing")
    if not thing:
        return False
    head = re.escape(thing.split()[-1])
    named = re.compile(rf"{NAME.pattern}(?= (?:[A-Z][\w’'-]+ )*{head}s?\b)")
    return bool(new_matches(named, question, text))


# Words before a place or an office rather than a person: "of Upper Velor", "the Governor".
_BEFORE_NO_PERSON = re.compile(
    r"\b(the|a|an|of|in|at|from|to|into|for|on|over|across|against)\s+$", re.I
)


# Two capitalised words or more opening a sentence ("Ardo Kessel runs…").
_OPENING_RUN = re.compile(r"(?:^|(?<=[.!?] ))[A-Z][\w’'-]*(?: [A-Z][\w’'-]*)+")


def _gives_persons_name(text: str) -> bool:
    """Whether `text` names a person in full: two capitalised words or more ("Ardo Kessel")
    after no article or preposition, or opening a sentence after none ("The House…" is no
    one). One alone may be a noun written capitalised ("let Tests be run")."""
    if any(
        len(run.group().split()) > 1 and not _BEFORE_NO_PERSON.search(text[: run.start()])
        for run in NAME_RUN.finditer(text)
    ):
        return True
    return any(
        not _BEFORE_NO_PERSON.search(run.group().split()[0] + " ")
        for run in _OPENING_RUN.finditer(text)
    )


# What answers "how long": a number of units of time or of text ("the first two weeks",
# "ten or fewer lines", "six Years", "every second Year", "from 1861 to 1865"), or a word
# for how long something lasts ("perpetual", "during good Behaviour").
_UNITS = (
    r"seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centur(?:y|ies)|"
    r"lines?|pages?|words?|characters?|feet|foot|miles?|metres?|meters?|kilometres?|kilometers?"
)
LENGTH = re.compile(
    rf"\b(?:\d[\d,.]*|{any_of(f'{SMALL_CARDINALS} {TEENS} {TENS} a an several few many')})"
    rf"\s+(?:[\w-]+\s+){{0,2}}(?:{_UNITS})\b"
    rf"|\bevery\s+(?:[\w-]+\s+)?(?:{_UNITS})\b|\bfrom\s+\d{{4}}\s+(?:to|until|till)\s+\d{{4}}\b"
    r"|\b(?:perpetual(?:ly)?|indefinitely|forever|permanent(?:ly)?|until|till|as long as|"
    r"duration|fortnight|season|during|for (?:years|decades|months|weeks|days|long))\b",
    re.I,
)


# "when the senate holds a trial, do the senators swear an oath?", "When the President is
# tried, who presides?": "when" opens a clause and the question comes after it (not "When
# was the treaty signed?", nor "when the treaty was signed?").
_AUXILIARIES = any_of(AUXILIARIES)
# The clause has four words at least before its question ("When exactly did…?", "When in
# 1787 did…?" ask a time), within one sentence.
_WHEN_CLAUSE_THEN_QUESTION = (
    rf"\s+(?!{_AUXILIARIES}\b)(?:[^?.!]*?,\s*(?:who|whom|what|which|how|why|where|{_AUXILIARIES})\b"
    rf"|(?:[^\s?.!,]+\s+){{3}}[^?.!,]*?\b{_AUXILIARIES}\s+"
    r"(?:the|they|he|she|it|we|you|i|a|an|this|these|those|its|their)\b)"
)


@dataclass(frozen=True)
class QuestionType:
    """A kind of question: how it is recognised, and what its answer must contain."""

    name: str
    asks: re.Pattern[str]
    needs: Callable[[re.Match[str], str, str], bool]  # (match, question, answer text)
    description: str


QUESTION_TYPES: tuple[QuestionType, ...] = (
    QuestionType(
        "money",
        re.compile(
            r"\bhow much\b.*\b(cost|costs|spend|spent|pay|paid|price|worth|budget|charge)\b|"
            r"\bwhat (was|is|were|are) the (cost|price|budget|bill)\b",
            re.I,
        ),
        _gives_money,
        "an amount of money the question does not name, or what may be charged, in words",
    ),
    QuestionType(
        "count",
        re.compile(
            r"\bhow many (?P<thing>[^\W\d_]+)|\bhow (many|much)\b"
            r"|\bwhat (number|percentage|share)\b",
            re.I,
        ),
        gives_count,
        "a number or quantity the question does not name",
    ),
    QuestionType(
        "length",
        re.compile(r"\bhow long\b(?! ago\b)", re.I),
        gives_new(LENGTH),
        "a length of time or of text, or how long it lasts",
    ),
    QuestionType(
        "time",
        # "When did…", "Since when…", "…, and when?"; not "What … when it came to X?".
        re.compile(
            r"(^|[,;]\s*|\b(and|but|so|since|until|till|by|from|know|tell me|say)\s+)when\b"
            rf"(?!{_WHEN_CLAUSE_THEN_QUESTION})"
            r"|\bwhat (year|date|month|day)\b|\bon what date\b",
            re.I,
        ),
        gives_time,
        "a date or time the question does not name, or the condition asked",
    ),
    QuestionType(
        "name",
        # "What was the name of the airbase…?", "What code name…?"
        re.compile(
            r"\b(what|which) (was|is|were|are) the names? of (the |an? |its |their |his |her )?"
            r"(?P<thing>[\w’'-]+(?: [\w’'-]+)*?)"
            r"(?= (that|which|who|where|when|in|on|at|for|by)\b|\W*$)"
            r"|\bcode ?name\b"
            # "What was his name?", "What was Kessel’s name?" (a follow-up resolved)
            r"|\bwhat(?:’s|'s| is| was) "
            r"(?P<whose>his|her|(?-i:[A-Z])[\w-]*(?: (?-i:[A-Z])[\w-]*)*(?:’s|'s)) name\b",
            re.I,
        ),
        gives_name,
        "the thing's name",
    ),
    QuestionType(
        "person in charge",
        re.compile(
            r"\bwho(?:’s|'s| is| was| are| were)? (?:in charge of|the (?:head|leader|chief) of)\b",
            re.I,
        ),
        lambda _asked, _question, text: _gives_persons_name(text),
        "a person's name in full",
    ),
    QuestionType(
        "person",
        re.compile(r"^\s*(who|whom)\b|\bwho (is|was|are|were)\b", re.I),
        gives_new(NAME),
        "a name the question does not say",
    ),
)


# What kind of thing a question asks for, when a clause should hold it: "how many…" a
# number, "when…" a date, "who…", "where…", "which country…" a name. The first row whose
# question words the question has.
ASKS_FOR: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"\bhow (many|much)\b", re.I), QUANTITY),
    (re.compile(r"\bwhen\b|\bwhat (year|date|month|day)\b", re.I), DATE),
    (re.compile(r"\b(where|who|whom|which [a-z]+)\b", re.I), NAME),
)


# A phrase a question puts in quotation marks: "what's the 'Linked Version'?" (not the
# apostrophe of "what's").
QUOTED_PHRASE = re.compile(r"(?:^|(?<=[\s(]))['\"“‘]([^'\"“”‘’]{2,60}?)['\"”’](?=[\s?.,!:;)]|$)")
# "Which country did you say…?", "What did you mention about…?": a question about the
# answers already given.
RECALLS_ANSWER = re.compile(
    r"\b(did|do) you (just )?(say|mention|tell me|call)\b|\byou (just )?(said|mentioned)\b",
    re.I,
)
# "What happened next?", "And then?": the story after what the conversation already told.
ASKS_WHAT_NEXT = re.compile(
    r"^\W*(and\s+|so\s+)?(then\s+)?(what\s+(happened|happens|came|comes|followed)\s+"
    r"(next|then|after( that)?|afterwards)|what\s+next|then\s+what|and\s+then|what\s+then)\W*$",
    re.I,
)


def wanted_kind(question: str) -> re.Pattern[str] | None:
    """The kind of thing a question asks for (ASKS_FOR), or None."""
    return next((wants for asks, wants in ASKS_FOR if asks.search(question)), None)


def question_type(question: str) -> tuple[QuestionType, re.Match[str]] | None:
    """The first type in QUESTION_TYPES whose pattern matches, with the match."""
    for kind in QUESTION_TYPES:
        match = kind.asks.search(question)
        if match:
            return kind, match
    return None


def has_expected_type(question: str, sentences: list[str]) -> bool:
    """Whether the sentences give what the question's type asks for."""
    found = question_type(question)
    if found is None:
        return True
    kind, match = found
    return kind.needs(match, question, " ".join(sentences))


# Questions about a document rather than its content, answered from its byline: the first
# match wins, and a field the document lacks leaves the question to the passages.
METADATA_QUESTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "author",
        re.compile(
            r"\b(who (wrote|authored|penned|delivered)|who is the (author|writer)|"
            r"author of (this|the)|written by|byline)\b",
            re.I,
        ),
    ),
    (
        "publication",
        re.compile(
            r"\b(magazine|publication|newspaper|journal|outlet|publisher|published (in|by)|"
            r"which (site|paper)|where (was|is) (it|this|the \w+) published)\b",
            re.I,
        ),
    ),
    (
        "title",
        re.compile(r"\b(title|headline|called|named)\b.*\b(article|piece|essay|document)\b", re.I),
    ),
)


def metadata_asked(question: str) -> list[str]:
    """The byline fields a question may ask for, in order of precedence."""
    return [field for field, pattern in METADATA_QUESTIONS if pattern.search(question)]


# What a question asks about a document says it of: "it", "they", "the article", or a few
# words with a kind of document among them ("the Velor License", "the bill of fares"),
# not a speaker ("What did the foreign minister say about…?" asks what the minister said).
_SAID_BY = (
    r"(?:it|this|they|the [\w’'-]+"
    rf"|the (?:[\w.'’-]+ ){{0,3}}?{DOCUMENT_KIND}(?: [\w.'’-]+){{0,3}}?)"
)
# "Tell me about X", "What does it say about X?", "What role does X play?": the answer is a
# few sentences about X, and X alone is searched.
ABOUT_QUESTION = re.compile(
    r"^\W*(?:(?:can|could) you |please )?(?:tell me|talk) (?:more )?about\s+(?P<a>.+?)\W*$"
    rf"|^\W*what (?:does|do|did) {_SAID_BY} (?:say|tell us|write|mention) "
    r"(?:about|on|regarding|of)\s+(?P<b>.+?)\W*$"
    r"|^\W*what (?:role|part) (?:does|did|do) (?P<c>.+?) play\b"
    r"|^\W*(?:(?:and|so)\W+)?(?:is there )?(?:anything|something|any(?:thing)? info(?:rmation)?)"
    r"(?: else| more)? (?:on|about|regarding)\s+(?P<d>.+?)\W*$"
    r"|^\W*(?:what is|what's) (?:said|written|mentioned) (?:about|on|regarding)\s+(?P<e>.+?)\W*$"
    rf"|^\W*how (?:does|do|did) {_SAID_BY} (?:describe|portray|discuss|treat|cover) "
    r"(?P<f>.+?)\W*$"
    rf"|^\W*(?:does|did|do) {_SAID_BY} (?:talk about|say anything about|mention|"
    r"discuss|cover|get into|touch on)\s+(?P<g>.+?)\W*$",
    re.I,
)
_ASKS_A_QUESTION = re.compile(r"(?:why|how|what|when|where|who|whom|whether)\b", re.I)
_ASPECT = re.compile(r"^(?:the )?(?:role|part|position|stance|view|place) (?:of|played by) ", re.I)
# "Jordan's part in the April events": Jordan's, in whatever it is.
_ASPECT_OF = re.compile(
    r"^(?P<who>.+?)[’']s? (?:role|part|position|stance|view|place|involvement)\b.*$", re.I
)


def about_topic(question: str) -> str | None:
    """What a "tell me about X" question asks about, or None for any other question."""
    match = ABOUT_QUESTION.search(question)
    if match is None:
        return None
    topic = next(group for group in match.groups() if group)
    if _ASKS_A_QUESTION.match(topic):  # "tell me more about why that matters": a question
        return None
    topic = _ASPECT_OF.sub(lambda m: m["who"], _ASPECT.sub("", topic))
    return topic.strip() or None


# The parts a document may open or close with, by their names, longest first (so that
# "intro" is not read in "introduction"): "the Preamble" is no one's name.
_OPENING_OR_CLOSING = "introduction conclusion afterword preamble prologue foreword epilogue intro"
OPENING_OR_CLOSING = frozenset(_OPENING_OR_CLOSING.split())
# "What does the preamble say?", "the conclusions of the report"; a part of something else is
# "of" or "to" it ("the prologue to the attack"), and "since its introduction" is a time.
_NAMED_PART = re.compile(
    r"(?<!\bsince )(?<!\bafter )(?<!\bbefore )(?<!\buntil )\b(?:the|its) "
    rf"(?P<part>{any_of(_OPENING_OR_CLOSING)})s?\b"
    r"(?: (?:of|to) (?P<of>[\w’'-]+(?: [\w’'-]+){0,4}))?",
    re.I,
)


# "How does he close his speech?", "at the very end of the report", "What does the article
# conclude?", "the opening lines", "the preamble": a question about a part of a document,
# its end or its start. The part is of a document only when what it is "of", or who
# "closes", is one: a pronoun, a word for a document, or a document's name ("How did the war
# end?" asks about a war).
_OF = r"(?: of (?P<of>[\w’'-]+(?: [\w’'-]+){0,4}))?"
_DOCUMENT_PARTS = (
    re.compile(
        rf"\b(?:at|towards?|near|by) the (?:very )?(?P<part>end|beginning|start){_OF}", re.I
    ),
    re.compile(
        r"\b(?:the|its) (?:very )?(?P<part>conclusion|closing|final|last|opening|first) "
        r"(?:words|lines|paragraphs?|"
        rf"sections?|remarks|sentences?|part|argument){_OF}",
        re.I,
    ),
    _NAMED_PART,
    # "How does the article end?"; "How does he close his speech?": said of a document, or
    # with a document after the verb.
    re.compile(
        r"\bhow (?:does|did|do) (?P<who>[\w’'-]+(?: [\w’'-]+){0,3}) "
        r"(?P<part>end|close|conclude|finish|wrap up|open|begin|start)\b"
        r"(?: (?:(?:his|her|their|its|the|this) )?(?P<what>[\w’'-]+))?",
        re.I,
    ),
    re.compile(
        r"\bwhat (?:does|did|do) (?P<who>[\w’'-]+(?: [\w’'-]+){0,3}) "
        r"(?P<part>conclude)(?: with\b|\W*$)",
        re.I,
    ),
)
_ENDING = frozenset(
    "end conclusion closing final last close conclude finish wrap epilogue afterword".split()
)
_DOCUMENT_WORDS = frozenset(
    """this author writer speaker article piece essay text document speech address report
    paper letter license licence post chapter book story page""".split()
)


# "When was this article published?", "what date is the Apache License from?", "When was
# LGPL 3 released?": the date of the document itself, when what is dated is one.
_DOCUMENT_DATE = (
    re.compile(
        r"^\W*(?:when|what (?:year|date|day))\b (?:was|is|were|did) (?P<who>[\w’'.-]+"
        r"(?: [\w’'.-]+){0,5}) (?:first )?(?:published|released|written|issued|adopted|"
        r"signed|delivered|dated|drafted|enacted|ratified|given|made|come out)\b",
        re.I,
    ),
    re.compile(
        r"^\W*what (?:year|date|day) (?:is|was) (?P<who>[\w’'.-]+(?: [\w’'.-]+){0,5}) from\b",
        re.I,
    ),
)


def document_date_asked(question: str, names_document: Callable[[str], bool]) -> bool:
    """Whether the question asks when the document itself was published, released or
    written (of the one `names_document` says a phrase names)."""
    for pattern in _DOCUMENT_DATE:
        match = pattern.search(question)
        if match and _is_a_document(match["who"], names_document):
            return True
    return False


def _is_a_document(phrase: str, names_document: Callable[[str], bool]) -> bool:
    """Whether a phrase speaks of a document: a word for one ("the article"), or a name."""
    return bool(set(words(phrase)) & _DOCUMENT_WORDS) or names_document(phrase)


def document_part_asked(question: str, names_document: Callable[[str], bool]) -> str | None:
    """ "end" or "start" when the question asks about that part of a document (of the one
    `names_document` says a phrase names); None otherwise."""
    for pattern in _DOCUMENT_PARTS:
        for match in pattern.finditer(question):
            said = match.groupdict()
            whose = said.get("of") or said.get("who")
            of_a_document = bool(said.get("what")) and said["what"].lower() in _DOCUMENT_WORDS
            if whose and not (of_a_document or _is_a_document(whose, names_document)):
                continue
            return "end" if match["part"].lower().split()[0] in _ENDING else "start"
    return None


# How answer sentences connect to their neighbours.
# A sentence that leans on the one before it ("All knew that this interest was…"), or
# counts items the sentence before names ("All three goals have eluded…", "Both aims…").
LEANS_ON_PREVIOUS = re.compile(
    r"^\W*(it|they|he|she|this|these|those|such)\b|\b(this|these|those|such) [a-z]+"
    rf"|^\W*all (of )?(the |these |those )?{any_of(SMALL_CARDINALS)} [a-z]+"
    r"|^\W*both (of )?(the |these |those )?[a-z]+s\b",
    re.I,
)
# "How did Iran's and Israel's launch positions compare?", "what holds X back, versus what
# holds Y back?", "how do the two sides differ?": a question that sets things side by side.
COMPARES = re.compile(
    r"\b(?:compar\w*|versus|vs\.?|differ\w*|contrast\w*|each (?:one|side|of them)|"
    r"(?:the|both) (?:two )?sides)\b",
    re.I,
)
# A sentence that announces what follows it: "…no patent license is granted by a
# Contributor:", "The rights include the following:".
ANNOUNCES = re.compile(r":\W*$")
# "What are the 3 conditions…?", "…in which cases? list them": a question that asks for
# several things.
ASKS_FOR_ITEMS = re.compile(
    r"^\W*(?:(?:please|can you|could you)\s+)?(?:list|enumerate)\b"
    r"|\b(?:list|enumerate) (?:them|all|every|each)\b"
    rf"|\b(?:\d{{1,2}}|{any_of(SMALL_CARDINALS.replace('one ', ''))})\s+(?:\w+\s+)?"
    r"(?!(?:this|his|is|was|has|its|us|as)\b)\w{2,}s\b"
    r"|^\W*(?:what|which)\s+(?:are|were)\s+the\b",
    re.I,
)
# A list item's mark left before its sentence ("…are met: 1. Pay the fee.").
ITEM_MARK_BEFORE = re.compile(rf"(?:^|\s){LIST_MARK}\s*$", re.I)
# A sentence that opens by pointing back ("They crave such an assurance, but…") carries on
# the one before it: an explanation often follows the sentence that names the topic.
CARRIES_ON = re.compile(
    r"^\W*(it|its|they|their|them|this|that|these|those|such|but|yet|however|so|thus|hence|"
    r"therefore|because|instead|now)\b",
    re.I,
)
# A sentence that draws a conclusion from the one before it: asked why, that one is the reason.
CONCLUDES = re.compile(
    r"\b(therefore|thus|hence|consequently|as a result|for this reason|accordingly)\b", re.I
)
# Why and how questions want the explanation that may follow the best sentence.
EXPLANATION_QUESTION = re.compile(r"^\W*(why|how)\b", re.I)
# A clause that gives its sentence's reason or the circumstance behind it: "…, because…",
# "…in early 2022, when Russia, having reduced its footprint there, no longer…".
GIVES_REASON = re.compile(r"\b(because|so that|in order to|for fear)\b|,\s+when\b", re.I)
# "Why?", "Why then, what changed?", "And why not?", "Why did that happen?": why, asked of
# the last answer. A question with more to say ("Why do visitors fly?"), or one that names
# someone, asks of something new.
_ASKS_WHY = re.compile(r"^\W*(?:and |so |but )?why\b", re.I)
_WHY_OF_IT_MAX_WORDS = 5
_WHY_OF_IT_MAX_TERMS = 1


def asks_why_of_it(question: str) -> bool:
    """Whether a message asks why of what the last answer said."""
    return (
        bool(_ASKS_WHY.match(question))
        and len(question.split()) <= _WHY_OF_IT_MAX_WORDS
        and len(set(terms(question))) <= _WHY_OF_IT_MAX_TERMS
        and not NAME.search(question)
    )


# Where a long sentence may be cut: after a semicolon, colon or dash, or before a comma that
# opens a new clause.
CLAUSE_END = re.compile(r"[;:—–]\s*|,\s+(?=(and|but|which|while|whereas|who|where|when)\b)")
# A clause that states a condition ("and when so paused,", "Yet, if the tide turns,"): to a
# question that states one ("What did the board do once they were paused?"), what follows
# it is the answer, so a quote does not stop after it.
OPENS_WITH_CONDITION = re.compile(
    r"^\W*(?:(?:and|but|yet|so|or)\W+)?(?:if|unless|once|when|whenever|until|till|provided)\b",
    re.I,
)
# "…once they were paused?", "And if the tide turns?", "What happens when…?", "When they
# were paused, what…?"; not "When did…?", "And when…?", "Since when…?" nor "Tell me when…",
# which ask for a time.
ASKED_ON_CONDITION = re.compile(
    r"\b(?:if|unless|once|whenever|provided)\b"
    r"|\b(?!(?:and|but|so|or|since|until|till|from|know|me|say|said|asked)\b)\w+\s+when\b"
    r"|^\W*when\s[^,?]+,\s*\w",
    re.I,
)


# Questions that only look answerable: the question states a specific (a date, a number, a
# name, a negation) that the evidence states differently. Each check reads the question and
# the evidence: the answer's sentences, the passages they come from, and their whole
# documents (title, author and text).
_YEAR = r"\b(?:1[5-9]|20)\d\d\b"
YEAR = re.compile(_YEAR)
EXPLICIT_DATE = re.compile(rf"{_YEAR}|\b{MONTH}(?:\s+\d{{1,2}}\b)?|\b\d{{1,2}}\s+{MONTH}", re.I)
# "before April", "since 2018": a date that bounds the question rather than names its event.
_DATE_BOUND = re.compile(r"\b(before|after|since|until|till|by|prior to|as of)\s+(the\s+)?$", re.I)
_CARDINAL_VALUES = {word: n for n, word in enumerate(SMALL_CARDINALS.split(), start=1)}
_CARDINAL_VALUES |= {word: n for n, word in enumerate(TEENS.split(), start=13)}
_CARDINAL_VALUES |= {word: 10 * n for n, word in enumerate(TENS.split(), start=2)}
# "three generals", "seven Revolutionary Guard commanders", "30 days": a number and the
# word it counts, past any names between them ("one" is left out: "one of them" counts
# nothing). The word counted may be capitalised, as older documents write it ("six Years").
_COUNTED = re.compile(
    rf"\b(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+|"
    rf"{any_of(' '.join(w for w in _CARDINAL_VALUES if w != 'one'))})"
    r"\s+(?:[A-Z][\w’'-]*\s+){0,4}(?P<noun>[A-Za-z]{3,})\b(?:\s+(?P<then>[A-Z][a-z]{2,})\b)?",
)
# "the third Class", "the second inaugural": a thing by its place in a series.
_ORDINAL = re.compile(
    r"\b(?P<ordinal>(?i:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth))"
    r"\s+(?P<noun>[A-Za-z]{3,})\b"
)
# "One-eighth of the whole population", "two thirds of the Members": a share of a thing, and
# the words after "of" that say of what.
_SHARE_OF = re.compile(
    rf"\b(?P<share>{any_of(SMALL_CARDINALS)}[- ]"
    r"(?:half|halves|thirds?|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|"
    r"tenths?))\s+of\s+(?P<of>(?:[\w’'-]+\s+){0,3}[\w’'-]+)",
    re.I,
)
# "section 4", "clause 5", "version 2.1", "v3": a numbered part or version of a document.
# "hundreds of drones": a count by the dozen, hundred or thousand, and the least it means
# when a question's number is held to it (a question's "300 drones" may be "hundreds").
_MANY = {"dozens": 12, "hundreds": 100, "thousands": 1000, "millions": 1_000_000}
_COUNTED_MANY = re.compile(
    rf"\b(?i:(?P<many>{any_of(' '.join(_MANY))}) of)\s+(?:[A-Z][\w’'-]*\s+){{0,4}}"
    r"(?P<noun>[a-z]{3,})\b"
)
_NUMBERED_PART = re.compile(
    r"\b(?:section|clause|paragraph|article|item|part|chapter|amendment|version|v)\.?\s*"
    r"(?P<number>\d+(?:\.\d+)*)\b",
    re.I,
)
# "Exhibit C", "Appendix B": a part of a document labelled by a letter.
_LETTERED_PART = re.compile(
    r"\b(?P<kind>(?i:exhibit|appendix|annex|schedule|attachment))\s+(?P<letter>[A-Z])\b"
)
_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")
# "MPL 3.0", "Apache License v1.1", "CC0 version 2.0", "GPL version 2": a version written
# after a name, which a document must give after that name, not only after another's.
_NAMED_VERSION = re.compile(
    r"(?P<name>\b(?-i:[A-Z])[\w’'-]*(?:\s+(?-i:[A-Z])[\w’'-]*){0,3})\s+"
    r"(?:(?:v\.?\s?|version\s+)(?P<whole>\d+)(?!\.?\d)|"
    r"(?:v\.?\s?|version\s+)?(?P<number>\d+\.\d+)(?!\.?\d))",
    re.I,
)
# How far before a version number its name may stand ("Mozilla Public License, v. 2.0"),
# within its line and sentence.
_VERSION_REACH = 60
_SENTENCE_BREAK = re.compile(r"\n|[.!?]\s+(?=[A-Z(])")
# A question that asks what did not happen, and the words an answer to it would use.
_ASKS_NEGATED = re.compile(
    r"\b(not|never|no longer|fail(s|ed)? to|refus(e|es|ed) to)\b|n[’']t\b", re.I
)
_NEGATION = re.compile(
    r"\b(not|never|no|nor|neither|none|nothing|without|cannot|fail\w*|refus\w*|avoid\w*|"
    r"lack\w*|instead|rather than|declin\w*|reject\w*|den(y|ies|ied)|unable|absent)\b"
    r"|n[’']t\b",
    re.I,
)
# A question that takes for granted that something happened ("Why did X call on Y?"), a
# sentence that says it did not ("X did not call on Y"), and a sentence that goes on to what
# happened instead ("… but took Z", "did not wait: it …"), which may answer after all ("…,
# but it could next time" says what may happen, not what did).
_ASKS_WHAT_HAPPENED = re.compile(r"^\W*(?:(?:and|so|but)\s+)?(?:why|when|where)\b", re.I)
# "did not call on Hezbollah": the verb denied, and what it is denied of.
_DENIES = re.compile(
    r"\b(?:not|never|no longer)\s+(?P<verb>[a-z]+)(?P<of>(?:\s+[\w’'-]+){0,4})", re.I
)
_GOES_ON = re.compile(
    r"\bbut\b(?!\s+(?:\w+\s+)?(?:could|may|might|would|will|can)\b)"
    r"|\b(?:instead|rather|only|except)\b|[:;—–]",
    re.I,
)
_CONDITION = re.compile(r"\b(if|unless|whether|even though|although)\b[^,?]*", re.I)
_WHY_NOT = re.compile(r"^\W*(and\s+)?why not\b", re.I)
_NAME_STEM = 4  # "Iranian" names "Iran"; "Israeli" names "Israel"
_TEXTS_KEPT = 64  # documents whose names and numbers are kept worked out


@dataclass(frozen=True)
class Evidence:
    """What an answer stands on: its sentences, their passages, their whole documents."""

    sentences: str
    passages: str
    documents: str


def _number_value(word: str) -> int | None:
    word = word.lower().replace(",", "")  # "5,000"
    return int(word) if word.isdigit() else _CARDINAL_VALUES.get(word)


@lru_cache(maxsize=_TEXTS_KEPT)
def _numbers(text: str) -> frozenset[str]:
    """Every number a text writes in digits, decimals whole ("2.1") and by their whole
    part ("2" for "2.0")."""
    found = re.findall(r"\d+(?:\.\d+)*", text)
    return frozenset(found) | {number.split(".")[0] for number in found}


_Said = TypeVar("_Said")


def _by_thing(found: Iterable[tuple[str, _Said]]) -> Mapping[str, frozenset[_Said]]:
    """What a text says of things, (thing, what) pairs, grouped by the first letters of the
    thing; a stop word is no thing ("1790 the")."""
    grouped: dict[str, set[_Said]] = {}
    for thing, said in found:
        if thing and thing not in STOP_WORDS:
            grouped.setdefault(thing[:_NAME_STEM], set()).add(said)
    return MappingProxyType({thing: frozenset(said) for thing, said in grouped.items()})


@lru_cache(maxsize=_TEXTS_KEPT)
def _counts(text: str) -> Mapping[str, frozenset[int]]:
    """The numbers `text` counts things with, by the first letters of the thing counted."""
    return _by_thing(
        (noun.lower(), value)
        for match in _COUNTED.finditer(text)
        if (value := _number_value(match["number"])) is not None
        and not re.fullmatch(_YEAR, match["number"])
        for noun in (match["noun"], match["then"] or "")
    )


@lru_cache(maxsize=_TEXTS_KEPT)
def _places(text: str) -> Mapping[str, frozenset[str]]:
    """The places in a series `text` gives things ("first Class", "third Class"), by the
    first letters of the thing."""
    return _by_thing(
        (match["noun"].lower(), match["ordinal"].lower()) for match in _ORDINAL.finditer(text)
    )


@lru_cache(maxsize=_TEXTS_KEPT)
def _shares(text: str) -> Mapping[str, frozenset[str]]:
    """The shares `text` gives of things ("one eighth" of the population), by the first
    letters of each word it says they are shares of."""
    return _by_thing(
        (word, match["share"].lower().replace("-", " "))
        for match in _SHARE_OF.finditer(text)
        for word in words(match["of"])
    )


@lru_cache(maxsize=_TEXTS_KEPT)
def _many(text: str) -> Mapping[str, int]:
    """The things `text` counts by the dozen, hundred or thousand ("hundreds of drones"),
    by the first letters of the thing, each with the least number that could mean."""
    found: dict[str, int] = {}
    for match in _COUNTED_MANY.finditer(text):
        # casefold: the pattern ignores case in Unicode's way ("thouſands" matches)
        least = _MANY.get(match["many"].casefold())
        noun = match["noun"].lower()
        if least is not None and noun not in STOP_WORDS:
            found[noun[:_NAME_STEM]] = max(found.get(noun[:_NAME_STEM], 0), least)
    return MappingProxyType(found)


def other_date(question: str, evidence: Evidence) -> bool:
    """The question names the date of its event, and the passages lack it and give another;
    or the whole documents do, where the passages give no date ("the 1789 Declaration" of
    a document dated 1776 nowhere else)."""
    named = {
        m.group().lower()
        for m in EXPLICIT_DATE.finditer(question)
        if not _DATE_BOUND.search(question[: m.start()])
        and question[: m.start()].strip(" \"'“‘(")  # "May I ask…?" opens with no date
    }
    if not named:
        return False  # nothing to look for: no whole document is read
    for text in (evidence.passages, evidence.documents):
        lowered = text.lower()
        if any(date not in lowered for date in named) and new_matches(
            EXPLICIT_DATE, question, text
        ):
            return True
    return False


def other_number(question: str, evidence: Evidence) -> bool:
    """The question counts a thing ("the three generals") that the documents count with a
    different number and nowhere with the question's, or far below what they say of it
    ("three drones" for "hundreds of drones": under a tenth), or names a numbered part,
    version or decimal ("clause 5", "version 2.1", "License 1.1"), a lettered part
    ("Exhibit C"), a place in a series ("the fourth class" of a first, second and third
    Class), or a share of a thing ("one-third of the population" of one-eighth, and no third
    of anything), the documents do not have."""
    given, many = _counts(evidence.documents), _many(evidence.documents)
    for noun, values in _counts(question).items():
        if noun in given and values.isdisjoint(given[noun]):
            return True
        # A tenth of the least: "five officials" may be some of "dozens of officials".
        if noun in many and noun not in given and max(values) * 10 < many[noun]:
            return True
    # "one-third of the population" where the documents give one-eighth of it, and no third
    # of anything
    shares = _shares(evidence.documents)
    any_share = set().union(*shares.values())
    for match in _SHARE_OF.finditer(question):
        share = match["share"].lower().replace("-", " ")
        of = {w[:_NAME_STEM] for w in words(match["of"]) if w not in STOP_WORDS}
        if share not in any_share and any(w in shares for w in of):
            return True
    # "the fourth class" of a document with a first, second and third Class only: a series
    # it gives at least two places of ("the second inaugural" implies a first)
    places = _places(evidence.documents)
    for noun, asked in _places(question).items():
        if len(places.get(noun, ())) > 1 and asked.isdisjoint(places[noun]):
            return True
    numbers = _numbers(evidence.documents)
    named = [m["number"] for m in _NUMBERED_PART.finditer(question)]
    named += _DECIMAL.findall(question)  # "Apache License 1.1"
    if any(number not in numbers for number in named):
        return True
    if any(
        not re.search(rf"\b(?i:{m['kind']})\s+{m['letter']}\b", evidence.documents)
        for m in _LETTERED_PART.finditer(question)
    ):
        return True
    return any(
        not _version_given(m["name"], m["number"] or m["whole"], evidence.documents)
        for m in _NAMED_VERSION.finditer(question)
    )


def _version_given(name: str, number: str, text: str) -> bool:
    """Whether `text` gives version `number` of what `name` names: the number stands a few
    words after the name's words, or their initials ("MPL": Mozilla Public License). Of the
    name, only the words the text uses as names count: not those it also writes in lower
    case ("Software"), nor those it never uses ("Explain Apache 2.0…", "Per Apache 2.0,…").
    "MPL 3.0" is not given by "…the GNU Affero General Public License, Version 3.0" in the
    MPL's own text."""
    names = _names(text)
    said = [
        word
        for word in (w.lower() for w in name.split())
        if word not in names.common
        and word not in STOP_WORDS
        and (word in names.known or word in names.initials)  # not "Explain", "Per"
    ]
    if not said:
        return True  # nothing in particular named ("Version 2.0")
    # A whole number written with "version" or "v" ("GPL version 2", "Apache v2") is that
    # version whether or not the text writes ".0" after it.
    given = rf"{re.escape(number)}(?:\.0)?" if "." not in number else re.escape(number)
    for found in re.finditer(rf"(?<![\d.]){given}(?!\.?\d)", text):
        # In the same line and sentence ("…section 3 of the GNU GPL.\n\n 2. Conveying…"
        # gives no GPL 2), worked out afresh: the cache keeps whole documents.
        window = text[max(0, found.start() - _VERSION_REACH) : found.start()]
        before = _names.__wrapped__(_SENTENCE_BREAK.split(window)[-1])
        if all(w in before.known or w in before.initials for w in said):
            return True
    return False


@dataclass(frozen=True)
class _Names:
    """How a text names things: its words, their stems, the initials of its capitalised
    runs, and the words it also writes in lower case."""

    known: frozenset[str]
    stems: frozenset[str]
    initials: frozenset[str]  # "mpl", "mp", "pl" for "Mozilla Public License"
    common: frozenset[str]


@lru_cache(maxsize=_TEXTS_KEPT)
def _names(text: str) -> _Names:
    """A text's names, worked out once per text (a document is read for every question)."""
    words = set(re.findall(r"[\w’'-]+", text))
    known = frozenset(w.lower() for w in words)
    initials = set()
    for run in re.finditer(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)+", text):
        letters = "".join(word[0] for word in run.group().split()).lower()
        initials |= {
            letters[i:j] for i in range(len(letters)) for j in range(i + 2, len(letters) + 1)
        }
    return _Names(
        known=known,
        stems=frozenset(w[:_NAME_STEM] for w in known if len(w) >= _NAME_STEM),
        initials=frozenset(initials),
        common=frozenset(w for w in words if w.islower()),
    )


_POSSESSIVE_END = re.compile(r"[’']s?$")


def other_name(question: str, evidence: Evidence) -> bool:
    """The question names someone or something the answer's documents never mention, by a
    word, its stem ("Iranian") or its initials ("MPL": Mozilla Public License). Words the
    documents also write in lower case ("License", "States") name nothing in particular,
    nor does a part of a document ("the Preamble"), and a word joined to a name by a hyphen
    ("BSD-licensed") is that name."""
    names = _names(evidence.documents)
    for run in NAME_RUN.finditer(question):
        said = [
            _POSSESSIVE_END.sub("", part.lower())  # "the UK's role": UK
            for word in run.group().split()
            for part in (
                word.split("-")
                if "-" in word.strip("-") and word.lower() not in names.known
                else [word]
            )
            if part[:1].isupper()
            and part.lower() not in names.common
            and _POSSESSIVE_END.sub("", part.lower()) not in OPENING_OR_CLOSING
        ]
        if said and not any(
            n in names.known or n[:_NAME_STEM] in names.stems or n in names.initials for n in said
        ):
            return True
    return False


def lost_negation(question: str, evidence: Evidence) -> bool:
    """The question asks what did not happen; the answer only says what did."""
    # "Why not?" asks the reason for a refusal given; "If the waiver doesn't hold, …" sets
    # a condition: neither asks what did not happen.
    asked = _CONDITION.sub("", _WHY_NOT.sub("", question))
    return bool(_ASKS_NEGATED.search(asked)) and not _NEGATION.search(evidence.sentences)


def denied_premise(question: str, evidence: Evidence) -> bool:
    """The question asks about something as if it happened ("Why did X call on Y?"); the
    answer's sentences say it did not ("X did not call on Y") and nothing else."""
    if _ASKS_NEGATED.search(question) or not _ASKS_WHAT_HAPPENED.search(question):
        return False  # "Did X call on Y?" is answered by "X did not"
    if _GOES_ON.search(evidence.sentences):
        return False
    asked = set(terms(question))
    return any(
        set(terms(m["verb"])) & asked and set(terms(m["of"])) & asked
        for m in _DENIES.finditer(evidence.sentences)
    )


@dataclass(frozen=True)
class Specific:
    """A detail a question can state that its evidence may state differently."""

    name: str
    contradicted: Callable[[str, Evidence], bool]


SPECIFICS: tuple[Specific, ...] = (
    Specific("date", other_date),
    Specific("number", other_number),
    Specific("name", other_name),
    Specific("negation", lost_negation),
    Specific("denied", denied_premise),
)


def contradicted_specific(question: str, evidence: Evidence) -> str | None:
    """The first of SPECIFICS that the evidence states differently from the question."""
    return next((s.name for s in SPECIFICS if s.contradicted(question, evidence)), None)
