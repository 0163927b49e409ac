"""Every DingTalk Open API call the kit makes: ONE table, read by the client
(``platforms/dingtalk.py``), by the contract tests (which drive DingTalk's official SDK,
``alibabacloud-dingtalk``, against the local server for each row) and by ``docs/dingtalk.md``,
which is generated from it: ``python -m decomkit.platforms.dingtalk_api docs/dingtalk.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from decomkit.platforms.dingtalk_calls import ESTIMATE_PER_APP
from decomkit.platforms.dingtalk_form import FORM_FIELDS, TEMPLATE_NAME

# Pages of any one listing (200,000 people in one department at 100 a page) before it is
# refused as endless: the one bound of every paged read (``dingtalk.paged``).
MAX_PAGES = 2000

Host = Literal["api", "oapi"]  # api.dingtalk.com (new style) | oapi.dingtalk.com (old style)
# How the call authenticates: the new-style header token, the old-style ?access_token= query,
# the group robot's own token and signature, or none (the token calls themselves).
Auth = Literal["header", "query", "robot", "none"]


@dataclass(frozen=True)
class Endpoint:
    name: str  # the kit's name for the call
    method: Literal["GET", "POST"]
    path: str  # {placeholders} are path parameters
    host: Host
    auth: Auth
    purpose: str
    idempotent: bool  # harmless to repeat after a timeout or a 5xx (the answer may be lost)
    sdk: str = ""  # "<module>.<Action>" in alibabacloud-dingtalk; "" when the SDK lacks it
    query: tuple[str, ...] = ()  # query keys the kit sends
    body: tuple[str, ...] = ()  # body keys the kit may send
    permission: str = ""  # the permission the app needs in the developer console
    note: str = ""


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    Endpoint("access_token", "POST", "/v1.0/oauth2/accessToken", "api", "none",
             "token for the new-style calls (cached until 60 s before it expires)", True,
             "oauth2_1_0.GetAccessToken", body=("appKey", "appSecret")),
    Endpoint("gettoken", "GET", "/gettoken", "oapi", "none",
             "token for the old-style calls", True, query=("appkey", "appsecret"),
             note="old-style only; the SDK covers new-style calls"),
    Endpoint("list_apps", "GET", "/v1.0/microApp/allApps", "api", "header",
             "every app of the organisation (self-built and third-party)", True,
             "micro_app_1_0.ListAllApp", permission="qyapi_get_microapp_list"),
    Endpoint("list_inner_apps", "GET", "/v1.0/microApp/allInnerApps", "api", "header",
             "self-built apps only, with the unifiedAppId the disable needs", True,
             "micro_app_1_0.ListAllInnerApps", permission="qyapi_get_microapp_list"),
    Endpoint("user_apps", "GET", "/v1.0/microApp/users/{userId}/apps", "api", "header",
             "apps a user can open now (the verify step)", True,
             "micro_app_1_0.ListUserVilebleApp", permission="qyapi_get_microapp_list"),
    Endpoint("get_scope", "GET", "/v1.0/microApp/apps/{agentId}/scopes", "api", "header",
             "an app's visible scope (saved before revocation, for rollback)", True,
             "micro_app_1_0.GetMicroAppScope", permission="qyapi_get_microapp_list"),
    Endpoint("set_scope", "POST", "/v1.0/microApp/apps/{agentId}/scopes", "api", "header",
             "change the visible scope (revoke access, restore it on rollback, add the "
             "people who lack a replacement to its scope)", True,
             "micro_app_1_0.SetMicroAppScope",
             body=("addUserIds", "delUserIds", "addDeptIds", "delDeptIds", "addRoleIds",
                   "delRoleIds", "onlyAdminVisible"),
             permission="qyapi_microapp_manage",
             note="≤100 ids per list, ≤2000 in all; a change that fits is one call (the ids "
                  "and onlyAdminVisible together); one of several calls is restricted by the "
                  "first (onlyAdminVisible=true) and opened only by the last, so the app is "
                  "never open to everyone in between; adding people to a replacement sends "
                  "addUserIds alone (never onlyAdminVisible), so nobody loses it for a moment"),
    Endpoint("admin_access", "GET", "/v1.0/microApp/apps/{agentId}/users/{userId}/adminAccess",
             "api", "header", "whether a user may manage the app (preflight, review)", True,
             "micro_app_1_0.GetMicroAppUserAccess", permission="qyapi_get_microapp_list"),
    Endpoint("inactive_app", "POST", "/v1.0/microApp/app/inactive", "api", "header",
             "disable (停用) a self-built app", True, "micro_app_1_0.InactiveApp",
             body=("unifiedAppId", "userId"), permission="qyapi_microapp_manage",
             note="self-built apps only (they have a unifiedAppId); a third-party app, or a "
                  "refusal, becomes a console step the operator confirms"),
    Endpoint("start_approval", "POST", "/v1.0/workflow/processInstances", "api", "header",
             "submit the 软件停用申请 approval", False, "workflow_1_0.StartProcessInstance",
             body=("originatorUserId", "processCode", "deptId", "formComponentValues",
                   "approvers"),
             note="sent once: recorded in platform/dingtalk-sends.json before it is sent; "
                  "after a timeout, a dropped connection or a 5xx its outcome is unknown and "
                  "it is settled by list_instance_ids (or a person), never sent again blindly "
                  "(a repeat opens a second request); "
                  "approvers is optional (≤20 nodes, overrides the template's flow); deptId is "
                  "documented as optional but needed in practice, so it is always sent"),
    Endpoint("list_instance_ids", "POST", "/v1.0/workflow/processes/instanceIds/query", "api",
             "header", "the template's requests since a time, by originator: settles a "
             "request whose answer was lost", True, "workflow_1_0.ListProcessInstanceIds",
             body=("processCode", "startTime", "endTime", "nextToken", "maxResults", "userIds"),
             note="≤20 a page; each id found is read (get_approval) and matched on its "
                  "originator and form values; one match: it took effect; none: it did not"),
    Endpoint("get_approval", "GET", "/v1.0/workflow/processInstances", "api", "header",
             "an approval's status, result and records", True,
             "workflow_1_0.GetProcessInstance", query=("processInstanceId",)),
    Endpoint("terminate_approval", "POST", "/v1.0/workflow/processInstances/terminate", "api",
             "header", "withdraw a running request", True,
             "workflow_1_0.TerminateProcessInstance",
             body=("processInstanceId", "isSystem", "remark", "operatingUserId")),
    Endpoint("comment_approval", "POST", "/v1.0/workflow/processInstances/comments", "api",
             "header", "add the requester's answer to an approver's question (评论)", False,
             "workflow_1_0.AddProcessInstanceComment",
             body=("processInstanceId", "text", "commentUserId"),
             note="not repeated after a timeout or 5xx (a repeat comments twice); an attachment "
                  "is named with its SHA-256 in the text: file.attachments takes only files "
                  "already in a DingTalk drive space (spaceId, fileId)"),
    Endpoint("form_schema", "GET", "/v1.0/workflow/forms/schemas/processCodes", "api", "header",
             "the approval template's form (checked before every submission)", True,
             "workflow_1_0.QuerySchemaByProcessCode", query=("processCode",)),
    Endpoint("process_code_by_name", "GET",
             "/v1.0/workflow/processCentres/schemaNames/processCodes", "api", "header",
             "find an existing 软件停用申请 template (create-template updates it)", True,
             "workflow_1_0.GetProcessCodeByName", query=("name",),
             note="only a successful answer without a processCode means \"none\": any error "
                  "of the lookup stops create-template before it creates anything"),
    Endpoint("form_create", "POST", "/v1.0/workflow/forms", "api", "header",
             "create or update the 软件停用申请 template (decomkit dingtalk create-template)",
             False, "workflow_1_0.FormCreate",
             body=("processCode", "name", "description", "formComponents"),
             note="with processCode it updates that template instead of creating another"),
    Endpoint("app_roles", "GET", "/v1.0/microApp/apps/{agentId}/roles", "api", "header",
             "an app's roles and who holds them, paged (decomkit import dingtalk: admins)", True,
             "micro_app_1_0.ListAppRoleScopes", query=("nextToken", "size"),
             permission="qyapi_get_microapp_list"),
    Endpoint("dept_listsub", "POST", "/topapi/v2/department/listsub", "oapi", "query",
             "a department's direct children (decomkit import dingtalk)", True,
             body=("dept_id",), permission="qyapi_get_department_list",
             note="old-style only; the SDK covers new-style calls"),
    Endpoint("user_list", "POST", "/topapi/v2/user/list", "oapi", "query",
             "a department's people, paged by cursor ≤100 (decomkit import dingtalk)", True,
             body=("dept_id", "cursor", "size"), permission="qyapi_get_member",
             note="old-style only; the SDK covers new-style calls"),
    Endpoint("user_get", "POST", "/topapi/v2/user/get", "oapi", "query",
             "the originator's departments, when dingtalk.dept_id is not set", True,
             body=("userid",), permission="qyapi_get_member",
             note="old-style only; the SDK covers new-style calls"),
    Endpoint("work_notice", "POST", "/topapi/message/corpconversation/asyncsend_v2", "oapi",
             "query", "work notification to users and departments", False,
             body=("agent_id", "userid_list", "dept_id_list", "msg"),
             note="old-style only; ≤100 users and ≤20 departments a call; never sent to an "
                  "empty list; DingTalk drops a repeat silently, so it is never repeated: each "
                  "chunk is recorded in platform/dingtalk-sends.json with its task_id; a chunk "
                  "whose answer was lost is settled by a person (no task id to ask about)"),
    Endpoint("send_progress", "POST", "/topapi/message/corpconversation/getsendprogress",
             "oapi", "query", "whether DingTalk has a work notification's task (settling a "
             "send whose run did not finish)", True, body=("agent_id", "task_id"),
             note="old-style only; the SDK covers new-style calls"),
    Endpoint("robot_send", "POST", "/robot/send", "oapi", "robot",
             "group robot message (signed)", False, body=("msgtype", "text"),
             note="the webhook robot has no idempotency field: an unanswered send (timeout, "
                  "5xx) is recorded as unknown and the operator confirms it; never resent "
                  "blindly"),
)}


# Error codes the client acts on (the strict local server answers each of them).
TOKEN_INVALID_CODES = frozenset({"InvalidAuthentication"})  # new style: HTTP 400 (or 401)
OLD_TOKEN_ERRCODES = frozenset({40014, 42001})  # direct, or as sub_code of errcode 88
# Rate limits, after DingTalk's throttling guide (如何处理钉钉服务端API限流): each code and the
# window, in seconds, its limit counts in. The call was refused before it ran, so it is repeated,
# but only after waiting out at least that window (a retry inside it meets the same limit).
RATE_LIMIT_WINDOWS: dict[str, float] = {
    "Forbidden.AccessDenied.QpsLimitForApi": 1,  # one API, every app of every organisation
    "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi": 1,  # this app, one API: 20 a second
    "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi": 60,  # this app, one API, a minute
    "qps.exceed.limit": 1, "request.too.fast": 1, "Throttling": 1,
}
OLD_RATE_LIMIT_WINDOWS: dict[int, float] = {
    -1: 1,  # system busy
    90002: 1,  # one API, every app of every organisation (global)
    90018: 1,  # an internal app, one API: 20 a second (the limit a self-built app meets)
    90019: 1,  # a third-party app, one organisation, one API: 40 a second
    # other app, organisation and IP limits whose window the guide does not state: a minute
    90001: 60, **{c: 60 for c in range(90003, 90015)}, 90017: 60,
    410100: 600,  # the group robot: 20 messages a minute, then blocked for 10 minutes
}
HTTP_429_WINDOW = 1.0  # a bare HTTP 429 names no window: a second, as the per-second limits
RATE_LIMIT_CODES = frozenset(RATE_LIMIT_WINDOWS)
OLD_RATE_LIMITS = frozenset(OLD_RATE_LIMIT_WINDOWS)
QUOTA_CODES = frozenset({"Forbidden.AccessDenied.ApiCountLimitForOrg"})
OLD_QUOTA_ERRCODES = frozenset({90020})

# Every code DingTalk answers that the kit meets, and what the kit does with it (the "Error
# codes" table of docs/dingtalk.md; tests/test_dingtalk_contract.py checks that every code the
# strict local server can answer is in it).
ERROR_CODES: tuple[tuple[str, str, str], ...] = (
    ("`InvalidAuthentication` (HTTP 400), HTTP 401", "new style: the token is not valid",
     "a new token, the call once more; refused twice: stop, check the app key and secret"),
    ("40014, 42001 (or errcode 88 with that `sub_code`)", "old style: token invalid or expired",
     "a new token, the call once more"),
    ("`AuthenticationFailed.MissingParameter` (HTTP 400)",
     "new style: no `x-acs-dingtalk-access-token` header (the token sent anywhere else)",
     "an error naming the call, not retried (the kit always sends the header: a bug)"),
    ("`invalidClientIdOrSecret`; old style 40089", "wrong app key or secret",
     "stop: set DECOMKIT_DINGTALK_APP_KEY / _SECRET"),
    ("`Forbidden.AccessDenied.AccessTokenPermissionDenied`, `Forbidden.AccessDenied`",
     "the app lacks the permission", "stop, naming the permission to grant in the console"),
    ("rate limits (below)", "refused before it ran", "retried after the window (below)"),
    ("`Forbidden.AccessDenied.ApiCountLimitForOrg`; old style 90020",
     "the organisation's monthly quota is used up",
     "stop with one clear message, no retry; a batch warns before it starts when it may "
     "exceed what is left (`dingtalk.monthly_quota`)"),
    ("`{\"status\": 1111, \"wait\": N}`, or an HTML page with HTTP 403",
     "the per-IP ban (10,000 calls in 20 s from one IP, then 5 minutes)",
     "reported with the wait it names, not retried (a retry prolongs it)"),
    ("HTTP 5xx (`InternalError`, a gateway's HTML 502, an empty 504)",
     "a server or gateway error", "a repeatable call is retried; a creating call is "
     "\"unknown\" (settled by asking DingTalk or a person, never sent again blindly)"),
    ("`InvalidAction.NotFound` (HTTP 404)", "new style: no such API path",
     "an error naming the call"),
    ("22 (HTTP 200)", "old style: no such API (`不合法ApiName`)", "an error naming the call"),
    ("404 (HTTP 200, `请求的URI地址不存在`)", "old style host: no such path",
     "an error naming the call"),
    ("40035", "old style: a parameter is missing or malformed", "an error naming the call"),
    ("`InvalidParameter`, `MissingParameter` (HTTP 400)", "new style: a parameter is wrong",
     "an error naming the call"),
    ("`processCodeError`", "the approval template does not exist",
     "`create-template` stops (nothing created); a submission is refused before it runs "
     "(an error naming the code): run create-template"),
    ("`instanceNotRunning`", "the approval request is already finished",
     "an error: nothing to withdraw"),
    ("60003", "the department does not exist",
     "an error naming the call and the code (the contacts import stops)"),
    ("60121", "the user does not exist",
     "an error naming the call and the code (the originator's department lookup stops)"),
    ("40052", "a work notification's task id is unknown",
     "the settlement stops with that error: a person checks and records it (`decomkit "
     "settle`)"),
    ("300001", "group robot: its token does not exist", "stop: set the robot token"),
    ("310000", "group robot: signature, keyword or timestamp check failed",
     "stop: check the robot secret (the kit signs every message)"),
    ("410100", "group robot: more than 20 messages a minute; blocked for 10 minutes",
     "notification robot: the send is deferred (`PlatformDeferred`, nothing sent, nothing "
     "waited for in-process); the block is kept in `platform/notify-robot.json` and every "
     "send before its end is deferred at once, the stage is run again after it. The "
     "auditors' robot anchor: at most one message a minute carrying the latest checkpoint "
     "(each covers all before it); after 410100 it records the block in "
     "`platform/audit-robot.json`, sends nothing until it ends (`AnchorDeferred`) and a "
     "later run publishes the latest checkpoint"),
    ("400102", "group robot: the robot is disabled", "an error: enable the robot in the group"),
)

MANUAL_STEPS = (
    ("enable (启用)", "DingTalk has no API to re-enable an app: a console step, confirmed with "
     "evidence; the saved visible scope is restored by API"),
    ("unlink (解除关联)", "no API ends a free association: a console step"),
    ("disable a third-party app", "app/inactive takes self-built apps only: 应用管理 → 停用 in "
     "the console, confirmed with evidence"),
    ("robot send without an answer", "recorded as unknown: look in the group, send by hand if "
     "missing, then confirm"),
)


def sdk_action(endpoint: Endpoint) -> tuple[str, str]:
    """(module, Action) of the SDK call, e.g. ("micro_app_1_0", "ListAllApp")."""
    module, _, action = endpoint.sdk.partition(".")
    return module, action


def markdown() -> str:
    """docs/dingtalk.md, from the tables above and the approval form's fields."""
    hosts = {"api": "api.dingtalk.com", "oapi": "oapi.dingtalk.com"}
    auth = {"header": "header `x-acs-dingtalk-access-token`", "query": "`?access_token=`",
            "robot": "robot token + HMAC-SHA256 `sign`", "none": "—"}
    lines = [
        "# DingTalk: the calls decomkit makes",
        "",
        "<!-- Generated from lib/decomkit/platforms/dingtalk_api.py and "
        "lib/decomkit/platforms/dingtalk_form.py by",
        "     `python -m decomkit.platforms.dingtalk_api docs/dingtalk.md`; do not edit by "
        "hand (a test checks it). -->",
        "",
        "Set `platform = \"dingtalk\"` in `decomkit.toml`, the `[dingtalk]` settings, and the "
        "app key and secret in `DECOMKIT_DINGTALK_APP_KEY` / `DECOMKIT_DINGTALK_APP_SECRET` "
        "(the robot's in `DECOMKIT_ROBOT_TOKEN` / `DECOMKIT_ROBOT_SECRET`). Every call below is "
        "checked against DingTalk's official SDK (`alibabacloud-dingtalk`) by the contract "
        "tests, except the old-style ones the SDK does not cover. Settings under "
        "`[dingtalk]`: `agent_id` (the app that sends work notifications), `operator_user_id`, "
        "`process_code`, `dept_id`, and `[dingtalk.agent_ids]` for apps whose inventory id is "
        "not their agentId.",
        "",
        "## Calls",
        "",
        "| call | method and path | host | token | SDK | repeat after a lost answer | "
        "permission | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in ENDPOINTS.values():
        keys = ", ".join(f"`{k}`" for k in e.query + e.body)
        purpose = e.purpose + (f" ({keys})" if keys else "")
        lines.append(f"| {e.name}: {purpose} | `{e.method} {e.path}` | {hosts[e.host]} | "
                     f"{auth[e.auth]} | {f'`{e.sdk}`' if e.sdk else '—'} | "
                     f"{'yes' if e.idempotent else 'no'} | {e.permission or '—'} | "
                     f"{e.note or ''} |")
    lines += [
        "",
        "## Errors",
        "",
        f"- Token refused: new style HTTP 400 (or 401) `{', '.join(sorted(TOKEN_INVALID_CODES))}`"
        f"; old style `errcode` {', '.join(map(str, sorted(OLD_TOKEN_ERRCODES)))} (or 88 with "
        "that `sub_code`) → a new token, the call once more.",
        "- Rate limits (DingTalk's throttling guide), refused before they ran: retried, each "
        "wait at least the window the limit counts in (doubling after each answer, at most 5 "
        "tries): "
        + ", ".join(f"`{c}` ({w:g} s)" for c, w in sorted(RATE_LIMIT_WINDOWS.items()))
        + f", HTTP 429 ({HTTP_429_WINDOW:g} s); old style "
        + ", ".join(f"{c} ({w:g} s)" for c, w in sorted(OLD_RATE_LIMIT_WINDOWS.items())) + ".",
        f"- Monthly quota used up (not retried, said so): "
        f"{', '.join(f'`{c}`' for c in sorted(QUOTA_CODES))}; old style "
        f"{', '.join(map(str, sorted(OLD_QUOTA_ERRCODES)))}.",
        "- HTTP 5xx (whatever its body: a gateway's HTML 502 is a 5xx), timeouts and a "
        "connection lost after the request was sent: a call marked \"yes\" above is retried; "
        "any other is not — its outcome is \"unknown\" in `platform/dingtalk-sends.json` and "
        "the ledger, and the next run settles it by asking DingTalk (an approval request: "
        "`list_instance_ids`; a work notification: `send_progress` with its task id) or a "
        "person settles it (`decomkit settle`); it is never sent again blindly. A connection "
        "that was never made is retried (nothing was sent).",
        "- Errors are classified by HTTP status first, then body: a 5xx is a 5xx whatever its "
        "body (a gateway's HTML 502, an empty 504).",
        "- The per-IP ban (10,000 calls in 20 s from one IP, then 5 minutes): only DingTalk's "
        "ban shape — `{\"status\": 1111, \"wait\": N}` or an HTML page with HTTP 403 — is "
        "reported as the ban, not retried (a retry prolongs it), with the wait it names.",
        "- Every access token DingTalk issues is registered as a secret: masked in the error "
        "that echoes it and in every file or line the kit writes afterwards.",
        "- Any other answer that is not JSON: reported with its HTTP status; a creating call "
        "answered so is \"unknown\" (settled, never sent again blindly).",
        "- Any other code: an error naming the call and the code, not retried.",
        "",
        "## Error codes",
        "",
        "| code | what it means | what the kit does |",
        "|---|---|---|",
        *(f"| {code} | {meaning} | {handling} |" for code, meaning, handling in ERROR_CODES),
        "",
        "## The monthly call budget",
        "",
        "Every Open API call (not the token requests, not the group robot) counts against the "
        "organisation's monthly quota (standard edition: 10,000; set `dingtalk.monthly_quota`). "
        "The kit counts each call it sends (the import's too), by the app it was made for, in "
        "`platform/dingtalk-calls.jsonl`; a batch's summary shows the calls of each app "
        "(`metered_calls`) and the shared ones, and a batch whose estimate exceeds what is left "
        "of the month is warned about before it starts: "
        f"{ESTIMATE_PER_APP} calls an app, or this month's calls per app when the meter shows "
        "more. Within one stage run the app list, each app's visible scope and the admin "
        "answers are read once and kept; a change the kit makes drops what it changed, and a "
        "verification reads DingTalk again. Who can open an app is decided from its status "
        "and scope (disabled, admins only, the person named, open to all) without a call per "
        "person. Paged listings (app roles, a department's people, the approval requests) "
        f"stop after {MAX_PAGES} pages or a page token given twice.",
        "",
        "**The import spares the assessment's reads.** While a `decomkit import dingtalk` of "
        "scopes and admins is fresh (`dingtalk.imported_fresh_days`, 7 by default, 0 = "
        "never), the assessment (01_assess) and the approval request's replacement check take "
        "each app's visible scope and the operator's admin rights from the `app_scopes` table "
        "and say the import's date; an app the table does not know, or an operator it does not "
        "list as a member of a managing role (the organisation's own admin, a department "
        "member), is asked live. The import itself reads every app's scope and roles once "
        "(two calls an app, plus the contacts), which an organisation does anyway to build its "
        "inventory. The scope saved before the change, the verification after it and the "
        "disable gate's own checks are always read live.",
        "",
        "**Calls about one app, each stage run in a kernel of its own** (as `decomkit batch` "
        "runs them; measured by `bench/scale.py --dingtalk`, checked call by call by "
        "`tests/test_dingtalk.py::test_the_call_budget_per_app_with_each_stage_run_on_its_own`):",
        "",
        "| stage run | calls about the app | why each is needed |",
        "|---|---|---|",
        "| 01_assess | none with a fresh import (else `get_scope`, `admin_access`) | who loses "
        "access and whether the operator may act, from the import |",
        "| 03_approval, the request | `start_approval`, `get_approval` | the request itself; "
        "the notebook tracks the request it has just made (one poll a tracking run) |",
        "| 03_approval, tracked | `get_approval` | the approvers' decision (one poll a run, "
        "however long it waits) |",
        "| 04_disable | `admin_access`, `work_notice`, `get_scope`, `set_scope`, "
        "`inactive_app`, `get_scope`, `work_notice` | the gate, before any effect (the operator "
        "may manage the app: the notice before goes out first); the notice before; the scope "
        "saved for rollback, read live; revoked to admins only (one call when it fits); the "
        "disable (self-built apps); the verification, read live; the notice after |",
        "| 04_disable, third-party app | `admin_access`, `get_scope`, `set_scope`, "
        "`work_notice`; after the console step, `admin_access`, `get_scope`, `work_notice` | "
        "the same, the disable done in the console: the stage's next run passes the gate again, "
        "verifies and sends the notice after |",
        "| 05_review | `get_scope` | nobody can reach the app any more (read live) |",
        "",
        "**The floor is 10 calls an app over assess → approval → disable, not 6.** The request, "
        "one poll of its decision, the two notices (the guide asks to tell people before and "
        "after), the scope saved before the change, the change, the disable and the "
        "verification are 8 (7 for a third-party app, whose disable is a console step) and "
        "cannot go without giving up what they protect. The other 2 are the gate's live admin "
        "check and the poll in the same run as the request. Reaching 6 would take product "
        "decisions, not mechanism: (a) one notice instead of two; (b) no poll in the run that "
        "files the request (its decision is read by the next tracking run); (c) the disable "
        "gate's admin check taken from the import (the scope change would then fail at "
        "DingTalk after the notice before was sent, if the rights were lost since); (d) no "
        "verification read for a self-built app (its disable hides it from everyone). Each "
        "saves one call an app.",
        "",
        "**Shared reads** (counted apart, for no one app): each stage run reads the app list "
        "once (the verification once more), the request run the template's form "
        "(`form_schema`) and the originator's department (`user_get`, none when "
        "`dingtalk.dept_id` is set), the disable the self-built app list. Measured: 7–10 an "
        "app over its lifecycle, 17–20 in all with its own calls (hence the estimate). The "
        "review's watch (`05_review`'s last cell) reads its own app's scope only; every "
        "retired app is watched by `decomkit tick`, one scope read each per tick.",
        "",
        "**No batch read of approvals.** The SDK (workflow 1.0) has "
        "`QueryAllProcessInstances` (`GET /v1.0/workflow/processes/pages/instances`: a "
        "template's instances with their status, paged); DingTalk's documentation of it for "
        "the standard edition was not found, and each app's tracking runs in a kernel of its "
        "own, so one shared read would save nothing per app without a batch-level poll. The "
        "kit keeps `get_approval`, one per tracking run.",
        "",
        "## What stays manual",
        "",
        *(f"- {what}: {how}." for what, how in MANUAL_STEPS),
        "",
        f"## The approval form ({TEMPLATE_NAME})",
        "",
        "`decomkit dingtalk create-template WORKSPACE` creates the template with exactly these "
        "fields (run again, it updates the same template) and writes its `processCode` to "
        "`decomkit.toml`. Before every submission the template's schema is read and each field "
        "below must exist with a compatible component. An empty value is sent as `-` (a "
        "required field refuses an empty one).",
        "",
        "The fields are named in the workspace's language (`language` in `decomkit.toml`): "
        "the Chinese name, or the English one.",
        "",
        "| field | English name | component | accepted components | value |",
        "|---|---|---|---|---|",
        *(f"| {f.label} | {f.label_en} | {f.component} | {', '.join(f.accepts)} | "
          f"{f.value.replace('<', '&lt;').replace('>', '&gt;')} |"
          for f in FORM_FIELDS),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    text = markdown()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
