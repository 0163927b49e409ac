"""Showing results in a notebook as static output: tables, PNG charts, escaped text.

Static output is what a record keeps; names from input files are escaped, never trusted as HTML.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import pandas as pd

from decomkit.analysis.watch import watch_table
from decomkit.core.i18n import Language, t
from decomkit.core.present import (
    audience,
    form_label,
    local_time,
    money,
    table_html,
    table_text,
    term,
    value,
)
from decomkit.core.said import in_language
from decomkit.records.overview import HORIZON_DAYS
from decomkit.views.charts import png, portfolio_savings_chart, review_chart, verification_chart
from decomkit.views.trail import trail_frame

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def show(obj) -> None:
    """Display anything (a widget, a table) in the notebook."""
    from IPython.display import display

    display(obj)


def show_figure(fig: Figure) -> None:
    from IPython.display import Image

    show(Image(data=png(fig), format="png"))


def show_table(frame: pd.DataFrame, empty: str = "rows", max_rows: int = 60) -> None:
    """A table people read (see ``decomkit.core.present``): no index column, blanks, headers in the
    workspace's language, ¥ and local times; an empty table is one sentence (``empty`` names
    what is missing, e.g. "users" → "无近期用户。")."""
    from IPython.display import display

    display({"text/html": table_html(frame, empty=empty, max_rows=max_rows),
             "text/plain": table_text(frame.head(max_rows) if frame is not None else frame,
                                      empty=empty)}, raw=True)


def show_markdown(text: str) -> None:
    from IPython.display import Markdown

    show(Markdown(text))


# What makes an image, a link or code of plain text ("<" and ">" are HTML-escaped first); the rest
# of Markdown's syntax shows the text as written, ids like 'sales-report' or 're_enabled' whole.
_MARKDOWN = re.compile(r"([\\`\[\]!])")


def plain_markdown(text: str) -> str:
    """``text`` as Markdown that shows it as it is: HTML escaped, and what Markdown would read
    as an image, a link or code escaped too — ``![t](http://…)`` in an app name or a comment
    is shown, never loaded from the network. Line breaks become spaces (one bullet stays one)."""
    return _MARKDOWN.sub(r"\\\1", html.escape(" ".join(str(text).splitlines()), quote=False))


def show_lines(title: str, lines: list[str]) -> None:
    """A heading and a bullet list, every line escaped (HTML and Markdown)."""
    body = "\n".join(f"- {plain_markdown(line)}" for line in lines)
    show_markdown(f"**{plain_markdown(title)}**\n\n{body}")


def show_decision(event) -> None:
    who = audience()
    lang = who.language
    show_lines(t("show.decision", lang, decision=term(event.data["decision"], lang)),
               [t("show.decision_row", lang, seq=event.seq, time=local_time(event.ts, who.zone),
                  actor=event.actor)])


def show_trail(entries, summary=None) -> None:
    """An app's summary and its trail (``decomkit.views.trail``), as the dossier shows them."""
    who = audience()
    if summary is not None:
        show_lines(f"{summary.name} ({summary.app_id})",
                   [f"{k}: {v}" for k, v in summary.rows(who.language) if v])
    show_table(trail_frame(entries).drop(columns="hash"))


def show_history(history) -> None:
    """An app past its decision (``decide.decided_history``): its trail, not a new score."""
    if history is None:
        return
    who, summary = audience(), history.summary
    show_lines(t("history.past", who.language, name=summary.name,
                 state=term(summary.state, who.language)), [])
    show_trail(history.trail, summary)


def show_confirmation(key: str, step: dict) -> None:
    lang = audience().language
    show_lines(t("show.confirmed", lang, step=key, operation=step["operation"]),
               [t("show.confirmed_by", lang, who=step["who"], evidence=step["evidence"],
                  sha=step["evidence_sha256"])])


def show_request(event, names: dict[str, str] | None = None) -> None:
    """The request as submitted: who approves it, by name and in order, then its form."""
    lang, names = audience().language, names or {}
    chain = [names.get(str(u), str(u)) for u in event.data.get("approvers", [])]
    show_lines(t("show.submitted", lang, instance=event.data["instance_id"]),
               ([t("trail.approvers", lang, names=" → ".join(chain))] if chain else [])
               + [f"{form_label(k, lang)}{'：' if lang == 'zh' else ': '}{value(v, lang)}"
                  for k, v in event.data["form"].items()])



def show_tracking(tracking, names: dict[str, str] | None = None) -> None:
    """The request's progress: each approver by name (``views.trail.people``), their decision
    and the request's state as its reader says them."""
    status, lang, names = tracking.status, audience().language, names or {}
    lines = [t("show.record", lang, who=names.get(str(r["user_id"]), r["user_id"]),
               result=term("outcome", str(r["result"]), lang),
               comment=(("：" if lang == "zh" else ": ") + r["comment"]) if r.get("comment")
               else "") for r in status.records]
    if tracking.overdue_days:
        lines.append(t("show.overdue", lang, days=tracking.overdue_days,
                       reminded=value(tracking.reminded, lang)))
    show_lines(t("show.tracking", lang, instance=status.instance_id,
                 status=term("status", status.status, lang),
                 result=term("outcome", status.result or "NONE", lang),
                 state=term(tracking.state, lang)), lines)


def show_verification(report, backup, language: Language) -> None:
    title = t("show.verified" if report.ok else "show.verify_failed", language)
    show_lines(title, [in_language(p, language) for p in report.problems]
               or [report.manifest_hash])
    files = report.files
    if "problem" in files:
        files = files.assign(problem=[in_language(p, language) for p in files["problem"]])
    show_table(files)
    sizes = {f["path"]: f["size"] for f in backup.manifest["files"]}
    show_figure(verification_chart(report.files, sizes, language))


def show_review(review) -> None:
    if review.too_early:
        lang = audience().language
        show_lines(t("show.too_early", lang, name=review.name),
                   [t("show.too_early_why", lang, disabled=value(review.disabled_on, lang),
                      start=value(review.meaningful_from, lang))])
    else:
        lang = audience().language
        show_lines(t("review.title", lang, name=review.name, period=review.period_text(lang),
                     realized=money(review.realized, 2), projected=money(review.projected, 2)),
                   [t("review.inputs", lang, baseline=money(review.baseline, 2),
                      penalty=money(review.penalty, 2), migration=money(review.migration, 2)),
                    *([review.basis(lang)] if review.basis(lang) else [])])
    show_figure(review_chart(review))


def show_safety(safety) -> None:
    """停用指南 八 数据安全, in the reader's language: the backup, who can open the app (every
    person against its whole scope) and the watch since the disable."""
    lang = audience().language
    show_lines(t("safety.ok" if safety.ok else "safety.check", lang), safety.lines(lang))


def show_watch(watches) -> None:
    """The retired apps as the watch found them (``watch.watch_retired``): a sentence for the
    whole, and one row per app."""
    lang = audience().language
    found = [w for w in watches.values() if w.findings]
    show_markdown(f"**{t('portfolio.watch', lang)}** — " + (
        t("portfolio.watch_found", lang, n=len(found), total=len(watches)) if found else
        t("portfolio.watch_clean", lang, total=len(watches))) if watches else
        f"**{t('portfolio.watch', lang)}** — {t('empty.watch', lang)}")
    if watches:
        show_table(watch_table(watches, lang), empty="watch")


def show_survey(review) -> None:
    lang = audience().language
    show_lines(t("show.survey", lang, before=value(review.score_before, lang),
                 after=value(review.score_after, lang)),
               list(review.survey_after["comment"].dropna()))
    show_table(review.survey_by_department, empty="survey")


def show_overview(overview) -> None:
    """The manager's figures (``overview.portfolio_overview``), as ``records/index.html``
    shows them."""
    lang = audience().language
    show_markdown(f"**{t('portfolio.counts', lang)}**")
    show_table(overview.counts)
    show_markdown(f"**{t('portfolio.savings', lang)}** — " + t(
        "portfolio.savings_total", lang, realized=money(overview.realized),
        projected=money(overview.projected)))
    if len(overview.savings):
        show_figure(portfolio_savings_chart(overview.savings, lang))
    early = overview.savings["too_early"].astype(bool)
    show_table(overview.savings.assign(realized=overview.savings["realized"].where(~early),
                                       projected=overview.savings["projected"].where(~early)),
               empty="savings")
    show_markdown(f"**{t('portfolio.deadlines', lang, days=HORIZON_DAYS)}**")
    show_table(overview.deadlines_within(HORIZON_DAYS), empty="deadlines")
    show_markdown(f"**{t('portfolio.waiting', lang)}**")
    show_table(overview.waiting, empty="waiting")
    show_markdown(f"**{t('portfolio.failing', lang)}**")
    show_table(overview.failing, empty="failing")
    show_watch(overview.watch)


def show_questions(tracking, app_id: str, names: dict[str, str] | None = None) -> None:
    """Approvers' questions on the pending request that no answer has closed yet (each asker
    by name), and how to answer them (03_approval)."""
    lang, names = audience().language, names or {}
    asked = getattr(tracking, "questions", ()) if tracking is not None else ()
    if not asked:
        show_lines(t("question.title", lang), [t("question.none", lang)])
        return
    show_lines(t("question.title", lang),
               [t("question.line", lang, who=names.get(q.user_id, q.user_id), question=q.text)
                for q in asked]
               + [t("question.how", lang, app_id=app_id)])


def show_answer(event) -> None:
    lang = audience().language
    data = event.data
    lines = [data["text"]] + ([f"{data['evidence']} (SHA-256 {data['evidence_sha256']})"]
                              if data.get("evidence") else [])
    show_lines(t("answer.done", lang, app=event.app_id, instance_id=data["instance_id"]), lines)
