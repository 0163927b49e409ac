"""Errors cross process boundaries intact (batch runs pickle them) and share one root."""

from __future__ import annotations

import pickle

import pytest

from decomkit.core import errors
from decomkit.core.errors import (
    ActionUnsettled,
    AnchorDeferred,
    AnchorError,
    BackupError,
    ConfigError,
    DecomkitError,
    InputError,
    LedgerIntegrityError,
    ManualStepRequired,
    MigrationError,
    NotificationFailed,
    OutOfSpace,
    PlatformDeferred,
    PlatformError,
    PlatformTimeout,
    Problem,
    RecordError,
    SigningKeyError,
    StorageError,
    TransitionError,
    WorkspaceBusy,
    WorkspaceError,
)

SAMPLES = [
    ConfigError("bad key"),
    WorkspaceError("no workspace"),
    InputError([Problem("apps.csv", 3, "app_id", "duplicate", "fix it")]),
    TransitionError("jxc", "disable", "not approved"),
    LedgerIntegrityError("row 2 edited"),
    PlatformError("disable", "HTTP 500", True),
    PlatformTimeout("disable"),
    ManualStepRequired("unlink", "应用管理 → 解除关联, then confirm"),
    RecordError("records/jxc/index.html: changed since the record was made"),
    SigningKeyError("the private key is not at ~/.config/decomkit/keys/ab12.pem"),
    AnchorError("s3 audit: EndpointConnectionError"),
    AnchorDeferred("auditors group: one message a minute"),
    PlatformDeferred("robot", "deferred: the robot is blocked until 10:10:00"),
    WorkspaceBusy("back up jxc", "another run (back up jxc, process 42, since 2026-11-24)"),
    ActionUnsettled("jxc:pi-1:notify-before:email", "notify-before:email"),
    BackupError("backups/jxc/20261123T0102: no manifest"),
    MigrationError("map 'kingdee': column 'sku' is missing"),
    NotificationFailed("notify-before:email: the SMTP server refused the message"),
    StorageError("s3://audit/backups: AccessDenied"),
    OutOfSpace("backups: no space left on the device"),
]


@pytest.mark.parametrize("error", SAMPLES, ids=lambda e: type(e).__name__)
def test_errors_pickle_round_trip(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert isinstance(copy, DecomkitError)


def test_every_error_class_has_the_one_root():
    classes = [v for v in vars(errors).values()
               if isinstance(v, type) and issubclass(v, Exception)]
    assert len(classes) >= 8
    assert all(issubclass(c, DecomkitError) for c in classes)
    assert {type(s) for s in SAMPLES} == set(classes) - {DecomkitError}
