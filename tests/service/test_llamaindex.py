"""citeqa inside llama-index pipelines: the retriever under llama-index's own query engine,
and the query engine as a tool, in-process and against a running `citeqa serve`."""

from __future__ import annotations

import pytest
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.tools import QueryEngineTool

from citeqa.service.engine.engine import Engine
from citeqa.service.llamaindex import CiteqaQueryEngine, CiteqaRetriever

QUESTION = "How many Revolutionary Guard commanders were killed in the consulate strike?"


@pytest.fixture(params=["in-process", "over HTTP"])
def where(request: pytest.FixtureRequest, engine: Engine) -> dict:  # type: ignore[type-arg]
    if request.param == "in-process":
        return {"engine": engine}
    return {"url": request.getfixturevalue("live_server")}


def test_the_retriever_feeds_a_llama_index_query_engine(where: dict, engine: Engine) -> None:  # type: ignore[type-arg]
    retriever = CiteqaRetriever(**where, top_k=3)
    # llama-index's own query engine over citeqa's retriever, its model a stand-in.
    pipeline = RetrieverQueryEngine.from_args(retriever, llm=MockLLM())
    nodes = pipeline.query(QUESTION).source_nodes
    assert 1 <= len(nodes) <= 3 and any("seven" in n.node.get_content() for n in nodes)
    text = engine.library.document(nodes[0].node.metadata["document_id"]).text  # type: ignore[union-attr]
    for node in nodes:
        meta = node.node.metadata
        assert text[meta["start"] : meta["end"]] == meta["quote"] == node.node.get_content()


def test_the_query_engine_answers_with_citations_as_source_nodes(
    where: dict,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    tool = QueryEngineTool.from_defaults(
        query_engine=CiteqaQueryEngine(**where),
        name="citeqa",
        description="Answers questions about the documents, with citations.",
    )
    response = tool.call(QUESTION).raw_output
    assert "seven" in response.response and response.metadata["answered"] is True
    assert response.source_nodes
    for node in response.source_nodes:
        meta = node.node.metadata
        text = engine.library.document(meta["document_id"]).text  # type: ignore[union-attr]
        assert text[meta["start"] : meta["end"]] == meta["quote"]
        assert f"[{meta['marker']}]" in response.response


def test_a_question_the_documents_do_not_answer_says_so(engine: Engine) -> None:
    response = CiteqaQueryEngine(engine).query("What is the capital of Peru?")
    assert response.metadata["answered"] is False and not response.source_nodes  # type: ignore[index]


def test_exactly_one_source_is_needed() -> None:
    with pytest.raises(ValueError, match="either engine= .* or url="):
        CiteqaQueryEngine()
