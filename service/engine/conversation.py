"""Follow-up questions resolved from the conversation, offline, without a language model.

"Who was killed in the consulate strike?" → "The strike killed Mohammad Reza Zahedi, …" →
"Why was he important?" is searched as "Why was Mohammad Reza Zahedi important?", with the
previous question and answer blended into the query as context. A question that stands on
its own is searched as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from citeqa.index.documents import normalise_spaces
from citeqa.index.terms import terms
from citeqa.index.vocabulary import (
    AUXILIARIES,
    DOCUMENT_KIND,
    MARKER,
    NAME_RUN,
    PERSON_PRONOUNS,
    THING_PRONOUNS,
    any_of,
)
from citeqa.prompts import load_prompt

_CONNECTIVE = re.compile(
    r"^\s*(and|but|so|also|then|what about|how about|and what|and why|and how|why not)\b", re.I
)
_PRONOUN = re.compile(rf"\b{any_of(f'{PERSON_PRONOUNS} {THING_PRONOUNS} these those')}\b", re.I)
# "What does that mean?", "How did this change…?": "this" or "that" standing for what was
# said, as the subject of a common verb after the question word (not "that year", not "say
# that trade…", not "the strike that led to…"). At a
# question's end it is left alone: "How did people there react to that?" may ask of a place
# (measured: read as a follow-up, its answer gave way to the sentence after the last one).
_THAT_SAID = re.compile(
    r"^\W*(?:(?:so|and|but)\s+)?(?:(?:what|how|why|when|where|who|does|did|do|will|would|can|"
    r"could|should|is|was)\s+(?:\w+\s+)?)?(this|that)\s+(mean|means|meant|happen|happened|"
    r"matter|matters|work|works|worked|change|changed|affect|affects|affected|lead|leads|led|"
    r"imply|implies|cause|caused|come|came|end|ended|say|says|said)\b",
    re.I,
)
# "Is that likely to grow?", "What has to happen before that can start?": "this" or "that"
# standing for what was said, as the subject after an opening auxiliary or between a
# conjunction and an auxiliary. Not "Is this article…?", which names the document.
_THAT_STANDS_FOR = re.compile(
    rf"^\W*(?:(?:so|and|but)\s+)?{any_of(AUXILIARIES)}\s+(?:this|that)\b"
    rf"(?!\s+{DOCUMENT_KIND}\b)"
    rf"|\b(?:before|after|until|unless|once|if|when|because)\s+(?:this|that)\s+{any_of(AUXILIARIES)}\b",
    re.I,
)
# "What has happened since?": a question that ends pointing back at a time said before.
_SINCE_THEN = re.compile(r"\b(since|since then|afterwards?|after that|before that)\s*\??\s*$", re.I)
_PERSON = re.compile(rf"\b{any_of(PERSON_PRONOUNS)}\b", re.I)
# "What did the first one need?", "Which one was it?", "that one": "one" standing for a
# thing said before. Not "one of them", "one another", "no one", "the one that…".
_ONE_SAID = re.compile(
    r"\b(?:the|this|that|which|each|either|neither)\s+(?:[a-z]+\s+)?ones?\b"
    r"(?!\s+(?:of|another|who|that|which|where|in|on|at|from|with|by)\b)",
    re.I,
)
_ASKS_WHO = re.compile(r"\b(who|whom|whose)\b|^\W*which\b", re.I)
_MIN_STANDALONE_TERMS = 2
# "Different question: …", "Unrelated q -", "ok switching gears, …", "btw, …", "Quick
# question: …": words before the question that only announce it. Those that name a new
# topic ("different", "unrelated", "switching gears") end the follow-up.
_PREAMBLE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|well|alright|right|now)\W+)?"
    r"(?:(?P<topic>(?:(?:a|one|new|different|separate|unrelated|other|switching|changing|"
    r"change of)\s+)+(?:question|q|topic|subject|gears|thing)s?\b"
    r"|unrelated|on another note|switching gears|changing the subject)"
    r"|(?:(?:another|next|one more|quick|a quick)\s+(?:question|q|thing))"
    r"|btw|by the way|ok(?:ay)?|also)\s*(?:[:\-–—,.!;]+\s*(?:but\b)?|\bbut\b)\s*",
    re.I,
)
_SWITCHING_TO = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|now|and|alright)\W+)?(?:switching|moving|turning|jumping)"
    r"(?: over| on)? to\b",
    re.I,
)
# "Where?", "And why?", "How many?", "Why then?": a question word and nothing to ask it of.
_ELLIPTICAL = re.compile(
    r"^\W*(?:(?:and|but|so) )?(?:(?:by|for|from|to|in|with|since|until) )?"
    r"(?:why|where|when|how|how many|how much|how long|who|whom|what for|in what way)"
    r"(?: \w+)?[^\w\s]*$",
    re.I,
)
# "Anything else?", "What else?", "Tell me more": the question before, asked again; what
# the conversation already gave is not given twice, so its next best answer comes.
_MORE = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)?(?:(?:is there |was there )?anything else|what else|"
    r"(?:tell me |say |anything )?more|go on|keep going)"
    r"(?: (?:about|on|of) (?:that|it|this|those|them))?\W*$",
    re.I,
)
# "What about Israel?": the question before, asked of someone else.
# "And Britain?", "And Iran's drones?": the same, in a few words after "and".
_WHAT_ABOUT = re.compile(
    r"^(?:(?:and )?(?:what|how) about|and(?= (?:the )?(?-i:[A-Z])))"
    r" (?P<topic>[^?]+)\??$",
    re.I,
)
_MAX_TOPIC_WORDS = 4
# "And the second inaugural?", "what about the apache license": the same question of another
# document, named by its title's words in any case.
_WHAT_ABOUT_ANY = re.compile(r"^(?:(?:and )?(?:what|how) about|and) (?P<topic>[^?]+)\??$", re.I)
_TITLE_GLUE = frozenset("the a an of and".split())
_LOWER_WORD = re.compile(r"\b[a-z][a-z’'-]*\b")
_A_NAME = re.compile(r"(?:the )?(?-i:[A-Z])[\w’'-]*(?: (?-i:[A-Z])[\w’'-]*)*", re.I)


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: str
    content: str


@dataclass(frozen=True)
class Resolved:
    """The question to search for, and the conversation context to blend into it."""

    question: str
    context: str
    seen: str = ""  # earlier answers: not worth repeating
    # The search terms of the last message that no earlier question used: what it newly
    # asks, which a sentence already given may still be the best answer to.
    focus: tuple[str, ...] = ()
    # What this message itself asks, pronouns resolved but neither completed nor turned
    # round from the question before ("Where?", "What about Israel?"): the specifics a
    # look-alike check holds the evidence to.
    own: str = ""


def resolve(
    turns: list[Turn],
    titles: Collection[str] = (),
    names: Collection[str] = (),
    documents: Callable[[str], Collection[str]] | None = None,
) -> Resolved:
    """The last user message, made to stand on its own when it is a follow-up. `titles` are
    the words of the documents' titles: "the Declaration" names a document, not someone
    "he" could stand for. `names` are the words the documents write only capitalised, in
    lower case: typed in lower case ("and iran?"), they are names still."""
    # One space between words: the patterns below then match in linear time.
    question, switched = _without_preamble(" ".join(normalise_spaces(turns[-1].content).split()))
    question = _recased(question, names)
    previous_question = _recased(
        next((t.content for t in reversed(turns[:-1]) if t.role == "user"), ""), names
    )
    previous_answer = next((t.content for t in reversed(turns[:-1]) if t.role == "assistant"), "")
    if previous_answer.strip() == load_prompt("refusal"):
        previous_answer = ""
    previous_answer = MARKER.sub("", previous_answer)
    # Each quote on a line of its own: a quote cut to a clause ends without a full stop, and
    # would otherwise run into the next one.
    seen = "\n".join(MARKER.sub("\n", t.content) for t in turns[:-1] if t.role == "assistant")
    asked_before = set(terms(" ".join(t.content for t in turns[:-1] if t.role == "user")))
    focus = tuple(t for t in dict.fromkeys(terms(question)) if t not in asked_before)
    if switched or not previous_question or not is_follow_up(question):
        return Resolved(question, "", seen, focus)
    # What the message itself states: a premise of the question before ("Why doesn't X
    # want…?" → "What about Y?") was held to the documents when that question was answered.
    own = question
    question = (
        _completed(question, previous_question)
        or _of_another_document(question, previous_question, titles, documents)
        or _turned_round(question, previous_question)
        or question
    )
    name = _first_name(previous_question, "", titles)
    if (not name or _ASKS_WHO.search(previous_question)) and not _PERSON.search(previous_answer):
        # "Who was killed?" "The strike killed Zahedi…" "Why was he…": the person the
        # answer named. An answer that itself says "he" still speaks of the one asked about,
        # and so does one to a question that named someone without asking who.
        name = _first_name(previous_answer, previous_question, titles) or name
    if name and _PERSON.search(question):
        question = _PERSON.sub(lambda m: _possessive(name, m.group()), question)
        own = _PERSON.sub(lambda m: _possessive(name, m.group()), own)
    context = f"{previous_question} {previous_answer}".strip()
    return Resolved(question, context, seen, focus, own)


def _recased(text: str, names: Collection[str]) -> str:
    """`text` with each name typed in lower case capitalised as the documents write it."""
    if not names:
        return text
    return _LOWER_WORD.sub(
        lambda match: match.group().capitalize() if match.group() in names else match.group(),
        text,
    )


def _without_preamble(question: str) -> tuple[str, bool]:
    """The question without a chat preamble ("Different question: …", "ok, …"), and
    whether the preamble announced a new topic. "Switching to Lincoln — how does he…"
    announces one and names it: the name is kept."""
    switching = _SWITCHING_TO.match(question)
    if switching and question[switching.end() :].strip():
        return question[switching.end() :].strip(), True
    match = _PREAMBLE.match(question)
    if not match or not question[match.end() :].strip():
        return question, False
    return question[match.end() :], bool(match["topic"])


def is_follow_up(question: str) -> bool:
    """Whether a question leans on what was said before it."""
    return bool(
        _CONNECTIVE.search(question)
        or _MORE.match(question)
        or _TELL_MORE.match(question)
        or _PRONOUN.search(question)
        or _THAT_SAID.search(question)
        or _THAT_STANDS_FOR.search(question)
        or _SINCE_THEN.search(question)
        or _ONE_SAID.search(question)
        or len(set(terms(question))) < _MIN_STANDALONE_TERMS
    )


# "Tell me more about why that matters": more, of what was said.
_TELL_MORE = re.compile(r"^\W*(?:(?:can|could) you |please )?(?:tell me|say) more\b", re.I)
# "Anything else on Iraq?": more about something, the sentences given left out.
_MORE_ON = re.compile(
    r"^\W*(?:(?:and|so)\W+)?(?:is there )?(?:anything|something) (?:else|more) "
    r"(?:on|about|regarding)\b",
    re.I,
)


def asks_for_more(message: str) -> bool:
    """Whether a message asks for more of the answer before ("Anything else?"), or more
    about something ("Anything else on Iraq?")."""
    return bool(_MORE.match(message) or _MORE_ON.match(message))


def _turned_round(question: str, previous_question: str) -> str | None:
    """ "What about Israel?" after "Why doesn't Iran want a war with Israel?" asks the
    question before the other way round: "Why doesn't Israel want a war with Iran?". "And
    Britain?" after "What did Jordan do?" asks it of someone new: "What did Britain do?"."""
    if len(question.split()) > _MAX_TOPIC_WORDS + 3:
        return None
    match = _WHAT_ABOUT.match(question)
    if not match or len(match["topic"].split()) > _MAX_TOPIC_WORDS:
        return None
    asked = match["topic"].strip()
    names = [m.group() for m in NAME_RUN.finditer(previous_question)]
    topic = next((n for n in names if re.match(rf"(the\s+)?{re.escape(n)}\b", asked, re.I)), None)
    other = next((name for name in names if name != topic), None)
    if other is None:
        return None
    if topic is None:
        # Someone the question before did not name takes the first one's place; "What
        # about them?" or "What about the cost?" names no one and is searched as it is.
        if not _A_NAME.fullmatch(asked):
            return None
        return re.sub(rf"\b{re.escape(other)}\b", lambda _: asked, previous_question, count=1)
    swapped = {topic: other, other: topic}
    pattern = rf"\b({re.escape(topic)}|{re.escape(other)})\b"
    turned = re.sub(pattern, lambda m: swapped[m.group()], previous_question)
    rest = re.sub(r"^[’']s\b", "", asked[asked.lower().find(topic.lower()) + len(topic) :])
    return f"{turned} {rest.strip()}".strip()


def _of_another_document(
    question: str,
    previous_question: str,
    titles: Collection[str],
    documents: Callable[[str], Collection[str]] | None,
) -> str | None:
    """ "And the second inaugural?" after "Who wrote the Declaration of Independence?" asks
    the question before of the document it names: "Who wrote the second inaugural?". Only
    when the two name different documents (`documents` says which a phrase names): "What
    about Israel?" after a question naming Iran and Israel is the question turned round."""
    match = _WHAT_ABOUT_ANY.match(question)
    if not match or not titles or documents is None:
        return None
    asked = match["topic"].strip()
    asked_of = set(documents(asked))
    if not _names_only_titles(asked, titles) or not asked_of:
        return None
    said = list(re.finditer(r"[\w’'-]+", previous_question))
    run: list[re.Match[str]] = []
    for word in [*said, None]:  # None ends the last run
        if word is not None and (word.group().lower() in titles or run and _glue(word)):
            run.append(word)
            continue
        while run and _glue(run[-1]):
            run.pop()
        if run:
            start, end = run[0].start(), run[-1].end()
            named = set(documents(previous_question[start:end]))
            if named and not named & asked_of:
                before = previous_question[:start]
                if asked.lower().startswith("the ") and before.lower().endswith("the "):
                    before = before[:-4]
                return f"{before}{asked}{previous_question[end:]}"
        run = []
    return None


def _glue(word: re.Match[str]) -> bool:
    return word.group().lower() in _TITLE_GLUE


def _names_only_titles(phrase: str, titles: Collection[str]) -> bool:
    said = [w for w in re.findall(r"[\w’'-]+", phrase.lower()) if w not in _TITLE_GLUE]
    return bool(said) and all(w in titles for w in said)


def _completed(question: str, previous_question: str) -> str | None:
    """ "Where?", "And why?", "How many?" after a question ask it of the same thing: they
    are searched with the question before them ("Where? What talks did they start?").
    "Anything else?" asks the question before again."""
    if _MORE.match(question):
        return previous_question.strip()
    if not _ELLIPTICAL.match(question):
        return None
    return f"{question} {previous_question.strip()}"


def _first_name(text: str, exclude: str, titles: Collection[str] = ()) -> str:
    """The first name in `text` that `exclude` does not say and that is not a title's."""
    for match in NAME_RUN.finditer(text):
        said = match.group()
        if said not in exclude and not all(w.lower() in titles for w in said.split()):
            return said
    return ""


def _possessive(name: str, pronoun: str) -> str:
    return f"{name}’s" if pronoun.lower() in ("his", "hers") else name
