"""The workspace configuration, ``decomkit.toml``: its schema, loading, and writing.

Secrets never live in the file; they come from the environment variables in ``SECRET_ENV``.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from decomkit.errors import ConfigError
from decomkit.resources import render_template

CONFIG_NAME = "decomkit.toml"

# Every secret the kit can use, by purpose → environment variable.
SECRET_ENV = {
    "dingtalk_app_key": "DECOMKIT_DINGTALK_APP_KEY",
    "dingtalk_app_secret": "DECOMKIT_DINGTALK_APP_SECRET",
    "robot_token": "DECOMKIT_ROBOT_TOKEN",
    "robot_secret": "DECOMKIT_ROBOT_SECRET",
    "smtp_user": "DECOMKIT_SMTP_USER",
    "smtp_password": "DECOMKIT_SMTP_PASSWORD",
    "signing_key": "DECOMKIT_SIGNING_KEY",
    "audit_robot_token": "DECOMKIT_AUDIT_ROBOT_TOKEN",
    "audit_robot_secret": "DECOMKIT_AUDIT_ROBOT_SECRET",
    "s3_key": "AWS_ACCESS_KEY_ID",
    "s3_secret": "AWS_SECRET_ACCESS_KEY",
}
_SECRET_NAME = re.compile(r"secret|token|password|passwd|api_?key|app_?key|access_?key|credential",
                          re.I)


def looks_secret(name: str) -> bool:
    """Whether a setting or parameter name looks like it holds a secret."""
    return bool(_SECRET_NAME.search(name))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Backup(_Section):
    target: str = "backups"
    endpoint_url: str = ""
    frequency: Literal["auto", "daily", "weekly", "monthly"] = "auto"


class Weights(_Section):
    usage: float = Field(0.35, ge=0)
    cost: float = Field(0.25, ge=0)
    performance: float = Field(0.10, ge=0)
    security: float = Field(0.10, ge=0)
    fit: float = Field(0.10, ge=0)
    alternative: float = Field(0.10, ge=0)

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class Thresholds(_Section):
    retire: float = Field(60, ge=0, le=100)
    keep: float = Field(40, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.keep > self.retire:
            raise ValueError("keep must not be above retire")
        return self


class Approver(_Section):
    role: Literal["department_head", "it", "finance", "other"]
    user_id: str = Field(min_length=1)
    name: str = ""


class Approval(_Section):
    due_days: int = Field(3, ge=0)
    auto_agree_after_seconds: float = -1
    chain: tuple[Approver, ...] = ()


class Notify(_Section):
    channels: tuple[Literal["dingtalk_work", "robot", "email"], ...] = ("dingtalk_work",)
    email_from: str = "it@example.com"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    advance_days: int = Field(7, ge=0, le=365)  # tell users this many days ahead; 0: don't


class DingTalk(_Section):
    api_base: str = "https://api.dingtalk.com"
    oapi_base: str = "https://oapi.dingtalk.com"
    agent_id: int = 0
    operator_user_id: str = ""
    process_code: str = ""
    dept_id: int = Field(0, ge=0)  # the requester's department (deptId); 0 = look it up
    agent_ids: dict[str, int] = {}  # app id → DingTalk agentId, for apps whose id is not one


class FolderAnchor(_Section):
    """A local folder: for the sandbox and tests; weak, whoever can write it can rewrite it."""

    kind: Literal["folder"]
    name: str = ""
    path: str = Field(min_length=1)  # relative paths are relative to the workspace


class S3Anchor(_Section):
    """Object storage with Object Lock in compliance mode: one object per checkpoint that nobody
    can overwrite or delete before its retain-until date. Aliyun OSS: its S3-compatible
    endpoint, ``object_lock = false`` and a retention policy (WORM) locked on the bucket."""

    kind: Literal["s3"]
    name: str = ""
    url: str = Field(pattern=r"^s3://[^/]+")
    endpoint_url: str = ""
    retain_days: int = Field(3650, ge=1)
    object_lock: bool = True


class EmailAnchor(_Section):
    """Each checkpoint mailed to the auditors (the [notify] SMTP settings)."""

    kind: Literal["email"]
    name: str = ""
    to: tuple[str, ...] = Field(min_length=1)


class DingTalkAnchor(_Section):
    """Each checkpoint posted by the auditors' group robot (DECOMKIT_AUDIT_ROBOT_TOKEN/SECRET).
    Approval requests carry the current checkpoint whether or not this anchor is set."""

    kind: Literal["dingtalk"]
    name: str = ""
    robot: bool = True


Anchor = Annotated[FolderAnchor | S3Anchor | EmailAnchor | DingTalkAnchor,
                   Field(discriminator="kind")]
ANCHOR_KINDS = {"folder": FolderAnchor, "s3": S3Anchor, "email": EmailAnchor,
                "dingtalk": DingTalkAnchor}


class Config(_Section):
    language: Literal["en", "zh"] = "zh"
    platform: Literal["sandbox", "dingtalk", "manual"] = "sandbox"
    operator: str = "it-admin"
    timezone: str = "Asia/Shanghai"
    backup: Backup = Backup()
    weights: Weights = Weights()
    thresholds: Thresholds = Thresholds()
    approval: Approval = Approval()
    notify: Notify = Notify()
    dingtalk: DingTalk = DingTalk()
    anchors: tuple[Anchor, ...] = Field((), description=(
        'Places you cannot rewrite that receive every signed ledger checkpoint (README: Proof '
        'against an insider). Replace "anchors = []" by [[anchors]] tables at the end of the '
        'file, each with kind = "s3" (url, endpoint_url, retain_days, object_lock), "email" '
        '(to), "dingtalk" (robot) or "folder" (path; weak), and an optional name.'))


def secret(name: str) -> str | None:
    """The secret ``name`` (a key of ``SECRET_ENV``) from the environment, or None."""
    return os.environ.get(SECRET_ENV[name]) or None


def _secret_keys(data: dict, prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            found += _secret_keys(value, dotted + ".")
        elif looks_secret(key):
            found.append(dotted)
    return found


def _describe(error: dict, model: type[BaseModel]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(file)"
    if error["type"] == "extra_forbidden":
        section = model
        for part in error["loc"][:-1]:
            field = section.model_fields.get(str(part)) if isinstance(part, str) else None
            if field is None or not isinstance(field.annotation, type):
                break
            section = field.annotation
        if error["loc"][0] == "anchors" and len(error["loc"]) > 3:  # [[anchors]]: by its kind
            section = ANCHOR_KINDS.get(str(error["loc"][2]), section)
        allowed = ", ".join(section.model_fields)
        return f"key '{key}' is not a setting; allowed keys here: {allowed}"
    got = error.get("input")
    shown = "" if isinstance(got, dict) else f" (got {got!r})"
    return f"key '{key}': {error['msg']}{shown}"


def parse_config(data: dict, source: str = CONFIG_NAME) -> Config:
    """Validate settings read from TOML; raise one ConfigError naming every bad key."""
    leaked = _secret_keys(data)
    if leaked:
        names = ", ".join(sorted(SECRET_ENV.values()))
        raise ConfigError(
            f"{source}: {', '.join(leaked)} look like secrets; remove them from the file and set "
            f"them as environment variables instead ({names})"
        )
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(e, Config) for e in exc.errors()]
        raise ConfigError(
            f"{source} is invalid; fix these settings (see the comments in the file):\n  - "
            + "\n  - ".join(lines)
        ) from None


def write_setting(path: Path, section: str, key: str, value: str) -> Config:
    """Set ``key = "value"`` in ``[section]`` of decomkit.toml, keeping every comment; the new
    text is validated before it replaces the file."""
    from decomkit.files import atomic_write_text

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = f"[{section}]"
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    if start is None:
        lines += [f"\n{header}\n"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
               len(lines))
    setting = re.compile(rf"^(\s*{re.escape(key)}\s*=\s*)(\"[^\"]*\"|[^#\s]*)(.*)$", re.S)
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for i in range(start + 1, end):
        if found := setting.match(lines[i]):
            lines[i] = found.group(1) + quoted + found.group(3)
            break
    else:
        lines.insert(start + 1, f"{key} = {quoted}\n")
    text = "".join(lines)
    config = parse_config(tomllib.loads(text), str(path))
    atomic_write_text(path, text)
    return config


def load_config(path: Path) -> Config:
    """Read and validate ``decomkit.toml``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found; create a workspace with 'decomkit init DIR'"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 ({exc.reason}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}; fix the syntax") from None
    return parse_config(data, str(path))


DEFAULT_APPROVERS = (
    Approver(role="department_head", user_id="dept-head", name="Department head"),
    Approver(role="it", user_id="it-manager", name="IT manager"),
    Approver(role="finance", user_id="finance-manager", name="Finance manager"),
)


def render_config(
    *,
    language: str = "zh",
    platform: str = "sandbox",
    operator: str = "it-admin",
    approvers: tuple[Approver, ...] = DEFAULT_APPROVERS,
    auto_agree_after_seconds: float = -1,
    channels: tuple[str, ...] = ("dingtalk_work",),
) -> str:
    """The commented ``decomkit.toml`` text; validated before it is returned."""
    text = render_template(
        "decomkit.toml.j2",
        language=language,
        platform=platform,
        operator=operator,
        approvers=approvers,
        auto_agree_after_seconds=auto_agree_after_seconds,
        channels="[" + ", ".join(f'"{c}"' for c in channels) + "]",
    )
    parse_config(tomllib.loads(text), "generated decomkit.toml")
    return text
