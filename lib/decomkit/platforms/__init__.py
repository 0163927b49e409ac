"""Platforms the kit acts on: the local sandbox (default), DingTalk's Open API, a manual console.

Each is registered by name as a ``decomkit.platforms`` entry point (``pyproject.toml``;
``decomkit.core.registry`` reads them) and built by its ``from_workspace``; a stage opens one
and closes it when done (``Stage.platform``). Only the platform chosen is imported (httpx only
for DingTalk)."""

from __future__ import annotations

from decomkit.core import registry
from decomkit.core.errors import ConfigError
from decomkit.core.said import said_error
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    Notification,
    Platform,
    Scope,
    WorkspaceLike,
)

__all__ = ["AppInfo", "ApprovalRequest", "ApprovalStatus", "Notification", "Platform", "Scope",
           "WorkspaceLike", "open_platform", "platform_class", "platform_names"]


def platform_names() -> tuple[str, ...]:
    """The names ``platform`` in decomkit.toml may take (nothing imported)."""
    return registry.names(registry.PLATFORMS)


def platform_class(name: str) -> type[Platform]:
    """The platform class registered as ``name``; a ConfigError naming the choices if none."""
    if name not in platform_names():
        error = registry.unknown(registry.PLATFORMS, name)
        if "sandbox" not in platform_names():  # nothing registered: the error says what to do
            raise error
        raise said_error(ConfigError, "platform.try_sandbox",
                         error=error)
    cls = registry.load(registry.PLATFORMS, name)
    if not (isinstance(cls, type) and issubclass(cls, Platform)):
        raise said_error(ConfigError, "platform.not_a_platform", name=name, value=repr(cls))
    return cls


def open_platform(workspace: WorkspaceLike) -> Platform:
    """The platform named in the workspace's configuration (close it when done)."""
    return platform_class(workspace.config.platform).from_workspace(workspace)
