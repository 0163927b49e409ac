"""解除免费关联 四.1: purchases and sales still open are a blocking finding before unlinking."""

from __future__ import annotations

import dataclasses

import pytest

from decomkit.analysis.preflight import checks_table, open_documents
from decomkit.context.stage import open_stage
from decomkit.core.errors import TransitionError
from decomkit.lifecycle.approval import submit_approval
from decomkit.lifecycle.decide import run_assessment
from decomkit.lifecycle.execute import run_disable
from decomkit.platforms.sandbox import SandboxPlatform
from decomkit.proof.gates import GATES, blocking
from helpers import approve, close_jxc_documents, no_advance_notice, world

APP = "jxc"


def checks(ws, app_id: str) -> dict:
    stage = open_stage(str(ws.root), language="en", analyst="it-admin")
    return {c.item: c for c in run_assessment(stage, app_id).checks}


def test_the_demo_jxc_has_open_purchases_and_sales_listed_as_blocking(demo):
    found = open_documents(demo, "jxc")
    assert [f.split(" ")[0] for f in found] == ["采购订单", "销售记录"]
    assert "JXC-00007" in found[0] and "JXC-00057" in found[0]
    check = checks(demo, "jxc")["open_documents"]
    assert check.status == "fail" and "采购订单" in check.detail
    stage = open_stage(str(demo.root), language="en", analyst="it-admin")
    table = checks_table(run_assessment(stage, "jxc").checks, "en")
    assert "blocked" in set(table[table["item"] == "Open documents"]["status"])
    with demo.ledger() as ledger:
        assert ledger.events("jxc") == []  # assessing records nothing by itself


def test_closed_documents_pass_and_undeclared_apps_have_no_such_check(demo):
    close_jxc_documents(demo)
    assert open_documents(demo, "jxc") == []
    assert checks(demo, "jxc")["open_documents"].status == "ok"
    assert open_documents(demo, "old-attendance") is None
    assert "open_documents" not in checks(demo, "old-attendance")


def test_a_declared_status_column_missing_from_the_export_is_named(demo):
    path = demo.root / "data" / "datasets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",状态,", ",单据状态,"),
                    encoding="utf-8")
    found = open_documents(demo, "jxc")
    assert all("'单据状态' is missing, so it cannot be checked" in f for f in found)
    assert checks(demo, "jxc")["open_documents"].status == "fail"


# ------------------------------------------------------------------ the finding closes the gate

REASON = "剩余采购单由仓储部在 WMS 中接续入库,财务已核对"


@pytest.fixture
def approved(verified):
    """进销存 approved for today (no advance notice configured), its documents still open."""
    no_advance_notice(verified)
    submit_approval(open_stage(str(verified.root), analyst="it-admin"), APP, reason="已由WMS替代")
    approve(verified, APP, open_stage(str(verified.root), analyst="it-admin"))
    return verified


def test_open_documents_refuse_a_real_unlink_and_change_nothing(approved):
    st = open_stage(str(approved.root), analyst="it-admin")
    before = world(approved)
    with pytest.raises(TransitionError, match="open documents in the exports: 采购订单 7"):
        run_disable(st, APP, dry_run=False, confirm=APP)
    for reason in ("", "too short"):
        with pytest.raises(TransitionError, match="open documents"):
            run_disable(st, APP, dry_run=False, confirm=APP, override_reason=reason)
    assert world(approved) == before  # no platform call, no message, no ledger row or action
    assert SandboxPlatform(approved.root / "platform").get_app(APP).status == "enabled"
    run = run_disable(st, APP, dry_run=False, confirm=APP, override_reason=REASON)
    assert run.state == "verified_disabled"
    with approved.ledger() as ledger:
        override = ledger.last(APP, "access_revoked").data["override"]
    assert override["conditions"] == ["open_documents"] and override["reason"] == REASON
    assert "采购订单 7" in override["bypassed"]


def test_04_names_the_finding_in_the_readers_language(approved):
    zh = run_disable(open_stage(str(approved.root), analyst="it-admin", language="zh"), APP,
                     confirm=APP)
    assert [u.condition for u in zh.unmet] == ["open_documents"]
    [line] = zh.gate_lines("zh")
    assert line.startswith("阻断项:导出数据中仍有未结单据:采购订单 7 张(JXC-00007")
    assert "销售记录 5 张" in line and "open" not in line and "None" not in line
    [line] = zh.gate_lines("en")
    assert line.startswith("blocking finding — open documents in the exports: 采购订单 7 (")


def test_closing_the_documents_in_the_export_opens_the_gate(approved):
    st = open_stage(str(approved.root), analyst="it-admin")
    assert "open documents" in run_disable(st, APP, confirm=APP).blocked
    close_jxc_documents(approved)  # closed in the app, exported again
    assert run_disable(st, APP, confirm=APP).gate_lines("en") == ["gates open"]
    assert run_disable(st, APP, dry_run=False, confirm=APP).state == "verified_disabled"
    with approved.ledger() as ledger:
        assert "override" not in ledger.last(APP, "access_revoked").data


def test_the_blocking_label_is_read_from_the_gate_table(demo, monkeypatch):
    assert blocking("open_documents") and not blocking("linked")
    assert checks(demo, "jxc")["open_documents"].status == "fail"
    for action in ("revoke", "disable"):  # a table without the finding: no longer labelled
        gate = GATES[action]
        monkeypatch.setitem(GATES, action, dataclasses.replace(gate, requires=tuple(
            c for c in gate.requires if c != "open_documents")))
    assert not blocking("open_documents")
    assert checks(demo, "jxc")["open_documents"].status == "warn"


def test_an_operator_without_admin_rights_is_a_blocking_finding_too(approved):
    """01_assess labels it blocking; the disable gate holds it, asked of the platform."""
    close_jxc_documents(approved)
    outsider = open_stage(str(approved.root), analyst="u0150", language="en")
    assert {c.item: c.status for c in run_assessment(outsider, APP).checks}["admin"] == "fail"
    dry = run_disable(outsider, APP, confirm=APP)
    assert [u.condition for u in dry.unmet] == ["admin"]
    assert dry.gate_lines("zh") == [
        "阻断项:管理员权限:u0150 不是该应用管理员,请联系系统管理员授权。"]
    before = world(approved)
    with pytest.raises(TransitionError, match="u0150 is not an admin of the app"):
        run_disable(outsider, APP, dry_run=False, confirm=APP)
    assert world(approved) == before
    admin = open_stage(str(approved.root), analyst="it-admin")
    assert run_disable(admin, APP, dry_run=False, confirm=APP).state == "verified_disabled"
