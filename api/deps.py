"""Request dependencies as Annotated aliases; tests swap them with app.dependency_overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from runtime.registry import GraphSpec
from runtime.resources import Resources
from runtime.run_manager import RunManager
from sight.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_resources(request: Request) -> Resources:
    return request.app.state.resources


def get_graphs(request: Request) -> Mapping[str, GraphSpec]:
    return request.app.state.graphs


def get_manager(request: Request) -> RunManager:
    return request.app.state.runs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]
GraphsDep = Annotated[Mapping[str, GraphSpec], Depends(get_graphs)]
ManagerDep = Annotated[RunManager, Depends(get_manager)]
