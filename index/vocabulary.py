"""Words and patterns that more than one part of citeqa reads text with, each defined once.

Cleaning documents (`index/documents.py`), the answer rules (`service/engine/rules.py`),
follow-up resolution, verification and the evaluator all use these. Nothing here names a
corpus's people, places or phrases: these are words of English in general.
"""

from __future__ import annotations

import re


def any_of(words: str) -> str:
    """A regular-expression alternation of space-separated words: `(?:a|b|c)`."""
    return "(?:" + "|".join(words.split()) + ")"


# Numbers, by kind of word; each use below picks the kinds it reads.
SMALL_CARDINALS = "one two three four five six seven eight nine ten eleven twelve"
TEENS = "thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
TENS = "twenty thirty forty fifty"
HIGH_TENS = "sixty seventy eighty ninety"
MAGNITUDES = "hundred thousand million billion trillion"
PLURAL_MAGNITUDES = "dozen dozens hundreds thousands millions billions"
FRACTIONS = "half third quarter fourth fifth"
QUANTIFIERS = "several many few all most"
_DIGITS = r"\d[\d,.]*"
# Any number, in digits or words.
NUMBER = re.compile(
    rf"\b(?:{_DIGITS}|"
    + any_of(f"{SMALL_CARDINALS} {TEENS} {TENS} {HIGH_TENS} {MAGNITUDES} {PLURAL_MAGNITUDES}")
    + r")\b",
    re.I,
)
# What answers "how many": a number, a fraction or a quantifier ("half", "most"). An answer
# to "How many delegates signed…?" must also name what it counts (`gives_count` in the
# engine's rules), so "the thirteen united States" does not answer it.
# "one" in "Jordan, for one, …", "no one", "one another", "the one that…" counts nothing;
# "for one term", "that one vote" count.
_NO_COUNT_ONE = (
    r"(?<!\bno )(?<!\bfor (?=one,))(?<!\bthe (?=one (?:that|who|which|of)\b))"
    r"(?<!\bthe (?=one[,.;:?!]))"
)
QUANTITY = re.compile(
    rf"\b(?!one\b)(?:{_DIGITS}|"
    + any_of(
        f"{SMALL_CARDINALS} {TEENS} {TENS} {HIGH_TENS} {MAGNITUDES} {PLURAL_MAGNITUDES} {FRACTIONS}"
    )
    + "|"
    + any_of(QUANTIFIERS)
    + rf")\b|{_NO_COUNT_ONE}\bone\b(?! another\b)",
    re.I,
)

# Money: a currency sign before a number, a currency, or a sum too large to be anything else.
MONEY = re.compile(
    r"[$€£¥]\s?\d|\b(?:dollars?|euros?|pounds sterling|cents?|rials?|shekels?|budget|"
    r"million|billion|trillion)\b",
    re.I,
)

# Times and dates, and words that place an event in time ("until", "once").
MONTHS = "January February March April May June July August September October November December"
# Any month; "May" only capitalised: the verb "may" is no date ("it may close").
MONTH = any_of(MONTHS.replace("May", "(?-i:May)"))
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
DATE = re.compile(
    rf"\b(?:\d{{3,4}}|{MONTH}|yesterday|today|tomorrow|last (?:year|month|week)|"
    r"weeks?|months?|years?|decades?|centur(?:y|ies)|days?|dates?|"
    r"(?:this|next) (?:year|month|week)|"
    r"dawn|dusk|noon|midnight|morning|afternoon|evening|night|o'clock|"
    rf"\d{{1,2}}(?::\d{{2}})? ?(?:am|pm)|\d{{1,2}}:\d{{2}}|{any_of(WEEKDAYS)}|"
    r"spring|summer|autumn|winter|whenever|until|once)\b",
    re.I,
)

# Names: a capitalised word that does not start a sentence (most often a name), and a run of
# them ("Mohammad Reza Zahedi"). "I" with its verb ("I've", "I’d") is no name.
_NAME_WORD = r"(?!I[’'][a-z]{1,2}\b)[A-Z][\w’'-]+"
_NOT_SENTENCE_START = r"(?<=[\w,;:’'”)] )"
NAME = re.compile(_NOT_SENTENCE_START + _NAME_WORD)
NAME_RUN = re.compile(rf"{_NOT_SENTENCE_START}{_NAME_WORD}(?:\s+{_NAME_WORD})*")

# Verbs that open a yes-no question or stand before a main verb ("Is that…", "…can start").
AUXILIARIES = "is are was were do does did can could should will would has have had must may might"
# Pronouns that stand for a person, and those that stand for a thing or a group.
PERSON_PRONOUNS = "he she him his her hers"
THING_PRONOUNS = "it its they them their theirs"

# The `[n]` citation marker after an answer sentence, with the space before it.
MARKER = re.compile(r"\s*\[(\d+)\]")

# An item of a list: "(b) …", "b) …", "2. …", "ii. …", "• …".
# The mark of a list item: "(b)", "2.", "iv)", or a bullet.
LIST_MARK = r"(?:\(?(?:[a-z]|\d{1,2}|[ivx]{1,4})[.)]|[-•*–])"
LIST_ITEM = re.compile(rf"\s*{LIST_MARK}\s", re.IGNORECASE)
# Kinds of document a question may name one by ("the harbor deed", "the mayor's speech",
# "the Velor License").
DOCUMENT_KINDS = frozenset(
    """document doc text article essay piece paper report memo letter note post page book
    chapter story speech address statement declaration deed licence license charter code
    act law bill agreement contract policy terms rules guide manual""".split()
)
DOCUMENT_KIND = any_of(" ".join(sorted(DOCUMENT_KINDS)))  # one of them, in a pattern
