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
    "quadrant.differs": {
        "en": "The recommendation ({recommendation}, score {score:.1f}) and the TIME quadrant "
              "({quadrant}) differ: the quadrant places the app by two things only, business "
              "value ({value}) and technical and cost health ({health}); the score weighs all "
              "six factors, here mostly {factors}. The decision follows the score.",
        "zh": "建议「{recommendation}」(评分 {score:.1f})与 TIME 象限「{quadrant}」不一致:象限只看"
              "业务价值({value})和技术与成本健康度({health})两项,评分则加权计入全部六项因素,"
              "这里主要来自{factors}。决定以评分为准。"},
    "quadrant.review": {
        "en": "The score ({score:.1f}) lies between keep and retire, so a person decides; the "
              "TIME quadrant ({quadrant}: business value {value}, technical and cost health "
              "{health}) is one thing to weigh. The score comes mostly from {factors}.",
        "zh": "评分 {score:.1f} 介于保留与停用之间,由人决定;TIME 象限「{quadrant}」(业务价值"
              "{value},技术与成本健康度{health})可作参考。评分主要来自{factors}。"},
    "quadrant.value_high": {"en": "high: used and fit", "zh": "高:有人用、功能匹配"},
    "quadrant.value_low": {"en": "low: little use or poor fit", "zh": "低:使用少或功能不匹配"},
    "quadrant.health_good": {"en": "good: cost, incidents and security acceptable",
                             "zh": "尚可:成本、故障与安全可接受"},
    "quadrant.health_poor": {"en": "poor: high cost, incidents or security findings",
                             "zh": "差:成本高、故障多或有安全问题"},
    # reasons
    "reason.idle": {"en": "Nobody had used it for {days} days by {end}, the usage log's last day.",
                    "zh": "截至使用记录最后一天 {end},已有 {days} 天无人使用。"},
    "reason.low_share": {
        "en": "Only {share:.0%} of {seats} licensed seats were active a month over the last "
              "3 months.",
        "zh": "近 3 个月平均每月仅 {share:.0%} 的授权席位({seats} 个)在使用。"},
    "reason.decline": {"en": "Monthly active users fell {decline:.0%} over the year.",
                       "zh": "月活跃用户一年内下降了 {decline:.0%}。"},
    "reason.cost": {"en": "It costs ¥{cpu:,.0f} per active user per month; the app costs "
                          "¥{annual:,.0f} a year in all.",
                    "zh": "每位活跃用户每月成本 ¥{cpu:,.0f};该应用全年总成本 ¥{annual:,.0f}。"},
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
    "usage.idle": {"en": "idle {days} days (to {end})", "zh": "{days} 天无人使用(至 {end})"},
    "usage.active": {"en": "{mau:.0f} active a month (3-month average)",
                     "zh": "近 3 个月平均月活 {mau:.0f} 人"},
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
    "contract.exit.any_time": {"en": "terminable at any time (no fee)",
                               "zh": "可随时终止(无违约金)"},
    "contract.deadline_today": {
        "en": "Notice must be given today ({deadline}), or the contract renews.",
        "zh": "终止通知今天({deadline})截止,否则合同将自动续约。"},
    "contract.ends_near": {
        "en": "The contract ends on {end} — in {days} days — and does not renew: retire the app "
              "and move its data by then, or sign a new contract.",
        "zh": "合同将于 {end} 到期(还有 {days} 天)且不自动续约:须在此前停用并迁移数据,"
              "或重新签约。"},
    "contract.option": {"en": "exit on {date}", "zh": "{date} 退出"},
    "contract.fee": {"en": ", fee {fee}", "zh": ",违约金 {fee}"},
    "contract.notice_by": {"en": " (notice by {day})", "zh": "(须在 {day} 前通知)"},
    "contract.best": {"en": " — the best option", "zh": " —— 最佳方案"},
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
    "check.open_documents.item": {"en": "{dataset} {n} ({shown})",
                                  "zh": "{dataset} {n} 张({shown})"},
    "check.open_documents.unchecked": {
        "en": "{dataset}: the export or its column '{column}' is missing, so it cannot be "
              "checked",
        "zh": "{dataset}:导出文件或其状态列「{column}」缺失,无法检查"},
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
    "check.linked.template": {"en": "approval template '{name}'", "zh": "审批模板「{name}」"},
    "check.licence.app_expired": {"en": "The platform shows the app expired. {detail}",
                                  "zh": "平台显示该应用已过期。{detail}"},
    "list.sep": {"en": ", ", "zh": "、"},  # between the items of a list in a sentence
    "list.semi": {"en": "; ", "zh": ";"},  # between whole clauses (problems, reasons)
    "check.linked.none": {"en": "No approval flow or integration references it.",
                          "zh": "没有审批流程或系统集成引用该应用。"},
    "check.source": {"en": "Scope and admins read from", "zh": "可见范围与管理员来源"},
    "check.source.imported": {
        "en": "The DingTalk import of {day} (fresh for {days} days), not asked again; the "
              "disable reads DingTalk again before it changes anything.",
        "zh": "取自 {day} 的钉钉导入({days} 天内有效),未再次调用钉钉;停用前会重新向钉钉读取。"},
    "check.replacement": {"en": "Replacement reachable", "zh": "替代应用可用"},
    "check.replacement.ok": {"en": "All {n} people who lose the app can open {name}.",
                             "zh": "受影响的 {n} 人都能打开 {name}。"},
    "check.replacement.missing": {
        "en": "{n} of the {affected} people who lose the app cannot open {name} ({who}). "
              "{remedy}",
        "zh": "受影响的 {affected} 人中有 {n} 人打不开 {name}({who})。{remedy}"},
    "check.replacement.grant": {
        "en": "Add them to its visible scope before the disable (grant_access in 04_disable), "
              "or write in override_reason why they can do without it.",
        "zh": "停用前请把他们加入其可见范围(04_disable 的 grant_access),或在 override_reason "
              "中写明他们为何不需要。"},
    "check.replacement.nobody": {
        "en": "The kit finds nobody who loses the app (its visible scope lets nobody in, or "
              "is not known), so nobody's access to {name} could be checked.",
        "zh": "未找到会失去该应用的人员(其可见范围为空或未知),无法核对谁能打开 {name}。"},
    "check.replacement.unknown": {
        "en": "Neither the platform nor the app_scopes table knows who can open {name}: it "
              "cannot be checked.",
        "zh": "平台和可见范围表(app_scopes)都没有 {name} 的可见范围,无法核对。"},
    "replacement.people": {"en": "{dept}: {n} people", "zh": "{dept} {n} 人"},
    "replacement.problem.not_enabled": {
        "en": "{name} is not enabled, so nobody can open it: enable it first.",
        "zh": "{name} 未启用,所有人都打不开,请先启用。"},
    "replacement.problem.admins_only": {
        "en": "{name} is visible to admins only, so adding people to its scope does not let "
              "them in: open its visible scope in the admin console first.",
        "zh": "{name} 仅管理员可见,把人员加入可见范围也打不开;请先在管理后台开放其可见范围。"},
    "replacement.problem.not_on_platform": {
        "en": "The platform does not list {name}: widen its visible scope in the admin console, "
              "then import the scopes again (decomkit import dingtalk).",
        "zh": "平台上没有 {name}:请在管理后台扩大其可见范围,再重新导入"
              "(decomkit import dingtalk)。"},
    "grant.none": {"en": "The app names no replacement that is an app of the inventory.",
                   "zh": "该应用没有指定清单中的替代应用。"},
    "grant.nobody": {"en": "Everyone who loses the app can open {name}: nothing to grant.",
                     "zh": "受影响的人都能打开 {name},无需开通。"},
    "grant.dry": {"en": "{n} people cannot open {name}: a real run adds them to its visible "
                        "scope (dry run: nothing changed).",
                  "zh": "{n} 人打不开 {name}:实际运行将把他们加入其可见范围"
                        "(试运行,未做任何更改)。"},
    "grant.done": {"en": "{n} people added to the visible scope of {name}.",
                   "zh": "已把 {n} 人加入 {name} 的可见范围。"},
    "grant.already": {"en": "{n} people were added to the visible scope of {name} before: "
                            "nothing repeated.",
                      "zh": "{n} 人此前已加入 {name} 的可见范围,未重复操作。"},
    "status.ok": {"en": "ok", "zh": "通过"},
    "status.warn": {"en": "check", "zh": "注意"},
    "status.fail": {"en": "blocked", "zh": "阻断"},
    # chart labels
    "chart.mau": {"en": "Monthly active users", "zh": "月活跃用户"},
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
    # lifecycle states (the ledger's), as people read them
    "state.new": {"en": "new", "zh": "未评估"},
    "state.assessed": {"en": "assessed", "zh": "已评估"},
    "state.decided": {"en": "decided", "zh": "已决定"},
    "state.backed_up": {"en": "backed up", "zh": "已备份"},
    "state.backup_verified": {"en": "backup verified", "zh": "备份已验证"},
    "state.approval_pending": {"en": "approval requested", "zh": "审批中"},
    "state.approved": {"en": "approved", "zh": "已批准"},
    "state.rejected": {"en": "rejected", "zh": "已驳回"},
    "state.access_revoked": {"en": "access revoked", "zh": "已收回权限"},
    "state.disabled": {"en": "disabled", "zh": "已停用"},
    "state.verified_disabled": {"en": "disable verified", "zh": "已确认停用"},
    "state.re_enabled": {"en": "re-enabled (rolled back)", "zh": "已恢复启用(回滚)"},
    "state.reviewed": {"en": "reviewed", "zh": "已复盘"},
    "state.closed": {"en": "closed", "zh": "已结案"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "phase.before": {"en": "before", "zh": "停用前"},
    "phase.after": {"en": "after", "zh": "停用后"},
    # the dossier: summary and trail
    "dossier.title": {"en": "Decommission record", "zh": "停用记录"},
    "dossier.summary": {"en": "Summary", "zh": "摘要"},
    "dossier.trail": {"en": "Trail (the ledger, oldest first)",
                      "zh": "审计轨迹(账本,按时间顺序)"},
    "dossier.stages": {"en": "Stage notebooks", "zh": "各阶段记录"},
    "dossier.times": {"en": "Times in {zone}.", "zh": "时间为 {zone}。"},
    "dossier.no_stages": {"en": "No stage notebook was run for this app in the kit (its history "
                                "was imported).",
                          "zh": "该应用的阶段笔记本未在本工具中运行(历史为导入记录)。"},
    "summary.state": {"en": "State", "zh": "当前状态"},
    "summary.decision": {"en": "Decision", "zh": "决定"},
    "summary.score": {"en": "score", "zh": "评分"},
    "summary.decided_on": {"en": "Decided on", "zh": "决定日期"},
    "summary.planned_disable": {"en": "Planned disable", "zh": "计划停用日期"},
    "summary.disabled_on": {"en": "Disabled on", "zh": "实际停用日期"},
    "summary.reviewed_on": {"en": "Reviewed on", "zh": "复盘日期"},
    "summary.projected": {"en": "Savings projected (the first 12 months after the disable)",
                          "zh": "预计节省(停用后前 12 个月)"},
    "summary.realized": {"en": "Savings realized so far", "zh": "已实现节省"},
    "summary.projected_period": {"en": "Savings projected, {period}",
                                 "zh": "预计节省 · {period}"},
    "summary.realized_period": {"en": "Savings realized, {period}",
                                "zh": "实际节省 · {period}"},
    "trail.assessed.portfolio": {"en": "assessed with the whole portfolio",
                                 "zh": "已评估(应用组合评分)"},
    "trail.assessed.assess": {"en": "assessed on its own: impact, licence, preflight",
                              "zh": "已评估(单个应用:影响、授权与预检)"},
    "trail.scored": {"en": "score {score:.1f} → {recommendation}",
                     "zh": "评分 {score:.1f} → {recommendation}"},
    "trail.decided": {"en": "decided: {decision} (score {score:.1f})",
                      "zh": "决定:{decision}(评分 {score:.1f})"},
    "trail.backed_up": {"en": "backed up: {files} files, {size} bytes",
                        "zh": "已备份:{files} 个文件,{size} 字节"},
    "trail.backup_invalidated": {"en": "backup FAILED re-verification", "zh": "备份复验失败"},
    "trail.reviewed_period": {"en": "reviewed: {period}, realized {realized}, projected "
                                    "{projected}",
                              "zh": "已复盘:{period},实际节省 {realized},同期预计 {projected}"},
    "trail.reviewed": {"en": "reviewed: realized {realized}, projected {projected}",
                       "zh": "已复盘:实际节省 {realized},预计 {projected}"},
    "trail.approvers": {"en": "approvers: {names}", "zh": "审批人:{names}"},
    "trail.approval_record": {"en": "{who}: {result}, “{comment}” {time}",
                              "zh": "{who}:{result},“{comment}” {time}"},
    "trail.why": {"en": "reason: {why}", "zh": "原因:{why}"},
    "trail.plan": {"en": "plan sha256 {digest}", "zh": "停用计划 sha256 {digest}"},
    "trail.manifest": {"en": "backup manifest sha256 {digest}", "zh": "备份清单 sha256 {digest}"},
    "trail.key": {"en": "idempotency key {ikey}", "zh": "幂等键 {ikey}"},
    "trail.evidence": {"en": "evidence {file} sha256 {digest}",
                       "zh": "证据文件 {file} sha256 {digest}"},
    "trail.action": {"en": "platform action: {operation}", "zh": "平台操作:{operation}"},
    "trail.action_failed": {"en": "platform action FAILED: {operation}",
                            "zh": "平台操作失败:{operation}"},
    "trail.override_gate": {"en": "OVERRIDE: {reason} (bypassed: {bypassed})",
                            "zh": "越权放行:{reason}(绕过:{bypassed})"},
    "trail.override_decision": {"en": "OVERRIDE of the recommendation “{recommendation}”: "
                                      "{reason}",
                                "zh": "推翻建议「{recommendation}」:{reason}"},
    "note.backup_verified": {"en": "backup verified again", "zh": "备份复验通过"},
    "note.backup_verification_failed": {"en": "backup re-verification FAILED",
                                        "zh": "备份复验失败"},
    "note.note": {"en": "note", "zh": "备注"},
    # 01_assess for an app past its decision
    "history.past": {"en": "{name} is past its decision (now: {state}); it is not scored "
                           "again. Its trail:",
                     "zh": "{name} 已执行决定(当前状态:{state}),不再重新评分。其审计轨迹如下:"},
    # the portfolio page and 00_portfolio
    "portfolio.title": {"en": "Portfolio", "zh": "应用组合"},
    "portfolio.as_of": {"en": "As of {date}; times in {zone}.",
                        "zh": "截至 {date};时间为 {zone}。"},
    "portfolio.counts": {"en": "Apps by state", "zh": "各状态应用数"},
    "portfolio.headline": {
        "en": "**{apps} apps**, {retired} retired and {underway} being retired; figures as of "
              "{as_of}, usage up to {log_end}.",
        "zh": "**共 {apps} 个应用**,已停用 {retired} 个,停用进行中 {underway} 个;数据截至 {as_of},"
              "使用记录截至 {log_end}。"},
    "dashboard.loading": {"en": "The live dashboard (scores, charts, sliders) is loading…",
                          "zh": "正在加载实时仪表板(评分、图表、滑块)……"},
    "portfolio.savings": {"en": "Savings: projected and realized", "zh": "节省:预计与实际"},
    "portfolio.savings_total": {"en": "Realized so far: {realized}; projected for the same "
                                      "months: {projected}.",
                                "zh": "已实现节省 {realized};同期预计 {projected}。"},
    "portfolio.deadlines": {"en": "Licence deadlines (next {days} days, and retired apps whose "
                                  "vendor is not told)",
                            "zh": "许可合同截止日(未来 {days} 天,及已停用但未通知供应商的应用)"},
    "portfolio.waiting": {"en": "Approvals waiting", "zh": "待审批"},
    "portfolio.failing": {"en": "Backups failing re-verification", "zh": "复验失败的备份"},
    "portfolio.apps": {"en": "All apps", "zh": "全部应用"},
    "portfolio.due_next": {"en": "Due in the next {days} days (decomkit tick does it)",
                           "zh": "未来 {days} 天到期事项(由 decomkit tick 自动完成)"},
    "portfolio.calendar": {"en": "Subscribe to the deadlines (DingTalk Calendar, Outlook): "
                                 "deadlines.ics",
                           "zh": "在钉钉日历或 Outlook 中订阅截止日:deadlines.ics"},
    "flag.today": {"en": "due today", "zh": "今天截止"},
    "flag.tell_vendor": {"en": "retired: tell the vendor", "zh": "已停用:须通知供应商"},
    "flag.notified": {"en": "vendor told", "zh": "已通知供应商"},
    "flag.60": {"en": "≤ 60 days", "zh": "≤ 60 天"},
    "flag.90": {"en": "≤ 90 days", "zh": "≤ 90 天"},
    "flag.120": {"en": "≤ 120 days", "zh": "≤ 120 天"},
    "deadline.notice": {"en": "give notice by (renews by itself)",
                        "zh": "终止通知截止(自动续约)"},
    "deadline.end": {"en": "contract ends (does not renew)", "zh": "合同到期(不续约)"},
    "calendar.name": {"en": "Licence deadlines", "zh": "许可合同截止日"},
    "calendar.summary": {"en": "Notice deadline: {name} ({contract})",
                         "zh": "终止通知截止:{name}({contract})"},
    "calendar.description": {
        "en": "Give notice by {deadline} or the contract {contract} of {name} renews on {end}.",
        "zh": "须在 {deadline} 前发出终止通知,否则 {name} 的合同 {contract} 将于 {end} 自动续约。"},
    "calendar.summary_end": {"en": "Contract ends: {name} ({contract})",
                             "zh": "合同到期:{name}({contract})"},
    "calendar.description_end": {
        "en": "The contract {contract} of {name} ends on {deadline} and does not renew: retire "
              "the app and move its data by then, or sign a new contract.",
        "zh": "{name} 的合同 {contract} 将于 {deadline} 到期且不续约:须在此前停用并迁移数据,"
              "或重新签约。"},
    # the vendor exit
    "review.period": {"en": "{first} to {last} ({n} months)",
                      "zh": "{first} 至 {last}({n} 个月)"},
    "review.title": {"en": "{name}, {period}: realized {realized}, projected for the same "
                           "months {projected}",
                     "zh": "{name},{period}:实际节省 {realized},同期预计 {projected}"},
    "review.inputs": {"en": "baseline {baseline} a month; penalty {penalty}; migration "
                            "{migration}",
                      "zh": "基线每月 {baseline};违约金 {penalty};迁移成本 {migration}"},
    "review.vendor_not_told": {
        "en": "Contract {contract}: the vendor has not been told, so no saving is counted as "
              "realized (write the notice and record it: decomkit vendor).",
        "zh": "合同 {contract}:尚未记录已通知供应商,不计入实际节省(撰写终止通知并记录:"
              "decomkit vendor)。"},
    "review.contract_ended": {
        "en": "Contract {contract} ended on {end} without renewing; savings count from then.",
        "zh": "合同 {contract} 已于 {end} 到期且未续约;节省自该日起计算。"},
    "review.vendor_told": {
        "en": "Contract {contract}: vendor told on {on}; savings count from {effective}, the "
              "day it ends.",
        "zh": "合同 {contract}:已于 {on} 通知供应商;节省自合同终止日 {effective} 起计算。"},
    "note.vendor_notice_written": {"en": "termination notice to the vendor written",
                                   "zh": "已撰写致供应商的合同终止通知"},
    "note.vendor_notified": {"en": "vendor told the contract ends",
                             "zh": "已通知供应商终止合同"},
    "trail.vendor_notice": {
        "en": "contract {contract}: notice dated {notice_date}, ends {effective}; {file} "
              "sha256 {digest}",
        "zh": "合同 {contract}:通知日期 {notice_date},终止日 {effective};{file} sha256 {digest}"},
    # the watch over retired apps (停用指南 十 持续监控; 八 数据安全)
    "decision.retired": {"en": "retired, not scored", "zh": "已停用(不评分)"},
    "platform.enabled": {"en": "enabled", "zh": "启用中"},
    "platform.disabled": {"en": "disabled", "zh": "已停用"},
    "platform.expired": {"en": "expired", "zh": "已过期"},
    "platform.unlinked": {"en": "unlinked", "zh": "已解除关联"},
    "scope.admins_only": {"en": "admins only", "zh": "仅管理员可见"},
    "scope.everyone": {"en": "everyone", "zh": "全员"},
    "scope.people": {"en": "{n} people ({ids})", "zh": "{n} 人({ids})"},
    "scope.departments": {"en": "departments {ids}", "zh": "部门 {ids}"},
    "scope.roles": {"en": "roles {ids}", "zh": "角色 {ids}"},
    "watch.used_after": {
        "en": "Still used after the disable on {disabled_on}: {visits} visits by {users} people "
              "from {first} to {last} (the usage log runs to {log_until}).",
        "zh": "停用({disabled_on})后仍在使用:{first} 至 {last} 共 {users} 人访问 {visits} 次"
              "(使用记录截至 {log_until})。"},
    "watch.no_use": {
        "en": "No use after the disable on {disabled_on}, up to {log_until} (the usage log's "
              "last day).",
        "zh": "停用({disabled_on})后至 {log_until}(使用记录的最后一天)无人使用。"},
    "watch.log_before_disable": {
        "en": "The usage log ends on {log_until}, before the disable on {disabled_on}: use "
              "after the disable cannot be seen yet; import a newer log.",
        "zh": "使用记录截至 {log_until},早于停用日期 {disabled_on}:尚无法判断停用后是否有人使用,"
              "请导入新的使用记录。"},
    "watch.no_log": {"en": "There is no usage log: use after the disable cannot be seen.",
                     "zh": "没有使用记录:无法判断停用后是否有人使用。"},
    "watch.scope_widened": {
        "en": "Its visible scope was widened after the disable: now also {who} (at the "
              "disable: {before}).",
        "zh": "停用后可见范围被扩大:新增 {who}(停用时:{before})。"},
    "watch.scope_kept": {"en": "Visible scope as the disable left it: {scope}.",
                         "zh": "可见范围与停用时一致:{scope}。"},
    "watch.re_enabled": {"en": "Re-enabled outside the kit: the platform shows it {status}.",
                         "zh": "已在本工具之外重新启用:平台显示为「{status}」。"},
    "watch.status_kept": {"en": "The platform shows it {status}.",
                          "zh": "平台状态:{status}。"},
    "watch.platform_unanswered": {
        "en": "The platform could not be asked for its scope and status ({error}); they are "
              "not checked.",
        "zh": "未能向平台查询可见范围与状态({error}),此两项未检查。"},
    "watch.label.retired": {"en": "retired on {disabled_on}", "zh": "已停用({disabled_on})"},
    "watch.label.used_after": {
        "en": "retired on {disabled_on}, still used: {users} people, {visits} visits since",
        "zh": "已停用({disabled_on}),仍在使用:停用后 {users} 人访问 {visits} 次"},
    "watch.label.scope_widened": {"en": "visible scope widened", "zh": "可见范围被扩大"},
    "watch.label.re_enabled": {"en": "re-enabled outside the kit", "zh": "已在本工具之外重新启用"},
    "watch.label.unchecked": {"en": "not fully checked", "zh": "未能完全检查"},
    "portfolio.watch": {"en": "Retired apps: watched since the disable",
                        "zh": "已停用应用:停用后监控"},
    "portfolio.watch_found": {
        "en": "{n} of {total} retired apps need a look: use after the disable, a widened "
              "scope or a re-enable.",
        "zh": "{total} 个已停用应用中有 {n} 个需要检查:停用后仍在使用、可见范围被扩大"
              "或被重新启用。"},
    "portfolio.watch_clean": {"en": "Every retired app stays retired ({total}).",
                              "zh": "所有已停用应用均保持停用({total} 个)。"},
    "safety.ok": {"en": "Data safe", "zh": "数据安全"},
    "safety.check": {"en": "Check needed", "zh": "需要检查"},
    "safety.backup_ok": {"en": "The backup was read back from its target and verifies.",
                         "zh": "备份已从存放位置读回,复验通过。"},
    "safety.backup_failed": {"en": "The backup does NOT verify: {problems}",
                             "zh": "备份复验未通过:{problems}"},
    "safety.nobody": {
        "en": "Nobody can open it: the platform shows it {status}, visible scope {scope}; "
              "all {checked} people in the directory were checked.",
        "zh": "没有人能打开它:平台状态「{status}」,可见范围:{scope};"
              "已核对通讯录中全部 {checked} 人。"},
    "safety.reachable": {
        "en": "{n} people can still open it ({who}): the platform shows it {status}, visible "
              "scope {scope}; all {checked} people in the directory were checked.",
        "zh": "仍有 {n} 人可以打开它({who}):平台状态「{status}」,可见范围:{scope};"
              "已核对通讯录中全部 {checked} 人。"},
    "safety.affected": {
        "en": "Of the {affected} people who could open or used it before the disable, "
              "{n} still can.",
        "zh": "停用前可以打开或使用过它的 {affected} 人中,仍可打开的有 {n} 人。"},
    "safety.roles": {
        "en": "Roles in its visible scope are not resolved to people ({roles}): check their "
              "members in the console.",
        "zh": "可见范围中的角色无法解析到具体人员({roles}):请在管理后台核对其成员。"},
    "safety.platform_unanswered": {
        "en": "The platform could not be asked who can open it ({error}).",
        "zh": "未能向平台查询谁可以打开它({error})。"},
    # gates (decomkit.proof.gates): why an action may not go ahead now, as its reader reads it
    "gate.open": {"en": "gates open", "zh": "可以执行"},
    "gate.state": {"en": "{unmet} (current state: {state})", "zh": "{unmet}(当前状态:{state})"},
    "gate.not_overridable": {"en": "{text} (an override cannot pass this)",
                             "zh": "{text}(书面理由不能放行此项)"},
    "gate.override_is_confirmation": {
        "en": "the override reason says why the gate is passed; it is not the confirmation",
        "zh": "书面理由应说明为何放行,不能是确认文字"},
    "gate.override_too_short": {
        "en": "the override reason must be a sentence of at least {n} characters",
        "zh": "书面理由须是一句至少 {n} 个字符的话"},
    "gate.unmet.assess": {"en": "the app is past assessment", "zh": "该应用已过评估阶段"},
    "gate.unmet.decide": {"en": "the app has not been assessed (run 01_assess)",
                          "zh": "该应用尚未评估(请运行 01_assess)"},
    "gate.unmet.back_up": {"en": "there is no 'retire' decision (run 01_assess)",
                           "zh": "没有「停用」决定(请运行 01_assess)"},
    "gate.unmet.verify_backup": {"en": "there is no backup to verify (run 02_backup)",
                                 "zh": "没有可验证的备份(请运行 02_backup)"},
    "gate.unmet.request_approval": {"en": "the backup is not verified (run 02_backup)",
                                    "zh": "备份尚未验证(请运行 02_backup)"},
    "gate.unmet.record_approval": {"en": "no approval request is pending (run 03_approval)",
                                   "zh": "没有待审批的申请(请运行 03_approval)"},
    "gate.unmet.record_rejection": {"en": "no approval request is pending (run 03_approval)",
                                    "zh": "没有待审批的申请(请运行 03_approval)"},
    "gate.unmet.withdraw": {"en": "no request is pending or approved",
                            "zh": "没有待审批或已批准的申请"},
    "gate.unmet.remind": {"en": "no request is pending", "zh": "没有待审批的申请"},
    "gate.unmet.answer_approvers": {"en": "no request is pending", "zh": "没有待审批的申请"},
    "gate.unmet.scheduled_notice": {"en": "the request is not approved (run 03_approval)",
                                     "zh": "申请尚未批准(请运行 03_approval)"},
    "gate.unmet.reverify_backup": {"en": "there is no backup to re-verify (run 02_backup)",
                                   "zh": "没有可复验的备份(请运行 02_backup)"},
    "gate.unmet.deadline_notice": {"en": "the app has no lifecycle state",
                                   "zh": "该应用没有生命周期状态"},
    "gate.unmet.watch_alert": {"en": "the app has not been disabled", "zh": "该应用尚未停用"},
    "gate.unmet.review_prompt": {"en": "the app is not waiting for its review",
                                 "zh": "该应用不在待复盘状态"},
    # decomkit tick (lifecycle.schedule, running.tick)
    "tick.move_date": {"en": "move the planned date (the notice's day passed)",
                       "zh": "顺延计划停用日期(预告日已过)"},
    "tick.advance_notice": {"en": "advance notice to the people affected",
                            "zh": "向受影响人员发送停用预告"},
    "tick.correction": {"en": "correction of a notice", "zh": "预告更正"},
    "tick.reminder": {"en": "reminder to the approver", "zh": "审批提醒"},
    "console.already_confirmed": {
        "en": "step {step} was already confirmed by {who} with {file}; its evidence is kept and "
              "cannot be replaced",
        "zh": "步骤 {step} 已由 {who} 以 {file} 确认;其证据已保存,不能替换"},
    "tick.as_of_live": {
        "en": "a tick as of {day} is not today: people would be told on the wrong day; run it "
              "with --dry-run to rehearse that day, or without --as-of to do what is due today",
        "zh": "{day} 不是今天:按该日运行会在错误的日子通知人员;如需演练该日请加 --dry-run,"
              "如需执行今天到期的事项请去掉 --as-of"},
    "tick.reverify_backup": {"en": "re-verify the backup", "zh": "备份复验"},
    "tick.deadline_notice": {"en": "contract deadline to owner and IT",
                             "zh": "合同截止提醒(负责人与 IT)"},
    "tick.watch_alert": {"en": "retired app found in use", "zh": "已停用应用异常提醒"},
    "tick.review_prompt": {"en": "the review is due", "zh": "停用复盘提醒"},
    "tick.portfolio_refresh": {"en": "weekly portfolio page", "zh": "每周刷新组合概览页"},
    "tick.result.done": {"en": "done", "zh": "已完成"},
    "tick.result.already": {"en": "already done", "zh": "此前已完成"},
    "tick.result.nothing": {"en": "nothing to do", "zh": "无需操作"},
    "tick.result.refused": {"en": "refused", "zh": "被拒绝"},
    "tick.result.failed": {"en": "failed", "zh": "失败"},
    "tick.result.would": {"en": "would be done (dry run)", "zh": "将执行(演练)"},
    "tick.deadline.notice": {"en": "the last day to give notice", "zh": "通知截止日"},
    "tick.deadline.end": {"en": "the end of the contract", "zh": "合同到期日"},
    "tick.moved": {
        "en": "The advance notice could not give {days} days before {old} any more: the "
              "planned date moves to {new} (a new request), never a shorter notice.",
        "zh": "已无法在 {old} 前提前 {days} 天发出预告:计划停用日期顺延至 {new}(重新提交审批),"
              "不缩短预告期。"},
    "tick.backup_failed": {"en": "the backup no longer verifies: {problems}",
                           "zh": "备份复验未通过:{problems}"},
    "tick.head": {"en": "decomkit tick, {day}: {n} step(s) due",
                  "zh": "decomkit tick,{day}:{n} 项到期"},
    "tick.dry_head": {"en": "decomkit tick, {day} (dry run: nothing is done): {n} step(s) due",
                      "zh": "decomkit tick,{day}(演练:不执行任何操作):{n} 项到期"},
    "empty.tick": {"en": "Nothing is due.", "zh": "没有到期事项。"},
    "empty.due_next": {"en": "Nothing comes due in this period.", "zh": "此期间没有到期事项。"},
    "gate.vendor_not_told": {"en": "the vendor of contract {contract} has been told already",
                             "zh": "合同 {contract} 的供应商已被告知"},
    "gate.unmet.revoke": {"en": "the request is not approved (run 03_approval)",
                          "zh": "申请尚未批准(请运行 03_approval)"},
    "gate.unmet.disable": {"en": "the request is not approved (run 03_approval)",
                           "zh": "申请尚未批准(请运行 03_approval)"},
    "gate.unmet.notify_in_advance": {"en": "the request is not approved (run 03_approval)",
                                     "zh": "申请尚未批准(请运行 03_approval)"},
    "gate.unmet.correct_notice": {"en": "no request was made: there is no notice to correct",
                                  "zh": "尚未发起申请:没有需要更正的预告"},
    "gate.unmet.verify_disable": {"en": "the app has not been disabled", "zh": "该应用尚未停用"},
    "gate.unmet.finish_disable": {"en": "the app has not been disabled", "zh": "该应用尚未停用"},
    "gate.unmet.retry_notifications": {
        "en": "the disable has not finished; run 04_disable again instead",
        "zh": "停用尚未完成;请重新运行 04_disable"},
    "gate.unmet.clean_residue": {"en": "the disable has not been verified (run 04_disable)",
                                 "zh": "停用尚未确认(请运行 04_disable)"},
    "gate.unmet.re_enable": {"en": "access was never revoked: nothing to undo",
                             "zh": "从未收回权限:无需恢复"},
    "gate.unmet.review": {"en": "the disable has not been verified (run 04_disable)",
                          "zh": "停用尚未确认(请运行 04_disable)"},
    "gate.unmet.close": {"en": "the review is not done (run 05_review)",
                         "zh": "尚未复盘(请运行 05_review)"},
    "gate.confirmation": {"en": "the typed confirmation must equal the app id '{app_id}'",
                          "zh": "输入的确认文字必须与应用 ID「{app_id}」一致"},
    "gate.known_decision": {"en": "decision must be one of {choices}",
                            "zh": "决定须为以下之一:{choices}"},
    "gate.retire_decision": {"en": "the decision is not 'retire' (run 01_assess)",
                             "zh": "决定不是「停用」(请运行 01_assess)"},
    "gate.manifest_backed_up": {
        "en": "the verified manifest is not the one that was backed up; back up again",
        "zh": "验证的备份清单不是备份时的清单;请重新备份"},
    "gate.plan_hash": {"en": "the request carries no plan hash", "zh": "申请缺少停用计划摘要"},
    "gate.approvers": {"en": "no approvers: add [[approval.chain]] entries to decomkit.toml",
                       "zh": "没有审批人:请在 decomkit.toml 中添加 [[approval.chain]]"},
    "gate.requester_not_approver": {
        "en": "the requester {requester} is also an approver (user ids are compared trimmed "
              "and case-folded); the requester cannot approve their own request: change the "
              "chain or the operator",
        "zh": "申请人 {requester} 同时是审批人(用户 ID 去除首尾空白、不区分大小写比较);申请人不能"
              "审批自己的申请:请修改审批链或操作人"},
    "gate.not_self_approved": {
        "en": "the request was agreed by its own requester ({who}); a self-approval does not "
              "count: withdraw the request and ask the approvers",
        "zh": "申请由申请人本人({who})同意;自我审批无效:请撤回申请并请审批人审批"},
    "gate.backup_fails": {"en": "the backup no longer verifies ({problems}); back up and verify "
                                "again",
                          "zh": "备份复验不通过({problems});请重新备份并验证"},
    "gate.backup_never_verified": {"en": "the backup was never verified (run 02_backup)",
                                   "zh": "备份从未验证(请运行 02_backup)"},
    "gate.backup_changed": {
        "en": "the backup changed since it was verified; back up and verify again",
        "zh": "备份在验证后发生了变化;请重新备份并验证"},
    "gate.approved": {"en": "the request is not approved", "zh": "申请尚未批准"},
    "gate.same_plan": {"en": "the plan changed after it was approved (stale approval); request "
                             "approval again",
                       "zh": "停用计划在批准后发生了变化(批准已失效);请重新申请审批"},
    "gate.contract_ended": {
        "en": "the contract {contract} ended on {end}: re-enabling needs a renewal{fee}; renew "
              "it and update the contracts table, or write why it may be re-enabled",
        "zh": "合同 {contract} 已于 {end} 到期:恢复启用需要续约{fee};请续约并更新合同表,"
              "或写明可以恢复的理由"},
    "gate.contract_fee": {"en": " (¥{fee} a year)", "zh": "(每年 ¥{fee})"},
    "gate.planned_date_ok": {
        "en": "the planned date {date} is before the day of the request ({today}): plan a day "
              "from today on",
        "zh": "计划停用日期 {date} 早于申请当天({today}):请选择今天或以后的日期"},
    "gate.notice_period": {
        "en": "the advance notice would give {days} days before the planned date {date}, "
              "fewer than notify.advance_days ({advance}): move the planned date to {earliest} "
              "or later (03_approval: planned_date with move_date), or write why a shorter "
              "notice is acceptable (override_reason)",
        "zh": "停用预告距计划停用日期 {date} 只有 {days} 天,少于规定的 {advance} 天"
              "(notify.advance_days):请把计划停用日期改到 {earliest} 或之后(03_approval:"
              "planned_date 与 move_date),或写明可以缩短预告期的理由(override_reason)"},
    "gate.planned_date_reached": {
        "en": "the disable is planned for {date}, the day the advance notice names: it runs "
              "on or after that day (run 04_disable again then); to disable earlier, move the "
              "planned date (03_approval: planned_date with move_date)",
        "zh": "计划停用日期为 {date}(即停用预告告知的日期):须在当天或之后执行(届时再次运行 "
              "04_disable);如需提前,请改期(03_approval:planned_date 与 move_date)"},
    "gate.notice_given": {
        "en": "the advance notice has not gone out by {channels}: a real run sends it first, "
              "at least {advance} days before the planned date {date}",
        "zh": "停用预告尚未通过{channels}发出:正式执行时先发预告,至少提前 {advance} 天"
              "(计划停用日期 {date})"},
    "gate.unmet.grant_replacement": {"en": "there is no retirement under way (run 01_assess)",
                                     "zh": "没有进行中的停用(请运行 01_assess)"},
    "gate.unmet.notify_vendor": {
        "en": "there is no 'retire' decision to end the contract for (run 01_assess)",
        "zh": "没有「停用」决定,无需终止合同(请运行 01_assess)"},
    "gate.replacement_ready": {
        "en": "{n} of the {affected} people who lose the app cannot open its replacement "
              "{name} ({where}): {remedy} Or write why they can do without it "
              "(override_reason).",
        "zh": "受影响的 {affected} 人中有 {n} 人打不开替代应用 {name}({where}):{remedy}"
              "也可写明他们为何不需要(override_reason)。"},
    "gate.replacement_grant": {
        "en": "add them to its visible scope first (grant_access in 04_disable).",
        "zh": "请先把他们加入其可见范围(04_disable 的 grant_access)。"},
    "gate.replacement_grantable": {
        "en": "the app names no replacement that is an app of the inventory (its alternative "
              "column)",
        "zh": "该应用没有指定清单中的替代应用(清单的替代方案一栏)"},
    "override.replacement_ready": {"en": "people who cannot open the replacement",
                                   "zh": "部分人员打不开替代应用"},
    "override.admin": {"en": "an operator without administrator rights",
                       "zh": "操作人没有管理员权限"},
    "gate.open_documents": {
        "en": "blocking finding — open documents in the exports: {items}; close them in the "
              "app and export again, or write why the disable may go ahead (override_reason)",
        "zh": "阻断项:导出数据中仍有未结单据:{items};请先在应用中处理完毕并重新导出,"
              "或写明可以继续的理由(override_reason)"},
    "gate.admin": {"en": "blocking finding — administrator rights: {items}",
                   "zh": "阻断项:管理员权限:{items}"},
    "channel.dingtalk_work": {"en": "DingTalk work notice", "zh": "钉钉工作通知"},
    "channel.robot": {"en": "the DingTalk group robot", "zh": "钉钉群机器人"},
    "channel.email": {"en": "email", "zh": "邮件"},
    # the advance notice and its corrections (decomkit.lifecycle.advance)
    "advance.no_request": {"en": "No request yet: the advance notice waits for an approved "
                                 "request (run 03_approval).",
                           "zh": "尚未发起申请:停用预告须等申请获批后发出(请运行 03_approval)。"},
    "advance.not_standing": {"en": "No request stands (withdrawn, called off or rejected): "
                                   "nobody is told until a new request is approved.",
                             "zh": "当前没有有效的申请(已撤回、取消或被驳回):"
                                   "新申请获批前不会通知任何人。"},
    "advance.planned": {"en": "Planned date: {date}.", "zh": "计划停用日期:{date}。"},
    "advance.none_configured": {
        "en": "No advance notice is configured (notify.advance_days is 0).",
        "zh": "未设置停用预告(notify.advance_days 为 0)。"},
    "advance.sent": {"en": "Advance notice sent by {channel} on {day}, {days} days ahead.",
                     "zh": "停用预告已于 {day} 通过{channel}发出,提前 {days} 天。"},
    "advance.sent_undated": {"en": "Advance notice sent by {channel}.",
                             "zh": "停用预告已通过{channel}发出。"},
    "advance.override": {"en": "Sent under a written override ({what}); the reason: {reason}",
                         "zh": "经书面理由放行({what})后发出;理由:{reason}"},
    "override.notice_period": {"en": "a notice shorter than notify.advance_days",
                               "zh": "预告期少于 notify.advance_days"},
    "override.open_documents": {"en": "documents still open", "zh": "仍有未结单据"},
    "override.same_plan": {"en": "a plan changed since its approval",
                           "zh": "停用计划在批准后有变化"},
    "override.backup_verifies_now": {"en": "a backup that does not verify now",
                                     "zh": "备份当前复验不通过"},
    "advance.not_sent": {"en": "No advance notice went out by {channels}.",
                         "zh": "未通过{channels}发出停用预告。"},
    "advance.goes_with_the_run": {
        "en": "Advance notice by {channels}: not sent yet. It goes out from the real run of "
              "04_disable (not a dry run, confirmed with the app id) once the request is approved; "
              "run it by {send_by} to give {days} days of notice. A dry run tells no one.",
        "zh": "通过{channels}发送的停用预告:尚未发出。申请获批后,由 04_disable 的正式执行"
              "(非试运行,并输入应用 ID 确认)发出;最晚须在 {send_by} 执行,才能提前 "
              "{days} 天通知。试运行不会通知任何人。"},
    "advance.too_late": {
        "en": "Advance notice by {channels}: not sent, and it can no longer give {days} days "
              "of notice. Move the planned date to {earliest} or later (03_approval: "
              "planned_date with move_date), or write why a shorter notice is acceptable "
              "(04_disable: override_reason).",
        "zh": "通过{channels}发送的停用预告:尚未发出,且已无法提前 {days} 天通知。请把计划停用"
              "日期改到 {earliest} 或之后(03_approval:planned_date 与 move_date),或写明可以"
              "缩短预告期的理由(04_disable:override_reason)。"},
    "correction.moved_line": {"en": "Correction sent by {channel}: not on {told}, now planned "
                                    "for {new}.",
                              "zh": "已通过{channel}发出更正:不在 {told} 停用,改为计划于 {new}。"},
    "correction.cancelled_line": {"en": "Correction sent by {channel}: the retirement on {told} "
                                        "is called off.",
                                  "zh": "已通过{channel}发出更正:原定 {told} 的停用已取消。"},
    "correction.none": {"en": "No correction is due.", "zh": "无需发送更正。"},
    # empty tables
    "empty.rows": {"en": "Nothing to show.", "zh": "无记录。"},
    "empty.users": {"en": "No recent users.", "zh": "无近期用户。"},
    "empty.processes": {"en": "No business process depends on it.", "zh": "无依赖的业务流程。"},
    "empty.integrations": {"en": "No integration.", "zh": "无系统集成。"},
    "empty.incidents": {"en": "No incident since the disable.", "zh": "停用后无故障。"},
    "empty.deadlines": {"en": "No notice deadline in this period.", "zh": "此期间无通知截止日。"},
    "empty.waiting": {"en": "No approval is waiting.", "zh": "无待审批的申请。"},
    "empty.failing": {"en": "Every backup verifies.", "zh": "所有备份复验通过。"},
    "empty.savings": {"en": "No app has been disabled yet.", "zh": "尚无已停用的应用。"},
    "empty.survey": {"en": "No survey answers after the disable.", "zh": "停用后无问卷回复。"},
    "empty.candidates": {"en": "No candidate to retire.", "zh": "无候选停用应用。"},
    "empty.watch": {"en": "No app has been retired yet.", "zh": "尚无已停用的应用。"},
    "empty.replacement": {"en": "Everyone who loses the app can open its replacement.",
                          "zh": "受影响的人都能打开替代应用。"},
    "table.more": {"en": "First {shown} of {total} rows.",
                   "zh": "仅显示前 {shown} 行(共 {total} 行)。"},
    # enumerated values people read (core.present.term(kind, value, language))
    "severity.critical": {"en": "critical", "zh": "严重"},
    "severity.high": {"en": "high", "zh": "高危"},
    "severity.medium": {"en": "medium", "zh": "中危"},
    "severity.low": {"en": "low", "zh": "低危"},
    "criticality.high": {"en": "high", "zh": "高"},
    "criticality.medium": {"en": "medium", "zh": "中"},
    "criticality.low": {"en": "low", "zh": "低"},
    "direction.both": {"en": "both ways", "zh": "双向"},
    "direction.in": {"en": "into the app", "zh": "流入本应用"},
    "direction.out": {"en": "out of the app", "zh": "流出本应用"},
    "frequency.daily": {"en": "daily", "zh": "每天"},
    "frequency.weekly": {"en": "weekly", "zh": "每周"},
    "frequency.monthly": {"en": "monthly", "zh": "每月"},
    "frequency.rarely": {"en": "rarely", "zh": "很少"},
    "frequency.auto": {"en": "chosen from the datasets", "zh": "按数据集自动选择"},
    "outcome.agree": {"en": "agreed", "zh": "同意"},
    "outcome.refuse": {"en": "refused", "zh": "拒绝"},
    "outcome.redirect": {"en": "redirected", "zh": "转交"},
    "outcome.terminated": {"en": "withdrawn", "zh": "已撤回"},
    "status.COMPLETED": {"en": "completed", "zh": "已完成"},
    "status.RUNNING": {"en": "in progress", "zh": "审批中"},
    "status.TERMINATED": {"en": "withdrawn", "zh": "已撤回"},
    "status.planned": {"en": "planned", "zh": "计划中"},
    "status.done": {"en": "done", "zh": "已完成"},
    "status.skipped": {"en": "skipped", "zh": "已跳过"},
    "status.failed": {"en": "failed", "zh": "失败"},
    "status.open": {"en": "open", "zh": "未解决"},
    "status.closed": {"en": "closed", "zh": "已关闭"},
    "status.pending": {"en": "pending", "zh": "待处理"},
    "empty.value": {"en": "—", "zh": "—"},
    "label.frequency": {"en": "Backup frequency: {frequency}", "zh": "备份频率:{frequency}"},
    "label.risk": {"en": "Risk: {level}", "zh": "风险:{level}"},
    "label.advance": {"en": "Advance notice", "zh": "停用预告"},
    "label.corrections": {"en": "Corrections", "zh": "更正通知"},
    "label.replacement": {"en": "Replacement", "zh": "替代应用"},
    "label.rollback": {"en": "Roll back", "zh": "恢复启用"},
    "label.no_request": {"en": "no request yet", "zh": "尚未发起申请"},
    "label.manifest": {"en": "Manifest SHA-256: {hash}", "zh": "备份清单 SHA-256:{hash}"},
    "frequency.why_set": {"en": "set in decomkit.toml (backup.frequency)",
                          "zh": "在 decomkit.toml 中设定(backup.frequency)"},
    "frequency.why_default": {
        "en": "no dataset says how often it changes; weekly is a safe default",
        "zh": "没有数据集说明更新频率;默认每周一次较稳妥"},
    "frequency.why": {"en": "the fastest-changing data ({names}) changes {fastest}",
                      "zh": "更新最快的数据({names}){fastest}更新"},
    "portfolio.written": {
        "en": "{n} candidates → candidates.csv, candidates.xlsx; {recorded} apps marked assessed.",
        "zh": "{n} 个候选应用 → candidates.csv、candidates.xlsx;{recorded} 个应用已标记为已评估。"},
    "portfolio.not_written": {"en": "{n} candidates; nothing written (not recorded).",
                              "zh": "{n} 个候选应用;未写入任何文件(未记录)。"},
    "outcome.NONE": {"en": "not yet decided", "zh": "尚未审批"},
    "show.submitted": {"en": "Request {instance} submitted", "zh": "已提交审批单 {instance}"},
    "show.tracking": {"en": "Request {instance}: {status}, {result} → {state}",
                      "zh": "审批单 {instance}:{status},{result} → {state}"},
    "show.record": {"en": "{who}: {result}{comment}", "zh": "{who}:{result}{comment}"},
    "show.overdue": {"en": "Overdue by {days} days; reminder sent: {reminded}.",
                     "zh": "已超期 {days} 天;已发提醒:{reminded}。"},
    "show.confirmed": {"en": "Console step {step} confirmed ({operation})",
                       "zh": "已确认控制台步骤 {step}({operation})"},
    "show.confirmed_by": {"en": "{who}, evidence {evidence} (SHA-256 {sha})",
                          "zh": "{who},证据 {evidence}(SHA-256 {sha})"},
    "show.decision": {"en": "Decision: {decision}", "zh": "决定:{decision}"},
    "show.decision_row": {"en": "Ledger row {seq}, {time}, {actor}",
                          "zh": "台账第 {seq} 行,{time},{actor}"},
    "show.verified": {"en": "Backup verified", "zh": "备份验证通过"},
    # progress bars (tqdm): what is being read or written
    "bar.backup": {"en": "backup {app}", "zh": "备份 {app}"},
    "bar.verify": {"en": "verify {app}", "zh": "核验 {app}"},
    "bar.departments": {"en": "departments", "zh": "部门"},
    "bar.people": {"en": "people by department", "zh": "各部门人员"},
    "bar.scopes": {"en": "scopes and admins", "zh": "可见范围与管理员"},
    "show.verify_failed": {"en": "Backup verification FAILED", "zh": "备份验证失败"},
    "show.too_early": {"en": "{name}: too early to tell", "zh": "{name}:为时尚早"},
    "show.too_early_why": {"en": "Disabled on {disabled}; costs are comparable from {start}.",
                           "zh": "停用于 {disabled},{start} 起可比较成本。"},
    "show.survey": {"en": "Survey score before the disable {before} → after {after}",
                    "zh": "停用前问卷评分 {before} → 停用后 {after}"},
    "show.state": {"en": "{app}: {state}", "zh": "{app}:{state}"},
    "show.review_recorded": {"en": "{app}: review recorded ({state})",
                             "zh": "{app}:复盘已记录({state})"},
    "show.backup_at": {"en": "Backup written to {where}", "zh": "备份已写入 {where}"},
    "lesson.went_well": {"en": "What went well", "zh": "做得好的"},
    "lesson.problems": {"en": "Problems and how they were solved", "zh": "遇到的问题及解决"},
    "lesson.decisions_to_change": {"en": "What we would decide differently",
                                   "zh": "会改变的决定"},
    "lesson.training_needed": {"en": "Training needed", "zh": "需要的培训"},
    "sheet.candidates": {"en": "Candidates", "zh": "候选停用应用"},
    "sheet.trail": {"en": "Trail", "zh": "审计轨迹"},
    "correction.failed": {"en": "The correction by {channel} failed ({error}); run 03_approval "
                                "again to retry.",
                          "zh": "通过{channel}发送更正通知失败({error});"
                                "请再次运行 03_approval 重试。"},
    "gate.refused": {"en": "{app}: cannot {action}: {why}", "zh": "{app}:无法{action}:{why}"},
    "verb.back_up": {"en": "back up", "zh": "备份"},
    "verb.request_approval": {"en": "request approval", "zh": "发起审批"},
    "verb.revoke": {"en": "revoke access", "zh": "收回权限"},
    "verb.re_enable": {"en": "roll back", "zh": "恢复启用"},
    "verb.finish_disable": {"en": "disable", "zh": "停用"},
    "verb.disable": {"en": "disable", "zh": "停用"},
    "verb.retry_notifications": {"en": "retry notifications", "zh": "重发通知"},
    "verb.remind": {"en": "remind the approver", "zh": "提醒审批人"},
    "verb.answer_approvers": {"en": "answer the approvers", "zh": "答复审批人"},
    "verb.withdraw": {"en": "withdraw the request", "zh": "撤回申请"},
    "verb.notify_in_advance": {"en": "send the advance notice", "zh": "发送停用预告"},
    "verb.clean_residue": {"en": "record a cleaned residue item", "zh": "记录已清理的残留项"},
    "verb.grant_replacement": {"en": "grant access to the replacement",
                               "zh": "开通替代应用的权限"},
    "record.app": {"en": "App", "zh": "应用"},
    "record.stage": {"en": "Stage", "zh": "阶段"},
    "record.outcome": {"en": "Outcome", "zh": "结果"},
    "record.operator": {"en": "Operator", "zh": "操作人"},
    "record.started": {"en": "Started", "zh": "开始"},
    "record.ended": {"en": "Ended", "zh": "结束"},
    "record.parameters": {"en": "Parameters", "zh": "参数"},
    "record.failed": {"en": "failed", "zh": "失败"},
    "sheet.ledger": {"en": "Ledger", "zh": "台账"},
    "step.notify-advance": {"en": "Tell the people affected in advance ({channel})",
                            "zh": "提前通知受影响的人({channel})"},
    "step.notify-before": {"en": "Tell the people affected before the change ({channel})",
                           "zh": "变更前通知受影响的人({channel})"},
    "step.notify-after": {"en": "Tell the people affected it is done ({channel})",
                          "zh": "完成后通知受影响的人({channel})"},
    "step.save-scope": {"en": "Keep the visible scope for a rollback",
                        "zh": "保存可见范围,以便回滚"},
    "step.revoke": {"en": "Make the app visible to admins only", "zh": "将应用设为仅管理员可见"},
    "step.disable": {"en": "Disable the app", "zh": "停用应用"},
    "step.unlink": {"en": "End the free association", "zh": "解除免费关联"},
    "step.uninstall": {"en": "Uninstall the app", "zh": "卸载应用"},
    "step.verify": {"en": "Check the app is off and an ordinary user cannot see it",
                    "zh": "确认应用已停用且普通用户看不到"},
    "step.residue": {"en": "List the integrations, approval templates and jobs to clean",
                     "zh": "列出需清理的集成、审批模板和定时任务"},
    "step.enable": {"en": "Enable the app again", "zh": "重新启用应用"},
    "step.restore-scope": {"en": "Restore the visible scope saved before the revocation",
                           "zh": "恢复收回权限前保存的可见范围"},
    "step.grant-replacement": {"en": "Add the people who lack it to the replacement's scope",
                               "zh": "将缺少权限的人加入替代应用的可见范围"},
    "step.submit_approval": {"en": "submit the approval request", "zh": "提交审批申请"},
    "step.withdraw_approval": {"en": "withdraw the approval request", "zh": "撤回审批申请"},
    "step.add_to_scope": {"en": "add people to the visible scope", "zh": "加入可见范围"},
    "step.notify": {"en": "send a notice ({channel})", "zh": "发送通知({channel})"},
    "step.notify-correction": {"en": "send a correction ({channel})",
                               "zh": "发送更正通知({channel})"},
    "step.remind": {"en": "remind the approver", "zh": "提醒审批人"},
    # platform calls named in a refusal (core.said.platform_error), besides the steps above
    "step.decide_approval": {"en": "decide the request", "zh": "审批申请"},
    "step.comment_approval": {"en": "comment on the request", "zh": "评论申请"},
    "step.confirm": {"en": "confirm a console step", "zh": "确认后台步骤"},
    "step.get_app": {"en": "read the app", "zh": "读取应用"},
    "step.scope": {"en": "read the visible scope", "zh": "读取可见范围"},
    "step.robot": {"en": "send through the group robot", "zh": "通过群机器人发送"},
    "step.platform": {"en": "open the platform", "zh": "连接平台"},
    "step.open": {"en": "open the platform", "zh": "连接平台"},
    "step.connect": {"en": "connect to the platform", "zh": "连接平台"},
    "step.import": {"en": "import from DingTalk", "zh": "从钉钉导入"},
    "step.departments": {"en": "read the departments", "zh": "读取部门"},
    "step.email": {"en": "send an email", "zh": "发送邮件"},
    "step.create-template": {"en": "create the approval template", "zh": "创建审批模板"},
    "step.approval_status": {"en": "read the request's status", "zh": "读取申请状态"},
    "step.approval": {"en": "read the request", "zh": "读取申请"},
    "step.already_done": {"en": "already done", "zh": "此前已完成"},
    "step.verified": {"en": "the platform says {status}; can {who} see it: {visible}",
                      "zh": "平台状态 {status};{who} 能否看到:{visible}"},
    "rollback.no_saved_scope": {
        "en": "No visible scope was saved before its access was revoked (it was retired outside "
              "the kit, or its history was imported): enable it in the console and set its "
              "visible scope by hand.",
        "zh": "收回权限前没有保存可见范围(该应用是在本工具之外停用的,或其历史是导入的):"
              "请在管理后台手动启用,并手动设置可见范围。"},
    "rollback.open": {"en": "The gates are open: it can be re-enabled.",
                      "zh": "条件已满足,可以恢复启用。"},
    "residue.integration": {"en": "Detach integration {id} ({system})",
                            "zh": "解除集成 {id}({system})"},
    "residue.template": {"en": "Retire approval template '{name}'",
                         "zh": "停用审批模板「{name}」"},
    "residue.process": {"en": "Update business process {id} '{name}'",
                        "zh": "更新业务流程 {id}「{name}」"},
    "residue.jobs": {"en": "Remove scheduled jobs and exports that read {app}",
                     "zh": "删除读取 {app} 的定时任务和导出"},
    "reenable.no_contract": {
        "en": "No contract on record: nothing to renew (a third-party app: ask its vendor "
              "whether it can be restored).",
        "zh": "没有合同记录:无需续约(第三方应用:请向供应商确认能否恢复)。"},
    "reenable.association": {
        "en": "No contract on record: a free association is restored by associating it again "
              "in the DingTalk admin console; nothing to renew.",
        "zh": "没有合同记录:免费关联的应用在钉钉管理后台重新关联即可恢复,无需续约。"},
    "reenable.own": {
        "en": "No contract on record: an app of our own is restored by enabling it again; "
              "nothing to renew.",
        "zh": "没有合同记录:自有应用重新启用即可恢复,无需续约。"},
    "reenable.term_ended": {"en": "Contract {id}: its term ended on {end}{renews}.",
                            "zh": "合同 {id}:合同期已于 {end} 结束{renews}。"},
    "reenable.term_runs": {"en": "Contract {id}: its term runs until {end}{renews}.",
                           "zh": "合同 {id}:合同期至 {end}{renews}。"},
    "reenable.renews": {"en": " (it renews by itself unless notice was given)",
                        "zh": "(未提前通知则自动续约)"},
    "reenable.fee": {"en": "Fee to renew: {fee}.", "zh": "续约费用:{fee}。"},
    "reenable.fee_year": {"en": "{fee} a year", "zh": "每年 {fee}"},
    "reenable.fee_unknown": {"en": "unknown", "zh": "未知"},
    "reenable.terms": {"en": "Terms: {terms}", "zh": "条款:{terms}"},
    # The approval form an approver decides on (lifecycle.approval_form).
    "form.title": {"en": "Decommission request: {name}", "zh": "停用申请:{name}"},
    "form.action.disable": {"en": "disable the app", "zh": "停用应用"},
    "form.action.unlink": {"en": "end the free association", "zh": "解除免费关联"},
    "form.unknown": {"en": "not known (no assessment recorded)",
                     "zh": "未知(尚无评估记录)"},
    "form.none": {"en": "none", "zh": "无"},
    "form.saving": {"en": "{amount} over {months} months (after fees and migration)",
                    "zh": "{months} 个月内 {amount}(已扣除终止费和迁移费用)"},
    "form.no_deadline": {"en": "no notice deadline (no contract that renews)",
                         "zh": "无通知截止日(没有自动续约的合同)"},
    "form.open_docs.undeclared": {"en": "not declared (no dataset names its open-status column)",
                                  "zh": "未申报(没有数据集声明未结状态列)"},
    "form.replacement.none": {"en": "none named", "zh": "未指定"},
    "form.replacement.ready": {"en": "{name}: everyone affected can open it",
                               "zh": "{name}:受影响的人都能打开"},
    "form.replacement.missing": {"en": "{name}: {n} people cannot open it yet ({where})",
                                 "zh": "{name}:{n} 人尚无法打开({where})"},
    "form.replacement.unchecked": {"en": "{name} (who can open it is not known)",
                                   "zh": "{name}(无法确认谁能打开)"},
    "form.people": {"en": "{n} people", "zh": "{n} 人"},
    "form.backup": {"en": "verified; manifest SHA-256 {hash}", "zh": "已复验;清单 SHA-256 {hash}"},
    "form.backup.none": {"en": "no verified backup", "zh": "无已复验的备份"},
    "form.first": {"en": "none (first request)", "zh": "无(首次申请)"},
    # Approvers' questions and the requester's answers (lifecycle.questions).
    "question.title": {"en": "Questions from approvers, not answered yet",
                       "zh": "审批人的提问(尚未答复)"},
    "question.line": {"en": "{who}: {question}", "zh": "{who}:{question}"},
    "question.how": {
        "en": "Answer on the same request: 03_approval with answer_text (and answer_attachment), "
              "or decomkit approval answer WORKSPACE {app_id} --text … [--attach FILE]",
        "zh": "在同一申请上答复:在 03_approval 中填写 answer_text(可附 answer_attachment),"
              "或运行 decomkit approval answer 工作区 {app_id} --text … [--attach 文件]"},
    "question.notice.title": {"en": "An approver asks about retiring {name}",
                              "zh": "审批人对停用「{name}」提出了问题"},
    "question.notice.text": {
        "en": "{who} asks on request {instance_id}: “{question}”. Answer on the same request: "
              "03_approval with answer_text, or decomkit approval answer WORKSPACE {app_id} "
              "--text ….",
        "zh": "{who} 在申请 {instance_id} 中提问:“{question}”。请在同一申请上答复:"
              "03_approval 的 answer_text,或 decomkit approval answer 工作区 {app_id} --text …。"},
    "question.none": {"en": "No question is waiting for an answer.",
                      "zh": "没有等待答复的提问。"},
    "answer.done": {"en": "{app}: answer added to request {instance_id}",
                    "zh": "{app}:已在申请 {instance_id} 上答复"},
    "answer.empty": {"en": "the answer is empty: write it with --text (answer_text in 03)",
                     "zh": "答复为空:请用 --text 填写(03 中为 answer_text)"},
    "answer.secret_file": {
        "en": "the attachment {path} holds a private key or a secret; it is not sent nor kept: "
              "attach a file without it",
        "zh": "附件 {path} 含有私钥或密钥,不会发送也不会保存:请附上不含密钥的文件"},
    "answer.no_file": {"en": "the attachment {path} is not a file: give the path of the file",
                       "zh": "附件 {path} 不是文件:请给出文件路径"},
    "answer.none_pending": {"en": "no request is waiting for approval (run 03_approval)",
                            "zh": "没有待审批的申请(请运行 03_approval)"},
    "note.approval_question": {"en": "an approver asked", "zh": "审批人提问"},
    "note.approval_answer": {"en": "the approvers were answered", "zh": "已答复审批人"},
    # Approvers routed by rule (lifecycle.routing).
    "route.no_head": {
        "en": "nobody is known as the head of {dept}, the department that owns the app: mark "
              "them in the users table (dept_head) or name them in decomkit.toml "
              "([approval.department_heads])",
        "zh": "不知道应用所属部门「{dept}」的负责人:请在用户表的 dept_head 列中标记,或在 "
              "decomkit.toml 的 [approval.department_heads] 中指定"},
    "route.ambiguous": {
        "en": "the app's owning department {dept} could be any of {paths}: write the "
              "department's whole path as the app's owning department in the apps table",
        "zh": "应用所属部门「{dept}」可能是 {paths} 中的任何一个:请在应用表的所属部门列中写出"
              "部门的完整路径"},
    "route.approver_gone": {
        "en": "the approver {user} has left the platform: name who approves in their place in "
              "decomkit.toml ([[approval.chain]] or [approval.department_heads])",
        "zh": "审批人 {user} 已离开平台:请在 decomkit.toml 的 [[approval.chain]] 或 "
              "[approval.department_heads] 中改为现任审批人"},
    # The command line's own lines (cli.py), in the workspace's language (#23).
    "cli.created": {"en": "workspace created: {root}", "zh": "已创建工作区:{root}"},
    "cli.demo": {"en": "demo workspace: {root}", "zh": "演示工作区:{root}"},
    "cli.next": {"en": "next: put the inventory tables in {data} (see docs/analyst.md, "
                       "Inventory tables), then 'decomkit status {root}'",
                 "zh": "下一步:把清单表格放入 {data}(见 docs/analyst.md 的 Inventory tables "
                       "一节),然后运行 'decomkit status {root}'"},
    "cli.key": {"en": "signing key {key_id} ({fingerprint}): private key {private} (outside "
                      "the workspace; back it up, never share it), public key {public} (give "
                      "it to your auditors)",
                "zh": "签名密钥 {key_id}({fingerprint}):私钥 {private}(在工作区之外;请备份,"
                      "切勿外传),公钥 {public}(交给审计人员)"},
    "cli.key_profile": {"en": "trust profile {path}: keys, workspace id, anchors; give a copy "
                              "to your auditors (they verify with --trust FILE), and run "
                              "'decomkit keys profile DIR' again after adding an anchor",
                        "zh": "信任配置 {path}:密钥、工作区 ID、锚点;请交一份给审计人员(他们用 "
                              "--trust 文件 核验),添加锚点后请再运行 'decomkit keys profile "
                              "目录'"},
    "cli.anchored_to": {"en": "ledger checkpoints are anchored to {folder}",
                        "zh": "台账校验点锚定到 {folder}"},
    "cli.status_title": {"en": "decomkit status — {root}", "zh": "decomkit 状态 — {root}"},
    "cli.waiting_apps": {"en": "{what}: {apps} (decomkit confirm DIR KEY --as NAME --evidence "
                               "FILE, then run again)",
                         "zh": "{what}:{apps}(运行 decomkit confirm 目录 步骤键 --as 姓名 "
                               "--evidence 证据文件,然后重新运行)"},
    "cli.count": {"en": "{what}: {n}", "zh": "{what}:{n}"},
    "cli.ledger_verified": {
        "en": "ledger verified: {rows} rows, chain head {head} (row {rows}); {checkpoints} "
              "signed checkpoints",
        "zh": "台账核验通过:{rows} 行,链头 {head}(第 {rows} 行);已签名校验点 {checkpoints} 个"},
    "cli.latest_checkpoint": {"en": "latest checkpoint (give it to your auditors): {line}",
                              "zh": "最新校验点(交给审计人员):{line}"},
    "cli.anchor_holds": {"en": "anchor {anchor}: {n} checkpoints, each a prefix of the chain",
                         "zh": "锚点 {anchor}:{n} 个校验点,每个都是链的前缀"},
    "cli.anchor_behind": {"en": "anchor {anchor}: {n} checkpoints not anchored yet (decomkit "
                                "ledger anchor DIR publishes them)",
                          "zh": "锚点 {anchor}:{n} 个校验点尚未锚定(运行 decomkit ledger "
                                "anchor 目录 发布)"},
    "cli.anchor_left": {"en": "anchor {anchor}: {n} checkpoints still not anchored (it is "
                              "down?)",
                        "zh": "锚点 {anchor}:仍有 {n} 个校验点未锚定(锚点无法访问?)"},
    "cli.anchor_all": {"en": "every checkpoint is anchored", "zh": "所有校验点均已锚定"},
    "cli.anchor_again": {"en": "run it again when the anchor is up",
                         "zh": "请在锚点恢复后再次运行"},
    "cli.note": {"en": "note: {note}", "zh": "提示:{note}"},
    "cli.profile_written": {"en": "trust profile: {path} (give a copy to your auditors and to "
                                  "every anchor's owner; they verify with --trust FILE)",
                            "zh": "信任配置:{path}(交一份给审计人员和每个锚点的管理者;他们用 "
                                  "--trust 文件 核验)"},
    "cli.workspace_id": {"en": "workspace id {id}", "zh": "工作区 ID {id}"},
    "cli.key_line": {"en": "{key_id} {fingerprint} created {created} ({state})",
                     "zh": "{key_id} {fingerprint} 创建于 {created}({state})"},
    "cli.key_current": {"en": "current", "zh": "当前使用"},
    "cli.key_retired": {"en": "retired {when}", "zh": "已于 {when} 停用"},
    "cli.key_looked": {"en": "private key looked for at: {path}", "zh": "私钥查找位置:{path}"},
    "cli.key_new": {"en": "signing key {key_id} ({fingerprint})",
                    "zh": "签名密钥 {key_id}({fingerprint})"},
    "cli.key_new_profile": {"en": "trust profile: {path} (give it to your auditors: --trust "
                                  "FILE)",
                            "zh": "信任配置:{path}(交给审计人员:--trust 文件)"},
    "cli.key_private": {"en": "private key: {path} (outside the workspace; back it up, never "
                              "share)",
                        "zh": "私钥:{path}(在工作区之外;请备份,切勿外传)"},
    "cli.key_public": {"en": "public key:  {path} (give it to your auditors)",
                       "zh": "公钥:{path}(交给审计人员)"},
    "cli.batch_title": {"en": "decomkit batch", "zh": "decomkit 批量运行"},
    "cli.batch.app": {"en": "app", "zh": "应用"},
    "cli.batch.stage": {"en": "stage", "zh": "阶段"},
    "cli.batch.result": {"en": "result", "zh": "结果"},
    "cli.batch.seconds": {"en": "seconds", "zh": "秒"},
    "cli.batch.detail": {"en": "detail", "zh": "说明"},
    "cli.batch.portfolio": {"en": "(portfolio)", "zh": "(应用组合)"},
    "cli.batch.attempt": {"en": " (attempt {n})", "zh": "(第 {n} 次尝试)"},
    "cli.batch.ok": {"en": "ok", "zh": "完成"},
    "cli.batch.failed": {"en": "FAILED", "zh": "失败"},
    "cli.batch.skipped": {"en": "skip", "zh": "跳过"},
    "cli.batch.earlier": {"en": "done earlier", "zh": "此前已完成"},
    "cli.batch.earlier_detail": {"en": "finished in an earlier batch (--force runs it again)",
                                 "zh": "已在此前的批量运行中完成(加 --force 可重新运行)"},
    "cli.batch.waiting": {"en": "waiting for a console step", "zh": "等待控制台手动操作"},
    "cli.batch.summary": {"en": "{apps} apps, {failed} failed{names}",
                          "zh": "{apps} 个应用,{failed} 个失败{names}"},
    "cli.batch.names": {"en": ": {names}", "zh": ":{names}"},
    "cli.batch.waiting_apps": {"en": "; {n} waiting for a console step (decomkit confirm, then "
                                     "run again): {apps}",
                               "zh": ";{n} 个等待控制台手动操作(运行 decomkit confirm 后再运行)"
                                     ":{apps}"},
    "cli.stage.portfolio": {"en": "portfolio", "zh": "应用组合"},
    "cli.stage.assess": {"en": "assess", "zh": "评估"},
    "cli.stage.backup": {"en": "backup", "zh": "备份"},
    "cli.stage.approval": {"en": "approval", "zh": "审批"},
    "cli.stage.disable": {"en": "disable", "zh": "停用"},
    "cli.stage.review": {"en": "review", "zh": "复盘"},
    "cli.approved": {"en": "{app}: request {instance} is {status}{result}; ledger state {state}",
                     "zh": "{app}:申请 {instance} 的状态为「{status}」{result};台账状态:{state}"},
    "cli.approval_result": {"en": " ({result})", "zh": "(结果:{result})"},
    "cli.vendor_notice": {
        "en": "{app}: termination notice of {contract} ({customer} → {vendor}), dated {date}, "
              "the contract ends {ends}: {path}\nSend it to the vendor, then run: decomkit "
              "vendor notified {dir} {app} --as NAME --evidence FILE",
        "zh": "{app}:合同 {contract}({customer} → {vendor})的终止通知,日期 {date},合同于 "
              "{ends} 终止:{path}\n请发给供应商,然后运行:decomkit vendor notified {dir} {app} "
              "--as 姓名 --evidence 证据文件"},
    "cli.vendor_told": {
        "en": "{app}: vendor told of the end of {contract} on {on} (ends {ends}), by {who}; "
              "evidence {evidence} sha256 {sha}; ledger row {seq}",
        "zh": "{app}:已于 {on} 告知供应商合同 {contract} 终止(终止日 {ends}),经办人 {who};"
              "证据 {evidence},sha256 {sha};台账第 {seq} 行"},
    "cli.settle.happened": {"en": "took effect", "zh": "已生效"},
    "cli.settle.not_happened": {"en": "did not take effect", "zh": "未生效"},
    "cli.settle_dry": {
        "en": "dry run: {action_key} ({operation}) would be recorded as: it {finding} (checked by "
              "{user}). Nothing was recorded; add --apply to record it.",
        "zh": "演练:{action_key}({operation})将记录为{finding}(核实人 {user})。未记录任何内容;"
              "加上 --apply 才会记录。"},
    "cli.settled": {"en": "{action_key} ({operation}) is now {status}. Run the stage again.",
                    "zh": "{action_key}({operation})现为「{status}」。请重新运行该阶段。"},
    "cli.records": {"en": "records: {path}", "zh": "档案:{path}"},
    "cli.calendar": {"en": "deadlines calendar: {path}", "zh": "截止日期日历:{path}"},
    "cli.pdfs": {"en": "PDF dossiers: {folder}/<app>/<app>.pdf",
                 "zh": "PDF 档案:{folder}/<应用>/<应用>.pdf"},
    "cli.records_verified": {
        "en": "records verified: {files} files unchanged, signed by key {key_id} ({fingerprint})",
        "zh": "档案核验通过:{files} 个文件未被改动,签名密钥 {key_id}({fingerprint})"},
    "cli.records_checkpoint": {"en": "rendered at ledger checkpoint row {seq}, head {head}",
                               "zh": "生成于台账校验点第 {seq} 行,链头 {head}"},
    "cli.records_in_ledger": {"en": "the checkpoint is in the workspace's ledger, which "
                                    "verifies against its anchors",
                              "zh": "该校验点在工作区台账中,台账已按其锚点核验"},
    "cli.dashboard": {"en": "dashboard: http://127.0.0.1:{port}/ (Ctrl-C stops it)",
                      "zh": "看板:http://127.0.0.1:{port}/(按 Ctrl-C 停止)"},
    "cli.template": {"en": "approval template {name}: processCode {code} (written to {path} as "
                           "dingtalk.process_code)",
                     "zh": "审批模板 {name}:processCode {code}(已写入 {path} 的 "
                           "dingtalk.process_code)"},
    "cli.written": {"en": "written: {files}", "zh": "已写入:{files}"},
    "cli.as_of": {"en": "--as-of is not a date; write it as YYYY-MM-DD",
                  "zh": "--as-of 不是日期;请写成 YYYY-MM-DD"},
    "import.head": {"en": "import from {source}", "zh": "导入自 {source}"},
    "import.dry": {"en": " (dry run: nothing written)", "zh": "(演练:未写入任何内容)"},
    "import.counts": {"en": "{table}: {added} added, {changed} changed, {gone} gone, "
                            "{returned} back, {unchanged} unchanged",
                      "zh": "{table}:新增 {added},变更 {changed},消失 {gone},恢复 {returned},"
                            "未变 {unchanged}"},
    "import.more": {"en": "  … and {n} more", "zh": "  …… 另有 {n} 条"},
    "config.invalid": {"en": "{source} is invalid; fix these settings (see the comments in the "
                             "file):",
                       "zh": "{source} 中的设置有误;请按文件中的注释修正以下设置:"},
    "config.key": {"en": "key '{setting}': {reason}", "zh": "设置项「{setting}」:{reason}"},
    "config.got": {"en": " (got {got})", "zh": "(当前为 {got})"},
    "config.one_of": {"en": "Input should be {expected}", "zh": "只能是 {expected}"},
    "config.not_a_setting": {"en": "key '{setting}' is not a setting; allowed keys here: {allowed}",
                             "zh": "「{setting}」不是可用的设置项;此处可用的设置项:{allowed}"},
    "config.not_a_zone": {"en": "not a time zone name; use an IANA name such as Asia/Shanghai",
                          "zh": "不是时区名称;请使用 IANA 时区名称,例如 Asia/Shanghai"},
    "config.not_found": {"en": "{path} not found; create a workspace with 'decomkit init DIR'",
                         "zh": "找不到 {path};请用 'decomkit init 目录' 创建工作区"},
    "verb.notify_vendor": {"en": "tell the vendor", "zh": "通知供应商"},
    "verb.settle": {"en": "settle {action_key}", "zh": "处理未决操作 {action_key}"},
    "err.not_workspace": {"en": "{root} is not a decomkit workspace (no {config}); create one "
                                "with 'decomkit init DIR' or 'decomkit demo DIR'",
                          "zh": "{root} 不是 decomkit 工作区(没有 {config});请用 'decomkit init "
                                "目录' 或 'decomkit demo 目录' 创建"},
    "err.no_candidates": {"en": "no candidates.csv yet: run the portfolio stage first (decomkit "
                                "batch DIR --stages portfolio)",
                          "zh": "还没有 candidates.csv:请先运行应用组合阶段(decomkit batch 目录 "
                                "--stages portfolio)"},
    "err.unknown_apps": {"en": "unknown app ids: {shown}{more}; see 'decomkit status'",
                         "zh": "未知的应用 ID:{shown}{more};请用 'decomkit status' 查看"},
    "err.more": {"en": " and {n} more", "zh": " 等另外 {n} 个"},
    "err.nothing_recorded": {
        "en": "nothing is recorded for {app} (no ledger event, no executed notebook in {runs}); "
              "run its stages first (decomkit batch DIR --stages assess --apps {app})",
        "zh": "{app} 还没有任何记录(台账中没有事件,{runs} 中也没有已执行的笔记本);请先运行它的"
              "各阶段(decomkit batch 目录 --stages assess --apps {app})"},
    "err.manifest_unreadable": {"en": "{path} cannot be read ({kind}); render the records "
                                      "again with 'decomkit record DIR'",
                                "zh": "无法读取 {path}({kind});请用 'decomkit record 目录' "
                                      "重新生成档案"},
    "err.not_unsettled": {"en": "no unsettled action has this key",
                          "zh": "没有以「{action_key}」为键的未决操作"},
    "err.action_is": {"en": " (it is {status})", "zh": "(它的状态是「{status}」)"},
    "import.no_file": {"en": "does not exist", "zh": "不存在"},
    "import.no_table": {"en": "names no inventory table", "zh": "不是清单中的表"},
    "import.use_table": {"en": "use one of {tables}", "zh": "请使用以下之一:{tables}"},
    "import.other_table": {"en": "maps into the '{mapped}' table, not '{table}'",
                           "zh": "映射到 '{mapped}' 表,而不是 '{table}' 表"},
    "import.use_map_table": {"en": "use --table {mapped} or another map",
                             "zh": "请改用 --table {mapped},或换一个映射"},
    "import.no_map": {"en": "names no column map", "zh": "不是已有的列映射"},
    "import.give_map": {"en": "give the name of a map (shipped: {shipped}; or your own in "
                              "{folder}/NAME.yaml) or a .yaml path",
                        "zh": "请给出映射名称(自带:{shipped};或您自己放在 {folder}/名称.yaml "
                              "的映射)或一个 .yaml 路径"},
    "import.not_yaml": {"en": "is not valid YAML", "zh": "不是有效的 YAML"},
    "import.fix_yaml": {"en": "fix the indentation or quoting there",
                        "zh": "请修正该处的缩进或引号"},
    "import.no_rule": {"en": "required table column has no rule", "zh": "必需的列没有映射规则"},
    "import.add_rule": {"en": "add it under columns:", "zh": "请在 columns: 下添加它"},
    "import.source_missing": {"en": "source column is missing", "zh": "缺少源列"},
    "import.export_column": {"en": "export the file with this column, or edit the map",
                             "zh": "请导出包含此列的文件,或修改映射"},
    "import.date_format": {"en": "does not match the date format {fmt!r}",
                           "zh": "与日期格式 {fmt!r} 不符"},
    "import.fix_date": {"en": "fix the cell or the map's date_format",
                        "zh": "请修正该单元格,或修改映射的 date_format"},
    "import.unknown_app": {"en": "names an app that is not in the apps table",
                           "zh": "写的应用不在应用表中"},
    "import.apps_first": {"en": "import the apps first (decomkit import dingtalk) or add the app "
                                "to apps",
                          "zh": "请先导入应用(decomkit import dingtalk),或把该应用加入应用表"},
    "import.give_path": {"en": "give the path of the exported file",
                         "zh": "请给出导出文件的路径"},
    "dingtalk.no_credentials": {"en": "DingTalk credentials missing: set "
                                      "DECOMKIT_DINGTALK_APP_KEY and DECOMKIT_DINGTALK_APP_SECRET",
                                "zh": "缺少钉钉凭据:请设置环境变量 DECOMKIT_DINGTALK_APP_KEY 和 "
                                      "DECOMKIT_DINGTALK_APP_SECRET"},
    "ledger.row_missing": {"en": "row {seq} is missing (next row is {next})",
                           "zh": "第 {seq} 行缺失(下一行是第 {next} 行)"},
    "ledger.row_moved": {"en": "row {seq} does not follow the row before it (a row was "
                               "deleted, inserted or moved)",
                         "zh": "第 {seq} 行与上一行接不上(有行被删除、插入或移动)"},
    "ledger.row_edited": {"en": "row {seq} was edited after it was written",
                          "zh": "第 {seq} 行在写入后被改动过"},
    "ledger.cut": {"en": "the ledger ends at row {count} but its head file says {head}: rows "
                         "were cut from the end",
                   "zh": "台账止于第 {count} 行,但链头文件记的是第 {head} 行:末尾有行被删掉"},
    "ledger.past_head": {"en": "the ledger has rows past its head file's row {head}",
                         "zh": "台账中有超出链头文件所记第 {head} 行的行"},
    "ledger.head_hash": {"en": "the last row's hash differs from the head file",
                         "zh": "最后一行的哈希与链头文件不一致"},
    "ledger.head_missing": {"en": "the head file {name} is missing",
                            "zh": "链头文件 {name} 不存在"},
    "ledger.not_verified": {"en": "{path} does not verify: {problems}. Restore the ledger from a "
                                  "backup and investigate who changed it.",
                            "zh": "{path} 未通过核验:{problems}。请从备份恢复台账,"
                                  "并调查是谁改动了它。"},
    "anchor.row": {"en": "row {first}", "zh": "第 {first} 行"},
    "anchor.rows": {"en": "rows {first}–{last}", "zh": "第 {first}–{last} 行"},
    "anchor.not_yet": {"en": "ledger checkpoint {rows} not anchored yet at {anchor} ({detail}); "
                             "the next run publishes it, or run 'decomkit ledger anchor DIR'",
                       "zh": "台账校验点({rows})尚未锚定到 {anchor}({detail});下次运行时会"
                             "发布,也可运行 'decomkit ledger anchor 目录'"},
    "err.holds_workspace": {"en": "{root} already holds a workspace; choose another folder",
                            "zh": "{root} 中已有工作区;请换一个文件夹"},
    "err.has_key": {"en": "{root} already has signing key {key_id}; use 'decomkit keys rotate' "
                          "for a new one",
                    "zh": "{root} 已有签名密钥 {key_id};如需新密钥请用 'decomkit keys rotate'"},
    "import.source_file": {"en": "file {file} (map {map})", "zh": "文件 {file}(列映射 {map})"},
    "import.source_dingtalk": {"en": "dingtalk {api} ({tables})", "zh": "钉钉 {api}({tables})"},
    "ledger.root_not_verified": {"en": "{root} does not verify:", "zh": "{root} 未通过核验:"},
    # Console steps (the manual platform, and DingTalk steps without an API): lifecycle.console
    "console.title": {"en": "Waiting for a console step: {what}",
                      "zh": "等待控制台手动操作:{what}"},
    "console.intro": {"en": "{app}: this is done by a person in the DingTalk admin console. The "
                            "stage stops here (this is not an error) and continues when you run "
                            "it again after recording the step.",
                      "zh": "{app}:这一步需要有人在钉钉管理后台手动完成。本阶段在此暂停(不是错误),"
                            "记录这一步之后再次运行本阶段即可继续。"},
    "console.do": {"en": "What to do in the console", "zh": "在管理后台的操作"},
    "console.evidence": {"en": "Evidence to attach", "zh": "需要附上的证据"},
    "console.distinct": {"en": "Each step needs its own file, made after doing it: a file already "
                               "given for another step is refused.",
                         "zh": "每一步都要单独的证据文件,在完成这一步之后截取:"
                               "已用于其他步骤的文件会被拒绝。"},
    "console.command": {"en": "Then record it with this command and run the stage again",
                        "zh": "完成后运行以下命令记录这一步,再重新运行本阶段"},
    "console.notebook": {"en": "or, in this notebook, set step_done to {step}, done_by to who did "
                               "it and evidence to the file, and run it again.",
                         "zh": "或者在本笔记本中把 step_done 设为 {step},done_by 填操作人,"
                               "evidence 填证据文件路径,"
                               "然后重新运行。"},
    "console.name": {"en": "NAME", "zh": "操作人姓名"},
    "console.file": {"en": "FILE", "zh": "证据文件"},
    "console.op.set_visible_scope": {"en": "change the visible scope", "zh": "修改可见范围"},
    "console.op.add_to_scope": {"en": "add people to the replacement's visible scope",
                                "zh": "把人员加入替代应用的可见范围"},
    "console.op.disable": {"en": "disable the app", "zh": "停用应用"},
    "console.op.enable": {"en": "re-enable the app", "zh": "重新启用应用"},
    "console.op.unlink": {"en": "end the free association", "zh": "解除免费关联"},
    "console.op.submit_approval": {"en": "submit the approval request", "zh": "提交停用审批"},
    "console.op.withdraw_approval": {"en": "withdraw the approval request", "zh": "撤销停用审批"},
    "console.op.notify": {"en": "send the notice", "zh": "发送通知"},
    "console.op.notify_unknown": {"en": "check whether the notice went out",
                                  "zh": "核实通知是否已发出"},
    "console.op.verify_end_state": {"en": "show that the app is off", "zh": "证明应用已停用"},
    "console.proof.set_visible_scope": {
        "en": "a screenshot of the app's 可见范围 (visible scope) page after saving, showing the "
              "new setting",
        "zh": "保存后「可见范围」页面的截图,能看出新的设置"},
    "console.proof.add_to_scope": {
        "en": "a screenshot of the replacement's 可见范围 (visible scope) after saving, with the "
              "people added in it",
        "zh": "保存后替代应用「可见范围」的截图,能看到新加入的人员"},
    "console.proof.disable": {"en": "a screenshot of the prompt's result: the app shown as "
                                    "已停用 (disabled)",
                              "zh": "停用操作完成后的截图,能看出应用显示为「已停用」"},
    "console.proof.enable": {"en": "a screenshot of the app shown as enabled again",
                             "zh": "应用重新显示为已启用的截图"},
    "console.proof.unlink": {"en": "a screenshot of the app's page in the 未关联 (not associated) "
                                   "state",
                             "zh": "应用设置页显示「未关联」状态的截图"},
    "console.proof.submit_approval": {"en": "a screenshot of the submitted request with its "
                                            "approvers",
                                      "zh": "已提交申请的截图,能看到审批人"},
    "console.proof.withdraw_approval": {"en": "a screenshot of the request shown as withdrawn",
                                        "zh": "申请显示为「已撤销」的截图"},
    "console.proof.notify": {"en": "a screenshot of the message as sent (group and time visible)",
                             "zh": "已发送消息的截图(能看到群名和时间)"},
    "console.proof.notify_unknown": {"en": "a screenshot of the message in the group (group and "
                                           "time visible)",
                                     "zh": "群里这条消息的截图(能看到群名和时间)"},
    "console.proof.verify_end_state": {
        "en": "taken now, after the change: a screenshot or export of 应用管理 showing the app "
              "as {status} and its 可见范围 (visible scope) as admins only — not a screenshot "
              "of an earlier step",
        "zh": "在完成停用之后新截取:「应用管理」中应用显示为「{status}」、"
              "可见范围仅管理员的截图或导出文件,"
              "不能用之前步骤的截图"},
    "console.scope.admins": {"en": "only the app's admins (仅管理员可见)", "zh": "仅管理员可见"},
    "console.scope.set": {"en": "people: {users}; departments: {depts}",
                          "zh": "人员:{users};部门:{depts}"},
    "console.none": {"en": "none", "zh": "无"},
    "console.status.disabled": {"en": "已停用 (disabled)", "zh": "已停用"},
    "console.status.unlinked": {"en": "未关联 (not associated)", "zh": "未关联"},
    "console.reused": {"en": "{file} was already given as the evidence of {other}; each step "
                             "needs its own evidence, made after doing it. Nothing was recorded.",
                       "zh": "{file} 已经作为「{other}」的证据提交过;"
                             "每一步都要在完成后单独截取证据。"
                             "本次未记录任何内容。"},
    "console.confirmed": {"en": "Recorded: {what} ({step}), done by {who}; evidence {file}, "
                                "sha256 {digest}. Run the stage again to continue.",
                          "zh": "已记录:{what}({step}),操作人 {who};证据 {file},sha256 {digest}。"
                                "重新运行本阶段即可继续。"},
    "console.verified": {"en": "the console shows it {status}, only admins see it; evidence of "
                               "the end state {file}, sha256 {digest}",
                         "zh": "管理后台显示「{status}」,仅管理员可见;"
                               "停用后状态的证据 {file},sha256 {digest}"},
    "state.waiting_console": {"en": "waiting for a console step", "zh": "等待控制台操作"},
    "note.console_step_waiting": {"en": "waiting for a console step", "zh": "等待控制台手动操作"},
    "note.console_step_confirmed": {"en": "console step done by hand, confirmed",
                                    "zh": "控制台手动操作已确认"},
    "trail.action_waiting": {"en": "platform action waiting for a console step: {operation}",
                             "zh": "平台操作等待控制台手动完成:{operation}"},
    "batch.quota_warning": {
        "en": "Warning: this batch of {apps} apps may take about {estimate} DingTalk API calls, "
              "but only {remaining} of this month's {quota} are left ({used} used). The apps "
              "after the quota runs out will stop with a quota error: run fewer apps now, or "
              "raise dingtalk.monthly_quota after raising the quota in the developer console.",
        "zh": "警告:本批 {apps} 个应用约需 {estimate} 次钉钉接口调用,但本月额度 {quota} 次仅剩 "
              "{remaining} 次(已用 {used} 次)。额度用完后的应用会因额度错误停止:请减少本批应用,"
              "或在开发者后台提高额度后调整 dingtalk.monthly_quota。"},
}

# The one table of column labels: column id → (English, 中文, kind). The kind says how a cell
# is shown: money (¥12,345), money2 (¥12,345.67), percent, date, datetime, count, number, bool,
# people (a number of people, rounded to a whole person: label an average as one), term (a word
# with its own translation), text.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "app_id": ("App id", "应用 ID", "text"),
    "name": ("Name", "名称", "text"),
    "state": ("State", "状态", "term"),
    "decision": ("Decision", "决定", "term"),
    "score": ("Retire score", "停用评分", "number"),
    "recommendation": ("Recommendation", "建议", "term"),
    "quadrant": ("TIME quadrant", "TIME 象限", "term"),
    "annual_cost": ("Annual cost", "年成本", "money"),
    "monthly_cost": ("Monthly cost", "月成本", "money"),
    "mau_recent": ("Monthly active users (3-month average)", "月活跃用户(近 3 个月平均)",
                   "people"),
    "cost_per_user": ("Cost per active user per month", "每位活跃用户每月成本", "money"),
    "quadrant_note": ("Score and quadrant", "评分与象限", "text"),
    "log_end": ("Usage log ends", "使用记录截至", "date"),
    "usage": ("Usage", "使用情况", "text"),
    "days_idle": ("Days idle (to the log's last day)", "闲置天数(至使用记录最后一天)", "count"),
    "severity": ("Severity", "严重程度", "severity"),
    "incidents": ("Incidents (12 months)", "故障数(12 个月)", "count"),
    "incidents_per_month": ("Incidents a month", "每月故障数", "number"),
    "open_findings": ("Open security findings", "未解决安全问题", "count"),
    "process_id": ("Process", "流程编号", "text"),
    "criticality": ("Criticality", "重要程度", "criticality"),
    "owner_dept": ("Owner department", "负责部门", "text"),
    "approval_template": ("Approval template", "审批模板", "text"),
    "integration_id": ("Integration", "集成编号", "text"),
    "system": ("System", "系统", "text"),
    "direction": ("Direction", "方向", "direction"),
    "description": ("Description", "说明", "text"),
    "department": ("Department", "部门", "text"),
    "user_id": ("User id", "用户 ID", "text"),
    "users": ("Users", "人数", "count"),
    "kind": ("Option", "方案", "term"),
    "exit_date": ("Exit date", "退出日期", "date"),
    "notice_by": ("Notice by", "通知截止", "date"),
    "penalty": ("Penalty", "违约金", "money"),
    "savings_12": ("Savings, 12 months", "12 个月节省", "money"),
    "savings_24": ("Savings, 24 months", "24 个月节省", "money"),
    "best": ("Best", "最佳", "bool"),
    "month": ("Month", "月份", "text"),
    "cost": ("Cost", "成本", "money"),
    "phase": ("Phase", "阶段", "term"),
    "realized": ("Realized savings", "实际节省", "money"),
    "projected": ("Projected savings", "预计节省", "money"),
    "disabled_on": ("Disabled on", "停用日期", "date"),
    "too_early": ("Too early to tell", "为时尚早", "bool"),
    "incident_id": ("Incident", "故障编号", "text"),
    "date": ("Date", "日期", "date"),
    "summary": ("Summary", "摘要", "text"),
    "count": ("Answers", "回复数", "count"),
    "mean": ("Mean score", "平均分", "number"),
    "dataset_id": ("Dataset", "数据集", "text"),
    "rows": ("Rows", "行数", "count"),
    "bytes": ("Bytes", "字节", "count"),
    "size": ("Bytes", "字节", "count"),
    "export_file": ("Export file", "导出文件", "text"),
    "changes": ("Changes", "更新频率", "frequency"),
    "personal_data": ("Personal data", "个人信息", "bool"),
    "path": ("File", "文件", "text"),
    "sha256": ("SHA-256", "SHA-256", "text"),
    "ok": ("OK", "通过", "bool"),
    "size_ok": ("Size matches", "大小一致", "bool"),
    "sha256_ok": ("SHA-256 matches", "SHA-256 一致", "bool"),
    "restore_ok": ("Restored", "恢复成功", "bool"),
    "restored_rows": ("Rows restored", "恢复行数", "count"),
    "problem": ("Problem", "问题", "text"),
    "dataset": ("Dataset", "数据集", "text"),
    "output": ("Output file", "输出文件", "text"),
    "rows_in": ("Rows in", "输入行数", "count"),
    "rows_out": ("Rows out", "输出行数", "count"),
    "column": ("Column", "列", "text"),
    "sum_in": ("Sum in", "输入合计", "text"),
    "sum_out": ("Sum out", "输出合计", "text"),
    "status": ("Status", "状态", "text"),
    "detail": ("Detail", "说明", "text"),
    "call": ("Call", "调用", "text"),
    "changes_platform": ("Changes the platform", "改变平台", "bool"),
    "seq": ("#", "序号", "count"),
    "time": ("Time", "时间", "text"),
    "actor": ("Who", "操作人", "text"),
    "what": ("What happened", "事件", "text"),
    "details": ("Evidence", "证据", "text"),
    "override": ("Override", "越权说明", "text"),
    "checkpoint": ("Checkpoint", "签名检查点", "text"),
    "hash": ("Row hash", "记录哈希", "text"),
    "contract_id": ("Contract", "合同", "text"),
    "deadline_kind": ("Deadline", "截止类型", "term"),
    "deadline": ("Due", "截止日", "date"),
    "vendor_notified": ("Vendor told on", "已通知供应商", "date"),
    "period": ("Months counted", "统计月份", "text"),
    "savings_basis": ("Realized savings counted", "实际节省计算依据", "text"),
    "renewal_date": ("Term ends", "合同到期", "date"),
    "notice_deadline": ("Notice by", "通知截止", "date"),
    "days_left": ("Days left", "剩余天数", "count"),
    "flag": ("Within", "提醒", "term"),
    "auto_renew": ("Auto-renews", "自动续约", "bool"),
    "annual_fee": ("Annual fee", "年费", "money"),
    "requested": ("Requested", "提交时间", "datetime"),
    "waiting_days": ("Days waiting", "已等待天数", "count"),
    "waiting_for": ("Waiting for", "待审批人", "text"),
    "questions": ("Approvers' questions to answer", "待答复的审批人提问", "text"),
    "instance_id": ("Request", "审批单", "text"),
    "problems": ("Problems", "问题", "text"),
    "apps": ("Apps", "应用数", "count"),
    "visits_after": ("Visits since the disable", "停用后访问次数", "count"),
    "users_after": ("People since the disable", "停用后使用人数", "count"),
    "last_use_after": ("Last use since", "停用后最近使用", "date"),
    "log_until": ("Usage log up to", "使用记录截至", "date"),
    "watch": ("Watch", "停用后监控", "text"),
    "due_day": ("Due on", "到期日", "date"),
    "due_step": ("What is due", "待办事项", "term"),
    "about": ("About", "涉及", "text"),
    "tick_result": ("Result", "结果", "term"),
    "why": ("Why", "原因", "text"),
    "open_status_column": ("Open-document status column", "未结单据状态列", "text"),
    "open_values": ("Statuses of open documents", "未结状态值", "text"),
    "item": ("Item", "残留项", "text"),
    "number": ("#", "序号", "count"),
    "cleaned_by": ("Cleaned by", "清理人", "text"),
    "cleaned_at": ("Cleaned at", "清理时间", "datetime"),
    "evidence_sha256": ("Evidence SHA-256", "证据 SHA-256", "text"),
    "step": ("Step", "步骤", "text"),
    "event": ("Event", "事件", "text"),
    "recorded_data": ("Recorded data (as signed)", "记录数据(签名原文)", "text"),
}


def _said(value, language: Language):
    """A value as a sentence shows it: nothing (None, NaN, NaT) is "—", a yes/no is 是/否 or
    yes/no; never a Python literal."""
    if hasattr(value, "in_language"):  # a text said in each language, an error, a problem
        return value.in_language(language)
    if isinstance(value, bool):
        return TEXT["yes" if value else "no"][language]
    if value is None or (isinstance(value, float) and value != value) or (
            type(value).__name__ == "NaTType"):
        return "—"
    return value


def t(key: str, language: Language = "zh", **values) -> str:
    """The text for ``key`` in ``language``, filled with ``values`` (nothing shown as "—", a
    yes/no in words)."""
    return TEXT[key][language].format(**{k: _said(v, language) for k, v in values.items()})


def operation(name: str, language: Language) -> str:
    """A platform operation or step the ledger names (``submit_approval``,
    ``notify-before:dingtalk_work``) as its reader reads it."""
    kind, _, channel = name.partition(":")
    key = f"step.{kind}"
    if key not in TEXT:
        return name
    where = t(f"channel.{channel}", language) if f"channel.{channel}" in TEXT else channel
    said = t(key, language, channel=where)
    return said if where else said.replace(" ()", "").replace("()", "")  # no channel named


# Errors raised outside the gate table, said in each language (``core.said``): what a
# notebook and the CLI show; the English form is the one ``str()`` gives.
TEXT.update({
    "input.problems": {"en": "{n} problem(s) in the input; nothing was written:",
                       "zh": "输入中有 {n} 个问题,未写入任何内容:"},
    "input.row": {"en": ", row {row}", "zh": ",第 {row} 行"},
    "input.column": {"en": ", column '{column}'", "zh": ",列「{column}」"},
    "input.problem": {"en": "{where}: {what} — {fix}", "zh": "{where}:{what} — {fix}"},
    "text.bad_character": {
        "en": "holds {name} (U+{code}) at character {at}: only letters, digits and - _ . may "
              "be used",
        "zh": "第 {at} 个字符是不允许的字符(U+{code}):只能使用字母、数字和 - _ ."},
    "text.not_in_folder_names": {"en": "must not contain {chars}", "zh": "不能含有 {chars}"},
    "text.starts_with_dot": {"en": "must not start with a dot", "zh": "不能以点号开头"},
    "text.invisible": {"en": "contains a control or invisible character",
                       "zh": "含有控制字符或不可见字符"},
    "text.formula_start": {"en": "must not start with = + - or @",
                           "zh": "不能以 = + - 或 @ 开头"},
    "text.windows_name": {"en": "is not a usable folder name on Windows",
                          "zh": "不能用作 Windows 的文件夹名"},
    "text.too_long": {"en": "is longer than {most} characters", "zh": "超过 {most} 个字符"},
    "text.absolute_path": {"en": "is an absolute path", "zh": "是绝对路径"},
    "text.leaves_folder": {"en": "leaves its folder (..)", "zh": "指向所在文件夹之外(..)"},
    "text.control_character": {
        "en": "holds an invisible or control character (U+{code}) at character {at}",
        "zh": "第 {at} 个字符是不可见字符或控制字符(U+{code})"},
    "fix.correct_source": {"en": "correct the value in the source file",
                           "zh": "请在源文件中更正该值"},
    "err.platform": {"en": "platform call '{operation}' failed: {detail} (check the platform "
                           "and retry)",
                     "zh": "平台操作「{operation}」失败:{detail}(请检查平台后重试)"},
    "err.platform_unnamed": {"en": "platform call failed: {detail} (check the platform and retry)",
                             "zh": "平台操作失败:{detail}(请检查平台后重试)"},
    "err.evidence_missing": {
        "en": "the evidence file is missing or empty; attach a screenshot or export that "
              "shows it",
        "zh": "证据文件不存在或为空;请附上能证明此事的截图或导出文件"},
    "err.evidence_file_missing": {
        "en": "evidence file {file} is missing or empty; attach a screenshot or export that "
              "shows the step was done",
        "zh": "证据文件 {file} 不存在或为空;请附上能证明该步骤已完成的截图或导出文件"},
    "err.say_who_did_step": {"en": "say who did the step (--as NAME)",
                             "zh": "请写明由谁完成了该步骤(--as 姓名)"},
    "err.no_step_waiting": {"en": "no step '{step}' is waiting; see the notebook or the error "
                                  "that named it",
                            "zh": "没有等待中的步骤「{step}」;请查看笔记本或提到它的消息"},
    "err.approval_needs_evidence": {
        "en": "on the manual platform an approval needs --evidence FILE (a screenshot of the "
              "approval record)",
        "zh": "手动平台上的审批需要 --evidence 证据文件(审批记录的截图)"},
    "err.own_request": {"en": "the requester cannot approve their own request",
                        "zh": "申请人不能审批自己的申请"},
    "err.no_residue_item": {"en": "there is no item {number}: the checklist has 1 to {count}",
                            "zh": "没有第 {number} 项:清单为第 1 至 {count} 项"},
    "err.say_who_cleaned": {"en": "say who cleaned it", "zh": "请写明由谁清理"},
    "err.not_approved": {"en": "the request is not approved", "zh": "申请尚未批准"},
    "err.still_shown": {
        "en": "the platform still shows it ({status}, visible to {who}: {visible}); check the "
              "console, then rerun",
        "zh": "平台上仍显示该应用(状态 {status},{who} 可见:{visible});"
              "请在管理后台核对后重新运行"},
    "err.not_disabled": {"en": "the app has not been disabled (run 04_disable)",
                         "zh": "该应用尚未停用(请先运行 04_disable)"},
    "err.too_early": {"en": "it is too early: costs after the disable are comparable from "
                            "{day}",
                      "zh": "为时过早:停用后的成本自 {day} 起才可比较"},
    "err.no_request_to_move": {"en": "no request is pending or approved (run 03_approval)",
                               "zh": "没有审批中或已批准的申请(请先运行 03_approval)"},
    "err.same_date": {"en": "the request already plans {day}", "zh": "申请中的计划日期已是 {day}"},
    "err.say_why_move": {"en": "say why the date moves (withdraw_remark)",
                         "zh": "请说明日期调整的原因(withdraw_remark)"},
    "err.no_request_submitted": {"en": "no request was submitted (run 03_approval)",
                                 "zh": "尚未提交申请(请先运行 03_approval)"},
    "err.no_request_pending": {"en": "no request is pending", "zh": "没有审批中的申请"},
    "err.no_request_pending_first": {"en": "no request is pending (run 03_approval first)",
                                     "zh": "没有审批中的申请(请先运行 03_approval)"},
    "err.approvers_act_in_app": {
        "en": "approvers act in the {platform} app itself; track the request with 03_approval",
        "zh": "审批人在 {platform} 中直接审批;请用 03_approval 跟踪申请"},
    "err.dry_run": {"en": "a dry run changes nothing (dry_run=False and its gate are needed)",
                    "zh": "试运行不做任何改动(需要 dry_run = False 并通过其关卡)"},
    "err.backup_inside": {
        "en": "backup.target {target!r} is inside the kit's own folder '{folder}' (the kit keeps "
              "its data, exports, runs and signed records there); set [backup] target in "
              "decomkit.toml to a folder of its own, such as 'backups'",
        "zh": "备份目标 {target!r} 位于本工具自用的文件夹「{folder}」内(那里存放数据、导出、"
              "运行记录和签名记录);请在 decomkit.toml 的 [backup] target 中设为单独的文件夹,"
              "例如 'backups'"},
    "err.no_backup": {"en": "{app} has no backup yet; run 02_backup first",
                      "zh": "{app} 还没有备份;请先运行 02_backup"},
    "err.vendor_evidence_missing": {
        "en": "evidence file {file} is missing or empty; attach the sent notice",
        "zh": "证据文件 {file} 不存在或为空;请附上已发出的通知"},
    "verb.verify_disable": {"en": "verify the disable", "zh": "核实停用结果"},
    "verb.review": {"en": "review", "zh": "复盘"},
    "verb.record_review": {"en": "record the review", "zh": "记录复盘"},
    "verb.move_date": {"en": "move the planned date", "zh": "调整计划日期"},
    "verb.track_approval": {"en": "track approval", "zh": "跟踪审批"},
    "verb.agree": {"en": "agree the request", "zh": "同意申请"},
    "verb.refuse": {"en": "refuse the request", "zh": "拒绝申请"},
    "map.separator": {"en": "separator must be one or more characters (an empty one splits "
                            "nothing), such as /",
                      "zh": "separator 必须是一个或多个字符(空的无法拆分),例如 /"},
    "map.take": {"en": "take must be path, first, last or a level of 1 or more (1 = the top)",
                 "zh": "take 必须是 path、first、last 或不小于 1 的层级(1 为最上层)"},
    "map.drop_top": {"en": "drop_top must be a whole number of levels, 0 or more",
                     "zh": "drop_top 必须是不小于 0 的整数层级"},
    "map.from": {"en": "from must name a source column, or a list of alternatives",
                 "zh": "from 必须写明一个源列,或几个可选源列的列表"},
    "map.first_of": {"en": "first_of must be the characters that separate values, such as ；;",
                     "zh": "first_of 必须是分隔取值的字符,例如 ；;"},
    "map.date_format": {"en": "date_format must be a strftime pattern, such as %Y年%m月%d日",
                        "zh": "date_format 必须是 strftime 格式,例如 %Y年%m月%d日"},
    "map.unknown_option": {"en": "is not an option of a column map",
                           "zh": "不是列映射可用的选项"},
    "map.want_mapping": {"en": "must be a mapping of options",
                         "zh": "应为选项的键值映射,例如 {{from: 列名}}"},
    "map.missing": {"en": "is missing", "zh": "缺少此项"},
    "map.bad_value": {"en": "is not a valid value", "zh": "此值无效"},
    "map.see_docs": {"en": "see 'Column maps' in docs/analyst.md",
                     "zh": "请参阅 docs/analyst.md 中的「Column maps」一节"},
    "table.empty": {"en": "required value is empty", "zh": "必填值为空"},
    "table.fill_in": {"en": "fill it in", "zh": "请填写"},
    "table.not_number": {"en": "is not a number", "zh": "不是数字"},
    "table.write_number": {"en": "write a plain number like 1200.50",
                           "zh": "请写成普通数字,例如 1200.50"},
    "table.not_whole": {"en": "is not a whole number", "zh": "不是整数"},
    "table.write_whole": {"en": "write a whole number", "zh": "请写成整数"},
    "table.not_date": {"en": "is not a date", "zh": "不是日期"},
    "table.write_date": {"en": "write it as {fmt}", "zh": "请写成 {fmt}"},
    "table.not_bool": {"en": "is not yes/no", "zh": "不是“是/否”"},
    "table.write_bool": {"en": "write true or false (是/否)", "zh": "请写 是 或 否(true/false)"},
    "table.not_allowed": {"en": "is not an allowed value", "zh": "不是允许的取值"},
    "table.use_one_of": {"en": "use one of: {choices}", "zh": "请使用以下之一:{choices}"},
    "table.duplicate": {"en": "duplicate id {id} (first at row {row}{same})",
                        "zh": "重复的编号 {id}(首次出现在第 {row} 行{same})"},
    "table.own_id": {"en": "give every row its own id", "zh": "请为每一行使用不同的编号"},
    "table.same_folder": {"en": ", the same folder as {other} on Windows and macOS",
                          "zh": ",在 Windows 和 macOS 上与 {other} 是同一个文件夹"},
    "table.more_rows": {"en": "{n} more rows: {what}", "zh": "另有 {n} 行:{what}"},
    "table.damaged": {"en": "contains replacement characters (\ufffd): the text was damaged by an "
                            "earlier conversion",
                      "zh": "含有替换字符(\ufffd):文本在之前的一次转换中已损坏"},
    "table.export_again": {"en": "export the file again from its source system",
                           "zh": "请从源系统重新导出该文件"},
    "table.foreign": {"en": "is not GBK or UTF-8 text (it decodes to private-use or unassigned "
                            "characters, as Big5 or Shift-JIS do)",
                      "zh": "不是 GBK 或 UTF-8 文本(解码后是私用区或未分配的字符,Big5 或 "
                            "Shift-JIS 文件就会这样)"},
    "table.control": {"en": "holds a NUL or control character", "zh": "含有 NUL 或控制字符"},
    "table.misread": {"en": "is not GBK text: read as GBK it is mostly rare characters outside "
                            "GB2312, as Shift-JIS or Big5 files are",
                      "zh": "不是 GBK 文本:按 GBK 读取时大多是 GB2312 以外的生僻字,Shift-JIS 或 "
                            "Big5 文件就会这样"},
    "table.save_utf8": {"en": "save the file as 'CSV UTF-8' (Excel) or export it again; the kit "
                              "never guesses an encoding",
                        "zh": "请将文件另存为「CSV UTF-8」(Excel)或重新导出;本工具从不猜测编码"},
    "table.no_encoding": {"en": "is neither UTF-8 nor GBK/GB18030 text",
                          "zh": "既不是 UTF-8 文本,也不是 GBK/GB18030 文本"},
    "table.cell_too_long": {"en": "a cell holds {n} characters; at most {most} are read",
                            "zh": "一个单元格有 {n} 个字符;最多只读取 {most} 个"},
    "table.check_quotes": {"en": "check the quotes around that cell (an unclosed quote swallows "
                                 "the rest of the file), or shorten it",
                           "zh": "请检查该单元格两侧的引号(未闭合的引号会吞掉文件其余部分),"
                                 "或将其缩短"},
    "table.ragged": {"en": "has {n} fields but the header has {width}",
                     "zh": "有 {n} 个字段,但表头有 {width} 个"},
    "table.quote_commas": {"en": "quote cells that contain commas, or remove the stray separators",
                           "zh": "请给含逗号的单元格加上引号,或删去多余的分隔符"},
    "table.more_ragged": {"en": "{n} more rows have the wrong number of fields",
                          "zh": "另有 {n} 行的字段数不对"},
    "table.fix_same_way": {"en": "fix the rows listed above the same way",
                           "zh": "请用同样的方法修正上面列出的行"},
    "table.not_xlsx": {"en": "is not an Excel workbook (.xlsx)", "zh": "不是 Excel 工作簿(.xlsx)"},
    "table.save_xlsx": {"en": "open it in Excel or WPS and save it as .xlsx, or export the data as "
                              "CSV",
                        "zh": "请用 Excel 或 WPS 打开并另存为 .xlsx,或将数据导出为 CSV"},
    "table.is_empty": {"en": "is empty", "zh": "是空的"},
    "table.export_header": {"en": "export it again with its header", "zh": "请连同表头重新导出"},
    "table.column_twice": {"en": "appears twice (as column {a} and {b})",
                           "zh": "出现了两次(第 {a} 列和第 {b} 列)"},
    "table.keep_one_column": {"en": "keep one of the two columns", "zh": "请只保留其中一列"},
    "table.column_missing": {"en": "required column is missing", "zh": "缺少必需的列"},
    "table.add_column": {"en": "add a column headed '{name}' (or '{zh}')",
                         "zh": "请添加表头为「{zh}」(或「{name}」)的列"},
    "table.not_parquet": {"en": "is not a readable parquet file ({kind})",
                          "zh": "不是可读取的 parquet 文件({kind})"},
    "table.write_parquet": {"en": "write it again with pandas or pyarrow, or give a CSV instead",
                            "zh": "请用 pandas 或 pyarrow 重新写出,或改为提供 CSV"},
    "table.date_far": {"en": "is not a date between 1678 and 2262",
                       "zh": "不是 1678 年到 2262 年之间的日期"},
    "table.correct_date": {"en": "correct the date in the source file",
                           "zh": "请在源文件中更正该日期"},
    "table.negative": {"en": "is negative", "zh": "是负数"},
    "table.below": {"en": "is below {least}", "zh": "小于 {least}"},
    "table.at_least": {"en": "use a value of at least {least}", "zh": "请使用不小于 {least} 的值"},
    "table.above": {"en": "is above {most}", "zh": "大于 {most}"},
    "table.at_most": {"en": "use a value of at most {most}", "zh": "请使用不大于 {most} 的值"},
    "table.unknown_ref": {"en": "refers to an unknown {what}", "zh": "引用了不存在的{what}"},
    "table.add_ref": {"en": "add it to the {table} table or correct the id",
                      "zh": "请将其加入{table}表,或更正编号"},
    "table.many_files": {"en": "{n} files hold the {table} table",
                         "zh": "有 {n} 个文件都是{zh}表({table})"},
    "table.keep_one_file": {"en": "keep one and move the others out of data/",
                            "zh": "请只保留一个,把其余的移出 data/"},
    "table.missing": {"en": "is missing", "zh": "不存在"},
    "table.export_table": {"en": "export the {table} table ({zh}) as CSV or XLSX into {folder}",
                           "zh": "请将{zh}表({table})导出为 CSV 或 XLSX,放入 {folder}"},
    "summary.was": {"en": "State in the ledger", "zh": "台账状态"},
    "label.confirm_field": {"en": "confirm", "zh": "确认"},
    "label.step": {"en": "step", "zh": "步骤"},
    "label.done_by": {"en": "done by", "zh": "操作人"},
    "label.evidence": {"en": "evidence", "zh": "证据"},
    "label.record_review": {"en": "Record the review", "zh": "记录复盘"},
    "console.raised": {
        "en": "a person must do this in the console:\n{steps}\nthen run: decomkit confirm "
              "WORKSPACE {step} --as NAME --evidence FILE, and run this stage again",
        "zh": "需要有人在管理后台完成以下操作:\n{steps}\n然后运行:decomkit confirm 工作区 {step} "
              "--as 操作人姓名 --evidence 证据文件,再重新运行本阶段"},
})

# What `decomkit ledger verify` / `record verify` says when the result is not a verification
# (exit code 3, docs/security.md#exit-codes).
TEXT.update({
    "verify.what_ledger": {"en": "the ledger", "zh": "台账"},
    "verify.what_records": {"en": "the records' key", "zh": "档案的签名密钥"},
    "verify.unpinned": {
        "en": "{what} was checked against its own claims only: whoever can write the "
              "workspace can rewrite its keys, id and anchors too. Pass --trust FILE, the trust "
              "profile you were given ('decomkit keys profile DIR' writes it), to check it "
              "against yours. Exit code {code}: not verified against a trust root",
        "zh": "{what}只按工作区自己的声明核对过:能写工作区目录的人也能改写其中的密钥、工作区 ID 和"
              "锚点。请用 --trust 文件 传入您拿到的信任配置('decomkit keys profile 目录' 会写出它),"
              "按您手中的信任根核对。退出码 {code}:未按信任根核实"},
    "verify.no_anchor": {
        "en": "no readable anchor: whoever holds the signing key could rewrite this ledger "
              "undetected; add an [[anchors]] entry (see docs/operator.md, Anchors)",
        "zh": "没有可读回的锚点:持有签名密钥的人可以改写本台账而不被发现;请在 decomkit.toml 中添加 "
              "[[anchors]](见 docs/operator.md 的 Anchors 一节)"},
    "verify.no_outside": {
        "en": "the keys and the workspace id match the trust profile, but nothing outside the "
              "workspace was read: no anchor the kit can read back and no --checkpoint line. "
              "Exit code {code}: not verified against a trust root. Add a readable anchor "
              "(folder, s3, oss), run 'decomkit ledger anchor DIR' and 'decomkit keys profile "
              "DIR' and hand the profile over again, or paste the checkpoint lines an anchor "
              "received with --checkpoint",
        "zh": "密钥和工作区 ID 与信任配置一致,但没有读到工作区之外的任何内容:"
              "没有本工具能读回的锚点,也没有 --checkpoint 行。"
              "退出码 {code}:未按信任根核实。请添加可读回的锚点(folder、s3、oss),"
              "运行 'decomkit ledger anchor 目录' 和 'decomkit keys profile 目录' "
              "并重新交付信任配置,或用 --checkpoint 粘贴锚点收到的校验行"},
})

# Proof, custody and records (issue #23): signing keys, trust profiles, anchors, the ledger's
# checkpoints and verification, the backup target, PDF printing and the records' manifest.
TEXT.update({
    # keys
    "proof.not_public_key": {"en": "not an Ed25519 public key (PEM or base64 expected)",
                             "zh": "这不是 Ed25519 公钥(应为 PEM 或 base64 格式)"},
    "proof.public_not_ed25519": {"en": "the public key is not an Ed25519 key",
                                 "zh": "该公钥不是 Ed25519 密钥"},
    "proof.key_file_unreadable": {"en": "{path}: cannot be read ({kind})",
                                  "zh": "{path}:无法读取({kind})"},
    "proof.at_path": {"en": "{path}: {why}", "zh": "{path}:{why}"},
    "proof.legacy_key_hint": {"en": " (it still has the old shared key .keys/signing.key: "
                                    "'decomkit keys init' moves it out)",
                              "zh": "(其中仍有旧的共享密钥 .keys/signing.key:"
                                    "'decomkit keys init' 会把它移出工作区)"},
    "proof.no_key": {"en": "{root} has no signing key yet{hint}; run 'decomkit keys init {root}'",
                     "zh": "{root} 还没有签名密钥{hint};请运行 'decomkit keys init {root}'"},
    "proof.keyring_damaged": {"en": "{path} is damaged ({kind}); restore it from a backup or "
                                    "from the public keys you gave your auditors",
                              "zh": "{path} 已损坏({kind});请从备份恢复,或用您交给审计人员的"
                                    "公钥恢复"},
    "proof.key_mismatch": {"en": "{path}: key {key_id} does not match its public key",
                           "zh": "{path}:密钥 {key_id} 与其公钥不一致"},
    "proof.private_not_pem": {"en": "{where} is not an unencrypted PEM private key",
                              "zh": "{where} 不是未加密的 PEM 私钥"},
    "proof.private_not_ed25519": {"en": "{where} is not an Ed25519 key",
                                  "zh": "{where} 不是 Ed25519 密钥"},
    "proof.private_readable": {"en": "the private key {path} can be read by others (mode "
                                     "{mode}); run 'chmod 600 {path}' and try again",
                               "zh": "私钥 {path} 可被其他用户读取(权限 {mode});请运行 "
                                     "'chmod 600 {path}' 后重试"},
    "proof.key_file_inside": {"en": "{variable} points inside the workspace; keep the private "
                                    "key outside it (anyone who can read the workspace could "
                                    "sign with it)",
                              "zh": "{variable} 指向工作区之内;请把私钥放在工作区之外"
                                    "(能读取工作区的人都能用它签名)"},
    "proof.private_missing": {"en": "the private key of {root}'s signing key {key_id} is not at "
                                    "{path}; copy it there, set {variable}, or, if it is lost, "
                                    "run 'decomkit keys rotate {root} --lost' (what it signed "
                                    "still verifies)",
                              "zh": "{root} 的签名密钥 {key_id} 的私钥不在 {path};请把它复制到"
                                    "那里,或设置 {variable};如果私钥已丢失,请运行 'decomkit "
                                    "keys rotate {root} --lost'(它签过的内容仍可核验)"},
    "proof.private_other_key": {"en": "the private key found in {where} is key {found}, but "
                                      "{root} signs with key {key_id}; point {variable} at the "
                                      "right key",
                                "zh": "在 {where} 找到的私钥是密钥 {found},但 {root} 使用密钥 "
                                      "{key_id} 签名;请让 {variable} 指向正确的密钥"},
    "proof.new_key_file_inside": {"en": "{variable} points inside the workspace; choose a path "
                                        "outside it",
                                  "zh": "{variable} 指向工作区之内;请选择工作区之外的路径"},
    "proof.key_folder_inside": {"en": "the key folder {folder} is inside the workspace; set "
                                      "{variable} to a folder outside it",
                                "zh": "密钥文件夹 {folder} 位于工作区之内;请把 {variable} "
                                      "设为工作区之外的文件夹"},
    "proof.legacy_key_moved": {"en": "the old shared HMAC key {legacy} was moved out of the "
                                     "workspace to {kept}; backups and records signed with it "
                                     "no longer verify: run 02_backup again for each backed-up "
                                     "app and 'decomkit record DIR' to sign them with the new "
                                     "key",
                               "zh": "旧的共享 HMAC 密钥 {legacy} 已移出工作区,现位于 {kept};"
                                     "用它签名的备份和档案不再能通过核验:请为每个已备份的应用"
                                     "重新运行 02_backup,并运行 'decomkit record 目录',用新密钥"
                                     "重新签名"},
    "proof.unset_to_rotate": {"en": "unset {key_variable} and {file_variable} to rotate: the "
                                    "new key is written to {folder}; point them at it "
                                    "afterwards",
                              "zh": "轮换前请先清除 {key_variable} 和 {file_variable}:新密钥会"
                                    "写入 {folder};之后再让它们指向新密钥"},
    "proof.lost_key_note": {"en": "the old key was declared lost: the new key is not endorsed "
                                  "by it; tell your auditors the new fingerprint through a "
                                  "channel they trust: verification trusts an unendorsed key "
                                  "only when they pin it with --public-key",
                            "zh": "旧密钥已声明丢失:新密钥没有经过它的背书;请通过审计人员信任的"
                                  "渠道告诉他们新的指纹:未经背书的密钥,只有在审计人员用 "
                                  "--public-key 指定它时才会被信任"},
    "proof.key_unendorsed": {"en": "key {key_id} ({fingerprint}) in {registry} is not endorsed "
                                   "by an earlier key of this workspace (made with 'keys "
                                   "rotate --lost', or added by hand): it is trusted only when "
                                   "pinned with --public-key by someone who checked its "
                                   "fingerprint",
                             "zh": "{registry} 中的密钥 {key_id}({fingerprint})没有经过本工作区"
                                   "更早密钥的背书(由 'keys rotate --lost' 生成,或被手工添加):"
                                   "只有核对过其指纹的人用 --public-key 指定它时才会被信任"},
    "proof.signed_hmac": {"en": "it is signed with the old shared HMAC key, which anyone who "
                                "could read the workspace could use; sign it again with the "
                                "new key",
                          "zh": "它用旧的共享 HMAC 密钥签名,能读取工作区的人都能使用该密钥;"
                                "请用新密钥重新签名"},
    "proof.unsigned": {"en": "it carries no Ed25519 signature", "zh": "它没有 Ed25519 签名"},
    "proof.no_key_trusted": {"en": "none", "zh": "无"},
    "proof.untrusted_key": {"en": "it is signed by key {key_id} ({fingerprint}), which is not a "
                                  "trusted key (trusted: {known})",
                            "zh": "它由密钥 {key_id}({fingerprint})签名,但该密钥不受信任"
                                  "(受信任的有 {known})"},
    "proof.signature_changed": {"en": "the signature does not match its content under key "
                                      "{key_id}: it was changed after it was signed",
                                "zh": "在密钥 {key_id} 下,签名与内容不符:内容在签名后被改动过"},
    "proof.after_retired": {"en": "it is dated {at}, after key {key_id} was retired ({retired})",
                            "zh": "它的日期是 {at},晚于密钥 {key_id} 的停用时间({retired})"},
    # anchors
    "proof.anchor_holds_other": {"en": "{label} already holds a different checkpoint for row "
                                       "{seq}",
                                 "zh": "{label} 在第 {seq} 行已保存了另一个不同的校验点"},
    "proof.anchor_kind.folder": {"en": "folder {target}", "zh": "锚点文件夹 {target}"},
    "proof.anchor_kind.s3": {"en": "s3 {target}", "zh": "对象存储锚点 {target}"},
    "proof.anchor_kind.email": {"en": "email {target}", "zh": "邮件锚点 {target}"},
    "proof.anchor_kind.dingtalk": {"en": "dingtalk auditors' robot", "zh": "钉钉审计群机器人"},
    "proof.os_error": {"en": "system error {code}", "zh": "系统错误 {code}"},
    "proof.anchor_os_error": {"en": "{label}: {detail}", "zh": "{label}:写入失败({detail})"},
    "proof.anchor_folder_missing": {"en": "{label} cannot be read: the folder does not exist "
                                          "(it was removed, or nothing was published yet: run "
                                          "'decomkit ledger anchor DIR')",
                                    "zh": "无法读取 {label}:该文件夹不存在(已被删除,或尚未"
                                          "发布过:请运行 'decomkit ledger anchor 目录')"},
    "proof.anchor_failed": {"en": "{label}: {kind}", "zh": "{label}:发布失败({kind})"},
    "proof.anchor_unreadable": {"en": "{label} cannot be read ({kind})",
                                "zh": "无法读取 {label}({kind})"},
    "proof.anchor_said": {"en": "{label}: {why}", "zh": "{label}:{why}"},
    "proof.robot_no_token": {"en": "{label}: set DECOMKIT_AUDIT_ROBOT_TOKEN and "
                                   "DECOMKIT_AUDIT_ROBOT_SECRET",
                             "zh": "{label}:请设置环境变量 DECOMKIT_AUDIT_ROBOT_TOKEN 和 "
                                   "DECOMKIT_AUDIT_ROBOT_SECRET"},
    "proof.robot_blocked": {"en": "{label}: the robot is blocked by DingTalk (too many "
                                  "messages) until {until}; a later run publishes the latest "
                                  "checkpoint",
                            "zh": "{label}:机器人因消息过多被钉钉限制到 {until};之后的运行会"
                                  "发布最新的校验点"},
    "proof.robot_interval": {"en": "{label}: one message a minute; a later run publishes the "
                                   "latest checkpoint",
                             "zh": "{label}:每分钟最多发一条消息;之后的运行会发布最新的校验点"},
    "proof.robot_limit": {"en": "{label}: the robot's limit (errcode 410100); nothing is sent "
                                "for 10 minutes",
                          "zh": "{label}:机器人达到发送上限(错误码 410100);10 分钟内不再发送"},
    "proof.robot_errcode": {"en": "{label}: errcode {errcode}",
                            "zh": "{label}:钉钉返回错误码 {errcode}"},
    "proof.anchor_kind_wrong": {"en": "anchor kind '{kind}' is registered as {registered}, "
                                      "which is not a decomkit.proof.anchors.AnchorStore",
                                "zh": "锚点类型「{kind}」注册的是 {registered},它不是 "
                                      "decomkit.proof.anchors.AnchorStore"},
    # trust profiles
    "proof.profile_anchor_invalid": {"en": "{where}: an anchor it names is not valid ({n} "
                                           "problems)",
                                     "zh": "{where}:其中列出的一个锚点无效({n} 个问题)"},
    "proof.profile_fingerprint": {"en": "{path}: key {key_id} does not match its fingerprint",
                                  "zh": "{path}:密钥 {key_id} 与其指纹不一致"},
    "proof.profile_missing": {"en": "{path} does not exist; give the trust profile you were "
                                    "handed ('decomkit keys profile DIR' prints it)",
                              "zh": "{path} 不存在;请给出您拿到的信任配置"
                                    "('decomkit keys profile 目录' 会输出它)"},
    "proof.profile_unreadable": {"en": "{path} is not a decomkit trust profile ({kind}); ask "
                                       "for it again",
                                 "zh": "{path} 不是 decomkit 的信任配置({kind});请重新索取"},
    "proof.profile_signature": {"en": "{path}: {why}; ask for the trust profile again through "
                                      "a channel you trust",
                                "zh": "{path}:{why};请通过您信任的渠道重新索取信任配置"},
    # checkpoints and verifying the ledger
    "proof.not_checkpoint_line": {"en": "not a checkpoint line: {start}…; paste the whole "
                                        "'decomkit-checkpoint/1 …' line",
                                  "zh": "这不是校验点行:{start}…;请粘贴完整的 "
                                        "'decomkit-checkpoint/1 …' 行"},
    "proof.no_public_key": {"en": "{root} has no public key, so nothing in it is signed: run "
                                  "'decomkit keys init {root}' (an old workspace's shared key "
                                  ".keys/signing.key is moved out)",
                            "zh": "{root} 没有公钥,其中的内容都没有签名:请运行 'decomkit keys "
                                  "init {root}'(旧工作区的共享密钥 .keys/signing.key 会被移出)"},
    "proof.source.pasted": {"en": "the pasted checkpoint", "zh": "粘贴的校验点"},
    "proof.source.manifest": {"en": "the records' manifest", "zh": "档案清单"},
    "proof.the_ledger": {"en": "the ledger", "zh": "台账"},
    "proof.evidence": {"en": "{what} ({folder}/, {n} files)",
                       "zh": "{what}({folder}/,{n} 个文件)"},
    "proof.evidence.runs": {"en": "executed stage notebooks", "zh": "已执行的阶段笔记本"},
    "proof.evidence.backups": {"en": "backups", "zh": "备份"},
    "proof.evidence.records": {"en": "records", "zh": "档案"},
    "proof.evidence.anchors": {"en": "checkpoints at {anchors}", "zh": "{anchors} 处的校验点"},
    "proof.evidence.checkpoints": {"en": "signed checkpoints", "zh": "已签名的校验点"},
    "proof.ledger_gone": {"en": "the ledger is missing, but the workspace has {evidence}: it "
                                "was deleted; restore ledger.sqlite and ledger.head from a "
                                "backup",
                          "zh": "台账不存在,但工作区中有{evidence}:台账被删除了;请从备份恢复 "
                                "ledger.sqlite 和 ledger.head"},
    "proof.ledger_empty": {"en": "the ledger is empty, but the workspace has {evidence}: it "
                                 "was deleted; restore ledger.sqlite and ledger.head from a "
                                 "backup",
                           "zh": "台账是空的,但工作区中有{evidence}:台账内容被删除了;请从备份"
                                 "恢复 ledger.sqlite 和 ledger.head"},
    "proof.holds_checkpoint": {"en": "{source} holds checkpoint row {seq} ({time}, head "
                                     "{head}…)",
                               "zh": "{source}保存着第 {seq} 行的校验点({time},链头 {head}…)"},
    "proof.ledger_deleted": {"en": "{where}, but the ledger is missing or empty: it was deleted",
                             "zh": "{where},但台账不存在或是空的:它被删除了"},
    "proof.ledger_shortened": {"en": "{where}, but the ledger ends at row {last}: rows were "
                                     "removed (the ledger was shortened or rewritten)",
                               "zh": "{where},但台账止于第 {last} 行:有行被删除(台账被截短或"
                                     "改写)"},
    "proof.ledger_rewritten": {"en": "{where}, but the ledger's row {seq} hashes to {hash}…: "
                                     "the ledger was rewritten at or before row {seq}",
                               "zh": "{where},但台账第 {seq} 行的哈希是 {hash}…:台账在第 {seq} "
                                     "行或之前被改写过"},
    "proof.id_changed": {"en": "the workspace calls itself {workspace_id} in "
                               "keys/public-keys.json, but the trust profile {where} names "
                               "workspace {trusted}: its id was changed",
                         "zh": "工作区在 keys/public-keys.json 中自称 {workspace_id},但信任配置 "
                               "{where} 记的工作区是 {trusted}:工作区 ID 被改过"},
    "proof.anchor_unlisted": {"en": "the trust profile names {label}, which decomkit.toml no "
                                    "longer lists: checked there all the same",
                              "zh": "信任配置列出了 {label},但 decomkit.toml 中已没有它:"
                                    "仍照样在那里核对"},
    "proof.anchor_unpinned": {"en": "decomkit.toml lists {label}, which the trust profile does "
                                    "not name: ask for the profile again ('decomkit keys "
                                    "profile DIR')",
                              "zh": "decomkit.toml 中列出了 {label},但信任配置中没有它:请重新"
                                    "索取信任配置('decomkit keys profile 目录')"},
    "proof.anchor_needed": {"en": "{why}; verification needs every readable anchor",
                            "zh": "{why};核验需要读到每一个可读回的锚点"},
    "proof.anchor_write_only": {"en": "{label} cannot be read back by the kit: paste the "
                                      "checkpoint lines it received with --checkpoint",
                                "zh": "本工具无法读回 {label}:请用 --checkpoint 粘贴它收到的"
                                      "校验行"},
    "proof.anchor_empty": {"en": "{label}, named by the trust profile, holds no checkpoint of "
                                 "workspace {workspace_id} while the ledger has {n}: the "
                                 "workspace publishes elsewhere, or the anchor was never "
                                 "published to ('decomkit ledger anchor DIR')",
                           "zh": "信任配置列出的 {label} 中没有工作区 {workspace_id} 的任何"
                                 "校验点,而台账中有 {n} 个:工作区发布到了别处,或从未向该锚点"
                                 "发布过('decomkit ledger anchor 目录')"},
    "proof.anchor_lost": {"en": "{label} no longer holds checkpoints it took: rows {rows} "
                                "(someone removed them there)",
                          "zh": "{label} 中已没有它收到过的校验点:第 {rows} 行(有人在那里把它们"
                                "删除了)"},
    "proof.not_a_checkpoint": {"en": "{source}: {where} is not a checkpoint",
                               "zh": "{source}:{where} 不是校验点"},
    "proof.other_workspace": {"en": "{source} is of workspace {other}, but the ledger is "
                                    "checked as workspace {workspace_id}: one of the two ids "
                                    "was changed",
                              "zh": "{source}属于工作区 {other},但台账是按工作区 {workspace_id} "
                                    "核验的:两个 ID 中有一个被改过"},
    "proof.checkpoint_signature": {"en": "{source} holds checkpoint row {seq} whose signature "
                                         "fails: {why}",
                                   "zh": "{source}保存的第 {seq} 行校验点签名无效:{why}"},
    "proof.local_checkpoint": {"en": "the ledger's checkpoint of row {seq}: {why}",
                               "zh": "台账中第 {seq} 行的校验点:{why}"},
    "proof.another_workspace": {"en": "it belongs to another workspace",
                                "zh": "它属于另一个工作区"},
    "proof.transitions_unsigned": {"en": "transition rows {rows} have no signed checkpoint "
                                         "(checkpoints were deleted, or rows were added "
                                         "without the key)",
                                   "zh": "状态变更行(第 {rows} 行)没有已签名的校验点(校验点被"
                                         "删除,或有行是在没有密钥的情况下添加的)"},
    "proof.tail_unsigned": {"en": "{rows} came after the last signed checkpoint (row {last}): "
                                  "unsigned, added without the key; read them, then restore "
                                  "the ledger or adopt them by name ('decomkit ledger anchor "
                                  "DIR --adopt-unsigned NAME')",
                            "zh": "{rows}位于最后一个已签名校验点(第 {last} 行)之后:没有签名,"
                                  "是在没有密钥的情况下添加的;请先阅读这些行,然后从备份恢复台账,"
                                  "或署名认可它们('decomkit ledger anchor 目录 --adopt-unsigned "
                                  "姓名')"},
    "proof.known_elsewhere": {"en": "{label} holds {n} checkpoints ({rows}) signed by this "
                                    "workspace's key under another workspace id, {other}: the "
                                    "workspace id was changed (it is {workspace_id} here)",
                              "zh": "{label} 中有 {n} 个校验点({rows})由本工作区的密钥签名,"
                                    "却属于另一个工作区 ID {other}:工作区 ID 被改过(这里是 "
                                    "{workspace_id})"},
    # the ledger
    "proof.rows_unsigned": {"en": "{path}: {rows} came after the last signed checkpoint: "
                                  "someone added them without the signing key. Nothing more is "
                                  "written or signed until a person has read them ('decomkit "
                                  "ledger verify DIR') and either restored the ledger from a "
                                  "backup or adopted them by name: 'decomkit ledger anchor DIR "
                                  "--adopt-unsigned NAME'",
                            "zh": "{path}:{rows}位于最后一个已签名校验点之后:有人在没有签名密钥的"
                                  "情况下添加了它们。在有人阅读这些行('decomkit ledger verify "
                                  "目录')并从备份恢复台账、或署名认可它们('decomkit ledger "
                                  "anchor 目录 --adopt-unsigned 姓名')之前,不再写入或签名任何"
                                  "内容"},
    "proof.move_to": {"en": "move to '{state}'", "zh": "转入「{state}」状态"},
    "proof.unknown_state": {"en": "unknown state; use one of {states}",
                            "zh": "未知的状态;只能是以下之一:{states}"},
    "proof.grant_other": {"en": "the grant is for '{action}' of {app}",
                          "zh": "这份授权针对的是 {app} 的「{action}」"},
    "proof.changed_since": {"en": " (changed since the run was authorized)",
                            "zh": "(在本次运行获得授权之后发生了变化)"},
    "proof.action_unbacked": {"en": "{path}: the action {action_key} is recorded as "
                                    "'{status}', but no signed ledger row says so ({found}): "
                                    "the actions table was changed by hand. Restore the ledger "
                                    "from a backup; nothing was done",
                              "zh": "{path}:操作 {action_key} 记录的状态是「{status}」,但没有任何"
                                    "已签名的台账行这样记载({found}):操作表被人手工改动过。"
                                    "请从备份恢复台账;本次没有执行任何操作"},
    "proof.action_says": {"en": "it says {found}", "zh": "台账记的是「{found}」"},
    "proof.action_unmentioned": {"en": "none mentions it", "zh": "台账中没有提到它"},
    "proof.action_vanished": {"en": "the action {action_key} vanished from the ledger",
                              "zh": "操作 {action_key} 从台账中消失了"},
    "proof.result_needed.submit_approval": {
        "en": "a request that took effect needs its instance id: give it with --result (find "
              "it in the OA approval admin)",
        "zh": "已生效的申请需要它的审批实例 ID:请用 --result 给出(可在 OA 审批管理后台查到)"},
    # the backup target
    "custody.out_of_space": {"en": "the backup target {url} is out of space while writing "
                                   "{path}; free space (or choose another target) and run the "
                                   "backup again",
                             "zh": "写入 {path} 时备份目标 {url} 空间已满;请腾出空间(或换一个"
                                   "备份目标)后重新运行备份"},
    "custody.cannot_write": {"en": "cannot write {path} to {url}: {detail}",
                             "zh": "无法把 {path} 写入 {url}({detail})"},
    "custody.verified_without_backup": {"en": "{app} is verified without a backup",
                                        "zh": "{app} 已标记为备份核验通过,但台账中没有它的备份"},
    # records: PDF printing and verifying a records folder
    "record.no_browser": {"en": "--pdf needs Chromium: install Debian's chromium (apt-get "
                                "install chromium) or Google Chrome, then render the records "
                                "again",
                          "zh": "--pdf 需要 Chromium:请安装 Debian 的 chromium(apt-get install "
                                "chromium)或 Google Chrome,然后重新生成档案"},
    "record.pdf_timeout": {"en": "Chromium did not print {page} within {seconds} s",
                           "zh": "Chromium 未能在 {seconds} 秒内打印 {page}"},
    "record.pdf_failed": {"en": "Chromium could not print {page} (exit {code}): {tail}",
                          "zh": "Chromium 无法打印 {page}(退出码 {code}):{tail}"},
    "record.not_verified": {"en": "{root} does not verify:", "zh": "{root} 未通过核验:"},
    "record.manifest_hmac": {"en": "{name}: it was made before records were signed with the "
                                   "workspace's Ed25519 key; render the records again with "
                                   "'decomkit record DIR'",
                             "zh": "{name}:它生成于档案改用工作区 Ed25519 密钥签名之前;请用 "
                                   "'decomkit record 目录' 重新生成档案"},
    "record.file_problem": {"en": "{name}: {why}", "zh": "{name}:{why}"},
    "record.manifest_checkpoint": {"en": "{name}: its ledger checkpoint: {why}",
                                   "zh": "{name}:其中的台账校验点:{why}"},
    "record.symlink": {"en": "{name}: a symbolic link (a record holds plain files only); "
                             "remove it",
                       "zh": "{name}:这是符号链接(档案中只能有普通文件);请删除它"},
    "record.file_missing": {"en": "{name}: missing", "zh": "{name}:缺失"},
    "record.file_changed": {"en": "{name}: changed since the record was made",
                            "zh": "{name}:在档案生成后被改动过"},
    "record.file_added": {"en": "{name}: added after the record was made",
                          "zh": "{name}:是档案生成后添加的"},
    "record.against_ledger": {"en": "against the workspace's ledger: {why}",
                              "zh": "与工作区台账核对:{why}"},
})

# What the verification of a backup found (custody/verify.py), read back from its target.
TEXT.update({
    "custody.v.manifest_unreadable": {"en": "{manifest} cannot be read ({kind})",
                                      "zh": "无法读取 {manifest}({kind})"},
    "custody.v.signature": {"en": "{manifest}: the signature does not match: the manifest was "
                                  "changed after the backup, or signed with another key ({why})",
                            "zh": "{manifest}:签名不符:清单在备份之后被改动过,或由另一把密钥签名"
                                  "({why})"},
    "custody.v.not_recorded": {"en": "{manifest} is not the manifest recorded in the ledger",
                               "zh": "{manifest} 不是台账中记录的那份清单"},
    "custody.v.unexpected": {"en": "{path}: unexpected file in the backup",
                             "zh": "{path}:备份中多出了清单之外的文件"},
    "custody.v.missing": {"en": "missing from the backup", "zh": "备份中缺少该文件"},
    "custody.v.empty": {"en": "is empty (0 bytes)", "zh": "是空文件(0 字节)"},
    "custody.v.size_short": {"en": "is {size} bytes, the manifest says {expected} (truncated?)",
                             "zh": "大小为 {size} 字节,清单记录为 {expected} 字节(可能被截断)"},
    "custody.v.size_long": {"en": "is {size} bytes, the manifest says {expected} (written to "
                                  "since?)",
                            "zh": "大小为 {size} 字节,清单记录为 {expected} 字节"
                                  "(可能在备份后被写入)"},
    "custody.v.digest": {"en": "content differs from the manifest (SHA-256)",
                         "zh": "内容与清单不符(SHA-256 不一致)"},
    "custody.v.unreadable": {"en": "cannot be read back as a table ({kind})",
                             "zh": "无法作为数据表读回({kind})"},
    "custody.v.file": {"en": "{path}: {problem}", "zh": "{path}:{problem}"},
    "custody.v.no_files": {"en": "the backup holds no files", "zh": "备份中没有任何文件"},
    "custody.v.restore_failed": {"en": "{path}: restore failed: {error}",
                                 "zh": "{path}:恢复失败:{error}"},
    "custody.v.ragged": {"en": "rows have more fields than the header",
                         "zh": "有些行的字段比表头多"},
    "custody.v.no_rows": {"en": "{path}: restored 0 rows", "zh": "{path}:恢复出 0 行"},
    "custody.v.rows": {"en": "{path}: restored {rows} rows, the source had {source}",
                       "zh": "{path}:恢复出 {rows} 行,源数据有 {source} 行"},
    "custody.v.columns": {"en": "{path}: restored columns differ from the source: {columns}",
                          "zh": "{path}:恢复出的列与源数据不一致:{columns}"},
})

# Platforms (lib/decomkit/platforms/): what a platform call's refusal says. A DingTalk answer's
# own words (errmsg, message) are passed through inside the sentence as DingTalk wrote them.
TEXT.update({
    "platform.retryable": {
        "en": "platform call '{operation}' failed: {detail} (it may succeed if retried)",
        "zh": "平台操作「{operation}」失败:{detail}(稍后重试可能会成功)"},
    "platform.retryable_unnamed": {"en": "platform call failed: {detail} (it may succeed if "
                                         "retried)",
                                   "zh": "平台操作失败:{detail}(稍后重试可能会成功)"},
    "platform.list_separator": {"en": "; ", "zh": ";"},
    "platform.or": {"en": " or ", "zh": " 或 "},
    "platform.nobody": {"en": "nobody", "zh": "无人"},
    # DingTalk's answers
    "platform.answered": {"en": "{text}", "zh": "钉钉答复:{text}"},
    "platform.refused": {"en": "HTTP {status} {code}: {message}",
                         "zh": "钉钉答复 HTTP {status} {code}:{message}"},
    "platform.grant_permission": {
        "en": "{refused} (grant the app the permission in the developer console)",
        "zh": "{refused}(请在开发者后台为应用授予该权限)"},
    "platform.not_json": {
        "en": "DingTalk answered HTTP {status} with a body that is not JSON (a proxy or gateway "
              "in between?)",
        "zh": "钉钉答复 HTTP {status},但内容不是 JSON(中间是否隔着代理或网关?)"},
    "platform.ip_banned": {
        "en": "DingTalk refused this machine's IP (HTTP {status}, banned for about {minutes} "
              "minutes after too many calls from it); wait, then run again",
        "zh": "钉钉拒绝了本机的 IP(HTTP {status}:本机调用过多,约封禁 {minutes} 分钟);"
              "请等待之后再运行"},
    "platform.network": {"en": "network error: {error}", "zh": "网络错误:{error}"},
    "platform.no_answer": {"en": "no answer in time", "zh": "未能及时收到答复"},
    "platform.connection_lost": {"en": "the connection was lost before the answer",
                                 "zh": "收到答复之前连接已断开"},
    "platform.unknown_effect": {"en": "{what}; whether it took effect is unknown",
                                "zh": "{what};无法得知操作是否已生效"},
    "platform.rate_limited": {
        "en": "{detail} (rate limit: waited out its {window}-second window between tries)",
        "zh": "{detail}(触发限流:每次重试之前都已等过 {window} 秒的限流窗口)"},
    "platform.quota": {
        "en": "{code}: the organisation's monthly DingTalk API call quota is used up; calls work "
              "again next month (or after the quota is raised in the developer console)",
        "zh": "{code}:本组织本月的钉钉接口调用额度已用完;下个月(或在开发者后台提高额度之后)"
              "才能再次调用"},
    "platform.token_refused": {
        "en": "the access token was refused twice; check the app key and secret",
        "zh": "访问令牌连续两次被拒绝;请检查 DECOMKIT_DINGTALK_APP_KEY 和 "
              "DECOMKIT_DINGTALK_APP_SECRET"},
    "platform.page_token": {"en": "page token", "zh": "分页标记"},
    "platform.cursor": {"en": "cursor", "zh": "游标"},
    "platform.page_again": {
        "en": "{what}: DingTalk said there are more but gave the {token_name} {token} again "
              "(or none)",
        "zh": "{what}:钉钉说还有下一页,却再次给出了{token_name} {token}"},
    "platform.page_none": {
        "en": "{what}: DingTalk said there are more but gave no {token_name}",
        "zh": "{what}:钉钉说还有下一页,却没有给出{token_name}"},
    "platform.too_many_pages": {"en": "{what}: more than {pages} pages",
                                "zh": "{what}:超过 {pages} 页"},
    "platform.endless": {
        "en": "{detail}; the listing would never end, so it was stopped and nothing was taken "
              "from it. Report it to DingTalk support, then run again",
        "zh": "{detail};这份列表读不到尽头,已停止读取,其中的内容一概未采用。"
              "请报告钉钉客服,然后再运行一次"},
    "platform.what.approvals": {"en": "the approval requests since the send",
                                "zh": "发出以来的审批申请"},
    "platform.what.roles": {"en": "app {agent}'s roles", "zh": "应用 {agent} 的角色"},
    "platform.what.people": {"en": "department {dept}'s people", "zh": "部门 {dept} 的人员"},
    # DingTalk: ids, settings, the console
    "platform.no_agent_id": {
        "en": "app '{app}' has no DingTalk agentId: use the agentId as the app id, or map it "
              "under [dingtalk.agent_ids] in decomkit.toml",
        "zh": "应用「{app}」没有钉钉 agentId:请用 agentId 作为应用 ID,或在 decomkit.toml 的 "
              "[dingtalk.agent_ids] 下为它配置"},
    "platform.no_such_agent": {"en": "no app with agentId {agent} in this organisation",
                               "zh": "本组织中没有 agentId 为 {agent} 的应用"},
    "platform.not_an_id": {"en": "{name} {value} is not a DingTalk id; nothing was sent",
                           "zh": "{name} {value} 不是钉钉 ID;什么都没有发送"},
    "platform.not_department_ids": {
        "en": "{bad} of {all} department ids are not DingTalk ids (numbers, not names); use each "
              "department's id from the admin console",
        "zh": "{all} 个部门 ID 中有 {bad} 个不是钉钉 ID(应为数字,而不是名称);"
              "请使用管理后台中各部门的 ID"},
    "platform.not_role_ids": {
        "en": "{bad} of {all} role ids are not DingTalk ids (numbers, not names); use each "
              "role's id from the admin console",
        "zh": "{all} 个角色 ID 中有 {bad} 个不是钉钉 ID(应为数字,而不是名称);"
              "请使用管理后台中各角色的 ID"},
    "platform.dingtalk_approvers": {
        "en": "on DingTalk approvers act in the DingTalk app itself; track the request with "
              "03_approval",
        "zh": "在钉钉上,审批人在钉钉应用里审批;请用 03_approval 跟踪这条申请"},
    "platform.not_self_built": {
        "en": "not a self-built app (only those can be disabled by API)",
        "zh": "不是企业自建应用(只有自建应用能通过接口停用)"},
    "platform.disable_answer": {"en": "{message}", "zh": "钉钉没有接受停用:{message}"},
    "platform.disable_unsuccessful": {"en": "success = false",
                                      "zh": "钉钉答复停用未成功(success = false)"},
    "platform.disable_by_hand": {
        "en": "the disable API did not take it ({detail}); disable it in the admin console "
              "(应用管理 → 停用), then confirm the step",
        "zh": "停用接口没有完成停用({detail});请在管理后台(应用管理 → 停用)停用该应用,"
              "然后确认这一步"},
    "platform.enable_by_hand": {
        "en": "DingTalk has no API to re-enable an app: open the admin console (应用管理), find "
              "it and click 启用, then confirm",
        "zh": "钉钉没有重新启用应用的接口:请打开管理后台(应用管理),找到该应用并点击「启用」,"
              "然后确认"},
    "platform.unlink_by_hand": {
        "en": "DingTalk has no API to end a free association: 应用管理 → the app → 解除关联, "
              "then confirm",
        "zh": "钉钉没有解除免费关联的接口:请在管理后台进入 应用管理 → 该应用 → 解除关联,"
              "然后确认"},
    "platform.no_template": {
        "en": "no approval template: run 'decomkit dingtalk create-template WORKSPACE' (or set "
              "dingtalk.process_code)",
        "zh": "还没有审批模板:请运行 'decomkit dingtalk create-template 工作区'"
              "(或设置 dingtalk.process_code)"},
    "platform.form_mismatch": {
        "en": "the approval template {code} does not match the kit's form: {problems}. Run "
              "'decomkit dingtalk create-template WORKSPACE' to update it, or add the fields in "
              "the OA approval admin (审批管理后台)",
        "zh": "审批模板 {code} 与本工具的表单不一致:{problems}。请运行 "
              "'decomkit dingtalk create-template 工作区' 更新它,或在审批管理后台添加这些字段"},
    "platform.form_missing": {"en": "missing field '{label}'", "zh": "缺少字段「{label}」"},
    "platform.form_kind": {
        "en": "field '{label}' is a {kind}, which does not take text (use {accepts})",
        "zh": "字段「{label}」是 {kind},不能填写文本(请改用 {accepts})"},
    "platform.no_department": {
        "en": "user {user} belongs to no department; set dingtalk.dept_id in decomkit.toml",
        "zh": "用户 {user} 不属于任何部门;请在 decomkit.toml 中设置 dingtalk.dept_id"},
    "platform.earlier_send": {
        "en": "an earlier send under {send} got no answer; whether it took effect is unknown. It "
              "is not sent again: run the stage again to ask DingTalk, or check and record it "
              "with 'decomkit settle WORKSPACE {settle}'",
        "zh": "之前以 {send} 发出的请求没有收到答复,无法得知是否已生效。它不会再次发送:"
              "请重新运行本阶段向钉钉查询,或核实后用 'decomkit settle 工作区 {settle}' 记录结果"},
    "platform.template_lookup": {
        "en": "could not find out whether the template {name} exists ({detail}); nothing was "
              "created: run it again later",
        "zh": "无法确认模板「{name}」是否已存在({detail});没有创建任何模板:请稍后再运行"},
    "platform.no_notify_agent": {
        "en": "work notifications are sent by an app: set dingtalk.agent_id in decomkit.toml to "
              "its agentId",
        "zh": "工作通知由应用发送:请在 decomkit.toml 中把 dingtalk.agent_id 设为该应用的 agentId"},
    "platform.nobody_to_notify": {
        "en": "nobody to notify: no users and no departments (check the saved visible scope and "
              "the users table)",
        "zh": "没有可通知的人:既没有用户也没有部门(请检查保存的可见范围和用户表)"},
    "platform.no_robot": {"en": "set DECOMKIT_ROBOT_TOKEN and DECOMKIT_ROBOT_SECRET",
                          "zh": "请设置环境变量 DECOMKIT_ROBOT_TOKEN 和 DECOMKIT_ROBOT_SECRET"},
    "platform.robot_blocked": {
        "en": "deferred: the robot is blocked by DingTalk after too many messages (errcode "
              "410100) until {until}; nothing was sent. Run the stage again after that time to "
              "send it",
        "zh": "已推迟:群机器人消息过多,被钉钉封禁到 {until}(errcode 410100);什么都没有发送。"
              "请在该时间之后重新运行本阶段来发送"},
    # the DingTalk import
    "platform.import_agent_id": {
        "en": "the app list holds an app whose agentId is not a number ({agent}, name {name}); "
              "nothing was imported",
        "zh": "应用列表中有一个应用的 agentId 不是数字({agent},名称 {name});没有导入任何内容"},
    "platform.root_dept": {"en": "(the root)", "zh": "根部门"},
    "platform.dept_cycle": {
        "en": "the department tree has a cycle: department {dept} ({where}) is listed again "
              "under {under}; fix the tree in the admin console (通讯录), then run the import "
              "again; nothing was imported",
        "zh": "部门树中有环:部门 {dept}({where})又出现在「{under}」之下;"
              "请在管理后台(通讯录)修正部门树,然后重新导入;没有导入任何内容"},
    "platform.undocumented_answer": {
        "en": "DingTalk answered without a documented field ({error})",
        "zh": "钉钉的答复缺少文档中规定的字段({error})"},
    "platform.unknown_tables": {"en": "names unknown tables ({n})", "zh": "含有 {n} 个未知的表名"},
    "platform.no_tables": {"en": "is empty", "zh": "为空"},
    "platform.use_tables": {"en": "use any of {tables}", "zh": "请从这些表中选择:{tables}"},
    "platform.view_from_workspace": {
        "en": "the assessment's view is built over the stage's platform (assessment_reads), not "
              "from a workspace",
        "zh": "评估视图只能建立在本阶段的平台之上,不能直接从工作区创建"},
    "platform.view_read_only": {"en": "the assessment's read-only view changes nothing",
                                "zh": "评估用的只读视图不做任何更改"},
    # the manual platform, the sandbox, what every platform checks
    "platform.not_in_inventory": {"en": "no app '{app}' in the inventory",
                                  "zh": "清单中没有应用「{app}」"},
    "platform.no_approval": {"en": "no approval '{instance}'", "zh": "没有审批「{instance}」"},
    "platform.empty_comment": {"en": "the comment is empty; write the answer",
                               "zh": "评论为空;请写下答复"},
    "platform.attachment_missing": {
        "en": "attachment {file} is not a file; give the path of the file to attach",
        "zh": "附件 {file} 不是文件;请给出要附上的文件的路径"},
    "platform.admins_only": {
        "en": "{app} is visible to admins only: people added to its scope still cannot open it; "
              "open it in the console first",
        "zh": "{app} 仅管理员可见:加入其可见范围的人仍然打不开它;请先在管理后台开放它"},
    "platform.open_to_everyone": {
        "en": "everyone can open {app} already (its visible scope names nobody); adding people "
              "would narrow it to them",
        "zh": "所有人都已能打开 {app}(其可见范围没有指定任何人);"
              "再添加人员反而会把范围缩小到这些人"},
    "platform.no_sandbox": {
        "en": "no sandbox state at {path}; create it with 'decomkit demo DIR' or "
              "'decomkit init DIR'",
        "zh": "{path} 处没有沙箱状态;请用 'decomkit demo 目录' 或 'decomkit init 目录' 创建"},
    "platform.sandbox_no_evidence": {
        "en": "the sandbox's approvers act through the kit: no evidence file (--evidence is for "
              "the manual platform)",
        "zh": "沙箱的审批人通过本工具审批:不需要证据文件(--evidence 用于手工平台)"},
    "platform.own_request": {
        "en": "the requester cannot approve their own request; ask an approver in the chain",
        "zh": "申请人不能审批自己的申请;请让审批链中的审批人审批"},
    "platform.request_is": {"en": "the request is {status}", "zh": "该申请{status}"},
    "platform.not_next_approver": {"en": "{user} is not the next approver (waiting for {next})",
                                   "zh": "{user} 不是下一位审批人(正在等待:{next})"},
    "platform.no_approvers": {
        "en": "the request names no approvers; set [[approval.chain]] in decomkit.toml",
        "zh": "申请中没有审批人;请在 decomkit.toml 中设置 [[approval.chain]]"},
    "platform.withdraw_not_running": {
        "en": "only a running request can be withdrawn; this one is {status}",
        "zh": "只有审批中的申请才能撤回;该申请{status}"},
    "platform.comment_not_running": {
        "en": "only a running request takes a comment; this one is {status}",
        "zh": "只有审批中的申请才能评论;该申请{status}"},
    "platform.not_in_request": {"en": "{user} neither asked for nor approves this request",
                                "zh": "{user} 既不是这条申请的申请人,也不是它的审批人"},
    "platform.told_to_fail": {"en": "the sandbox was told to fail this call",
                              "zh": "沙箱按设定让这次调用失败"},
    "platform.not_in_sandbox": {
        "en": "no app '{app}' on the sandbox platform; check the app id against "
              "'decomkit status'",
        "zh": "沙箱平台上没有应用「{app}」;请对照 'decomkit status' 核对应用 ID"},
    # choosing a platform
    "platform.try_sandbox": {
        "en": "{error}; set platform = \"sandbox\" in decomkit.toml to rehearse locally",
        "zh": "{error};如要在本地演练,请在 decomkit.toml 中设置 platform = \"sandbox\""},
    "platform.not_a_platform": {
        "en": "platform '{name}' is registered as {value}, which is not a "
              "decomkit.platforms.base.Platform",
        "zh": "平台「{name}」登记的是 {value},它不是 decomkit.platforms.base.Platform"},
})

# Lifecycle, running, configuration and core errors (locks, unsettled actions, decomkit.toml,
# migration maps, vendor notices, batch options …), said in each language (``core.said``).
TEXT.update({
    "core.busy": {
        "en": "cannot {what}: {holder} holds it now; wait until it finishes (or stop it), then "
              "run again",
        "zh": "无法{what}:{holder}正在占用;请等它结束(或停止它)后再运行。"},
    "core.lock_holder": {"en": "another run ({what}, process {pid}, since {since})",
                         "zh": "另一个运行({what},进程 {pid},开始于 {since})"},
    "core.lock_holder_unknown": {"en": "another run", "zh": "另一个运行"},
    "core.lock.batch": {"en": "run a batch on this workspace", "zh": "在本工作区运行批处理"},
    "core.lock.action": {"en": "perform a platform action for {app}",
                         "zh": "为 {app} 执行平台操作"},
    "core.lock.answer_approvers": {"en": "answer the approvers of {app}",
                                   "zh": "答复 {app} 的审批人"},
    "core.lock.disable": {"en": "disable {app}", "zh": "停用 {app}"},
    "core.lock.retry_notifications": {"en": "retry the notifications of {app}",
                                      "zh": "重发 {app} 的通知"},
    "core.lock.grant_replacement": {"en": "grant access to the replacement of {app}",
                                    "zh": "开通 {app} 替代应用的权限"},
    "core.lock.re_enable": {"en": "roll back {app}", "zh": "恢复启用 {app}"},
    "core.lock.back_up": {"en": "back up {app}", "zh": "备份 {app}"},
    "core.lock.notify_in_advance": {"en": "send the advance notice of {app}",
                                    "zh": "发送 {app} 的停用预告"},
    "core.lock.notify_vendor": {"en": "record the vendor notice of {app}",
                                "zh": "记录 {app} 的供应商通知"},
    "core.lock.request_approval": {"en": "request approval for {app}",
                                   "zh": "为 {app} 发起审批"},
    "core.lock.withdraw": {"en": "withdraw the request of {app}", "zh": "撤回 {app} 的申请"},
    "core.unsettled": {
        "en": "'{operation}' under key {action_key} was started by a run that did not finish, "
              "and the platform cannot tell whether it took effect. Check on the platform, then "
              "run: decomkit settle WORKSPACE KEY --happened (or --did-not-happen), and run "
              "this stage again",
        "zh": "键为 {action_key} 的操作「{operation}」由一次未完成的运行发起,平台无法确认它是否"
              "已生效。请在平台上核实,然后运行:decomkit settle 工作区 键 --happened(或 "
              "--did-not-happen),再重新运行本阶段。"},
    "life.migrate.no_map": {
        "en": "no migration map '{name}'; available: {available} (templates/migration/*.yaml)",
        "zh": "没有名为「{name}」的迁移映射;可用的有:{available}(见 templates/migration/*.yaml)。"},
    "life.migrate.key_missing": {"en": "{file}: '{key_name}' is missing",
                                 "zh": "{file} 缺少「{key_name}」;请在映射文件中补上。"},
    "life.migrate.dataset_parts": {
        "en": "{file}: dataset '{dataset}' needs 'output' and 'columns'",
        "zh": "{file}:数据集「{dataset}」需要写明 output 和 columns。"},
    "life.migrate.values": {
        "en": "{file}: dataset '{dataset}', values of '{column}': name a mapped column and give "
              "source value → target value pairs",
        "zh": "{file}:数据集「{dataset}」中「{column}」的 values 有误;请写已映射的列名,并给出"
              "「源值 → 目标值」的对应。"},
    "life.migrate.not_a_number": {"en": "{where}: {value} is not a number",
                                  "zh": "{where}:{value} 不是数字;请在导出文件中更正。"},
    "life.migrate.unmapped_value": {
        "en": "{where}, row {row}, column {column}: value {value} has no target value in the "
              "map's values (known: {known})",
        "zh": "{where},第 {row} 行,列「{column}」:值 {value} 在映射的 values 中没有对应的目标值"
              "(已有:{known});请在映射中补上,或更正导出文件。"},
    "life.migrate.other_app": {"en": "map '{map}' is for app {source}, not {app}",
                               "zh": "映射「{map}」属于应用 {source},不属于 {app};请选用 {app} 的"
                                     "映射。"},
    "life.migrate.no_export": {
        "en": "dataset {dataset}: its export is missing or not inside exports/{app}/; fix "
              "datasets.export_file",
        "zh": "数据集 {dataset}:导出文件不存在,或不在 exports/{app}/ 中;请更正数据集表的 "
              "export_file。"},
    "life.migrate.not_a_table": {
        "en": "{file}: not a CSV, XLSX or JSON export, so it cannot be converted",
        "zh": "{file} 不是 CSV、XLSX 或 JSON 导出文件,无法转换;请重新导出。"},
    "life.migrate.columns_missing": {
        "en": "{file}: columns {columns} named in {map}.yaml are not in the export",
        "zh": "{file}:{map}.yaml 中写的列 {columns} 不在导出文件中;请更正映射或重新导出。"},
    "life.migrate.drops_state": {
        "en": "map '{map}' (templates/migration/{map}.yaml), dataset {dataset}: it drops the "
              "column {columns} of {file}, which holds each document's state (open or closed); "
              "the target would take open documents for finished ones. Map it to the target's "
              "status column",
        "zh": "映射「{map}」(templates/migration/{map}.yaml),数据集 {dataset}:它丢掉了 {file} "
              "中的列 {columns},而该列记录每张单据的状态(未结或已结);目标系统会把未结单据当作已"
              "完成。请把它映射到目标系统的状态列。"},
    "life.verb.decide": {"en": "record the decision", "zh": "记录决定"},
    "life.verb.record_choice": {"en": "record '{chosen}'", "zh": "记录决定「{label}」"},
    "life.decision_unknown": {"en": "decision must be one of {choices} (got {got})",
                              "zh": "decision 只能是 {zh_choices} 之一(当前为 {got})。"},
    "life.override_needed": {
        "en": "it differs from the recommendation '{recommendation}'; give override_reason (a "
              "sentence of at least {least} characters)",
        "zh": "它与建议「{label}」不同;请填写 override_reason(至少 {least} 个字的一句话)。"},
    "life.disable_time_unreadable": {"en": "the disable's time {time} is unreadable",
                                     "zh": "停用时间 {time} 无法读取;请检查台账。"},
    "life.advance_failed": {
        "en": "{app}: the advance notice failed on {channel} ({error}); nothing was changed on "
              "the platform. Fix the channel and run again",
        "zh": "{app}:通过{channel}发送停用预告失败({error});平台上未做任何变更。请修复该渠道后"
              "重新运行。"},
    "life.before_failed": {
        "en": "{app}: telling users before the change failed on {channel} ({error}); nothing "
              "was changed on the platform. Fix the channel and run again",
        "zh": "{app}:变更前通过{channel}通知用户失败({error});平台上未做任何变更。请修复该渠道"
              "后重新运行。"},
    "life.planned_date": {
        "en": "parameter 'planned_date' is not a date; write it as YYYY-MM-DD or leave it empty "
              "for the first day that gives notify.advance_days of notice",
        "zh": "参数 planned_date 不是日期;请写成 YYYY-MM-DD,或留空以取满足 "
              "notify.advance_days 提前通知天数的第一天。"},
    "life.no_such_datasets": {"en": "{app} has no datasets named {unknown}; it has: {known}",
                              "zh": "{app} 没有名为 {unknown} 的数据集;它有:{known}。"},
    "life.vendor.no_contract": {
        "en": "{app} has no contract in the contracts table: there is no vendor to notify",
        "zh": "合同表中没有 {app} 的合同:没有需要通知的供应商。"},
    "life.vendor.no_option": {
        "en": "contract {contract} has no exit option '{option}' on {date}; it has: {kinds}",
        "zh": "合同 {contract} 在 {date} 没有退出方式 '{option}';可选的有:{kinds}。"},
    "life.vendor.who": {"en": "say who told the vendor (--as NAME)",
                        "zh": "请说明是谁通知了供应商(--as 姓名)。"},
    "life.vendor.no_notice": {
        "en": "no termination notice of {contract} in {folder}; write it first (decomkit vendor "
              "notice {root} {app})",
        "zh": "{folder} 中没有合同 {contract} 的终止通知;请先生成(decomkit vendor notice "
              "{root} {app})。"},
    "life.vendor.not_ours": {
        "en": "the notice must be one the kit wrote in {folder} for {contract}; write it with "
              "decomkit vendor notice",
        "zh": "终止通知必须是本工具在 {folder} 中为合同 {contract} 生成的那份;请用 decomkit "
              "vendor notice 生成。"},
    "life.vendor.changed": {
        "en": "{file} is not a termination notice the kit wrote for {contract} (or it was "
              "changed since); write it again",
        "zh": "{file} 不是本工具为合同 {contract} 生成的终止通知(或生成后被改动过);请重新生成。"},
    "life.vendor.told_on": {
        "en": "the vendor was told on {on}: that must lie between the notice's date {date} and "
              "today {today}",
        "zh": "告知供应商的日期为 {on}:它必须在通知日期 {date} 与今天 {today} 之间。"},
    "life.vendor.evidence_reused": {
        "en": "the evidence file {file} was already given for a vendor notice; attach the "
              "evidence of this one",
        "zh": "证据文件 {file} 已用于另一次供应商通知;请附上本次通知的证据。"},
    # decomkit.toml: why a setting is refused (the English is pydantic's own message)
    "config.missing": {"en": "Field required", "zh": "缺少此设置项,请补上"},
    "config.wrong_kind": {"en": "Input should be {kind}", "zh": "应为{kind}"},
    "config.kind.int": {"en": "a whole number", "zh": "整数"},
    "config.kind.number": {"en": "a number", "zh": "数字"},
    "config.kind.bool": {"en": "true or false", "zh": "布尔值 true 或 false"},
    "config.kind.text": {"en": "a text in quotes", "zh": "加引号的文字"},
    "config.kind.list": {"en": "a list [...]", "zh": "列表 [...]"},
    "config.kind.table": {"en": "a table", "zh": "一个表(TOML 表)"},
    "config.kind.date": {"en": "a date", "zh": "日期(YYYY-MM-DD)"},
    "config.kind.url": {"en": "an address (URL)", "zh": "网址"},
    "config.gt": {"en": "Input should be greater than {bound}", "zh": "应大于 {bound}"},
    "config.ge": {"en": "Input should be greater than or equal to {bound}",
                  "zh": "应不小于 {bound}"},
    "config.lt": {"en": "Input should be less than {bound}", "zh": "应小于 {bound}"},
    "config.le": {"en": "Input should be less than or equal to {bound}", "zh": "应不大于 {bound}"},
    "config.too_short": {"en": "should have at least {bound} characters or items",
                         "zh": "至少应有 {bound} 个字符或条目"},
    "config.too_long": {"en": "should have at most {bound} characters or items",
                        "zh": "最多只能有 {bound} 个字符或条目"},
    "config.platform": {"en": "Input should be {choices} (the registered platforms)",
                        "zh": "只能是已注册的平台之一:{choices}"},
    "config.bad_value": {"en": "the value is not valid here",
                         "zh": "此值无效,请按文件中的注释更正"},
    "config.whole_file": {"en": "(file)", "zh": "(整个文件)"},
    "config.weights_zero": {"en": "at least one weight must be above 0",
                            "zh": "至少要有一个权重大于 0"},
    "config.keep_above_retire": {"en": "keep must not be above retire",
                                 "zh": "keep 阈值不能高于 retire 阈值"},
    "config.secrets_in_file": {
        "en": "{source}: {keys} look like secrets; remove them from the file and set them as "
              "environment variables instead ({names})",
        "zh": "{source}:{keys} 看起来是密钥;请把它们从文件中删除,改为设置环境变量({names})。"},
    "config.not_utf8": {"en": "{path} is not UTF-8 ({reason}); save it as UTF-8",
                        "zh": "{path} 不是 UTF-8 编码(第 {at} 个字节无法读取);请以 UTF-8 "
                              "编码保存。"},
    "config.not_toml": {"en": "{path} is not valid TOML: {error}; fix the syntax",
                        "zh": "{path} 不是有效的 TOML:{where}有语法错误;请修正。"},
    "config.toml_at": {"en": "line {line}, column {column}", "zh": "第 {line} 行第 {column} 列"},
    "config.toml_end": {"en": "the end of the file", "zh": "文件末尾"},
    "config.toml_somewhere": {"en": "somewhere", "zh": "文件中"},
    "config.registered_twice": {
        "en": "{what} '{name}' is registered twice ({first} and {second}); uninstall one of the "
              "packages that register it",
        "zh": "{what}「{name}」被注册了两次({first} 和 {second});请卸载其中一个注册它的软件包。"},
    "config.nothing_registered": {
        "en": "no {what} is registered (entry points '{group}'): decomkit's installed metadata "
              "is missing or older than its code; reinstall it ('make env', or pip install -e . "
              "in the repository)",
        "zh": "没有已注册的{what}(入口点 '{group}'):decomkit 的安装元数据缺失或比代码旧;请重新"
              "安装('make env',或在代码仓库中运行 'pip install -e .')。"},
    "config.not_registered": {
        "en": "{what} '{name}' is not available in this installation (choose one of {choices})",
        "zh": "本次安装中没有{what}「{name}」(可选:{choices})。"},
    "config.what.platform": {"en": "platform", "zh": "平台"},
    "config.what.anchor": {"en": "anchor kind", "zh": "锚点类型"},
    "run.no_workspace": {
        "en": "no workspace given: set the 'workspace' parameter or the {env} environment "
              "variable (make demo builds one)",
        "zh": "没有指定工作区:请设置参数 workspace 或环境变量 {env}(make demo 会创建一个)。"},
    "run.parameter_secret": {
        "en": "parameter '{name}' looks like a secret (a key or token); secrets are set as "
              "environment variables, never parameters",
        "zh": "参数 {name} 看起来是密钥或令牌;密钥只能设置为环境变量,不能作为参数。"},
    "run.bad_analyst": {"en": "analyst {analyst} {why}; give the analyst's user id",
                        "zh": "分析人 {analyst} {why};请填写分析人的用户 ID。"},
    "run.bad_language": {"en": "language must be 'en' or 'zh' (got {got})",
                         "zh": "language 只能是 'en' 或 'zh'(当前为 {got})。"},
    "run.bad_weights": {"en": "invalid weight or threshold parameter:",
                        "zh": "权重或阈值参数无效:"},
    "core.bad_app_folder": {
        "en": "that is not a usable app id for a folder name: it {why}; correct it in the apps "
              "table",
        "zh": "该应用 ID 不能用作文件夹名:{why};请在应用表中更正。"},
    "core.id_empty": {"en": "is empty", "zh": "它是空的"},
    "core.mail.nobody": {
        "en": "nobody to write to: the users table has no email addresses for the affected "
              "people",
        "zh": "没有可发送的对象:用户表中没有受影响人员的邮箱地址,请在用户表中补上"},
    "core.mail.failed": {
        "en": "{kind}: {detail}", "zh": "{kind}:{detail}"},
    "core.unknown_app": {"en": "app '{app}' is not in the apps table; pick one of: {known} …",
                         "zh": "应用表中没有应用「{app}」;请从以下应用中选择:{known} 等。"},
    "run.as_of_not_a_date": {"en": "parameter 'as_of' is not a date; write it as YYYY-MM-DD",
                             "zh": "参数 as_of 不是日期;请写成 YYYY-MM-DD。"},
    "run.no_usage_log": {
        "en": "this inventory was opened without the usage log (a portfolio stage reads use "
              "from the log's summary): pass stage.usage as the counts",
        "zh": "打开此清单时没有读取使用记录(应用组合阶段从记录的汇总中读取使用情况):请把 "
              "stage.usage 作为计数传入。"},
    "run.no_such_file": {"en": "no such file: {path}",
                         "zh": "找不到文件 {path};请检查 --apps 给出的路径。"},
    "run.needs_dask": {"en": "the dask executor needs distributed: pip install 'decomkit[dask]'",
                       "zh": "dask 执行器需要安装 distributed:请运行 "
                             "pip install 'decomkit[dask]'。"},
    "run.bad_workers": {"en": "workers must be a whole number, 1 or more (got {got})",
                        "zh": "--workers 必须是不小于 1 的整数(当前为 {got})。"},
    "run.bad_timeout": {"en": "timeout must be 0 seconds or more (got {got})",
                        "zh": "--timeout 必须是不小于 0 的秒数(当前为 {got})。"},
    "run.unknown_stages": {"en": "unknown stages: {unknown}; stages: {stages}",
                           "zh": "未知的阶段:{unknown};可用的阶段:{stages}。"},
    "run.unknown_stage": {"en": "unknown stage '{stage}'; stages: {stages}",
                          "zh": "未知的阶段「{stage}」;可用的阶段:{stages}。"},
    "run.bad_executor": {"en": "executor is 'local' or 'dask' (with --scheduler ADDRESS)",
                         "zh": "--executor 只能是 'local' 或 'dask'(后者需要 --scheduler 地址)。"},
    "run.needs_voila": {"en": "Voila is not installed: pip install 'decomkit[dashboard]'",
                        "zh": "没有安装 Voila:请运行 pip install 'decomkit[dashboard]'。"},
    "run.not_a_demo": {
        "en": "{root} is not a demo workspace (it has no {marker}), so --replace leaves it alone; "
              "choose another folder, or move its files away yourself",
        "zh": "{root} 不是演示工作区(其中没有 {marker}),因此 --replace 不会动它;请换一个文件夹,"
              "或自行把其中的文件移走。"},
    # end of the lifecycle, running, configuration and core block
})

# Input problems of a backup's exports, a vendor notice's parties, a batch's apps file and
# notebook parameters (lifecycle/backup.py, vendor.py; running/batch.py, runs.py).
TEXT.update({
    "life.p.export_leaves": {"en": "the export of dataset {dataset} is not a file inside "
                                   "exports/{app}/ (it leaves the folder)",
                             "zh": "数据集 {dataset} 的导出文件不在 exports/{app}/ 之内"
                                   "(指向了文件夹之外)"},
    "life.p.copy_export": {"en": "copy the export into exports/{app}/ and name it there",
                           "zh": "请把导出文件复制到 exports/{app}/ 中,并在那里写它的文件名"},
    "life.p.export_missing": {"en": "the export of dataset {dataset} ({name}) is missing",
                              "zh": "数据集 {dataset}({name})的导出文件不存在"},
    "life.p.export_there": {"en": "export it from the app into that folder, or fix "
                                  "datasets.export_file",
                            "zh": "请从应用中导出到该文件夹,或更正 datasets.export_file"},
    "life.p.no_datasets": {"en": "no datasets for {app}", "zh": "{app} 没有登记任何数据集"},
    "life.p.list_datasets": {"en": "list the app's data in the datasets table",
                             "zh": "请在数据集表中列出该应用的数据"},
    "life.p.private_key": {"en": "the export of dataset {dataset} holds a private key; a backup "
                                 "never takes key material",
                           "zh": "数据集 {dataset} 的导出文件里有私钥;备份从不收录密钥"},
    "life.p.remove_key": {"en": "remove the key from the exports folder and put the real export "
                                "there",
                          "zh": "请把密钥移出导出文件夹,换成真正的导出文件"},
    "life.p.not_table": {"en": "cannot be read as a table ({kind})",
                         "zh": "无法作为数据表读取({kind})"},
    "life.p.export_again": {"en": "export it again", "zh": "请重新导出"},
    "life.p.party_empty": {"en": "empty: the termination notice names both parties of the "
                                 "contract",
                           "zh": "为空:终止通知须写明合同双方"},
    "life.p.legal_name": {"en": "write the legal name as it stands on the contract",
                          "zh": "请按合同上的写法填写法定名称"},
    "run.p.app_id_column": {"en": "put the app ids in a column headed app_id",
                            "zh": "请把应用 ID 放在表头为 app_id 的列中"},
    "run.p.set_by_batch": {"en": "is set by the batch itself", "zh": "由批量运行自行设置"},
    "run.p.remove_column": {"en": "remove the column: the batch runs in the workspace it is "
                                  "given",
                            "zh": "请删去这一列:批量运行使用命令中给出的工作区"},
    "run.p.leave_out": {"en": "leave it out: the batch runs in the workspace DIR it is given, "
                              "for the apps chosen with --apps",
                        "zh": "请不要给出:批量运行使用命令中给出的工作区目录,应用由 --apps 选定"},
    "run.p.unknown_app": {"en": "'{app}' is not an app of the inventory",
                          "zh": "'{app}' 不是清单中的应用"},
    "run.p.use_status": {"en": "use an id from 'decomkit status'",
                         "zh": "请使用 'decomkit status' 列出的 ID"},
    "run.p.twice": {"en": "'{app}' is listed twice (first at row {row})",
                    "zh": "'{app}' 出现了两次(首次在第 {row} 行)"},
    "run.p.one_row": {"en": "keep one row per app", "zh": "每个应用只保留一行"},
    "run.p.not_batch_wide": {"en": "cannot be given for a whole batch",
                             "zh": "不能对整个批量运行统一给出"},
    "run.p.per_app": {"en": "give it per app: an --apps file with columns app_id, dry_run and "
                            "confirm (the app's own id)",
                      "zh": "请按应用给出:用 --apps 文件,列为 app_id、dry_run 和 confirm"
                            "(填该应用自己的 ID)"},
    "run.p.not_parameter": {"en": "is not a parameter of {notebooks}",
                            "zh": "不是 {notebooks} 的参数"},
    "run.p.use_parameter": {"en": "use one of: {names} (papermill --help-notebook NOTEBOOK lists "
                                  "them)",
                            "zh": "请使用以下之一:{names}(papermill --help-notebook NOTEBOOK "
                                  "会列出它们)"},
    "run.p.secret": {"en": "looks like a secret (a key or token)",
                     "zh": "看起来是机密(密钥或令牌)"},
    "run.p.secret_env": {"en": "secrets are never parameters: set them as environment variables "
                               "(see docs/reference/settings.md, Secrets)",
                         "zh": "机密从不作为参数:请设为环境变量(见 docs/reference/settings.md 的 "
                               "Secrets 一节)"},
    "run.p.wrong_type": {"en": "parameter '{name}' is not a {kind}",
                         "zh": "参数 '{name}' 的值不是{kind}"},
    "run.p.give_type": {"en": "give a {kind} value", "zh": "请给出{kind}"},
    "run.type.bool": {"en": "bool", "zh": "真假值(True 或 False)"},
    "run.type.int": {"en": "int", "zh": "整数"},
    "run.type.float": {"en": "float", "zh": "数字"},
    "run.type.str": {"en": "str", "zh": "文本"},
})

# A notice after the change that failed on a channel (lifecycle/execute.py): the step's detail.
TEXT.update({
    "life.failed_retry": {"en": "{error} — retry with retry_notifications()",
                          "zh": "{error} — 请用 retry_notifications() 重试"},
})

# A stage run that did not finish (running/runs.py), as the batch table shows it.
TEXT.update({
    "run.timed_out": {"en": "timed out after {seconds} s (the kernel was stopped)",
                      "zh": "运行超过 {seconds} 秒未完成(内核已停止)"},
    "run.kernel_died": {"en": "the kernel died: {error}", "zh": "内核意外退出:{error}"},
    "run.timed_out_cell": {"en": "timed out: {error}", "zh": "运行超时:{error}"},
    "run.type.list": {"en": "list", "zh": "列表(JSON 列表,如 [\"a\", \"b\"])"},
    "run.type.dict": {"en": "dict", "zh": "字典(JSON 对象)"},
    "run.p.where": {"en": "parameters", "zh": "-p 参数"},
})
