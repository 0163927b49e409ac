"""``decomkit import dingtalk``: the inventory DingTalk can tell — apps, their visible scopes
and admin roles, the department tree and its people.

Calls (new style on api.dingtalk.com unless marked old, on oapi.dingtalk.com):

* ``GET /v1.0/microApp/allApps`` and ``GET /v1.0/microApp/allInnerApps`` (self-built apps);
* ``GET /v1.0/microApp/apps/{agentId}/scopes``: the visible scope;
* ``GET /v1.0/microApp/apps/{agentId}/roles?nextToken=&size=``: the app's roles with their
  members (``canManageRole`` marks a role that administers the app);
* old ``POST /topapi/v2/department/listsub`` ``{dept_id}``: a department's children;
* old ``POST /topapi/v2/user/list`` ``{dept_id, cursor, size ≤ 100}``: a department's people,
  paged by ``next_cursor`` while ``has_more``.

Calls go through the DingTalk client's transport (token cache, retries and backoff on the rate
limit codes), one at a time, spaced to stay under ``qps`` calls per second. DingTalk has no
per-app usage API, so usage is not imported: see "Usage without an API" in docs/analyst.md.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping

import pandas as pd

from decomkit.core.config import secret
from decomkit.core.errors import InputError, Problem
from decomkit.core.i18n import Language, t
from decomkit.core.said import platform_error, said
from decomkit.inventory.importers import ImportResult, ImportTarget, apply_import
from decomkit.inventory.importers.merge import kept_file, read_kept
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.platforms.dingtalk import DingTalkPlatform, paged
from decomkit.platforms.dingtalk_calls import CALLS_NAME
from decomkit.platforms.dingtalk_imported import import_source

TABLE_CHOICES = ("apps", "users", "scopes", "admins")
STATUS = {0: "disabled", 1: "enabled", 3: "expired"}
ROOT_DEPT = 1  # DingTalk's root department: the organisation itself
PAGE_SIZE = 100  # the most user/list and roles return per call
DEFAULT_QPS = 15.0  # below DingTalk's 20 calls a second per app and API


def _agent_id(app: dict) -> str:
    """An app's agentId as DingTalk sends it, refused unless it is a number (it goes into
    the URLs of the following calls)."""
    agent = str(app.get("agentId", ""))
    if not re.fullmatch(r"[0-9]{1,19}", agent):
        raise platform_error("import dingtalk", "platform.import_agent_id",
                             agent=repr(agent[:40]), name=repr(str(app.get("name"))[:40]))
    return agent


def app_kind(app: dict, inner_ids: dict[str, str]) -> str:
    """self_built: listed by allInnerApps; official: DingTalk's own apps (a negative appId,
    e.g. 审批); third_party: any other (an ISV app from the app market)."""
    if str(app["agentId"]) in inner_ids:
        return "self_built"
    return "official" if int(app.get("appId") or 0) < 0 else "third_party"


class _Pacer:
    """Spaces calls at least 1/qps seconds apart (DingTalk counts calls per second)."""

    def __init__(self, qps: float):
        self.interval = 1.0 / qps if qps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            if self._next > now:
                time.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


class DingTalkReader:
    """The read calls of an import, paced; ``client`` is a ``DingTalkPlatform``."""

    def __init__(self, client, qps: float = DEFAULT_QPS, quiet: bool = True,
                 language: Language = "zh"):
        self.client, self.pacer, self.quiet = client, _Pacer(qps), quiet
        self.language = language  # of the progress bars' labels
        self.calls = 0

    def _get(self, endpoint: str, params: dict | None = None, **path) -> dict:
        """A read, by its name in ``platforms.dingtalk_api.ENDPOINTS``."""
        self.pacer.wait()
        self.calls += 1
        return self.client._call(endpoint, params=params, **path)

    def _old(self, endpoint: str, body: dict) -> dict:
        self.pacer.wait()
        self.calls += 1
        return self.client._call(endpoint, json=body)

    def _bar(self, items: Iterable | None, label: str, total: int | None = None):
        """A progress bar over ``items``, or (None) one advanced by hand."""
        from tqdm.auto import tqdm

        return tqdm(items, desc=t(f"bar.{label}", self.language), total=total,
                    disable=self.quiet, unit="")

    # ---------------------------------------------------------------- apps

    def apps(self) -> tuple[list[dict], dict[str, str]]:
        """Every app, and the self-built ones' agentId → unifiedAppId."""
        apps = self._get("list_apps")["appList"]
        for app in apps:
            _agent_id(app)
        inner = {_agent_id(a): a.get("unifiedAppId") or ""
                 for a in self._get("list_inner_apps")["appList"]}
        return apps, inner

    def scope(self, agent_id: str) -> dict:
        return self._get("get_scope", agentId=agent_id)["result"]

    def roles(self, agent_id: str) -> list[dict]:
        def page(token: str | None) -> tuple[list, bool, str | None]:
            params = {"size": PAGE_SIZE} | ({"nextToken": token} if token is not None else {})
            answer = self._get("app_roles", params, agentId=agent_id)
            following = answer.get("nextToken")
            return (answer.get("dataList") or [], bool(answer.get("hasMore")),
                    None if following is None else str(following))

        return paged(page, "app roles", said("platform.what.roles", agent=agent_id))

    # ---------------------------------------------------------------- contacts

    def departments(self) -> dict[int, dict]:
        """Every department below the root: id → {name, parent_id, path}."""
        found: dict[int, dict] = {}
        queue = [(ROOT_DEPT, "")]
        with self._bar(None, "departments") as bar:
            while queue:
                parent, parent_path = queue.pop(0)
                children = self._old("dept_listsub",
                                     {"dept_id": parent})["result"]
                for d in children:
                    path = f"{parent_path}/{d['name']}" if parent_path else d["name"]
                    dept = int(d["dept_id"])
                    if dept in found or dept == ROOT_DEPT:  # visited once: a cycle stops here
                        root = said("platform.root_dept")
                        raise platform_error("departments", "platform.dept_cycle", dept=dept,
                                             where=found[dept]["path"] if dept in found else root,
                                             under=parent_path or root)
                    found[dept] = {"name": d["name"], "parent_id": parent, "path": path}
                    queue.append((dept, path))
                bar.update(1)
        return found

    def users(self, dept_ids: list[int]) -> dict[str, dict]:
        """Every person, once (people in several departments are listed by each), with
        ``leads``: the departments whose listing marks them as its manager (``leader``)."""
        people: dict[str, dict] = {}
        for dept in self._bar([ROOT_DEPT, *dept_ids], "people"):
            def page(cursor: int, dept: int = dept) -> tuple[list, bool, int | None]:
                answer = self._old("user_list", {"dept_id": dept, "cursor": cursor,
                                                 "size": PAGE_SIZE})["result"]
                following = answer.get("next_cursor")
                return (answer.get("list") or [], bool(answer.get("has_more")),
                        following if isinstance(following, int) else None)

            for user in paged(page, "users", said("platform.what.people", dept=dept), first=0,
                              token_name="cursor"):
                person = people.setdefault(user["userid"], {**user, "leads": []})
                if user.get("leader") and dept != ROOT_DEPT:
                    person["leads"].append(dept)
        return people


def read_organisation(reader: DingTalkReader, tables: set[str],
                      agent_ids: Mapping[str, int] | None = None) -> dict[str, pd.DataFrame]:
    """What the platform tells, as the kit's tables (apps, users, app_scopes). An app is
    named by its agentId, or by the workspace's own id for it (``agent_ids``: the
    ``[dingtalk.agent_ids]`` settings, app id → agentId)."""
    ids = {str(agent): app for app, agent in (agent_ids or {}).items()}
    depts: dict[int, dict] = {}
    people: dict[str, dict] = {}
    if tables & {"users", "scopes", "admins"}:
        depts = reader.departments()
    if "users" in tables or tables & {"scopes", "admins"}:
        people = reader.users(sorted(depts))
    out: dict[str, pd.DataFrame] = {}
    apps, inner = reader.apps()
    if "apps" in tables:
        out["apps"] = pd.DataFrame({
            "app_id": [ids.get(str(a["agentId"]), str(a["agentId"])) for a in apps],
            "name": [a["name"] for a in apps],
            "kind": [app_kind(a, inner) for a in apps],
            "status": [STATUS.get(int(a["appStatus"]), "disabled") for a in apps],
            "unified_app_id": [inner.get(str(a["agentId"])) or None for a in apps]})
    if "users" in tables:
        rows = []
        for uid, u in people.items():
            main = int((u.get("dept_id_list") or [ROOT_DEPT])[0])
            rows.append({"user_id": uid, "name": u["name"],
                         "department": depts[main]["path"] if main in depts else "(root)",
                         "email": u.get("org_email") or u.get("email") or None,
                         "job_number": u.get("job_number") or None,
                         "dept_id": str(main),
                         # the manager of their main department: its apps' department head
                         "dept_head": main in (u.get("leads") or ())})
        out["users"] = pd.DataFrame(rows, columns=["user_id", "name", "department", "email",
                                                   "job_number", "dept_id", "dept_head"])
    if tables & {"scopes", "admins"}:
        rows = []
        for app in reader._bar(apps, "scopes"):
            agent = _agent_id(app)
            if "scopes" in tables:
                rows += _scope_rows(ids.get(agent, agent), reader.scope(agent), depts, people)
            if "admins" in tables:
                rows += _admin_rows(ids.get(agent, agent), reader.roles(agent), depts, people)
        out["app_scopes"] = pd.DataFrame(rows, columns=["app_id", "access", "member_type",
                                                        "member_id", "member_name", "role"])
    return out


def _member(kind: str, member_id, depts: dict, people: dict) -> tuple[str, str, str | None]:
    if kind == "dept":
        dept = depts.get(int(member_id))
        return kind, str(member_id), dept["path"] if dept else None
    if kind == "user":
        person = people.get(str(member_id))
        return kind, str(member_id), person["name"] if person else None
    return kind, str(member_id), None


def _scope_rows(agent: str, scope: dict, depts: dict, people: dict) -> list[dict]:
    base = {"app_id": agent, "access": "visible", "role": None}
    if scope.get("onlyAdminVisible"):
        return [base | {"member_type": "admins_only", "member_id": None, "member_name": None}]
    members = ([_member("user", u, depts, people) for u in scope.get("userIds") or []]
               + [_member("dept", d, depts, people) for d in scope.get("deptIds") or []]
               + [_member("role", r, depts, people) for r in scope.get("roleIds") or []])
    if not members:
        return [base | {"member_type": "everyone", "member_id": None, "member_name": None}]
    return [base | {"member_type": k, "member_id": i, "member_name": n} for k, i, n in members]


def _admin_rows(agent: str, roles: list[dict], depts: dict, people: dict) -> list[dict]:
    rows = []
    for role in roles:
        if not role.get("canManageRole"):
            continue
        members = ([_member("user", u, depts, people) for u in role.get("userIdList") or []]
                   + [_member("dept", d, depts, people) for d in role.get("deptIdList") or []])
        rows += [{"app_id": agent, "access": "admin", "member_type": k, "member_id": i,
                  "member_name": n, "role": role.get("roleName")} for k, i, n in members]
    return rows


def client_for(workspace: ImportTarget) -> DingTalkPlatform:
    """The workspace's DingTalk client (settings from decomkit.toml, credentials from the
    environment); no manual platform is needed to read. Its calls are metered like every
    other (``platform/dingtalk-calls.jsonl``, as shared calls): the month's quota counts
    them, and the warning before a batch must too."""
    return DingTalkPlatform(workspace.config.dingtalk, secret("dingtalk_app_key") or "",
                            secret("dingtalk_app_secret") or "",
                            calls=workspace.root / "platform" / CALLS_NAME)


def import_dingtalk(workspace: ImportTarget, tables: Iterable[str] = TABLE_CHOICES, *,
                    dry_run: bool = False, quiet: bool = False, qps: float = DEFAULT_QPS,
                    client=None, actor: str | None = None, today=None) -> ImportResult:
    """``decomkit import dingtalk``: read the organisation, merge it into the kept tables."""
    wanted = {t.strip() for t in tables if t.strip()}
    unknown = sorted(wanted - set(TABLE_CHOICES))
    if unknown or not wanted:
        raise InputError([Problem("--tables", None, None,
                                  said("platform.unknown_tables", n=len(unknown)) if unknown
                                  else said("platform.no_tables"),
                                  said("platform.use_tables", tables=", ".join(TABLE_CHOICES)))])
    client = client or client_for(workspace)
    reader = DingTalkReader(client, qps=qps, quiet=quiet,
                            language="en" if workspace.config.language == "en" else "zh")
    try:
        incoming = read_organisation(reader, wanted, workspace.config.dingtalk.agent_ids)
    except (KeyError, TypeError, ValueError) as exc:  # an answer without its documented fields
        raise platform_error("import", "platform.undocumented_answer",
                             error=f"{type(exc).__name__}: {exc}") from None
    if "app_scopes" in incoming and not {"scopes", "admins"} <= wanted:
        incoming["app_scopes"] = _keep_other_access(workspace, incoming["app_scopes"], wanted)
    source = import_source(client.settings.api_base, wanted)  # read back by the assessment
    return apply_import(workspace, source, incoming, dry_run=dry_run, actor=actor, today=today)


def _keep_other_access(workspace: ImportTarget, scopes: pd.DataFrame,
                       wanted: set[str]) -> pd.DataFrame:
    """Importing only scopes (or only admins) keeps the kept rows of the other access kind."""
    table = TABLES_BY_NAME["app_scopes"]
    path = kept_file(workspace.path("data"), table)
    if path is None:
        return scopes
    kept = read_kept(path, table)
    other = "admin" if "scopes" in wanted else "visible"
    return pd.concat([scopes, kept[kept["access"] == other]], ignore_index=True)
