"""The reader: a document's cleaned text as a page, with a cited range highlighted.

`GET /documents/{id}?start=S&end=E` (a citation's `start` and `end`, or its `url`) shows
characters S to E in a `<mark>`, scrolled into view, with the page it stands on for a PDF
and the section it stands in. Everything from the document is escaped: inserted as text,
never as HTML.
"""

from __future__ import annotations

import html
from string import Template

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from citeqa.index.errors import CollectionNotFound, DocumentNotFound, InvalidRequest, WrongKey
from citeqa.index.store import StoredDocument
from citeqa.service.http.dependencies import CollectionQuery, engine_for
from citeqa.service.http.errors import error_responses
from citeqa.service.http.routes.widget import read_static
from citeqa.service.http.security import ReadKey

router = APIRouter(tags=["reader"])


@router.get(
    "/documents/{document_id}",
    summary="A document as a page, with a cited range highlighted",
    # The page is HTML; its errors are JSON like every other error (`response_class` would
    # describe them as HTML too).
    response_model=None,
    responses={
        200: {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}},
        **error_responses(DocumentNotFound, InvalidRequest, CollectionNotFound, WrongKey),
    },
    dependencies=[ReadKey],
)
def reader_page(
    document_id: str,
    request: Request,
    start: int | None = Query(None, ge=0, description="A citation's `start`."),
    end: int | None = Query(None, ge=0, description="A citation's `end`."),
    collection: CollectionQuery = None,
) -> HTMLResponse:
    """The cleaned document; with `start` and `end`, that range highlighted."""
    document = engine_for(request, collection).library.document(document_id)
    if document is None:
        raise DocumentNotFound(
            f"No document with id '{document_id}'. List the ids with GET /v1/documents."
        )
    span = _span(document, start, end)
    return HTMLResponse(
        Template(read_static("reader.html")).substitute(
            title=html.escape(document.title),
            byline=html.escape(f"By {document.author}" if document.author else ""),
            place=html.escape(_place(document, span)),
            text=_marked(document.text, span),
        )
    )


@router.get("/reader.js", summary="The reader page's script", response_class=Response)
def reader_js() -> Response:
    """Scrolls the highlighted range into view."""
    return Response(
        read_static("reader.js"),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


def _span(document: StoredDocument, start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    if start is None or end is None or not start < end <= len(document.text):
        raise InvalidRequest(
            f"start and end must be given together, with start < end <= {len(document.text)} "
            "(the document's length): use a citation's start and end."
        )
    return start, end


def _place(document: StoredDocument, span: tuple[int, int] | None) -> str:
    """Where the highlighted range stands: its page or pages and its section."""
    if span is None:
        return ""
    layout = document.layout
    first, last = layout.page_at(span[0]), layout.page_at(span[1] - 1)
    parts = []
    if first is not None:
        parts.append(f"Page {first}" if first == last else f"Pages {first}–{last}")
    section = layout.section_at(span[0])
    if section:
        parts.append(f"Section: {section}")
    return " · ".join(parts)


def _marked(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return html.escape(text)
    start, end = span
    return (
        html.escape(text[:start])
        + '<mark id="cited">'
        + html.escape(text[start:end])
        + "</mark>"
        + html.escape(text[end:])
    )
