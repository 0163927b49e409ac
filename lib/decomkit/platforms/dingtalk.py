"""DingTalk's Open API. Every call is a row of ``dingtalk_api.ENDPOINTS`` (path, method, host,
token, whether it is harmless to repeat); the official SDK checks that table in the tests.

* One cached token per app key and style, shared by every client of the process, refreshed
  before expiry and once more when the server refuses it (new style: HTTP 400/401
  ``InvalidAuthentication``; old style: errcode 40014/42001, or 88 with that sub_code).
* Backoff with jitter on rate limits (refused before they ran), on -1 "system busy" and, for
  calls harmless to repeat, on 5xx and timeouts. Any other call whose answer was lost raises
  ``PlatformTimeout``: its effect is unknown. The monthly quota error says it is a quota.
* The per-IP ban answers with HTML or ``{"status": 1111, "wait": 5}``: reported, never a crash.
* No API re-enables an app, unlinks an association or disables a third-party app: those become
  console steps recorded by the manual platform. A robot send whose answer was lost is never
  resent: it becomes a step the operator confirms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any, Literal

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from decomkit.core.config import CONFIG_NAME, DingTalk, secret, write_setting
from decomkit.core.errors import (
    ManualStepRequired,
    PlatformDeferred,
    PlatformError,
    PlatformTimeout,
)
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import t
from decomkit.core.locks import state_file
from decomkit.core.said import LANGUAGES, Said, in_language, platform_error, said
from decomkit.core.sinks import register_secret, scrub
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    AppStatus,
    Notification,
    Platform,
    Scope,
    WorkspaceLike,
    check_widening,
    comment_record,
)
from decomkit.platforms.dingtalk_api import (
    ENDPOINTS,
    HTTP_429_WINDOW,
    MAX_PAGES,
    OLD_QUOTA_ERRCODES,
    OLD_RATE_LIMIT_WINDOWS,
    OLD_TOKEN_ERRCODES,
    QUOTA_CODES,
    RATE_LIMIT_WINDOWS,
    TOKEN_INVALID_CODES,
    Endpoint,
)
from decomkit.platforms.dingtalk_calls import CALLS_NAME, CallMeter
from decomkit.platforms.dingtalk_form import (
    TEMPLATE_DESCRIPTION,
    TEMPLATE_NAME,
    form_components,
    form_mismatches,
    labels,
)
from decomkit.platforms.dingtalk_form import title as form_title
from decomkit.platforms.dingtalk_sends import OPEN, SENDS_NAME, SendJournal
from decomkit.platforms.manual import ManualPlatform

STATUS: dict[int, AppStatus] = {0: "disabled", 1: "enabled", 3: "expired"}
MAX_USERS, MAX_DEPTS = 100, 20  # receivers per work notification
MAX_LIST = 100  # ids per add/del list in one scope call
MAX_IDS = 2000  # ids in all the lists of one scope call

# Tokens live as long as the process: every client of the same app key shares them, so a
# stage, a polling loop or a second platform object never asks for a token it already has.
_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


def paged(fetch: Callable[[Any], tuple[list, bool, Any]], operation: str, what: str,
          first: Any = None, token_name: str = "page_token") -> list:
    """Every item of a paged listing. ``fetch(token)`` reads one page (``first`` for the
    first) and returns its items, whether DingTalk says there are more, and the next token
    (None when it gave none). A listing said to have more that gives no token, or a token it
    gave before, or more than ``MAX_PAGES`` pages, is refused as endless. ``what`` names the
    listing (a ``core.said.Said``, so the refusal is said whole); ``token_name`` is
    ``page_token`` or ``cursor``."""
    items: list = []
    token, seen = first, {first}
    for _ in range(MAX_PAGES):
        page, more, following = fetch(token)
        items += page
        if not more:
            return items
        if following is None or following in seen:
            name = said(f"platform.{token_name}")
            raise _endless(operation, said("platform.page_none", what=what, token_name=name)
                           if following is None else
                           said("platform.page_again", what=what, token=following,
                                token_name=name))
        seen.add(following)
        token = following
    raise _endless(operation, said("platform.too_many_pages", what=what, pages=MAX_PAGES))


def _endless(operation: str, detail: Said) -> PlatformError:
    return platform_error(operation, "platform.endless", detail=detail)


def clear_token_cache() -> None:
    """Forget every cached token (a test's server is new; a real one never needs this)."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


class _Retry(Exception):
    """A failure that was rejected before taking effect, or is harmless to repeat; ``window``:
    the rate limit's window in seconds (each wait outlasts it), 0 for any other failure."""

    def __init__(self, error: PlatformError, window: float = 0.0):
        self.error, self.window = error, window


def _rate_limited(operation: str, detail: Said, window: float) -> _Retry:
    return _Retry(platform_error(operation, "platform.rate_limited", detail=detail,
                                 window=f"{window:g}", retryable=True), window)


class _TokenRefused(Exception):
    pass


def _quota(operation: str, code: object) -> PlatformError:
    return platform_error(operation, "platform.quota", code=code)


class DingTalkPlatform(Platform):
    name = "dingtalk"

    def __init__(self, settings: DingTalk, app_key: str, app_secret: str, *,
                 robot_token: str | None = None, robot_secret: str | None = None,
                 timeout: float = 10.0, attempts: int = 5, max_wait: float = 8.0,
                 sleep: Callable[[float], None] = time.sleep,
                 manual: ManualPlatform | None = None, agent_ids: dict[str, int] | None = None,
                 sends: Path | None = None, calls: Path | None = None):
        if not (app_key and app_secret):
            raise platform_error("connect", "dingtalk.no_credentials")
        self.settings = settings
        self._key, self._secret = app_key, app_secret
        self._key_id = hashlib.sha256(app_key.encode()).hexdigest()[:16]
        self._robot = (robot_token, robot_secret)
        self._http = httpx.Client(timeout=timeout)
        self._finalizer = weakref.finalize(self, self._http.close)
        self._attempts, self._max_wait = attempts, max_wait
        self._sleep = sleep  # how retries wait (a test passes one that records the waits)
        self.manual = manual  # records the steps no API can do
        self._agent_ids = {**settings.agent_ids, **(agent_ids or {})}
        self._dept_id: int | None = settings.dept_id or None
        self._forms_checked: set[tuple[str, tuple[str, ...]]] = set()
        self.sends = SendJournal(sends)  # every creating call, before and after it is sent
        # the notification robot's block (errcode 410100), kept across runs
        self._robot_file = sends.with_name(ROBOT_STATE_NAME) if sends is not None else None
        self._robot_memory: dict[str, float] = {}
        self.meter = CallMeter(calls)  # metered calls by app (the monthly quota)
        # Reads cached for this platform's life (one stage run): the app lists, each app's
        # scope, admin answers. A change the kit makes drops what it changed; ``forget``
        # drops an app before a verification reads it again.
        self._lists: dict[bool, list[dict]] = {}
        self._scopes: dict[int, Scope] = {}
        self._admins: dict[tuple[str, int], bool] = {}
        self._instance_apps: dict[str, str] = {}  # approval instance → app (metering)

    @classmethod
    def from_workspace(cls, workspace: WorkspaceLike) -> DingTalkPlatform:
        return cls(workspace.config.dingtalk, secret("dingtalk_app_key") or "",
                   secret("dingtalk_app_secret") or "", robot_token=secret("robot_token"),
                   robot_secret=secret("robot_secret"),
                   manual=ManualPlatform.from_workspace(workspace),
                   sends=workspace.root / "platform" / SENDS_NAME,
                   calls=workspace.root / "platform" / CALLS_NAME)

    def __repr__(self) -> str:  # never show credentials
        return f"DingTalkPlatform({self.settings.api_base})"

    def close(self) -> None:
        self._finalizer()

    # ------------------------------------------------------------ transport

    def _token(self, style: str) -> str:
        slot = (self.settings.api_base if style == "new" else self.settings.oapi_base,
                self._key_id, style)
        with _TOKENS_LOCK:
            token, until = _TOKENS.get(slot, ("", 0.0))
        if until - 60 > time.time():
            return token
        if style == "new":
            answer = self._send(ENDPOINTS["access_token"], {}, json={
                "appKey": self._key, "appSecret": self._secret})
            token, ttl = answer["accessToken"], answer["expireIn"]
        else:
            answer = self._send(ENDPOINTS["gettoken"], {}, params={
                "appkey": self._key, "appsecret": self._secret})
            token, ttl = answer["access_token"], answer["expires_in"]
        register_secret(token)  # masked in every sink, should DingTalk echo it in an error
        with _TOKENS_LOCK:
            _TOKENS[slot] = (token, time.time() + float(ttl))
        return token

    def _forget_token(self, style: str) -> None:
        base = self.settings.api_base if style == "new" else self.settings.oapi_base
        with _TOKENS_LOCK:
            _TOKENS.pop((base, self._key_id, style), None)

    def _call(self, name: str, *, json: dict | None = None, params: dict | None = None,
              idempotent: bool | None = None, app: str = "", **path) -> dict:
        """Call endpoint ``name`` (path parameters as keywords) for ``app`` ("" when it
        serves every app), refreshing a refused token once. Each call sent is metered."""
        endpoint = ENDPOINTS[name]
        style = "new" if endpoint.auth == "header" else "old"
        for attempt in range(2):
            try:
                return self._send(endpoint, path, json=json, params=params,
                                  token=self._token(style), idempotent=idempotent, app=app)
            except _TokenRefused:
                self._forget_token(style)
                if attempt:
                    raise platform_error(endpoint.path, "platform.token_refused") from None
        raise AssertionError

    def _send(self, endpoint: Endpoint, path: dict, *, json=None, params=None,
              token: str = "", idempotent: bool | None = None, app: str = "") -> dict:
        base = self.settings.api_base if endpoint.host == "api" else self.settings.oapi_base
        url = base + endpoint.path.format(**{k: _path_value(endpoint.path, k, v)
                                             for k, v in path.items()})
        operation = endpoint.path
        repeatable = endpoint.idempotent if idempotent is None else idempotent

        def once() -> dict:
            headers: dict[str, str] = {}
            query = dict(params or {})
            if endpoint.auth == "header":
                headers["x-acs-dingtalk-access-token"] = token
            elif endpoint.auth == "query":
                query["access_token"] = token
            if endpoint.auth in ("header", "query"):  # an Open API call: the quota counts it
                self.meter.record(app, endpoint.name)
            try:
                response = self._http.request(endpoint.method, url, json=json, params=query,
                                              headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # no connection was made: the request never reached DingTalk
                error: PlatformError = platform_error(operation, "platform.network",
                                                      error=str(exc), retryable=True)
                raise _Retry(error) from None
            except httpx.TransportError as exc:
                # sent, and then no answer (a timeout, a dropped connection): it may have
                # taken effect
                what = said("platform.no_answer" if isinstance(exc, httpx.TimeoutException)
                            else "platform.connection_lost")
                error = _unknown(operation, what)
                raise (_Retry(error) if repeatable else error) from None
            return self._answer(operation, response, endpoint.host, repeatable)

        retrying = Retrying(stop=stop_after_attempt(self._attempts), wait=self._wait,
                            retry=retry_if_exception(lambda e: isinstance(e, _Retry)),
                            sleep=self._sleep, reraise=True)
        try:
            return retrying(once)
        except _Retry as exc:
            raise _masked(exc.error, token) from None
        except PlatformError as exc:
            raise _masked(exc, token) from None

    def _wait(self, state: RetryCallState) -> float:
        """A rate limit: its window, doubled after each answer, plus up to a quarter of it
        at random (clients limited together do not return together). Anything else: short
        random exponential backoff up to ``max_wait``."""
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        window = error.window if isinstance(error, _Retry) else 0.0
        tries = state.attempt_number
        if window:
            return window * 2 ** (tries - 1) + random.uniform(0, window / 4)
        return random.uniform(0, min(self._max_wait, 0.2 * 2 ** tries))

    @staticmethod
    def _answer(operation: str, response: httpx.Response, host: str, repeatable: bool) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500:  # a 5xx is a 5xx, whatever its body (a gateway page)
            code = body.get("code", "") if isinstance(body, dict) else ""
            message = said("platform.answered", text=f"HTTP {response.status_code} {code}"
                           .rstrip())
            if repeatable:
                raise _Retry(platform_error(operation, message, retryable=True))
            raise _unknown(operation, message)
        banned = (isinstance(body, dict) and body.get("status") == 1111) or (
            body is None and response.status_code == 403
            and "html" in response.headers.get("content-type", "").lower())
        if banned:
            # The per-IP ban: {"status": 1111, "wait": 5} or an HTML page; a retry prolongs it.
            wait = body.get("wait", 5) if isinstance(body, dict) else 5
            raise platform_error(operation, "platform.ip_banned", status=response.status_code,
                                 minutes=wait, retryable=True)
        if not isinstance(body, dict):
            message = said("platform.not_json", status=response.status_code)
            if response.status_code < 400 and not repeatable:
                raise _unknown(operation, message)
            raise platform_error(operation, message)
        if host == "oapi" and "errcode" in body:
            return _old_style(operation, body)
        if response.status_code < 400:
            return body
        code = str(body.get("code", ""))
        message = said("platform.refused", status=response.status_code, code=code,
                       message=body.get("message", ""))
        if response.status_code == 401 or code in TOKEN_INVALID_CODES:
            raise _TokenRefused()
        if code in QUOTA_CODES:
            raise _quota(operation, code)
        if code in RATE_LIMIT_WINDOWS or response.status_code == 429:  # refused, not done
            raise _rate_limited(operation, message,
                                RATE_LIMIT_WINDOWS.get(code, HTTP_429_WINDOW))
        if code == "Forbidden.AccessDenied.AccessTokenPermissionDenied":
            message = said("platform.grant_permission", refused=message)
        raise platform_error(operation, message)

    # ------------------------------------------------------------ ids

    def _agent(self, app_id: str) -> int:
        """The app's DingTalk agentId: the app id itself, or its ``[dingtalk.agent_ids]``
        entry."""
        if app_id in self._agent_ids:
            return int(self._agent_ids[app_id])
        if app_id.isdigit():
            return int(app_id)
        raise platform_error("agentId", "platform.no_agent_id", app=app_id)

    def _app_id(self, agent_id: int) -> str:
        return next((a for a, n in self._agent_ids.items() if int(n) == int(agent_id)),
                    str(agent_id))

    # ------------------------------------------------------------ reads

    def _apps(self, inner: bool = False) -> list[dict]:
        """The organisation's app list, fetched once per platform (stage run)."""
        if inner not in self._lists:
            self._lists[inner] = self._call("list_inner_apps" if inner else "list_apps")[
                "appList"]
        return self._lists[inner]

    def _robot_state(self, **values: float) -> dict[str, float]:
        """The notification robot's state; with ``values``, updated (on disk when the
        platform has a workspace)."""
        if self._robot_file is None:
            self._robot_memory.update(values)
            return self._robot_memory
        path = self._robot_file
        path.parent.mkdir(parents=True, exist_ok=True)
        with state_file(path):
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                state = {}
            if values:
                state.update(values)
                atomic_write_text(path, json.dumps(state) + "\n")
        return state

    def forget(self, app_id: str) -> None:
        """Drop what is cached about ``app_id`` (and the app list, which carries its status):
        the next read asks DingTalk. Called before a verification."""
        self._lists.pop(False, None)  # the inner list is kept: its unifiedAppIds do not change
        self._scopes.pop(self._agent(app_id), None)

    def _scope(self, app_id: str, agent: int) -> Scope:
        if agent not in self._scopes:
            raw = self._call("get_scope", agentId=agent, app=app_id)["result"]
            self._scopes[agent] = Scope(tuple(raw.get("userIds") or ()),
                                        tuple(str(d) for d in raw.get("deptIds") or ()),
                                        tuple(str(r) for r in raw.get("roleIds") or ()),
                                        bool(raw.get("onlyAdminVisible")))
        return self._scopes[agent]

    def list_apps(self) -> list[AppInfo]:
        return [AppInfo(self._app_id(a["agentId"]), a["name"],
                        STATUS.get(a["appStatus"], "disabled"), Scope(), ())
                for a in self._apps()]

    def get_app(self, app_id: str) -> AppInfo:
        agent = self._agent(app_id)
        app = next((a for a in self._apps() if a["agentId"] == agent), None)
        if app is None:
            raise platform_error("get_app", "platform.no_such_agent", agent=agent)
        return AppInfo(app_id, app["name"], STATUS.get(app["appStatus"], "disabled"),
                       self._scope(app_id, agent), ())

    def is_admin(self, user_id: str, app_id: str) -> bool:
        agent = self._agent(app_id)
        if (user_id, agent) not in self._admins:
            self._admins[(user_id, agent)] = bool(self._call(
                "admin_access", agentId=agent, userId=user_id, app=app_id)["result"])
        return self._admins[(user_id, agent)]

    def visible_to(self, user_id: str, app_id: str) -> bool:
        """Answered from the app's status and scope when they decide it (disabled, admins
        only, the person named, open to everyone); only a scope of departments or roles
        asks DingTalk about the person."""
        _path_value(ENDPOINTS["user_apps"].path, "userId", user_id)  # a valid id, first
        app = self.get_app(app_id)
        scope = app.scope
        if app.status != "enabled":
            return False
        if scope.only_admin_visible:
            return self.is_admin(user_id, app_id)
        if user_id in scope.user_ids or not (scope.user_ids or scope.dept_ids
                                             or scope.role_ids):
            return True
        agent = self._agent(app_id)
        apps = self._call("user_apps", userId=user_id, app=app_id)["appList"]
        return any(a["agentId"] == agent for a in apps)

    def _app_of(self, instance_id: str) -> str:
        """The app an approval instance is about, from the send that created it ("" when
        this workspace did not): read once, a poll every second asks again."""
        if instance_id not in self._instance_apps:
            key = self.sends.key_of(instance_id)
            self._instance_apps[instance_id] = _app_in(key) if key else ""
        return self._instance_apps[instance_id]

    def approval_status(self, instance_id: str) -> ApprovalStatus:
        raw = self._call("get_approval", params={"processInstanceId": instance_id},
                         app=self._app_of(instance_id))["result"]
        operations = raw.get("operationRecords") or ()
        records = tuple({"user_id": r.get("userId"), "result": r.get("result"),
                         "comment": r.get("remark", ""), "date": r.get("date")}
                        for r in operations if r.get("type") != "ADD_REMARK")
        # A comment (评论) added without a decision: an approver's question, an answer.
        comments = tuple({"user_id": r.get("userId"), "comment": r.get("remark", ""),
                          "date": r.get("date")}
                         for r in operations if r.get("type") == "ADD_REMARK")
        return ApprovalStatus(instance_id, raw["status"], raw.get("result") or None, records,
                              comments)

    # ------------------------------------------------------------ changes

    def decide_approval(self, instance_id: str, user_id: str,
                        decision: Literal["agree", "refuse"], comment: str = "", *,
                        evidence: str | None = None) -> ApprovalStatus:
        """Approvers act in the DingTalk app (its OA approval); the kit only reads their
        decisions (``approval_status``)."""
        raise platform_error("decide_approval", "platform.dingtalk_approvers")

    def set_visible_scope(self, app_id: str, scope: Scope, *, key: str) -> None:
        """Move the scope to ``scope`` without ever opening the app wider than either end.
        One call when the change fits one (≤100 ids a list, ≤2000 in all): the ids and
        ``onlyAdminVisible`` change together. When it takes several, the first call also
        restricts it to admins, the ids change while it is restricted, and only a target
        that is not admins-only is opened, by the last call: a crash in between leaves it
        admins-only. Setting a state is harmless to repeat."""
        agent = self._agent(app_id)
        want_depts, want_roles = _longs(scope.dept_ids, "department"), _longs(scope.role_ids,
                                                                              "role")
        current = self.get_app(app_id).scope
        now_depts, now_roles = _longs(current.dept_ids, "department"), _longs(current.role_ids,
                                                                             "role")
        bodies: list[dict[str, object]] = []
        for kind, now, want in (("User", list(current.user_ids), list(scope.user_ids)),
                                ("Dept", now_depts, want_depts), ("Role", now_roles, want_roles)):
            for verb, ids in (("add", [x for x in want if x not in now]),
                              ("del", [x for x in now if x not in want])):
                for i in range(0, len(ids), MAX_LIST):  # into the first body with room
                    field, chunk = f"{verb}{kind}Ids", ids[i:i + MAX_LIST]
                    body = next((b for b in bodies if field not in b and len(chunk) + sum(
                        len(v) for v in b.values() if isinstance(v, list)) <= MAX_IDS), None)
                    if body is None:
                        bodies.append(body := {})
                    body[field] = chunk
        several = len(bodies) > 1
        if several and not current.only_admin_visible:
            bodies[0]["onlyAdminVisible"] = True  # restricted while the ids change
        bodies = bodies or [{}]
        if scope.only_admin_visible != (current.only_admin_visible or several):
            bodies[-1]["onlyAdminVisible"] = scope.only_admin_visible
        self._scopes.pop(agent, None)
        for body in bodies:
            if body:
                self._call("set_scope", json=body, agentId=agent, app=app_id)

    def add_to_scope(self, app_id: str, user_ids: Sequence[str], *, key: str,
                     labels: Mapping[str, str] | None = None) -> None:
        """``addUserIds`` alone, ≤100 a call: people already in the scope are left out, and
        ``onlyAdminVisible`` is never sent, so nobody loses the app for a moment. Adding is
        harmless to repeat."""
        agent = self._agent(app_id)
        current = self.get_app(app_id).scope
        check_widening(app_id, current)
        have = set(current.user_ids)
        new = [u for u in dict.fromkeys(user_ids) if u not in have]
        self._scopes.pop(agent, None)
        for i in range(0, len(new), MAX_LIST):
            self._call("set_scope", json={"addUserIds": new[i:i + MAX_LIST]}, agentId=agent,
                       app=app_id)

    def disable(self, app_id: str, *, key: str) -> None:
        agent = self._agent(app_id)
        try:
            app = next((a for a in self._apps(inner=True) if a["agentId"] == agent), None)
            if app is None or not app.get("unifiedAppId"):
                raise platform_error("disable", "platform.not_self_built")
            self._lists.pop(False, None)  # its status changes
            answer = self._call("inactive_app", json={"unifiedAppId": app["unifiedAppId"],
                                                      "userId": self.settings.operator_user_id},
                                app=app_id)
            if not answer.get("success", False):
                raise platform_error("disable", said("platform.disable_answer",
                                                     message=answer.get("message"))
                                     if answer.get("message") else
                                     said("platform.disable_unsuccessful"))
        except PlatformTimeout:
            raise  # unknown: the rerun asks again (the call is harmless to repeat)
        except PlatformError as exc:
            if self.manual is not None:  # the console path, recorded
                return self.manual.disable(app_id, key=key)
            raise platform_error("disable", "platform.disable_by_hand", detail=exc.detail,
                                 error_class=ManualStepRequired) from None

    def settled(self, operation: str, key: str) -> tuple[bool, object] | None:
        """Whether the change under ``key`` took effect, asked of DingTalk: an approval
        request is looked for among the template's instances since it was sent (its
        originator and form); a work notification by the task id of each chunk. Console steps
        and robot sends are settled by their record. None: a person checks
        (``decomkit settle``)."""
        if self.manual is not None and self.manual.has_step(key):
            return self.manual.settled(operation, key)
        entries = self.sends.under(key)
        if not entries:
            return None
        if key in entries and entries[key]["operation"] == "submit_approval":
            return self._settle_approval(key, entries[key])
        return self._settle_notice(entries, _app_in(key))

    def _settle_approval(self, key: str, entry: dict) -> tuple[bool, object] | None:
        if entry["status"] == "sent":
            return True, entry["result"]
        if entry["status"] not in OPEN:
            return False, None
        claimed = self.sends.results()
        sent = {(v["name"], v["value"]) for v in entry["form"]}
        found = []
        for instance in self.instance_ids(entry["process_code"], entry["started_ms"] - 60_000,
                                          [entry["originator"]], app=_app_in(key)):
            if instance in claimed:
                continue
            raw = self._call("get_approval", params={"processInstanceId": instance},
                             app=_app_in(key))["result"]
            values = {(v.get("name"), v.get("value"))
                      for v in raw.get("formComponentValues") or ()}
            if raw.get("originatorUserId") == entry["originator"] and sent <= values:
                found.append(instance)
        if len(found) > 1:
            return None  # more than one request matches: a person decides which is ours
        if found:
            self.sends.update(key, status="sent", result=found[0], settled="asked DingTalk")
            return True, found[0]
        self.sends.update(key, status="absent", settled="asked DingTalk")
        return False, None

    def _settle_notice(self, entries: dict[str, dict], app: str) -> tuple[bool, object] | None:
        if any(e["status"] in OPEN for e in entries.values()):
            return None  # no task id: DingTalk cannot say whether it was delivered
        tasks = [e for e in entries.values() if e["status"] == "sent"]
        for entry in tasks:  # each recorded task is one DingTalk knows
            self._call("send_progress", json={"agent_id": entry["agent_id"],
                                              "task_id": int(entry["result"])}, app=app)
        total = max((int(e.get("chunks", 1)) for e in entries.values()), default=1)
        if len(tasks) == total:
            return True, ",".join(str(e["result"]) for e in sorted(
                tasks, key=lambda e: int(e.get("chunk", 0))))
        return False, None  # some chunks never sent: notify() sends only those

    def instance_ids(self, process_code: str, since_ms: int, user_ids: Sequence[str] = (),
                     app: str = "") -> list[str]:
        """The ids of the template's approval instances created since ``since_ms``, by
        ``user_ids`` (every page; a repeated page token is refused), metered for ``app``."""
        def page(token: int) -> tuple[list, bool, int | None]:
            body: dict[str, object] = {"processCode": process_code, "startTime": since_ms,
                                       "endTime": int(time.time() * 1000), "nextToken": token,
                                       "maxResults": 20}
            if user_ids:
                body["userIds"] = list(user_ids)
            result = self._call("list_instance_ids", json=body, app=app).get("result") or {}
            following = result.get("nextToken")
            more = following not in (None, "") and str(following).isdigit()  # else the last
            return ([str(i) for i in result.get("list") or ()], more,
                    int(str(following)) if more else None)

        return paged(page, "list_instance_ids", said("platform.what.approvals"), first=0)

    def enable(self, app_id: str, *, key: str) -> None:
        if self.manual is not None:
            return self.manual.enable(app_id, key=key)
        raise platform_error("enable", "platform.enable_by_hand",
                             error_class=ManualStepRequired)

    def unlink(self, app_id: str, *, key: str) -> None:
        if self.manual is not None:
            return self.manual.unlink(app_id, key=key)
        raise platform_error("unlink", "platform.unlink_by_hand",
                             error_class=ManualStepRequired)

    def form_schema(self, process_code: str | None = None) -> list[dict]:
        """The components of the approval template's form."""
        code = process_code or self.settings.process_code
        if not code:
            raise platform_error("approval form", "platform.no_template")
        result = self._call("form_schema", params={"processCode": code})["result"]
        return ((result or {}).get("schemaContent") or {}).get("items") or []

    def check_request(self, request: ApprovalRequest) -> None:
        self.check_form([_title_of(request), *request.form])

    def check_form(self, labels: list[str]) -> None:
        """Refuse, naming every field, when the template cannot take the kit's form (read
        once per platform object and template)."""
        if (self.settings.process_code, tuple(labels)) in self._forms_checked:
            return
        problems = form_mismatches(self.form_schema(), labels)
        if problems:
            raise platform_error("approval form", "platform.form_mismatch",
                                 code=self.settings.process_code, problems=_joined(problems))
        self._forms_checked.add((self.settings.process_code, tuple(labels)))

    def originator_dept(self, user_id: str) -> int:
        """The department the request is filed under: ``dingtalk.dept_id``, else the user's
        first department."""
        if self._dept_id is None:
            depts = self._call("user_get", json={"userid": user_id})["result"]["dept_id_list"]
            if not depts:
                raise platform_error("approval", "platform.no_department", user=user_id)
            self._dept_id = int(depts[0])
        return self._dept_id

    def submit_approval(self, request: ApprovalRequest, *, key: str) -> str:
        values = [(_title_of(request), request.title), *request.form.items()]
        self.check_request(request)
        body = {"originatorUserId": request.originator,
                "processCode": self.settings.process_code,
                "deptId": self.originator_dept(request.originator),
                # a required field refuses an empty value: "-" says "nothing to report"
                "formComponentValues": [{"name": n, "value": str(v).strip() or "-"}
                                        for n, v in values]}
        if request.approvers:  # optional: without it the template's own flow applies
            body["approvers"] = [{"actionType": "NONE", "userIds": [u]}
                                 for u in request.approvers]
        return str(self._create(key, "submit_approval", "start_approval", body, "instanceId",
                                originator=request.originator,
                                process_code=self.settings.process_code,
                                form=body["formComponentValues"]))

    def _create(self, key: str, operation: str, endpoint: str, body: dict, answer_key: str,
                **facts: object) -> object:
        """Send a creating call at most once under ``key``: recorded before it is sent, its
        answer recorded after. A key whose earlier send has an unknown outcome is not sent
        again until it is settled (by asking DingTalk, or by a person)."""
        entry = self.sends.get(key)
        if entry is not None and entry["status"] == "sent":
            return entry["result"]
        if entry is not None and entry["status"] in OPEN:
            raise platform_error(operation, "platform.earlier_send", send=key,
                                 settle=key.split("#")[0], retryable=True,
                                 error_class=PlatformTimeout)
        self.sends.begin(key, operation, **facts)
        try:
            answer = self._call(endpoint, json=body, app=_app_in(key))
        except PlatformTimeout as exc:
            self.sends.update(key, status="unknown", error=exc.detail)
            raise
        except Exception as exc:
            self.sends.update(key, status="refused", error=str(exc))
            raise
        result = answer.get(answer_key)
        self.sends.update(key, status="sent", result=result)
        return result

    def withdraw_approval(self, instance_id: str, operator: str, remark: str, *,
                          key: str) -> None:
        self._call("terminate_approval", json={"processInstanceId": instance_id,
                                               "isSystem": False, "remark": remark,
                                               "operatingUserId": operator},
                   app=_app_in(key))

    def comment_approval(self, instance_id: str, user_id: str, text: str,
                         attachment: Path | None = None, *, key: str) -> None:
        """The process-instance comment call (评论). An attachment would need the file in a
        DingTalk drive space first (``file.attachments`` takes spaceId/fileId), so the
        comment names it and its SHA-256; the file itself stays in the workspace's trail."""
        remark = comment_record(user_id, text, attachment)
        if "attachment" in remark:
            remark["comment"] += (f"\n附件 / Attachment: {remark['attachment']} "
                                  f"(SHA-256 {remark['attachment_sha256']})")
        self._call("comment_approval", json={"processInstanceId": instance_id,
                                             "text": remark["comment"],
                                             "commentUserId": user_id},
                   app=_app_in(key))

    def save_template(self, process_code: str = "", language: str = "zh") -> str:
        """Create the 软件停用申请 template with exactly the kit's fields, named in the
        workspace's ``language`` (its approvers'), or update the template ``process_code`` (or
        the one already named so); return its processCode."""
        if not process_code:
            # Only a definite "none": a successful answer without a processCode. Any error of
            # the lookup (a 5xx, a timeout, a limit, the quota) stops here, creating nothing:
            # taken as "none yet" it would create a second template.
            try:
                found = self._call("process_code_by_name", params={"name": TEMPLATE_NAME})
            except PlatformError as exc:
                raise platform_error("create-template", "platform.template_lookup",
                                     name=TEMPLATE_NAME, detail=exc.detail) from None
            process_code = (found.get("result") or {}).get("processCode") or ""
        body = {"name": TEMPLATE_NAME, "description": TEMPLATE_DESCRIPTION,
                "formComponents": form_components(language)}
        if process_code:
            body["processCode"] = process_code
        answer = self._call("form_create", json=body, idempotent=bool(process_code))
        return answer["result"]["processCode"]

    def notify(self, notification: Notification, *, key: str) -> str:
        text = f"{notification.title}\n\n{notification.text}"
        if notification.channel == "robot":
            return self._robot_send(text, key)
        if not self.settings.agent_id:
            raise platform_error("notify", "platform.no_notify_agent")
        users = list(notification.user_ids)
        depts = _longs(notification.dept_ids, "department")
        if not (users or depts):
            raise platform_error("notify", "platform.nobody_to_notify")
        tasks = []
        chunks = list(zip_longest(
            [users[i:i + MAX_USERS] for i in range(0, len(users), MAX_USERS)],
            [depts[i:i + MAX_DEPTS] for i in range(0, len(depts), MAX_DEPTS)]))
        for number, (user_chunk, dept_chunk) in enumerate(chunks):
            body = {"agent_id": self.settings.agent_id,
                    "msg": {"msgtype": "text", "text": {"content": text}}}
            if user_chunk:
                body["userid_list"] = ",".join(user_chunk)
            if dept_chunk:
                body["dept_id_list"] = ",".join(map(str, dept_chunk))
            # DingTalk drops a repeat silently: never guess, never repeat.
            tasks.append(str(self._create(f"{key}#{number}", "notify", "work_notice", body,
                                          "task_id", agent_id=self.settings.agent_id,
                                          chunk=number, chunks=len(chunks))))
        return ",".join(tasks)

    def _robot_send(self, text: str, key: str) -> str:
        """Post to the notification robot. After its limit answer (errcode 410100) the robot
        is blocked for 10 minutes: that time is kept in ``platform/notify-robot.json`` and
        every send until then is deferred at once (``PlatformDeferred``, nothing sent), never
        waited out in-process."""
        token, secret = self._robot
        if not (token and secret):
            raise platform_error("robot", "platform.no_robot")
        blocked = float(self._robot_state().get("blocked_until", 0))
        if time.time() < blocked:
            raise _deferred("robot", blocked)

        def send() -> str:
            timestamp = str(round(time.time() * 1000))
            digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                              hashlib.sha256).digest()
            params = {"access_token": token, "timestamp": timestamp,
                      "sign": base64.b64encode(digest).decode()}  # httpx url-encodes it
            try:
                self._send(ENDPOINTS["robot_send"], {}, params=params,
                           json={"msgtype": "text", "text": {"content": text}})
            except PlatformDeferred:
                until = time.time() + OLD_RATE_LIMIT_WINDOWS[ROBOT_LIMIT]
                self._robot_state(blocked_until=until)
                raise _deferred("robot", until) from None
            return key

        if self.manual is None:
            return send()
        return self.manual.attempt(key, key.split(":", 1)[0], "notify", text, send)


ROBOT_LIMIT = 410100  # the group robot: 20 messages a minute, then blocked for 10 minutes
ROBOT_STATE_NAME = "notify-robot.json"


def _app_in(key: str) -> str:
    """The app a step's key is about (``bi-pro:pi-1:notify-before`` → ``bi-pro``)."""
    return key.split(":", 1)[0]


def _deferred(operation: str, until: float) -> PlatformDeferred:
    return platform_error(operation, "platform.robot_blocked",
                          until=time.strftime("%H:%M:%S", time.localtime(until)),
                          error_class=PlatformDeferred)


def _unknown(operation: str, what: Said) -> PlatformTimeout:
    """No answer to a call that may have taken effect (``what`` happened)."""
    return platform_error(operation, "platform.unknown_effect", what=what,
                          error_class=PlatformTimeout, retryable=True)


def _joined(parts: Sequence[str]) -> Said:
    """Parts (each a ``Said`` or a plain text) joined as each language lists them."""
    return Said({lang: t("platform.list_separator", lang).join(in_language(p, lang)
                                                               for p in parts)
                 for lang in LANGUAGES})


def _old_style(operation: str, body: dict) -> dict:
    code = body["errcode"]
    if code == 0:
        return body
    sub = body.get("sub_code")
    if code in OLD_TOKEN_ERRCODES or (code == 88 and sub is not None
                                      and str(sub).lstrip("-").isdigit()
                                      and int(sub) in OLD_TOKEN_ERRCODES):
        raise _TokenRefused()
    if code in OLD_QUOTA_ERRCODES:
        raise _quota(operation, f"errcode {code}")
    text = f"errcode {code}: {body.get('errmsg', '')}"
    if sub:
        text += f" (sub_code {sub}: {body.get('sub_msg', '')})"
    detail = said("platform.answered", text=text)  # DingTalk's own words, as it said them
    if code == ROBOT_LIMIT:  # the group robot's limit: blocked for its window, never waited out
        raise platform_error(operation, detail, error_class=PlatformDeferred)
    if code in OLD_RATE_LIMIT_WINDOWS:  # refused, not done
        raise _rate_limited(operation, detail, OLD_RATE_LIMIT_WINDOWS[code])
    raise platform_error(operation, detail)


def _masked(error: PlatformError, token: str) -> PlatformError:
    """The error with the token (and every other known secret) masked in its text: a server
    may echo the token it was sent, and the error reaches the ledger, notebooks, the CLI."""
    def masked(text: str) -> str:
        return scrub(text, [token] if token else [], tokens=False)

    forms = getattr(error.detail, "by_language", None)
    detail = Said({lang: masked(x) for lang, x in forms.items()}) if forms else masked(
        error.detail)
    error.detail = detail
    error.args = (error.operation, detail, error.retryable)
    if getattr(error, "said", None):  # the reader's forms hold the detail too
        error.said = {lang: masked(x) for lang, x in error.said.items()}
    return error


_PATH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_@-]{0,63}")
_AGENT_ID = re.compile(r"[0-9]{1,19}")


def _path_value(operation: str, name: str, value: object) -> str:
    """An id as it goes into a URL path, refused before any call unless it is one: an agentId
    is a number; a user id letters, digits, '_', '@', '-' (never '/', '.', '%')."""
    text = str(value)
    pattern = _AGENT_ID if name == "agentId" else _PATH_ID
    if not pattern.fullmatch(text):
        raise platform_error(operation, "platform.not_an_id", name=name, value=repr(text[:40]))
    return text


def _longs(ids: tuple[str, ...], what: str) -> list[int]:
    """DingTalk's department and role ids are Longs; a name is refused before any call."""
    bad = [x for x in ids if not str(x).isdigit()]
    if bad:
        raise platform_error("scope", f"platform.not_{what}_ids", bad=len(bad), all=len(ids))
    return [int(x) for x in ids]


def _title_of(request: ApprovalRequest) -> str:
    """The title field's name in the language the form's other fields are named in (the
    workspace's: one language per reader)."""
    return form_title("en" if labels("en")["app"] in request.form else "zh")


def create_template(workspace: WorkspaceLike) -> str:
    """Create the 软件停用申请 template on DingTalk with exactly the kit's fields, or update the
    one already configured or named so (never a second copy); record its processCode in
    decomkit.toml and return it."""
    settings = workspace.config.dingtalk
    with DingTalkPlatform(settings, secret("dingtalk_app_key") or "",
                          secret("dingtalk_app_secret") or "",
                          calls=workspace.root / "platform" / CALLS_NAME) as platform:
        code = platform.save_template(settings.process_code, workspace.config.language)
    write_setting(workspace.root / CONFIG_NAME, "dingtalk", "process_code", code)
    return code
