"""Follow-ups resolved from the conversation before they are searched. No model, no Chroma."""

from __future__ import annotations

import pytest

from citeqa.index.terms import terms
from citeqa.service.engine.conversation import Turn, asks_for_more, resolve

TALKS = "What talks did Velor start with Ardenia?"
TALKS_ANSWER = "Velor opened border talks with Ardenia in 2021 [1]."


def _after_talks(message: str) -> list[Turn]:
    return [Turn("user", TALKS), Turn("assistant", TALKS_ANSWER), Turn("user", message)]


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("Different question: what did they sign?", "what did they sign?"),
        ("Unrelated q - what did they sign?", "what did they sign?"),
        ("ok switching gears, what did they sign?", "what did they sign?"),
    ],
)
def test_a_preamble_announcing_a_new_topic_is_removed_and_starts_afresh(
    message: str, question: str
) -> None:
    resolved = resolve(_after_talks(message))
    assert (resolved.question, resolved.context) == (question, "")


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("switching to Ostra — how does it trade?", "Ostra — how does it trade?"),
        ("ok moving on to Ostra: what do they sign?", "Ostra: what do they sign?"),
    ],
)
def test_switching_to_something_named_starts_afresh_and_keeps_the_name(
    message: str, question: str
) -> None:
    resolved = resolve(_after_talks(message))
    assert (resolved.question, resolved.context) == (question, "")


def test_going_back_to_what_was_said_is_no_new_topic() -> None:
    resolved = resolve(_after_talks("Going back to that, why did they stop?"))
    assert TALKS in resolved.context


def test_a_preamble_that_announces_no_new_topic_keeps_the_conversation() -> None:
    resolved = resolve(_after_talks("ok, what did they sign?"))
    assert resolved.question == "what did they sign?"
    assert TALKS in resolved.context


@pytest.mark.parametrize("message", ["Where?", "Why not?", "How many?", "And why?"])
def test_a_bare_question_word_is_searched_with_the_question_before(message: str) -> None:
    resolved = resolve(_after_talks(message))
    assert message in resolved.question and TALKS in resolved.question


@pytest.mark.parametrize("message", ["Anything else?", "what else", "Tell me more.", "go on"])
def test_asking_for_more_asks_the_question_before_again(message: str) -> None:
    resolved = resolve(_after_talks(message))
    assert resolved.question == TALKS and TALKS_ANSWER.split(" [")[0] in resolved.seen


def test_anything_else_on_something_asks_for_more_of_it() -> None:
    assert asks_for_more("Anything else on the border trade?")
    assert not asks_for_more("Is there a border trade?")


@pytest.mark.parametrize(
    ("message", "follows_on"),
    [
        ("What does that mean in practice?", True),  # "that" stands for what was said
        ("How did this change the border trade?", True),
        ("Why was the border closed after that?", True),
        ("Did the border trade grow that year?", False),  # "that" before a noun it points at
        ("Which border town did the talks say that trade would grow in?", False),
        ("What was the border deal that led to the talks?", False),  # "that" relative
        ("tell me more about why that matters", True),  # more, of what was said
        ("Is that likely to grow?", True),  # the subject after an opening auxiliary
        ("What has to happen before that can start?", True),  # between "before" and a verb
        ("Is this report about the border trade?", False),  # "this report" names a document
        # "one" standing for a thing said before; not "one of", nor "the one that…"
        ("why, what did the first one need?", True),
        ("Which one lasted longer?", True),
        ("Which one of the border towns traded most?", False),
        ("What was the one that Ardenia signed in 2019?", False),
    ],
)
def test_this_or_that_standing_for_what_was_said_leans_on_the_conversation(
    message: str, follows_on: bool
) -> None:
    assert bool(resolve(_after_talks(message)).context) is follows_on


def test_the_focus_is_what_the_last_message_newly_asks() -> None:
    turns = [
        Turn("user", "How many commanders did the Velor strike kill?"),
        Turn("assistant", "The strike killed seven Velor commanders, including two generals [1]."),
        Turn("user", "And how many of the commanders were generals?"),
    ]
    assert resolve(turns).focus == tuple(terms("generals"))


@pytest.mark.parametrize(
    ("question", "answer", "follow_up", "resolved"),
    [
        # The answer names the person: "he" is that person.
        (
            "Who was killed in the Velor strike?",
            "The strike killed Ardo Kessel, a general [1].",
            "Why was he important?",
            "Why was Ardo Kessel important?",
        ),
        # The answer itself says "he": it still speaks of the one asked about, not of a
        # name it happens to mention.
        (
            "Why did Ardo Kessel resign?",
            "He has said that the Velor Council opposed him [1].",
            "When did he resign?",
            "When did Ardo Kessel resign?",
        ),
        # The question named him without asking who: a capitalised word of the answer
        # ("the Presidential office") is not who "he" is.
        (
            "Did Kessel give a long speech at his second oath?",
            "At this second oath of the Presidential office there is less to say [1].",
            "Why did he say less?",
            "Why did Kessel say less?",
        ),
    ],
)
def test_he_in_a_follow_up_is_the_person_spoken_of(
    question: str, answer: str, follow_up: str, resolved: str
) -> None:
    turns = [Turn("user", question), Turn("assistant", answer), Turn("user", follow_up)]
    assert resolve(turns).question == resolved


def test_a_quick_question_preamble_keeps_the_conversation() -> None:
    resolved = resolve(_after_talks("Quick question: why did they stop?"))
    assert resolved.question.startswith("why did") and TALKS in resolved.context


@pytest.mark.parametrize("message", ["What about \\1?", "What about C:\\Users?", "And Foo\\d?"])
def test_what_about_with_backslashes_is_searched_as_it_is(message: str) -> None:
    assert resolve(_after_talks(message)).question == message


@pytest.mark.parametrize("message", ["What about them?", "What about the cost?"])
def test_what_about_something_unnamed_does_not_rewrite_the_question_before(message: str) -> None:
    assert resolve(_after_talks(message)).question == message


def test_and_where_is_completed_not_taken_for_a_name() -> None:
    resolved = resolve(_after_talks("And Where?"))
    assert resolved.own == "And Where?" and resolved.question == f"And Where? {TALKS}"


def test_a_long_run_of_spaces_is_resolved_at_once() -> None:
    message = "what about x" + " " * 1900 + "y?!"
    assert resolve(_after_talks(message)).question == "what about x y?!"


def test_he_is_never_a_documents_title() -> None:
    turns = [
        Turn("user", "What does the Charter say about foreign soldiers?"),
        Turn("assistant", "He is bringing large armies of foreign soldiers [1]."),
        Turn("user", "what did he force captives to do?"),
    ]
    assert "Charter" in resolve(turns).question  # without titles: the only name there is
    assert resolve(turns, titles={"charter"}).question == "what did he force captives to do?"


def test_what_about_states_only_its_own_words() -> None:
    """ "What about Ardenia?" is searched as the question before turned round, but the
    premise of that question ("doesn't") was held to the documents when it was answered:
    the look-alike check holds only the message's own words to them."""
    turns = [
        Turn("user", "Why doesn't Velor want a war with Ardenia?"),
        Turn("assistant", "Velor knows that a war with Ardenia would be long [1]."),
        Turn("user", "What about Ardenia?"),
    ]
    resolved = resolve(turns)
    assert resolved.question == "Why doesn't Ardenia want a war with Velor?"
    assert resolved.own == "What about Ardenia?"


def test_names_typed_in_lower_case_are_names_still() -> None:
    """ "and ardenia?" after a question typed all in lower case asks it the other way
    round, as it would with the names capitalised."""
    turns = [
        Turn("user", "why doesn't velor want a war with ardenia"),
        Turn("assistant", "Velor knows that a war with Ardenia would be long [1]."),
        Turn("user", "and ardenia?"),
    ]
    resolved = resolve(turns, names={"velor", "ardenia"})
    assert resolved.question == "why doesn't Ardenia want a war with Velor"
    assert resolve(turns).question == "and ardenia?"  # without the names: as it is


@pytest.mark.parametrize(
    ("previous", "message", "resolved"),
    [
        ("who wrote the harbor code?", "and the quay rules?", "who wrote the quay rules?"),
        (
            "What does the Harbor Code say about fees?",
            "what about the quay rules",
            "What does the quay rules say about fees?",
        ),
    ],
)
def test_and_another_document_asks_the_question_before_of_it(
    previous: str, message: str, resolved: str
) -> None:
    turns = [Turn("user", previous), Turn("assistant", "An answer [1]."), Turn("user", message)]
    documents = {"harbor": {"code"}, "code": {"code"}, "quay": {"rules"}, "rules": {"rules"}}

    def named(phrase: str) -> set[str]:
        return set().union(*(documents.get(w, set()) for w in phrase.lower().split()))

    assert resolve(turns, set(documents), (), named).question == resolved


def test_what_about_a_title_word_of_the_same_document_turns_the_question_round() -> None:
    """Both names are words of one document's title: "What about Ardenia?" is the question
    before turned round, not asked of another document."""
    turns = [
        Turn("user", "Why doesn't Velor want a war with Ardenia?"),
        Turn("assistant", "Velor knows that a war with Ardenia would be long [1]."),
        Turn("user", "What about Ardenia?"),
    ]
    title = {"why", "velor", "ardenia", "stepped", "back"}
    resolved = resolve(turns, title, (), lambda phrase: {"velor-ardenia"})
    assert resolved.question == "Why doesn't Ardenia want a war with Velor?"
