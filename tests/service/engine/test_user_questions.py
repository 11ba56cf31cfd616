"""Questions people ask beyond factoids: about a whole document, about a topic, for a list."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from citeqa.index.embedding import Embedder
from citeqa.index.terms import terms
from citeqa.service.engine.intents import WholeDocumentQuestions

TITLE = "Why Iran and Israel Stepped Back From the Brink"


@pytest.mark.parametrize(
    ("question", "whole"),
    [
        ("What is this article about?", True),
        ("Summarize the article", True),
        ("What are the main arguments?", True),
        ("tl;dr", True),
        (f"Give me a summary of {TITLE}", True),
        ("What does the article say about Jordan?", False),
        ("How many commanders were killed in the strike?", False),
        ("Why did Iran retaliate?", False),
    ],
)
def test_whole_document_questions_are_recognised_by_meaning(
    embedder: Embedder, question: str, whole: bool
) -> None:
    intents = WholeDocumentQuestions(embedder)
    spoken_of = {"jordan", "iran", "israel", "command", "strike"}
    title = set(terms(TITLE))
    assert intents.asked(question, embedder.embed_query(question), title, spoken_of) is whole


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
