"""The chat widget script and a demo page that embeds it as a third-party page would."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citeqa.service.http.security import ReadKey

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(tags=["widget"])


@cache
def read_static(name: str) -> str:
    """A file of the static folder, read once."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


@router.get("/widget.js", summary="The chat widget script", response_class=Response)
def widget_js() -> Response:
    """Plain JavaScript; embed with `<script src=".../widget.js" data-citeqa-url="..." defer>`."""
    return Response(
        read_static("widget.js"),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/", summary="Demo page with the widget", response_class=HTMLResponse, dependencies=[ReadKey]
)
def demo_page(request: Request) -> HTMLResponse:
    """The corpus's titles, a short description, and the widget embedded with one tag. The
    page loads the widget from this service by a relative URL; the request's Host header
    appears only, escaped, in the snippet shown for copying."""
    base = str(request.base_url).rstrip("/")
    engine = request.app.state.engine
    documents = sorted(engine.library.documents(), key=lambda d: d.title) if engine else []
    items = (
        "\n".join(
            f'<li><a href="/documents/{quote(d.id, safe="")}">{html.escape(d.title)}</a>'
            + (f", by {html.escape(d.author)}" if d.author else "")
            + "</li>"
            for d in documents
        )
        or "<li>No documents yet. Run: citeqa ingest</li>"
    )
    snippet = f'<script src="{base}/widget.js" data-citeqa-url="{base}" defer></script>'
    page = Template(read_static("index.html")).substitute(
        documents=items, snippet=html.escape(snippet)
    )
    return HTMLResponse(page)
