import pytest
from fastapi.testclient import TestClient

from service.questions import split_parts


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "What did Iran fear regarding Saudi Arabia, and why is it not about to happen?",
            ["What did Iran fear regarding Saudi Arabia?", "why is it not about to happen?"],
        ),
        ("How did Iran and Israel fight?", ["How did Iran and Israel fight?"]),
        ("Who won and why?", ["Who won and why?"]),
    ],
)
def test_questions_in_two_parts_are_split(question: str, parts: list[str]) -> None:
    assert split_parts(question) == parts


def test_a_two_part_question_quotes_a_sentence_for_each_part(client: TestClient) -> None:
    question = (
        "What did the October 7 attack do to Israel's sense of security, "
        "and what does Iran's missile threat mean for the Gulf states' shores?"
    )
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answered"] is True
    assert "aura of invincibility" in body["answer"]
    assert "seconds" in body["answer"]
