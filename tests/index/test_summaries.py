"""A document's summary: its lead and its most central sentences, without repeats, in order."""

from __future__ import annotations

import numpy as np
import pytest

from citeqa.index.chunking import Sentence
from citeqa.index.summaries import SUMMARY_MAX_WORDS, summarise


def _sentences(texts: list[str]) -> list[Sentence]:
    return [
        Sentence(f"c:{i}", "c", i, i * 100, i * 100 + len(t), t, t) for i, t in enumerate(texts)
    ]


def _unit(rows: list[list[float]]) -> np.ndarray:
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_lead_and_the_central_sentences_are_chosen_without_repeats_in_order() -> None:
    rows = [[1, 0, 0], [0.95, 0.3, 0], [0.95, 0.3, 0], [0.8, 0.6, 0], [0.8, 0, 0.6]]
    rows += [[0.6, 0.6, 0.5], [0, 1, 0], [0, 0, 1]]
    texts = [f"Sentence {n} says something about the harbour and its ships." for n in range(8)]
    chosen = summarise(_sentences(texts), _unit(rows))
    assert chosen[0] == "c:0"  # the opening: nearly as central as the most central
    assert chosen == sorted(chosen, key=lambda sid: int(sid.split(":")[1]))
    assert not {"c:1", "c:2"} <= set(chosen)  # two identical sentences: one at most
    assert "c:7" not in chosen  # the least central


def test_a_summary_stays_within_its_word_limit_and_skips_short_sentences() -> None:
    long = "word " * 50
    texts = ["In Congress, 1776.", long.strip() + ".", long.strip() + ".", long.strip() + "."]
    vectors = _unit([[1, 0], [1, 0.1], [0.1, 1], [0.5, 0.5]])
    chosen = summarise(_sentences(texts), vectors)
    assert "c:0" not in chosen  # too short to say anything out of context
    assert sum(len(texts[int(s.split(":")[1])].split()) for s in chosen) <= SUMMARY_MAX_WORDS


def test_a_notice_before_the_lead_is_passed_over() -> None:
    texts = [
        "This text may be copied and shared freely for any purpose at all.",  # off-topic
        "The harbour of Velor shelters forty fishing boats through the winter storms.",
        "Its outer basin was dug in 1921 to take the larger steamers.",
        "Pilots guide every ship through the narrow channel at high tide.",
        "The harbour master keeps a list of the boats waiting for a berth.",
    ]
    rows = [[0, 0, 1], [1, 0.1, 0], [0.8, 0.6, 0], [0.9, -0.3, 0], [0.9, 0.3, 0]]
    chosen = summarise(_sentences(texts), _unit(rows))
    assert chosen[0] == "c:1"  # the notice is far less central than what follows


def test_a_heading_is_no_summary_sentence_and_the_lead_opens_the_document() -> None:
    texts = [
        "VELOR HARBOUR RULES Version 3, 12 June 2001 as amended",  # a title line: no stop
        "The harbour of Velor shelters forty fishing boats through the winter storms.",
        "Every boat in the harbour pays its berth fee to the harbour master.",
        "Pilots guide every ship through the narrow channel at high tide.",
        "The harbour master keeps a list of the boats waiting for a berth.",
    ]
    rows = [[1, 0.2, 0], [0.9, 0.1, 0.3], [1, 0, 0], [0.2, 1, 0], [0.95, 0.2, 0]]
    chosen = summarise(_sentences(texts), _unit(rows))
    assert "c:0" not in chosen  # says what the document is called, not what it says
    # The opening statement leads, though the sentence after it is more central.
    assert chosen[0] == "c:1"


def test_a_document_of_headings_alone_still_has_a_summary() -> None:
    texts = [f"Part {n} of the harbour rules for boats and their crews" for n in range(3)]
    chosen = summarise(_sentences(texts), _unit([[1, 0], [0.9, 0.3], [0.3, 0.9]]))
    assert chosen


@pytest.mark.parametrize("ending", [".[1]", "…", ".”", "?"])
def test_a_sentence_ending_on_a_footnote_mark_or_an_ellipsis_is_no_heading(ending: str) -> None:
    texts = [
        "VELOR HARBOUR RULES Version 3, 12 June 2001 as amended",
        f"The harbour of Velor shelters forty fishing boats through the winter{ending}",
        "Pilots guide every ship through the narrow channel at high tide.",
    ]
    chosen = summarise(_sentences(texts), _unit([[1, 0], [1, 0.1], [0.2, 1]]))
    assert chosen[0] == "c:1"


def test_a_short_sentence_is_quoted_with_the_one_before_it_in_its_passage() -> None:
    texts = [
        "The harbour of Velor shelters forty fishing boats through the winter storms.",
        "The harbour master keeps a list of the boats waiting for a berth.",
        "Pilots guide every ship through the narrow channel at high tide.",
        "Four years ago every captain feared a storm that would close the channel.",
        "All dreaded it, and all sought to avoid it.",  # 9 words: its window says what "it" is
        "Every boat in the harbour pays its berth fee to the harbour master.",
    ]
    rows = [[1, 0, 0], [0.9, 0.4, 0], [0.7, 0, 0.7], [-1, 0, 0.1], [0.8, -0.5, 0.3], [1, 0.1, 0]]
    vectors = _unit(rows)
    chosen = summarise(_sentences(texts), vectors)
    assert "c:4" in chosen
    assert "c:3" in chosen  # what "it" is, though far from what the document is about


def test_a_lead_over_the_word_limit_is_still_a_summary() -> None:
    texts = [("word " * 130).strip() + ".", "The harbour of Velor shelters forty boats in winter."]
    chosen = summarise(_sentences(texts), _unit([[1, 0], [0.9, 0.4]]))
    assert chosen == ["c:0"]


def _in_passages(texts: list[tuple[str, str]]) -> list[Sentence]:
    """Sentences given as (passage id, text), in reading order."""
    return [
        Sentence(f"{chunk}:{i}", chunk, i, i * 100, i * 100 + len(t), t, t)
        for i, (chunk, t) in enumerate(texts)
    ]


_SHORT_CASE_ROWS = [[1, 0, 0], [0.9, 0.4, 0], [0.7, 0, 0.7], [-1, 0, 0.1], [0.8, -0.5, 0.3]]


@pytest.mark.parametrize(
    ("before", "brought"),
    [
        (("a", "Four years ago every captain feared a storm that would close the channel."), True),
        (("b", "Four years ago every captain feared a storm that would close the channel."), False),
        (("a", "FOUR YEARS AGO EVERY CAPTAIN FEARED THE STORM AND THE CHANNEL"), False),
        (("a", ("Four years ago every captain feared a storm " * 14).strip() + "."), False),
    ],
)
def test_a_short_sentence_brings_only_a_sentence_of_its_passage_that_fits(
    before: tuple[str, str], brought: bool
) -> None:
    """The sentence before a short one comes with it only from the same passage, only if
    it is a sentence (not a heading), and only within the word limit."""
    texts = [
        ("a", "The harbour of Velor shelters forty fishing boats through the winter storms."),
        ("a", "The harbour master keeps a list of the boats waiting for a berth."),
        ("a", "Pilots guide every ship through the narrow channel at high tide."),
        before,
        ("a", "All dreaded it, and all sought to avoid it."),
    ]
    chosen = summarise(_in_passages(texts), _unit(_SHORT_CASE_ROWS))
    assert ("a:3" in chosen or "b:3" in chosen) is brought
    words = sum(len(texts[int(c.split(":")[1])][1].split()) for c in chosen)
    assert words <= SUMMARY_MAX_WORDS


def test_a_sentence_brought_along_is_not_chosen_again() -> None:
    """A sentence quoted with the short one after it takes none of the four places."""
    texts = [
        "The harbour of Velor shelters forty fishing boats through the winter storms.",
        "Every captain in the harbour feared the storms of the winter months.",
        "All dreaded it, and all sought to avoid it.",
        "Pilots guide every ship through the narrow channel at high tide.",
        "The harbour master keeps a list of the boats waiting for a berth.",
        "Every boat in the harbour pays its berth fee to the harbour master.",
    ]
    rows = [[1, 0, 0], [0.95, 0.3, 0], [0.9, 0.2, 0.3], [0.3, 1, 0], [0.3, 0, 1], [0.6, 0.6, 0.5]]
    chosen = summarise(_sentences(texts), _unit(rows))
    assert len(chosen) == 5  # four chosen, and the one brought along
