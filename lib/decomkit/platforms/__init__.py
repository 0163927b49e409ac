"""Platforms the kit acts on: the local sandbox (default), DingTalk's Open API, a manual console.

Each is found by name in ``PLATFORMS`` and built by its ``from_workspace``; a stage opens one
and closes it when done (``Stage.platform``)."""

from __future__ import annotations

import importlib

from decomkit.core.errors import ConfigError
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    Notification,
    Platform,
    Scope,
    WorkspaceLike,
)

__all__ = ["PLATFORMS", "AppInfo", "ApprovalRequest", "ApprovalStatus", "Notification",
           "Platform", "Scope", "WorkspaceLike", "open_platform"]

# name in decomkit.toml → "module:class"; imported only when chosen (httpx only for DingTalk).
PLATFORMS: dict[str, str] = {
    "sandbox": "decomkit.platforms.sandbox:SandboxPlatform",
    "dingtalk": "decomkit.platforms.dingtalk:DingTalkPlatform",
    "manual": "decomkit.platforms.manual:ManualPlatform",
}


def platform_class(name: str) -> type[Platform]:
    try:
        module, _, cls = PLATFORMS[name].partition(":")
    except KeyError:
        raise ConfigError(
            f"platform '{name}' is not available in this version of decomkit (choose one of "
            f"{', '.join(PLATFORMS)}); set platform = \"sandbox\" in decomkit.toml to rehearse "
            "locally") from None
    return getattr(importlib.import_module(module), cls)


def open_platform(workspace: WorkspaceLike) -> Platform:
    """The platform named in the workspace's configuration (close it when done)."""
    return platform_class(workspace.config.platform).from_workspace(workspace)
