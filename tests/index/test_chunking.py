import pytest

from citeqa.index.chunking import Chunker, chunk_id_for
from citeqa.index.documents import load_document
from citeqa.index.sentences import split_sentences
from tests.conftest import ARTICLE


@pytest.fixture(scope="module")
def document():  # type: ignore[no-untyped-def]
    return load_document(ARTICLE)


def test_chunk_offsets_round_trip(document) -> None:  # type: ignore[no-untyped-def]
    for chunk in Chunker(60).split(document):
        assert document.text[chunk.start : chunk.end] == chunk.text


def test_chunks_never_cut_a_sentence(document) -> None:  # type: ignore[no-untyped-def]
    boundaries = {
        (s.start, s.end)
        for p in document.paragraphs
        for s in split_sentences(document.text[p.start : p.end], p.start)
    }
    starts = {start for start, _ in boundaries}
    ends = {end for _, end in boundaries}
    for chunk in Chunker(40).split(document):
        assert chunk.start in starts and chunk.end in ends


def test_chunks_stay_inside_one_paragraph(document) -> None:  # type: ignore[no-untyped-def]
    for chunk in Chunker(120).split(document):
        paragraph = document.paragraphs[chunk.paragraph_index]
        assert paragraph.start <= chunk.start < chunk.end <= paragraph.end


def test_long_paragraphs_are_split_near_the_limit(document) -> None:  # type: ignore[no-untyped-def]
    chunks = Chunker(80).split(document)
    assert len(chunks) > len(document.paragraphs)
    longest_sentence = max(
        len(document.text[s.start : s.end].split())
        for p in document.paragraphs
        for s in split_sentences(document.text[p.start : p.end], p.start)
    )
    assert max(len(c.text.split()) for c in chunks) <= 80 + longest_sentence


def test_chunk_ids_depend_on_document_and_text_only(document) -> None:  # type: ignore[no-untyped-def]
    first, second = Chunker(120).split(document), Chunker(120).split(document)
    assert [c.id for c in first] == [c.id for c in second]
    assert first[1].id == chunk_id_for(document.id, first[1].text)
    assert chunk_id_for("other", first[1].text) != first[1].id


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Boats may moor provided that these rules are met: 1. Pay the fee. 2. Fly the flag.",
            [
                "Boats may moor provided that these rules are met:",
                "Pay the fee.",
                "2.",
                "Fly the flag.",
            ],
        ),
        # A number after a colon with no list after it is the sentence's own.
        ("Deaths in the first week: 12. Most were soldiers.", None),
        ("Boats counted in the first week: 1. Most were ferries.", None),
    ],
)
def test_a_list_items_first_mark_after_a_colon_opens_the_item(
    text: str, sentences: list[str] | None
) -> None:
    found = [text[s.start : s.end] for s in split_sentences(text)]
    assert found == (sentences or [text[: text.index(".") + 1], text[text.index(".") + 2 :]])
