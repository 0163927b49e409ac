"""解除免费关联 四.1: purchases and sales still open are a blocking finding before unlinking."""

from __future__ import annotations

from decomkit.analysis.preflight import checks_table, open_documents
from decomkit.context.stage import open_stage
from decomkit.lifecycle.decide import run_assessment


def checks(ws, app_id: str) -> dict:
    stage = open_stage(str(ws.root), language="en", analyst="it-admin")
    return {c.item: c for c in run_assessment(stage, app_id).checks}


def export_of(ws, name: str):
    datasets = ws.inventory(["datasets"]).datasets
    row = datasets[(datasets["app_id"] == "jxc") & (datasets["name"] == name)].iloc[0]
    return ws.root / "exports" / "jxc" / row["export_file"]


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
    for name, (done, still_open) in {"采购订单": ("已入库", "待入库"),
                                     "销售记录": ("已出库", "待出库")}.items():
        path = export_of(demo, name)
        if path.suffix == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path)
            for row in book.active.iter_rows():
                for cell in row:
                    if cell.value == still_open:
                        cell.value = done
            book.save(path)
        else:
            encoding = "gbk" if path.stem.endswith(".gbk") else "utf-8"
            path.write_bytes(path.read_bytes().decode(encoding).replace(still_open, done)
                             .encode(encoding))
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
