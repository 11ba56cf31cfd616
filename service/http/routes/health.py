"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from citeqa.index.errors import IndexNotReady, StoreUnavailable
from citeqa.service.http.dependencies import EngineDep
from citeqa.service.http.errors import error_responses
from citeqa.service.http.schemas import Health

router = APIRouter(tags=["health"])


@router.head("/healthz", include_in_schema=False)
@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    """Always 200 while the process runs."""
    return Health(status="ok")


@router.head("/readyz", include_in_schema=False)
@router.get(
    "/readyz",
    response_model=Health,
    summary="The index is loaded and not empty",
    responses=error_responses(IndexNotReady, StoreUnavailable),
)
def readyz(engine: EngineDep) -> Health:
    """200 when questions can be answered; 503 with the fix otherwise."""
    stats = engine.ready()  # also proves the store answers
    return Health(status="ok", documents=stats.documents, chunks=stats.chunks)
