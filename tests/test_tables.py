"""Reading real-world inventory exports, and refusing bad ones with every problem at once."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from decomkit.core.errors import InputError
from decomkit.inventory.schemas import TABLES_BY_NAME
from decomkit.inventory.tables import Inventory, decode_csv, empty_table, load_inventory

APPS_HEADER = "app_id,name,licensed_seats\n"


def write(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def problems(exc: InputError) -> set[tuple]:
    return {(p.file, p.row, p.column) for p in exc.problems}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_chinese_export_decodes_exactly(data, encoding):
    names = ["进销存", "考勤打卡", "CRM客户管理", "会议室预订(旧)", "簿记·账册"]
    if encoding == "gb18030":
        names.append("𠀀僻字")  # outside GBK, inside GB18030
    write(data / "apps.csv", APPS_HEADER + "".join(f"A{i},{n},5\n" for i, n in enumerate(names)),
          encoding)
    apps = load_inventory(data).apps
    assert list(apps["name"]) == names
    assert list(apps["licensed_seats"]) == [5] * len(names)


def test_bom_header_still_matches(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n", "utf-8-sig")
    assert list(load_inventory(data).apps["app_id"]) == ["A1"]


def test_chinese_headers_and_values_are_understood(data):
    write(data / "应用清单.csv", "应用ID,应用名称,状态,授权席位\nA1,进销存,停用,\"1,200\"\n", "gbk")
    apps = load_inventory(data).apps
    assert apps.loc[0, "status"] == "disabled"
    assert apps.loc[0, "licensed_seats"] == 1200


def test_bytes_in_no_known_encoding_are_refused_not_guessed(data):
    (data / "apps.csv").write_bytes(b"app_id,name\nA1,\x80\xff\xfe\n")
    with pytest.raises(InputError) as caught:
        load_inventory(data)
    assert "neither UTF-8 nor GBK" in str(caught.value)
    assert "apps.csv" in str(caught.value)


def test_text_already_damaged_is_refused(data):
    write(data / "apps.csv", "app_id,name\nA1,进\ufffd存\n")
    with pytest.raises(InputError, match="replacement characters"):
        load_inventory(data)


def test_decode_never_returns_replacement_characters():
    text, encoding = decode_csv("名称\n进销存\n".encode("gbk"), "x.csv")
    assert (text, encoding) == ("名称\n进销存\n", "gb18030")


def test_dates_in_console_formats(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n")
    write(data / "incidents.csv", "incident_id,app_id,date,severity\n"
          "I1,A1,2025/6/21,high\nI2,A1,2025年6月2日,低\nI3,A1,2025-06-21 14:13:21,medium\n"
          "I4,A1,2025.7.1,critical\n")
    incidents = load_inventory(data).incidents
    assert [d.strftime("%Y-%m-%d") for d in incidents["date"]] == [
        "2025-06-21", "2025-06-02", "2025-06-21", "2025-07-01"]
    assert list(incidents["severity"]) == ["high", "low", "medium", "critical"]


def test_xlsx_with_dates_and_numbers(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n")
    book = openpyxl.Workbook()
    book.active.append(["contract_id", "app_id", "renewal_date", "annual_fee", "auto_renew"])
    book.active.append(["C1", "A1", pd.Timestamp("2027-01-31").to_pydatetime(), 12000, "是"])
    book.save(data / "contracts.xlsx")
    contracts = load_inventory(data).contracts
    assert contracts.loc[0, "renewal_date"] == pd.Timestamp("2027-01-31")
    assert contracts.loc[0, "annual_fee"] == 12000
    assert bool(contracts.loc[0, "auto_renew"]) is True


def test_parquet_usage_log(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n")
    pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02"]), "app_id": ["A1", "A1"],
                  "user_id": ["u1", "u2"]}).to_parquet(data / "usage_events.parquet")
    assert len(load_inventory(data).usage_events) == 2


def test_every_problem_is_reported_at_once(data):
    """One error, naming file, row and column of each problem the issue lists."""
    write(data / "apps.csv", "app_id,name\nA1,进销存\nA2,考勤打卡\nA1,重复的\n", "gbk")
    write(data / "costs.csv", "app_id,month,category,amount\n"
          "A1,2025-01,licence,100\nA9,2025-02,licence,100\nA2,2025-03,licence,-5\n"
          "A2,三月,licence,1\n")
    write(data / "contracts.csv", "contract_id,app_id\nC1,A1\n")  # renewal_date missing
    (data / "datasets.xlsx").write_bytes(b"app_id,name\nthis is a CSV renamed to xlsx\n")
    write(data / "integrations.csv", "integration_id,app_id,system\nI1,A1,ERP\nI2,A2,ERP,extra\n")
    with pytest.raises(InputError) as caught:
        load_inventory(data)
    assert problems(caught.value) == {
        ("apps.csv", 4, "app_id"),  # duplicate id
        ("costs.csv", 3, "app_id"),  # unknown app
        ("costs.csv", 4, "amount"),  # negative cost
        ("costs.csv", 5, "month"),  # unparseable date
        ("contracts.csv", 1, "renewal_date"),  # missing required column
        ("datasets.xlsx", None, None),  # not a workbook
        ("integrations.csv", 3, None),  # ragged row
    }
    message = str(caught.value)
    assert message.startswith("7 problems in the input; nothing was written")
    for hint in ("first at row 2", "unknown app ('A9')", "negative ('-5')", "YYYY-MM",
                 "add a column headed 'renewal_date' (or '续约日期')", "not an Excel workbook",
                 "has 4 fields but the header has 3"):
        assert hint in message


@pytest.mark.parametrize("twin", ["JXC", "Jxc", "ｊｘｃ", "ＪＸＣ"])
def test_app_ids_that_are_one_folder_on_windows_and_macos_are_refused(data, twin):
    """'jxc' and 'JXC' are two apps to the kit but one folder (backups/, exports/, runs/) on
    Windows and macOS: the second would back up, overwrite or remove the first's files."""
    write(data / "apps.csv", f"app_id,name\njxc,进销存\nbi-pro,BI\n{twin},另一个\n")
    with pytest.raises(InputError) as caught:
        load_inventory(data)
    assert problems(caught.value) == {("apps.csv", 4, "app_id")}
    assert "first at row 2, the same folder as 'jxc' on Windows and macOS" in str(caught.value)


def test_app_ids_that_differ_in_more_than_case_and_width_are_kept(data):
    """The positive control: distinct folders stay distinct apps."""
    write(data / "apps.csv", "app_id,name\njxc,进销存\njxc2,进销存二\nj-xc,另一个\n")
    assert list(load_inventory(data).apps["app_id"]) == ["jxc", "jxc2", "j-xc"]


@pytest.mark.parametrize("app_id", ["COM¹", "lpt²", "CONIN$", "conout$", "nul .txt", "CON"])
def test_windows_device_names_are_refused_as_app_ids(data, app_id):
    """Each is a device on Windows, not a folder: backups/<app>/ cannot be made there."""
    write(data / "apps.csv", f"app_id,name\njxc,进销存\n{app_id},设备\n")
    with pytest.raises(InputError, match="not a usable folder name on Windows"):
        load_inventory(data)


def test_truncated_workbook_is_not_a_workbook(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n")
    book = openpyxl.Workbook()
    book.active.append(["contract_id", "app_id", "renewal_date"])
    book.save(data / "contracts.xlsx")
    raw = (data / "contracts.xlsx").read_bytes()
    (data / "contracts.xlsx").write_bytes(raw[: len(raw) // 2])
    assert not zipfile.is_zipfile(data / "contracts.xlsx")
    with pytest.raises(InputError, match=r"contracts.xlsx: is not an Excel workbook"):
        load_inventory(data)


def test_many_bad_rows_are_counted_not_flooded(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n")
    rows = "".join(f"A1,2025-01,licence,-{i}\n" for i in range(1, 101))
    write(data / "costs.csv", "app_id,month,category,amount\n" + rows)
    with pytest.raises(InputError) as caught:
        load_inventory(data)
    assert len(caught.value.problems) == 21
    assert "80 more rows" in str(caught.value.problems[-1])


def test_two_files_for_one_table_are_refused(data):
    write(data / "apps.csv", "app_id,name\nA1,进销存\n")
    write(data / "应用清单.csv", "app_id,name\nA1,进销存\n")
    with pytest.raises(InputError, match="2 files hold the apps table"):
        load_inventory(data)


def test_missing_apps_table_says_what_to_export(data):
    with pytest.raises(InputError, match=r"export the apps table \(应用清单\)"):
        load_inventory(data)


def test_invalid_input_writes_nothing(workspace):
    """Nothing but the inventory snapshot's record of the problems (no table to read past
    them), so the next read reports them again without validating again."""
    from decomkit.inventory.snapshot import CACHE

    write(workspace.path("data") / "apps.csv", "app_id,name\nA1,进销存\nA1,again\n")
    cache = workspace.root / CACHE

    def files() -> list:
        paths = (p.relative_to(workspace.root) for p in workspace.root.rglob("*"))
        return sorted(p for p in paths if p.parts[0] != ".cache")

    before = files()
    with pytest.raises(InputError):
        workspace.platform()  # would seed the sandbox from the tables
    assert files() == before
    assert not (workspace.root / "platform" / "sandbox.json").exists()
    assert not list(cache.rglob("*.parquet"))
    assert [p.name for p in cache.rglob("problems.json")]  # the problems are kept


def test_excel_unicode_text_export_is_read(data):
    """Excel's 'Unicode Text' is UTF-16 with a BOM, separated by tabs."""
    (data / "apps.csv").write_bytes("app_id\tname\nA1\t进销存\n".encode("utf-16"))
    assert list(load_inventory(data).apps["name"]) == ["进销存"]


def test_an_apps_display_name_comes_from_the_inventory():
    apps = empty_table(TABLES_BY_NAME["apps"])
    apps = apps.reindex(range(2))
    apps["app_id"] = ["jxc", "crm"]
    apps["name"] = ["进销存", "CRM客户管理"]
    tables = {name: empty_table(TABLES_BY_NAME[name]) for name in Inventory.names()}
    inventory = Inventory(**{**tables, "apps": apps})
    assert inventory.app_name("crm") == "CRM客户管理"
    assert inventory.app_name("gone", default="gone") == "gone"
    with pytest.raises(KeyError):
        inventory.app_name("gone")
