"""The indexed documents: list, read, add (file upload or JSON) and delete."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from citeqa.index.errors import (
    CollectionNotFound,
    DocumentNotFound,
    DocumentTooLarge,
    InvalidDocument,
    InvalidRequest,
    MissingKey,
    StoreUnavailable,
    UnsupportedMediaType,
    WrongKey,
)
from citeqa.index.extracted import without_marks
from citeqa.index.formats import READERS, extract
from citeqa.index.store import StoredDocument
from citeqa.service.engine.collections import NAME
from citeqa.service.http.dependencies import CollectionQuery, SettingsDep, engine_for
from citeqa.service.http.errors import error_responses
from citeqa.service.http.schemas import (
    DocumentCreated,
    DocumentDetail,
    DocumentIn,
    DocumentList,
    DocumentSummary,
)
from citeqa.service.http.security import ReadKey, WriteKey

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_WRITE_ERRORS = error_responses(
    CollectionNotFound,
    MissingKey,
    WrongKey,
    DocumentTooLarge,
    UnsupportedMediaType,
    InvalidDocument,
    InvalidRequest,
    StoreUnavailable,
)
_NOT_FOUND = error_responses(DocumentNotFound, CollectionNotFound, WrongKey)
_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "author": {"type": "string"},
                        "source": {"type": "string"},
                        "collection": {"type": "string", "pattern": rf"^{NAME.pattern}$"},
                    },
                }
            },
        },
    }
}


def _summary(document: StoredDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "author": document.author,
        "publication": document.publication,
        "source": document.source,
        "chunk_count": document.chunk_count,
        "metadata": document.metadata,
    }


@router.get(
    "",
    response_model=DocumentList,
    summary="List indexed documents",
    responses=error_responses(CollectionNotFound, WrongKey),
    dependencies=[ReadKey],
)
def list_documents(request: Request, collection: CollectionQuery = None) -> DocumentList:
    """Every document of a collection with its metadata and number of passages."""
    engine = engine_for(request, collection)
    documents = sorted(engine.library.documents(), key=lambda d: d.title.lower())
    return DocumentList(documents=[DocumentSummary(**_summary(d)) for d in documents])


@router.get(
    "/{document_id}",
    response_model=DocumentDetail,
    summary="One document with its cleaned text",
    responses=_NOT_FOUND,
    dependencies=[ReadKey],
)
def get_document(
    document_id: str, request: Request, collection: CollectionQuery = None
) -> DocumentDetail:
    """The document's metadata and the cleaned text that citation offsets point into."""
    document = engine_for(request, collection).library.document(document_id)
    if document is None:
        raise DocumentNotFound(
            f"No document with id '{document_id}'. List the ids with GET /v1/documents."
        )
    return DocumentDetail(**_summary(document), text=document.text)


@router.post(
    "",
    response_model=DocumentCreated,
    status_code=201,
    summary="Add a document (file upload or JSON)",
    responses={200: {"model": DocumentCreated, "description": "Already indexed."}, **_WRITE_ERRORS},
    openapi_extra=_UPLOAD_SCHEMA,
)
async def add_document(
    request: Request, response: Response, settings: SettingsDep, _: WriteKey
) -> DocumentCreated:
    """Index a file (multipart field `file`: .txt, .md, .html, .pdf or .docx) or JSON text.

    201 with the new id; 200 with the existing id when the same content is already indexed.
    """
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.limits.max_document_bytes + 64_000:
        raise _too_large(settings.limits.max_document_bytes)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        fields = await _from_upload(
            request, settings.limits.max_document_bytes, settings.limits.max_pdf_pages
        )
    elif content_type.startswith("application/json"):
        fields = await _from_json(request, settings.limits.max_document_bytes)
    else:
        raise UnsupportedMediaType(
            "Send the document as multipart/form-data (field 'file') or as application/json "
            '({"title", "text", ...}).'
        )
    collection = fields.pop("collection")
    engine = await run_in_threadpool(lambda: engine_for(request, collection, create=True))
    document, created = await run_in_threadpool(lambda: engine.library.add(**fields))
    response.status_code = 201 if created else 200
    return DocumentCreated(id=document.id, chunk_count=document.chunk_count, created=created)


@router.delete(
    "/{document_id}",
    status_code=204,
    summary="Delete a document and all its passages",
    responses={**_NOT_FOUND, **_WRITE_ERRORS},
)
def delete_document(
    document_id: str, request: Request, _: WriteKey, collection: CollectionQuery = None
) -> Response:
    """Remove the document; answers stop citing it at once."""
    if not engine_for(request, collection).library.delete(document_id):
        raise DocumentNotFound(
            f"No document with id '{document_id}'. List the ids with GET /v1/documents."
        )
    return Response(status_code=204)


def _too_large(limit: int) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"The document is larger than {limit:,} bytes. Split it, or raise "
        "CITEQA_MAX_DOCUMENT_BYTES."
    )


async def _from_upload(request: Request, limit: int, max_pdf_pages: int) -> dict[str, Any]:
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=limit + 1)
    except (MultiPartException, HTTPException) as error:  # Starlette raises the latter
        cause = error.message if isinstance(error, MultiPartException) else error.detail
        raise InvalidRequest(
            f"The multipart body cannot be read as one document ({cause}). Send one "
            "file in the field 'file', with 'title', 'author' and 'source' as text fields."
        ) from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidRequest("The multipart body needs a file in the field 'file'.")
    name = _file_name(upload.filename or "upload.txt")
    suffix = PurePath(name).suffix.lower()
    if suffix not in READERS:
        raise UnsupportedMediaType(
            f"{name}: unsupported file type. Supported: {', '.join(sorted(READERS))}"
        )
    raw = await upload.read(limit + 1)
    if len(raw) > limit:
        raise _too_large(limit)
    extracted = await run_in_threadpool(
        lambda: extract(raw, name, max_pdf_pages=max_pdf_pages, max_expanded_bytes=limit * 20)
    )
    return {
        "text": _not_empty(extracted.text, name),
        "title": str(form.get("title") or "") or extracted.title,
        "fallback_title": PurePath(name).stem,
        "author": str(form.get("author") or ""),
        "source": str(form.get("source") or name),
        "collection": str(form.get("collection") or "") or None,
    }


def _file_name(name: str) -> str:
    """An upload's file name, refused when it could name another place or hide characters."""
    if re.search(r"[/\\\x00-\x1f\x7f]", name) or name in (".", ".."):
        shown = name.encode("unicode_escape").decode()
        raise InvalidRequest(
            f"The file name '{shown}' holds a path separator or a control character. Send the "
            "file under its plain name, such as 'report.pdf'."
        )
    return name


async def _from_json(request: Request, limit: int) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > limit + 64_000:
        raise _too_large(limit)
    try:
        document = DocumentIn.model_validate_json(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidRequest(f"Invalid document. {problems}") from None
    if len(document.text.encode()) > limit:
        raise _too_large(limit)
    if "\x00" in document.text:
        raise InvalidRequest(
            "text contains a NUL character (\\u0000), which no text document holds. Remove "
            "it, or upload the file as multipart if it really is a text file."
        )
    return {
        "text": _not_empty(without_marks(document.text), "text"),
        "title": document.title,
        "author": document.author,
        "source": document.source,
        "metadata": document.metadata,
        "collection": document.collection,
    }


def _not_empty(text: str, name: str) -> str:
    if not text.strip():
        raise InvalidRequest(f"{name} is empty: there is no text to index.")
    return text
