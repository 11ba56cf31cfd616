"""The one place that turns errors into HTTP responses: `{"code": ..., "message": ...}`.

The errors themselves, and their status codes, are in `index/errors.py`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from citeqa.index.errors import CiteqaError, InvalidRequest
from citeqa.service.http.schemas import ErrorBody

log = logging.getLogger("citeqa")


def error_responses(*errors: type[CiteqaError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route that may raise these errors, described by them."""
    responses: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        said = (error.__doc__ or error.code).strip().rstrip(".")
        known = responses.get(error.status_code)
        description = f"{known['description']}; or: {said}" if known else said
        responses[error.status_code] = {"model": ErrorBody, "description": description}
    return responses


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
    """Every method some route accepts at this path."""
    path = request.scope["path"]
    methods = {
        method
        for pattern, accepted in request.app.state.route_methods
        if pattern.match(path)
        for method in accepted
    }
    return sorted(methods)


def route_methods(app: FastAPI, routers: list[APIRouter]) -> list[tuple[re.Pattern[str], set[str]]]:
    """Each route's path pattern and methods: what a 405 names in `Allow`."""
    routes = [route for router in routers for route in router.routes]
    routes += [route for route in app.router.routes if isinstance(route, Route)]
    return [
        (route.path_regex, set(route.methods or ()))
        for route in routes
        if isinstance(route, Route | APIRoute)
    ]


def register_error_handlers(app: FastAPI) -> None:
    """Map every error a request can raise to a JSON body with a stable code."""

    @app.exception_handler(CiteqaError)
    async def _citeqa(_: Request, error: CiteqaError) -> JSONResponse:
        return JSONResponse(error_body(error.code, error.message), status_code=error.status_code)

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
