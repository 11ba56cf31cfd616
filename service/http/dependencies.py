"""Request dependencies: the engine built in the app's lifespan (the default collection's),
the engine of the collection a request names, and the settings."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from citeqa.index.errors import CiteqaError, StoreUnavailable
from citeqa.service.config import Settings
from citeqa.service.engine.collections import NAME, NAME_RULE, Collections, check_name
from citeqa.service.engine.engine import DEFAULT_COLLECTION, Engine
from citeqa.service.http.security import check_key_scope, presented_key


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


_RETRY_EVERY_S = 2.0


async def get_engine(request: Request) -> Engine:
    """The engine opened at startup; when the store was unavailable then, it is opened
    again (at most every two seconds) so the service recovers without a restart.

    `async` so that the usual case costs no thread hop; opening, which blocks, runs on one.
    """
    engine: Engine | None = request.app.state.engine
    if engine is not None:
        return engine
    return await run_in_threadpool(_reopen, request.app.state)


def _reopen(state: State) -> Engine:
    with state.opening:
        if state.engine is None and time.monotonic() - state.opened_at >= _RETRY_EVERY_S:
            state.opened_at = time.monotonic()
            try:
                state.engine = Engine.open(state.settings)
                state.engine.warm_up()
            except CiteqaError as error:
                state.startup_error = str(error)
    if state.engine is None:
        raise StoreUnavailable(state.startup_error)
    return state.engine  # type: ignore[no-any-return]


def default_engine(state: State) -> Engine:
    """The default collection's engine, opened again when the store was unavailable."""
    engine: Engine | None = state.engine
    return engine if engine is not None else _reopen(state)


def engine_for(request: Request, collection: str | None, *, create: bool = False) -> Engine:
    """The engine of the collection a request names (the default one for None), once its
    key may use that collection; `create` for a request that adds a document."""
    state = request.app.state
    return collection_engine(
        state.collections, state.settings, presented_key(request), collection, create=create
    )


def collection_engine(
    collections: Collections,
    settings: Settings,
    key: str | None,
    collection: str | None,
    *,
    create: bool = False,
) -> Engine:
    """The engine of `collection` (the default one for None), once `key` may use it."""
    name = check_name(collection or DEFAULT_COLLECTION)
    check_key_scope(key, settings, name)
    return collections.get(name, create=create)


SettingsDep = Annotated[Settings, Depends(get_settings)]
# `?collection=` on the requests that have no body; the default collection without it.
CollectionQuery = Annotated[
    str | None,
    Query(pattern=rf"^{NAME.pattern}$", description=f"The collection ({NAME_RULE})."),
]
EngineDep = Annotated[Engine, Depends(get_engine)]
