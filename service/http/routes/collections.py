"""The collections of the service: separate knowledge bases, each with its own documents."""

from __future__ import annotations

from fastapi import APIRouter, Request

from citeqa.index.errors import WrongKey
from citeqa.service.engine.collections import Collections
from citeqa.service.http.dependencies import engine_for
from citeqa.service.http.errors import error_responses
from citeqa.service.http.schemas import CollectionList, CollectionSummary
from citeqa.service.http.security import ReadKey

router = APIRouter(prefix="/v1/collections", tags=["collections"])


@router.get(
    "",
    response_model=CollectionList,
    summary="List the collections",
    responses=error_responses(WrongKey),
    dependencies=[ReadKey],
)
def list_collections(request: Request) -> CollectionList:
    """Every collection the request's key may use, with its documents and passages. A
    collection is made by adding a document to it."""
    collections: Collections = request.app.state.collections
    listed = []
    for name in collections.names():
        try:
            stats = engine_for(request, name).stats()
        except WrongKey:
            continue  # a key limited to other collections does not see this one
        listed.append(CollectionSummary(name=name, documents=stats.documents, chunks=stats.chunks))
    return CollectionList(collections=listed)
