"""Streamed model text is cut into sentences that later text cannot change."""

from __future__ import annotations

import pytest

from citeqa.service.engine.generative import finished_up_to
from citeqa.service.engine.verification import split_generated


def _streamed_sentences(text: str, step: int) -> list[tuple[str, list[int]]]:
    """The sentences a stream checks when `text` arrives `step` characters at a time."""
    sentences: list[tuple[str, list[int]]] = []
    checked = 0
    for end in range(step, len(text) + step, step):
        written = text[:end]
        finished = finished_up_to(written, checked)
        sentences += split_generated(written[checked:finished])
        checked = finished
    return sentences + split_generated(text[checked:])


@pytest.mark.parametrize(
    "text",
    [
        "Born in St. Louis, Mo. in 1990 [1]. He moved to Ohio [2].",
        "The strike killed seven commanders [1]. Iran retaliated two weeks later. [1] It sent "
        "drones and missiles [2].",
        "Dr. Ada Byron wrote it in 1843 [1].  The U.S. edition came later [2]. [3]",
        "One sentence without a marker",
    ],
)
@pytest.mark.parametrize("step", [1, 3, 17])
def test_a_stream_checks_the_same_sentences_as_the_whole_text(text: str, step: int) -> None:
    assert _streamed_sentences(text, step) == split_generated(text)


def test_a_sentence_is_not_finished_until_the_next_word_is() -> None:
    assert finished_up_to("Born in St. Lo", 0) == 0
    assert finished_up_to("It rained [1]. Then ", 0) == len("It rained [1]. ")
