"""Request dependencies: the pipeline built in the app's lifespan, and the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.config import Settings
from service.errors import StoreUnavailable
from service.pipeline import Pipeline


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_pipeline(request: Request) -> Pipeline:
    """The pipeline opened at startup; 503 naming the cause when it could not be opened."""
    pipeline: Pipeline | None = request.app.state.pipeline
    if pipeline is None:
        raise StoreUnavailable(request.app.state.startup_error)
    return pipeline


SettingsDep = Annotated[Settings, Depends(get_settings)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
