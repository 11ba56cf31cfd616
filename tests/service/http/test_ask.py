import re

import pytest
from fastapi.testclient import TestClient

from citeqa.prompts import load_prompt
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine

SEVEN = "How many Revolutionary Guard commanders were killed in the strike on the consulate?"


def _ask(client: TestClient, question: str, **extra: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_answer_names_the_number_of_commanders_killed(client: TestClient) -> None:
    body = _ask(client, SEVEN)
    assert body["answered"] is True
    assert "seven" in body["answer"]
    assert body["mode"] == "extractive"
    assert body["citations"][0]["document_title"] == (
        "Why Iran and Israel Stepped Back From the Brink"
    )


def test_who_was_killed_in_the_strike_is_answered(client: TestClient) -> None:
    body = _ask(client, "Who was killed in the strike on the consulate?")
    assert body["answered"] is True
    assert "Zahedi" in body["answer"] or "seven" in body["answer"]


def test_authorship_is_answered_from_the_byline(client: TestClient) -> None:
    body = _ask(client, "Who wrote this article?")
    assert body["answered"] is True
    assert "Vali Nasr" in body["answer"]
    assert body["citations"][0]["quote"] == "By Vali Nasr"


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "How do I bake sourdough bread at home?"],
)
def test_questions_outside_the_documents_are_refused(client: TestClient, question: str) -> None:
    body = _ask(client, question)
    assert body["answered"] is False
    assert body["citations"] == []
    assert body["answer"] == load_prompt("refusal")


@pytest.mark.parametrize(
    "question",
    [
        SEVEN,
        "Why did Iran change its strategy after the consulate attack?",
        "How did Israel respond to Iran's barrage of drones and missiles?",
        "What should Washington do to avoid a larger war?",
    ],
)
def test_markers_and_citations_match_one_to_one(client: TestClient, question: str) -> None:
    body = _ask(client, question)
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", body["answer"])]
    assert sorted(set(markers)) == [c["marker"] for c in body["citations"]]
    assert markers == sorted(markers)


def test_every_answer_sentence_is_a_cited_verbatim_quote(client: TestClient) -> None:
    body = _ask(client, "How did Israel respond to Iran's barrage of drones and missiles?")
    pieces = re.split(r" ?\[(\d+)\] ?", body["answer"])
    quoted: dict[int, list[str]] = {}
    for sentence, marker in zip(pieces[0::2], pieces[1::2], strict=False):
        quoted.setdefault(int(marker), []).append(sentence)
    assert pieces[-1] == ""  # nothing after the last marker
    for citation in body["citations"]:
        assert " ".join(quoted[citation["marker"]]) == citation["quote"]
        assert citation["quote"] in citation["text"]


def test_quote_offsets_point_into_the_cleaned_document(client: TestClient) -> None:
    body = _ask(client, SEVEN)
    for citation in body["citations"]:
        document = client.get(f"/v1/documents/{citation['document_id']}").json()
        assert document["text"][citation["start"] : citation["end"]] == citation["quote"]


def test_short_factual_answer(client: TestClient) -> None:
    body = _ask(client, SEVEN)
    words = re.sub(r"\[\d+\]", "", body["answer"]).split()
    assert len(words) <= 60


def test_top_k_and_timings_are_reported(client: TestClient) -> None:
    body = _ask(client, SEVEN, top_k=1)
    assert body["answered"] is True
    timings = body["timings_ms"]
    assert timings["total"] >= timings["retrieve"] >= 0


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"question": ""}, "question"),
        ({"question": "   \n\t "}, "empty or only whitespace"),
        ({"question": "x" * 2001}, "2000 characters"),
        ({"question": 42}, "question"),
        ({"question": ["a"]}, "question"),
        ({}, "question: Field required"),
        ({"question": "ok?", "top_k": 0}, "top_k"),
        ({"question": "ok?", "top_k": 21}, "top_k"),
        ({"question": "ok?", "top_k": "4"}, "top_k"),
        ({"question": "ok?", "top_k": True}, "top_k"),
        ({"question": "ok?", "colour": "red"}, "colour"),
        ([1, 2], "body"),
        ("a question", "body"),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_problem(
    client: TestClient, payload: object, fragment: str
) -> None:
    response = client.post("/v1/ask", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert fragment in body["message"]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"\xff\xfe", b'{"question": "a"'],
    ids=["garbage", "empty", "bytes", "cut"],
)
def test_malformed_json_gets_a_clear_4xx(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert "JSON" in response.json()["message"] or "body" in response.json()["message"]


def test_unknown_route_gets_a_json_404(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.fixture(scope="module")
def civic(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A engine over two short documents that hold what the article lacks: an amount of
    money, names of things, a speech with its speaker, and a time given as a condition."""
    folder = tmp_path_factory.mktemp("civic")
    (folder / "bridge.txt").write_text(
        "The River Bridge\n\nThe council opened the new bridge in two years. "
        "The bridge cost $4 million, paid from the transport budget. "
        "It carries two lanes of traffic and a footpath. The bridge was named Kingsway after "
        "the old toll road."
    )
    (folder / "harbour.txt").write_text(
        "Harbour Day Speech\n\nBy Ada Moreno\n\nFriends, this harbour has fed our town "
        "for a century. We will keep the Carlow lighthouse lit whenever a storm comes in from the "
        "west. The fishing fleet will be repaired before the winter."
    )
    engine = Engine.open(Settings(data_dir=folder / "data"))
    engine.library.ingest([folder / "bridge.txt", folder / "harbour.txt"])
    return engine


def test_a_cost_question_needs_an_amount_of_money(client: TestClient, civic: Engine) -> None:
    # The article tells how the drones were intercepted, with numbers, but not what it cost.
    body = _ask(client, "How much did it cost to intercept Iran's drones and missiles?")
    assert body["answered"] is False
    answer = civic.ask("How much did the new bridge cost?")
    assert answer.answered and "$4 million" in answer.answer


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What is the name of the new bridge?", "Kingsway"),
        ("What is the name of the lighthouse?", "Carlow"),
    ],
)
def test_a_name_question_is_answered_with_the_name(civic: Engine, question: str, name: str) -> None:
    answer = civic.ask(question)
    assert answer.answered and name in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # The article says Israel struck "an airbase in Iran", never which one.
        "What was the name of the Iranian airbase that Israel struck?",
        "What code name did Iran give to its April attack on Israel?",
    ],
)
def test_a_name_question_is_refused_when_the_thing_is_never_named(
    client: TestClient, question: str
) -> None:
    assert _ask(client, question)["answered"] is False


def test_the_speaker_of_a_speech_comes_from_its_byline(civic: Engine) -> None:
    answer = civic.ask("Who delivered the Harbour Day Speech?")
    assert answer.answer == "By Ada Moreno [1]"


def test_a_when_question_accepts_a_condition_for_an_answer(civic: Engine) -> None:
    answer = civic.ask("When will the lighthouse be lit?")
    assert answer.answered and "whenever a storm comes in" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "What Israeli military operation could trigger another confrontation with Iran?",
        "Why is Iran wary of a full war with Israel?",
    ],
)
def test_the_passage_an_answer_quotes_is_listed_first(client: TestClient, question: str) -> None:
    # Retrieval alone ranks another passage above the one holding the answer.
    body = _ask(client, question, include_passages=True)
    best = max(body["citations"], key=lambda citation: citation["score"])
    assert body["passages"][0]["chunk_id"] == best["chunk_id"]
