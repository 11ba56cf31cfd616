"""Follow-up questions resolved from the conversation, offline, without a language model.

"Who was killed in the consulate strike?" → "The strike killed Mohammad Reza Zahedi, …" →
"Why was he important?" is searched as "Why was Mohammad Reza Zahedi important?", with the
previous question and answer blended into the query as context. A question that stands on
its own is searched as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.index.terms import terms
from citeqa.index.vocabulary import MARKER, NAME_RUN, PERSON_PRONOUNS, THING_PRONOUNS, any_of
from citeqa.prompts import load_prompt

_CONNECTIVE = re.compile(
    r"^\s*(and|but|so|also|then|what about|how about|and what|and why|and how|why not)\b", re.I
)
_PRONOUN = re.compile(rf"\b{any_of(f'{PERSON_PRONOUNS} {THING_PRONOUNS} these those')}\b", re.I)
# "What has happened since?": a question that ends pointing back at a time said before.
_SINCE_THEN = re.compile(r"\b(since|since then|afterwards?|after that|before that)\s*\??\s*$", re.I)
_PERSON = re.compile(rf"\b{any_of(PERSON_PRONOUNS)}\b", re.I)
_MIN_STANDALONE_TERMS = 2
# "What about Israel?": the question before, asked of someone else.
_WHAT_ABOUT = re.compile(r"^\s*(and\s+)?(what|how)\s+about\s+(?P<topic>.+?)\s*\??\s*$", re.I)


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


def resolve(turns: list[Turn]) -> Resolved:
    """The last user message, made to stand on its own when it is a follow-up."""
    question = turns[-1].content
    previous_question = next((t.content for t in reversed(turns[:-1]) if t.role == "user"), "")
    previous_answer = next((t.content for t in reversed(turns[:-1]) if t.role == "assistant"), "")
    if previous_answer.strip() == load_prompt("refusal"):
        previous_answer = ""
    previous_answer = MARKER.sub("", previous_answer)
    seen = " ".join(MARKER.sub("", t.content) for t in turns[:-1] if t.role == "assistant")
    if not previous_question or not is_follow_up(question):
        return Resolved(question, "", seen)
    question = _turned_round(question, previous_question) or question
    name = _first_name(previous_answer, previous_question) or _first_name(previous_question, "")
    if name and _PERSON.search(question):
        question = _PERSON.sub(lambda m: _possessive(name, m.group()), question)
    return Resolved(question, f"{previous_question} {previous_answer}".strip(), seen)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on what was said before it."""
    return bool(
        _CONNECTIVE.search(question)
        or _PRONOUN.search(question)
        or _SINCE_THEN.search(question)
        or len(set(terms(question))) < _MIN_STANDALONE_TERMS
    )


def _turned_round(question: str, previous_question: str) -> str | None:
    """ "What about Israel?" after "Why doesn't Iran want a war with Israel?" asks the
    question before the other way round: "Why doesn't Israel want a war with Iran?"."""
    match = _WHAT_ABOUT.match(question)
    if not match:
        return None
    names = [m.group() for m in NAME_RUN.finditer(previous_question)]
    topic = next((name for name in names if name.lower() == match["topic"].lower()), None)
    other = next((name for name in names if name != topic), None)
    if topic is None or other is None:
        return None
    swapped = {topic: other, other: topic}
    pattern = rf"\b({re.escape(topic)}|{re.escape(other)})\b"
    return re.sub(pattern, lambda m: swapped[m.group()], previous_question)


def _first_name(text: str, exclude: str) -> str:
    for match in NAME_RUN.finditer(text):
        if match.group() not in exclude:
            return match.group()
    return ""


def _possessive(name: str, pronoun: str) -> str:
    return f"{name}’s" if pronoun.lower() in ("his", "hers") else name
