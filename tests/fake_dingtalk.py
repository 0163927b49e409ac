"""A strict local DingTalk server, true to the official contract (the SDK ``alibabacloud-dingtalk``
checks it: tests/test_dingtalk_contract.py).

* Every request is validated before it is served: the route (method and path; an unknown one
  gets the gateway's 404 shape), the token where the style puts it (new style: header
  ``x-acs-dingtalk-access-token``; old style: ``?access_token=``), required fields, field
  types (agentId and department ids are Longs, user ids strings), unknown fields. A bad request
  is HTTP 400 ``MissingParameter``/``InvalidParameter`` (old style: errcode 40035).
* Answers have the documented shapes and types: ``agentId`` an int, process-instance times
  strings, ``allInnerApps`` self-built apps only; an invalid or expired token is HTTP 400
  ``InvalidAuthentication`` (old style errcode 88 with sub_code 40014/42001).
* The organisation is data (``Organisation``): tests build it, a larger one can be swapped in.
  Adding an endpoint is one ``Route`` row in ``ROUTES`` and one handler method.
* Every request is logged (secrets masked): ``log``, ``save_log(path)``; every change of who can
  see an app is recorded in ``exposures``. Faults are queued with ``fail``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

APP_KEY, APP_SECRET = "ding-test-key", "ding-test-secret-value"
ROBOT_TOKEN, ROBOT_SECRET = "robot-token", "SECtest-robot-secret"
SECRET_KEYS = {"appSecret", "appsecret", "access_token", "accessToken", "sign",
               "x-acs-dingtalk-access-token"}
FAULTS = {
    "qps": (403, {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "qps"}),
    "quota": (403, {"code": "Forbidden.AccessDenied.ApiCountLimitForOrg",
                    "message": "api count limit for org"}),
    "500": (500, {"code": "InternalError", "message": "boom"}),
    "429": (429, {"code": "Throttling", "message": "too many requests"}),
    "invalid_token": (400, {"code": "InvalidAuthentication", "message": "不合法的access_token"}),
    "90002": (200, {"errcode": 90002, "errmsg": "api rate limit"}),
    "90019": (200, {"errcode": 90019, "errmsg": "调用频率过高"}),
    # an internal (self-built) app over its per-API limit: the guide's old-style code
    "90018": (200, {"errcode": 90018, "errmsg": "当前应用调用该接口次数过多，请求被暂时限制了"}),
    "qps_app": (403, {"code": "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                      "message": "当前应用调用该接口次数过多，请求被暂时限制了"}),
    "qpm_app": (403, {"code": "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi",
                      "message": "当前应用每分钟调用该接口次数过多"}),
    "90020": (200, {"errcode": 90020, "errmsg": "api月调用量超限"}),
    "busy": (200, {"errcode": -1, "errmsg": "系统繁忙"}),
    "robot_fast": (200, {"errcode": 410100, "errmsg": "send too fast"}),
}
NOT_FOUND = {"code": "InvalidAction.NotFound",
             "message": "Specified api is not found, please check your url and method."}
OLD_NOT_FOUND = {"errcode": 404, "errmsg": "请求的URI地址不存在"}

# A field spec: a type (str, int, bool, dict), a list of one spec, or a dict of field → spec;
# a field name ending in "*" is required.
Spec = object


@dataclass
class App:
    agent_id: int
    name: str
    app_status: int = 1  # 0 disabled, 1 enabled, 3 expired
    self_built: bool = False
    user_ids: list[str] = field(default_factory=list)
    dept_ids: list[int] = field(default_factory=list)
    role_ids: list[int] = field(default_factory=list)
    only_admin_visible: bool = False
    admins: set[str] = field(default_factory=set)
    roles: list[dict] = field(default_factory=list)  # ListAppRoleScopes' dataList entries

    @property
    def unified_app_id(self) -> str:
        return f"uapp-{self.agent_id}" if self.self_built else ""


@dataclass
class User:
    user_id: str
    name: str
    dept_ids: list[int]
    leads: list[int] = field(default_factory=list)  # departments they manage (主管)


@dataclass
class Organisation:
    """What the server knows: departments (id → name), users, apps, approval templates."""

    departments: dict[int, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    org_admins: set[str] = field(default_factory=set)
    templates: dict[str, dict] = field(default_factory=dict)  # processCode → form

    def visible(self, user_id: str, agent_id: int) -> bool:
        """Whether the user can open the app (DingTalk's rule; an empty scope is everyone)."""
        app = self.apps[agent_id]
        if app.app_status != 1:
            return False
        if user_id in self.org_admins or user_id in app.admins:
            return True
        if app.only_admin_visible:
            return False
        if not (app.user_ids or app.dept_ids or app.role_ids):
            return True
        user = self.users.get(user_id)
        return user_id in app.user_ids or bool(user and set(user.dept_ids) & set(app.dept_ids))

    def ordinary_viewers(self, agent_id: int) -> list[str]:
        app = self.apps[agent_id]
        return [u for u in self.users if u not in self.org_admins | app.admins
                and self.visible(u, agent_id)]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # {name:int} or {name} path parameters
    auth: str  # header | query | robot | none
    handler: str  # FakeDingTalk method name
    query: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)

    @property
    def old_style(self) -> bool:
        return not self.pattern.startswith("/v1.0/")

    def match(self, path: str) -> dict | None:
        regex = re.sub(r"\{(\w+)(?::int)?\}", r"(?P<\1>[^/]+)", self.pattern)
        found = re.fullmatch(regex, path)
        return found.groupdict() if found else None

    def path_types(self) -> dict[str, type]:
        return {name: int if kind else str
                for name, kind in re.findall(r"\{(\w+)(:int)?\}", self.pattern)}


# Lists the SDK always sends (empty when unset) are fields too.
_FORM_VALUE = {"name*": str, "value*": str, "id": str, "bizAlias": str, "componentType": str,
               "extValue": str, "details": [dict]}
_COMPONENT = {"componentType*": str, "children": [dict], "props*": {
    "componentId": str, "label*": str, "required": bool, "placeholder": str, "format": str,
    "availableTemplates": [dict], "options": [dict], "statField": [dict]}}
ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1.0/oauth2/accessToken", "none", "access_token",
          body={"appKey*": str, "appSecret*": str}),
    Route("GET", "/gettoken", "none", "gettoken", query={"appkey*": str, "appsecret*": str}),
    Route("GET", "/v1.0/microApp/allApps", "header", "list_apps"),
    Route("GET", "/v1.0/microApp/allInnerApps", "header", "list_inner_apps"),
    Route("GET", "/v1.0/microApp/users/{userId}/apps", "header", "user_apps"),
    Route("GET", "/v1.0/microApp/apps/{agentId:int}/scopes", "header", "get_scope"),
    Route("POST", "/v1.0/microApp/apps/{agentId:int}/scopes", "header", "set_scope",
          body={"addUserIds": [str], "delUserIds": [str], "addDeptIds": [int],
                "delDeptIds": [int], "addRoleIds": [int], "delRoleIds": [int],
                "onlyAdminVisible": bool}),
    Route("GET", "/v1.0/microApp/apps/{agentId:int}/users/{userId}/adminAccess", "header",
          "admin_access"),
    Route("POST", "/v1.0/microApp/app/inactive", "header", "inactive_app",
          body={"unifiedAppId*": str, "userId*": str}),
    Route("POST", "/v1.0/workflow/processInstances", "header", "start_approval",
          body={"originatorUserId*": str, "processCode*": str, "deptId": int,
                "formComponentValues*": [_FORM_VALUE],
                "approvers": [{"actionType*": str, "userIds*": [str]}],
                "ccList": [str], "ccPosition": str, "microappAgentId": int,
                "targetSelectActioners": [dict], "bizDetailPageUrl": str}),
    Route("POST", "/v1.0/workflow/processes/instanceIds/query", "header", "list_instance_ids",
          body={"processCode*": str, "startTime*": int, "endTime": int, "nextToken*": int,
                "maxResults*": int, "userIds": [str], "statuses": [str]}),
    Route("GET", "/v1.0/workflow/processInstances", "header", "get_approval",
          query={"processInstanceId*": str}),
    Route("POST", "/v1.0/workflow/processInstances/terminate", "header", "terminate_approval",
          body={"processInstanceId*": str, "isSystem": bool, "remark": str,
                "operatingUserId": str}),
    Route("POST", "/v1.0/workflow/processInstances/comments", "header", "comment_approval",
          body={"processInstanceId*": str, "text*": str, "commentUserId*": str,
                "file": {"photos": [str], "attachments": [dict]}}),
    Route("GET", "/v1.0/workflow/forms/schemas/processCodes", "header", "form_schema",
          query={"processCode*": str, "appUuid": str}),
    Route("GET", "/v1.0/workflow/processCentres/schemaNames/processCodes", "header",
          "process_code_by_name", query={"name*": str}),
    Route("POST", "/v1.0/workflow/forms", "header", "form_create",
          body={"processCode": str, "name*": str, "description": str,
                "formComponents*": [_COMPONENT], "templateConfig": dict}),
    Route("GET", "/v1.0/microApp/apps/{agentId:int}/roles", "header", "app_roles",
          query={"nextToken": str, "size": str}),
    Route("POST", "/topapi/v2/department/listsub", "query", "dept_listsub",
          body={"dept_id": int, "language": str}),  # documented optional: the root (1)
    Route("POST", "/topapi/v2/user/list", "query", "user_list",
          body={"dept_id": int, "cursor*": int, "size*": int, "order_field": str,
                "contain_access_limit": bool, "language": str}),
    Route("POST", "/topapi/v2/user/get", "query", "user_get",
          body={"userid*": str, "language": str}),
    Route("POST", "/topapi/message/corpconversation/asyncsend_v2", "query", "work_notice",
          body={"agent_id*": int, "userid_list": str, "dept_id_list": str, "to_all_user": bool,
                "msg*": {"msgtype*": str, "text": {"content*": str},
                         "markdown": {"title*": str, "text*": str}}}),
    Route("POST", "/topapi/message/corpconversation/getsendprogress", "query", "send_progress",
          body={"agent_id*": int, "task_id*": int}),
    Route("POST", "/robot/send", "robot", "robot_send",
          body={"msgtype*": str, "text": {"content*": str},
                "markdown": {"title*": str, "text*": str},
                "at": {"atUserIds": [str], "atMobiles": [str], "isAtAll": bool}}),
)


READ_HANDLERS = {"user_get", "dept_listsub", "user_list", "list_instance_ids",
                 "send_progress"}  # old-style reads are POSTs


class Invalid(Exception):
    """The request breaks the contract: a 400 (old style: errcode 40035)."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code, self.message = code, message


def check(spec: Spec, value: object, where: str) -> None:
    """Validate ``value`` against ``spec``; raise Invalid naming the first problem."""
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise Invalid("InvalidParameter", f"{where} must be a list")
        for i, item in enumerate(value):
            check(spec[0], item, f"{where}[{i}]")
    elif isinstance(spec, dict):
        if not isinstance(value, dict):
            raise Invalid("InvalidParameter", f"{where} must be an object")
        fields = {k.rstrip("*"): k.endswith("*") for k in spec}
        for name, required in fields.items():
            if required and value.get(name) in (None, "", []):
                raise Invalid("MissingParameter", f"{where}.{name} is required".lstrip("."))
        for name, item in value.items():
            if name not in fields:
                raise Invalid("InvalidParameter", f"{where}.{name} is not a field of this "
                              "API".lstrip("."))
            check(spec.get(name, spec.get(name + "*")), item, f"{where}.{name}".lstrip("."))
    elif spec is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise Invalid("InvalidParameter", f"{where} must be a Long (number)")
    elif spec is not int and not isinstance(value, spec):
        raise Invalid("InvalidParameter", f"{where} must be {spec.__name__}")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")  # DingTalk's instance times


def mask(data):
    if isinstance(data, dict):
        return {k: "***" if k in SECRET_KEYS else mask(v) for k, v in data.items()}
    if isinstance(data, list):
        return [mask(v) for v in data]
    return data


class FakeDingTalk:
    def __init__(self, org: Organisation, token_lifetime: float = 7200, contacts=None):
        self.org = org
        # A larger organisation (tests/fake_org.FakeOrg) may answer the calls it models; the
        # request is validated here first all the same.
        self.contacts = contacts
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, float] = {}
        self.instances: dict[str, dict] = {}
        self.created: dict[str, tuple[str, int]] = {}  # instance → (processCode, created ms)
        self.messages: list[dict] = []
        self.log: list[dict] = []
        self.exposures: list[tuple[int, list[str]]] = []  # (agentId, ordinary viewers) per change
        self.faults: list[dict] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeDingTalk:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def configure(self, root: Path, agent_ids: dict[str, int], operator: str = "it-admin",
              more: tuple[tuple[str, str], ...] = ()) -> None:
        """Point the workspace at ``root`` at this server, as an operator would configure it
        (``decomkit.toml``): platform ``dingtalk``, both API hosts, ``operator`` as the
        operator, each app's agentId (``agent_ids``), then the ``(old, new)`` changes in
        ``more``. The app key and secret (``APP_KEY``, ``APP_SECRET``) go in the environment,
        which is the caller's to set (``monkeypatch.setenv`` in tests)."""
        config = root / "decomkit.toml"
        text = (config.read_text(encoding="utf-8")
                .replace('platform = "sandbox"', 'platform = "dingtalk"')
                .replace("https://api.dingtalk.com", self.url)
                .replace("https://oapi.dingtalk.com", self.url)
                .replace('operator_user_id = ""', f'operator_user_id = "{operator}"'))
        for old, new in more:
            text = text.replace(old, new)
        text += "".join(f'"{app}" = {agent}\n' for app, agent in agent_ids.items())
        config.write_text(text, encoding="utf-8")

    # -------------------------------------------------------------- test controls

    def fail(self, path: str, kind: str, count: int = 1, *, after: int = 0,
             method: str | None = None) -> None:
        """The next ``count`` calls whose path contains ``path`` (and of ``method``), after
        ``after`` of them went through, get fault ``kind``: one of FAULTS, 'ban_html',
        'ban_json', '502_html', '504_empty' (a gateway's answers, the call never served),
        'timeout' (answers after 3 s), 'hang' (never answers), or one that lets the
        call take effect and loses its answer: 'drop_after' (the connection is closed without
        an answer), '502_after' (the gateway's HTML 502 instead of the answer)."""
        self.faults.append({"path": path, "kind": kind, "count": count, "after": after,
                            "method": method})

    def expire_tokens(self) -> None:
        self.tokens = {t: 0.0 for t in self.tokens}

    def revoke_tokens(self) -> None:
        """Tokens invalidated early (a secret reset): unknown from now on."""
        self.tokens = {}

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(e["method"], e["path"]) for e in self.log]

    def count(self, path: str, method: str | None = None) -> int:
        return sum(1 for m, p in self.calls if path in p and method in (None, m))

    def changing_calls(self) -> list[str]:
        """Paths of the calls that change something (reads sent as POST excluded)."""
        changing = {r.pattern for r in ROUTES if r.method == "POST" and r.auth != "none"
                    and r.handler not in READ_HANDLERS}
        return [e["path"] for e in self.log if e["method"] == "POST"
                and any(r.match(e["path"]) is not None for r in ROUTES
                        if r.pattern in changing)]

    def save_log(self, path: Path) -> Path:
        """The request log as JSON lines (secrets masked): kept as a test artifact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.log),
                        encoding="utf-8")
        return path

    def act(self, instance_id: str, user: str, result: str, remark: str = "") -> None:
        """An approver acts in the DingTalk app."""
        inst = self.instances[instance_id]
        inst["operationRecords"].append({"userId": user, "result": result.upper(),
                                         "remark": remark, "date": _now(),
                                         "type": "EXECUTE_TASK_NORMAL", "showName": "审批人"})
        if result == "refuse":
            inst.update(status="COMPLETED", result="refuse", finishTime=_now())
        elif all(u in {r["userId"] for r in inst["operationRecords"]}
                 for u in inst["approverUserIds"]):
            inst.update(status="COMPLETED", result="agree", finishTime=_now())

    def comment(self, instance_id: str, user: str, remark: str) -> None:
        """A comment (评论) on a request, in the DingTalk app or through the comment call."""
        self.instances[instance_id]["operationRecords"].append(
            {"userId": user, "result": "NONE", "remark": remark, "date": _now(),
             "type": "ADD_REMARK", "showName": "评论"})

    # -------------------------------------------------------------- the server

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def do_DELETE(self):
                self._serve("DELETE")

            def _send(self, status: int, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(
                    body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                entry = {"method": method, "path": url.path, "query": mask(query),
                         "header_token": bool(self.headers.get("x-acs-dingtalk-access-token"))}
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = None
                entry["body"] = mask(body)
                with fake.lock:
                    fake.log.append(entry)
                    fault = fake._take_fault(method, url.path)
                if fault:
                    entry["fault"] = fault
                    if fault == "ban_html":
                        return self._send(403, b"<html><body>Access denied: IP banned</body>"
                                               b"</html>", "text/html")
                    if fault == "ban_json":
                        return self._send(403, {"status": 1111, "wait": 5, "source": "x5",
                                                "punish": "deny", "uuid": "fake"})
                    if fault == "502_html":  # the gateway's page, the call never served
                        return self._send(502, b"<html><body>502 Bad Gateway</body></html>",
                                          "text/html")
                    if fault == "504_empty":
                        return self._send(504, b"", "text/plain")
                    if fault in ("timeout", "hang"):
                        time.sleep(3 if fault == "timeout" else 3600)
                    elif fault not in ("drop_after", "502_after"):
                        return self._send(*FAULTS[fault])
                with fake.lock:
                    status, answer = fake.serve(method, url.path, query, body,
                                                self.headers.get("x-acs-dingtalk-access-token"))
                entry["status"] = status
                entry["answer"] = mask(answer)
                if fault == "drop_after":  # done, and the connection closed without an answer
                    self.close_connection = True
                    return None
                if fault == "502_after":
                    return self._send(502, b"<html><head><title>502 Bad Gateway</title></head>"
                                           b"<body>502 Bad Gateway</body></html>", "text/html")
                self._send(status, answer)

        return Handler

    def _take_fault(self, method: str, path: str) -> str | None:
        for fault in self.faults:
            if fault["path"] in path and fault["method"] in (None, method) and fault["count"]:
                if fault["after"]:
                    fault["after"] -= 1
                    return None
                fault["count"] -= 1
                return fault["kind"]
        return None

    def serve(self, method: str, path: str, query: dict, body, header_token: str | None):
        """(HTTP status, answer) for one request."""
        candidates = [(r, p) for r in ROUTES if (p := r.match(path)) is not None]
        route, params = next(((r, p) for r, p in candidates if r.method == method),
                             (None, None))
        old = not path.startswith("/v1.0/")
        if route is None:
            if old and path.startswith("/topapi/"):  # live: HTTP 200, errcode 22, the ApiName
                name = "dingtalk.oapi." + ".".join(path.split("/")[2:])
                return 200, {"errcode": 22, "errmsg": f"Invalid method[submsg=不合法ApiName，"
                             f"ApiName = {name}]", "sub_msg": f"不合法ApiName，ApiName = {name}",
                             "request_id": "fake"}
            return (200, OLD_NOT_FOUND) if old else (404, {**NOT_FOUND, "requestid": "fake"})
        refused = self._authenticate(route, query, header_token)
        if refused:
            return refused
        try:
            if body is None or (route.method == "GET" and body):
                raise Invalid("InvalidParameter", "the body is not JSON for this API")
            for name, kind in route.path_types().items():
                if kind is int and not params[name].isdigit():
                    raise Invalid("InvalidParameter", f"{name} must be a Long (number)")
                params[name] = kind(params[name])
            check({k: str for k in route.query} if route.query else {}, {
                k: v for k, v in query.items()
                if k not in ("access_token", "timestamp", "sign")}, "")
            check(route.body, body, "")
            if self.contacts is not None and (
                    answer := self.contacts.route(method, path, query, body)):
                return answer
            return getattr(self, route.handler)(query=query, body=body, **params)
        except Invalid as exc:
            if route.old_style:
                return 200, {"errcode": 40035, "errmsg": f"不合法的参数: {exc.message}"}
            return 400, {"code": exc.code, "message": exc.message, "requestid": "fake"}

    def _authenticate(self, route: Route, query: dict, header_token: str | None):
        if route.auth == "header":
            if header_token is None:  # live: the token anywhere but the header is missing
                return 400, {"code": "AuthenticationFailed.MissingParameter",
                             "message": "缺少参数：x-acs-dingtalk-access-token",
                             "requestid": "fake"}
            if header_token not in self.tokens or self.tokens[header_token] <= time.time():
                return 400, {"code": "InvalidAuthentication", "message": "不合法的access_token",
                             "requestid": "fake"}
        elif route.auth == "query":
            token = query.get("access_token")
            if token not in self.tokens:
                return 200, {"errcode": 88, "errmsg": "ding talk error[subcode=40014]",
                             "sub_code": "40014", "sub_msg": "不合法的access_token"}
            if self.tokens[token] <= time.time():
                return 200, {"errcode": 88, "errmsg": "ding talk error[subcode=42001]",
                             "sub_code": "42001", "sub_msg": "access_token已过期"}
        elif route.auth == "robot":
            if query.get("access_token") != ROBOT_TOKEN:
                return 200, {"errcode": 300001, "errmsg": "token is not exist"}
            timestamp = query.get("timestamp", "0")
            expected = base64.b64encode(hmac.new(ROBOT_SECRET.encode(),
                                                 f"{timestamp}\n{ROBOT_SECRET}".encode(),
                                                 hashlib.sha256).digest()).decode()
            if (query.get("sign") != expected or not timestamp.isdigit()
                    or abs(time.time() * 1000 - int(timestamp)) > 3600e3):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        return None

    def _new_token(self) -> tuple[str, int]:
        valid = [t for t, until in self.tokens.items() if until > time.time()]
        if valid:  # asking again while valid returns the same token, its lifetime renewed
            self.tokens[valid[0]] = time.time() + self.token_lifetime
            return valid[0], int(self.token_lifetime)
        token = f"tok-{next(self._ids)}"
        self.tokens[token] = time.time() + self.token_lifetime
        return token, int(self.token_lifetime)

    # -------------------------------------------------------------- handlers

    def access_token(self, body, **_):
        if (body["appKey"], body["appSecret"]) != (APP_KEY, APP_SECRET):
            return 400, {"code": "invalidClientIdOrSecret",
                         "message": "无效的clientId或者clientSecret", "requestid": "fake"}
        token, expire = self._new_token()
        return 200, {"accessToken": token, "expireIn": expire}

    def gettoken(self, query, **_):
        if (query["appkey"], query["appsecret"]) != (APP_KEY, APP_SECRET):
            return 200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
        token, expire = self._new_token()
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expire}

    def _app_json(self, app: App, inner: bool = False) -> dict:
        answer = {"agentId": app.agent_id, "name": app.name, "desc": "", "icon": "",
                  "homepageLink": "", "pcHomepageLink": "", "ompLink": "",
                  "appId": 0 if app.self_built else 10_000 + app.agent_id,
                  "appStatus": app.app_status, "developType": 0}
        if inner:
            answer["unifiedAppId"] = app.unified_app_id
        return answer

    def _app(self, agent_id: int) -> App:
        if agent_id not in self.org.apps:
            raise Invalid("InvalidParameter", "agentId: no such app in this organisation")
        return self.org.apps[agent_id]

    def list_apps(self, **_):
        return 200, {"appList": [self._app_json(a) for a in self.org.apps.values()]}

    def list_inner_apps(self, **_):  # self-built apps only
        return 200, {"appList": [self._app_json(a, inner=True) for a in self.org.apps.values()
                                 if a.self_built]}

    def user_apps(self, userId, **_):
        return 200, {"appList": [self._app_json(a, inner=True) for a in self.org.apps.values()
                                 if self.org.visible(userId, a.agent_id)]}

    def get_scope(self, agentId, **_):
        app = self._app(agentId)
        return 200, {"result": {"userIds": list(app.user_ids), "deptIds": list(app.dept_ids),
                                "roleIds": list(app.role_ids),
                                "onlyAdminVisible": app.only_admin_visible}}

    def set_scope(self, agentId, body, **_):
        app = self._app(agentId)
        lists = [v for k, v in body.items() if k != "onlyAdminVisible"]
        if any(len(ids) > 100 for ids in lists) or sum(map(len, lists)) > 2000:
            raise Invalid("InvalidParameter", "at most 100 ids per list and 2000 in total")
        unknown = [d for d in body.get("addDeptIds", []) if d not in self.org.departments]
        if unknown:
            raise Invalid("InvalidParameter", "addDeptIds: unknown department")
        for attr, kind in (("user_ids", "User"), ("dept_ids", "Dept"), ("role_ids", "Role")):
            gone = body.get(f"del{kind}Ids", [])
            kept = [x for x in getattr(app, attr) if x not in gone]
            setattr(app, attr, kept + [x for x in body.get(f"add{kind}Ids", []) if x not in kept])
        if "onlyAdminVisible" in body:
            app.only_admin_visible = body["onlyAdminVisible"]
        self.exposures.append((agentId, self.org.ordinary_viewers(agentId)))
        return 200, {"result": True}

    def admin_access(self, agentId, userId, **_):
        app = self._app(agentId)
        return 200, {"result": userId in app.admins or userId in self.org.org_admins}

    def inactive_app(self, body, **_):
        app = next((a for a in self.org.apps.values()
                    if a.self_built and a.unified_app_id == body["unifiedAppId"]), None)
        if app is None:
            raise Invalid("InvalidParameter", "unifiedAppId: no such self-built app")
        if body["userId"] not in app.admins | self.org.org_admins:
            return 403, {"code": "Forbidden.AccessDenied", "message": "no permission",
                         "requestid": "fake"}
        app.app_status = 0
        self.exposures.append((app.agent_id, self.org.ordinary_viewers(app.agent_id)))
        return 200, {"agentId": str(app.agent_id), "unifiedAppId": app.unified_app_id,
                     "success": True, "message": ""}

    def start_approval(self, body, **_):
        template = self.org.templates.get(body["processCode"])
        if template is None:
            return 400, {"code": "processCodeError", "message": "processCode not found",
                         "requestid": "fake"}
        user = self.org.users.get(body["originatorUserId"])
        if user is None:
            raise Invalid("InvalidParameter", "originatorUserId: no such user")
        if "deptId" not in body:  # documented optional, refused in practice without it
            raise Invalid("MissingParameter", "deptId is required for this originator")
        if body["deptId"] not in user.dept_ids:
            raise Invalid("InvalidParameter", "deptId: the originator is not in that department")
        labels = {c["props"]["label"] for c in template["formComponents"]}
        unknown = [v["name"] for v in body["formComponentValues"] if v["name"] not in labels]
        if unknown:
            raise Invalid("InvalidParameter", f"formComponentValues: {len(unknown)} names are "
                          "not fields of the template")
        given = {v["name"] for v in body["formComponentValues"] if str(v["value"]).strip()}
        missing = [c["props"]["label"] for c in template["formComponents"]
                   if c["props"].get("required") and c["props"]["label"] not in given]
        if missing:
            raise Invalid("InvalidParameter", f"formComponentValues: {len(missing)} required "
                          "fields are empty")
        approvers = body.get("approvers") or None  # the SDK sends [] when there are none
        if approvers is not None and len(approvers) > 20:
            raise Invalid("InvalidParameter", "approvers: at most 20 nodes")
        instance = f"pi-{next(self._ids)}"
        self.created[instance] = (body["processCode"], int(time.time() * 1000))
        self.instances[instance] = {
            "title": f"{user.name}提交的{template['name']}", "status": "RUNNING", "result": "",
            "businessId": f"2026{next(self._ids):08d}",
            "originatorUserId": user.user_id, "originatorDeptId": str(body["deptId"]),
            "originatorDeptName": self.org.departments.get(body["deptId"], ""),
            "approverUserIds": ([u for a in approvers for u in a["userIds"]] if approvers
                                else list(template.get("approvers", []))),
            "operationRecords": [], "tasks": [], "ccUserIds": [], "createTime": _now(),
            "formComponentValues": [{"name": v["name"], "value": v["value"],
                                     "componentType": "TextField", "id": v["name"]}
                                    for v in body["formComponentValues"]]}
        return 200, {"instanceId": instance}

    def get_approval(self, query, **_):
        inst = self.instances.get(query["processInstanceId"])
        if inst is None:
            raise Invalid("InvalidParameter", "processInstanceId: no such instance")
        return 200, {"result": inst}

    def list_instance_ids(self, body, **_):
        """ListProcessInstanceIds: the template's instances created in [startTime, endTime],
        ≤20 a page, ``nextToken`` (a Long in, a string out) to page on."""
        if body["processCode"] not in self.org.templates:
            return 400, {"code": "processCodeError", "message": "processCode not found",
                         "requestid": "fake"}
        if not 1 <= body["maxResults"] <= 20 or body["nextToken"] < 0:
            raise Invalid("InvalidParameter", "maxResults 1 to 20, nextToken from 0")
        end = body.get("endTime") or int(time.time() * 1000)
        users = body.get("userIds")
        found = [i for i, (code, at) in self.created.items()
                 if code == body["processCode"] and body["startTime"] <= at <= end
                 and (not users or self.instances[i]["originatorUserId"] in users)]
        start, size = body["nextToken"], body["maxResults"]
        page = {"list": found[start:start + size]}
        if start + size < len(found):
            page["nextToken"] = str(start + size)
        return 200, {"result": page, "success": True}

    def terminate_approval(self, body, **_):
        inst = self.instances.get(body["processInstanceId"])
        if inst is None:
            raise Invalid("InvalidParameter", "processInstanceId: no such instance")
        if inst["status"] != "RUNNING":
            return 400, {"code": "instanceNotRunning", "message": "审批实例已结束",
                         "requestid": "fake"}
        inst.update(status="TERMINATED", finishTime=_now())
        return 200, {"result": True, "success": True}

    def comment_approval(self, body, **_):
        inst = self.instances.get(body["processInstanceId"])
        if inst is None:
            raise Invalid("InvalidParameter", "processInstanceId: no such instance")
        if body["commentUserId"] not in self.org.users:
            raise Invalid("InvalidParameter", "commentUserId: no such user")
        if not body["text"].strip():
            raise Invalid("InvalidParameter", "text: empty")
        self.comment(body["processInstanceId"], body["commentUserId"], body["text"])
        return 200, {"result": True, "success": True}

    def form_schema(self, query, **_):
        template = self.org.templates.get(query["processCode"])
        if template is None:
            return 400, {"code": "processCodeError", "message": "processCode not found",
                         "requestid": "fake"}
        items = [{"componentName": c["componentType"],
                  "props": {"id": c["props"].get("componentId") or f"{c['componentType']}-{i}",
                            "label": c["props"]["label"],
                            "required": bool(c["props"].get("required"))}}
                 for i, c in enumerate(template["formComponents"])]
        # every field the SDK marks required in the answer (QuerySchemaByProcessCode)
        return 200, {"result": {"name": template["name"], "memo": template.get("description", ""),
                                "formCode": query["processCode"], "engineType": 0,
                                "appType": 0, "appUuid": "fake-app-uuid",
                                "creatorUserId": "it-admin", "formUuid": "fake-form-uuid",
                                "gmtCreate": template.get("gmtCreate",
                                                          template["gmtModified"]),
                                "ownerIdType": "userId",
                                "gmtModified": template["gmtModified"],
                                "schemaContent": {"title": template["name"], "items": items}}}

    def process_code_by_name(self, query, **_):
        found = next((code for code, t in self.org.templates.items()
                      if t["name"] == query["name"]), None)
        if found is None:
            return 200, {"result": {}}
        return 200, {"result": {"processCode": found,
                                "gmtModified": self.org.templates[found]["gmtModified"]}}

    def form_create(self, body, **_):
        code = body.get("processCode") or f"PROC-{next(self._ids):08X}"
        if body.get("processCode") and code not in self.org.templates:
            return 400, {"code": "processCodeError", "message": "processCode not found",
                         "requestid": "fake"}
        self.org.templates[code] = {**self.org.templates.get(code, {}), "name": body["name"],
                                    "description": body.get("description", ""),
                                    "formComponents": body["formComponents"],
                                    "gmtModified": _now()}
        return 200, {"result": {"processCode": code}}

    def app_roles(self, agentId, query, **_):
        app = self._app(agentId)
        roles = app.roles  # the app's admins (adminAccess) are members of a managing role
        if app.admins and not any(r.get("canManageRole") for r in roles):
            roles = [{"roleId": 1, "roleName": "管理员", "canManageRole": True,
                      "scopeType": "CUSTOM", "scopeVersion": 1,
                      "userIdList": sorted(app.admins), "deptIdList": []}, *roles]
        start, size = int(query.get("nextToken") or 0), int(query.get("size") or 20)
        if not 1 <= size <= 100:
            raise Invalid("InvalidParameter", "size: 1 to 100")
        more = start + size < len(roles)
        return 200, {"dataList": roles[start:start + size], "hasMore": more} | (
            {"nextToken": start + size} if more else {})

    def dept_listsub(self, body, **_):  # departments here are flat, all below the root (1)
        if body.get("dept_id", 1) != 1 and body["dept_id"] not in self.org.departments:
            return 200, {"errcode": 60003, "errmsg": "部门不存在"}
        children = self.org.departments if body.get("dept_id", 1) == 1 else {}
        return 200, {"errcode": 0, "errmsg": "ok", "request_id": "fake", "result": [
            {"dept_id": i, "name": n, "parent_id": 1} for i, n in children.items()]}

    def user_list(self, body, **_):
        dept, cursor, size = body.get("dept_id", 1), body["cursor"], body["size"]
        if not 1 <= size <= 100 or cursor < 0:
            raise Invalid("InvalidParameter", "size 1 to 100, cursor from 0")
        members = [{"userid": u.user_id, "name": u.name, "dept_id_list": list(u.dept_ids),
                    "leader": dept in u.leads}
                   for u in self.org.users.values() if dept == 1 or dept in u.dept_ids]
        more = cursor + size < len(members)
        return 200, {"errcode": 0, "errmsg": "ok", "request_id": "fake", "result": {
            "has_more": more, "list": members[cursor:cursor + size]} | (
            {"next_cursor": cursor + size} if more else {})}

    def user_get(self, body, **_):
        user = self.org.users.get(body["userid"])
        if user is None:
            return 200, {"errcode": 60121, "errmsg": "找不到该用户"}
        return 200, {"errcode": 0, "errmsg": "ok", "request_id": "fake",
                     "result": {"userid": user.user_id, "name": user.name,
                                "dept_id_list": list(user.dept_ids)}}

    def work_notice(self, body, **_):
        users = [u for u in body.get("userid_list", "").split(",") if u]
        raw_depts = [d for d in body.get("dept_id_list", "").split(",") if d]
        if not all(d.isdigit() for d in raw_depts):
            raise Invalid("InvalidParameter", "dept_id_list must hold department ids")
        depts = [int(d) for d in raw_depts]
        if not (users or depts or body.get("to_all_user")):
            raise Invalid("MissingParameter", "no receiver: userid_list, dept_id_list or "
                          "to_all_user")
        if len(users) > 100 or len(depts) > 20:
            raise Invalid("InvalidParameter", "at most 100 users and 20 departments a call")
        self.messages.append({"userids": users, "dept_ids": depts, "msg": body["msg"]})
        return 200, {"errcode": 0, "errmsg": "ok", "task_id": 10_000 + len(self.messages),
                     "request_id": "fake"}

    def _task(self, body) -> dict | None:
        number = body["task_id"] - 10_001
        return self.messages[number] if 0 <= number < len(self.messages) else None

    def send_progress(self, body, **_):
        if self._task(body) is None:
            return 200, {"errcode": 40052, "errmsg": "不合法的task_id"}
        return 200, {"errcode": 0, "errmsg": "ok", "request_id": "fake",
                     "progress": {"progress_in_percent": 100, "status": 2}}

    def robot_send(self, body, **_):
        self.messages.append({"robot": True, "msg": body})
        return 200, {"errcode": 0, "errmsg": "ok"}


def organisation_from_inventory(inventory, admins: set[str], first_agent_id: int = 2001,
                                first_dept_id: int = 101) -> tuple[Organisation, dict[str, int]]:
    """The demo inventory as a DingTalk organisation: departments numbered, users in them, each
    app visible to the departments that use it, ``self_built`` apps listed as inner apps.
    Returns the organisation and the app id → agentId map for ``[dingtalk.agent_ids]``."""
    names = sorted(set(inventory.users["department"].dropna()))
    dept_ids = {name: first_dept_id + i for i, name in enumerate(names)}
    users = {u: User(u, n if isinstance(n, str) else u, [dept_ids[d]] if d in dept_ids else [])
             for u, n, d in zip(inventory.users["user_id"], inventory.users["name"],
                                inventory.users["department"], strict=True)}
    org = Organisation(departments={i: n for n, i in dept_ids.items()}, users=users,
                       org_admins=set(admins))
    events = inventory.usage_events[["app_id", "user_id"]].drop_duplicates()
    used_by = events.assign(dept=events["user_id"].map(
        dict(zip(inventory.users["user_id"], inventory.users["department"], strict=True))))
    agent_ids = {}
    for number, row in enumerate(inventory.apps.itertuples(index=False)):
        agent = first_agent_id + number
        agent_ids[row.app_id] = agent
        depts = sorted({dept_ids[d] for d in used_by[used_by["app_id"] == row.app_id]["dept"]
                        if d in dept_ids})
        org.apps[agent] = App(agent, row.name, self_built=row.kind == "self_built",
                              dept_ids=depts)
    return org, agent_ids
