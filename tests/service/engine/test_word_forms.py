"""A question's words in another form than the document's ("takes" for "taken", which the
stemmer leaves apart) still count: as words the documents know, and in the clause quoted."""

from __future__ import annotations

import pytest

from citeqa.index.terms import same_word
from citeqa.service.engine.engine import Engine
from tests.libraries import library_of

# One sentence longer than an answer may be, whose last clause answers.
RULES = (
    "The harbor board governs the docks, the piers and the slipways of the town, and it meets "
    "in the old customs house on the first Monday of each month, when the tide tables are read "
    "aloud by the clerk to every captain, fisherman and ferry pilot who has come to hear them, "
    "together with the notices of the coast guard and the weather service for the weeks ahead; "
    "no berth may be taken for public use unless its holder is paid the full season's fee back."
    "\n\nBoats must fly the harbor flag while moored in the inner basin.\n"
)


@pytest.fixture(scope="module")
def harbor(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return library_of(tmp_path_factory.mktemp("harbor"), {"harbor-rules": ("Harbor Rules", RULES)})


def test_a_word_the_documents_use_with_a_short_ending_is_known(harbor: Engine) -> None:
    corpus = harbor.retriever.corpus
    assert "taken" in corpus.document_frequency and "take" not in corpus.document_frequency
    assert corpus.knows("take") and not corpus.knows("tak") and not corpus.knows("sunken")


def test_a_long_sentence_is_cut_to_the_clause_with_the_words_asked_in_another_form(
    harbor: Engine,
) -> None:
    reply = harbor.ask("Can the board take my berth?")
    assert reply.answered
    assert "taken for public use" in reply.answer and "governs the docks" not in reply.answer


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("take", "taken", True),
        ("coast", "coastal", True),
        ("war", "ward", False),
        ("take", "takeaway", False),
    ],
)
def test_same_word_allows_a_short_ending_on_a_stem_of_four_letters(
    a: str, b: str, same: bool
) -> None:
    assert same_word(a, b) is same and same_word(b, a) is same


# The documents say "in times of war", never "wartime".
LIGHTHOUSE = (
    "The keeper lights the lamp of the lighthouse an hour before sunset.\n\n"
    "In times of war the lamp stays dark, so that no enemy ship can steer by it.\n\n"
    "Visitors may climb the tower on Sundays when the sea is calm.\n"
)


@pytest.fixture(scope="module")
def lighthouse(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return library_of(
        tmp_path_factory.mktemp("lighthouse"), {"keeper": ("The Keeper's Duties", LIGHTHOUSE)}
    )


def test_a_question_word_no_passage_uses_is_matched_in_the_form_they_use(
    lighthouse: Engine,
) -> None:
    retriever = lighthouse.retriever
    # The documents say "keeper" and "lights": "keeping" (stemmed "keep") is a form of the
    # first; "lit" is no form of the second, and stays a word they never use.
    assert retriever.corpus.form_used("keep") == "keeper"
    assert retriever.corpus.form_used("lit") is None
    query = retriever.prepare("What does the lighthouse keeping staff do before sunset?")
    assert "keeper" in query.weights and "keep" not in query.weights
    best = max(
        (s for hit in retriever.search(query, 3) for s in hit.sentences), key=lambda s: s.lexical
    )
    assert "an hour before sunset" in best.sentence.text
    # "lighthouse", "keeping" and "sunset" of the four words asked, by IDF weight.
    assert best.lexical > 0.6


def test_a_closed_compound_is_read_as_the_two_words_the_documents_use(
    lighthouse: Engine,
) -> None:
    corpus = lighthouse.retriever.corpus
    assert "wartim" not in corpus.document_frequency
    assert corpus.compound_parts("wartime") == ("war", "time")
    assert corpus.compound_parts("sunlight") == ()  # "sun" and "light": neither is used alone
    retriever = lighthouse.retriever
    query = retriever.prepare("What happens in wartime?")
    assert query.weights["war"] == query.weights["time"] > 0
    best = max(
        (s for hit in retriever.search(query, 3) for s in hit.sentences), key=lambda s: s.lexical
    )
    assert best.sentence.text.startswith("In times of war") and best.lexical > 0
    # Only words the documents use: "lunch" is not one.
    assert "lunch" not in retriever.prepare("What happens at lunchtime?").weights
    assert retriever.corpus.compound_parts("lunchtime") == ()
