"""Shared words and patterns, each defined once in index/vocabulary.py."""

from __future__ import annotations

import pytest

from citeqa.index.vocabulary import DATE, MARKER, MONEY, NAME, NAME_RUN, NUMBER, QUANTITY


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Seven commanders and 1,200 troops", ["Seven", "1,200"]),
        ("thirteen colonies, ninety days", ["thirteen", "ninety"]),
        ("dozens of hundreds", ["dozens", "hundreds"]),
        ("no number here", []),
    ],
)
def test_number_finds_numbers_in_digits_and_words(text: str, numbers: list[str]) -> None:
    assert [m.group() for m in NUMBER.finditer(text)] == numbers


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("half of them", ["half"]),
        ("most ships", ["most"]),
        ("thirteen colonies", ["thirteen"]),
        ("seventy ships", ["seventy"]),
    ],
)
def test_quantity_also_takes_fractions_and_quantifiers(text: str, found: list[str]) -> None:
    assert [m.group() for m in QUANTITY.finditer(text)] == found


@pytest.mark.parametrize(
    ("text", "money"),
    [("It cost $5 million.", True), ("It cost 5 euros.", True), ("It cost a lot.", False)],
)
def test_money(text: str, money: bool) -> None:
    assert bool(MONEY.search(text)) is money


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("on April 1", True),
        ("in 1921", True),
        ("at 10:30", True),
        ("on the quay", False),
        ("in May", True),
        ("it may close", False),  # the verb is no month
    ],
)
def test_date(text: str, date: bool) -> None:
    assert bool(DATE.search(text)) is date


def test_names_are_capitalised_words_that_do_not_start_a_sentence() -> None:
    text = "The strike killed Mohammad Reza Zahedi in Damascus."
    assert [m.group() for m in NAME.finditer(text)] == ["Mohammad", "Reza", "Zahedi", "Damascus"]
    assert [m.group() for m in NAME_RUN.finditer(text)] == ["Mohammad Reza Zahedi", "Damascus"]
    # "I" with its verb ("I've", "I'm", "I’d") is no name
    assert not NAME.search("Once I've paid, and I’d say I'm done, can I leave?")


def test_markers_are_found_with_their_number_and_removed_with_the_space_before() -> None:
    answer = "First. [1] Second. [2]"
    assert MARKER.findall(answer) == ["1", "2"]
    assert MARKER.sub("", answer) == "First. Second."
