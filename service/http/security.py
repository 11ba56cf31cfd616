"""API keys: write endpoints always need one; read endpoints when the settings say so. A
key may be limited to some collections (`key:alpha+beta`): it can neither read nor write any
other.

Keys come in `Authorization: Bearer <key>` only (never in the URL, where logs and browser
history keep them), are compared in constant time, and are never logged.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import MutableHeaders
from starlette.types import Scope

from citeqa.index.errors import MissingKey, WrongKey
from citeqa.service.config import Settings


def presented_key(request: Request) -> str | None:
    """The bearer key of a request, if it carries one."""
    return bearer_key(request.headers.get("authorization", ""))


def bearer_key(header: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` header value, if it holds one."""
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


# Query parameters that look like credentials: refused on every request (see `limits.py`),
# since URLs end up in logs and browser histories.
CREDENTIAL_PARAMETERS = frozenset(
    "api_key apikey api-key key access_token token auth authorization password secret".split()
)


def credentials_in_url(request: Request) -> bool:
    """Whether the URL carries something that looks like a credential."""
    return any(name.lower() in CREDENTIAL_PARAMETERS for name in request.query_params)


def is_valid_key(key: str | None, settings: Settings) -> bool:
    """Whether `key` is one of the configured keys (compared in constant time)."""
    return key is not None and _scope(key, settings) is not False


def _scope(key: str, settings: Settings) -> frozenset[str] | None | bool:
    """The collections a configured key may use (None: every one); False for no such key.
    A key is configured as `key` (every collection) or `key:alpha+beta` (those two)."""
    found: frozenset[str] | None | bool = False
    for entry in settings.limits.api_keys:
        known, limited, collections = entry.partition(":")
        if hmac.compare_digest(key.encode(), known.encode()):
            found = frozenset(collections.split("+")) if limited else None
    return found


def check_key_scope(key: str | None, settings: Settings, collection: str) -> None:
    """Refuse a key limited to other collections than `collection`."""
    scope = _scope(key, settings) if key is not None else None
    if isinstance(scope, frozenset) and collection not in scope:
        raise WrongKey(
            f"This API key may use the collection{'s' if len(scope) > 1 else ''} "
            f"{', '.join(sorted(scope))}, not '{collection}'."
        )


def _check(request: Request, settings: Settings, action: str) -> None:
    if credentials_in_url(request):
        raise WrongKey("Send the key in the header 'Authorization: Bearer <key>', not in the URL.")
    if not settings.limits.api_keys:
        raise WrongKey(
            f"{action} over HTTP is disabled: no API key is configured. "
            "Set CITEQA_API_KEYS (comma-separated keys, or a file with one key a line)."
        )
    key = presented_key(request)
    if key is None:
        raise MissingKey(f"{action} needs an API key: send 'Authorization: Bearer <key>'.")
    if not is_valid_key(key, settings):
        raise WrongKey("The API key is not valid.")


# Dependencies are `async` (they never block) so FastAPI runs them on the event loop
# instead of sending each to a thread: about half a millisecond a request.
async def require_write_key(request: Request) -> None:
    """Dependency of every endpoint that changes the index."""
    _check(request, request.app.state.settings, "Changing documents")


async def require_read_key(request: Request) -> None:
    """Dependency of read endpoints; a no-op unless CITEQA_REQUIRE_KEY_FOR_READ is set."""
    settings: Settings = request.app.state.settings
    if settings.limits.require_key_for_read:
        _check(request, settings, "Reading")


# Pages may load only this service's own scripts, and no other site may frame them. The API
# reference's page starts swagger-ui with an inline script.
_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
_DOCS_POLICY = _PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


def add_security_headers(scope: Scope, headers: MutableHeaders) -> None:
    """`nosniff` and no referrer on every response; a content security policy, which also
    forbids framing, on every HTML page."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    if headers.get("content-type", "").startswith("text/html"):
        docs = scope["path"].startswith("/docs")
        headers["Content-Security-Policy"] = _DOCS_POLICY if docs else _PAGE_POLICY


WriteKey = Annotated[None, Depends(require_write_key)]
ReadKey = Depends(require_read_key)
