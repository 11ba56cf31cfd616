"""Questions in, cited answers out."""

from __future__ import annotations

from fastapi import APIRouter

from service.dependencies import PipelineDep
from service.schemas import AskRequest, AskResponse, ErrorBody

router = APIRouter(prefix="/v1", tags=["questions"])


@router.post(
    "/ask",
    response_model=AskResponse,
    response_model_exclude_none=True,
    summary="Answer a question with citations",
    responses={
        422: {"model": ErrorBody, "description": "The request is malformed."},
        503: {"model": ErrorBody, "description": "The index is empty or unavailable."},
    },
)
def ask(request: AskRequest, pipeline: PipelineDep) -> AskResponse:
    """Answer from the indexed documents; every sentence carries a `[n]` citation marker."""
    return pipeline.ask(request.question, request.top_k, request.include_passages)
