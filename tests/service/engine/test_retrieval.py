"""Dense search over passages and sentence windows (small corpora) and over passages alone
(large ones) find the same passages."""

from __future__ import annotations

import json
from dataclasses import asdict

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests.conftest import REPO


def _questions() -> list[str]:
    rows = (REPO / "eval" / "datasets" / "article.jsonl").read_text().splitlines()
    return [json.loads(row)["question"] for row in rows][:30]


def test_searching_passages_alone_beyond_the_limit_gives_the_same_answers(
    article_settings: Settings, engine: Engine
) -> None:
    assert engine.retriever.corpus.dense.sentence_owners is not None  # windows searched too
    passages_only = Engine.open(article_settings.with_values(memory_search_limit=0))
    assert passages_only.retriever.corpus.dense.sentence_owners is None
    for question in _questions():
        both = asdict(engine.ask(question))
        alone = asdict(passages_only.ask(question))
        assert both["answer"] == alone["answer"], question
        assert both["citations"] == alone["citations"], question


def test_longer_forms_of_known_words_are_known(engine: Engine) -> None:
    corpus = engine.retriever.corpus
    word = "consul"  # the article's "consulate" is searched as this stem
    assert word in corpus.document_frequency and "consular" not in corpus.document_frequency
    assert corpus.knows("consular")  # "consul" + "ar": the same word, longer
    assert not corpus.knows("consulxxxxx")  # too much longer to be the same word
    assert not corpus.knows("uranium")


def test_a_sentence_quoted_in_part_is_found_where_it_stands(engine: Engine) -> None:
    """A follow-up reads on from the answer given last, even when that answer quoted only
    a clause of its sentence, or the sentence without its opening words."""
    corpus = engine.retriever.corpus
    chunk = next(
        c
        for c in corpus.chunks
        if len(corpus.sentences[c.id]) >= 3 and len(corpus.sentences[c.id][0].text.split()) > 12
    )
    first, second = corpus.sentences[chunk.id][:2]
    words = first.text.split()
    place = (corpus.position[chunk.id], first.index)
    assert corpus.place_of(first.text) == place
    assert corpus.place_of(" ".join(words[1:])) == place  # without its first word
    assert corpus.place_of(" ".join(words[:-1])) == place  # cut before its end
    assert corpus.place_of("Nothing any passage says at all, in any way whatsoever.") is None
    told = f"{' '.join(words[1:])} Something said that no passage holds."
    [found] = corpus.places_told(told)
    assert corpus.sentences_following(found, 1) == [(chunk, second)]


def test_a_quote_wrapped_in_words_of_an_answers_own_is_found(engine: Engine) -> None:
    """A conversation's earlier answer, written by someone or something else, may quote
    the documents inside words of its own: what stands in quotation marks is found."""
    corpus = engine.retriever.corpus
    chunk = next(c for c in corpus.chunks if len(corpus.sentences[c.id][0].text.split()) > 12)
    first = corpus.sentences[chunk.id][0]
    place = (corpus.position[chunk.id], first.index)
    assert corpus.places_told(f'In short: "{first.text}" [1]') == [place]
    assert corpus.places_told(f"In short: “{first.text}”") == [place]
    # Its first words only, fewer than twice the words compared at a quote's end.
    opening = " ".join(first.text.split()[:7])
    assert corpus.places_told(f'For one, "{opening}" [1]') == [place]


def test_each_sentence_an_answer_gave_is_told_as_the_passage_writes_it(engine: Engine) -> None:
    """An answer's later sentences come after a space ("A. [1] B. [1]" is seen as "A.\\n
    B."): each is told word for word, so that it is not given again as new."""
    corpus = engine.retriever.corpus
    chunk = next(c for c in corpus.chunks if len(corpus.sentences[c.id]) >= 2)
    first, second = corpus.sentences[chunk.id][:2]
    told = corpus.quotes_told(f"{first.text}\n {second.text}\n")
    assert [quote for _, quote in told] == [first.text, second.text]


def test_proper_names_are_the_words_written_only_capitalised(engine: Engine) -> None:
    names = engine.retriever.corpus.proper_names()
    assert {"iran", "israel", "hezbollah", "jordan"} <= names
    assert not {"strike", "war", "the", "may"} & names  # also written in lower case
