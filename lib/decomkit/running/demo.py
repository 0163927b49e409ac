"""A deterministic demo organisation: a company on DingTalk with apps worth keeping, apps worth
reviewing and apps that should go, with a year of usage, costs, contracts and real export files.

The same random seed and ``as_of`` give the same tables, byte for byte for CSV and parquet.

Two apps were retired months before ``as_of`` (``RETIRED``), their history in the ledger and
their sandbox scope as the disable left it (admins only). One of them, 会议室预订(旧), is still
opened by a few people after its disable (``STILL_USED``): the watch over retired apps
(``analysis.watch``) finds it, in ``00_portfolio``, ``05_review`` and on the portfolio page.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from decomkit.analysis.watch import ADMINS_ONLY
from decomkit.context.workspace import Workspace, init_workspace
from decomkit.core.canonical import plan_hash
from decomkit.core.config import Approver
from decomkit.core.errors import WorkspaceError
from decomkit.core.files import atomic_write_bytes
from decomkit.core.said import said_error
from decomkit.core.sinks import safe_cell, write_csv
from decomkit.custody.verify import verify_backup
from decomkit.lifecycle.backup import run_backup
from decomkit.platforms import Scope
from decomkit.platforms.dingtalk_form import LABELS
from decomkit.platforms.sandbox import SandboxPlatform, apps_from_inventory
from decomkit.proof.anchors import add_folder_anchor
from decomkit.proof.trust import write_profile

DEPARTMENTS = ("销售部", "财务部", "人力资源部", "技术部", "市场部", "采购部", "仓储物流部", "行政部")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩然子轩梓涵一诺欣怡"


@dataclass(frozen=True)
class DemoApp:
    app_id: str
    name: str
    category: str
    owner_dept: str
    vendor: str
    kind: str  # official | third_party | self_built | association
    seats: int
    monthly_fee: float  # licence, CNY
    profile: str  # essential | borderline | retire
    fit: float
    alternative: str = ""
    users_depts: tuple[str, ...] = ()  # empty: everyone
    datasets: tuple[str, ...] = ()
    idle_months: int = 0  # the last months nobody used it


APPS: tuple[DemoApp, ...] = (
    # essential: used daily by most of the company
    DemoApp("oa-approval", "OA审批", "办公", "行政部", "钉钉", "official", 300, 0, "essential", 4.6,
            datasets=("审批记录",)),
    DemoApp("attendance", "考勤打卡", "人事", "人力资源部", "钉钉", "official", 300, 0, "essential",
            4.4, datasets=("考勤记录", "排班表")),
    DemoApp("crm", "CRM客户管理", "销售", "销售部", "销帮帮", "third_party", 80, 9600, "essential",
            4.2, users_depts=("销售部", "市场部"), datasets=("客户信息", "销售记录", "跟进记录")),
    DemoApp("expense", "财务报销", "财务", "财务部", "易快报", "third_party", 300, 6000, "essential",
            4.1, datasets=("报销单", "发票")),
    DemoApp("hr-core", "智能人事", "人事", "人力资源部", "钉钉", "official", 300, 3000, "essential",
            4.3, datasets=("员工档案",)),
    DemoApp("drive", "钉盘", "办公", "技术部", "钉钉", "official", 300, 1500, "essential", 4.5),
    DemoApp("meeting", "视频会议", "办公", "行政部", "钉钉", "official", 300, 2000, "essential", 4.4),
    DemoApp("project", "Teambition项目", "研发", "技术部", "Teambition", "third_party", 120, 4800,
            "essential", 4.0, users_depts=("技术部", "市场部", "销售部"), datasets=("项目任务",)),
    DemoApp("payroll", "智能薪酬", "人事", "财务部", "钉钉", "official", 20, 2400, "essential", 4.2,
            users_depts=("财务部", "人力资源部"), datasets=("薪资数据",)),
    DemoApp("daily-log", "日志", "办公", "行政部", "钉钉", "official", 300, 0, "essential", 3.9),
    DemoApp("mail", "企业邮箱", "办公", "技术部", "钉钉", "official", 300, 1800, "essential", 4.1),
    DemoApp("wms", "仓储管理WMS", "供应链", "仓储物流部", "旺店通", "third_party", 40, 5200,
            "essential", 4.0, users_depts=("仓储物流部", "采购部"), datasets=("库存台账", "出入库单")),
    # borderline: some use, some cost, a case to look at
    DemoApp("contract", "合同管理", "法务", "行政部", "契约锁", "third_party", 60, 3600, "borderline",
            3.4, "OA审批", ("行政部", "财务部", "销售部"), ("合同台账",)),
    DemoApp("training", "培训学习", "人事", "人力资源部", "钉钉", "official", 300, 2500, "borderline",
            3.0, datasets=("课程记录",)),
    DemoApp("survey", "投票问卷", "办公", "市场部", "金数据", "third_party", 50, 800, "borderline",
            3.2, "钉钉表单", ("市场部", "人力资源部")),
    DemoApp("tickets", "IT工单", "IT", "技术部", "钉钉", "self_built", 300, 0, "borderline", 3.1,
            datasets=("工单记录",)),
    DemoApp("assets", "资产管理", "行政", "行政部", "易点易动", "third_party", 30, 2200, "borderline",
            3.3, users_depts=("行政部", "财务部", "技术部"), datasets=("资产台账",)),
    DemoApp("car", "用车申请", "行政", "行政部", "钉钉", "official", 300, 600, "borderline", 3.0),
    DemoApp("purchase", "采购管理", "供应链", "采购部", "简道云", "third_party", 30, 2800, "borderline",
            3.1, "进销存", ("采购部", "财务部", "仓储物流部"), ("采购申请", "供应商")),
    DemoApp("store-patrol", "巡店管理", "销售", "销售部", "巡店宝", "third_party", 40, 1600,
            "borderline", 2.9, users_depts=("销售部",), datasets=("巡店记录",)),
    DemoApp("wiki", "知识库", "办公", "技术部", "语雀", "third_party", 150, 3000, "borderline", 3.5,
            "钉钉文档", datasets=("知识文章",)),
    DemoApp("visitor", "访客登记", "行政", "行政部", "钉钉", "official", 10, 300, "borderline", 3.2,
            users_depts=("行政部",), datasets=("访客记录",)),
    # retire candidates: little or falling use, high cost per user, better alternatives
    DemoApp("jxc", "进销存", "供应链", "仓储物流部", "钉钉", "association", 60, 0, "retire", 2.1,
            "仓储管理WMS", ("仓储物流部", "采购部", "销售部"), ("商品信息", "采购订单", "销售记录"), 3),
    DemoApp("old-attendance", "旧版考勤机助手", "人事", "人力资源部", "中控", "third_party", 300, 1200,
            "retire", 1.8, "考勤打卡", datasets=("打卡原始记录",)),
    DemoApp("simple-pm", "简易项目管理", "研发", "技术部", "小蜜蜂", "third_party", 100, 2000, "retire",
            1.9, "Teambition项目", ("技术部",), ("项目进度",)),
    DemoApp("bi-pro", "高级数据分析", "数据", "财务部", "观远", "third_party", 20, 25000, "retire", 2.6,
            "钉钉报表", ("财务部", "市场部"), ("分析报表",)),
    DemoApp("old-expense", "旧版报销单", "财务", "财务部", "钉钉", "self_built", 300, 0, "retire", 1.5,
            "财务报销", datasets=("历史报销单",), idle_months=4),
    DemoApp("doc-editor", "文档编辑器", "办公", "行政部", "福昕", "third_party", 150, 3500, "retire",
            2.0, "钉钉文档"),
    DemoApp("stocktake", "库存盘点助手", "供应链", "仓储物流部", "盘点通", "third_party", 30, 900,
            "retire", 2.2, "仓储管理WMS", ("仓储物流部",), ("盘点记录",)),
    DemoApp("room-booking", "会议室预订(旧)", "行政", "行政部", "钉钉", "self_built", 300, 0, "retire",
            1.7, "视频会议", datasets=("预订记录",)),
    DemoApp("scm-legacy", "供应链协同(旧)", "供应链", "采购部", "用友", "third_party", 40, 8000, "retire",
            2.3, "采购管理", ("采购部", "仓储物流部"), ("供应商", "订单历史")),
    DemoApp("sales-report", "销售日报", "销售", "销售部", "钉钉", "self_built", 80, 0, "retire", 2.4,
            "CRM客户管理", ("销售部",), ("日报记录",)),
)

# Apps retired before 'today' (months ago), so 05_review has real before/after figures.
RETIRED = {"old-expense": 4, "room-booking": 2}
# After its disable, a retired app's use stops — except for these people, the first of its most
# active users: 会议室预订(旧) is a self-built app whose page a few people kept opening from a
# bookmark after it left the workbench. The watch (analysis.watch) is meant to catch exactly this.
STILL_USED = {"room-booking": 3}
# Each retired app's approvers' comments (in the order of the chain) and the answers to the
# survey after its disable: its own, not one text copied across apps.
_APPROVER_COMMENTS = {
    "old-expense": ("同意,已确认财务报销可替代旧版报销单", "同意,历史报销单已备份并复验",
                    "同意,按计划停用"),
    "room-booking": ("同意,会议室改在视频会议里预订", "同意,预订记录已备份",
                     "同意,停用后不再有服务器和维护费用"),
}
_AFTER_ANSWERS = {
    "old-expense": ((5, "新报销流程更方便"), (4, "历史单据迁移顺利"), (4, "比旧版报销单快"),
                    (3, "还在适应新的审批节点"), (5, "发票拍照上传很省事")),
    "room-booking": ((4, "在视频会议里订会议室更顺手"), (3, "旧的预订记录不好找"),
                     (4, "会议提醒比以前及时"), (2, "临时加订会议室不如以前方便"),
                     (4, "和日程同步很好")),
}


DEMO_MARKER = ".decomkit-demo"  # only a folder holding it may be replaced by --replace


def retired_on(as_of: dt.date, app_id: str = "old-expense") -> dt.date:
    """The day an already-retired demo app was disabled (mid-month, months before as_of)."""
    month = pd.Timestamp(as_of).to_period("M") - RETIRED[app_id]
    return month.to_timestamp().date() + dt.timedelta(days=14)


# Usage intensity (events share), share of the pool that is active, and monthly trend factor.
_PROFILE = {"essential": (10.0, 0.9, 1.00), "borderline": (2.0, 0.25, 0.95),
            "retire": (0.5, 0.12, 0.82)}
_SEVERITY_P = {"essential": 0.2, "borderline": 0.6, "retire": 1.3}  # incidents per month


def _names(rng: np.random.Generator, n: int) -> list[str]:
    surnames = rng.choice(list(_SURNAMES), n)
    given = ["".join(rng.choice(list(_GIVEN), rng.integers(1, 3))) for _ in range(n)]
    return [s + g for s, g in zip(surnames, given, strict=True)]


def _month_starts(as_of: dt.date, months: int = 12) -> list[pd.Timestamp]:
    last = pd.Timestamp(as_of).to_period("M")
    return [(last - k).to_timestamp() for k in range(months, 0, -1)]


def make_users(rng: np.random.Generator, n: int = 240) -> pd.DataFrame:
    weights = np.array([0.25, 0.08, 0.06, 0.18, 0.12, 0.08, 0.15, 0.08])
    depts = rng.choice(DEPARTMENTS, n, p=weights / weights.sum())
    ids = [f"u{i:04d}" for i in range(1, n + 1)]
    return pd.DataFrame({"user_id": ids, "name": _names(rng, n), "department": depts,
                         "email": [f"{u}@example.com" for u in ids]})


def select_apps(n: int) -> tuple[DemoApp, ...]:
    """``n`` apps keeping the mix of profiles; beyond the named apps, numbered extras."""
    if n <= len(APPS):
        by_profile = [[a for a in APPS if a.profile == p] for p in _PROFILE]
        mixed = [a for group in zip(*[g + [None] * (20 - len(g)) for g in by_profile],
                                    strict=True) for a in group if a]
        return tuple(sorted(mixed[:n], key=APPS.index))
    profiles = list(_PROFILE)
    extras = tuple(DemoApp(f"app-{k:04d}", f"业务应用{k:04d}", "其他", DEPARTMENTS[k % 8], "示例",
                           "third_party", 20 + k % 80, float(200 * (k % 7)), profiles[k % 3],
                           2.0 + (k % 3)) for k in range(1, n - len(APPS) + 1))
    return APPS + extras


def make_usage(rng: np.random.Generator, apps: tuple[DemoApp, ...], users: pd.DataFrame,
               as_of: dt.date, n_events: int) -> pd.DataFrame:
    """``n_events`` visits over the 12 months before ``as_of``, vectorised per app."""
    months = _month_starts(as_of)
    total_weight = sum(_PROFILE[a.profile][0] for a in apps)
    frames = []
    for app in apps:
        intensity, active_share, trend = _PROFILE[app.profile]
        n = round(n_events * intensity / total_weight)
        pool = users if not app.users_depts else users[users["department"].isin(app.users_depts)]
        active = pool["user_id"].to_numpy()[: max(1, int(len(pool) * active_share))]
        month_w = trend ** np.arange(12)[::-1].astype(float)
        if app.idle_months:
            month_w[-app.idle_months:] = 0
        month_idx = rng.choice(12, n, p=month_w / month_w.sum())
        starts = np.array(months, dtype="datetime64[D]")[month_idx]
        days = rng.integers(0, 28, n).astype("timedelta64[D]")
        user_w = 1.0 / np.arange(1, len(active) + 1) ** 0.6
        who = rng.choice(active, n, p=user_w / user_w.sum())
        visits = pd.DataFrame({"date": starts + days, "app_id": app.app_id, "user_id": who})
        if app.app_id in RETIRED:  # off after its disable day, but for the people who kept on
            off = np.datetime64(retired_on(as_of, app.app_id), "D")
            kept = active[:STILL_USED.get(app.app_id, 0)]
            visits = visits[(visits["date"] <= off) | visits["user_id"].isin(kept)]
        frames.append(visits)
    usage = pd.concat(frames, ignore_index=True)
    usage["date"] = usage["date"].astype("datetime64[ns]")
    return usage.sort_values(["date", "app_id"], kind="stable").reset_index(drop=True)


def make_costs(apps: tuple[DemoApp, ...], as_of: dt.date) -> pd.DataFrame:
    rows = []
    for app in apps:
        off = (pd.Timestamp(retired_on(as_of, app.app_id)).to_period("M").to_timestamp()
               if app.app_id in RETIRED else None)
        for month in _month_starts(as_of):
            if off is not None and month >= off:
                continue  # nothing is paid after it was switched off
            if app.monthly_fee:
                rows.append((app.app_id, month, "licence", app.monthly_fee))
                rows.append((app.app_id, month, "support", round(app.monthly_fee * 0.1, 2)))
            if app.kind == "self_built":
                rows.append((app.app_id, month, "infrastructure", 450.0))
                rows.append((app.app_id, month, "maintenance", 1500.0))
    return pd.DataFrame(rows, columns=["app_id", "month", "category", "amount"])


DEMO_CUSTOMER = "示例商贸有限公司"  # the demo organisation's legal name on its contracts


def make_contracts(apps: tuple[DemoApp, ...], as_of: dt.date) -> pd.DataFrame:
    rows = []
    paid = [a for a in apps if a.monthly_fee and a.kind == "third_party"]
    for k, app in enumerate(paid):
        renewal = pd.Timestamp(as_of) + pd.Timedelta(days=int(20 + (k * 37) % 330))
        notice = (30, 60, 90)[k % 3]
        rows.append({
            "contract_id": f"HT-{2024 + k % 2}-{k + 1:03d}", "app_id": app.app_id,
            "start_date": renewal - pd.DateOffset(years=1), "renewal_date": renewal,
            "notice_days": notice, "auto_renew": k % 2 == 0,
            "annual_fee": app.monthly_fee * 12,
            "early_termination_fee": round(app.monthly_fee * (2 if k % 4 else 0), 2),
            "terms": "提前终止需支付两个月费用" if k % 4 else "可随时终止,按月结算",
            "vendor": app.vendor, "customer": DEMO_CUSTOMER,
        })
    return pd.DataFrame(rows)


_INTEGRATIONS = (
    ("jxc", "ERP", "both", "商品与库存同步"), ("jxc", "财务系统", "out", "销售单推送记账"),
    ("crm", "ERP", "out", "订单同步"), ("expense", "财务系统", "out", "凭证生成"),
    ("payroll", "财务系统", "out", "工资发放"), ("wms", "ERP", "both", "库存同步"),
    ("scm-legacy", "ERP", "in", "采购订单导入"), ("bi-pro", "ERP", "in", "经营数据抽取"),
    ("old-attendance", "考勤打卡", "out", "考勤机数据上传"), ("purchase", "财务系统", "out", "付款申请"),
)
_PROCESSES = (
    ("jxc", "采购入库", "medium", "采购申请审批"), ("jxc", "销售出库", "medium", ""),
    ("crm", "客户跟进", "high", ""), ("expense", "费用报销", "high", "报销审批"),
    ("oa-approval", "请假审批", "high", "请假"), ("attendance", "每日考勤", "high", ""),
    ("payroll", "月度发薪", "high", ""), ("wms", "出入库", "high", "出库审批"),
    ("contract", "合同签署", "medium", "合同审批"), ("purchase", "采购申请", "medium", "采购审批"),
    ("old-expense", "旧报销流程", "low", "旧版报销审批"), ("simple-pm", "项目周报", "low", ""),
    ("bi-pro", "月度经营分析", "medium", ""), ("scm-legacy", "供应商对账", "medium", ""),
    ("stocktake", "月末盘点", "low", ""), ("sales-report", "销售日报", "low", ""),
)


def make_export(rng: np.random.Generator, app: DemoApp, dataset: str, n: int) -> pd.DataFrame:
    """A realistic small export of ``dataset`` with Chinese text, numbers and dates."""
    goods = ["办公椅", "打印纸", "笔记本电脑", "显示器", "墨盒", "文件柜", "投影仪", "白板笔"]
    base = pd.Timestamp("2025-01-01")
    return pd.DataFrame({
        "编号": [f"{app.app_id.upper()[:3]}-{i:05d}" for i in range(1, n + 1)],
        "名称": [f"{dataset}·{rng.choice(goods)}" for _ in range(n)],
        "数量": rng.integers(1, 500, n),
        "金额": np.round(rng.uniform(10, 20000, n), 2),
        "日期": [(base + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d")
               for d in rng.integers(0, 600, n)],
        "备注": rng.choice(["", "加急", "已核对", "需复核", "客户要求开专票"], n),
    })


_FIXED_TIME = (2025, 1, 1, 0, 0, 0)


def _without_write_times(xlsx: bytes) -> bytes:
    """The same workbook with fixed zip and document times, so equal content is equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2025-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(name, _FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_export(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, GBK CSV or XLSX by the file's name, as real consoles produce them."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.worksheets[0]  # a new workbook's one sheet (its active one)
        sheet.append([safe_cell(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([safe_cell(v.item() if hasattr(v, "item") else v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        atomic_write_bytes(path, _without_write_times(buffer.getvalue()))
        return
    encoding = "gbk" if path.stem.endswith(".gbk") else "utf-8"
    write_csv(path, frame, encoding, lineterminator="\r\n")


# Documents with a status (解除免费关联 四.1): dataset → (done, still open); one in fifty is open.
_DOCUMENT_STATUS = {"采购订单": ("已入库", "待入库"), "销售记录": ("已出库", "待出库")}


def make_datasets(rng: np.random.Generator, apps: tuple[DemoApp, ...], root: Path) -> pd.DataFrame:
    rows, k = [], 0
    changes = {"essential": "daily", "borderline": "weekly", "retire": "monthly"}
    for app in apps:
        for name in app.datasets:
            n = int(rng.integers(40, 400))
            frame = make_export(rng, app, name, n)
            done, still_open = _DOCUMENT_STATUS.get(name, ("", ""))
            if still_open:  # not drawn from rng: every other export stays as it was
                frame["状态"] = [still_open if i % 50 == 7 else done for i in range(1, n + 1)]
            file = (f"{name}.csv", f"{name}.gbk.csv", f"{name}.xlsx")[k % 3]
            path = root / "exports" / app.app_id / file
            write_export(frame, path)
            rows.append({"dataset_id": f"DS{k + 1:03d}", "app_id": app.app_id, "name": name,
                         "rows": n, "bytes": path.stat().st_size, "export_file": file,
                         "changes": "rarely" if app.app_id == "old-expense"
                         else changes[app.profile],
                         "personal_data": name in ("员工档案", "薪资数据", "客户信息", "考勤记录"),
                         "open_status_column": "状态" if still_open else None,
                         "open_values": still_open or None})
            k += 1
    return pd.DataFrame(rows)


def make_incidents(rng: np.random.Generator, apps: tuple[DemoApp, ...],
                   as_of: dt.date) -> pd.DataFrame:
    rows, start = [], pd.Timestamp(as_of) - pd.Timedelta(days=365)
    for app in apps:
        for _ in range(int(rng.poisson(_SEVERITY_P[app.profile] * 12))):
            sev = rng.choice(["critical", "high", "medium", "low"], p=[0.05, 0.2, 0.4, 0.35])
            rows.append({"app_id": app.app_id,
                         "date": start + pd.Timedelta(days=int(rng.integers(0, 365))),
                         "severity": sev, "summary": rng.choice(
                             ["页面加载缓慢", "登录失败", "数据同步延迟", "偶发崩溃", "导出超时"])})
    offs = {a: pd.Timestamp(retired_on(as_of, a)) for a in RETIRED}
    rows = [r for r in rows if not (r["app_id"] in offs and r["date"] >= offs[r["app_id"]])]
    if "old-expense" in {a.app_id for a in apps}:  # a business-flow hiccup after retiring it
        rows.append({"app_id": "expense", "severity": "low", "summary": "旧报销单迁移后两张单据需补录",
                     "date": offs["old-expense"] + pd.Timedelta(days=20)})
    frame = pd.DataFrame(rows).sort_values(["date", "app_id"], kind="stable")
    frame.insert(0, "incident_id", [f"INC-{i:04d}" for i in range(1, len(frame) + 1)])
    return frame


def make_findings(apps: tuple[DemoApp, ...], as_of: dt.date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    rows = [
        ("bi-pro", 120, "high", "open", "数据传输未加密"),
        ("old-attendance", 200, "critical", "open", "默认管理员口令未修改"),
        ("scm-legacy", 90, "medium", "open", "依赖组件存在已知漏洞"),
        ("crm", 300, "medium", "closed", "会话超时过长"),
        ("doc-editor", 60, "high", "open", "外链分享无访问控制"),
        ("wiki", 150, "low", "open", "审计日志保留不足"),
        ("jxc", 45, "high", "open", "数据导出无审计记录"),
    ]
    return pd.DataFrame([{"finding_id": f"SEC-{i:03d}", "app_id": a,
                          "date": day - pd.Timedelta(days=d), "severity": s, "status": st,
                          "title": t} for i, (a, d, s, st, t) in enumerate(rows, 1)
                         if a in {app.app_id for app in apps}],
                        columns=["finding_id", "app_id", "date", "severity", "status", "title"])


def make_survey(rng: np.random.Generator, apps: tuple[DemoApp, ...], users: pd.DataFrame,
                as_of: dt.date, usage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Answers 'before' (for a retired app, in the weeks before its disable) and, for each
    retired app, its own answers 'after' from people who used it (from ``usage``)."""
    rows = []
    comments = {1: "很难用,经常出错", 2: "功能不够用", 3: "一般", 4: "比较好用", 5: "非常好用"}
    for app in apps:
        asked = (pd.Timestamp(retired_on(as_of, app.app_id)) if app.app_id in RETIRED
                 else pd.Timestamp(as_of))
        for user in rng.choice(users["user_id"], int(rng.integers(5, 15)), replace=False):
            score = int(np.clip(round(rng.normal(app.fit, 0.7)), 1, 5))
            rows.append({"app_id": app.app_id, "user_id": user, "phase": "before",
                         "date": asked - pd.Timedelta(days=int(rng.integers(30, 90))),
                         "score": score, "comment": comments[score]})
    taken: set[str] = set()
    for app in [a for a in apps if a.app_id in RETIRED]:
        after = pd.Timestamp(retired_on(as_of, app.app_id)) + pd.Timedelta(days=25)
        answers = _AFTER_ANSWERS.get(app.app_id, _AFTER_ANSWERS["old-expense"])
        people = _respondents(app, users, usage, as_of, len(answers), taken)
        taken.update(people)
        for k, ((score, comment), user) in enumerate(zip(answers, people, strict=False)):
            rows.append({"app_id": app.app_id, "user_id": user,
                         "phase": "after", "date": after + pd.Timedelta(days=k),
                         "score": score, "comment": comment})
    frame = pd.DataFrame(rows)
    frame.insert(0, "response_id", [f"R{i:05d}" for i in range(1, len(frame) + 1)])
    return frame


def _respondents(app: DemoApp, users: pd.DataFrame, usage: pd.DataFrame | None,
                 as_of: dt.date, n: int, taken: set[str]) -> list[str]:
    """Who answers the survey after ``app``'s disable: its most frequent users before it (not
    the few who kept using it, nor anyone already asked about another app); without a log,
    every seventh user."""
    if usage is None:
        return [users["user_id"].iloc[k * 7] for k in range(n)]
    off = pd.Timestamp(retired_on(as_of, app.app_id))
    ranked = usage[(usage["app_id"] == app.app_id) & (usage["date"] <= off)][
        "user_id"].value_counts().index
    still = set(ranked[:STILL_USED.get(app.app_id, 0)])
    return [u for u in ranked if u not in still and u not in taken][:n]


def make_apps(apps: tuple[DemoApp, ...]) -> pd.DataFrame:
    return pd.DataFrame([{
        "app_id": a.app_id, "name": a.name, "vendor": a.vendor, "category": a.category,
        "owner_dept": a.owner_dept, "owner": None, "kind": a.kind, "licensed_seats": a.seats,
        "status": "enabled", "function_fit": a.fit, "alternative": a.alternative or None,
    } for a in apps])


def _csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    write_csv(path, frame, encoding, date_format="%Y-%m-%d")


def remove_demo(root: Path) -> None:
    """Delete the demo workspace at ``root``; refuse any folder 'decomkit demo' did not make."""
    if not root.exists() or (root.is_dir() and not any(root.iterdir())):
        return
    if root.is_symlink() or not (root / DEMO_MARKER).is_file():
        raise said_error(WorkspaceError, "run.not_a_demo", root=root, marker=DEMO_MARKER)
    shutil.rmtree(root)


def build_demo(root: str | Path, *, apps: int = len(APPS), events: int = 200_000, seed: int = 7,
               as_of: dt.date | None = None, language: str = "zh",
               anchor_folder: str | Path | None = None) -> Workspace:
    """Create the demo workspace at ``root`` (which must not hold a workspace yet);
    ``anchor_folder`` anchors its ledger checkpoints to that local folder."""
    as_of = as_of or dt.date.today()
    chosen = select_apps(apps)
    kept = {a.app_id for a in chosen}
    rng = np.random.default_rng(seed)
    users = make_users(rng)
    heads = {d: users[users["department"] == d]["user_id"].iloc[0] for d in DEPARTMENTS}
    users["dept_head"] = users["user_id"].isin(list(heads.values()))  # they approve its apps
    approvers = (Approver(role="department_head", user_id=heads["仓储物流部"], name="部门负责人"),
                 Approver(role="it", user_id=heads["技术部"], name="IT负责人"),
                 Approver(role="finance", user_id=heads["财务部"], name="财务负责人"))
    workspace = init_workspace(root, language=language, approvers=approvers,
                               auto_agree_after_seconds=2, operator="it-admin")
    atomic_write_bytes(workspace.root / DEMO_MARKER, b"built by 'decomkit demo'\n")
    if anchor_folder is not None:
        add_folder_anchor(workspace.root, Path(anchor_folder).expanduser().resolve())
        workspace = Workspace.open(workspace.root)
        write_profile(workspace.root, workspace.config)  # the auditors' copy names the anchor
    data = workspace.path("data")
    table = make_apps(chosen)
    table.loc[table["app_id"] == "jxc", "owner"] = heads["仓储物流部"]
    table.loc[table["app_id"].isin(list(RETIRED)), "status"] = "disabled"
    _csv(table, data / "apps.csv", "gbk")  # as a Chinese admin console exports it
    _csv(users, data / "users.csv", "utf-8-sig")
    usage = make_usage(rng, chosen, users, as_of, events)
    usage.to_parquet(data / "usage_events.parquet", index=False)
    _csv(make_costs(chosen, as_of), data / "costs.csv")
    write_export(make_contracts(chosen, as_of), data / "contracts.xlsx")
    integrations = pd.DataFrame([r for r in _INTEGRATIONS if r[0] in kept],
                                columns=["app_id", "system", "direction", "description"])
    integrations.insert(0, "integration_id", [f"INT-{i:02d}" for i in
                                              range(1, len(integrations) + 1)])
    _csv(integrations, data / "integrations.csv")
    processes = pd.DataFrame([r for r in _PROCESSES if r[0] in kept], columns=["app_id", "name", "criticality",
                                                  "approval_template"])
    processes.insert(0, "process_id", [f"BP-{i:02d}" for i in range(1, len(processes) + 1)])
    _csv(processes, data / "processes.csv")
    _csv(make_datasets(rng, chosen, workspace.root), data / "datasets.csv")
    _csv(make_incidents(rng, chosen, as_of), data / "incidents.csv")
    _csv(make_findings(chosen, as_of), data / "security_findings.csv")
    _csv(make_survey(rng, chosen, users, as_of, usage), data / "survey_responses.csv")
    saved = seed_sandbox(workspace)
    for app in chosen:
        if app.app_id in RETIRED:
            record_history(workspace, app, as_of, saved[app.app_id])
    return workspace


def seed_sandbox(workspace: Workspace) -> dict[str, Scope]:
    """Validate every table and seed the sandbox from them, the retired apps as their disable
    left them: visible to admins only. Returns each app's scope before that (what the disable
    saved for a rollback)."""
    inventory = workspace.inventory(["usage_events", "users"])  # validates every table
    apps = apps_from_inventory(inventory, operator=workspace.config.operator)
    saved = {a.app_id: a.scope for a in apps}
    apps = [replace(a, scope=ADMINS_ONLY) if a.app_id in RETIRED else a for a in apps]
    users = dict(zip(inventory.users["user_id"], inventory.users["department"], strict=True))
    SandboxPlatform.create(workspace.root / "platform", apps, users).close()
    return saved


def record_history(workspace: Workspace, demo_app: DemoApp, as_of: dt.date,
                   saved_scope: Scope | None = None) -> None:
    """The lifecycle of an app retired months ago, in the ledger at the dates it happened:
    the visible scope it had (kept for a rollback) and the scope its disable left."""
    app, off = demo_app.app_id, retired_on(as_of, demo_app.app_id)

    def at(days_before: int) -> str:
        return dt.datetime.combine(off - dt.timedelta(days=days_before), dt.time(10),
                                   tzinfo=dt.UTC).isoformat()

    actor = workspace.config.operator
    plan = {"app_id": app, "action": "disable", "scope": "admins_only", "date": off.isoformat()}
    monthly = 1950.0  # infrastructure and maintenance of a self-built app, as in the costs
    with workspace.ledger() as ledger:
        ledger.transition(app, "assessed", actor, {
            "stage": "assess", "score": 83.4, "recommendation": "retire",
            "licence": {"contract_id": None, "penalty": 0.0, "monthly_cost": monthly,
                        "migration_cost": 1500.0, "exit_date": off.isoformat(),
                        "savings_12": monthly * 12 - 1500.0}}, at=at(45))
        ledger.transition(app, "decided", actor, {
            "decision": "retire", "recommendation": "retire", "score": 83.4,
            "reasons": ["使用人数极少。", f"已有替代方案:{demo_app.alternative}。"]}, at=at(45))
    result = run_backup(workspace, app, actor=actor, at=at(25))
    verify_backup(workspace, app, actor=actor, at=at(25))
    gate = {"plan_hash": plan_hash(plan), "manifest_hash": result.manifest_hash, "confirm": app}
    with workspace.ledger() as ledger:
        ledger.transition(app, "approval_pending", actor, {
            "instance_id": "sbx-history-1", "plan_hash": gate["plan_hash"], "plan": plan,
            "manifest_hash": result.manifest_hash,
            "approvers": [a.user_id for a in workspace.config.approval.chain],
            "form": {LABELS["reason"]: f"已由{demo_app.alternative}替代"}}, at=at(20))
        comments = _APPROVER_COMMENTS.get(app, (
            f"同意,已确认{demo_app.alternative}可替代", "同意,数据已备份", "同意,按计划停用"))
        ledger.transition(app, "approved", actor, {
            "instance_id": "sbx-history-1", "plan_hash": gate["plan_hash"],
            "records": [{"user_id": a.user_id, "result": "AGREE", "comment": comment,
                         "date": at(days)} for a, comment, days in zip(
                             workspace.config.approval.chain, comments, (17, 15, 13),
                             strict=False)]}, at=at(13))
        ledger.transition(app, "access_revoked", actor,
                          {**gate, "saved_scope": asdict(saved_scope or Scope())}, at=at(0))
        ledger.transition(app, "disabled", actor, {**gate, "action": "disable"}, at=at(0))
        ledger.transition(app, "verified_disabled", actor, {
            "status": "disabled", "scope": asdict(ADMINS_ONLY)}, at=at(0))
