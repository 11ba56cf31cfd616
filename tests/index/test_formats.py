"""Files read into text: PDFs page by page, Word files with headings, web pages' main content.

The files are made here (tests/documents.py) and read with the real libraries.
"""

from __future__ import annotations

import pytest

from citeqa.index.documents import clean_document
from citeqa.index.errors import InvalidDocument, UnsupportedMediaType
from citeqa.index.formats import extract
from tests import documents

LOCKS = "The harbour master opens the lock gates at high tide and closes them at dusk."
GRAIN = "Grain ships from the northern ports unload at the east quay every Tuesday."
TOLLS = "The toll for a laden barge was raised to nine shillings in the spring."


def _cleaned(raw: bytes, name: str):  # type: ignore[no-untyped-def]
    extracted = extract(raw, name)
    return clean_document(extracted.text, document_id="d", title=extracted.title)


def test_a_pdf_knows_the_page_of_every_sentence_and_drops_running_lines() -> None:
    pages = [["Harbour report for the year."], [LOCKS], [GRAIN, TOLLS], ["Nothing else."]]
    document = _cleaned(documents.pdf(pages), "report.pdf")
    assert documents.RUNNING_HEADER not in document.text
    assert "Page 2" not in document.text and "Page 3" not in document.text
    for sentence, page in ((LOCKS, 2), (GRAIN, 3), (TOLLS, 3)):
        start = document.text.index(sentence)
        assert document.layout.page_at(start) == page


def test_a_sentence_over_a_page_break_is_one_sentence_on_two_pages() -> None:
    pages = [[LOCKS, "The pilots of the outer basin keep watch over"], ["the moorings all night."]]
    document = _cleaned(documents.pdf(pages), "watch.pdf")
    sentence = "The pilots of the outer basin keep watch over the moorings all night."
    start = document.text.index(sentence)
    assert document.layout.page_at(start) == 1
    assert document.layout.page_at(start + len(sentence) - 1) == 2


def test_a_word_broken_by_a_hyphen_at_a_page_break_is_joined() -> None:
    pages = [["The harbour keeps a log of the inter-"], ["national traffic through the locks."]]
    document = _cleaned(documents.pdf(pages, running=False), "log.pdf")
    assert "international traffic" in document.text


def test_a_two_column_page_reads_each_column_in_order() -> None:
    left = [LOCKS, GRAIN]
    right = [TOLLS, "The harbour board meets on the first Monday of every month."]
    document = _cleaned(documents.two_column_pdf(left, right), "columns.pdf")
    for sentence in [*left, *right]:
        assert sentence in document.text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (documents.image_only_pdf(), "no text layer"),
        (documents.pdf([[LOCKS]], password="pw"), "encrypted"),
        (b"%PDF-1.4\n1 0 obj garbage", "cannot be read as a PDF"),
        (documents.blank_pdf(30), "has 30 pages, more than the 20"),
    ],
)
def test_pdfs_that_cannot_be_read_are_refused_naming_why(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidDocument, match=message):
        extract(raw, "broken.pdf", max_pdf_pages=20)


def test_word_headings_become_sections() -> None:
    raw = documents.word(
        [("Heading 1", "Harbour rules"), ("", LOCKS), ("Heading 2", "Trade"), ("", GRAIN)],
        title="Rules of the Harbour",
    )
    document = _cleaned(raw, "rules.docx")
    assert document.title == "Rules of the Harbour"
    assert document.layout.section_at(document.text.index(LOCKS)) == "Harbour rules"
    assert document.layout.section_at(document.text.index(GRAIN)) == "Trade"


def test_a_zip_bomb_named_docx_is_refused_before_it_is_unpacked() -> None:
    with pytest.raises(InvalidDocument, match="zip bomb"):
        extract(documents.zip_bomb(50_000_000), "bomb.docx", max_expanded_bytes=10_000_000)


def test_markdown_headings_become_sections() -> None:
    raw = f"# Harbour notes\n\n{LOCKS}\n\n## Trade\n\n{GRAIN}\n".encode()
    document = _cleaned(raw, "notes.md")
    assert document.title == "Harbour notes"
    assert document.layout.section_at(document.text.index(GRAIN)) == "Trade"
    assert document.layout.section_at(document.text.index(LOCKS)) is None


def test_a_web_page_keeps_its_article_and_drops_navigation_and_scripts() -> None:
    page = f"""<html><head><title>Harbour news</title><script>track()</script></head><body>
    <nav><a href="/">Home</a> <a href="/shop">Shop our harbour mugs</a></nav>
    <article><h1>Harbour news</h1><p>{LOCKS}</p><h2>Trade</h2><p>{GRAIN}</p></article>
    <footer>Subscribe to our newsletter</footer><script>alert(1)</script></body></html>"""
    document = _cleaned(page.encode(), "news.html")
    assert document.title == "Harbour news"
    assert LOCKS in document.text and GRAIN in document.text
    for dropped in ("track()", "alert", "Shop our harbour mugs", "<p>"):
        assert dropped not in document.text
    assert document.layout.section_at(document.text.index(GRAIN)) == "Trade"


@pytest.mark.parametrize(
    ("raw", "name", "error", "message"),
    [
        (b"", "empty.txt", InvalidDocument, "empty"),
        (bytes(range(256)) * 8, "data.txt", UnsupportedMediaType, "binary"),
        (
            b"<html><body>" + b"<script>x()</script>" * 50 + b"</body></html>",
            "s.html",
            InvalidDocument,
            "no readable text",
        ),
        (b"PK\x03\x04 not a zip", "old.docx", InvalidDocument, "not a Word .docx"),
        (b"a,b\n", "sheet.csv", UnsupportedMediaType, "unsupported file type"),
    ],
)
def test_bad_files_get_an_error_naming_the_problem(
    raw: bytes, name: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        extract(raw, name)


def test_a_text_cannot_claim_pages_with_the_marks_citeqa_uses() -> None:
    raw = "Harbour notes\n\nThe lock \ue000\ue013 opens at dawn.\n".encode()
    document = _cleaned(raw, "notes.txt")
    assert document.layout.pages == () and "The lock opens at dawn." in document.text
