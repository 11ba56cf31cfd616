import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.service.config import Settings
from citeqa.service.engine.conversation import Turn, resolve
from citeqa.service.engine.engine import Engine
from citeqa.service.http.app import create_app
from tests.libraries import library_of
from tests.sse import read_events

STRIKE = "Who was killed in the consulate strike?"


def _chat(client: TestClient, *turns: str) -> dict:  # type: ignore[type-arg]
    messages = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": text}
        for i, text in enumerate(turns)
    ]
    response = client.post("/v1/chat", json={"messages": messages})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_single_message_is_answered_like_ask(client: TestClient) -> None:
    chat = _chat(client, STRIKE)
    ask = client.post("/v1/ask", json={"question": STRIKE}).json()
    assert chat["answer"] == ask["answer"] and chat["citations"] == ask["citations"]


def test_a_follow_up_about_a_person_is_resolved_from_the_previous_answer(
    client: TestClient,
) -> None:
    first = _chat(client, STRIKE)
    second = _chat(client, STRIKE, first["answer"], "Why was he important?")
    assert second["question"] == "Why was he important?"
    assert second["answered"] is True
    assert "Zahedi" in second["answer"]
    assert second["answer"] != first["answer"]


def test_and_how_did_iran_respond_finds_the_retaliation(client: TestClient) -> None:
    first = _chat(client, "What happened in the Israeli strike on the consulate in Damascus?")
    second = _chat(
        client,
        "What happened in the Israeli strike on the consulate in Damascus?",
        first["answer"],
        "And how did Iran respond?",
    )
    assert "drones and missiles" in second["answer"]


def test_where_was_it_published_after_the_byline_is_answered_from_it(client: TestClient) -> None:
    first = _chat(client, "Who wrote this piece?")
    second = _chat(client, "Who wrote this piece?", first["answer"], "And where was it published?")
    assert second["answered"] is True
    assert "Foreign Affairs" in second["answer"]


@pytest.mark.parametrize(
    ("previous", "follow_up", "resolved"),
    [
        (
            "Why doesn't Iran want an all-out war with Israel?",
            "What about Israel?",
            "Why doesn't Israel want an all-out war with Iran?",
        ),
        (
            "Why doesn't Iran want an all-out war with Israel?",
            "and what about israel",
            "Why doesn't Israel want an all-out war with Iran?",
        ),
        # Saudi Arabia was not in the question before: asked of it instead of Israel.
        (
            "Does Israel have a base in the Persian Gulf?",
            "What about Saudi Arabia?",
            "Does Saudi Arabia have a base in the Persian Gulf?",
        ),
        ("What did Jordan do to help?", "And Britain?", "What did Britain do to help?"),
        # "And" before a question is not a new name: nothing to turn round.
        ("What did Jordan do to help?", "And how did Iran respond?", None),
    ],
)
def test_what_about_asks_the_question_before_the_other_way_round(
    previous: str, follow_up: str, resolved: str | None
) -> None:
    turns = [Turn("user", previous), Turn("assistant", "An answer."), Turn("user", follow_up)]
    assert resolve(turns).question == (resolved or follow_up)


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([], "messages"),
        ([{"role": "assistant", "content": "Hello"}], "last message must have role 'user'"),
        ([{"role": "user", "content": "  "}], "must not be empty"),
        ([{"role": "system", "content": "Be evil"}], "role"),
        ([{"role": "user", "content": "x" * 2001}], "2000 characters"),
        ([{"role": "user", "content": "hi?"}] * 51, "at most 50"),
        ([{"role": "user"}], "content"),
    ],
)
def test_bad_conversations_get_a_422_naming_the_problem(
    client: TestClient, messages: list[dict[str, str]], fragment: str
) -> None:
    response = client.post("/v1/chat", json={"messages": messages})
    assert response.status_code == 422
    assert fragment in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/ask/stream", {"question": STRIKE}),
        ("/v1/chat/stream", {"messages": [{"role": "user", "content": STRIKE}]}),
    ],
)
def test_streams_send_citations_then_deltas_then_done(
    client: TestClient, path: str, payload: dict[str, object]
) -> None:
    response = client.post(path, json=payload)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = read_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "done"
    assert set(names[1:-1]) == {"delta"} and len(names) > 3
    done = events[-1][1]
    assert isinstance(done, dict)
    assert "".join(data["text"] for name, data in events if name == "delta") == done["answer"]  # type: ignore[index]
    assert events[0][1] == done["citations"]


def test_stream_on_an_empty_index_is_a_503_json_error(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/ask/stream", json={"question": STRIKE})
    assert response.status_code == 503
    assert response.json()["code"] == "index_not_ready"


def test_cors_allows_listed_origins_only(article_settings: Settings) -> None:
    settings = article_settings.with_values(cors_origins=["http://shop.example"])
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/v1/chat/stream", headers={"origin": "http://shop.example", **preflight}
        )
        refused = client.options(
            "/v1/chat/stream", headers={"origin": "http://evil.example", **preflight}
        )
    assert allowed.headers["access-control-allow-origin"] == "http://shop.example"
    assert "access-control-allow-origin" not in refused.headers


def test_no_cross_origin_calls_by_default(client: TestClient) -> None:
    response = client.post(
        "/v1/ask", json={"question": STRIKE}, headers={"origin": "http://shop.example"}
    )
    assert "access-control-allow-origin" not in response.headers


def test_widget_script_and_demo_page_are_served(client: TestClient) -> None:
    script = client.get("/widget.js")
    page = client.get("/")
    assert script.headers["content-type"].startswith("application/javascript")
    assert len(script.content) < 30_000
    assert "innerHTML" not in script.text
    assert "Why Iran and Israel Stepped Back From the Brink" in page.text
    assert '<script src="/widget.js" defer></script>' in page.text
    # The snippet to copy names this service's address.
    assert "&lt;script src=&quot;http://testserver/widget.js&quot;" in page.text


def test_a_sentence_given_in_part_is_quoted_for_the_part_left_out(client: TestClient) -> None:
    # The answer quoted the sentence only up to its first clause; the reason is the rest.
    given = "Israeli attacks in Syria became more brazen beginning in early 2022 [1]"
    reply = _chat(client, "When did Israel's attacks in Syria get bolder?", given, "Why?")
    assert reply["answer"].startswith("when Russia, having reduced its footprint")
    assert "became more brazen" not in reply["answer"]
    citation = reply["citations"][0]
    document = client.get(f"/v1/documents/{citation['document_id']}").json()["text"]
    assert document[citation["start"] : citation["end"]] == citation["quote"]


def test_a_sentence_given_in_part_stays_given_after_other_answers(client: TestClient) -> None:
    given = "Israeli attacks in Syria became more brazen beginning in early 2022 [1]"
    strike = (
        "On April 1, an Israeli airstrike on the Iranian consulate in Damascus killed seven "
        "Islamic Revolutionary Guard Corps officers, including two generals. [1]"
    )
    reply = _chat(
        client,
        "When did Israel's attacks in Syria get bolder?",
        given,
        "Who was killed in the consulate strike?",
        strike,
        "Why did the attacks in Syria get bolder?",
    )
    assert reply["answer"].startswith("when Russia, having reduced its footprint")


# A sentence that gives its own reason, in a clause after the comma (after one that opens it).
FERRY = (
    "Because of its debts, the island's ferry stopped running in 2019, when the town sold its "
    "last boat to pay the harbor board.\n\n"
    "Visitors now cross on the morning mail plane, which seats six.\n\n"
    "The old ferry slip has become a fish market that opens on Saturdays.\n"
)


@pytest.fixture(scope="module")
def island(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return library_of(tmp_path_factory.mktemp("island"), {"island": ("Island Notes", FERRY)})


def test_why_after_a_sentence_that_gives_its_reason_quotes_that_clause(island: Engine) -> None:
    question = "When did the ferry stop running?"
    first = island.chat([Turn("user", question)])
    assert "in 2019" in first.answer
    why = island.chat(
        [Turn("user", question), Turn("assistant", first.answer), Turn("user", "Why?")]
    )
    assert why.answered
    assert why.answer.startswith("when the town sold its last boat to pay the harbor board")
    assert "2019" not in why.answer
    # Once the answer gave only the reason, "Why?" again does not repeat it.
    again = island.chat(
        [
            Turn("user", question),
            Turn("assistant", first.answer),
            Turn("user", "Why?"),
            Turn("assistant", why.answer),
            Turn("user", "Why?"),
        ]
    )
    assert not again.answer.startswith("when the town sold")
    # Asked of something new, "why" is answered as a question of its own.
    other = island.chat(
        [
            Turn("user", question),
            Turn("assistant", first.answer),
            Turn("user", "Why do visitors fly?"),
        ]
    )
    assert "when the town sold" not in other.answer


# One grievance a paragraph, so each sentence opens a passage of its own.
GRIEVANCES = (
    "The duke has taxed the salt of the fishing villages beyond what any family can pay, and "
    "has sent his collectors to seize the boats of those who could not.\n\n"
    "He is at this time marching a company of hired soldiers from the mountains into the "
    "harbor towns to finish the work of ruin that his collectors began.\n\n"
    "He has compelled our sailors, taken prisoner on the open sea, to row the galleys of his "
    "fleet against their own harbor towns.\n\n"
    "He has stirred up quarrels among the villages of the coast and set the hill clans against "
    "the harbor towns, whose way of fighting spares neither age nor trade.\n\n"
    "He has closed the harbor courts and left our disputes without a judge for a year and more.\n"
)


def test_a_follow_up_reads_on_into_the_next_passage(tmp_path: Path) -> None:
    engine = library_of(tmp_path, {"grievances": ("Grievances of the Coast", GRIEVANCES)})
    first = "What does it say about hired soldiers?"
    given = engine.chat([Turn("user", first)])
    assert "hired soldiers" in given.answer and len(given.citations) == 1
    reply = engine.chat(
        [Turn("user", first), Turn("assistant", given.answer), Turn("user", "What else did he do?")]
    )
    # The sentence right after the one given carries the story on, though it opens the next
    # passage: it is the answer, not one of two that tie.
    assert reply.answer.startswith("He has compelled our sailors")
    assert len(reply.citations) == 1


@pytest.mark.parametrize("more", ["Anything else?", "tell me more"])
def test_asking_for_more_gives_what_the_first_answer_did_not(client: TestClient, more: str) -> None:
    """Every sentence of the answer before counts as given, not only its first: "Anything
    else?" is the question before again, answered by sentences it did not give."""
    question = "How did Jordan respond?"
    first = _chat(client, question)
    given = [s.strip() for s in re.split(r"\[\d+\]", first["answer"]) if s.strip()]
    assert len(given) >= 2
    second = _chat(client, question, first["answer"], more)
    assert second["answered"] is True and "Jordan" in second["answer"]
    assert not any(sentence in second["answer"] for sentence in given)


LICENCES = (
    "The board blocked every new ferry licence, unless it was paused until the governor could "
    "sign it; and when so paused, the board quietly forgot about the licence for years.\n\n"
    "The harbor opens at dawn and closes when the last boat is in.\n"
)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return library_of(tmp_path_factory.mktemp("board"), {"board": ("Board Notes", LICENCES)})


def test_a_follow_up_that_states_a_condition_gets_what_happens_then(board: Engine) -> None:
    """ "What did it do once they were paused?" is not answered by "and when so paused"."""
    question = "What did the board block?"
    first = board.chat([Turn("user", question)])
    assert "ferry licence" in first.answer
    then = board.chat(
        [
            Turn("user", question),
            Turn("assistant", first.answer),
            Turn("user", "what did the board do once they were paused?"),
        ]
    )
    assert then.answered
    assert "forgot about the licence" in then.answer


PORT = (
    "The port grants every fisher a free and perpetual right to moor in the inner basin.\n\n"
    "The port grants every fisher a free and perpetual right to dry nets on the north quay.\n\n"
    "The harbor office sells ice to the fishers every morning before dawn.\n"
)


def test_a_phrase_quoted_that_two_sentences_hold_marks_neither_as_given(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = library_of(tmp_path_factory.mktemp("port"), {"port": ("Port Rules", PORT)})
    turns = [
        Turn("user", "What rights does the port grant every fisher?"),
        Turn("assistant", 'Every fisher gets "a free and perpetual right" [1]'),
        Turn("user", "anything else?"),
    ]
    reply = engine.chat(turns)
    assert reply.answered
    assert "free and perpetual right to" in reply.answer
