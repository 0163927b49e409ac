"""What a stage notebook starts from: the workspace, its tables and the effective settings.

Notebook parameters override ``decomkit.toml`` where given (a negative weight or threshold, or
an empty string, means "use the workspace's setting").
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cached_property
from typing import cast

from pydantic import ValidationError

from decomkit.context.workspace import Workspace
from decomkit.core.config import Thresholds, Weights, validation_lines
from decomkit.core.errors import DecomkitError, WorkspaceError
from decomkit.core.i18n import Language, t
from decomkit.core.present import use
from decomkit.core.said import LANGUAGES, in_language, said_error
from decomkit.core.sinks import looks_like_credential
from decomkit.core.text import canonical_id, identifier_problem
from decomkit.inventory.snapshot import Snapshot, open_snapshot
from decomkit.inventory.tables import Inventory
from decomkit.inventory.usage import UsageCounts, parse_as_of
from decomkit.platforms import Platform

WORKSPACE_ENV = "DECOMKIT_WORKSPACE"


@dataclass(frozen=True)
class Stage:
    workspace: Workspace
    inventory: Inventory
    weights: Weights
    thresholds: Thresholds
    language: Language
    as_of: dt.date
    analyst: str

    snapshot: Snapshot  # the validated inventory the tables were read from
    app_id: str = ""  # a per-app stage: the inventory holds only this app's rows

    @cached_property
    def usage(self) -> UsageCounts:
        """Monthly active users, last use and distinct users per app over the analysis
        months, from the summary of the usage log in the stage's own snapshot (a per-app
        stage reads its app's rows only): no stage reads the whole log for them, and a file
        changed since the stage opened does not mix two versions."""
        return self.snapshot.usage_counts(self.as_of, self.app_id or None)

    @cached_property
    def log_end(self) -> dt.date | None:
        """The usage log's last day up to ``as_of``, over every app (a per-app stage too):
        idle days are counted to it."""
        return self.snapshot.log_end(self.as_of)

    @cached_property
    def platform(self) -> Platform:
        """The stage's one platform object, opened on first use and reused by every call
        (one HTTP connection pool and one token on DingTalk); ``close()`` releases it."""
        return self.workspace.platform()

    def close(self) -> None:
        platform = self.__dict__.pop("platform", None)
        if platform is not None:
            platform.close()

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def resolve_workspace(path: str) -> Workspace:
    path = path or os.environ.get(WORKSPACE_ENV, "")
    if not path:
        raise said_error(WorkspaceError, "run.no_workspace", env=WORKSPACE_ENV)
    return Workspace.open(path)


def _override(base, **values):
    given = {k: v for k, v in values.items() if v is not None and v >= 0}
    return type(base).model_validate({**base.model_dump(), **given})


def show_refusals_in(language: Language) -> None:
    """In a notebook, a gate's refusal (any error decomkit raises on purpose) is shown as its
    reader reads it: one message in
    ``language``, not a traceback (the error still stops the run; its English form stays in
    the error's value for logs)."""
    try:
        from IPython import get_ipython
    except ImportError:  # not in a kernel
        return
    shell = get_ipython()
    if shell is None:
        return

    def refusal(shell, etype, evalue, tb, tb_offset=None) -> list[str]:
        said = [evalue.in_language(language)]
        shell._showtraceback(etype, evalue, said)  # the error output: this one message
        return said

    shell.set_custom_exc((DecomkitError,), refusal)


def open_stage(workspace: str = "", *, language: str = "", as_of: str = "", analyst: str = "",
               weights: dict[str, float] | None = None,
               thresholds: dict[str, float] | None = None,
               tables: list[str] | None = None, app_id: str = "") -> Stage:
    """Open the workspace and settle the settings a stage runs with.

    With ``app_id``, the inventory holds only that app's rows (and the whole users table):
    what a per-app stage reads does not grow with the organisation. Without it, the usage
    log is left out unless ``tables`` names it: the stage reads use per app from the log's
    summary (``Stage.usage``)."""
    ws = resolve_workspace(workspace)
    config = ws.config
    for name, value in (("analyst", analyst), ("as_of", as_of)):
        if looks_like_credential(value):  # named, never echoed: it would reach the ledger
            raise said_error(WorkspaceError, "run.parameter_secret", name=name)
    chosen_analyst = analyst or config.operator
    if why := identifier_problem(canonical_id(chosen_analyst), extra="@"):
        raise said_error(WorkspaceError, "run.bad_analyst", analyst=repr(chosen_analyst),
                         why=why)
    if language not in ("", "en", "zh"):
        raise said_error(WorkspaceError, "run.bad_language", got=repr(language))
    section = "weights"
    try:
        effective_weights = _override(config.weights, **(weights or {}))
        section = "thresholds"
        effective_thresholds = _override(config.thresholds, **(thresholds or {}))
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        lines = validation_lines(exc, section) if isinstance(exc, ValidationError) else []
        raise WorkspaceError(f"invalid weight or threshold parameter: {exc}").saying(
            {lang: t("run.bad_weights", lang) + "".join(
                "\n  - " + in_language(line, lang) for line in lines)
             for lang in LANGUAGES}) from None
    chosen: Language = cast(Language, language) if language else config.language  # checked
    use(chosen, config.timezone)  # tables shown from here on
    show_refusals_in(chosen)
    if tables is None and not app_id:
        tables = [name for name in Inventory.names() if name != "usage_events"]
    snapshot = open_snapshot(ws.root)
    return Stage(ws, snapshot.inventory(tables, app_id or None), effective_weights,
                 effective_thresholds, chosen,
                 parse_as_of(as_of, config.timezone),
                 analyst or config.operator, snapshot, app_id)
