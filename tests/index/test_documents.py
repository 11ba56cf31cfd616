from pathlib import Path

import pytest

from citeqa.index.documents import clean_document, load_document
from citeqa.index.errors import InvalidDocument
from tests.conftest import ARTICLE


def test_article_header_becomes_metadata() -> None:
    document = load_document(ARTICLE)
    assert (document.title, document.author, document.publication) == (
        "Why Iran and Israel Stepped Back From the Brink",
        "Vali Nasr",
        "Foreign Affairs",
    )


def test_cleaned_text_starts_with_a_byline_built_from_the_metadata() -> None:
    document = load_document(ARTICLE)
    first = document.paragraphs[0]
    assert document.text[first.start : first.end] == (
        "Why Iran and Israel Stepped Back From the Brink\nBy Vali Nasr\nForeign Affairs"
    )
    assert "foreign affairs\n" not in document.text


def test_trailing_site_boilerplate_is_dropped() -> None:
    document = load_document(ARTICLE)
    assert "comment" not in document.text.lower()
    assert document.text.endswith("the potential of American statecraft.")


def test_pull_quotes_restating_the_body_are_not_kept() -> None:
    text = load_document(ARTICLE).text
    assert "Left unchecked, the dangerous competition between Iran" not in text
    assert "Left unchecked, their dangerous competition will destabilize the region" in text
    assert (
        "in the recent volley of attacks and counterattacks between Iran and Israel, but"
        not in text
    )
    assert text.count("but it could next time") == 1


def test_parallel_clauses_with_different_numbers_are_both_kept() -> None:
    # Most words are shared, as in a pull quote, but each states its own facts.
    representatives = (
        "No Person shall be a Representative who shall not have attained to the Age of twenty "
        "five Years, and been seven Years a Citizen of the United States."
    )
    senators = (
        "No Person shall be a Senator who shall not have attained to the Age of thirty Years, "
        "and been nine Years a Citizen of the United States."
    )
    raw = f"Qualifications\n\n{representatives}\n\nEach House keeps a Journal.\n\n{senators}\n"
    text = clean_document(raw, document_id="qualifications").text
    assert representatives in text and senators in text


def test_list_items_sharing_most_words_are_all_kept() -> None:
    # Parallel items of a list, each its own block: no pull quote of the one before.
    items = [
        "(a) any file in Source Form that results from a change to Covered Software; or",
        "(b) any file in Source Form that adds Covered Software.",
    ]
    raw = "Definitions\n\nModifications means any of the following:\n\n" + "\n\n".join(items)
    text = clean_document(raw, document_id="definitions").text
    assert all(item in text for item in items)


def test_paragraph_offsets_round_trip() -> None:
    document = load_document(ARTICLE)
    paragraphs = document.text.split("\n\n")
    assert [document.text[p.start : p.end] for p in document.paragraphs] == paragraphs


def test_generic_header_front_matter_and_repeats() -> None:
    raw = (
        '---\ntitle: "Tides"\nauthor: Ada Lane\n---\n\n'
        "The moon pulls the sea twice a day. Tides follow it.\n\n"
        "Sign up for our newsletter\n\n"
        "Harbours plan their schedules around high water.\n\n"
        "The moon pulls the sea twice a day. Tides follow it.\n"
    )
    document = clean_document(raw, document_id="tides")
    assert (document.title, document.author) == ("Tides", "Ada Lane")
    assert document.text == (
        "Tides\nBy Ada Lane\n\n"
        "The moon pulls the sea twice a day. Tides follow it.\n\n"
        "Harbours plan their schedules around high water."
    )


def test_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "plain-notes.txt"
    path.write_text("Water boils at one hundred degrees at sea level. It freezes at zero.\n")
    document = load_document(path)
    assert (document.id, document.title, document.author) == ("plain-notes", "plain-notes", "")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.txt", b"caf\xe9 au lait", "not valid UTF-8"),
        ("blob.txt", b"abc\x00\x01\x02", "binary"),
        ("empty.txt", b"   \n\n  ", "no text left"),
        ("sheet.csv", b"a,b\n1,2\n", "unsupported file type"),
    ],
)
def test_unreadable_files_are_rejected_with_the_reason(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidDocument, match=message):
        load_document(path)


def test_header_lines_that_front_matter_overrides_stay_in_the_text() -> None:
    """Metadata given otherwise wins over what the header says, but the header's lines are
    the document's text still: a version and date line is not lost."""
    raw = (
        "---\ntitle: Tide Licence 2.0\n---\n\n"
        "Tide Licence\nVersion 2.0, January 2004\n\n"
        "TERMS OF USE\n\n"
        "You may copy the tables. You may not sell them.\n"
    )
    document = clean_document(raw, document_id="tide-licence")
    assert document.title == "Tide Licence 2.0"
    assert "Version 2.0, January 2004" in document.text
    assert document.text.index("January 2004") < document.text.index("You may copy")


def test_a_licences_own_sentences_about_copyright_are_kept() -> None:
    """Words a site's footer uses ("copyright", "comment") are text in a licence: only a
    short block among the last few, that grants or binds nothing, is a footer."""
    definition = '"Licensor" shall mean the copyright owner granting the Licence.'
    fair_use = "This Licence is not meant to limit rights under copyright doctrines of fair use."
    notices = "You may add notices of copyright ownership."
    raw = (
        "Tide Licence\n\n"
        f"{definition}\n\nYou may copy the tables in any medium.\n\n{fair_use}\n\n"
        "You may not sell the tables.\n\nThe tables come as they are.\n\n"
        f"{notices}\n\n"
        "Sign up for our newsletter\n\n"
        "© 2024 Tide Press. Comments are closed.\n"
    )
    text = clean_document(raw, document_id="tide-licence").text
    assert definition in text and fair_use in text and notices in text
    assert "newsletter" not in text and "Tide Press" not in text
