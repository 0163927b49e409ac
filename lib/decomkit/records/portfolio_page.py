"""The manager's page, ``records/index.html``, and the deadlines calendar,
``records/deadlines.ics``, from the figures of ``overview.portfolio_overview``."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from decomkit.analysis.watch import watch_table
from decomkit.context.stage import Stage, open_stage
from decomkit.context.workspace import Workspace, status_table
from decomkit.core.files import atomic_write_bytes, atomic_write_text
from decomkit.core.i18n import t
from decomkit.core.present import Audience, money, table_html, term, zone_label
from decomkit.core.resources import render_template
from decomkit.core.text import body_text, header_text
from decomkit.lifecycle.schedule import due_next
from decomkit.records.overview import HORIZON_DAYS, REMINDERS, Overview, portfolio_overview
from decomkit.views.charts import png, portfolio_savings_chart

DEADLINES_ICS = "deadlines.ics"
DUE_DAYS = 30  # the page's table of what comes due


def _e(value) -> str:
    return html.escape(str(value))


def _audience(workspace: Workspace) -> Audience:
    return Audience(workspace.config.language, workspace.config.timezone)


def _page(title: str, body: str, language: str) -> str:
    return render_template("record/page.html.j2", title=_e(title), body=body,
                           language=language, footer='""')


def _png_img(figure, alt: str) -> str:
    import base64

    data = base64.b64encode(png(figure)).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _table(frame: pd.DataFrame, who: Audience, empty: str, root: Path,
           row_class: list[str] | None = None) -> str:
    """A human table whose names link to the apps' dossiers."""
    links = {app: f"{app}/index.html" for app in frame.get("app_id", [])
             if (root / str(app) / "index.html").exists()}
    return table_html(frame, who, empty, max_rows=10_000, links=links, row_classes=row_class)


def _savings_shown(savings: pd.DataFrame) -> pd.DataFrame:
    """Savings of an app disabled too recently are not known yet: blank, not ¥0."""
    early = savings["too_early"].astype(bool)
    return savings.assign(realized=savings["realized"].where(~early),
                          projected=savings["projected"].where(~early))


def _watch_section(overview: Overview, who: Audience, root: Path) -> str:
    """The retired apps as the watch found them; a row with a finding is marked."""
    lang = who.language
    watches = overview.watch
    found = [w for w in watches.values() if w.findings]
    verdict = (t("portfolio.watch_found", lang, n=len(found), total=len(watches)) if found
               else t("portfolio.watch_clean", lang, total=len(watches)))
    return "".join([
        f"<h2>{_e(t('portfolio.watch', lang))}</h2>",
        f"<p>{_e(verdict)}</p>" if watches else "",
        _table(watch_table(watches, lang), who, "watch", root,
               ["watch-finding" if w.findings else "" for w in watches.values()])])


def render_portfolio(workspace: Workspace, as_of: str = "",
                     overview: Overview | None = None, stage: Stage | None = None) -> Path:
    """``records/index.html`` for managers: apps per state, savings projected against realized
    (a chart), licence deadlines in the next 120 days (flagged at 120 / 90 / 60, red when due
    today or when a retired app's vendor is not told),
    approvals waiting and for how long, backups failing re-verification, retired apps as the
    watch finds them (use after the disable, a widened scope, a re-enable); every app links
    to its dossier. A caller that holds a stage of that day (``stage``) lends it, so the
    inventory is not read again."""
    who = _audience(workspace)
    lang = who.language
    root = workspace.root / "records"
    day = overview.as_of.isoformat() if overview is not None else as_of
    # a stage opened here closes its platform; a lent one is its owner's to close
    with nullcontext(stage) if stage is not None else open_stage(
            str(workspace.root), as_of=day) as opened:
        if overview is None:
            overview = portfolio_overview(opened)
        due = due_next(opened, days=DUE_DAYS)  # what decomkit tick will do, by day
    counts = "".join(f"<div><b>{n}</b>{_e(term(state, lang))}</div>"
                     for state, n in zip(overview.counts["state"], overview.counts["apps"],
                                         strict=True))
    savings = overview.savings
    chart = (_png_img(portfolio_savings_chart(savings, lang), t("portfolio.savings", lang))
             if len(savings) else "")
    soon = overview.deadlines_within(HORIZON_DAYS)
    status = status_table(workspace)
    as_of_line = t("portfolio.as_of", lang, date=overview.as_of.isoformat(),
                   zone=zone_label(who.zone))
    totals = t("portfolio.savings_total", lang, realized=money(overview.realized),
               projected=money(overview.projected))
    body = "".join([
        f"<h1>decomkit — {_e(t('portfolio.title', lang))}</h1>",
        f"<p>{_e(as_of_line)}</p>",
        f"<h2>{_e(t('portfolio.counts', lang))}</h2><div class=\"counts\">{counts}</div>",
        f"<h2>{_e(t('portfolio.savings', lang))}</h2>",
        f"<p>{_e(totals)}</p>",
        chart,
        _table(_savings_shown(savings), who, "savings", root),
        f"<h2>{_e(t('portfolio.deadlines', lang, days=HORIZON_DAYS))}</h2>",
        _table(soon, who, "deadlines", root, [f"flag-{f}" for f in soon["flag"]]),
        f'<p><a href="{DEADLINES_ICS}">{_e(t("portfolio.calendar", lang))}</a></p>',
        f"<h2>{_e(t('portfolio.due_next', lang, days=DUE_DAYS))}</h2>",
        _table(due, who, "due_next", root),
        f"<h2>{_e(t('portfolio.waiting', lang))}</h2>",
        _table(overview.waiting, who, "waiting", root),
        f"<h2>{_e(t('portfolio.failing', lang))}</h2>",
        _table(overview.failing, who, "failing", root),
        _watch_section(overview, who, root),
        f"<h2>{_e(t('portfolio.apps', lang))}</h2>",
        _table(status, who, "rows", root),
    ])
    path = root / "index.html"
    atomic_write_text(path, _page(f"decomkit — {t('portfolio.title', lang)}", body, lang))
    return path


def write_deadlines_calendar(workspace: Workspace, overview: Overview) -> Path:
    """``records/deadlines.ics``: one all-day event per licence deadline still to act on (a
    notice deadline, or the end of a contract that does not renew; not once the vendor was
    told), with alarms 120, 90, 60 and 30 days before; each event's UID depends only on the
    contract and the deadline, so a calendar that subscribes once updates rather than
    duplicates."""
    import icalendar

    lang = workspace.config.language
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//decomkit//licence notice deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", t("calendar.name", lang))
    calendar.add("x-wr-timezone", workspace.config.timezone)
    stamp = dt.datetime.combine(overview.as_of, dt.time(0), tzinfo=dt.UTC)
    for row in overview.open_deadlines.itertuples(index=False):
        event = icalendar.Event()
        digest = hashlib.sha256(f"{row.contract_id}|{row.app_id}|{row.deadline}"
                                .encode()).hexdigest()[:24]
        end = row.deadline_kind == "end"
        summary = header_text(t("calendar.summary_end" if end else "calendar.summary", lang,
                                name=row.name, contract=row.contract_id))
        event.add("uid", f"{digest}@decomkit")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.deadline)
        event.add("dtend", row.deadline + dt.timedelta(days=1))
        event.add("summary", summary)
        event.add("description", body_text(t("calendar.description_end" if end else
                                             "calendar.description", lang, name=row.name,
                                             contract=row.contract_id, deadline=row.deadline,
                                             end=row.renewal_date)))
        for days in REMINDERS:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", dt.timedelta(days=-days))
            event.add_component(alarm)
        calendar.add_component(event)
    path = workspace.root / "records" / DEADLINES_ICS
    atomic_write_bytes(path, calendar.to_ical())
    return path
