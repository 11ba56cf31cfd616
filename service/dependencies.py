"""Request dependencies: the pipeline built in the app's lifespan, and the settings."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from index.errors import IngestError
from service.config import Settings
from service.errors import StoreUnavailable
from service.pipeline import Pipeline


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


_RETRY_EVERY_S = 2.0


async def get_pipeline(request: Request) -> Pipeline:
    """The pipeline opened at startup; when the store was unavailable then, it is opened
    again (at most every two seconds) so the service recovers without a restart.

    `async` so that the usual case costs no thread hop; opening, which blocks, runs on one.
    """
    pipeline: Pipeline | None = request.app.state.pipeline
    if pipeline is not None:
        return pipeline
    return await run_in_threadpool(_reopen, request.app.state)


def _reopen(state: State) -> Pipeline:
    with state.opening:
        if state.pipeline is None and time.monotonic() - state.opened_at >= _RETRY_EVERY_S:
            state.opened_at = time.monotonic()
            try:
                state.pipeline = Pipeline.open(state.settings)
                state.pipeline.warm_up()
            except IngestError as error:
                state.startup_error = str(error)
    if state.pipeline is None:
        raise StoreUnavailable(state.startup_error)
    return state.pipeline  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
