"""Documents made in the tests: PDFs written with fpdf2, Word files with python-docx, zips."""

from __future__ import annotations

import io
import zipfile

import docx
from fpdf import FPDF

RUNNING_HEADER = "Harbour Board Annual Report"


class _Report(FPDF):
    """Pages with a running header and a "Page n" footer, as a printed report has."""

    def __init__(self, running: bool) -> None:
        super().__init__()
        self.running = running

    def header(self) -> None:
        if self.running:
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, RUNNING_HEADER, new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

    def footer(self) -> None:
        if self.running:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, f"Page {self.page_no()}")


def pdf(pages: list[list[str]], *, running: bool = True, password: str = "") -> bytes:
    """A PDF with one page per item of `pages`, each a list of paragraphs. A sentence can
    carry on over a page break: end a page's last paragraph mid-sentence."""
    document = _Report(running)
    document.set_auto_page_break(False)
    for paragraphs in pages:
        document.add_page()
        document.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            document.multi_cell(0, 6, paragraph)
            document.ln(4)
    if password:
        document.set_encryption(owner_password=password + "-owner", user_password=password)
    return bytes(document.output())


def two_column_pdf(left: list[str], right: list[str]) -> bytes:
    """One page in two columns, each written top to bottom."""
    document = _Report(running=False)
    document.add_page()
    document.set_font("Helvetica", size=11)
    width = (document.w - document.l_margin - document.r_margin - 10) / 2
    for x, paragraphs in ((document.l_margin, left), (document.l_margin + width + 10, right)):
        document.set_xy(x, 20)
        for paragraph in paragraphs:
            document.set_x(x)
            document.multi_cell(width, 6, paragraph)
            document.ln(4)
    return bytes(document.output())


def image_only_pdf() -> bytes:
    """A page with a drawing and no text: what a scan looks like to a text reader."""
    document = FPDF()
    document.add_page()
    document.rect(20, 20, 120, 80, style="F")
    return bytes(document.output())


def blank_pdf(pages: int) -> bytes:
    document = FPDF()
    for _ in range(pages):
        document.add_page()
    return bytes(document.output())


def word(blocks: list[tuple[str, str]], title: str = "") -> bytes:
    """A .docx of (style, text) paragraphs: style "Heading 1", "Heading 2" or "" for body."""
    document = docx.Document()
    document.core_properties.title = title
    for style, text in blocks:
        if style.startswith("Heading"):
            document.add_heading(text, level=int(style.split()[-1]))
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb(expanded_bytes: int) -> bytes:
    """A zip named like a Word file whose one entry unpacks to `expanded_bytes` of zeros."""
    out = io.BytesIO()
    block = bytes(1_000_000)
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as entry,
    ):
        for _ in range(expanded_bytes // len(block)):
            entry.write(block)
    return out.getvalue()
