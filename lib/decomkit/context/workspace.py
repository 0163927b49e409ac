"""A workspace: the folder a user owns, with its settings, tables, ledger and platform."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from decomkit.core.config import CONFIG_NAME, Config, load_config, render_config
from decomkit.core.errors import WorkspaceError
from decomkit.core.files import atomic_write_text
from decomkit.core.said import said, said_error
from decomkit.inventory.schemas import id_problem, relative_path_problem
from decomkit.inventory.snapshot import open_snapshot
from decomkit.inventory.tables import Inventory
from decomkit.platforms import Platform, open_platform
from decomkit.proof.checkpoints import Checkpointer
from decomkit.proof.gates import STATES
from decomkit.proof.keys import has_keys, init_keys
from decomkit.proof.ledger import Ledger
from decomkit.proof.trust import write_profile

FOLDERS = ("data", "exports", "backups", "runs", "records", "platform")
# What the kit itself keeps and signs or reads back: never a place for anything else (a backup
# target inside one would put raw exports among the signed records, or feed them to an import).
MANAGED = ("data", "exports", "runs", "records", "platform", "keys", ".cache", ".locks")


def managed_folder(root: Path, path: Path) -> str:
    """The kit-managed folder of the workspace at ``root`` that ``path`` is or is inside, ""
    when none: symlinks followed, as the file system will."""
    path = path.resolve()
    for name in MANAGED:
        folder = (root / name).resolve()
        if path.is_relative_to(folder):
            return name
    return ""


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def open(cls, root: str | Path) -> Workspace:
        root = Path(root).expanduser().resolve()
        if not (root / CONFIG_NAME).is_file():
            raise WorkspaceError(f"{root} is not a decomkit workspace (no {CONFIG_NAME}); "
                                 "create one with 'decomkit init DIR' or 'decomkit demo DIR'"
                                 ).saying(said("err.not_workspace", root=root,
                                               config=CONFIG_NAME))
        workspace = cls(root)
        workspace.config  # noqa: B018 — a bad configuration fails here, before any work
        return workspace

    @cached_property
    def config(self) -> Config:
        return load_config(self.root / CONFIG_NAME)

    def path(self, name: str) -> Path:
        return self.root / name

    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.sqlite"

    def ledger(self) -> Ledger:
        """The ledger, signing a checkpoint at every transition (decomkit.proof.checkpoints)."""
        return Ledger(self.ledger_path, Checkpointer(self.root, self.config))

    def inventory(self, tables: list[str] | None = None, app_id: str | None = None
                  ) -> Inventory:
        """The validated inventory tables (``tables`` limits which, besides apps); with
        ``app_id``, only that app's rows. Validated once per version of the files, kept in
        the workspace's snapshot (see :mod:`decomkit.inventory.snapshot`)."""
        return open_snapshot(self.root).inventory(tables, app_id)

    def platform(self) -> Platform:
        """A new connection to the configured platform; close it when done. A stage keeps
        one (``Stage.platform``) for all its calls."""
        return open_platform(self)

    def app_dir(self, kind: str, app_id: str) -> Path:
        """``exports/<app>``, ``runs/<app>`` …, refusing ids that would escape the folder."""
        if not isinstance(app_id, str) or not app_id or (why := id_problem(app_id)):
            raise said_error(WorkspaceError, "core.bad_app_folder",
                             why=why or said("core.id_empty"))
        return self.root / kind / app_id

    def export_file(self, app_id: str, name: str) -> Path | None:
        """``exports/<app>/<name>`` if it is a file that stays inside the workspace's
        ``exports/<app>/`` once every symlink is followed (the folder's own too); None if it is
        missing or would leave the folder."""
        folder = self.app_dir("exports", app_id)
        if not isinstance(name, str) or not name or relative_path_problem(name):
            return None
        path = folder / name
        try:
            inside = path.resolve().is_relative_to(self.root.resolve() / "exports" / app_id)
        except (OSError, RuntimeError):  # a symlink loop, a name too long
            return None
        return path if inside and path.is_file() else None


def init_workspace(root: str | Path, **config_values) -> Workspace:
    """Create an empty workspace; refuse to overwrite an existing one."""
    root = Path(root).expanduser().resolve()
    if (root / CONFIG_NAME).exists():
        raise WorkspaceError(f"{root} already holds a workspace; choose another folder").saying(
            said("err.holds_workspace", root=root))
    text = render_config(**config_values)
    for name in FOLDERS:
        (root / name).mkdir(parents=True, exist_ok=True)
    atomic_write_text(root / CONFIG_NAME, text)
    workspace = Workspace(root)
    if not has_keys(root):  # a private key may already be set in the environment
        init_keys(root)
        write_profile(root, workspace.config)  # what the auditors keep (keys/trust-profile.json)
    workspace.ledger().close()
    return workspace


def status_table(workspace: Workspace) -> pd.DataFrame:
    """Every app with its lifecycle state, decision and last change, ordered by stage."""
    apps = workspace.inventory([]).apps[["app_id", "name"]]
    with workspace.ledger() as ledger:
        states = ledger.states()
        decided = {app: ledger.last(app, "decided") for app in states}
    decisions = {app: event.data["decision"] for app, event in decided.items() if event}
    table = apps.assign(state=[states.get(a, "new") for a in apps["app_id"]],
                        decision=[decisions.get(a) for a in apps["app_id"]])
    order = {s: i for i, s in enumerate(STATES)}
    return (table.assign(_order=table["state"].map(order))
            .sort_values(["_order", "app_id"]).drop(columns="_order").reset_index(drop=True))
