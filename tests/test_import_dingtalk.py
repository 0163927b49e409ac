"""``decomkit import dingtalk`` against the local server serving a realistic organisation."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from decomkit.cli import main
from decomkit.context.stage import open_stage
from decomkit.context.workspace import Workspace, init_workspace
from decomkit.inventory.importers import LEDGER_SUBJECT
from decomkit.lifecycle.decide import run_portfolio
from fake_dingtalk import APP_KEY, APP_SECRET, FakeDingTalk, Organisation
from fake_org import ROOT, FakeOrg

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
OPERATOR = "it-admin"


@pytest.fixture
def org():
    return FakeOrg()


@pytest.fixture
def server(org):
    org.admins.add(OPERATOR)
    fake = FakeDingTalk(Organisation(org_admins={OPERATOR}), contacts=org).start()
    yield fake
    fake.stop()


@pytest.fixture
def on_dingtalk(tmp_path, server, monkeypatch) -> Workspace:
    """An empty workspace whose platform is the local DingTalk server."""
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_KEY", APP_KEY)
    monkeypatch.setenv("DECOMKIT_DINGTALK_APP_SECRET", APP_SECRET)
    workspace = init_workspace(tmp_path / "ws", platform="dingtalk", operator=OPERATOR)
    config = workspace.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      .replace("https://api.dingtalk.com", server.url)
                      .replace("https://oapi.dingtalk.com", server.url)
                      .replace('operator_user_id = ""', f'operator_user_id = "{OPERATOR}"'),
                      encoding="utf-8")
    return Workspace.open(workspace.root)


def calls(server, path: str) -> int:
    return sum(1 for _, p in server.calls if p == path)


def data_files(workspace: Workspace) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(workspace.path("data").iterdir())}


def test_the_organisation_is_realistic(org):
    assert len(org.apps) >= 300 and len(org.users) >= 2000 and org.depth() >= 4
    assert {a["kind"] for a in org.apps.values()} == {"official", "third_party", "self_built"}


def test_import_on_an_empty_workspace_writes_apps_users_scopes_admins(on_dingtalk, org, server,
                                                                      capsys):
    assert main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0"]) == 0
    out = capsys.readouterr().out
    assert f"应用清单:新增 {len(org.apps)}" in out and f"用户:新增 {len(org.users)}" in out
    inventory = on_dingtalk.inventory(["users", "app_scopes"])
    apps = inventory.apps.set_index("app_id")
    assert len(apps) == len(org.apps)
    some = next(a for a, v in org.apps.items() if v["kind"] == "official")
    assert apps.loc[some, "name"] == org.apps[some]["name"]
    assert apps.loc[some, "kind"] == "official"
    assert set(apps["kind"]) == {"official", "third_party", "self_built"}
    assert set(apps["status"]) == {"enabled", "disabled", "expired"}

    users = inventory.users.set_index("user_id")
    assert len(users) == len(org.users)  # people in two departments counted once
    someone = next(u for u, v in org.users.items() if v["dept_id_list"][0] != ROOT)
    assert users.loc[someone, "department"] == org.path(org.users[someone]["dept_id_list"][0])
    assert users["department"].str.count("/").max() + 1 >= 4
    # the call centre team (250 people) takes three pages of at most 100
    assert sum(1 for u in users["dept_id"] if u == str(org.big_team)) >= 230
    assert calls(server, "/topapi/v2/user/list") == len(org.depts) + 1 + 2
    # each department's manager (user/list: leader) heads it: its apps' department head
    marked = users[users["dept_head"].fillna(False).astype(bool)]
    assert set(marked.index) == set(org.heads.values()) and len(marked) > 10

    scopes = inventory.app_scopes
    admins = scopes[scopes["access"] == "admin"]
    assert set(admins["app_id"]) == set(org.apps)  # every app has its admin role read
    many = org.many_roles  # 143 roles: the second admin role is on the second page
    expected = [u for r in org.apps[many]["roles"] if r["canManageRole"] for u in r["userIdList"]]
    assert sorted(admins[admins["app_id"] == many]["member_id"]) == sorted(expected)
    assert len(expected) > len(org.apps[many]["roles"][0]["userIdList"])
    assert sum(1 for _, p in server.calls if p == f"/v1.0/microApp/apps/{many}/roles") == 2
    everyone = scopes[(scopes["access"] == "visible") & (scopes["member_type"] == "everyone")]
    assert set(everyone["app_id"]) == {a for a, v in org.apps.items()
                                        if not any(v["scope"][k] for k in
                                                   ("userIds", "deptIds", "roleIds"))
                                        and not v["scope"]["onlyAdminVisible"]}
    with on_dingtalk.ledger() as ledger:
        [note] = ledger.events(LEDGER_SUBJECT)
    assert note.data["tables"]["apps"]["added"] == len(org.apps)
    assert note.data["source"].startswith("dingtalk http://127.0.0.1")
    assert server.changing_calls() == []  # an import only reads


def test_a_second_import_shows_exactly_the_change_and_keeps_hand_kept_columns(
        on_dingtalk, org, server, capsys):
    main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0"])
    apps_csv = on_dingtalk.path("data") / "apps.csv"
    apps = pd.read_csv(apps_csv, dtype=str)
    kept_app, removed = apps.loc[0, "app_id"], apps.loc[1, "app_id"]
    apps.loc[0, ["function_fit", "alternative", "vendor"]] = ["2", "钉钉审批", "某供应商"]
    apps.to_csv(apps_csv, index=False)
    (on_dingtalk.path("data") / "costs.csv").write_text(
        f"app_id,month,category,amount\n{kept_app},2026-10,licence,900\n", encoding="utf-8")
    mover = list(org.users)[500]
    old_dept = org.users[mover]["dept_id_list"][0]
    new_dept = next(d for d in org.leaves() if d != old_dept)
    org.remove_app(removed)
    added = org.add_app("新版合同管理", kind="self_built")
    org.move_user(mover, new_dept)
    capsys.readouterr()

    before = data_files(on_dingtalk)
    assert main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0", "--dry-run",
                 "--tables", "apps,users"]) == 0
    out = capsys.readouterr().out
    assert data_files(on_dingtalk) == before  # a dry run writes nothing
    assert "应用清单:新增 1,变更 0,消失 1,恢复 0" in out  # a zh workspace
    assert f"+ {added} 新版合同管理" in out and f"- {removed}" in out
    assert "用户:新增 0,变更 1,消失 0,恢复 0" in out
    assert f"~ {mover} {org.users[mover]['name']}:部门:{org.path(old_dept)} → " \
           f"{org.path(new_dept)};dept_id:{old_dept} → {new_dept}" in out

    assert main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0"]) == 0
    inventory = on_dingtalk.inventory(["users", "costs", "app_scopes"])
    apps = inventory.apps.set_index("app_id")
    assert apps.loc[kept_app, "function_fit"] == 2 and apps.loc[kept_app, "vendor"] == "某供应商"
    assert apps.loc[kept_app, "alternative"] == "钉钉审批"
    assert pd.notna(apps.loc[removed, "gone_since"]) and pd.isna(apps.loc[kept_app, "gone_since"])
    assert apps.loc[added, "kind"] == "self_built"
    assert apps.loc[added, "unified_app_id"] == f"u-{added}"  # from allInnerApps
    assert inventory.users.set_index("user_id").loc[mover, "dept_id"] == str(new_dept)
    assert removed not in set(inventory.app_scopes["app_id"])
    run = run_portfolio(open_stage(str(on_dingtalk.root)), record=False)
    assert removed in run.table.index and removed not in set(run.candidates["app_id"])
    with on_dingtalk.ledger() as ledger:
        notes = ledger.events(LEDGER_SUBJECT)
    assert len(notes) == 2 and notes[-1].data["tables"]["apps"] == {
        "added": 1, "changed": 0, "gone": 1, "returned": 0, "unchanged": len(org.apps) - 1}


def test_portfolio_and_assessment_run_on_the_imported_workspace(on_dingtalk, org, tmp_path):
    main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0"])
    app = next(a for a, v in org.apps.items() if v["appStatus"] == 1
               and v["scope"]["deptIds"])

    def run(name: str, **parameters) -> str:
        pm.execute_notebook(str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="decomkit",
                            parameters={"workspace": str(on_dingtalk.root), "language": "en",
                                        **parameters}, progress_bar=False, cwd=str(tmp_path))
        book = nbformat.read(tmp_path / name, as_version=4)
        return "\n".join(str(o.get("text", "")) + str(o.get("data", ""))
                         for cell in book.cells for o in cell.get("outputs", []))

    portfolio = run("00_portfolio.ipynb")
    assert "usage unknown" in portfolio
    assert not re.search(r"idle \d+ days|Nobody ha[sd] used", portfolio)
    candidates = pd.read_csv(on_dingtalk.root / "candidates.csv")
    assert (candidates["recommendation"] != "retire").all()  # nothing retired on a missing log
    assessment = run("01_assess.ipynb", app_id=app)
    assert "Usage unknown" in assessment
    with on_dingtalk.ledger() as ledger:
        decided = ledger.last(app, "decided")
    assert decided.data["recommendation"] != "retire"


def test_who_loses_access_comes_from_the_imported_scopes(on_dingtalk, org, as_of):
    from decomkit.analysis.impact import assess_impact
    from decomkit.inventory.access import people_with_access

    main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0"])
    inventory = on_dingtalk.inventory(["users", "app_scopes"])
    app = next(a for a, v in org.apps.items() if v["scope"]["deptIds"]
               and not v["scope"]["userIds"])
    scope_depts = org.apps[app]["scope"]["deptIds"]

    def below(dept: int) -> bool:  # a department's people include its sub-departments'
        while dept != ROOT:
            if dept in scope_depts:
                return True
            dept = org.depts[dept]["parent_id"]
        return False

    admins = {u for r in org.apps[app]["roles"] if r["canManageRole"] for u in r["userIdList"]}
    expected = {u for u, v in org.users.items() if below(v["dept_id_list"][0])} | admins
    people = people_with_access(inventory, app)
    assert set(people["user_id"]) == expected and len(expected) > len(admins)
    impact = assess_impact(inventory, app, as_of, "en")
    assert int(impact.users_by_department["users"].sum()) == len(expected)
    assert any("can open it now" in r for r in impact.reasons)


def test_rate_limits_are_waited_out_and_calls_paced(on_dingtalk, org, server, monkeypatch):
    from decomkit.platforms import dingtalk_import as importer

    server.fail("/topapi/v2/user/list", "90002", 2)  # DingTalk's "too many calls" answer
    server.fail("/roles", "qps", 2)
    client = importer.client_for(on_dingtalk)
    client._max_wait = 0.01  # the backoff, shortened for the test
    result = importer.import_dingtalk(on_dingtalk, ["users", "admins"], qps=0, quiet=True,
                                      client=client)
    assert {d.table: d.counts()["added"] for d in result.diffs}["users"] == len(org.users)
    assert calls(server, "/topapi/v2/user/list") == len(org.depts) + 1 + 2 + 2  # 2 repeated

    slept: list[float] = []  # the pacer, on a clock that only moves when it sleeps
    now = [100.0]
    monkeypatch.setattr(importer.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(importer.time, "sleep", lambda s: (slept.append(s), now.__setitem__(
        0, now[0] + s)))
    pacer = importer._Pacer(qps=20)
    for _ in range(5):
        pacer.wait()
    assert slept == pytest.approx([0.05] * 4)  # 5 calls at once: 4 waits of 1/20 s


def test_unknown_tables_are_refused_before_any_call(on_dingtalk, server, capsys):
    assert main(["import", "dingtalk", str(on_dingtalk.root), "--tables", "apps,licences"]) == 1
    # the workspace reads Chinese: the refusal is said in it (English form: str(error))
    assert "--tables:含有 1 个未知的表名" in capsys.readouterr().err
    assert server.calls == [] and not list(on_dingtalk.path("data").iterdir())


def test_the_imports_calls_are_metered_for_the_monthly_quota(on_dingtalk, server):
    from decomkit.platforms.dingtalk_calls import CALLS_NAME, counts

    assert main(["import", "dingtalk", str(on_dingtalk.root), "--quiet", "--qps", "0",
                 "--tables", "apps,scopes"]) == 0
    metered = [p for _, p in server.calls if not p.endswith(("/oauth2/accessToken", "/gettoken"))]
    assert metered  # positive control: the import called DingTalk
    assert sum(counts(on_dingtalk.root / "platform" / CALLS_NAME).values()) == len(metered)
