"""Backups: complete, signed, verified from the target, and every kind of damage caught."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from decomkit.core.errors import InputError, MigrationError, OutOfSpace, TransitionError
from decomkit.custody.checksums import MANIFEST, parse_table, restore_into_sqlite
from decomkit.custody.store import Store
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.backup import recommend_frequency, run_backup
from decomkit.lifecycle.migrate import migrate

APP = "jxc"


@pytest.fixture
def retired(demo, retire):
    """The demo with 进销存 decided 'retire', ready for its backup."""
    retire(demo, APP)
    return demo


def state(ws) -> str:
    with ws.ledger() as ledger:
        return ledger.state(APP)


def backup_dir(ws, result):
    return ws.root / "backups" / result.path


def test_backup_is_refused_without_a_retire_decision(demo):
    with pytest.raises(TransitionError, match="no 'retire' decision"):
        run_backup(demo, APP, actor="analyst")
    assert not (demo.root / "backups" / APP).exists()


def test_backup_and_verification_pass_and_are_recorded(retired):
    result = run_backup(retired, APP, actor="analyst")
    folder = backup_dir(retired, result)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST, "商品信息.gbk.csv", "采购订单.xlsx", "销售记录.csv"])
    manifest = json.loads((folder / MANIFEST).read_bytes())
    assert manifest["signature"] and all(f["table"]["rows"] > 0 for f in manifest["files"])
    report = verify_backup(retired, APP, actor="analyst")
    assert report.ok and report.files["restore_ok"].all()
    assert state(retired) == "backup_verified"
    with retired.ledger() as ledger:
        assert ledger.last(APP, "backup_verified").data["manifest_hash"] == result.manifest_hash
        assert ledger.missing(APP, "approval_pending", {
            "plan_hash": "p", "manifest_hash": result.manifest_hash}) == ""


def test_gbk_csv_survives_backup_and_restore_character_for_character(retired, tmp_path):
    result = run_backup(retired, APP, actor="analyst")
    source = retired.root / "exports" / APP / "商品信息.gbk.csv"
    copy = backup_dir(retired, result) / "商品信息.gbk.csv"
    assert copy.read_bytes() == source.read_bytes()
    expected = pd.read_csv(source, encoding="gbk", dtype=str, keep_default_na=False)
    restore_into_sqlite({"t": parse_table(copy.read_bytes(), copy.name)}, tmp_path / "r.db")
    import sqlite3

    back = pd.read_sql("SELECT * FROM t0", sqlite3.connect(tmp_path / "r.db"))
    assert back.values.tolist() == expected.values.tolist()
    assert any("文件柜" in v or "笔记本电脑" in v for v in back["名称"])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE = {
    "flipped byte": (lambda f: _flip(f), "content differs"),
    "truncated": (lambda f: f.write_bytes(f.read_bytes()[:-10]), "truncated"),
    "zero bytes": (lambda f: f.write_bytes(b""), "is empty (0 bytes)"),
    "missing": (lambda f: f.unlink(), "missing from the backup"),
    "extra file": (lambda f: (f.parent / "extra.csv").write_text("x"), "extra.csv: unexpected"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damage_fails_verification_and_names_the_file(retired, damage):
    result = run_backup(retired, APP, actor="analyst")
    assert verify_backup(retired, APP, actor="analyst").ok
    target = backup_dir(retired, result) / "采购订单.xlsx"
    harm, message = DAMAGE[damage]
    harm(target)
    report = verify_backup(retired, APP, actor="analyst")
    assert not report.ok
    assert any(message in p for p in report.problems), report.problems
    if damage != "extra file":
        assert any(p.startswith("采购订单.xlsx:") for p in report.problems)
    for problem in report.problems:  # a Chinese reader reads each problem in Chinese
        zh = problem.in_language("zh")
        assert re.search(r"[\u4e00-\u9fff]", zh.replace("采购订单", "")) and zh != problem, zh
    # a verified backup that no longer verifies closes the approval gate
    assert state(retired) == "backed_up"
    with retired.ledger() as ledger:
        assert "not verified" in ledger.missing(APP, "approval_pending", {"plan_hash": "p"})


def test_editing_a_file_and_its_manifest_hash_is_caught_by_the_signature(retired):
    result = run_backup(retired, APP, actor="analyst")
    folder = backup_dir(retired, result)
    victim = folder / "销售记录.csv"
    victim.write_bytes(victim.read_bytes().replace(b"\r\n", b"\r\nFAKE,", 1))
    manifest = json.loads((folder / MANIFEST).read_bytes())
    entry = next(f for f in manifest["files"] if f["path"] == "销售记录.csv")
    entry["sha256"] = hashlib.sha256(victim.read_bytes()).hexdigest()
    entry["size"] = victim.stat().st_size
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False))
    report = verify_backup(retired, APP, actor="analyst")
    assert any("signature does not match" in p for p in report.problems)
    assert not report.ok


def test_a_manifest_re_signed_with_another_key_is_refused(retired):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from decomkit.proof.keys import Signer, key_id, sign_document

    result = run_backup(retired, APP, actor="analyst")
    path = backup_dir(retired, result) / MANIFEST
    manifest = json.loads(path.read_bytes())
    assert manifest["signature"]["key_id"] == retired_key(retired)
    report = verify_backup(retired, APP, actor="analyst", record=False)
    assert report.ok, report.problems  # positive control: the untouched manifest verifies
    manifest["files"][0]["size"] += 1
    other = Ed25519PrivateKey.generate()
    path.write_text(json.dumps(sign_document(manifest, Signer(key_id(other.public_key()),
                                                              other))))
    report = verify_backup(retired, APP, actor="analyst", record=False)
    assert any("signature does not match" in p and "not a trusted key" in p
               for p in report.problems), report.problems


def retired_key(ws) -> str:
    from decomkit.proof.keys import load_keyring

    return load_keyring(ws.root).current


class FlippingStore(Store):
    """Storage that hands back one flipped bit per file: the checker must notice."""

    def read_chunks(self, path):
        for i, chunk in enumerate(super().read_chunks(path)):
            yield bytes([chunk[0] ^ 0x80]) + chunk[1:] if i == 0 and chunk else chunk


def test_the_checker_is_checked_with_a_bit_flipping_store(retired):
    run_backup(retired, APP, actor="analyst")
    target = str(retired.root / "backups")
    assert verify_backup(retired, APP, actor="analyst", store=Store(target), record=False).ok
    report = verify_backup(retired, APP, actor="analyst", store=FlippingStore(target),
                           record=False)
    assert not report.ok
    assert any("signature" in p or "cannot be read" in p or "SHA-256" in p
               for p in report.problems)


class FullDisk(Store):
    """A target that runs out of space after ``room`` bytes."""

    room = 20_000

    def _write_chunk(self, handle, chunk):
        if self.room < len(chunk):
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(chunk)
        return super()._write_chunk(handle, chunk)


def test_disk_full_leaves_nothing_and_a_rerun_succeeds(retired):
    target = str(retired.root / "backups")
    with pytest.raises(OutOfSpace, match="out of space"):
        run_backup(retired, APP, actor="analyst", store=FullDisk(target))
    leftovers = [p for p in (retired.root / "backups" / APP).rglob("*") if p.is_file()]
    assert leftovers == []
    assert state(retired) == "decided"
    run_backup(retired, APP, actor="analyst", store=Store(target))
    assert verify_backup(retired, APP, actor="analyst").ok


def test_backup_killed_midway_then_rerun_completes(retired):
    big = retired.root / "exports" / APP / "附件.bin"
    big.write_bytes(os.urandom(1 << 20) * 150)  # 150 MiB: copying it takes a while
    datasets = retired.root / "data" / "datasets.csv"
    datasets.write_text(datasets.read_text(encoding="utf-8") +
                        f"DS999,{APP},附件,,{big.stat().st_size},附件.bin,rarely,False,,\n",
                        encoding="utf-8")
    code = ("from decomkit.context.workspace import Workspace\n"
            "from decomkit.lifecycle.backup import run_backup\n"
            f"run_backup(Workspace.open({str(retired.root)!r}), {APP!r}, actor='analyst')\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    while not list((retired.root / "backups" / APP).rglob("*.part")):
        assert proc.poll() is None and time.monotonic() < deadline, "backup ended before kill"
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list((retired.root / "backups" / APP).rglob(MANIFEST)) == []
    result = run_backup(retired, APP, actor="analyst")
    folders = [p for p in (retired.root / "backups" / APP).iterdir()]
    assert folders == [backup_dir(retired, result)]  # the incomplete one is gone
    report = verify_backup(retired, APP, actor="analyst")
    assert report.ok and "附件.bin" in set(report.files["path"])


def test_missing_export_is_refused_before_anything_is_written(retired):
    (retired.root / "exports" / APP / "采购订单.xlsx").unlink()
    with pytest.raises(InputError, match=r"exports/jxc/采购订单.xlsx.*missing"):
        run_backup(retired, APP, actor="analyst")
    assert not (retired.root / "backups" / APP).exists()


def test_frequency_follows_the_fastest_changing_data():
    frame = pd.DataFrame({"name": ["订单", "档案"], "changes": ["daily", "monthly"]})
    assert recommend_frequency(frame) == ("daily",
                                          "the fastest-changing data (订单) changes daily")
    assert recommend_frequency(frame.iloc[1:], language="zh") == ("monthly",
                                                                  "更新最快的数据(档案)每月更新")
    assert recommend_frequency(frame, "weekly")[0] == "weekly"


def test_migration_reconciles_rows_and_sums(retired):
    result = migrate(retired, APP, "jxc_to_wms")
    assert result.ok and len(result.files) == 3
    items = pd.read_csv(retired.root / "exports/jxc/migrated/wms_items.csv",
                        encoding="utf-8-sig")
    source = pd.read_csv(retired.root / "exports/jxc/商品信息.gbk.csv", encoding="gbk")
    assert list(items.columns[:2]) == ["sku", "item_name"]
    assert items["stock_qty"].sum() == source["数量"].sum()


def test_migration_map_that_does_not_fit_names_the_column(retired, monkeypatch):
    from decomkit.lifecycle import migrate as module

    spec = module.load_map("jxc_to_wms")
    spec["datasets"]["商品信息"]["columns"]["条码"] = "barcode"
    monkeypatch.setattr(module, "load_map", lambda name: spec)
    with pytest.raises(MigrationError, match=r"columns 条码 named in jxc_to_wms\.yaml"):
        migrate(retired, APP, "jxc_to_wms")
    assert not (retired.root / "exports/jxc/migrated").exists()


def _ledger_rows(ws) -> int:
    with ws.ledger() as ledger:
        return len(ledger.events())


def test_migration_carries_document_state_and_reconciles_each_state(retired):
    """#22 item 6: purchase orders waiting for goods (待入库) arrive in WMS as such, and the
    reconciliation counts rows and sums per state."""
    result = migrate(retired, APP, "jxc_to_wms")
    assert result.ok
    orders = pd.read_csv(retired.root / "exports/jxc/migrated/wms_purchase_orders.csv",
                         encoding="utf-8-sig", dtype=str)
    assert orders["status"].value_counts().to_dict() == {"received": 330,
                                                         "awaiting_receipt": 7}
    table = result.reconciliation
    waiting = table[(table["dataset"] == "采购订单")
                    & (table["status"] == "状态: 待入库 → awaiting_receipt")]
    assert len(waiting) == 2 and set(waiting["column"]) == {"数量", "金额"}
    assert (waiting["rows_in"] == 7).all() and (waiting["rows_out"] == 7).all()
    source = pd.read_excel(retired.root / "exports/jxc/采购订单.xlsx", dtype=str)
    open_qty = source.loc[source["状态"] == "待入库", "数量"].astype(int).sum()
    assert int(waiting.loc[waiting["column"] == "数量", "sum_out"].iloc[0]) == open_qty
    sales = table[(table["dataset"] == "销售记录") & table["status"].str.contains("待出库")]
    assert (sales["rows_in"] == 5).all()


def test_reconciliation_fails_when_two_states_are_merged(retired, monkeypatch):
    """Totals agree, but open orders written as received are caught per state."""
    from decomkit.lifecycle import migrate as module

    spec = module.load_map("jxc_to_wms")
    spec["datasets"]["采购订单"]["values"]["状态"]["待入库"] = "received"
    monkeypatch.setattr(module, "load_map", lambda name: spec)
    result = migrate(retired, APP, "jxc_to_wms")
    table = result.reconciliation
    whole = table[(table["dataset"] == "采购订单") & (table["status"] == "")]
    assert whole["ok"].all() and not result.ok
    bad = table[~table["ok"]]
    assert set(bad["dataset"]) == {"采购订单"}
    assert bad["status"].str.startswith("状态: ").all()


@pytest.mark.parametrize("dataset", ["采购订单", "销售记录"])
def test_map_that_drops_a_state_column_is_refused_and_nothing_is_written(retired, monkeypatch,
                                                                          dataset):
    from decomkit.lifecycle import migrate as module

    spec = module.load_map("jxc_to_wms")
    del spec["datasets"][dataset]["columns"]["状态"]
    del spec["datasets"][dataset]["values"]
    monkeypatch.setattr(module, "load_map", lambda name: spec)
    before = _ledger_rows(retired)
    with pytest.raises(MigrationError) as caught:
        migrate(retired, APP, "jxc_to_wms")
    message = str(caught.value)
    assert "map 'jxc_to_wms'" in message and f"dataset {dataset}" in message
    assert "drops the column 状态" in message and "None" not in message
    assert not (retired.root / "exports/jxc/migrated").exists()
    assert _ledger_rows(retired) == before


def test_a_state_value_the_map_does_not_name_is_refused_naming_file_row_and_column(
        retired, monkeypatch):
    from decomkit.lifecycle import migrate as module

    spec = module.load_map("jxc_to_wms")
    del spec["datasets"]["采购订单"]["values"]["状态"]["待入库"]
    monkeypatch.setattr(module, "load_map", lambda name: spec)
    with pytest.raises(MigrationError, match=r"采购订单\.xlsx, row 8, column 状态: value '待入库'"):
        migrate(retired, APP, "jxc_to_wms")
    assert not (retired.root / "exports/jxc/migrated").exists()


@pytest.mark.parametrize(("column", "state"), [
    ("状态", True), ("单据状态", True), ("Status", True), ("order_state", True),
    ("is_open", True), ("closedFlag", True), ("是否结清", True), ("已结", True),
    ("名称", False), ("statement", False), ("estate", False), ("opened_by", False),
    ("金额", False)])
def test_one_rule_says_which_columns_hold_state(column, state):
    from decomkit.inventory.schemas import holds_state

    assert holds_state(column) is state


def test_a_declared_status_column_holds_state_whatever_its_name():
    from decomkit.inventory.schemas import holds_state

    assert holds_state("进度", frozenset({"进度"})) and not holds_state("进度")


def test_an_export_that_is_not_a_table_is_refused_naming_the_file(retired):
    data = retired.root / "data" / "datasets.csv"
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("商品信息.gbk.csv", "商品信息.txt"), encoding="utf-8")
    (retired.root / "exports/jxc/商品信息.txt").write_text("编号 名称\n", encoding="utf-8")
    with pytest.raises(MigrationError, match=r"商品信息\.txt: not a CSV, XLSX or JSON export"):
        migrate(retired, APP, "jxc_to_wms")
    assert not (retired.root / "exports/jxc/migrated").exists()
