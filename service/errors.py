"""Errors the service reports to clients, and the one place that turns them into HTTP.

    CiteqaError                 (500 internal_error; never shows its cause)
    ├── InvalidRequest          (422 invalid_request)  the request body or a parameter is wrong
    ├── DocumentNotFound        (404 document_not_found)
    ├── InvalidDocument         (422 invalid_document) a document cannot be indexed
    ├── IndexNotReady           (503 index_not_ready)  nothing is indexed yet
    └── StoreUnavailable        (503 store_unavailable) Chroma cannot be opened or reached

Every error body is `{"code": ..., "message": ...}`: a stable code for programs and a message
for people that names the fix.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from index import errors as index_errors

log = logging.getLogger("citeqa")


class CiteqaError(Exception):
    """Base of every error the service reports; `message` is safe to show to a client."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(CiteqaError):
    status_code = 422
    code = "invalid_request"


class DocumentNotFound(CiteqaError):
    status_code = 404
    code = "document_not_found"


class InvalidDocument(CiteqaError):
    status_code = 422
    code = "invalid_document"


class IndexNotReady(CiteqaError):
    status_code = 503
    code = "index_not_ready"


class StoreUnavailable(CiteqaError):
    status_code = 503
    code = "store_unavailable"


def error_body(code: str, message: str) -> dict[str, str]:
    """The JSON body of every error response."""
    return {"code": code, "message": message}


def _describe_validation(error: RequestValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        if item.get("type") == "json_invalid":
            return (
                'The request body is not valid JSON. Send a JSON object, e.g. {"question": "..."}.'
            )
        problems.append(f"{where or 'body'}: {item.get('msg', 'invalid value')}")
    return "Invalid request. " + "; ".join(problems)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)


def register_error_handlers(app: FastAPI) -> None:
    """Map every error a request can raise to a JSON body with a stable code."""

    @app.exception_handler(CiteqaError)
    async def _citeqa(_: Request, error: CiteqaError) -> JSONResponse:
        return JSONResponse(error_body(error.code, error.message), status_code=error.status_code)

    @app.exception_handler(index_errors.InvalidDocument)
    async def _document(_: Request, error: index_errors.InvalidDocument) -> JSONResponse:
        return JSONResponse(error_body(InvalidDocument.code, str(error)), status_code=422)

    @app.exception_handler(index_errors.StoreUnavailable)
    async def _store(_: Request, error: index_errors.StoreUnavailable) -> JSONResponse:
        return JSONResponse(error_body(StoreUnavailable.code, str(error)), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body(InvalidRequest.code, _describe_validation(error)), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # a body that cannot be read at all
            return JSONResponse(
                error_body(
                    InvalidRequest.code,
                    "The request body could not be read. Send UTF-8 JSON, e.g. "
                    '{"question": "..."}.',
                ),
                status_code=422,
            )
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        headers = dict(getattr(error, "headers", None) or {})
        message = str(error.detail)
        if error.status_code == 405:
            allowed = _allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed here. Allowed: {', '.join(allowed)}"
        return JSONResponse(
            error_body(code, message),
            status_code=405 if error.status_code == 405 else error.status_code,
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", "The service failed to answer. It has been logged."),
            status_code=500,
        )
