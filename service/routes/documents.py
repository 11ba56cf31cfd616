"""The indexed documents."""

from __future__ import annotations

from fastapi import APIRouter

from index.store import StoredDocument
from service.dependencies import PipelineDep
from service.errors import DocumentNotFound
from service.schemas import DocumentDetail, DocumentList, DocumentSummary, ErrorBody

router = APIRouter(prefix="/v1/documents", tags=["documents"])


def _summary(document: StoredDocument) -> dict[str, object]:
    return {
        "id": document.id,
        "title": document.title,
        "author": document.author,
        "publication": document.publication,
        "source": document.source,
        "chunk_count": document.chunk_count,
    }


@router.get("", response_model=DocumentList, summary="List indexed documents")
def list_documents(pipeline: PipelineDep) -> DocumentList:
    """Every document with its metadata and number of passages."""
    documents = sorted(pipeline.store.documents(), key=lambda d: d.title.lower())
    return DocumentList(documents=[DocumentSummary(**_summary(d)) for d in documents])


@router.get(
    "/{document_id}",
    response_model=DocumentDetail,
    summary="One document with its cleaned text",
    responses={404: {"model": ErrorBody, "description": "No document has this id."}},
)
def get_document(document_id: str, pipeline: PipelineDep) -> DocumentDetail:
    """The document's metadata and the cleaned text that citation offsets point into."""
    document = pipeline.store.document(document_id)
    if document is None:
        raise DocumentNotFound(
            f"No document with id '{document_id}'. List the ids with GET /v1/documents."
        )
    return DocumentDetail(**_summary(document), text=document.text)
