"""DingTalk's official SDK (``alibabacloud-dingtalk``, the generated client whose models mirror
the published API) is the oracle for the kit's endpoint table, its requests and the local server.

For every row of ``ENDPOINTS`` with an SDK action:
* the table's method and path are the SDK's;
* the kit makes the call against the strict local server; the SDK then makes the same call
  (built from the kit's own request through the SDK's request model) and must send the same
  method, path, query keys and body: a field the SDK does not know, or a value of the wrong
  type, differs or fails;
* the SDK parses the server's answer, and every field has the type the SDK's model declares.
A row added to the table without a case here fails ``test_every_endpoint_has_a_contract_case``.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing

import pytest
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models
from Tea.model import TeaModel

from decomkit.core.config import DingTalk
from decomkit.platforms import ApprovalRequest, Notification, Scope
from decomkit.platforms.dingtalk import DingTalkPlatform, clear_token_cache
from decomkit.platforms.dingtalk_api import ENDPOINTS, sdk_action
from decomkit.platforms.dingtalk_form import FORM_FIELDS, form_components
from decomkit.platforms.dingtalk_import import DingTalkReader
from fake_dingtalk import (
    APP_KEY,
    APP_SECRET,
    ROUTES,
    App,
    FakeDingTalk,
    Organisation,
    User,
)

AGENT, SELF_BUILT_AGENT, PROCESS = 2001, 2002, "PROC-DECOM"
APP_IDS = {"bi-pro": AGENT, "sales-report": SELF_BUILT_AGENT}


@pytest.fixture
def fake():
    clear_token_cache()
    org = Organisation(
        departments={101: "财务部", 102: "技术部"},
        users={"it-admin": User("it-admin", "IT 管理员", [102]),
               "u0001": User("u0001", "张伟", [101]), "u0002": User("u0002", "李娜", [101])},
        apps={AGENT: App(AGENT, "高级数据分析", dept_ids=[101], user_ids=["u0002"], roles=[
            {"roleId": 1, "roleName": "管理员", "canManageRole": True, "scopeType": "CUSTOM",
             "scopeVersion": 1, "userIdList": ["it-admin"], "deptIdList": []}]),
              SELF_BUILT_AGENT: App(SELF_BUILT_AGENT, "销售日报", self_built=True,
                                    dept_ids=[101])},
        org_admins={"it-admin"},
        templates={PROCESS: {"name": "软件停用申请", "formComponents": form_components(),
                             "gmtModified": "2026-11-01T09:00Z"}})
    server = FakeDingTalk(org).start()
    yield server
    server.stop()
    clear_token_cache()


def kit(fake) -> DingTalkPlatform:
    return DingTalkPlatform(DingTalk(api_base=fake.url, oapi_base=fake.url, agent_id=1,
                                     operator_user_id="it-admin", process_code=PROCESS,
                                     agent_ids=APP_IDS), APP_KEY, APP_SECRET, max_wait=0.05)


def _submit(client: DingTalkPlatform) -> str:
    form = {f.label: "x" for f in FORM_FIELDS[1:]}
    return client.submit_approval(ApprovalRequest("bi-pro", "停用申请", "it-admin",
                                                  ("u0001",), form), key="k")


# endpoint → what the kit does that makes the call
CASES = {
    "access_token": lambda c: c.list_apps(),
    "list_apps": lambda c: c.list_apps(),
    "list_inner_apps": lambda c: c.disable("sales-report", key="k"),
    "user_apps": lambda c: c.visible_to("u0001", "bi-pro"),
    "get_scope": lambda c: c.get_app("bi-pro"),
    "set_scope": lambda c: c.set_visible_scope("bi-pro", Scope(only_admin_visible=True), key="k"),
    "admin_access": lambda c: c.is_admin("it-admin", "bi-pro"),
    "inactive_app": lambda c: c.disable("sales-report", key="k"),
    "start_approval": _submit,
    "get_approval": lambda c: c.approval_status(_submit(c)),
    "list_instance_ids": lambda c: (_submit(c), c.instance_ids(PROCESS, 0, ["it-admin"])),
    "terminate_approval": lambda c: c.withdraw_approval(_submit(c), "it-admin", "不需要了",
                                                        key="k"),
    "comment_approval": lambda c: c.comment_approval(_submit(c), "it-admin", "已补充迁移计划",
                                                     key="k"),
    "form_schema": lambda c: c.form_schema(),
    "process_code_by_name": lambda c: c.save_template(),
    "form_create": lambda c: c.save_template(),
    "app_roles": lambda c: DingTalkReader(c, qps=0).roles("2001"),
}
# Further calls of an endpoint already in CASES whose body differs: each is checked the same way.
VARIANTS = {
    "set_scope (add people to a replacement)": (
        "set_scope", lambda c: c.add_to_scope("bi-pro", ["u0001"], key="k")),
}
# State a kit call used up, restored so the SDK's identical call meets the same server.
REARM = {"terminate_approval": lambda fake: [i.update(status="RUNNING")
                                            for i in fake.instances.values()]}
# Old-style calls the SDK does not cover: the strict server alone checks them.
NO_SDK = {"gettoken": lambda c: c.notify(Notification("dingtalk_work", "t", "x", ("u0001",)),
                                         key="k"),
          "user_get": _submit,
          "work_notice": lambda c: c.notify(Notification("dingtalk_work", "t", "x", ("u0001",),
                                                         ("101",)), key="k"),
          "dept_listsub": lambda c: DingTalkReader(c, qps=0).departments(),
          "user_list": lambda c: DingTalkReader(c, qps=0).users([101]),
          "send_progress": lambda c: (
              c.notify(Notification("dingtalk_work", "t", "x", ("u0001",)), key="n"),
              c.sends.update("n#0", status="unknown"),  # a run that did not record the answer
              c.sends.update("n#0", status="sent"), c.settled("notify", "n")),
          "robot_send": None}  # signed with the robot's own secret: see test_dingtalk.py


def test_every_endpoint_has_a_contract_case():
    with_sdk = {name for name, e in ENDPOINTS.items() if e.sdk}
    assert with_sdk == set(CASES), "add a case for each new endpoint (or remove it)"
    assert set(ENDPOINTS) - with_sdk == set(NO_SDK)
    assert all(ENDPOINTS[name].note for name in NO_SDK)  # says why there is no SDK check


def _route(endpoint):
    """The local server's route for a table row (its {name:int} typing dropped)."""
    return next((r for r in ROUTES if r.method == endpoint.method
                 and re.sub(r"\{(\w+):int\}", r"{\1}", r.pattern) == endpoint.path), None)


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_the_local_server_serves_every_endpoint(name):
    assert _route(ENDPOINTS[name]) is not None


def _snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def _sdk(name: str, fake):
    module, action = sdk_action(ENDPOINTS[name])
    client_module = importlib.import_module(f"alibabacloud_dingtalk.{module}.client")
    config = open_api_models.Config(protocol="http", region_id="central",
                                    endpoint=fake.url.removeprefix("http://"))
    client = client_module.Client(config)
    return client, getattr(client, f"{_snake(action)}_with_options")


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p.title() for p in rest)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_table_matches_the_sdk(name):
    endpoint = ENDPOINTS[name]
    _, method = _sdk(name, _Unused())
    source = inspect.getsource(method)
    path = re.search(r"pathname=f?'([^']*)'", source).group(1)
    assert re.sub(r"\{(\w+)\}", lambda m: "{" + _camel(m.group(1)) + "}", path) == endpoint.path
    assert re.search(r"method='(\w+)'", source).group(1) == endpoint.method
    sdk_keys = set(re.findall(r"(?:body|query)\['(\w+)'\]", source))
    assert set(endpoint.body + endpoint.query) <= sdk_keys


class _Unused:  # the table check reads the SDK's source; it sends nothing
    url = "http://127.0.0.1:9"


def _fields(model_class) -> dict[str, object]:
    hints = typing.get_type_hints(model_class.__init__, vars(inspect.getmodule(model_class)))
    return {f: h for f, h in hints.items() if f != "return"}


def _marker(hint):
    origin = typing.get_origin(hint)
    if origin is list:
        return [_marker(typing.get_args(hint)[0])]
    if origin is dict:
        return {"marker": "marker"}
    if isinstance(hint, type) and issubclass(hint, TeaModel):
        return hint()
    return "marker"


def _wire_names(model_class) -> dict[str, str]:
    """JSON name → attribute of a model's fields: the key whose value changes when only that
    field is set (to_map writes list fields even when unset)."""
    base = model_class().to_map()
    names = {}
    for field, hint in _fields(model_class).items():
        (wire,) = [k for k, v in model_class(**{field: _marker(hint)}).to_map().items()
                   if k not in base or base[k] != v]
        names[wire] = field
    return names


def _set(data):
    """A body without the empty lists the SDK writes for every unset list field."""
    if isinstance(data, dict):
        return {k: _set(v) for k, v in data.items() if v != []}
    if isinstance(data, list):
        return [_set(v) for v in data]
    return data


def type_problems(value, hint, where: str, module) -> list[str]:
    """Where ``value`` (parsed by the SDK) does not have the type its model declares."""
    if value is None:
        return []
    origin = typing.get_origin(hint)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: a list expected, got {type(value).__name__}"]
        (item,) = typing.get_args(hint)
        return [p for i, v in enumerate(value) for p in type_problems(v, item, f"{where}[{i}]",
                                                                        module)]
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{where}: an object expected"]
    if isinstance(hint, type) and issubclass(hint, TeaModel):
        return [p for field, h in _fields(type(value)).items()
                for p in type_problems(getattr(value, field), h, f"{where}.{field}", module)]
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        return [f"{where}: a Long expected, got {value!r}"]
    if hint in (str, bool, float) and not isinstance(value, hint):
        return [f"{where}: {hint.__name__} expected, got {value!r}"]
    return []


def _required(cls: type) -> list[str]:
    """The fields the SDK's generated model marks required ("This parameter is required.")."""
    source = inspect.getsource(cls.__init__)
    return re.findall(r"# This parameter is required\.\n\s+self\.(\w+)", source)


def missing_required(model, where: str) -> list[str]:
    """Fields the SDK marks required that the parsed answer lacks."""
    if isinstance(model, list):
        return [p for i, m in enumerate(model) for p in missing_required(m, f"{where}[{i}]")]
    if not isinstance(model, TeaModel):
        return []
    problems = [f"{where}.{f}" for f in _required(type(model)) if getattr(model, f) is None]
    for field in _fields(type(model)):
        problems += missing_required(getattr(model, field), f"{where}.{field}")
    return problems


def unknown_fields(answer, model, where: str) -> list[str]:
    """Fields the server answers that the SDK's model does not have (undocumented)."""
    if not isinstance(answer, dict) or not isinstance(model, TeaModel):
        return []
    names = _wire_names(type(model))
    problems = [f"{where}.{k}" for k in answer if k not in names]
    for key, value in answer.items():
        child = getattr(model, names[key], None) if key in names else None
        if isinstance(value, dict):
            problems += unknown_fields(value, child, f"{where}.{key}")
        elif isinstance(value, list) and isinstance(child, list):
            for i, (v, c) in enumerate(zip(value, child, strict=False)):
                problems += unknown_fields(v, c, f"{where}.{key}[{i}]")
    return problems


@pytest.mark.parametrize("case", sorted(CASES) + sorted(VARIANTS))
def test_the_kit_sends_what_the_sdk_sends_and_the_sdk_reads_the_answer(fake, case):
    name, make_call = VARIANTS.get(case, (case, CASES.get(case)))
    endpoint = ENDPOINTS[name]
    route = _route(endpoint)
    client = kit(fake)
    make_call(client)
    mine = next(e for e in fake.log if e["method"] == endpoint.method
                and route.match(e["path"]) is not None)
    assert mine.get("status") == 200, mine  # the strict server took the kit's request
    token = client._token("new")
    _, call = _sdk(name, fake)
    params = route.match(mine["path"])
    arguments = []
    for parameter in list(inspect.signature(call).parameters.values()):
        hint = parameter.annotation
        if parameter.name == "request":
            raw = mine["body"] if endpoint.method == "POST" else mine["query"]
            if name == "access_token":
                raw = {**raw, "appSecret": APP_SECRET}  # masked in the log
            arguments.append(hint().from_map(raw))
        elif parameter.name == "headers":
            arguments.append(hint(x_acs_dingtalk_access_token=token)
                             if isinstance(hint, type) else {})
        elif parameter.name == "runtime":
            arguments.append(util_models.RuntimeOptions())
        else:
            arguments.append(params[_camel(parameter.name)])
    REARM.get(name, lambda fake: None)(fake)
    count = len(fake.log)
    response = call(*arguments)  # raises if the SDK cannot parse the answer
    theirs = fake.log[count]
    assert (theirs["method"], theirs["path"]) == (mine["method"], mine["path"])
    assert set(theirs["query"]) == set(mine["query"])
    assert _set(theirs["body"]) == _set(mine["body"]), "the kit's body differs from the SDK's"
    assert theirs.get("status") == 200
    module = inspect.getmodule(type(response))
    assert type_problems(response.body, _fields(type(response))["body"], "body", module) == []
    assert unknown_fields(theirs["answer"], response.body, "body") == [], \
        "the server answers fields the SDK does not know"
    assert response.body.to_map(), "the SDK read nothing"
    if name == "form_schema":  # the answer carries every field the SDK marks required
        assert missing_required(response.body, "body") == []


@pytest.mark.parametrize("name", sorted(n for n, case in NO_SDK.items() if case))
def test_old_style_calls_pass_the_strict_server(fake, name):
    endpoint = ENDPOINTS[name]
    route = _route(endpoint)
    NO_SDK[name](kit(fake))
    mine = [e for e in fake.log if route.match(e["path"]) is not None]
    assert mine and all(e["status"] == 200 and e["answer"]["errcode"] == 0 for e in mine)
    assert all(set(e["body"]) <= set(endpoint.body) for e in mine)
    assert set(mine[0]["query"]) - {"access_token"} <= set(endpoint.query)


def test_the_sdk_reads_the_servers_errors(fake):
    """The error shapes the client acts on are the ones the SDK parses (code, HTTP status)."""
    from Tea.exceptions import TeaException

    from decomkit.platforms.dingtalk_api import QUOTA_CODES, RATE_LIMIT_CODES

    _, call = _sdk("list_apps", fake)
    module = importlib.import_module("alibabacloud_dingtalk.micro_app_1_0.models")
    headers = module.ListAllAppHeaders(x_acs_dingtalk_access_token="not-a-token")
    seen = {}
    for kind in ("qps", "quota", None):
        if kind:
            fake.fail("/allApps", kind)
        with pytest.raises(TeaException) as caught:
            call(headers, util_models.RuntimeOptions())
        seen[kind] = (caught.value.code, caught.value.data.get("statusCode"))
    assert seen[None] == ("InvalidAuthentication", 400)
    assert seen["qps"][0] in RATE_LIMIT_CODES and seen["qps"][1] == 403
    assert seen["quota"][0] in QUOTA_CODES and seen["quota"][1] == 403
    _, get_scope = _sdk("get_scope", fake)
    valid = module.GetMicroAppScopeHeaders(x_acs_dingtalk_access_token=kit(fake)._token("new"))
    assert get_scope(str(AGENT), valid, util_models.RuntimeOptions()).body.result.dept_ids
    with pytest.raises(TeaException) as caught:  # agentId is a Long: a name is refused
        get_scope("bi-pro", valid, util_models.RuntimeOptions())
    assert (caught.value.code, caught.value.data.get("statusCode")) == ("InvalidParameter", 400)


def test_the_committed_doc_is_generated_from_the_table():
    from pathlib import Path

    from decomkit.platforms.dingtalk_api import markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "dingtalk.md"
    assert doc.read_text(encoding="utf-8") == markdown(), \
        "regenerate: python -m decomkit.platforms.dingtalk_api docs/dingtalk.md"
    assert all(f"`{e.method} {e.path}`" in doc.read_text(encoding="utf-8")
               for e in ENDPOINTS.values())


# ------------------------------------------------------------------ where live DingTalk differs
# Each case below is what DingTalk (or its SDK) does, which the local server once did not.

def test_the_form_schema_answer_has_every_field_the_sdk_marks_required(fake):
    _, call = _sdk("form_schema", fake)
    module = importlib.import_module("alibabacloud_dingtalk.workflow_1_0.models")
    headers = module.QuerySchemaByProcessCodeHeaders(
        x_acs_dingtalk_access_token=kit(fake)._token("new"))
    response = call(module.QuerySchemaByProcessCodeRequest(process_code=PROCESS), headers,
                    util_models.RuntimeOptions())
    assert _required(type(response.body.result)) == [
        "app_type", "app_uuid", "creator_user_id", "form_code", "form_uuid", "gmt_create",
        "gmt_modified", "owner_id_type", "schema_content"]  # what the check below covers
    assert missing_required(response.body, "body") == []


def test_the_server_takes_the_empty_approver_list_the_sdk_sends(fake):
    _, call = _sdk("start_approval", fake)
    module = importlib.import_module("alibabacloud_dingtalk.workflow_1_0.models")
    headers = module.StartProcessInstanceHeaders(
        x_acs_dingtalk_access_token=kit(fake)._token("new"))
    values = [module.StartProcessInstanceRequestFormComponentValues(name=f.label, value="x")
              for f in FORM_FIELDS]
    request = module.StartProcessInstanceRequest(originator_user_id="it-admin",
                                                 process_code=PROCESS, dept_id=102,
                                                 form_component_values=values,
                                                 approvers=[])  # a caller's empty list
    response = call(request, headers, util_models.RuntimeOptions())
    assert fake.log[-1]["body"]["approvers"] == []  # the SDK sends a set list, empty or not
    assert response.body.instance_id in fake.instances


def test_a_form_component_without_a_component_id_is_taken(fake):
    _, call = _sdk("form_create", fake)
    module = importlib.import_module("alibabacloud_dingtalk.workflow_1_0.models")
    headers = module.FormCreateHeaders(x_acs_dingtalk_access_token=kit(fake)._token("new"))
    component = module.FormComponent(component_type="TextField",
                                     props=module.FormComponentProps(label="原因"))
    response = call(module.FormCreateRequest(name="x", form_components=[component]), headers,
                    util_models.RuntimeOptions())
    code = response.body.result.process_code
    assert [c["props"]["label"] for c in fake.org.templates[code]["formComponents"]] == ["原因"]


@pytest.mark.parametrize("path", ["/topapi/v2/department/listsub", "/topapi/v2/user/list"])
def test_the_department_id_is_optional_on_the_old_style_lists(fake, path):
    import httpx

    token = kit(fake)._token("old")
    body = {"cursor": 0, "size": 10} if "user" in path else {}
    answer = httpx.post(f"{fake.url}{path}", params={"access_token": token}, json=body).json()
    assert answer["errcode"] == 0 and answer["result"]  # the root department (1)


def test_a_token_outside_the_header_is_a_missing_parameter(fake):
    import httpx
    from Tea.exceptions import TeaException

    token = kit(fake)._token("new")
    answer = httpx.get(f"{fake.url}/v1.0/microApp/allApps", params={"access_token": token})
    assert answer.status_code == 400
    assert answer.json()["code"] == "AuthenticationFailed.MissingParameter"
    _, call = _sdk("list_apps", fake)
    module = importlib.import_module("alibabacloud_dingtalk.micro_app_1_0.models")
    with pytest.raises(TeaException) as caught:  # the SDK reads it as DingTalk's error
        call(module.ListAllAppHeaders(), util_models.RuntimeOptions())
    assert caught.value.code == "AuthenticationFailed.MissingParameter"


def test_an_unknown_old_style_path_is_errcode_22_with_http_200(fake):
    import httpx

    from decomkit.core.errors import PlatformError
    from decomkit.platforms.dingtalk import _old_style

    token = kit(fake)._token("old")
    answer = httpx.post(f"{fake.url}/topapi/app/remove_auth", params={"access_token": token},
                        json={})
    assert answer.status_code == 200 and answer.json()["errcode"] == 22
    assert "dingtalk.oapi.app.remove_auth" in answer.json()["sub_msg"]
    with pytest.raises(PlatformError, match="errcode 22"):  # the kit: an error, not retried
        _old_style("/topapi/app/remove_auth", answer.json())


def test_asking_for_a_token_while_it_is_valid_renews_it(fake):
    import time

    import httpx

    first = httpx.post(f"{fake.url}/v1.0/oauth2/accessToken",
                       json={"appKey": APP_KEY, "appSecret": APP_SECRET}).json()
    fake.tokens[first["accessToken"]] = time.time() + 100  # nearly expired
    again = httpx.post(f"{fake.url}/v1.0/oauth2/accessToken",
                       json={"appKey": APP_KEY, "appSecret": APP_SECRET}).json()
    assert again["accessToken"] == first["accessToken"]  # the same token …
    assert again["expireIn"] == 7200  # … its lifetime renewed (DingTalk's documented rule)
    assert fake.tokens[first["accessToken"]] > time.time() + 7000
    old = httpx.get(f"{fake.url}/gettoken",
                    params={"appkey": APP_KEY, "appsecret": APP_SECRET}).json()
    assert old["access_token"] == first["accessToken"] and old["expires_in"] == 7200


def test_every_code_the_strict_server_answers_is_in_the_error_table():
    """docs/dingtalk.md says what the kit does with each code DingTalk answers: every code the
    local server can answer (its source) and every code the kit acts on is in the table."""
    from pathlib import Path

    from decomkit.platforms.dingtalk_api import (
        ERROR_CODES,
        OLD_QUOTA_ERRCODES,
        OLD_TOKEN_ERRCODES,
        QUOTA_CODES,
        TOKEN_INVALID_CODES,
    )

    source = (Path(__file__).resolve().parent / "fake_dingtalk.py").read_text(encoding="utf-8")
    answered = set(re.findall(r'"code": "([^"]+)"', source)) | set(
        re.findall(r'"errcode": (-?\d+)', source))
    acted_on = {*TOKEN_INVALID_CODES, *QUOTA_CODES, *map(str, OLD_TOKEN_ERRCODES),
                *map(str, OLD_QUOTA_ERRCODES), "410100", "1111"}
    table = " ".join(code for code, _, _ in ERROR_CODES)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "dingtalk.md").read_text("utf-8")
    rate_limits = doc.split("- Rate limits", 1)[1].split("\n", 1)[0]
    missing = sorted(c for c in (answered | acted_on) - {"0"}
                     if not re.search(rf"(?<![\w.-]){re.escape(c)}(?![\w-])", table)
                     and c not in rate_limits)
    assert missing == [], f"codes without a line in the error table: {missing}"
