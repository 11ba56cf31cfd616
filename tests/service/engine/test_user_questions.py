"""Questions people ask beyond factoids: about a whole document, about a topic, for a list."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

from citeqa.index.embedding import Embedder
from citeqa.index.terms import terms
from citeqa.service.engine.intents import WholeDocumentQuestions
from tests.libraries import library_of

TITLE = "Why Iran and Israel Stepped Back From the Brink"


@pytest.mark.parametrize(
    ("question", "whole"),
    [
        ("What is this article about?", True),
        ("Summarize the article", True),
        ("What are the main arguments?", True),
        ("tl;dr", True),
        (f"Give me a summary of {TITLE}", True),
        (f"Summarise {TITLE}", True),
        (f"What's the main argument of {TITLE}?", True),
        ("summarise the Brink deed for me", True),  # a kind of document the examples lack
        ("can you summarize the Brink legal code", True),  # a word of its own before the kind
        ("explain the Brink v3 to me like i'm a junior dev – what's it for?", True),  # after a dash
        (f'Give me a short overview of "{TITLE}".', True),
        ("Could you summarise this for me? I'm trying to work out what it's actually for.", True),
        # Nothing but the document's name and the asking: 0.50 is close enough (0.525).
        (f"{TITLE} in a few sentences?", True),
        ("What is the point of the strike?", False),  # 0.503, and it may be about the strike
        ("ok so what's the short version", True),
        ("summarize the Brink paper for a strike analyst", True),  # the reader it is for
        ("What does the strike mean for a small country?", False),
        # A sentence that names something is not the request; another may be.
        (
            "I read about Jordan and skimmed this one. Could you lay out the article's "
            "argument from start to finish?",
            True,
        ),
        ("Could you lay out the argument about Jordan?", False),
        ("what's the Brink paper getting at? explain it like i'm 12", True),  # lower case
        # A question about something named is about that, whatever follows it.
        ("Why did Jordan shoot down the drones? Explain it like I'm 12.", False),
        ("What did Jordan do? Give me the short version.", False),
        ("Is there a later version of the Brink paper?", False),
        ("What does the Brink paper say about Jordan?", False),
        ("What does the Brink waive?", False),  # a verb after the name is the question's own
        # what it says of something, not what it says as a whole
        ("what does the Brink paper say the strike on the command depended on?", False),
        ("Briefly, what does the Brink paper say?", True),
        ("what does the Brink paper say at a high level?", True),
        ("What does the article say about Jordan?", False),
        ("How many commanders were killed in the strike?", False),
        ("Why did Iran retaliate?", False),
    ],
)
def test_whole_document_questions_are_recognised_by_meaning(
    embedder: Embedder, question: str, whole: bool
) -> None:
    intents = WholeDocumentQuestions(embedder)
    # "like" too: the documents may use a word the question only asks with.
    spoken_of = {"jordan", "iran", "israel", "command", "strike", "like"}
    title = set(terms(TITLE))
    assert intents.asked(question, embedder.embed_query(question), title, spoken_of) is whole


class _Counting:
    """An embedder that counts the questions it embeds."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.calls = embedder, 0

    def embed(self, texts: list[str]) -> object:
        return self.embedder.embed(texts)

    def embed_query(self, text: str) -> object:
        self.calls += 1
        return self.embedder.embed_query(text)


def test_a_question_far_from_every_example_is_not_read_again_with_its_title_as_it(
    embedder: Embedder,
) -> None:
    counting = _Counting(embedder)
    intents = WholeDocumentQuestions(counting)  # type: ignore[arg-type]
    title, spoken_of = set(terms(TITLE)), {"iran", "israel", "command", "strike"}
    # It names the title's words ("Iran", "Israel") but asks a detail: one embedding.
    detail = "How many commanders did Israel kill in the strike on Iran's consulate?"
    assert not intents.asked(detail, embedder.embed_query(detail), title, spoken_of)
    assert counting.calls == 0
    summary = f"Summarise {TITLE}"
    assert intents.asked(summary, embedder.embed_query(summary), title, spoken_of)
    assert counting.calls == 1


def test_a_long_message_is_read_again_a_bounded_number_of_times(embedder: Embedder) -> None:
    counting = _Counting(embedder)
    intents = WholeDocumentQuestions(counting)  # type: ignore[arg-type]
    title, spoken_of = set(terms(TITLE)), {"iran", "israel"}
    message = "is it bad? " * 150 + f"Summarise {TITLE}, briefly"
    intents.asked(message, embedder.embed_query(message), title, spoken_of)
    assert counting.calls <= 6


def test_what_is_this_about_gets_the_summary_cited_sentence_by_sentence(
    client: TestClient,
) -> None:
    body = client.post("/v1/ask", json={"question": "What is this article about?"}).json()
    assert body["answered"] and len(body["answer"].split()) <= 120
    document = client.get(f"/v1/documents/{body['citations'][0]['document_id']}").json()["text"]
    starts = [c["start"] for c in body["citations"]]
    assert starts == sorted(starts) and len(starts) >= 3
    for citation in body["citations"]:
        assert document[citation["start"] : citation["end"]] == citation["quote"]
    sentences = re.split(r"(?<=\])\s+", body["answer"])
    assert all(re.search(r"\[\d+\]$", sentence) for sentence in sentences)
    assert body["answer"].startswith("The volley of attacks and counterattacks between Iran")


def test_a_document_named_by_its_publication_is_summarised(client: TestClient) -> None:
    question = "main takeaway of the foreign affairs piece?"
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answer"].startswith("The volley of attacks and counterattacks between Iran")


def test_a_list_question_gets_the_sentence_that_names_the_items(client: TestClient) -> None:
    question = "What three goals did Israel pursue in its response to Hamas?"
    body = client.post("/v1/ask", json={"question": question}).json()
    assert "destroy Hamas" in body["answer"] and "free the Israeli hostages" in body["answer"]


def test_tell_me_about_x_gets_several_sentences_about_x_in_document_order(
    client: TestClient,
) -> None:
    body = client.post("/v1/ask", json={"question": "Tell me about the role of Jordan."}).json()
    starts = [c["start"] for c in body["citations"]]
    assert body["answered"] and len(starts) >= 2 and starts == sorted(starts)
    assert all("Jordan" in c["quote"] for c in body["citations"])


def test_tell_me_about_something_the_documents_lack_is_refused(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "Tell me about the weather on Mars."})
    assert body.json()["answered"] is False


CONSULATE_STRIKE = (
    "On April 1, an Israeli airstrike on the Iranian consulate in Damascus killed seven Islamic "
    "Revolutionary Guard Corps commanders, including two generals."
)


def test_a_follow_up_answered_by_a_sentence_already_given_quotes_its_clause(
    client: TestClient,
) -> None:
    messages = [
        {"role": "user", "content": "What happened at the consulate in Damascus?"},
        {"role": "assistant", "content": f"{CONSULATE_STRIKE} [1]"},
        {"role": "user", "content": "how many of the dead were generals?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    assert body["answered"] is True
    [citation] = body["citations"]
    assert "two generals" in citation["quote"] and citation["quote"] in CONSULATE_STRIKE
    assert len(citation["quote"]) < len(CONSULATE_STRIKE)
    document = client.get(f"/v1/documents/{citation['document_id']}").json()["text"]
    assert document[citation["start"] : citation["end"]] == citation["quote"]


def test_a_sentence_quoted_from_its_middle_is_not_given_again_as_new(client: TestClient) -> None:
    """An earlier answer that quoted a sentence's middle in quotation marks gave it: the
    follow-up gets what it newly asks, not that sentence whole."""
    messages = [
        {"role": "user", "content": "Who was the main target of the Damascus strike?"},
        {
            "role": "assistant",
            "content": 'It killed "Mohammad Reza Zahedi, the Revolutionary Guard commander who '
            'coordinated the military operations of Hezbollah in Lebanon" [1]',
        },
        {"role": "user", "content": "what was israel signalling by killing him in a consulate?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    assert body["answered"] is True
    assert "The strike killed" not in body["answer"]
    assert "commander who coordinated" not in body["answer"]


def test_what_a_partly_quoted_sentence_left_out_is_given_only_when_it_stands_apart(
    client: TestClient,
) -> None:
    """The words before a quote that run on into it ("Israel, for its part, knows that")
    say nothing on their own: they are never an answer."""
    messages = [
        {"role": "user", "content": "What would a larger conflict mean for Israel?"},
        {
            "role": "assistant",
            "content": "a larger conflict with Iran would compel Hezbollah to fire many more "
            "missiles at Israeli cities and military facilities. [1]",
        },
        {"role": "user", "content": "and iran?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    assert all(not c["quote"].endswith(" that") for c in body["citations"])


OMAN_TALKS = (
    "For such a process to begin, though, the United States and Iran must reduce their own "
    "tensions by renewing the discussions about Iran’s nuclear program and regional issues "
    "that they started in Oman last year but abandoned after October 7."
)


def test_where_after_an_answer_that_named_the_place_quotes_that_clause(
    client: TestClient,
) -> None:
    messages = [
        {"role": "user", "content": "What talks did the US and Iran start last year?"},
        {"role": "assistant", "content": f"{OMAN_TALKS} [1]"},
        {"role": "user", "content": "Where?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    [citation] = body["citations"]
    assert "Oman" in citation["quote"] and citation["quote"] in OMAN_TALKS
    assert len(citation["quote"]) < len(OMAN_TALKS)


@pytest.mark.parametrize(
    ("date", "answered"),
    [("March 3", False), ("April 1", True)],
)
def test_the_strike_asked_of_another_date_is_refused_and_of_its_own_answered(
    client: TestClient, date: str, answered: bool
) -> None:
    question = f"How many commanders did the {date} strike on the consulate in Damascus kill?"
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answered"] is answered
    assert ("seven" in body["answer"]) is answered


@pytest.mark.parametrize("topic", ["Azerbaijan", "Jordan"])
def test_anything_on_x_gets_sentences_that_each_speak_of_x(client: TestClient, topic: str) -> None:
    """Each sentence names X, or carries on, from "it" or "they", right after one that does
    ("Jordan, for one, … It followed the United States' lead to shoot down…")."""
    body = client.post("/v1/ask", json={"question": f"anything on {topic}?"}).json()
    sentences = re.split(r"(?<=\])\s+", body["answer"])
    assert body["answered"] is True and len(sentences) >= 2
    assert topic in sentences[0]
    for before, sentence in itertools.pairwise(sentences):
        assert topic in sentence or (re.match(r"(It|They) ", sentence) and topic in before)
    if topic == "Jordan":
        assert "shoot down Iranian drones" in body["answer"]


def test_what_happened_next_is_the_sentence_after_the_one_given(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "What happened on April 1?"},
        {"role": "assistant", "content": f"{CONSULATE_STRIKE} [1]"},
        {"role": "user", "content": "What happened next?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    document = client.get(f"/v1/documents/{body['citations'][0]['document_id']}").json()["text"]
    after = document[document.index(CONSULATE_STRIKE) + len(CONSULATE_STRIKE) :].lstrip()
    [citation] = body["citations"]
    assert after.startswith(citation["quote"]) and "retaliated" in citation["quote"]


def test_tell_me_about_x_prefers_sentences_that_open_with_x(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "What does the article say about Iraq?"}).json()
    quotes = [c["quote"] for c in body["citations"]]
    assert any(quote.startswith("Iraq will suffer more") for quote in quotes)


def test_a_question_about_what_was_said_quotes_the_answer_given(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "What happened on April 1?"},
        {"role": "assistant", "content": f"{CONSULATE_STRIKE} [1]"},
        {"role": "user", "content": "Sorry, which city did you say the consulate was in?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    [citation] = body["citations"]
    assert citation["quote"] in CONSULATE_STRIKE and "Damascus" in citation["quote"]


def test_what_happened_next_follows_the_answer_given_last(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "What talks did the US and Iran start last year?"},
        {"role": "assistant", "content": f"{OMAN_TALKS} [1]"},  # later in the article
        {"role": "user", "content": "What happened on April 1?"},
        {"role": "assistant", "content": f"{CONSULATE_STRIKE} [1]"},
        {"role": "user", "content": "And then?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    [citation] = body["citations"]
    assert "retaliated" in citation["quote"]


GULF_TIES = (
    "Israel has close formal ties with Bahrain and the United Arab Emirates, and those "
    "countries, along with Saudi Arabia, collaborate with Israel on intelligence and security "
    "issues."
)


def test_which_country_did_you_say_quotes_the_clause_that_names_it(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "Which gulf countries does Israel have formal ties with?"},
        {"role": "assistant", "content": f"{GULF_TIES} [1]"},
        {"role": "user", "content": "Which other country did you say works with Israel?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    [citation] = body["citations"]
    assert "Saudi Arabia" in citation["quote"] and citation["quote"] in GULF_TIES


def test_about_x_gives_up_to_four_sentences_saying_different_things(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "anything on Azerbaijan?"}).json()
    quotes = " ".join(c["quote"] for c in body["citations"])
    assert "staging grounds" in quotes and "military maneuvers" in quotes
    assert len(re.findall(r"\[\d+\]", body["answer"])) <= 4
    assert len(body["answer"].split()) <= 2 * 60 + 4  # twice the answer length, and markers


US_ASSURANCE = (
    "The United States assured Iran that it did not know of Israel’s plans for the strike in "
    "advance and then signaled its concerns about the dangers of a larger war both in public "
    "statements and via intermediaries."
)


def test_a_follow_up_is_answered_from_where_the_conversation_left_off(client: TestClient) -> None:
    """What the United States asked of Israel is told a few sentences after what it told
    Iran; elsewhere the article speaks of Israel in words closer to the question's."""
    messages = [
        {"role": "user", "content": "What did the United States tell Iran after the strike?"},
        {"role": "assistant", "content": f"{US_ASSURANCE} [1]"},
        {"role": "user", "content": "And what did it ask of Israel?"},
    ]
    body = client.post("/v1/chat", json={"messages": messages}).json()
    assert "temper its response" in body["answer"]


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("How does the article end?", "realize the potential of American statecraft"),
        ("What are its opening lines?", "The volley of attacks and counterattacks"),
    ],
)
def test_a_question_about_the_end_or_start_quotes_that_part(
    client: TestClient, question: str, fragment: str
) -> None:
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answered"] is True and fragment in body["answer"]


@pytest.mark.parametrize(
    "question", ["what role does jordan / amman play?", "what role do drones / uavs play?"]
)
def test_about_x_or_y_is_answered_when_the_documents_know_one_of_them(
    client: TestClient, question: str
) -> None:
    """Asked about "X / Y", the documents need to know X or Y, not the words that frame
    the question ("role", "play")."""
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answered"] is True
    topic = question.split("does ")[-1].split("do ")[-1].split(" /")[0]
    assert all(topic in c["quote"].lower() for c in body["citations"])


# A short sentence that announces a list, its items each a line of their own.
PERMITS = (
    "Anglers on the reservoir need a permit from the water board.\n\n"
    "No permit is granted to an angler:\n\n"
    "(a) who has been fined for poaching in the last five years; or\n\n"
    "(b) who fishes from a boat without a licence for it.\n\n"
    "Permits are renewed every spring at the board's office.\n"
)


def test_a_sentence_that_announces_a_list_is_quoted_with_its_items(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = library_of(tmp_path_factory.mktemp("permits"), {"permits": ("Permits", PERMITS)})
    reply = engine.ask("In which cases is no permit granted to an angler?")
    assert reply.answered
    assert "No permit is granted to an angler:" in reply.answer
    assert "fined for poaching" in reply.answer and "without a licence" in reply.answer


# A list run on in one paragraph, its items marked "1." and longer together than one answer.
CROSSING = (
    "Ferries may cross the strait at night provided that the following conditions are met: "
    "1. The captain must have logged at least two hundred crossings by daylight in the "
    "previous year. 2. Every passenger must wear a lifejacket with a working lamp from the "
    "moment the ferry leaves the quay. 3. The harbor master must be told of the crossing by "
    "radio before the ferry leaves and again when it arrives on the far side.\n\n"
    "Fares for night crossings are twice the day fares.\n"
)


# A list too long for one passage: its second item opens the next passage, its mark "2."
# ends the one before.
LONG_LIST = (
    "Fishing boats may stay out after dark provided that the following rules are met: "
    "1. The skipper must have logged at least two hundred trips by daylight in the previous "
    "year, each of them entered in the harbor book with the date, the hour of leaving, the "
    "hour of coming back, the weather on the way out and the names of every member of the "
    "crew who sailed that day. "
    "2. Every member of the crew must have passed the council's course on first aid at sea "
    "within the last three years, and must carry the card that proves it, signed by the "
    "instructor, in a waterproof case that is kept on deck and shown to the harbor master "
    "whenever he asks to see it. "
    "3. Every boat must show a white lamp at the masthead from sunset to sunrise.\n\n"
    "The harbor office closes at midnight.\n"
)


def test_a_list_item_that_opens_a_passage_is_an_item_and_is_never_crowded_out(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = library_of(tmp_path_factory.mktemp("fleet"), {"fleet": ("Fleet", LONG_LIST)})
    corpus = engine.retriever.corpus
    [second] = [
        (chunk, s)
        for chunk in corpus.chunks
        for s in corpus.sentences[chunk.id]
        if s.text.startswith("Every member of the crew")
    ]
    assert second[1].index == 0  # it opens its passage
    assert engine.extractive._is_item(*second)
    # The list does not fit twice the answer limit with this item in it: the item alone.
    reply = engine.ask("what are the rules on first aid for crews?")
    assert "first aid at sea" in reply.answer


@pytest.mark.parametrize(
    "question",
    [
        "What are the three conditions for a night crossing?",
        "list the conditions",
        "what are the rules on lifejackets at night?",  # one item matches best: its list
    ],
)
def test_a_list_question_gets_every_item_of_the_list(
    tmp_path_factory: pytest.TempPathFactory, question: str
) -> None:
    engine = library_of(tmp_path_factory.mktemp("strait"), {"strait": ("Strait", CROSSING)})
    reply = engine.ask(question)
    assert reply.answered
    assert "the following conditions are met:" in reply.answer
    for item in ("two hundred crossings", "lifejacket", "told of the crossing by radio"):
        assert item in reply.answer
    assert not any(re.search(r"\d\.$", c.quote) for c in reply.citations)  # no stray mark
