"""DingTalk's Open API (see shared/reference/dingtalk-openapi.md).

* One cached token per app key (new style and old style), refreshed before expiry and once more
  when the server says it expired (HTTP 401 / errcode 42001 or 40014).
* Backoff with jitter on rate limits (90002 and the other 900xx, 403 QPS codes, 400
  qps.exceed.limit / request.too.fast), on -1 "system busy" and on 5xx. A POST that may have
  taken effect (a 5xx or a timeout) is retried only when repeating it is harmless.
* The per-IP ban answers with HTML or ``{"status": 1111, "wait": 5}``: reported, never a crash.
* No API re-enables an app or unlinks an association: those raise ``ManualStepRequired`` with
  the console steps; the undocumented disable call falls back to the same when it fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from decomkit.config import DingTalk
from decomkit.errors import ManualStepRequired, PlatformError, PlatformTimeout
from decomkit.platforms.base import (
    AppInfo,
    ApprovalRequest,
    ApprovalStatus,
    Notification,
    Platform,
    Scope,
)

STATUS = {0: "disabled", 1: "enabled", 3: "expired"}
RATE_LIMIT_CODES = {"Forbidden.AccessDenied.QpsLimitForApi",
                    "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                    "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi", "qps.exceed.limit",
                    "request.too.fast"}
OLD_RATE_LIMITS = {90001, 90002, *range(90003, 90015), 90017, -1, 410100}
TOKEN_EXPIRED = {42001, 40014}
MAX_LIST = 100  # ids per add/del list in one scope call


class _Retry(Exception):
    """A failure that was rejected before taking effect, or is harmless to repeat."""

    def __init__(self, error: PlatformError):
        self.error = error


class _TokenExpired(Exception):
    pass


class DingTalkPlatform(Platform):
    name = "dingtalk"

    def __init__(self, settings: DingTalk, app_key: str, app_secret: str, *,
                 robot_token: str | None = None, robot_secret: str | None = None,
                 timeout: float = 10.0, attempts: int = 5, max_wait: float = 8.0,
                 manual: Platform | None = None):
        if not (app_key and app_secret):
            raise PlatformError("connect", "DingTalk credentials missing: set "
                                "DECOMKIT_DINGTALK_APP_KEY and DECOMKIT_DINGTALK_APP_SECRET")
        self.settings = settings
        self._key, self._secret = app_key, app_secret
        self._robot = (robot_token, robot_secret)
        self._http = httpx.Client(timeout=timeout)
        self._tokens: dict[str, tuple[str, float]] = {}  # "new"/"old" → (token, valid until)
        self._attempts, self._max_wait = attempts, max_wait
        self.manual = manual  # records the steps no API can do

    def __repr__(self) -> str:  # never show credentials
        return f"DingTalkPlatform({self.settings.api_base})"

    # ------------------------------------------------------------ transport

    def _token(self, style: str) -> str:
        token, until = self._tokens.get(style, ("", 0.0))
        if until - 60 > time.time():
            return token
        if style == "new":
            answer = self._send("POST", f"{self.settings.api_base}/v1.0/oauth2/accessToken",
                                json={"appKey": self._key, "appSecret": self._secret},
                                style="new", auth=False, idempotent=True)
            token, ttl = answer["accessToken"], answer["expireIn"]
        else:
            answer = self._send("GET", f"{self.settings.oapi_base}/gettoken",
                                params={"appkey": self._key, "appsecret": self._secret},
                                style="old", auth=False, idempotent=True)
            token, ttl = answer["access_token"], answer["expires_in"]
        self._tokens[style] = (token, time.time() + float(ttl))
        return token

    def _call(self, method: str, path: str, *, json: dict | None = None,
              params: dict | None = None, idempotent: bool, style: str = "new") -> dict:
        base = self.settings.api_base if style == "new" else self.settings.oapi_base
        url = f"{base}{path}"
        for attempt in range(2):  # a second time only after refreshing an expired token
            try:
                return self._send(method, url, json=json, params=params, style=style,
                                  auth=True, idempotent=idempotent)
            except _TokenExpired:
                self._tokens.pop(style, None)
                if attempt:
                    raise PlatformError(path, "the access token was refused twice; check the "
                                        "app key and secret") from None
        raise AssertionError

    def _send(self, method: str, url: str, *, json=None, params=None, style: str, auth: bool,
              idempotent: bool) -> dict:
        operation = urllib.parse.urlsplit(url).path

        def once() -> dict:
            headers, query = {}, dict(params or {})
            if auth and style == "new":
                headers["x-acs-dingtalk-access-token"] = self._token("new")
            elif auth:
                query["access_token"] = self._token("old")
            try:
                response = self._http.request(method, url, json=json, params=query,
                                              headers=headers)
            except httpx.TimeoutException:
                error = PlatformTimeout(operation)
                raise (_Retry(error) if idempotent else error) from None
            except httpx.TransportError as exc:
                error = PlatformError(operation, f"network error: {exc}", retryable=True)
                raise _Retry(error) from None
            return self._answer(operation, response, style, idempotent)

        retrying = Retrying(stop=stop_after_attempt(self._attempts),
                            wait=wait_random_exponential(multiplier=0.2, max=self._max_wait),
                            retry=retry_if_exception(lambda e: isinstance(e, _Retry)),
                            reraise=True)
        try:
            return retrying(once)
        except _Retry as exc:
            raise exc.error from None

    @staticmethod
    def _answer(operation: str, response: httpx.Response, style: str, idempotent: bool) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("status") == 1111:
            # The per-IP ban: HTML or {"status": 1111, "wait": 5}; retrying now only prolongs it.
            raise PlatformError(operation, f"DingTalk refused this machine's IP (HTTP "
                                f"{response.status_code}, banned for about 5 minutes after too "
                                "many calls); wait, then run again", retryable=True)
        if style == "old" and "errcode" in body:
            code = body["errcode"]
            if code == 0:
                return body
            if code in TOKEN_EXPIRED:
                raise _TokenExpired()
            error = PlatformError(operation, f"errcode {code}: {body.get('errmsg', '')}",
                                  retryable=code in OLD_RATE_LIMITS)
            raise _Retry(error) if code in OLD_RATE_LIMITS else error
        if response.status_code < 400:
            return body
        code = str(body.get("code", ""))
        if response.status_code == 401:
            raise _TokenExpired()
        message = f"HTTP {response.status_code} {code}: {body.get('message', '')}"
        if code in RATE_LIMIT_CODES or response.status_code == 429:  # refused, not done: repeat
            raise _Retry(PlatformError(operation, message, retryable=True))
        if response.status_code >= 500:
            error = PlatformError(operation, message, retryable=True)
            raise _Retry(error) if idempotent else error
        if code == "Forbidden.AccessDenied.AccessTokenPermissionDenied":
            message += " (grant the app the permission in the developer console)"
        raise PlatformError(operation, message)

    # ------------------------------------------------------------ reads

    def _apps(self, inner: bool = False) -> list[dict]:
        path = "/v1.0/microApp/allInnerApps" if inner else "/v1.0/microApp/allApps"
        return self._call("GET", path, idempotent=True)["appList"]

    def list_apps(self) -> list[AppInfo]:
        return [AppInfo(str(a["agentId"]), a["name"], STATUS.get(a["appStatus"], "disabled"),
                        Scope(), ()) for a in self._apps()]

    def get_app(self, app_id: str) -> AppInfo:
        app = next((a for a in self._apps() if str(a["agentId"]) == app_id), None)
        if app is None:
            raise PlatformError("get_app", f"no app with agentId {app_id} in this organisation")
        raw = self._call("GET", f"/v1.0/microApp/apps/{app_id}/scopes", idempotent=True)["result"]
        scope = Scope(tuple(raw.get("userIds", [])), tuple(str(d) for d in raw.get("deptIds", [])),
                      tuple(str(r) for r in raw.get("roleIds", [])),
                      bool(raw.get("onlyAdminVisible")))
        return AppInfo(app_id, app["name"], STATUS.get(app["appStatus"], "disabled"), scope, ())

    def is_admin(self, user_id: str, app_id: str) -> bool:
        return bool(self._call("GET", f"/v1.0/microApp/users/{user_id}/adminAccess",
                               idempotent=True)["result"])

    def visible_to(self, user_id: str, app_id: str) -> bool:
        apps = self._call("GET", f"/v1.0/microApp/users/{user_id}/apps", idempotent=True)
        return any(str(a["agentId"]) == app_id for a in apps["appList"])

    def approval_status(self, instance_id: str) -> ApprovalStatus:
        raw = self._call("GET", "/v1.0/workflow/processInstances",
                         params={"processInstanceId": instance_id}, idempotent=True)["result"]
        records = tuple({"user_id": r.get("userId"), "result": r.get("result"),
                         "comment": r.get("remark", ""), "date": r.get("date")}
                        for r in raw.get("operationRecords", []))
        return ApprovalStatus(instance_id, raw["status"], raw.get("result") or None, records)

    # ------------------------------------------------------------ changes

    def set_visible_scope(self, app_id: str, scope: Scope, *, key: str) -> None:
        """Move the scope to ``scope`` (setting a state is harmless to repeat)."""
        current = self.get_app(app_id).scope
        bodies = []
        for kind, now, want in (("User", current.user_ids, scope.user_ids),
                                ("Dept", current.dept_ids, scope.dept_ids),
                                ("Role", current.role_ids, scope.role_ids)):
            add = [x for x in want if x not in now]
            drop = [x for x in now if x not in want]
            for verb, ids in (("add", add), ("del", drop)):
                for start in range(0, len(ids), MAX_LIST):
                    chunk = ids[start:start + MAX_LIST]
                    bodies.append({f"{verb}{kind}Ids": chunk if kind == "User"
                                   else [int(x) if str(x).isdigit() else x for x in chunk]})
        bodies.append({"onlyAdminVisible": scope.only_admin_visible})
        for body in bodies:
            self._call("POST", f"/v1.0/microApp/apps/{app_id}/scopes", json=body,
                       idempotent=True)

    def disable(self, app_id: str, *, key: str) -> None:
        app = next((a for a in self._apps(inner=True) if str(a["agentId"]) == app_id), None)
        unified = app.get("unifiedAppId") if app else None
        try:
            if not unified:
                raise PlatformError("disable", "no unifiedAppId (not a self-built app)")
            answer = self._call("POST", "/v1.0/microApp/app/inactive", idempotent=True,
                                json={"unifiedAppId": unified,
                                      "userId": self.settings.operator_user_id})
            if not answer.get("success", False):
                raise PlatformError("disable", answer.get("message") or "success = false")
        except PlatformError as exc:
            if self.manual is not None:  # best effort failed: the console path, recorded
                return self.manual.disable(app_id, key=key)
            raise ManualStepRequired("disable", f"the disable API did not take it ({exc.detail});"
                                     " disable it in the admin console (应用管理 → 停用), then "
                                     "confirm the step") from None

    def enable(self, app_id: str, *, key: str) -> None:
        if self.manual is not None:
            return self.manual.enable(app_id, key=key)
        raise ManualStepRequired("enable", "DingTalk has no API to re-enable an app: open the "
                                 "admin console (应用管理), find it and click 启用, then confirm")

    def unlink(self, app_id: str, *, key: str) -> None:
        if self.manual is not None:
            return self.manual.unlink(app_id, key=key)
        raise ManualStepRequired("unlink", "DingTalk has no API to end a free association: "
                                 "应用管理 → the app → 解除关联, then confirm")

    def submit_approval(self, request: ApprovalRequest, *, key: str) -> str:
        body = {"originatorUserId": request.originator,
                "processCode": self.settings.process_code,
                "formComponentValues": [{"name": "标题", "value": request.title}]
                + [{"name": k, "value": str(v)} for k, v in request.form.items()],
                "approvers": [{"actionType": "NONE", "userIds": [u]} for u in request.approvers]}
        answer = self._call("POST", "/v1.0/workflow/processInstances", json=body,
                            idempotent=False)  # a repeat would open a second request
        return answer["instanceId"]

    def withdraw_approval(self, instance_id: str, operator: str, remark: str, *,
                          key: str) -> None:
        self._call("POST", "/v1.0/workflow/processInstances/terminate", idempotent=True,
                   json={"processInstanceId": instance_id, "isSystem": False, "remark": remark,
                         "operatingUserId": operator})

    def notify(self, notification: Notification, *, key: str) -> str:
        text = f"{notification.title}\n\n{notification.text}"
        if notification.channel == "robot":
            return self._robot_send(text, key)
        tasks = []
        users = list(notification.user_ids)
        for start in range(0, max(len(users), 1), MAX_LIST):
            answer = self._call(
                "POST", "/topapi/message/corpconversation/asyncsend_v2", style="old",
                idempotent=False,  # DingTalk drops repeats silently: never guess, never repeat
                json={"agent_id": self.settings.agent_id,
                      "userid_list": ",".join(users[start:start + MAX_LIST]),
                      "msg": {"msgtype": "text", "text": {"content": text}}})
            tasks.append(str(answer.get("task_id")))
        return ",".join(tasks)

    def _robot_send(self, text: str, key: str) -> str:
        token, secret = self._robot
        if not (token and secret):
            raise PlatformError("robot", "set DECOMKIT_ROBOT_TOKEN and DECOMKIT_ROBOT_SECRET")
        timestamp = str(round(time.time() * 1000))
        digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                          hashlib.sha256).digest()
        params = {"access_token": token, "timestamp": timestamp,
                  "sign": base64.b64encode(digest).decode()}  # httpx url-encodes it
        answer = self._send("POST", f"{self.settings.oapi_base}/robot/send", params=params,
                            json={"msgtype": "text", "text": {"content": text}, "msgUuid": key},
                            style="old", auth=False, idempotent=True)  # msgUuid dedupes
        return key if answer.get("errcode") == 0 else ""
