"""What an approver reads to decide (停用指南 stage 五): every field of the 软件停用申请 form,
filled from the ledger's assessment and decision and from what is true now (open documents,
who can open the replacement), in the workspace's language.

Nothing is cut: every reason and every impact reason is on the form, one a line, so an open
critical security finding is never dropped for being fourth."""

from __future__ import annotations

from decomkit.analysis.preflight import open_documents
from decomkit.context.stage import Stage
from decomkit.core.canonical import plan_hash
from decomkit.core.i18n import t
from decomkit.core.present import money
from decomkit.lifecycle.authority import readiness_now
from decomkit.platforms.dingtalk_form import labels
from decomkit.proof.checkpoints import current_checkpoint

SAVING_MONTHS = 12  # the period of the projected saving on the form (ExitOption.savings_12)


def _lines(items: list[str]) -> str:
    """One item a line; a sentence keeps its own full stop (no '。;' joins)."""
    return "\n".join(str(i).strip() for i in items if str(i).strip())


def _money_or(value, fallback: str) -> str:
    return money(value) if isinstance(value, int | float) else fallback


def form_values(stage: Stage, app_id: str, plan: dict, reason: str,
                manifest_hash: str | None, previous: str | None) -> dict[str, str]:
    """The form's fields, label → the text an approver reads (``stage.language``)."""
    lang = stage.language
    label = labels(lang)  # the fields named in the language their values are in
    with stage.workspace.ledger() as ledger:
        decided = ledger.last(app_id, "decided")
        assessed = ledger.last(app_id, "assessed")
    data = assessed.data if assessed else {}
    impact, licence = data.get("impact") or {}, data.get("licence") or {}
    unknown = t("form.unknown", lang)
    reasons = [reason] if reason.strip() else list((decided.data if decided else {})
                                                    .get("reasons") or [])
    monthly = licence.get("monthly_cost")
    docs = open_documents(stage.workspace, app_id, language=lang)
    people = impact.get("users")
    return {
        label["app"]: f"{stage.inventory.app_name(app_id)} ({app_id})",
        label["action"]: t(f"form.action.{plan['action']}", lang),
        label["reason"]: _lines(reasons) or unknown,
        label["date"]: plan["date"],
        label["impact"]: _lines(impact.get("reasons") or []) or unknown,
        label["people"]: t("form.people", lang, n=people) if people is not None else unknown,
        label["cost"]: _money_or(monthly * 12 if isinstance(monthly, int | float) else None,
                                  unknown),
        label["saving"]: (t("form.saving", lang, amount=money(licence["savings_12"]),
                             months=SAVING_MONTHS)
                           if isinstance(licence.get("savings_12"), int | float) else unknown),
        label["fee"]: (t("form.none", lang) if licence.get("penalty") == 0
                        else _money_or(licence.get("penalty"), unknown)),
        label["notice"]: (str(licence["notice_deadline"]) if licence.get("notice_deadline")
                           else t("form.no_deadline", lang) if licence else unknown),
        label["documents"]: (t("form.open_docs.undeclared", lang) if docs is None
                              else _lines(docs) or t("form.none", lang)),
        label["replacement"]: replacement_text(stage, app_id),
        label["backup"]: (t("form.backup", lang, hash=manifest_hash) if manifest_hash
                           else t("form.backup.none", lang)),
        label["previous"]: previous or t("form.first", lang),
        label["plan"]: plan_hash(plan),
        # The platform keeps the ledger's signed checkpoint as of this request (an anchor).
        label["checkpoint"]: current_checkpoint(stage.workspace),
    }


def replacement_text(stage: Stage, app_id: str) -> str:
    """The replacement and who cannot open it yet, by department."""
    lang = stage.language
    readiness = readiness_now(stage.workspace, app_id, stage.platform, from_import=True)
    if readiness is None:
        apps = stage.inventory.apps.set_index("app_id")
        named = apps.loc[app_id, "alternative"] if "alternative" in apps else None
        return str(named) if isinstance(named, str) and named.strip() \
            else t("form.replacement.none", lang)
    if not readiness.source:
        return t("form.replacement.unchecked", lang, name=readiness.replacement)
    if readiness.ready:
        return t("form.replacement.ready", lang, name=readiness.replacement)
    sep = "、" if lang == "zh" else ", "
    where = sep.join(f"{dept} {n}" for dept, n in readiness.by_department().items())
    return t("form.replacement.missing", lang, name=readiness.replacement,
             n=len(readiness.missing), where=where)
