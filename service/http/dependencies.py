"""Request dependencies: the engine built in the app's lifespan, and the settings."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from citeqa.index.errors import CiteqaError, StoreUnavailable
from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine


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


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
