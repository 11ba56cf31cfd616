"""Dense search in memory (small corpora) and through Chroma (large ones) find the same passages."""

from __future__ import annotations

import json
from dataclasses import asdict

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.conftest import REPO


def _questions() -> list[str]:
    rows = (REPO / "eval" / "datasets" / "article.jsonl").read_text().splitlines()
    return [json.loads(row)["question"] for row in rows][:30]


def test_memory_search_and_chroma_search_give_the_same_answers(
    article_settings: Settings, engine: Engine
) -> None:
    assert engine.retriever.corpus.dense is not None  # the article is searched in memory
    through_chroma = Engine.open(article_settings.with_values(memory_search_limit=0))
    assert through_chroma.retriever.corpus.dense is None
    for question in _questions():
        in_memory = asdict(engine.ask(question))
        chroma = asdict(through_chroma.ask(question))
        assert in_memory["answer"] == chroma["answer"], question
        assert in_memory["citations"] == chroma["citations"], question


def test_longer_forms_of_known_words_are_known(engine: Engine) -> None:
    corpus = engine.retriever.corpus
    word = "consul"  # the article's "consulate" is searched as this stem
    assert word in corpus.document_frequency and "consular" not in corpus.document_frequency
    assert corpus.knows("consular")  # "consul" + "ar": the same word, longer
    assert not corpus.knows("consulxxxxx")  # too much longer to be the same word
    assert not corpus.knows("uranium")
