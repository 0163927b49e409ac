"""Platforms the kit acts on: the local sandbox (default), DingTalk's Open API, a manual console."""

from __future__ import annotations

from typing import TYPE_CHECKING

from decomkit.errors import ConfigError
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    Notification,
    Platform,
    Scope,
)

if TYPE_CHECKING:
    from decomkit.workspace import Workspace

__all__ = ["AppInfo", "ApprovalRequest", "ApprovalStatus", "Notification", "Platform", "Scope",
           "open_platform"]


def open_platform(workspace: Workspace) -> Platform:
    """The platform named in the workspace's configuration."""
    name = workspace.config.platform
    if name == "sandbox":
        from decomkit.platforms.sandbox import SandboxPlatform

        return SandboxPlatform(
            workspace.root / "platform",
            auto_agree_after_seconds=workspace.config.approval.auto_agree_after_seconds)
    manual = _manual(workspace)
    if name == "manual":
        return manual
    if name == "dingtalk":
        from decomkit.config import secret
        from decomkit.platforms.dingtalk import DingTalkPlatform

        return DingTalkPlatform(workspace.config.dingtalk, secret("dingtalk_app_key") or "",
                                secret("dingtalk_app_secret") or "",
                                robot_token=secret("robot_token"),
                                robot_secret=secret("robot_secret"), manual=manual)
    raise ConfigError(
        f"platform '{name}' is not available in this version of decomkit; "
        "set platform = \"sandbox\" in decomkit.toml to rehearse locally")


def _manual(workspace: Workspace):
    """The manual platform (also where DingTalk's no-API steps are recorded)."""
    from decomkit.platforms.manual import STATE_NAME, ManualPlatform
    from decomkit.platforms.sandbox import apps_from_inventory

    folder = workspace.root / "platform"
    apps = users = None
    if not (folder / STATE_NAME).exists():
        inventory = workspace.inventory(["usage_events", "users"])
        apps = {a.app_id: a for a in apps_from_inventory(inventory, workspace.config.operator)}
        users = dict(zip(inventory.users["user_id"], inventory.users["department"], strict=True))
    return ManualPlatform(folder, apps, workspace.config.language, users)
