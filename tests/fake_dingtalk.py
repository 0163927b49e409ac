"""A local HTTP server that follows DingTalk's documented Open API contract (see
shared/reference/dingtalk-openapi.md): tokens that expire, new-style errors as HTTP 4xx/5xx with
``code``, old-style ``errcode`` with HTTP 200, rate-limit codes, the non-JSON ban body, the group
robot's signature check and ``msgUuid`` deduplication. It counts every call, so tests can assert
how many changing calls a run made. Faults are queued per path prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP_KEY, APP_SECRET = "ding-test-key", "ding-test-secret-value"
ROBOT_TOKEN, ROBOT_SECRET = "robot-token", "SECtest-robot-secret"
CHANGING = ("/scopes", "/app/inactive", "/processInstances", "/terminate", "asyncsend_v2",
            "/robot/send")
FAULTS = {
    "qps": (403, {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "qps"}),
    "500": (500, {"code": "InternalError", "message": "boom"}),
    "429": (429, {"code": "Throttling", "message": "too many requests"}),
    "90002": (200, {"errcode": 90002, "errmsg": "api rate limit"}),
    "busy": (200, {"errcode": -1, "errmsg": "system busy"}),
}


class FakeDingTalk:
    def __init__(self, apps: dict[str, dict], users: dict[str, str], admins: set[str],
                 token_lifetime: float = 7200, org=None):
        self.apps = apps  # agentId → {name, appStatus, scope{...}}
        self.org = org  # a fake_org.FakeOrg: serves the organisation's contacts and app roles
        self.users, self.admins = users, admins
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, float] = {}
        self.instances: dict[str, dict] = {}
        self.messages: list[dict] = []
        self.robot_uuids: set[str] = set()
        self.calls: list[tuple[str, str]] = []
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

    # -------------------------------------------------------------- test controls

    def fail(self, path: str, kind: str, count: int = 1) -> None:
        """The next ``count`` calls whose path contains ``path`` get fault ``kind``: one of
        FAULTS, 'ban_html', 'ban_json', 'timeout' (answers after 3 s), 'hang' (never)."""
        self.faults.append({"path": path, "kind": kind, "count": count})

    def expire_tokens(self) -> None:
        self.tokens = {t: 0.0 for t in self.tokens}

    def changing_calls(self) -> list[str]:
        return [p for m, p in self.calls if m == "POST" and any(c in p for c in CHANGING)]

    def act(self, instance_id: str, user: str, result: str, remark: str = "") -> None:
        """An approver acts in the DingTalk app."""
        inst = self.instances[instance_id]
        inst["operationRecords"].append({"userId": user, "result": result.upper(),
                                         "remark": remark, "date": time.time()})
        if result == "refuse":
            inst.update(status="COMPLETED", result="refuse")
        elif all(u in {r["userId"] for r in inst["operationRecords"]}
                 for u in inst["approverUserIds"]):
            inst.update(status="COMPLETED", result="agree")

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

            def _send(self, status: int, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                with fake.lock:
                    fake.calls.append((method, url.path))
                    fault = next((f for f in fake.faults
                                  if f["path"] in url.path and f["count"] > 0), None)
                    if fault:
                        fault["count"] -= 1
                if fault:
                    kind = fault["kind"]
                    if kind == "ban_html":
                        return self._send(403, b"<html><body>Access denied: IP banned</body>"
                                               b"</html>", "text/html")
                    if kind == "ban_json":
                        return self._send(403, {"status": 1111, "wait": 5})
                    if kind in ("timeout", "hang"):
                        time.sleep(3 if kind == "timeout" else 3600)
                    else:
                        return self._send(*FAULTS[kind])
                try:
                    status, answer = fake._route(method, url.path, query, body,
                                                 self.headers.get("x-acs-dingtalk-access-token"))
                except KeyError as exc:
                    status, answer = 404, {"code": "NotFound", "message": str(exc)}
                self._send(status, answer)

        return Handler

    def _token_ok(self, token: str | None) -> bool:
        return token is not None and self.tokens.get(token, 0) > time.time()

    def _new_token(self) -> tuple[str, int]:
        valid = [t for t, until in self.tokens.items() if until > time.time()]
        if valid:  # asking again while valid returns the same token
            return valid[0], int(self.tokens[valid[0]] - time.time())
        token = f"tok-{next(self._ids)}"
        self.tokens[token] = time.time() + self.token_lifetime
        return token, int(self.token_lifetime)

    def _app_json(self, agent_id: str) -> dict:
        app = self.apps[agent_id]
        return {"agentId": agent_id, "name": app["name"], "appStatus": app["appStatus"],
                "appId": 0, "unifiedAppId": f"u-{agent_id}", "developType": 0}

    def _visible(self, user: str, agent_id: str) -> bool:
        app = self.apps[agent_id]
        scope = app["scope"]
        if app["appStatus"] != 1:
            return False
        if user in self.admins:
            return True
        if scope["onlyAdminVisible"]:
            return False
        if not (scope["userIds"] or scope["deptIds"] or scope["roleIds"]):
            return True
        return user in scope["userIds"] or self.users.get(user) in scope["deptIds"]

    def _route(self, method, path, query, body, header_token):
        if path == "/v1.0/oauth2/accessToken":
            if (body.get("appKey"), body.get("appSecret")) != (APP_KEY, APP_SECRET):
                return 400, {"code": "invalidClientIdOrSecret", "message": "bad credentials"}
            token, expire = self._new_token()
            return 200, {"accessToken": token, "expireIn": expire}
        if path == "/gettoken":
            if (query.get("appkey"), query.get("appsecret")) != (APP_KEY, APP_SECRET):
                return 200, {"errcode": 40089, "errmsg": "invalid appkey or appsecret"}
            token, expire = self._new_token()
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                         "expires_in": expire}
        if path == "/robot/send":
            return 200, self._robot(query, body)
        if path.startswith("/topapi/"):
            token = query.get("access_token")
            if token not in self.tokens:
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            if not self._token_ok(token):
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            if self.org and (answer := self.org.route(method, path, query, body)):
                return answer
            self.messages.append({"userids": body["userid_list"].split(","), "msg": body["msg"]})
            return 200, {"errcode": 0, "errmsg": "ok", "task_id": len(self.messages)}
        if not self._token_ok(header_token):
            return 401, {"code": "InvalidAuthentication", "message": "token invalid or expired"}
        if self.org and (answer := self.org.route(method, path, query, body)):
            return answer
        parts = path.strip("/").split("/")
        if path in ("/v1.0/microApp/allApps", "/v1.0/microApp/allInnerApps"):
            return 200, {"appList": [self._app_json(a) for a in self.apps]}
        if parts[:3] == ["v1.0", "microApp", "apps"] and parts[4:] == ["scopes"]:
            scope = self.apps[parts[3]]["scope"]
            if method == "GET":
                return 200, {"result": scope}
            for kind in ("User", "Dept", "Role"):
                for verb in ("add", "del"):
                    if len(body.get(f"{verb}{kind}Ids", [])) > 100:
                        return 400, {"code": "paramError", "message": "at most 100 per list"}
                key = f"{kind[0].lower()}{kind[1:]}Ids"
                current = [x for x in scope[key] if x not in body.get(f"del{kind}Ids", [])]
                scope[key] = current + [x for x in body.get(f"add{kind}Ids", [])
                                        if x not in current]
            if "onlyAdminVisible" in body:
                scope["onlyAdminVisible"] = body["onlyAdminVisible"]
            return 200, {"result": True}
        if path == "/v1.0/microApp/app/inactive":
            agent = body["unifiedAppId"].removeprefix("u-")
            self.apps[agent]["appStatus"] = 0
            return 200, {"agentId": agent, "unifiedAppId": body["unifiedAppId"],
                         "success": True, "message": ""}
        if parts[:3] == ["v1.0", "microApp", "users"] and parts[4:] == ["apps"]:
            return 200, {"appList": [self._app_json(a) for a in self.apps
                                     if self._visible(parts[3], a)]}
        if parts[:3] == ["v1.0", "microApp", "users"] and parts[4:] == ["adminAccess"]:
            return 200, {"result": parts[3] in self.admins}
        if path == "/v1.0/workflow/processInstances" and method == "POST":
            if not body.get("processCode") or not body.get("formComponentValues"):
                return 400, {"code": "processCodeError", "message": "processCode required"}
            instance = f"pi-{next(self._ids)}"
            self.instances[instance] = {
                "title": body["formComponentValues"][0]["value"], "status": "RUNNING",
                "result": "", "originatorUserId": body["originatorUserId"],
                "approverUserIds": [u for a in body["approvers"] for u in a["userIds"]],
                "operationRecords": [], "createTime": time.time(),
                "formComponentValues": body["formComponentValues"]}
            return 200, {"instanceId": instance}
        if path == "/v1.0/workflow/processInstances":
            return 200, {"result": self.instances[query["processInstanceId"]]}
        if path == "/v1.0/workflow/processInstances/terminate":
            inst = self.instances[body["processInstanceId"]]
            if inst["status"] != "RUNNING":
                return 400, {"code": "instanceNotRunning", "message": "not running"}
            inst["status"] = "TERMINATED"
            return 200, {"result": True, "success": True}
        raise KeyError(path)

    def _robot(self, query: dict, body: dict) -> dict:
        if query.get("access_token") != ROBOT_TOKEN:
            return {"errcode": 400102, "errmsg": "robot disabled or token invalid"}
        timestamp = query.get("timestamp", "0")
        expected = base64.b64encode(hmac.new(ROBOT_SECRET.encode(),
                                             f"{timestamp}\n{ROBOT_SECRET}".encode(),
                                             hashlib.sha256).digest()).decode()
        if query.get("sign") != expected or abs(time.time() * 1000 - int(timestamp)) > 3600e3:
            return {"errcode": 310000, "errmsg": "sign not match"}
        uuid = body.get("msgUuid")
        if uuid not in self.robot_uuids:  # the same msgUuid is delivered once
            self.robot_uuids.add(uuid)
            self.messages.append({"robot": True, "msg": body})
        return {"errcode": 0, "errmsg": "ok"}
