"""Anchors: places outside the operator's reach that receive every signed ledger checkpoint.

One class per ``kind`` of ``[[anchors]]`` in ``decomkit.toml``, each registered as a
``decomkit.anchors`` entry point (``decomkit.core.registry``; its settings model is in
``decomkit.core.config``). ``publish`` is idempotent: publishing a checkpoint the anchor already
holds is a no-op, and one the anchor holds differently at the same row is refused (the anchor
wins; verification names it). ``fetch`` reads back every checkpoint the anchor holds for a
workspace; anchors that cannot be read back by the kit (email, the DingTalk robot) return None
and are checked by pasting a checkpoint line into ``decomkit ledger verify --checkpoint``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import time
from abc import ABC, abstractmethod
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from decomkit.core import registry
from decomkit.core.config import (
    CONFIG_NAME,
    Config,
    DingTalkAnchor,
    EmailAnchor,
    FolderAnchor,
    S3Anchor,
    load_config,
    secret,
)
from decomkit.core.errors import AnchorDeferred, AnchorError, ConfigError, DecomkitError
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import TEXT, t
from decomkit.core.mail import send_email
from decomkit.core.said import LANGUAGES, Said, said_error
from decomkit.proof.keys import os_reason


def checkpoint_bytes(checkpoint: dict) -> bytes:
    """One byte form per checkpoint, so a repeated publish is recognised as the same."""
    return (json.dumps(checkpoint, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def object_name(checkpoint: dict) -> str:
    return f"{checkpoint['workspace_id']}/{checkpoint['seq']:012d}.json"


def checkpoint_text(checkpoint: dict) -> str:
    """The checkpoint as one line people can paste (mail, robot, approval form)."""
    block = checkpoint["signature"]
    return (f"decomkit-checkpoint/1 ws={checkpoint['workspace_id']} seq={checkpoint['seq']} "
            f"head={checkpoint['head']} time={checkpoint['time']} key={block['key_id']} "
            f"sig={block['value']}")


class AnchorStore(ABC):
    kind: ClassVar[str]
    # Only the latest pending checkpoint is published (each covers every row before it): for
    # an anchor that takes few messages.
    latest_only: ClassVar[bool] = False

    def __init__(self, settings, workspace_root: Path, config: Config):
        self.settings = settings
        self.root = workspace_root
        self.config = config

    @property
    @abstractmethod
    def target(self) -> str: ...

    @property
    def label(self) -> str:
        return self.settings.name or f"{self.kind} {self.target}"

    @property
    def shown(self) -> Said:
        """The label as a sentence names it: its name, else its kind in the reader's words and
        its target (``label`` stays the key the ledger records it under)."""
        if self.settings.name:
            return Said({lang: self.settings.name for lang in LANGUAGES})
        key = f"proof.anchor_kind.{self.kind}"
        return Said({lang: self.label if lang == "en" or key not in TEXT
                     else t(key, lang, target=self.target) for lang in LANGUAGES})

    @abstractmethod
    def publish(self, checkpoint: dict) -> str:
        """Put ``checkpoint`` at the anchor; return a receipt. Raise AnchorError if refused."""

    def fetch(self, workspace_id: str) -> list[dict] | None:
        """Every checkpoint the anchor holds for ``workspace_id``; None if it cannot be read."""
        return None

    def fetch_all(self) -> list[dict] | None:
        """Every checkpoint the anchor holds, whatever workspace it names (an anchor that knows
        a key under another workspace id betrays a changed id); None if it cannot be read."""
        return None

    def read(self, workspace_id: str) -> tuple[list[dict] | None, list[dict] | None]:
        """``(fetch(workspace_id), fetch_all())``; a store that can tell where each checkpoint
        was found reads itself once and picks the workspace's out of the whole."""
        return self.fetch(workspace_id), self.fetch_all()


def _parse(data: bytes, where: str) -> dict:
    try:
        value = json.loads(data)
    except ValueError:
        value = None
    if not (isinstance(value, dict) and isinstance(value.get("seq"), int)
            and isinstance(value.get("head"), str)):
        return {"unreadable": where, "seq": 0}
    return {**value, "_where": where}


def _under(checkpoints: list[dict], where: str) -> list[dict]:
    """The checkpoints read from a place starting with ``where`` (readable or not)."""
    return [c for c in checkpoints if str(c.get("_where", c.get("unreadable", ""))).startswith(
        where)]


def _holds_other(label: str, checkpoint: dict) -> AnchorError:
    return said_error(AnchorError, "proof.anchor_holds_other", label=label,
                      seq=checkpoint["seq"])


class FolderStore(AnchorStore):
    kind = "folder"
    settings: FolderAnchor

    @property
    def folder(self) -> Path:
        path = Path(self.settings.path).expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def target(self) -> str:
        return str(self.folder)

    def publish(self, checkpoint: dict) -> str:
        """Written whole or not at all: the bytes go to a temporary file, which is then linked
        under its name (a link never replaces a file). A file a crash of an earlier version
        left holding a prefix of these bytes (empty, cut short) is repaired."""
        path = self.folder / object_name(checkpoint)
        body = checkpoint_bytes(checkpoint)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_file() and not path.is_symlink():
                held = path.read_bytes()
                if held == body:
                    return str(path)
                if not body.startswith(held):
                    raise _holds_other(self.shown, checkpoint)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            if path.is_file() and not path.is_symlink():
                os.replace(temp, path)  # the partial file above: same bytes, completed
            else:
                os.link(temp, path)  # FileExistsError if another run put it there first
        except FileExistsError:
            if not path.is_file() or path.read_bytes() != body:
                raise _holds_other(self.shown, checkpoint) from None
        except OSError as exc:
            raise said_error(AnchorError, "proof.anchor_os_error", label=self.shown,
                             detail=os_reason(exc, f"{type(exc).__name__}: {exc.strerror}")
                             ) from None
        finally:
            with contextlib.suppress(OSError):  # no folder could be made: no temporary file
                temp.unlink(missing_ok=True)
        return str(path)

    def fetch(self, workspace_id: str) -> list[dict]:
        folder = self.folder / workspace_id
        if not self.folder.is_dir():
            raise said_error(AnchorError, "proof.anchor_folder_missing", label=self.shown)
        return [_parse(p.read_bytes(), str(p)) for p in sorted(folder.glob("*.json"))]

    def fetch_all(self) -> list[dict]:
        if not self.folder.is_dir():
            return []
        return [_parse(p.read_bytes(), str(p)) for p in sorted(self.folder.glob("*/*.json"))]

    def read(self, workspace_id: str) -> tuple[list[dict], list[dict]]:
        if not self.folder.is_dir():
            self.fetch(workspace_id)  # raises, saying why
        every = self.fetch_all()
        return _under(every, str(self.folder / workspace_id) + os.sep), every


class S3Store(AnchorStore):
    """One object per checkpoint under ``<url>/<workspace id>/``, put with an Object Lock
    retention in compliance mode. Versions are read back too: an overwrite in a versioned
    bucket only adds a version, and the locked original still speaks. With ``object_lock =
    false`` (Aliyun OSS through its S3-compatible endpoint) objects are put plainly and the
    bucket's locked retention policy (WORM) keeps them; only current objects are read."""

    kind = "s3"
    settings: S3Anchor

    @property
    def target(self) -> str:
        return self.settings.url

    @cached_property
    def _fs(self):
        import s3fs

        kwargs = ({"client_kwargs": {"endpoint_url": self.settings.endpoint_url}}
                  if self.settings.endpoint_url else {})
        return s3fs.S3FileSystem(skip_instance_cache=True,
                                 version_aware=self.settings.object_lock,
                                 config_kwargs={"retries": {"max_attempts": 1},
                                                "connect_timeout": 3, "read_timeout": 10},
                                 **kwargs)

    def _key(self, name: str) -> tuple[str, str]:
        bucket, _, prefix = self.settings.url.removeprefix("s3://").partition("/")
        return bucket, f"{prefix.strip('/')}/{name}".lstrip("/")

    def publish(self, checkpoint: dict) -> str:
        bucket, key = self._key(object_name(checkpoint))
        body = checkpoint_bytes(checkpoint)
        try:
            fs = self._fs
            if fs.exists(f"{bucket}/{key}"):
                if fs.cat_file(f"{bucket}/{key}") != body:
                    raise _holds_other(self.shown, checkpoint)
                return f"s3://{bucket}/{key}"
            extra = {}
            if self.settings.object_lock:
                until = dt.datetime.now(dt.UTC) + dt.timedelta(days=self.settings.retain_days)
                extra = {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until,
                         "ContentMD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
            answer = fs.call_s3("put_object", Bucket=bucket, Key=key, Body=body,
                                ContentType="application/json", **extra)
        except AnchorError:
            raise
        except Exception as exc:  # botocore, aiohttp, OSError: many unrelated types
            raise said_error(AnchorError, "proof.anchor_failed", label=self.shown,
                             kind=type(exc).__name__) from None
        return f"s3://{bucket}/{key}?versionId={answer.get('VersionId', '')}"

    def fetch(self, workspace_id: str) -> list[dict]:
        return self._read(f"{workspace_id}/")

    def fetch_all(self) -> list[dict]:
        return self._read("")

    def read(self, workspace_id: str) -> tuple[list[dict], list[dict]]:
        every = self._read("")
        bucket, prefix = self._key(f"{workspace_id}/")
        return _under(every, f"s3://{bucket}/{prefix}"), every

    def _read(self, name: str) -> list[dict]:
        bucket, prefix = self._key(name)
        found = []
        try:
            fs = self._fs
            if not self.settings.object_lock:  # OSS: the bucket's WORM policy keeps each one
                return [_parse(fs.cat_file(p), f"s3://{p}")
                        for p in sorted(fs.find(f"{bucket}/{prefix}"))]
            page = {"IsTruncated": True}
            markers: dict = {}
            while page.get("IsTruncated"):
                page = fs.call_s3("list_object_versions", Bucket=bucket, Prefix=prefix,
                                  **markers)
                for version in page.get("Versions", []):
                    where = f"{bucket}/{version['Key']}?versionId={version['VersionId']}"
                    found.append(_parse(fs.cat_file(where), f"s3://{where}"))
                markers = {"KeyMarker": page.get("NextKeyMarker", ""),
                           "VersionIdMarker": page.get("NextVersionIdMarker", "")}
        except Exception as exc:
            raise said_error(AnchorError, "proof.anchor_unreadable", label=self.shown,
                             kind=type(exc).__name__) from None
        return found


class EmailStore(AnchorStore):
    kind = "email"
    settings: EmailAnchor

    @property
    def target(self) -> str:
        return ", ".join(self.settings.to)

    def publish(self, checkpoint: dict) -> str:
        title = (f"decomkit ledger checkpoint {checkpoint['seq']} — workspace "
                 f"{checkpoint['workspace_id']}")
        text = ("Keep this message: it proves what the decommission ledger held at this row.\n"
                "保留此邮件:它证明停用台账在此行时的内容。\n\n" + checkpoint_text(checkpoint)
                + "\n\n" + checkpoint_bytes(checkpoint).decode())
        key = f"checkpoint:{checkpoint['workspace_id']}:{checkpoint['seq']}"
        try:
            return send_email(self.config, list(self.settings.to), title, text, key)
        except DecomkitError as exc:
            raise said_error(AnchorError, "proof.anchor_said", label=self.shown,
                             why=exc) from None  # the error filled in each reader's form


ROBOT_STATE = "audit-robot.json"
ROBOT_INTERVAL = 60.0  # one message a minute: far below the robot's 20
ROBOT_BLOCK = 600.0  # a robot over its limit is blocked for 10 minutes (errcode 410100)


class DingTalkStore(AnchorStore):
    """The auditors' group robot: one message a minute at most, carrying the latest checkpoint
    (which covers every row before it); after the robot's limit answer nothing is sent until
    its 10-minute block is over. The times are kept in ``platform/audit-robot.json``."""

    kind = "dingtalk"
    settings: DingTalkAnchor
    latest_only = True

    @property
    def _state_path(self) -> Path:
        return Path(self.root) / "platform" / ROBOT_STATE

    def _state(self) -> dict:
        try:
            return json.loads(self._state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save(self, **values: float) -> None:
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self._state_path, json.dumps({**self._state(), **values}, indent=1))

    @property
    def target(self) -> str:
        return "auditors' robot"

    def publish(self, checkpoint: dict) -> str:
        import httpx

        token, robot_secret = secret("audit_robot_token"), secret("audit_robot_secret")
        if not (token and robot_secret):
            raise said_error(AnchorError, "proof.robot_no_token", label=self.shown)
        now, state = time.time(), self._state()
        if now < float(state.get("blocked_until", 0)):
            raise said_error(AnchorDeferred, "proof.robot_blocked", label=self.shown,
                             until=time.strftime("%H:%M",
                                                 time.localtime(state["blocked_until"])))
        if now < float(state.get("last_sent", 0)) + ROBOT_INTERVAL:
            raise said_error(AnchorDeferred, "proof.robot_interval", label=self.shown)
        timestamp = str(round(time.time() * 1000))
        sign = base64.b64encode(hmac.new(robot_secret.encode(),
                                         f"{timestamp}\n{robot_secret}".encode(),
                                         hashlib.sha256).digest()).decode()
        # The robot API has no idempotency key: the ledger's record of what was published keeps
        # a rerun from posting again (a crash between the post and that record repeats one).
        text = "decomkit 台账校验 / ledger checkpoint\n" + checkpoint_text(checkpoint)
        try:
            answer = httpx.post(f"{self.config.dingtalk.oapi_base}/robot/send",
                                params={"access_token": token, "timestamp": timestamp,
                                        "sign": sign},
                                json={"msgtype": "text", "text": {"content": text}},
                                timeout=15).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise said_error(AnchorError, "proof.anchor_failed", label=self.shown,
                             kind=type(exc).__name__) from None
        if answer.get("errcode") == 410100:  # too fast: blocked; wait the block out
            self._save(blocked_until=now + ROBOT_BLOCK)
            raise said_error(AnchorDeferred, "proof.robot_limit", label=self.shown)
        if answer.get("errcode") != 0:
            raise said_error(AnchorError, "proof.robot_errcode", label=self.shown,
                             errcode=answer.get("errcode"))
        self._save(last_sent=now)
        return f"robot seq {checkpoint['seq']}"


def store_class(kind: str) -> type[AnchorStore]:
    """The store registered for ``kind`` (a ``decomkit.anchors`` entry point; the classes above
    are decomkit's own). Its settings model lives in ``decomkit.core.config``."""
    cls = registry.load(registry.ANCHORS, kind)
    if not (isinstance(cls, type) and issubclass(cls, AnchorStore)):
        raise said_error(ConfigError, "proof.anchor_kind_wrong", kind=kind, registered=repr(cls))
    return cls


def add_folder_anchor(workspace_root: Path, folder: Path) -> None:
    """Append a folder anchor to the workspace's ``decomkit.toml`` (the demo's sandbox)."""
    path = Path(workspace_root) / CONFIG_NAME
    text = path.read_text(encoding="utf-8").replace("\nanchors = []\n", "\n")
    text += f'\n[[anchors]]\nkind = "folder"\npath = {json.dumps(str(folder))}\n'
    atomic_write_text(path, text)
    load_config(path)


def open_anchors(workspace_root: Path, config: Config) -> list[AnchorStore]:
    return [store_class(a.kind)(a, workspace_root, config) for a in config.anchors]
