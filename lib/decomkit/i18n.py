"""Text shown to people, in English and Simplified Chinese."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "zh"]

TEXT: dict[str, dict[str, str]] = {
    # factors
    "factor.usage": {"en": "Usage", "zh": "使用情况"},
    "factor.cost": {"en": "Cost", "zh": "成本"},
    "factor.performance": {"en": "Performance", "zh": "性能"},
    "factor.security": {"en": "Security", "zh": "安全"},
    "factor.fit": {"en": "Function fit", "zh": "功能匹配"},
    "factor.alternative": {"en": "Alternative", "zh": "替代方案"},
    # decisions and quadrants
    "decision.retire": {"en": "retire", "zh": "停用"},
    "decision.review": {"en": "review", "zh": "待评估"},
    "decision.keep": {"en": "keep", "zh": "保留"},
    "quadrant.tolerate": {"en": "tolerate", "zh": "容忍"},
    "quadrant.invest": {"en": "invest", "zh": "投资"},
    "quadrant.migrate": {"en": "migrate", "zh": "迁移"},
    "quadrant.eliminate": {"en": "eliminate", "zh": "淘汰"},
    # reasons
    "reason.idle": {"en": "Nobody has used it for {days} days.",
                    "zh": "已有 {days} 天无人使用。"},
    "reason.low_share": {
        "en": "Only {share:.0%} of {seats} licensed seats were active a month over the last "
              "3 months.",
        "zh": "近 3 个月平均每月仅 {share:.0%} 的授权席位({seats} 个)在使用。"},
    "reason.decline": {"en": "Monthly active users fell {decline:.0%} over the year.",
                       "zh": "月活跃用户一年内下降了 {decline:.0%}。"},
    "reason.cost": {"en": "It costs ¥{cpu:,.0f} per active user a month (¥{annual:,.0f} a year).",
                    "zh": "每位活跃用户每月成本 ¥{cpu:,.0f}(每年 ¥{annual:,.0f})。"},
    "reason.performance": {"en": "Incidents in 12 months: {n}, {severe} of them high or critical.",
                           "zh": "12 个月内发生 {n} 次故障,其中 {severe} 次为高危或严重。"},
    "reason.security": {"en": "Open security findings: {n} (worst: {worst}).",
                        "zh": "{n} 个未解决的安全问题(最高级别:{worst})。"},
    "reason.fit": {"en": "Function fit is rated {rating:.1f} of 5.",
                   "zh": "功能匹配度评分 {rating:.1f}/5。"},
    "reason.alternative": {"en": "A replacement exists: {alternative}.",
                           "zh": "已有替代方案:{alternative}。"},
    "reason.usage_unknown": {
        "en": "Usage unknown: no usage source covers this app (DingTalk has no per-app usage "
              "API); import a usage log or set usage_tracked.",
        "zh": "使用情况未知:没有覆盖此应用的使用记录(钉钉没有按应用的使用数据接口);请导入访问记录"
              "或填写 usage_tracked。"},
    "usage.unknown": {"en": "usage unknown", "zh": "使用情况未知"},
    "usage.idle": {"en": "idle {days} days", "zh": "{days} 天无人使用"},
    "usage.active": {"en": "{mau:.0f} active a month", "zh": "月活 {mau:.0f} 人"},
    "reason.healthy": {"en": "Well used and fit for purpose.", "zh": "使用充分,功能匹配。"},
    # impact
    "risk.high": {"en": "high", "zh": "高"},
    "risk.medium": {"en": "medium", "zh": "中"},
    "risk.low": {"en": "low", "zh": "低"},
    "impact.process": {"en": "Business process '{name}' ({criticality}) depends on it.",
                       "zh": "业务流程「{name}」(重要程度:{criticality})依赖该应用。"},
    "impact.integration": {"en": "Integrated with {system} ({direction}): {description}.",
                           "zh": "与 {system} 集成({direction}):{description}。"},
    "impact.users": {"en": "{n} people in {depts} departments used it in the last 90 days.",
                     "zh": "近 90 天有 {depts} 个部门的 {n} 人使用。"},
    "impact.access": {"en": "{n} people in {depts} departments can open it now (visible scope "
                            "and admins; usage unknown): they lose access.",
                      "zh": "{depts} 个部门的 {n} 人目前可以打开它(可见范围与管理员;使用情况未知),"
                            "停用后将失去访问。"},
    "impact.data": {"en": "Data to back up or migrate: {datasets} dataset(s), {rows:,} rows "
                          "({size}).",
                    "zh": "{datasets} 个数据集,共 {rows:,} 行({size})需要备份或迁移。"},
    "impact.personal": {"en": "Holds personal data: {names}.", "zh": "含个人信息:{names}。"},
    "impact.none": {"en": "No processes, integrations or recent users depend on it.",
                    "zh": "没有业务流程、集成或近期用户依赖该应用。"},
    # contracts
    "contract.none": {"en": "No contract: it can be retired at any time.",
                      "zh": "无合同约束,可随时停用。"},
    "contract.expired": {"en": "The contract ended on {end} and does not renew.",
                         "zh": "合同已于 {end} 到期且不自动续约。"},
    "contract.deadline_near": {
        "en": "Notice must be given by {deadline} — in {days} days.",
        "zh": "须在 {deadline} 前发出终止通知,仅剩 {days} 天。"},
    "contract.deadline_passed": {
        "en": "The notice deadline {deadline} has passed; the contract renews on {end}.",
        "zh": "终止通知截止日 {deadline} 已过,合同将于 {end} 自动续约。"},
    "contract.exit.at_renewal": {"en": "exit at the end of the term", "zh": "合同期满时退出"},
    "contract.exit.early_termination": {"en": "terminate early (pay the fee)",
                                        "zh": "提前终止(支付违约金)"},
    "contract.exit.next_renewal": {"en": "exit at the end of the next term",
                                   "zh": "下一个合同期满时退出"},
    "contract.exit.no_contract": {"en": "retire now", "zh": "立即停用"},
    "contract.exit.expired": {"en": "retire now (contract ended)", "zh": "立即停用(合同已到期)"},
    # preflight (停用指南 stage 四)
    "check.admin": {"en": "Administrator rights", "zh": "管理员权限"},
    "check.licence": {"en": "Licence terms", "zh": "软件授权情况"},
    "check.revocation": {"en": "Revoke user access", "zh": "用户使用权限收回"},
    "check.linked": {"en": "Linked permissions", "zh": "关联权限检查"},
    "check.open_documents": {"en": "Open documents", "zh": "未结单据"},
    "check.open_documents.found": {
        "en": "Close these first (purchases and sales still open): {items}.",
        "zh": "停用前需处理完毕的未结单据:{items}。"},
    "check.open_documents.none": {"en": "No open documents in the exports.",
                                  "zh": "导出数据中没有未结单据。"},
    "check.admin.ok": {"en": "{operator} can manage the app.",
                       "zh": "{operator} 具备该应用的管理权限。"},
    "check.admin.fail": {
        "en": "{operator} is not an admin of the app; ask the system administrator.",
        "zh": "{operator} 不是该应用管理员,请联系系统管理员授权。"},
    "check.revocation.detail": {
        "en": "{n} people can open it now (departments: {depts}); revoke to admins only.",
        "zh": "当前 {n} 人可以使用(部门:{depts});停用前收回至仅管理员可见。"},
    "check.linked.found": {"en": "Detach first: {items}.", "zh": "停用前需解除关联:{items}。"},
    "check.linked.none": {"en": "No approval flow or integration references it.",
                          "zh": "没有审批流程或系统集成引用该应用。"},
    "status.ok": {"en": "ok", "zh": "通过"},
    "status.warn": {"en": "check", "zh": "注意"},
    "status.fail": {"en": "blocked", "zh": "阻断"},
    # chart labels
    "chart.mau": {"en": "Monthly active users", "zh": "月活跃用户"},
    "chart.month": {"en": "Month", "zh": "月份"},
    "chart.contribution": {"en": "Contribution to the retire score", "zh": "对停用评分的贡献"},
    "chart.score": {"en": "Retire score", "zh": "停用评分"},
    "chart.apps": {"en": "Apps", "zh": "应用数"},
    "chart.annual_cost": {"en": "Annual cost (¥)", "zh": "年成本(¥)"},
    "chart.active_users": {"en": "Monthly active users (last 3 months)",
                           "zh": "月活跃用户(近 3 个月)"},
    "chart.timeline": {"en": "Contract timeline", "zh": "合同时间线"},
    "chart.today": {"en": "today", "zh": "今天"},
    "chart.deadline": {"en": "notice deadline", "zh": "通知截止"},
    "chart.renewal": {"en": "term ends", "zh": "合同到期"},
    "chart.exit": {"en": "best exit", "zh": "最佳退出"},
    "chart.impact": {"en": "What depends on it", "zh": "依赖关系"},
    "chart.rows": {"en": "rows restored", "zh": "行已恢复"},
    "chart.cost_before_after": {"en": "Monthly cost (¥), before and after",
                                "zh": "月成本(¥):停用前后"},
    "chart.savings": {"en": "Cumulative savings (¥)", "zh": "累计节省(¥)"},
    "chart.realized": {"en": "realized", "zh": "实际"},
    "chart.projected": {"en": "projected", "zh": "预计"},
    "chart.verification": {"en": "Backup verification: size, SHA-256, restore test",
                           "zh": "备份验证:大小、SHA-256、恢复测试"},
    "backup.select": {"en": "Back up the checked datasets", "zh": "备份选中的数据集"},
    "edge.process": {"en": "business process", "zh": "业务流程"},
    "edge.integration": {"en": "integration", "zh": "系统集成"},
    "edge.users": {"en": "department using it", "zh": "使用部门"},
    "edge.data": {"en": "data", "zh": "数据"},
}


def t(key: str, language: Language = "zh", **values) -> str:
    """The text for ``key`` in ``language``, filled with ``values``."""
    return TEXT[key][language].format(**values)
