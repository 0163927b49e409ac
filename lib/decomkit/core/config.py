"""The workspace configuration, ``decomkit.toml``: its schema, loading, and writing.

Secrets never live in the file; they come from the environment variables in ``SECRET_ENV``.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from decomkit.core import registry
from decomkit.core.errors import ConfigError
from decomkit.core.files import atomic_write_text
from decomkit.core.i18n import Language, t
from decomkit.core.resources import render_template
from decomkit.core.said import LANGUAGES, Said, in_language, said, said_error

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


def _choices(names: tuple[str, ...], quote: str = '"') -> str:
    """``"a", "b" or "c"``."""
    quoted = [f"{quote}{name}{quote}" for name in names]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Backup(_Section):
    target: str = Field("backups", description=(
        'A folder (relative to this workspace) or an object-storage URL such as '
        '"s3://bucket/prefix".'))
    endpoint_url: str = Field("", description=(
        "S3-compatible endpoint for object storage (Aliyun OSS, MinIO, …); empty for AWS's "
        "default."))
    frequency: Literal["auto", "daily", "weekly", "monthly"] = Field("auto", description=(
        'How often to back up data that still changes: "auto" (recommend from the data), '
        '"daily", "weekly" or "monthly".'))


class Weights(_Section):
    """Relative weight of each factor in the retire score (0–100). Any non-negative numbers;
    they are normalised to sum to 1. Set one to 0 to ignore that factor."""

    usage: float = Field(0.35, ge=0, description="low and falling use of licensed seats")
    cost: float = Field(0.25, ge=0, description="high cost per active user")
    performance: float = Field(0.10, ge=0, description="incidents per month, by severity")
    security: float = Field(0.10, ge=0, description="open security findings, by severity")
    fit: float = Field(0.10, ge=0, description="poor function fit (analyst or survey rating)")
    alternative: float = Field(0.10, ge=0, description="a replacement app exists")

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError(said("config.weights_zero"))
        return self


class Thresholds(_Section):
    """score >= retire → "retire"; score < keep → "keep"; in between → "review"."""

    retire: float = Field(60, ge=0, le=100, description="score at or above this: retire")
    keep: float = Field(40, ge=0, le=100, description="score below this: keep")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.keep > self.retire:
            raise ValueError(said("config.keep_above_retire"))
        return self


class Approver(_Section):
    role: Literal["department_head", "it", "finance", "other"]
    user_id: str = Field(min_length=1)
    name: str = ""


class Approval(_Section):
    due_days: int = Field(3, ge=0, description=(
        "Remind the approver when a request is pending longer than this many days."))
    auto_agree_after_seconds: float = Field(-1, description=(
        "Sandbox rehearsals only: approvers agree by themselves after this many seconds "
        "(-1: never)."))
    route_by_owner: bool = Field(True, description=(
        "Route each request by rule: its department_head approver is the head of the app's "
        "owning department (apps.owner_dept), from approval.department_heads, else the users "
        "table's dept_head column (an import from DingTalk sets it from the department's "
        "manager); an owning department with no head refuses the request before anything is "
        "sent. The department is matched by its whole path (总部/财务部), or by a bare name "
        "that ends exactly one department's path; a name two paths end in is refused. Any "
        "approver the users table says has left (gone_since) is refused. An app with no owning "
        "department, or false here: the chain's department_head "
        "user_id. A person met twice in the chain is asked once; a chain that resolves to "
        "nobody, or to the requester, is refused."))
    finance_above: float = Field(0, ge=0, description=(
        "The finance approvers are asked only about an app that costs more than this a year "
        "(CNY, from its assessment; 0: every request). An app whose cost is not known goes to "
        "finance."))
    chain: tuple[Approver, ...] = Field((), description=(
        "Approver chain, in order (department head → IT → finance): one [[approval.chain]] "
        "table each with role, user_id (the platform's user id) and name."))
    department_heads: dict[str, str] = Field({}, description=(
        'Department → the user id of its head, read before the users table, e.g. '
        '"财务部" = "u0005".'))


class Notify(_Section):
    channels: tuple[Literal["dingtalk_work", "robot", "email"], ...] = Field(
        ("dingtalk_work",), description=(
            'Channels for telling users before and after a disable: any of "dingtalk_work", '
            '"robot", "email".'))
    email_from: str = Field("it@example.com", description="Sender address of the emails.")
    smtp_host: str = Field("127.0.0.1", description="SMTP server for the emails.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server.")
    advance_days: int = Field(7, ge=0, le=365, description=(
        "Tell the affected users this many days before the planned disable date (0: no "
        "advance notice)."))


class Tick(_Section):
    """What ``decomkit tick`` does by itself, day by day (docs/operator.md: Scheduling). The
    approver reminder waits ``approval.due_days``; the advance notice keeps
    ``notify.advance_days``."""

    reverify_daily: int = Field(7, ge=1, le=366, description=(
        "Re-read the backup of an app whose data changes daily every this many days."))
    reverify_weekly: int = Field(14, ge=1, le=366, description=(
        "Re-read the backup of an app whose data changes weekly every this many days."))
    reverify_monthly: int = Field(30, ge=1, le=366, description=(
        "Re-read the backup of an app whose data changes monthly or rarely every this many "
        "days."))
    deadline_days: tuple[int, ...] = Field((120, 90, 60, 30), description=(
        "Tell the app's owner and IT this many days before a contract's notice deadline (or "
        "the end of one that does not renew), until the vendor exit is recorded."))
    refresh_weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday",
                             "saturday", "sunday"] = Field("monday", description=(
        "Rebuild the portfolio page and the deadlines calendar once a week, on this day."))

    def reverify_days(self, frequency: str) -> int:
        """The re-verification interval for data that changes ``frequency``."""
        return {"daily": self.reverify_daily, "weekly": self.reverify_weekly}.get(
            frequency, self.reverify_monthly)


class DingTalk(_Section):
    """Used when platform = "dingtalk". Bases may point to a local test server."""

    api_base: str = Field("https://api.dingtalk.com", description="DingTalk's new API host.")
    oapi_base: str = Field("https://oapi.dingtalk.com", description="DingTalk's older API host.")
    agent_id: int = Field(0, description=(
        "The kit's own app (agentId) that sends work notifications."))
    operator_user_id: str = Field("", description=(
        "The DingTalk userId the kit acts as (must be an app admin)."))
    process_code: str = Field("", description=(
        "OA approval template code; 'decomkit dingtalk create-template' sets it."))
    dept_id: int = Field(0, ge=0, description=(
        "The requester's department id (deptId) on approvals; 0 = look it up."))
    monthly_quota: int = Field(10_000, ge=0, description=(
        "Metered Open API calls the organisation may make a month (standard edition: 10,000); "
        "a batch that would exceed what is left is warned about before it starts."))
    imported_fresh_days: int = Field(7, ge=0, description=(
        "How many days a `decomkit import dingtalk` of scopes and admins stays fresh for the "
        "assessment: while it is, 01_assess takes each app's visible scope and the operator's "
        "admin rights from the import (and says its date) instead of two metered calls an "
        "app; older, missing, or silent about the app: asked live. 0 = always live. The scope "
        "saved before a change, the verification after it and the disable gate's checks are "
        "always read live."))
    agent_ids: dict[str, int] = Field({}, description=(
        'App ids that are not DingTalk agentIds, mapped to them, e.g. "bi-pro" = 2001.'))


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


# A new anchor kind: its settings model here (with ``kind: Literal["..."]``), in ``Anchor`` and
# ``ANCHOR_KINDS``, and its store class registered as a ``decomkit.anchors`` entry point
# (decomkit.core.registry); tests/test_registry.py checks that the two lists agree.
Anchor = Annotated[FolderAnchor | S3Anchor | EmailAnchor | DingTalkAnchor,
                   Field(discriminator="kind")]
ANCHOR_KINDS: dict[str, type[_Section]] = {
    "folder": FolderAnchor, "s3": S3Anchor, "email": EmailAnchor, "dingtalk": DingTalkAnchor}


class Config(_Section):
    language: Literal["en", "zh"] = Field("zh", description=(
        'Language of notebooks, records and notifications: "en" or "zh".'))
    platform: str = Field("sandbox", description=(
        f"Where actions go, one of {_choices(registry.names(registry.PLATFORMS))} (the "
        'decomkit.platforms entry points): "sandbox" is local, its state inside this '
        'workspace; "dingtalk" is the Open API; "manual": the kit prints console steps and '
        "records who confirmed them, with evidence."))
    operator: str = Field("it-admin", description=(
        "Default operator (analyst) recorded in the ledger when a notebook does not name one."))
    timezone: str = Field("Asia/Shanghai", description=(
        "IANA time zone of every date and time shown to people (records, notebooks, "
        "deadlines, the calendar); the ledger stores UTC."))
    backup: Backup = Field(Backup(), description="Where and how often backups are written.")
    weights: Weights = Field(Weights(), description=Weights.__doc__)
    thresholds: Thresholds = Field(Thresholds(), description=Thresholds.__doc__)
    approval: Approval = Field(Approval(), description="The approval request and its approvers.")
    notify: Notify = Field(Notify(), description="Telling users before and after a disable.")
    tick: Tick = Field(Tick(), description="What `decomkit tick` does by itself, day by day.")
    # dingtalk stays the last section: its [dingtalk.agent_ids] table is appended to by hand
    dingtalk: DingTalk = Field(DingTalk(), description=DingTalk.__doc__)

    anchors: tuple[Anchor, ...] = Field((), description=(
        'Places you cannot rewrite that receive every signed ledger checkpoint (docs/security.md: '
        'Proof against an insider). Replace "anchors = []" by [[anchors]] tables at the end of the '
        'file, each with kind = "s3" (url, endpoint_url, retain_days, object_lock), "email" '
        '(to), "dingtalk" (robot) or "folder" (path; weak), and an optional name.'))

    @field_validator("platform")
    @classmethod
    def _registered_platform(cls, value: str) -> str:
        names = registry.names(registry.PLATFORMS)
        if not names:  # the installed metadata predates the entry points: say so
            raise PydanticCustomError("platform", str(registry.unknown(registry.PLATFORMS,
                                                                       value)))
        if value not in names:
            raise PydanticCustomError("platform", "Input should be {choices} (the registered "
                                      "platforms)", {"choices": _choices(names, "'")})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(said("config.not_a_zone")) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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


# What a setting should be, by the first word of pydantic's error type (int_parsing → int).
_KINDS = {"int": "config.kind.int", "float": "config.kind.number", "decimal": "config.kind.number",
          "bool": "config.kind.bool", "string": "config.kind.text", "str": "config.kind.text",
          "list": "config.kind.list", "tuple": "config.kind.list", "set": "config.kind.list",
          "dict": "config.kind.table", "model": "config.kind.table",
          "date": "config.kind.date", "datetime": "config.kind.date", "url": "config.kind.url"}
# Out of range: pydantic's error type → the key saying the bound (ctx names the bound).
_BOUNDS = {"greater_than": ("config.gt", "gt"), "greater_than_equal": ("config.ge", "ge"),
           "less_than": ("config.lt", "lt"), "less_than_equal": ("config.le", "le"),
           "too_short": ("config.too_short", "min_length"),
           "string_too_short": ("config.too_short", "min_length"),
           "too_long": ("config.too_long", "max_length"),
           "string_too_long": ("config.too_long", "max_length")}


def validation_reason(error: ErrorDetails) -> dict[str, str]:
    """Why a setting is refused, in each language but English (whose form is pydantic's own
    message): a validator's own said reason, else by the kind of the error; a kind not named
    here is said by a general sentence naming the setting."""
    kind, ctx = error["type"], error.get("ctx") or {}
    reason = ctx.get("error")
    forms = getattr(reason.args[0] if reason is not None and getattr(reason, "args", None)
                    else None, "by_language", None)
    if forms:
        return forms
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        return {lang: t("config.one_of", lang, expected=expected.replace(" or ", " 或 "))
                for lang in LANGUAGES}
    if kind == "platform":  # _registered_platform: not a registered platform, or none is
        return ({lang: t("config.platform", lang, choices=str(ctx["choices"]).replace(
                    " or ", " 或 ")) for lang in LANGUAGES}
                if "choices" in ctx else registry.unknown(registry.PLATFORMS, "").said)
    if kind == "missing":
        return {lang: t("config.missing", lang) for lang in LANGUAGES}
    if kind in _BOUNDS:
        key, bound = _BOUNDS[kind]
        return {lang: t(key, lang, bound=_toml_value(ctx.get(bound, ""))) for lang in LANGUAGES}
    noun = _KINDS.get(kind.split("_")[0])
    if noun and kind.endswith(("_type", "_parsing", "_from_datetime_parsing")):
        return {lang: t("config.wrong_kind", lang, kind=t(noun, lang)) for lang in LANGUAGES}
    return {lang: t("config.bad_value", lang) for lang in LANGUAGES}


def _describe(error: ErrorDetails, model: type[BaseModel]) -> Said:
    """One bad key, said in each language (a ``core.said.Said``): its English form is
    pydantic's message, as this file always gave it; the reader's form says it by its kind."""
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
        return said("config.not_a_setting", setting=key, allowed=allowed)
    got = error.get("input")
    shown = "" if isinstance(got, dict) else f" (got {got!r})"
    english = f"key '{key}': {error['msg']}{shown}"
    setting = key if error["loc"] else None
    return Said({"en": english, **{
        lang: t("config.key", lang, setting=setting or t("config.whole_file", lang),
                reason=text) + ("" if isinstance(got, dict) else t("config.got", lang,
                                                                got=_toml_value(got)))
        for lang, text in cast(dict[Language, str], validation_reason(error)).items()
        if lang != "en"}})


def validation_lines(exc: ValidationError, section: str = "") -> list[Said]:
    """Each problem pydantic found in a section of the settings (``weights``: given as notebook
    parameters), said in each language as ``decomkit.toml``'s are."""
    return [_describe(cast(ErrorDetails, {**e, "loc": (section, *e["loc"])} if section else e),
                      Config) for e in exc.errors()]


def parse_config(data: dict, source: str = CONFIG_NAME) -> Config:
    """Validate settings read from TOML; raise one ConfigError naming every bad key."""
    leaked = _secret_keys(data)
    if leaked:
        names = ", ".join(sorted(SECRET_ENV.values()))
        raise said_error(ConfigError, "config.secrets_in_file", source=source,
                         keys=", ".join(leaked), names=names)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(e, Config) for e in exc.errors()]
        error = ConfigError(
            f"{source} is invalid; fix these settings (see the comments in the file):\n  - "
            + "\n  - ".join(lines)
        )
        raise error.saying({lang: t("config.invalid", lang, source=source) + "\n  - "
                            + "\n  - ".join(in_language(line, lang) for line in lines)
                            for lang in LANGUAGES}) from None


def write_setting(path: Path, section: str, key: str, value: str) -> Config:
    """Set ``key = "value"`` in ``[section]`` of decomkit.toml, keeping every comment; the new
    text is validated before it replaces the file."""
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


def _toml_where(message: str) -> Said:
    """Where tomllib found the syntax error, said in each language (its own message is
    English: the English form keeps it whole)."""
    if found := re.search(r"at line (\d+), column (\d+)", message):
        return said("config.toml_at", line=found[1], column=found[2])
    return said("config.toml_end" if "end of document" in message else "config.toml_somewhere")


def load_config(path: Path) -> Config:
    """Read and validate ``decomkit.toml``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found; create a workspace with 'decomkit init DIR'"
        ).saying(said("config.not_found", path=path)) from None
    except UnicodeDecodeError as exc:
        raise said_error(ConfigError, "config.not_utf8", path=path, reason=exc.reason,
                         at=exc.start + 1) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise said_error(ConfigError, "config.not_toml", path=path, error=str(exc),
                         where=_toml_where(str(exc))) from None
    return parse_config(data, str(path))


DEFAULT_APPROVERS = (
    Approver(role="department_head", user_id="dept-head", name="Department head"),
    Approver(role="it", user_id="it-manager", name="IT manager"),
    Approver(role="finance", user_id="finance-manager", name="Finance manager"),
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


@dataclass(frozen=True)
class Setting:
    """One key of ``decomkit.toml``: where it lives, its value and what it means."""

    section: str  # "" for the top level
    key: str
    value: object
    description: str

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}" if self.section else self.key

    @property
    def toml(self) -> str:
        return _toml_value(self.value)


def settings(config: Config | None = None) -> list[tuple[str, str, list[Setting]]]:
    """Every setting with its description, by section: [(section, section description,
    settings)], the top level first; values from ``config`` (default: the model's defaults)."""
    config = config or Config()
    top, sections = [], []
    for name, field in Config.model_fields.items():
        value = getattr(config, name)
        if isinstance(value, BaseModel):
            rows = [Setting(name, key, getattr(value, key), sub.description or "")
                    for key, sub in type(value).model_fields.items()]
            sections.append((name, field.description or "", rows))
        else:
            top.append(Setting("", name, value, field.description or ""))
    return [("", "", top), *sections]


def _comment(text: str, width: int = 95) -> str:
    return "\n".join("# " + line for line in textwrap.wrap(text, width - 2))


def render_config(
    *,
    language: str = "zh",
    platform: str = "sandbox",
    operator: str = "it-admin",
    approvers: tuple[Approver, ...] = DEFAULT_APPROVERS,
    auto_agree_after_seconds: float = -1,
    channels: tuple[str, ...] = ("dingtalk_work",),
) -> str:
    """The commented ``decomkit.toml`` text, written from the config model (every key, its
    value and its description); validated before it is returned."""
    config = Config.model_validate({
        "language": language, "platform": platform, "operator": operator,
        "approval": {"chain": [a.model_dump() for a in approvers],
                     "auto_agree_after_seconds": auto_agree_after_seconds},
        "notify": {"channels": list(channels)}})
    text = render_template("decomkit.toml.j2", sections=settings(config), comment=_comment,
                           approvers=config.approval.chain, toml=_toml_value)
    parse_config(tomllib.loads(text), "generated decomkit.toml")
    return text


def settings_table() -> str:
    """The table of settings (Markdown) that docs/reference/settings.md shows, from the config
    model."""
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for _, _, rows in settings(Config(approval=Approval(chain=DEFAULT_APPROVERS))):
        for row in rows:
            chain = cast("tuple[Approver, ...]", row.value)  # the chain row holds the approvers
            value = (" → ".join(a.role for a in chain) if row.key == "chain"
                     else f"`{row.toml}`")
            meaning = row.description.replace("|", "\\|")
            lines.append(f"| `{row.dotted}` | {value} | {meaning} |")
    return "\n".join(lines)
