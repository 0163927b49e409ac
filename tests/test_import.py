"""Onboarding: console exports through column maps, and the organisation from DingTalk."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from decomkit.cli import main
from decomkit.context.workspace import Workspace
from decomkit.core.errors import InputError
from decomkit.inventory.importers import LEDGER_SUBJECT, import_file
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.inventory.tables import check_table, find_table_file, read_raw

TODAY = dt.date(2026, 11, 23)
HEADER = ["姓名", "工号", "UserID", "部门", "职位", "手机", "邮箱"]
PEOPLE = [
    ["王芳", "HY001", "0170112", "华远集团/销售中心/华东；华远集团/市场部", "经理", "", "wf@hy.cn"],
    ["李强", "HY002", "0170113", "华远集团/财务中心", "会计", "", ""],
    ["张伟", "HY003", "0170114", "华远集团/研发中心/平台组/后端", "工程师", "", "zw@hy.cn"],
]


def console_csv(path: Path, rows: list[list[str]], encoding: str = "gbk") -> Path:
    """The console's contacts export: a title line, then the header, then people."""
    lines = ["钉钉通讯录导出,,,,,,", ",".join(HEADER)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def console_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["通讯录导出", None, None, "导出时间", dt.datetime(2026, 11, 23, 9, 30)])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def data_files(workspace: Workspace) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(workspace.path("data").iterdir())}


def read_table(workspace: Workspace, name: str) -> pd.DataFrame:
    """One table as the stages read it (typed, validated), without needing the others."""
    schema = TABLES_BY_NAME[name]
    problems: list = []
    [path] = find_table_file(workspace.path("data"), schema)
    frame, first = read_raw(path, schema, problems)
    checked = check_table(frame, schema, path.name, first, problems)
    assert not problems
    return checked


def import_notes(workspace: Workspace) -> list:
    with workspace.ledger() as ledger:
        return ledger.events(LEDGER_SUBJECT)


# ---------------------------------------------------------------- column maps


def test_contacts_gbk_csv_imports_through_the_shipped_map(workspace, tmp_path):
    source = console_csv(tmp_path / "通讯录.csv", PEOPLE)
    result = import_file(workspace, "users", "dingtalk_contacts", source, today=TODAY)
    users = read_table(workspace, "users").set_index("user_id")
    assert list(users.index) == ["0170112", "0170113", "0170114"]
    # the first of several departments, the path kept; the 工号 kept too
    assert users.loc["0170112", "department"] == "华远集团/销售中心/华东"
    assert users.loc["0170114", "job_number"] == "HY003"
    assert pd.isna(users.loc["0170113", "email"])
    [note] = import_notes(workspace)
    assert note.data["tables"]["users"]["added"] == 3 and "通讯录.csv" in note.data["source"]
    assert [p.name for p in result.written] == ["users.csv"]


def test_contacts_xlsx_with_a_title_block_imports(workspace, tmp_path):
    source = console_xlsx(tmp_path / "contacts.xlsx", [
        ["王芳", "HY001", 170112, "总部/销售部/华东", "经理", None, "wf@hy.cn"]])
    column_map = workspace.root / "maps" / "split_last.yaml"  # a user's own map, no code
    column_map.parent.mkdir()
    column_map.write_text("table: users\ncolumns:\n  user_id: {from: UserID}\n"
                          "  name: {from: 姓名}\n  department:\n    from: 部门\n"
                          "    split: {separator: /, take: last}\n",
                          encoding="utf-8")
    import_file(workspace, "users", "split_last", source, today=TODAY)
    users = read_table(workspace, "users")
    assert users.loc[0, "user_id"] == "170112"  # a number cell becomes the id's text
    assert users.loc[0, "department"] == "华东"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_bad_row_is_named_and_nothing_is_written(workspace, tmp_path, kind):
    bad = [*PEOPLE[:2], ["", "HY009", "0170119", "华远集团/行政中心", "", "", ""]]
    source = (console_csv(tmp_path / "通讯录.csv", bad) if kind == "csv"
              else console_xlsx(tmp_path / "通讯录.xlsx", bad))
    before = data_files(workspace)
    with pytest.raises(InputError) as caught:
        import_file(workspace, "users", "dingtalk_contacts", source, today=TODAY)
    [problem] = caught.value.problems
    assert problem.file == source.name
    assert problem.row == (5 if kind == "csv" else 6)  # as the spreadsheet numbers it
    assert problem.column == "姓名 → name"
    assert data_files(workspace) == before and import_notes(workspace) == []


def test_a_missing_source_column_and_a_bad_map_are_named(workspace, tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("姓名,部门\n王芳,销售部\n", encoding="utf-8")
    with pytest.raises(InputError, match="UserID / 员工UserID"):
        import_file(workspace, "users", "dingtalk_contacts", source)
    with pytest.raises(InputError, match="maps into the 'users' table, not 'costs'"):
        import_file(workspace, "costs", "dingtalk_contacts", source)
    (workspace.root / "maps").mkdir()
    (workspace.root / "maps" / "broken.yaml").write_text(
        "table: users\ncolumns:\n  name: {from: 姓名, colour: red}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_file(workspace, "users", "broken", source)
    assert "broken.yaml, column 'columns.name.colour'" in str(caught.value)
    (workspace.root / "maps" / "broken.yaml").write_text(
        "table: users\ncolumns:\n  name: {from: 姓名}\n  department: {from: 部门}\n",
        encoding="utf-8")
    with pytest.raises(InputError, match="column 'user_id': required table column has no rule"):
        import_file(workspace, "users", "broken", source)
    assert not (workspace.path("data") / "users.csv").exists()


def test_cost_report_and_usage_log_through_maps(workspace, tmp_path):
    workspace.path("data").joinpath("apps.csv").write_text(
        "app_id,name\n2001,进销存\n2002,CRM客户管理\n", encoding="utf-8")
    costs = tmp_path / "费用.csv"
    costs.write_bytes("应用名称,月份,费用类型,金额(元)\n进销存,2026年10月,软件订阅费,\"1,200.00\"\n"
                      "CRM客户管理,2026-10,维护费,￥300\n".encode("gbk"))
    import_file(workspace, "costs", "monthly_costs", costs, today=TODAY)
    table = read_table(workspace, "costs")
    assert table["category"].tolist() == ["licence", "maintenance"]
    assert table["amount"].tolist() == [1200.0, 300.0]
    assert table["month"].tolist() == [pd.Timestamp("2026-10-01")] * 2

    log = tmp_path / "访问记录.csv"
    log.write_text("访问时间,应用名称,UserID\n2026-11-02 09:15:00,进销存,u1\n"
                   "2026-11-03 10:00:00,未知应用,u2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:  # a name the apps table does not know
        import_file(workspace, "usage_events", "usage_log", log, today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "应用名称")]
    assert not (workspace.path("data") / "usage_events.csv").exists()


# ---------------------------------------------------------------- merge, never clobber


def test_a_reimport_keeps_hand_kept_columns_and_marks_people_gone(workspace, tmp_path):
    import_file(workspace, "users", "dingtalk_contacts",
                console_csv(tmp_path / "a.csv", PEOPLE), today=TODAY)
    users_csv = workspace.path("data") / "users.csv"
    kept = pd.read_csv(users_csv, dtype=str)
    kept["备注"] = ["key user", None, None]  # a column only the analyst keeps
    kept.loc[1, "email"] = "lq@hy.cn"  # the export has none: a blank never erases it
    kept.to_csv(users_csv, index=False)
    moved = [[*PEOPLE[0][:3], "华远集团/市场部", *PEOPLE[0][4:]], PEOPLE[1]]  # 张伟 left

    before = data_files(workspace)
    dry = import_file(workspace, "users", "dingtalk_contacts",
                      console_csv(tmp_path / "b.csv", moved), dry_run=True, today=TODAY)
    assert data_files(workspace) == before and len(import_notes(workspace)) == 1
    [diff] = dry.diffs
    assert (diff.added, diff.gone, list(diff.changed)) == ([], ["0170114"], ["0170112"])
    assert diff.changed["0170112"] == {"department": ("华远集团/销售中心/华东", "华远集团/市场部")}

    import_file(workspace, "users", "dingtalk_contacts",
                console_csv(tmp_path / "b.csv", moved), today=TODAY)
    users = read_table(workspace, "users").set_index("user_id")
    assert users.loc["0170112", "备注"] == "key user"
    assert users.loc["0170113", "email"] == "lq@hy.cn"
    assert users.loc["0170114", "gone_since"] == pd.Timestamp(TODAY)  # marked, not deleted
    assert pd.isna(users.loc["0170112", "gone_since"])
    assert import_notes(workspace)[-1].data["tables"]["users"] == {
        "added": 0, "changed": 1, "gone": 1, "returned": 0, "unchanged": 1}


def test_written_cells_never_run_as_formulas(workspace, tmp_path):
    rows = [["=HYPERLINK(\"http://x\")", "HY001", "0170112", "销售部", "", "", ""]]
    import_file(workspace, "users", "dingtalk_contacts", console_csv(tmp_path / "f.csv", rows,
                                                                     "utf-8"))
    text = (workspace.path("data") / "users.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_cli_import_file_dry_run_prints_the_diff(workspace, tmp_path, capsys):
    source = console_csv(tmp_path / "通讯录.csv", PEOPLE)
    code = main(["import", "file", str(workspace.root), str(source), "--table", "users",
                 "--map", "dingtalk_contacts", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "用户:新增 3" in out and "+ 0170112 王芳" in out  # a zh workspace
    assert not (workspace.path("data") / "users.csv").exists()


def test_the_readme_map_example_and_the_shipped_maps_are_valid_maps(tmp_path):
    from decomkit.core.resources import templates_dir
    from decomkit.inventory.importers.maps import load_map

    guide = (Path(__file__).resolve().parents[1] / "docs" / "analyst.md").read_text("utf-8")
    section = guide[guide.index("### Column maps"):guide.index("### Usage without an API")]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example.yaml").write_text(example, encoding="utf-8")
    assert set(load_map(tmp_path / "example.yaml").columns) >= {"user_id", "name", "department"}
    shipped = {p.stem: load_map(p).table for p in (templates_dir() / "import").glob("*.yaml")}
    assert shipped == {"dingtalk_contacts": "users", "monthly_costs": "costs",
                       "usage_log": "usage_events"}
    for name in shipped:
        assert f"| `{name}` |" in section  # every shipped map is documented


def test_a_neutralised_cell_does_not_show_as_a_change_on_reimport(workspace, tmp_path):
    rows = [["=1+2", "HY001", "0170112", "销售部", "", "", ""]]
    source = console_csv(tmp_path / "f.csv", rows, "utf-8")
    import_file(workspace, "users", "dingtalk_contacts", source)
    again = import_file(workspace, "users", "dingtalk_contacts", source, dry_run=True)
    assert again.diffs[0].counts()["unchanged"] == 1 and again.diffs[0].empty


def test_a_kept_chinese_xlsx_stays_a_chinese_xlsx(workspace):
    from decomkit.inventory.importers import apply_import

    kept = workspace.path("data") / "应用清单.xlsx"
    pd.DataFrame({"应用ID": ["2001", "2002"], "应用名称": ["进销存", "旧名"],
                  "功能匹配度": [2, 4], "备注": ["财务在用", None]}).to_excel(kept, index=False)
    incoming = pd.DataFrame({"app_id": ["2002", "2003"], "name": ["新名", "OA审批"],
                             "kind": ["third_party", "official"]})
    result = apply_import(workspace, "test", {"apps": incoming}, dry_run=False, today=TODAY)
    assert result.written == (kept,) and sorted(p.name for p in workspace.path("data").iterdir()
                                                ) == ["应用清单.xlsx"]
    header = [c.value for c in next(openpyxl.load_workbook(kept).active.iter_rows())]
    assert header[:4] == ["应用ID", "应用名称", "功能匹配度", "备注"]
    assert {"应用类型", "平台已删除"} <= set(header)  # new columns in the file's language
    apps = workspace.inventory([]).apps.set_index("app_id")
    assert apps.loc["2001", "function_fit"] == 2 and apps.loc["2001", "备注"] == "财务在用"
    assert apps.loc["2001", "gone_since"] == pd.Timestamp(TODAY)
    assert apps.loc["2002", "name"] == "新名" and apps.loc["2003", "kind"] == "official"


def test_an_unknown_map_or_table_is_named_not_echoed(workspace, tmp_path):
    source = console_csv(tmp_path / "通讯录.csv", PEOPLE)
    with pytest.raises(InputError) as caught:
        import_file(workspace, "users", "../../secret-plan", source)
    assert "secret-plan" not in str(caught.value) and "--map" in str(caught.value)
    with pytest.raises(InputError) as caught:
        import_file(workspace, "salaries", "dingtalk_contacts", source)
    assert "salaries" not in str(caught.value) and "--table" in str(caught.value)


def test_a_usage_log_grows_without_counting_a_visit_twice(workspace, tmp_path):
    workspace.path("data").joinpath("apps.csv").write_text("app_id,name\n2001,进销存\n",
                                                           encoding="utf-8")
    first = tmp_path / "log1.csv"
    first.write_text("访问时间,应用名称,UserID\n2026-11-02 09:15:00,进销存,u1\n"
                     "2026-11-02 10:00:00,进销存,u2\n", encoding="utf-8")
    second = tmp_path / "log2.csv"  # overlaps the first by one visit
    second.write_text("访问时间,应用名称,UserID\n2026-11-02 10:00:00,进销存,u2\n"
                      "2026-11-03 08:00:00,进销存,u3\n", encoding="utf-8")
    import_file(workspace, "usage_events", "usage_log", first, today=TODAY)
    result = import_file(workspace, "usage_events", "usage_log", second, today=TODAY)
    assert result.diffs[0].counts()["added"] == 1 and result.diffs[0].unchanged == 1
    log = read_table(workspace, "usage_events")
    assert log["user_id"].tolist() == ["u1", "u2", "u3"]
