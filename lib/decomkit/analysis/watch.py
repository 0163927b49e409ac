"""A retired app stays retired (停用指南 十, 持续监控软件使用情况; 八, 数据安全是否保障).

For every app past its disable — the ledger says ``disabled``, ``verified_disabled``,
``reviewed`` or ``closed``, whether the kit disabled or unlinked it — :func:`watch_retired`
compares the world now with the moment of the disable:

* **use**: visits in the usage log after the disable — from the day after the disable's local
  day, and on that day only visits whose time of day is later than the disable — counted as
  visits and distinct people, with the first and last day. The log's own last day is said, so
  the watch never claims "no use" past what the log shows;
* **scope**: the visible scope the platform shows now (one ``Platform.get_app`` call per app,
  no per-person calls) against the scope the disable left (the scope the disable run read back
  from the platform, kept with ``verified_disabled``; before that was kept, admins only, which
  the revoke step sets): anyone it lets in now that it did not then is a widening;
* **status**: the platform showing the app enabled while the ledger says it is retired is a
  re-enable outside the kit (a re-enable by the kit, ``execute.rollback``, moves the app to
  ``re_enabled`` and out of the watch).

Each is a finding. A gap — no usage log, a log that ends before the disable, a platform that
did not answer — is said as such, never as "nothing found". :func:`who_can_open` answers the
data-safety question for a whole scope at once: every person in the directory, not a sample.
Reads only; nothing here changes the platform, the ledger or a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from decomkit.context.stage import Stage
from decomkit.core.errors import PlatformError
from decomkit.core.i18n import TEXT, Language, t
from decomkit.core.present import to_local
from decomkit.core.said import said_of
from decomkit.core.text import canonical_user_id
from decomkit.inventory.access import department_paths, in_scope
from decomkit.platforms import AppInfo, Scope

# Ledger states of an app whose disable (or unlink) was carried out and not rolled back.
RETIRED_STATES = ("disabled", "verified_disabled", "reviewed", "closed")
ADMINS_ONLY = Scope(only_admin_visible=True)  # what the disable's revoke step sets
FINDINGS = ("used_after", "scope_widened", "re_enabled")
_SHOWN_IDS = 5  # ids named in a sentence; the rest are counted


def _everyone(scope: Scope) -> bool:
    """An empty visible scope lets everyone in, as on DingTalk."""
    return not scope.only_admin_visible and not (scope.user_ids or scope.dept_ids
                                                 or scope.role_ids)


@dataclass(frozen=True)
class Widening:
    """Who a scope lets in now that the earlier scope did not."""

    everyone: bool = False
    user_ids: tuple[str, ...] = ()
    dept_ids: tuple[str, ...] = ()
    role_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.everyone or bool(self.user_ids or self.dept_ids or self.role_ids)


def widening(before: Scope, now: Scope) -> Widening:
    """What ``now`` opens beyond ``before`` (admins only is the narrowest scope, everyone the
    widest; between them, listed people, departments and roles)."""
    if now.only_admin_visible or _everyone(before):
        return Widening()
    if _everyone(now):
        return Widening(everyone=True)

    def added(now_ids: tuple[str, ...], before_ids: tuple[str, ...]) -> tuple[str, ...]:
        kept = set() if before.only_admin_visible else {canonical_user_id(i) for i in before_ids}
        return tuple(i for i in now_ids if canonical_user_id(i) not in kept)

    return Widening(False, added(now.user_ids, before.user_ids),
                    added(now.dept_ids, before.dept_ids), added(now.role_ids, before.role_ids))


def _ids(ids: Iterable[str], language: Language) -> str:
    ids = list(ids)
    shown = ", ".join(ids[:_SHOWN_IDS])
    more = len(ids) - _SHOWN_IDS
    if more > 0:
        shown += f" … (+{more})" if language == "en" else f" …(另 {more} 个)"
    return shown


def scope_text(scope: Scope | Widening, language: Language) -> str:
    """A visible scope (or what a widening adds) as people read it."""
    if isinstance(scope, Scope) and scope.only_admin_visible:
        return t("scope.admins_only", language)
    if (isinstance(scope, Scope) and _everyone(scope)) or (
            isinstance(scope, Widening) and scope.everyone):
        return t("scope.everyone", language)
    parts = []
    if scope.user_ids:
        parts.append(t("scope.people", language, n=len(scope.user_ids),
                       ids=_ids(scope.user_ids, language)))
    if scope.dept_ids:
        parts.append(t("scope.departments", language, ids=_ids(scope.dept_ids, language)))
    if scope.role_ids:
        parts.append(t("scope.roles", language, ids=_ids(scope.role_ids, language)))
    return ("; " if language == "en" else ";").join(parts)


def platform_status(status: str, language: Language) -> str:
    """The platform's word for an app's status (enabled, disabled …) in ``language``."""
    key = f"platform.{status}"
    return t(key, language) if key in TEXT else status


@dataclass(frozen=True)
class RetiredWatch:
    """One retired app, watched after its disable."""

    app_id: str
    name: str
    state: str  # the ledger's
    action: str  # disable | unlink
    disabled_on: dt.date  # the disable's day where the organisation is
    log_until: dt.date | None  # the usage log's last day up to the watch's date (None: no log)
    visits: int  # in the usage log after the disable
    users: tuple[str, ...]  # distinct people behind those visits
    first_use: dt.date | None
    last_use: dt.date | None
    scope_at_disable: Scope
    app: AppInfo | None  # as the platform shows it now (None: it did not answer)
    platform_error: str = ""

    @property
    def log_covers(self) -> bool:
        """Whether the usage log reaches past the disable's day (else use after it is unseen)."""
        return self.log_until is not None and self.log_until > self.disabled_on

    @property
    def widened(self) -> Widening:
        return widening(self.scope_at_disable, self.app.scope) if self.app else Widening()

    @property
    def re_enabled(self) -> bool:
        return self.app is not None and self.app.status == "enabled"

    @property
    def findings(self) -> tuple[str, ...]:
        """``used_after``, ``scope_widened``, ``re_enabled``: each a reason to look."""
        found = {"used_after": self.visits > 0, "scope_widened": bool(self.widened),
                 "re_enabled": self.re_enabled}
        return tuple(f for f in FINDINGS if found[f])

    @property
    def gaps(self) -> tuple[str, ...]:
        """What the watch could not see: ``no_log``, ``log_before_disable``, ``platform``."""
        gaps = []
        if self.log_until is None:
            gaps.append("no_log")
        elif not self.log_covers:
            gaps.append("log_before_disable")
        if self.app is None:
            gaps.append("platform")
        return tuple(gaps)

    @property
    def clean(self) -> bool:
        """Nothing found and nothing left unseen."""
        return not self.findings and not self.gaps

    def use_line(self, language: Language) -> str:
        """Use after the disable, or why it cannot be seen."""
        day = self.disabled_on.isoformat()
        if self.visits:
            return t("watch.used_after", language, visits=self.visits, users=len(self.users),
                     first=self.first_use, last=self.last_use, disabled_on=day,
                     log_until=self.log_until)
        if "no_log" in self.gaps:
            return t("watch.no_log", language)
        if "log_before_disable" in self.gaps:
            return t("watch.log_before_disable", language, log_until=self.log_until,
                     disabled_on=day)
        return t("watch.no_use", language, disabled_on=day, log_until=self.log_until)

    def scope_line(self, language: Language) -> str:
        """The visible scope against the scope at the disable (or why it is not checked)."""
        if self.app is None:
            return t("watch.platform_unanswered", language, error=self.platform_error)
        if self.widened:
            return t("watch.scope_widened", language, who=scope_text(self.widened, language),
                     before=scope_text(self.scope_at_disable, language))
        return t("watch.scope_kept", language, scope=scope_text(self.app.scope, language))

    def status_line(self, language: Language) -> str | None:
        """The platform's status (None when it did not answer)."""
        if self.app is None:
            return None
        status = platform_status(self.app.status, language)
        return t("watch.re_enabled" if self.re_enabled else "watch.status_kept", language,
                 status=status)

    def lines(self, language: Language) -> list[str]:
        """The watch in sentences: use, scope, status (what could not be seen says so)."""
        status = self.status_line(language)
        return [self.use_line(language), self.scope_line(language),
                *([status] if status else [])]

    def label(self, language: Language) -> str:
        """The watch in a table cell: retired since when, and what was found."""
        day = self.disabled_on.isoformat()
        parts = [t("watch.label.used_after", language, disabled_on=day, users=len(self.users),
                   visits=self.visits) if self.visits
                 else t("watch.label.retired", language, disabled_on=day)]
        parts += [t(f"watch.label.{f}", language) for f in self.findings if f != "used_after"]
        if self.gaps:
            parts.append(t("watch.label.unchecked", language))
        return ("; " if language == "en" else ";").join(parts)

    def summary(self) -> dict:
        """What the ledger keeps of the watch (plain JSON values)."""
        return {"findings": list(self.findings), "gaps": list(self.gaps),
                "visits_after": self.visits, "users_after": len(self.users),
                "first_use_after": self.first_use.isoformat() if self.first_use else None,
                "last_use_after": self.last_use.isoformat() if self.last_use else None,
                "log_until": self.log_until.isoformat() if self.log_until else None,
                "status_now": self.app.status if self.app else None,
                "scope_widened": asdict(self.widened) if self.widened else None}


def _scope_at_disable(verified: dict | None) -> Scope:
    raw = (verified or {}).get("scope")
    return Scope.from_record(raw) if isinstance(raw, dict) else ADMINS_ONLY


def _visits(stage: Stage, app_id: str) -> pd.DataFrame | None:
    """The app's rows of the usage log (None: the workspace has no log)."""
    if "usage_events" not in stage.snapshot.tables:
        return None
    return stage.snapshot.table("usage_events", app_id)


def _after(visits: pd.DataFrame, disabled_at: dt.datetime, until: dt.date) -> pd.DataFrame:
    """Visits after the disable (a local, naive time) and up to the end of ``until``. A visit
    logged as a bare day counts from the day after the disable: on the day itself it may have
    come before it."""
    when = pd.to_datetime(visits["date"])
    next_day = pd.Timestamp(disabled_at.date() + dt.timedelta(days=1))
    timed = when != when.dt.normalize()
    after = (when >= next_day) | (timed & (when > pd.Timestamp(disabled_at)))
    return visits[after & (when < pd.Timestamp(until + dt.timedelta(days=1)))]


def retired_apps(stage: Stage) -> set[str]:
    """The apps past their disable, from the ledger alone (no platform call)."""
    with stage.workspace.ledger() as ledger:
        return {app for app, state in ledger.states().items() if state in RETIRED_STATES}


def watch_retired(stage: Stage, app_ids: Iterable[str] | None = None
                  ) -> dict[str, RetiredWatch]:
    """Every retired app (or those of ``app_ids`` that are retired), watched as of the stage's
    date: use in the usage log after the disable, the visible scope against the scope at the
    disable, the platform's status. One ``get_app`` per app; nothing is written."""
    wanted = None if app_ids is None else set(app_ids)
    zone = stage.workspace.config.timezone
    names = stage.inventory.apps.set_index("app_id")["name"]
    with stage.workspace.ledger() as ledger:
        states = ledger.states()
        retired = {app: (state, ledger.last(app, "disabled"), ledger.last(app, "verified_disabled"))
                   for app, state in sorted(states.items())
                   if state in RETIRED_STATES and (wanted is None or app in wanted)}
    log_until = stage.snapshot.last_logged_day(stage.as_of) if retired else None
    watched = {}
    for app_id, (state, disabled, verified) in retired.items():
        if disabled is None:  # the ledger's gates make this impossible; never guess a date
            continue
        disabled_at = to_local(disabled.ts, zone)
        assert disabled_at is not None
        visits = _visits(stage, app_id)
        after = (_after(visits, disabled_at.replace(tzinfo=None), stage.as_of)
                 if visits is not None else visits)
        days = pd.to_datetime(after["date"]) if after is not None else pd.Series(dtype="M8[ns]")
        try:
            app, error = stage.platform.get_app(app_id), ""
        except PlatformError as exc:
            app, error = None, said_of(exc)
        watched[app_id] = RetiredWatch(
            app_id, str(names.get(app_id, app_id)), state,
            str(disabled.data.get("action") or "disable"), disabled_at.date(),
            log_until if visits is not None else None, len(days),
            tuple(sorted(after["user_id"].astype(str).unique())) if after is not None else (),
            days.min().date() if len(days) else None, days.max().date() if len(days) else None,
            _scope_at_disable(verified.data if verified else None), app, error)
    return watched


def watch_table(watches: dict[str, RetiredWatch], language: Language) -> pd.DataFrame:
    """One row per retired app, for the portfolio page and ``00_portfolio``."""
    rows = [{"app_id": w.app_id, "name": w.name, "state": w.state,
             "disabled_on": w.disabled_on, "visits_after": w.visits,
             "users_after": len(w.users), "last_use_after": w.last_use,
             "log_until": w.log_until, "watch": " ".join(w.lines(language))}
            for w in watches.values()]
    return pd.DataFrame(rows, columns=["app_id", "name", "state", "disabled_on", "visits_after",
                                       "users_after", "last_use_after", "log_until", "watch"])


def set_aside(table: pd.DataFrame, watches: dict[str, RetiredWatch],
              language: Language) -> pd.DataFrame:
    """A score table with its retired apps set aside: not scored as if live (no score,
    recommendation ``retired``, no quadrant) and their use said as the watch found it
    ("retired, still used" when it was used after the disable). Sorted as scored, the
    retired apps last."""
    retired = [a for a in table.index if a in watches]
    if not retired:
        return table
    out = table.copy()
    out["score"] = out["score"].astype(float)
    out.loc[retired, "score"] = float("nan")
    for column in [c for c in out.columns if c.startswith(("c_", "p_"))]:
        out.loc[retired, column] = float("nan")
    out["recommendation"] = out["recommendation"].astype(object)
    out.loc[retired, "recommendation"] = "retired"
    out["quadrant"] = out["quadrant"].astype(object)
    out.loc[retired, "quadrant"] = None
    if "quadrant_note" in out.columns:  # no quadrant, nothing to reconcile it with
        out.loc[retired, "quadrant_note"] = ""
    if "usage" in out.columns:
        out["usage"] = out["usage"].astype(object)
        for app in retired:
            out.loc[app, "usage"] = watches[app].label(language)
    live = out.drop(index=retired)
    return pd.concat([live, out.loc[retired]])


@dataclass(frozen=True)
class Reach:
    """Who can open an app now, from its status and visible scope as a whole."""

    status: str
    scope: Scope
    checked: int  # people in the directory checked against the scope (all of them)
    people: tuple[str, ...] = ()  # non-admins the scope lets in while the app is enabled
    roles: tuple[str, ...] = ()  # roles in an open scope: their members are not listed
    affected: int = 0  # people who could open it before the disable, or used it
    affected_reachable: tuple[str, ...] = ()  # of those, who still can


def who_can_open(stage: Stage, app: AppInfo, affected: Iterable[str] = ()) -> Reach:
    """Every person who can open ``app`` as the platform shows it (``get_app``: status and
    visible scope): an empty scope is everyone, a department takes in its sub-departments, a
    person listed by id who is not in the directory still counts. Admins keep access by
    design and are left out. ``affected`` (user ids) are checked among them by name."""
    users = stage.inventory.users
    users = users[users["gone_since"].isna()] if "gone_since" in users else users
    scope = app.scope
    open_to_people = app.status == "enabled" and not scope.only_admin_visible
    if not open_to_people:
        inside = pd.Series(False, index=users.index)
    elif _everyone(scope):
        inside = pd.Series(True, index=users.index)
    else:
        paths = department_paths(stage.snapshot.inventory(["app_scopes", "users"]))
        inside = in_scope(users, scope.user_ids, scope.dept_ids, paths)
    known = {canonical_user_id(u) for u in users["user_id"]}
    strangers = [u for u in scope.user_ids if canonical_user_id(u) not in known] \
        if open_to_people else []
    people = [u for u in [*users.loc[inside, "user_id"].astype(str), *strangers]
              if not app.is_admin(u)]
    affected = {canonical_user_id(u) for u in affected}
    return Reach(app.status, scope, len(users) + len(strangers), tuple(people),
                 scope.role_ids if open_to_people else (), len(affected),
                 tuple(u for u in people if canonical_user_id(u) in affected))
