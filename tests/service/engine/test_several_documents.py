"""Questions over a small library of invented documents: a question that names one document
is answered from it, and a numbered item's number is never quoted as an answer."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from citeqa.index.sentences import split_sentences
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from citeqa.service.engine.extractive import _opens_on
from tests.conftest import REPO
from tests.libraries import library_of

# Each says how much notice is needed, with a different number.
NOTICES = {
    "harbor-permit-rules": (
        "Harbor Permit Rules",
        "A mooring permit is issued to each boat owner for one season at a time.\n\n"
        "30 days of notice are needed before a permit holder gives up a mooring.\n\n"
        "Boats must fly the harbor flag while moored in the inner basin.",
    ),
    "orchard-lease-terms": (
        "Orchard Lease Terms",
        "The tenant farms the apple trees and keeps the fruit of each harvest.\n\n"
        "A tenant must give 90 days of notice before ending the lease.\n\n"
        "The landlord repairs the fences and the irrigation channels every spring.",
    ),
    "quillon-open-charter": (
        "Quillon Open Charter",
        "Members of the cooperative share the cost of the community mill.\n\n"
        "A member leaving the cooperative gives 60 days of notice to the board.\n\n"
        "The board meets on the first Monday of every month.",
    ),
}
# Numbered conditions, each number a sentence of its own.
CONDITIONS = (
    "Redistribution and use in source and binary forms are permitted provided that the "
    "following conditions are met:\n\n"
    "1. Redistributions of source code must retain this notice.\n\n"
    "2. Redistributions in binary form must reproduce this notice in the documentation.\n\n"
    "3. Neither the name of the holder nor the names of its contributors may be used to "
    "endorse products.\n\n"
    "Accepting Warranty or Additional Liability.\n\n"
    "You may charge a fee for warranty or support on the software you redistribute."
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    texts = {**NOTICES, "velor-software-license": ("Velor Software License", CONDITIONS)}
    return library_of(tmp_path_factory.mktemp("library"), texts)


@pytest.mark.parametrize(
    ("question", "document_id", "days"),
    [
        (
            "Under the orchard lease, how many days of notice are needed?",
            "orchard-lease-terms",
            "90",
        ),
        ("Under the QOC, how many days of notice are needed?", "quillon-open-charter", "60"),
    ],
)
def test_a_question_naming_a_document_is_answered_from_it(
    library: Engine, question: str, document_id: str, days: str
) -> None:
    reply = library.ask(question)
    assert reply.answered is True and days in reply.answer
    assert {citation.document_id for citation in reply.citations} == {document_id}


@pytest.mark.parametrize(
    "question",
    [
        "What does condition 3 say?",
        "Can the name of the holder be used to endorse products?",
    ],
)
def test_a_numbered_items_number_is_never_quoted(library: Engine, question: str) -> None:
    sentences = [CONDITIONS[s.start : s.end] for s in split_sentences(CONDITIONS)]
    assert "3." in sentences  # the number is a sentence of its own
    reply = library.ask(question)
    assert not any(re.fullmatch(r"[\d.\s]+", citation.quote) for citation in reply.citations)


def test_a_heading_is_never_quoted(library: Engine) -> None:
    reply = library.ask("Can I charge for warranty or additional liability?")
    assert reply.answered is True
    assert all("Accepting Warranty" not in citation.quote for citation in reply.citations)
    assert any("charge a fee" in citation.quote for citation in reply.citations)


def test_the_name_of_the_one_document_asked_about_does_not_move_the_question(
    library: Engine,
) -> None:
    # Only that document is searched; its initials would pull the question toward its title.
    named = library.retriever.prepare("QOC: when does the board meet?")
    plain = library.retriever.prepare("when does the board meet?")
    assert named.documents == {"quillon-open-charter"} and not plain.documents
    assert np.allclose(named.vector, plain.vector)


def test_the_name_of_the_one_document_asked_about_is_no_search_term_even_where_it_says_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """ "What does the QOC say about the mill?" asks about the mill: the charter's notice
    that names "the QOC" is no answer."""
    texts = {
        **NOTICES,
        "quillon-open-charter": (
            "Quillon Open Charter",
            "A copy of the QOC is posted at the door of the QOC office.\n\n"
            "Members of the cooperative share the cost of the community mill.\n\n"
            "The board meets on the first Monday of every month.",
        ),
    }
    library = library_of(tmp_path_factory.mktemp("named"), texts)
    query = library.retriever.prepare("What does the QOC say about the mill?")
    assert query.documents == {"quillon-open-charter"} and "qoc" not in query.terms
    reply = library.ask("What does the QOC say about the mill?")
    assert reply.answered and "community mill" in reply.answer
    assert "posted at the door" not in reply.answer


def test_when_a_document_was_published_is_its_opening_date_or_a_refusal(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The date a document opens with answers when it was published; a document that
    opens with no year has no date to give ("in the first week of April" is none)."""
    texts = {
        "quay-permit-rules": (
            "Quay Permit Rules",
            "Quay Permit Rules, Version 2, 29 June 2007\n\n"
            "Cargo may stand on the quay for no longer than two tides before it is moved.",
        ),
        "harbor-news": (
            "Harbor News",
            "In the first week of April, the harbor opened a second crane for cargo ships.\n\n"
            "The new crane moves containers twice as fast as the old one did.",
        ),
    }
    library = library_of(tmp_path_factory.mktemp("dated"), texts)
    dated = library.ask("When were the Quay Permit Rules published?")
    assert dated.answered and "29 June 2007" in dated.answer
    assert library.ask("When was the Harbor News published?").answered is False


def test_a_title_word_in_lower_case_names_no_document(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """ "BSD License (three clauses)": "clauses" describes the licence, it does not name
    it; a question about the clauses of two other documents names those two only."""
    texts = {
        **NOTICES,
        "quillon-open-charter": (
            "Quillon Open Charter (three clauses)",
            NOTICES["quillon-open-charter"][1],
        ),
    }
    library = library_of(tmp_path_factory.mktemp("clauses"), texts)
    question = "How do the notice clauses of the harbor rules and the orchard lease compare?"
    assert library.retriever.documents_for(question) == {
        "harbor-permit-rules",
        "orchard-lease-terms",
    }
    assert library.retriever.documents_for("What does the Quillon charter say?") == {
        "quillon-open-charter"
    }


def test_a_summary_asked_by_initials_is_of_the_document_they_name(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Both titles end in "Rules 2.0"; only the initials tell them apart.
    texts = {
        "harbor-permit-rules": (
            "Harbor Permit Rules 2.0",
            "A mooring permit is issued to each boat owner for one season at a time.",
        ),
        "quay-permit-rules": (
            "Quay Permit Rules 2.0",
            "Cargo may stand on the quay for no longer than two tides before it is moved.",
        ),
    }
    library = library_of(tmp_path_factory.mktemp("rules"), texts)
    for question in ("qpr 2.0 tl;dr?", "QPRv2 tl;dr?"):  # initials run into the version too
        reply = library.ask(question)
        assert reply.answered and "Cargo may stand on the quay" in reply.answer
        assert {citation.document_id for citation in reply.citations} == {"quay-permit-rules"}


def test_a_summary_asked_by_the_file_name_is_of_the_document_it_names(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Both titles say "Harbor Code"; only the file names tell the parts apart, as a library
    # listing shows them.
    texts = {
        "harbor-code-part-one": (
            "The Harbor Code",
            "A mooring permit is issued to each boat owner for one season at a time. "
            "Every permit holder keeps one mooring in the inner basin.",
        ),
        "harbor-code-amendments": (
            "The Harbor Code, Amended",
            "Cargo may stand on the quay for no longer than two tides before it is moved. "
            "One crane serves the quay at the harbor.",
        ),
    }
    library = library_of(tmp_path_factory.mktemp("parts"), texts)
    reply = library.ask("Could you give me an overview of Part One of the Harbor Code?")
    assert reply.answered and "A mooring permit is issued" in reply.answer
    assert {citation.document_id for citation in reply.citations} == {"harbor-code-part-one"}


def test_a_summary_asked_in_a_users_words_is_of_the_document_named(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    texts = {
        "harbor-permit-rules": (
            "Harbor Permit Rules, version 2",
            "A mooring permit is issued to each boat owner for one season at a time. "
            "Boats must fly the harbor flag while moored in the inner basin.",
        ),
        "quay-permit-rules": (
            "Quay Permit Rules, version 3",
            "Cargo may stand on the quay for no longer than two tides before it is moved. "
            "One crane serves the quay.",
        ),
    }
    library = library_of(tmp_path_factory.mktemp("versions"), texts)
    # "version", a word of both titles, is the question's own here, not "it"; the request
    # comes after the comma.
    reply = library.ask("so what's the deal with the harbor permit rules, short version")
    assert "A mooring permit is issued" in reply.answer and "Boats must fly" in reply.answer


def test_one_word_of_a_file_name_does_not_name_the_document(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    texts = {
        "velor-depot-strike": (
            "Night over Velor",
            "The drone strike on the Velor depot came at night. "
            "Velor promised to answer the strike within a month.",
        ),
    }
    library = library_of(tmp_path_factory.mktemp("strike"), texts)
    # "the strike" is what the question asks about, not the file "velor-depot-strike".
    reply = library.ask("What is the point of the strike?")
    assert "came at night" not in reply.answer
    # A byline question the byline cannot answer is no whole-document question.
    reply = library.ask("Who wrote it?")
    assert not ("came at night" in reply.answer and "promised" in reply.answer)


@pytest.mark.parametrize(("least", "answered"), [(0.55, False), (-1.0, True)])
def test_a_question_none_of_whose_words_the_documents_have_needs_a_close_sentence(
    tmp_path: Path, least: float, answered: bool
) -> None:
    """ "who signed the declaration on behalf of virginia?": no document has any of its
    words but the title's, and the sentence nearest in meaning is not near enough."""
    settings = Settings(data_dir=tmp_path / "data").with_values(all_unknown_min_similarity=least)
    engine = Engine.open(settings)
    engine.library.ingest([REPO / "eval" / "datasets" / "corpus"])
    reply = engine.ask("who signed the declaration on behalf of virginia?")
    assert reply.answered is answered


def test_x_versus_y_quotes_a_sentence_for_each_side(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    texts = {
        "harbor-code": (
            "The Harbor Code",
            "A pilot must be thirty years old and have served nine years on the river.\n\n"
            "The harbor opens at dawn and closes at dusk every day of the year.\n\n"
            "A deckhand must be eighteen years old and have served one year on a ship.",
        )
    }
    library = library_of(tmp_path_factory.mktemp("versus"), texts)
    reply = library.ask("pilot vs deckhand: how old must they be?")
    assert "thirty years old" in reply.answer and "eighteen years old" in reply.answer


@pytest.mark.parametrize(
    "question",
    [
        "how did the harbour positions of velor's and ardenia's fleets compare?",
        "how did velor's harbour positions shape its fleet, versus how did ardenia's?",
    ],
)
def test_a_comparison_of_two_names_quotes_a_sentence_about_each(
    tmp_path_factory: pytest.TempPathFactory, question: str
) -> None:
    """Each side gets the sentence that speaks of it, not the one that names both."""
    texts = {
        "fleets": (
            "The Two Fleets",
            "In the war, the strength of the Velor and Ardenia fleets depended on the "
            "positions of their harbours.\n\n"
            "Velor's ships had to sail around the northern cape from their harbour to reach "
            "open water, which slowed every patrol.\n\n"
            "The winters were long, and the ice closed the rivers for months.\n\n"
            "Ardenia, by contrast, launched its ships straight from harbour positions on the "
            "open sea.",
        )
    }
    library = library_of(tmp_path_factory.mktemp("sides"), texts)
    reply = library.ask(question)
    assert "around the northern cape" in reply.answer
    assert "straight from harbour positions" in reply.answer


@pytest.mark.parametrize(
    ("sentence", "name", "other", "about"),
    [
        ("Iran's drones had to cross Iraq.", "iran", "israel", True),
        ("Israeli jets launched from the north.", "israel", "iran", True),  # a name's word
        ("No Person shall be a Senator who…", "senate", "house", False),  # past four words
        ("A Senator shall be thirty years old.", "senate", "house", True),  # the same stem
        ("Because Iran and Israel share no border…", "iran", "israel", False),  # both
        ("Nigeria exports oil.", "nigeria", "niger", True),  # the longer name that fits
        ("Niger exports uranium.", "nigeria", "niger", False),
        ("Ukraine fought on.", "uk", "france", False),  # not a short name's ending
    ],
)
def test_a_sentence_is_about_the_side_it_names_first(
    sentence: str, name: str, other: str, about: bool
) -> None:
    assert _opens_on(sentence, name, other) is about


# A charter that opens with its aims and speaks of fishing only in its middle.
CHARTER = "\n\n".join(
    [
        "We the towns of the valley, in order to keep the river clean, share the cost of the "
        "mill and settle our quarrels in peace, agree to this charter.",
        "The council of the towns meets in the spring and in the autumn of every year.",
        "Each town sends two delegates to the council and pays a share of its costs.",
        "Fishing in the river is allowed from May to September with a permit from the council.",
        "A town that leaves the charter gives a year of notice to the council.",
        "The mill is repaired by the town whose turn it is, in the order of their founding.",
        "Quarrels between towns are heard by three delegates of towns not in the quarrel.",
        "The council keeps its accounts in the town hall of the oldest town.",
        "Any delegate may read the accounts and copy them at the cost of the paper.",
        "This charter is changed only when every town agrees to the change in writing.",
    ]
)


@pytest.fixture(scope="module")
def charter(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    texts = {"valley-charter": ("Valley Charter", CHARTER)}
    return library_of(tmp_path_factory.mktemp("charter"), texts)


def test_a_part_asked_about_in_other_words_is_quoted(charter: Engine) -> None:
    """The document never says "aims" nor "listed": what the preamble says is the answer."""
    answer = charter.ask("What are the aims listed in the Preamble?")
    assert answer.answered and "keep the river clean" in answer.answer


def test_a_part_that_does_not_say_what_is_asked_is_not_quoted(charter: Engine) -> None:
    """Asked what the end says about fishing, which only the middle speaks of, the question
    is searched as any other."""
    answer = charter.ask("What does the conclusion say about fishing?")
    assert answer.answered and "Fishing in the river" in answer.answer
    assert "changed only when every town agrees" not in answer.answer


def test_what_the_conclusion_asks_for_is_its_own(charter: Engine) -> None:
    """A verb that frames the question is no topic the end must name: "allowed" is said of
    fishing, in the middle, and not at the end."""
    answer = charter.ask("What does the conclusion allow?")
    assert answer.answered and "changed only when every town agrees" in answer.answer


@pytest.fixture(scope="module")
def founding(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The second corpus: two founding documents, with sentences of a hundred words and more."""
    engine = Engine.open(Settings(data_dir=tmp_path_factory.mktemp("founding") / "data"))
    engine.library.ingest([REPO / "eval" / "datasets" / "corpus"])
    return engine
