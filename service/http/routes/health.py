"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from citeqa.service.http.dependencies import EngineDep
from citeqa.service.http.schemas import ErrorBody, Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    """Always 200 while the process runs."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="The index is loaded and not empty",
    responses={503: {"model": ErrorBody, "description": "Not ready; the message says why."}},
)
def readyz(engine: EngineDep) -> Health:
    """200 when questions can be answered; 503 with the fix otherwise."""
    engine.retriever.refresh_if_changed()  # also proves the store answers
    engine.check_ready()
    corpus = engine.retriever.corpus
    return Health(status="ok", documents=len(corpus.documents), chunks=len(corpus.chunks))
