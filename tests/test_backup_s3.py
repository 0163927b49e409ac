"""Backups to object storage, over HTTP, against a local S3-compatible server (moto)."""

from __future__ import annotations

import pytest

from decomkit.context.workspace import Workspace
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.backup import run_backup

BUCKET = "decomkit-backups"


@pytest.fixture
def s3_workspace(demo, s3_endpoint, retire):
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    if not fs.exists(BUCKET):
        fs.mkdir(BUCKET)
    config = demo.root / "decomkit.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      .replace('target = "backups"', f'target = "s3://{BUCKET}/{demo.root.name}"')
                      .replace('endpoint_url = ""', f'endpoint_url = "{s3_endpoint}"'),
                      encoding="utf-8")
    workspace = Workspace.open(demo.root)
    retire(workspace, "jxc")
    return workspace, fs


def test_backup_to_object_storage_verifies_and_catches_a_changed_object(s3_workspace):
    workspace, fs = s3_workspace
    result = run_backup(workspace, "jxc", actor="analyst")
    assert result.target == f"s3://{BUCKET}/{workspace.root.name}"
    keys = fs.find(f"{BUCKET}/{workspace.root.name}/jxc")
    assert sorted(k.rsplit("/", 1)[-1] for k in keys) == sorted(
        ["manifest.json", "商品信息.gbk.csv", "采购订单.xlsx", "销售记录.csv"])
    assert not (workspace.root / "backups" / "jxc").exists()  # nothing went to local disk
    report = verify_backup(workspace, "jxc", actor="analyst")
    assert report.ok, report.problems
    key = next(k for k in keys if k.endswith("销售记录.csv"))
    data = bytearray(fs.cat(key))
    data[100] ^= 0x01
    fs.pipe(key, bytes(data))
    report = verify_backup(workspace, "jxc", actor="analyst")
    assert report.problems == ["销售记录.csv: content differs from the manifest (SHA-256)"]
