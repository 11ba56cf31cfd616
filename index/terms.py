"""Words as search terms: lowercased, stop words removed, stemmed (Snowball English)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

import Stemmer

_WORD = re.compile(r"[\w’']+")
# Common English function words; they carry no evidence of what a passage is about.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves s t don shall may might must let lets us ever whose upon many
    much isn't aren't wasn't weren't don't doesn't didn't won't wouldn't can't cannot couldn't
    shouldn't hasn't haven't hadn't i'm i've i'd i'll you're you've you'd you'll we're we've
    we'd we'll they're they've they'd they'll he'd he'll she'd she'll""".split()
)


# Words that frame a question rather than name what it asks about ("What does the author
# suggest…", "What was Iran trying to achieve…"): a sentence sharing them is no closer.
QUESTION_FRAMING = frozenset(
    """author writer article essay piece text document suggest suggests argue argues say says
    said mention mentions describe describes claim claims think believe according try tried
    trying attempt attempted decide decided want wanted seek sought aim aimed hope hoped
    manage managed""".split()
)
# Verbs that frame a question only as verbs: "Which rights does it name?", "What does the
# report list?". As nouns ("the name of the bridge") they are what is asked about, and a
# sentence with "named Kingsway" is closer for them.
FRAMING_VERBS = frozenset("name names list lists".split())
# Words that, after "how", ask for a measure ("How long…?", "How far…?", "How likely…?"):
# the question's form, not what it is about. A passage rarely repeats them.
HOW_MEASURES = frozenset(
    """long far often old soon big large high tall wide deep early late close likely quickly
    fast frequently""".split()
)
_DETERMINERS = frozenset(
    """a an the its their his her our your my this that these those whose which what many
    code""".split()
)


# A capitalised name after "the", which may be a document's title: "the Declaration of
# Independence", "the Second Inaugural Address".
_NAMED_AFTER_THE = re.compile(r"\b(?i:the) ([A-Z][\w’'-]*(?: (?:of|and|the|[A-Z][\w’'-]*)\b)*)")


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lowercased words, with possessive endings removed."""
    found = []
    for word in _WORD.findall(text.lower()):
        word = re.sub(r"[’']s?$", "", word).replace("’", "'")
        if word:
            found.append(word)
    return found


def terms(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, repeats kept."""
    stems: list[str] = _stemmer().stemWords([w for w in words(text) if w not in STOP_WORDS])
    return stems


def question_terms(question: str, framing: frozenset[str] = frozenset()) -> list[str]:
    """Stemmed content words of a question, without the words that only frame it, unless
    that is all it has ("What does the author argue?"). `framing` adds words that frame it
    here, such as the title the question names its document by."""
    said = words(question)
    unframed = terms(
        " ".join(
            w
            for i, w in enumerate(said)
            if w not in QUESTION_FRAMING
            and w not in framing
            and not (w in FRAMING_VERBS and (i == 0 or said[i - 1] not in _DETERMINERS))
            and not (w in HOW_MEASURES and i and said[i - 1] == "how")
        )
    )
    return unframed or terms(question)


# A stem and a longer one that only adds a short ending name the same thing: "coast" and
# "coastal", "take" and "taken" (which the stemmer leaves apart).
MIN_STEM, MAX_ENDING = 4, 3


def same_word(a: str, b: str) -> bool:
    """Whether two search terms are one word, allowing a short ending on the longer."""
    short, longer = sorted((a, b), key=len)
    if short == longer:
        return True
    return (
        len(short) >= MIN_STEM
        and len(longer) - len(short) <= MAX_ENDING
        and longer.startswith(short)
    )


def title_words(title: str) -> list[str]:
    """The content words of a title, lowercased, in order."""
    return [w for w in words(title) if w not in STOP_WORDS]


def titles_named(question: str, titles: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The words by which `question` names a document by its title: "the Declaration" or
    "the Declaration of Independence" for "The Declaration of Independence". `titles` maps
    the first content word of each title to the content words of the titles it opens.

    Such words say which document is meant, like "the article", not what it says."""
    named: set[str] = set()
    for mention in _NAMED_AFTER_THE.finditer(question):
        said = words(mention.group(1))
        named |= set(said) & titles.get(said[0], frozenset())
    return frozenset(named)
