"""The inventory tables: their columns, types and rules.

Column headers may be given in English (the name here) or in Chinese (``zh``), as admin consoles
export them. The documentation's table reference (docs/reference/tables.md) is generated from
this module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from decomkit.core.said import said
from decomkit.core.text import identifier_problem, name_problem

Kind = Literal["str", "int", "float", "date", "month", "bool", "enum"]
# extra checks of a text column's values
Rule = Literal["", "id", "user_id", "name", "relative_path"]

_NOT_IN_FOLDER_NAMES = set('<>:"/\\|?*')  # on Windows, or anywhere (the slashes)
# Device names, also with superscript digits (COM¹) or spaces before an extension ("nul .txt"),
# and the console's own CONIN$ / CONOUT$.
_WINDOWS_RESERVED = re.compile(
    r"(?i)(?:con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³]) *(?:\..*)?")


def _unprintable(text: str) -> bool:
    """Control, format, private-use or unassigned characters: never part of a real name."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn", "Cs") for c in text)


def id_problem(value: str) -> str:
    """Why ``value`` cannot be an app id ("" when it can): every id becomes a folder name
    (``runs/<app>/``, ``backups/<app>/``) on Linux, macOS and Windows alike."""
    if bad := sorted(_NOT_IN_FOLDER_NAMES & set(value)):
        return said("text.not_in_folder_names", chars=" ".join(bad))
    if value.startswith("."):
        return said("text.starts_with_dot")
    if _unprintable(value):
        return said("text.invisible")
    if value.startswith(("=", "+", "-", "@")):
        return said("text.formula_start")
    if value.endswith((" ", ".")) or _WINDOWS_RESERVED.fullmatch(value):
        return said("text.windows_name")
    if len(value) > 100:
        return said("text.too_long", most=100)
    return identifier_problem(value)


def user_id_problem(value: str) -> str:
    """Why ``value`` cannot be a user id ("" when it can): the identifier rule (an e-mail-like
    id keeps its @)."""
    return identifier_problem(value, extra="@")


def relative_path_problem(value: str) -> str:
    """Why ``value`` cannot name a file inside its folder ("" when it can)."""
    parts = re.split(r"[/\\]", value)
    if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", value):
        return said("text.absolute_path")
    if ".." in parts:
        return said("text.leaves_folder")
    if _unprintable(value):
        return said("text.invisible")
    return ""


RULES = {"id": id_problem, "user_id": user_id_problem, "name": name_problem,
         "relative_path": relative_path_problem}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    zh: str
    required: bool = False  # the column must exist and every cell must be filled
    unique: bool = False
    ref: str | None = None  # "table.column" every value must exist in
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    rule: Rule = ""
    help: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = False  # the workspace must have this table
    help: str = ""
    log: bool = False  # a large log: its text columns are kept dictionary-encoded (category)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _app_ref(help: str = "the app this row belongs to") -> Column:
    return Column("app_id", "str", "应用ID", required=True, ref="apps.app_id", help=help)


SEVERITIES = ("critical", "high", "medium", "low")

TABLES: tuple[Table, ...] = (
    Table("apps", "应用清单", required=True, help="one row per app on the platform", columns=(
        Column("app_id", "str", "应用ID", required=True, unique=True, rule="id",
               help="the platform's id (DingTalk agentId) or your own stable id; it names "
                    "folders, so no slashes, dots first or control characters"),
        Column("name", "str", "应用名称", required=True, rule="name",
               help="display name, e.g. 进销存"),
        Column("vendor", "str", "供应商", help="who supplies it"),
        Column("category", "str", "类别", help="e.g. 财务, 人事, 销售"),
        Column("owner_dept", "str", "负责部门", help="department that owns the app"),
        Column("owner", "str", "负责人", help="user_id of the business owner"),
        Column("kind", "enum", "应用类型",
               choices=("official", "third_party", "self_built", "association"),
               help="association: a free linked app (免费关联) that is unlinked, not disabled"),
        Column("licensed_seats", "int", "授权席位", minimum=0, help="seats paid for"),
        Column("status", "enum", "状态", choices=("enabled", "disabled", "expired"),
               help="state on the platform when exported"),
        Column("function_fit", "float", "功能匹配度", minimum=1, maximum=5,
               help="analyst rating 1 (poor) to 5 (excellent)"),
        Column("alternative", "str", "替代方案", help="name of a replacement, if one exists"),
        Column("usage_tracked", "bool", "使用记录覆盖",
               help="true: the usage log covers this app (no visits means idle); false: no "
                    "usage source (usage unknown); blank: covered if the log has a visit"),
        Column("unified_app_id", "str", "统一应用ID",
               help="DingTalk's unifiedAppId of a self-built app (set by an import)"),
        Column("gone_since", "date", "平台已删除",
               help="set by an import: the day the platform stopped listing the app"),
    )),
    Table("usage_events", "使用记录", help="one row per visit; parquet for large logs",
          log=True, columns=(
        Column("date", "date", "日期", required=True, help="day (or time) of the visit"),
        _app_ref(),
        Column("user_id", "str", "用户ID", required=True, help="who used it"),
    )),
    Table("costs", "费用", help="monthly cost by category, in CNY", columns=(
        _app_ref(),
        Column("month", "month", "月份", required=True, help="YYYY-MM"),
        Column("category", "enum", "费用类别", required=True,
               choices=("licence", "maintenance", "support", "infrastructure", "other")),
        Column("amount", "float", "金额", required=True, minimum=0, help="CNY, not negative"),
    )),
    Table("contracts", "合同", help="licence terms per app", columns=(
        Column("contract_id", "str", "合同编号", required=True, unique=True, rule="id",
               help="names the vendor notice's file, so it follows the app id's rules"),
        _app_ref(),
        Column("start_date", "date", "开始日期"),
        Column("renewal_date", "date", "续约日期", required=True,
               help="end of the current term"),
        Column("notice_days", "int", "提前通知天数", minimum=0,
               help="days of notice needed before renewal_date"),
        Column("auto_renew", "bool", "自动续约", help="renews by itself unless notice is given"),
        Column("annual_fee", "float", "年费", minimum=0),
        Column("early_termination_fee", "float", "提前终止费用", minimum=0),
        Column("terms", "str", "条款说明", help="early-termination terms in words"),
        Column("vendor", "str", "供应商", help="the vendor's legal name (the termination notice "
                                             "names it)"),
        Column("customer", "str", "签约主体",
               help="your organisation's legal name on the contract (the termination notice "
                    "names it)"),
    )),
    Table("integrations", "系统集成", help="links to other systems", columns=(
        Column("integration_id", "str", "集成编号", required=True, unique=True),
        _app_ref(),
        Column("system", "str", "对接系统", required=True, help="e.g. ERP, 财务系统"),
        Column("direction", "enum", "数据方向", choices=("in", "out", "both")),
        Column("description", "str", "说明"),
    )),
    Table("processes", "业务流程", help="business processes that use the app", columns=(
        Column("process_id", "str", "流程编号", required=True, unique=True),
        _app_ref(),
        Column("name", "str", "流程名称", required=True),
        Column("criticality", "enum", "重要程度", choices=("high", "medium", "low")),
        Column("owner_dept", "str", "负责部门"),
        Column("approval_template", "str", "审批模板",
               help="an OA approval template that references the app"),
    )),
    Table("datasets", "数据集", help="data held in the app, to back up or migrate", columns=(
        Column("dataset_id", "str", "数据集编号", required=True, unique=True),
        _app_ref(),
        Column("name", "str", "名称", required=True, help="e.g. 商品信息, 采购订单"),
        Column("rows", "int", "行数", minimum=0),
        Column("bytes", "int", "字节数", minimum=0),
        Column("export_file", "str", "导出文件", rule="relative_path",
               help="file under exports/<app_id>/ (no .., no absolute path)"),
        Column("changes", "enum", "更新频率", choices=("daily", "weekly", "monthly", "rarely"),
               help="how often the data changes"),
        Column("personal_data", "bool", "含个人信息"),
        Column("open_status_column", "str", "单据状态列",
               help="the export's status column, for the open-documents check"),
        Column("open_values", "str", "未结状态值",
               help="status values of documents still open, separated by a vertical bar"),
    )),
    Table("incidents", "故障记录", help="performance and availability incidents", columns=(
        Column("incident_id", "str", "故障编号", required=True, unique=True),
        _app_ref(),
        Column("date", "date", "日期", required=True),
        Column("severity", "enum", "严重程度", required=True, choices=SEVERITIES),
        Column("summary", "str", "摘要"),
    )),
    Table("security_findings", "安全问题", help="security findings", columns=(
        Column("finding_id", "str", "问题编号", required=True, unique=True),
        _app_ref(),
        Column("date", "date", "发现日期", required=True),
        Column("severity", "enum", "严重程度", required=True, choices=SEVERITIES),
        Column("status", "enum", "状态", choices=("open", "closed")),
        Column("title", "str", "标题"),
    )),
    Table("users", "用户", help="people, with their department", columns=(
        Column("user_id", "str", "用户ID", required=True, unique=True, rule="user_id"),
        Column("name", "str", "姓名", required=True, rule="name"),
        Column("department", "str", "部门", required=True,
               help="name or path such as 总部/销售部/华东"),
        Column("email", "str", "邮箱"),
        Column("job_number", "str", "工号"),
        Column("dept_id", "str", "部门ID", help="the platform's id of the main department"),
        Column("gone_since", "date", "已离开",
               help="set by an import: the day the platform stopped listing the person"),
        Column("dept_head", "bool", "部门负责人",
               help="true for the head of their department: the department_head approver of "
                    "the apps it owns (approval.route_by_owner); an import from DingTalk sets "
                    "it from the department's manager"),
    )),
    Table("app_scopes", "应用可见范围", help="who can open each app and who administers it, as "
          "`decomkit import dingtalk` reads them; preflight and impact count who loses access",
          columns=(
              _app_ref(),
              Column("access", "enum", "权限", required=True, choices=("visible", "admin"),
                     help="visible: in the visible scope; admin: an app role that manages it"),
              Column("member_type", "enum", "成员类型", required=True,
                     choices=("everyone", "admins_only", "user", "dept", "role"),
                     help="everyone: an empty scope (the whole organisation)"),
              Column("member_id", "str", "成员ID", help="user id, department id or role id"),
              Column("member_name", "str", "成员名称",
                     help="a person's name, a department's path or a role's name"),
              Column("role", "str", "应用角色", help="the app role a row comes from"),
          )),
    Table("survey_responses", "满意度调查", help="satisfaction survey answers", columns=(
        Column("response_id", "str", "答卷编号", required=True, unique=True),
        _app_ref(),
        Column("user_id", "str", "用户ID"),
        Column("date", "date", "日期", required=True),
        Column("phase", "enum", "阶段", choices=("before", "after"),
               help="before or after the app was retired"),
        Column("score", "int", "评分", required=True, minimum=1, maximum=5),
        Column("comment", "str", "意见"),
    )),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}

# Chinese spellings of allowed values, as console exports write them.
CHOICES_ZH = {
    "启用": "enabled", "已启用": "enabled", "停用": "disabled", "已停用": "disabled",
    "过期": "expired", "已过期": "expired", "官方": "official", "第三方": "third_party",
    "自建": "self_built", "关联": "association", "免费关联": "association",
    "授权": "licence", "许可": "licence", "维护": "maintenance", "支持": "support",
    "基础设施": "infrastructure", "其他": "other", "流入": "in", "流出": "out", "双向": "both",
    "严重": "critical", "高": "high", "中": "medium", "低": "low",
    "未解决": "open", "开放": "open", "已解决": "closed", "关闭": "closed",
    "每天": "daily", "每周": "weekly", "每月": "monthly", "很少": "rarely",
    "停用前": "before", "停用后": "after", "可见": "visible", "管理员": "admin",
    "全员": "everyone", "仅管理员": "admins_only", "人员": "user", "部门": "dept", "角色": "role",
}


def tables_markdown() -> str:
    """The table reference (Markdown) that docs/reference/tables.md shows, generated at build."""
    out = []
    for t in TABLES:
        need = " (required)" if t.required else ""
        out += [f"#### `{t.name}` — {t.zh}{need}", "", f"{t.help[0].upper()}{t.help[1:]}.", "",
                "| column | 中文 | type | rules | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            rules = [r for r in (
                "required" if c.required else "", "unique" if c.unique else "",
                f"→ `{c.ref}`" if c.ref else "",
                f"≥ {c.minimum:g}" if c.minimum is not None else "",
                f"≤ {c.maximum:g}" if c.maximum is not None else "",
                " / ".join(c.choices)) if r]
            out.append(f"| `{c.name}` | {c.zh} | {c.kind} | {'; '.join(rules)} | {c.help} |")
        out.append("")
    return "\n".join(out)


# A column that holds a document's state: a status or state, or an open/closed flag
# (解除免费关联 四.1: purchases waiting for goods, sales not shipped). The one rule, read by
# the migration (a map that drops such a column is refused) and by whoever asks.
_STATE_WORDS = frozenset({"status", "state", "open", "closed", "closing", "settled"})
_STATE_ZH = ("状态", "未结", "已结", "结案", "完结", "关闭", "结清")


def holds_state(column: str, declared: tuple[str, ...] | frozenset[str] = ()) -> bool:
    """Whether ``column`` (an export's header) holds a document's state: the datasets table
    declares it (``open_status_column``), its name contains one of 状态 未结 已结 结案 完结
    关闭 结清, or one of its words (split at anything but letters and digits, and between
    camelCase words) is status, state, open, closed, closing or settled."""
    name = unicodedata.normalize("NFKC", str(column)).strip()
    if name in declared or any(word in name for word in _STATE_ZH):
        return True
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()
    return bool(_STATE_WORDS & set(re.split(r"[^a-z0-9]+", spaced)))
