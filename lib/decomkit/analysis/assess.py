"""Should an app go? Usage, cost, performance, security, fit and alternatives → a retire score.

Each factor becomes a *pressure* between 0 (no reason to retire) and 1 (strong reason); the score
is the weighted mean of the pressures times 100, and each factor's share of it is shown. The
formulas are deliberately simple so an analyst can recompute a score by hand:

* usage = max(idle, 0.7 · low_share + 0.3 · decline), where idle = 1 after ``IDLE_DAYS`` without
  use, low_share = 1 − active share / ``FULL_USE_SHARE`` (clipped to 0…1), decline = the fall in
  monthly active users from the first to the last 3 of the 12 months;
* cost = c / (c + ``COST_REF``) with c the monthly cost per active user (¥);
* performance = w / (w + 1) with w severity-weighted incidents per month;
* security = min(1, severity-weighted open findings);
* fit = (5 − rating) / 4, the rating from the apps table or else the survey;
* alternative = 1 when a replacement is named.

An app without a usage source (the apps table says ``usage_tracked`` false, or it is blank and
the usage log has no visit of the app) has usage *unknown*: its usage pressure is 0, never
"idle", so a missing log never recommends retiring an app; cost per user then divides by the
licensed seats, and is not counted when those are unknown too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from decomkit.core.config import Thresholds, Weights
from decomkit.core.i18n import Language, t
from decomkit.core.present import term
from decomkit.inventory.snapshot import unknown_app
from decomkit.inventory.tables import Inventory
from decomkit.inventory.usage import UsageCounts, analysis_months, usage_counts

FACTORS = ("usage", "cost", "performance", "security", "fit", "alternative")
IDLE_DAYS = 60
FULL_USE_SHARE = 0.5  # half of the seats active each month counts as fully used
COST_REF = 100.0  # ¥ per active user a month at which cost pressure is 0.5
INCIDENT_WEIGHT = {"critical": 4.0, "high": 2.0, "medium": 1.0, "low": 0.5}
FINDING_WEIGHT = {"critical": 1.0, "high": 0.6, "medium": 0.3, "low": 0.1}


def usage_known(inventory: Inventory, last_use: pd.Series) -> pd.Series:
    """Per app: whether a usage source covers it (see the module's docstring); ``last_use``
    from :func:`usage_counts` (NaT: the log has no visit of the app)."""
    apps = inventory.apps.set_index("app_id")
    logged = last_use.reindex(apps.index).notna()
    tracked = apps["usage_tracked"].astype("boolean")
    return pd.Series(tracked.fillna(logged).astype(bool), index=apps.index, name="usage_known")


def usage_metrics(inventory: Inventory, as_of: dt.date,
                  counts: UsageCounts | None = None,
                  log_end: dt.date | None = None) -> pd.DataFrame:
    """Use per app; ``counts`` (from :func:`usage_counts`, or from the snapshot's summary of
    the log: ``Stage.usage``) spares a pass over the log.

    Idle days are counted to the usage log's last day (``log_end``, shown with them), not to
    ``as_of``: a log exported on the 28th says nothing of the days after it. ``log_end``
    defaults to the latest visit the counts hold, which is the log's last day when they cover
    every app; a stage that reads one app passes the whole log's (``Stage.log_end``)."""
    apps = inventory.apps.set_index("app_id")
    mau, last, users = counts if counts is not None else usage_counts(inventory, as_of)
    if log_end is None and last.notna().any():
        log_end = pd.Timestamp(last.max()).date()
    # by app id, never by position: counts may list the apps in another order
    mau = mau.reindex(apps.index, fill_value=0)
    last, users = last.reindex(apps.index), users.reindex(apps.index, fill_value=0)
    known = usage_known(inventory, last)
    recent, early = mau.iloc[:, -3:].mean(axis=1), mau.iloc[:, :3].mean(axis=1)
    seats = apps["licensed_seats"].astype("Float64")
    seats = seats.fillna(users.astype("Float64").where(known)).fillna(1).clip(lower=1)
    end = pd.Timestamp(log_end if log_end is not None else as_of)
    idle = (end - last.dt.normalize()).dt.days.astype("Float64").fillna(9999)
    unknown = ~known
    return pd.DataFrame({
        "usage_known": known,
        "mau_recent": recent.astype(float).mask(unknown),
        "mau_early": early.astype(float).mask(unknown), "seats": seats.astype(float),
        "seats_known": apps["licensed_seats"].notna() | known,
        "active_share": (recent / seats).astype(float).mask(unknown),
        "decline": ((early - recent) / early).clip(lower=0).where(early > 0, 0.0)
        .astype(float).mask(unknown),
        "days_idle": idle.astype("Int64").mask(unknown), "last_used": last,
        "log_end": pd.Series([log_end] * len(apps), index=apps.index, dtype=object)
        .mask(unknown),
    }, index=apps.index)


def cost_metrics(inventory: Inventory, as_of: dt.date) -> pd.DataFrame:
    months = analysis_months(as_of)
    costs = inventory.costs
    per_month = (costs.assign(month=costs["month"].dt.to_period("M"))
                 .pivot_table(index="app_id", columns="month", values="amount", aggfunc="sum")
                 .reindex(index=inventory.apps["app_id"], columns=months).fillna(0.0))
    return pd.DataFrame({"monthly_cost": per_month.iloc[:, -3:].mean(axis=1).astype(float),
                         "annual_cost": per_month.sum(axis=1).astype(float)})


def incident_metrics(inventory: Inventory, as_of: dt.date) -> pd.DataFrame:
    months = analysis_months(as_of)
    inc = inventory.incidents
    inc = inc[(inc["date"] >= months[0].start_time) & (inc["date"] <= months[-1].end_time)]
    weight = inc["severity"].map(INCIDENT_WEIGHT).astype(float)
    grouped = inc.assign(weight=weight, severe=inc["severity"].isin(["critical", "high"]))
    agg = grouped.groupby("app_id").agg(incidents=("weight", "size"), severe=("severe", "sum"),
                                        weight=("weight", "sum"))
    agg = agg.reindex(inventory.apps["app_id"]).fillna(0)
    return pd.DataFrame({"incidents": agg["incidents"].astype(int),
                         "severe_incidents": agg["severe"].astype(int),
                         "incident_weight": agg["weight"].astype(float) / 12})


def security_metrics(inventory: Inventory) -> pd.DataFrame:
    found = inventory.security_findings
    found = found[found["status"].fillna("open") == "open"]
    rank = {s: i for i, s in enumerate(FINDING_WEIGHT)}
    agg = (found.assign(weight=found["severity"].map(FINDING_WEIGHT).astype(float),
                        rank=found["severity"].map(rank))
           .groupby("app_id").agg(open_findings=("weight", "size"),
                                  finding_weight=("weight", "sum"), worst_rank=("rank", "min")))
    agg = agg.reindex(inventory.apps["app_id"])
    worst = agg["worst_rank"].map(lambda r: list(FINDING_WEIGHT)[int(r)] if pd.notna(r) else None)
    return pd.DataFrame({"open_findings": agg["open_findings"].fillna(0).astype(int),
                         "finding_weight": agg["finding_weight"].fillna(0.0).astype(float),
                         "worst_finding": worst})


def fit_ratings(inventory: Inventory) -> pd.Series:
    """Analyst rating, else the mean 'before' survey score, else a neutral 3."""
    apps = inventory.apps.set_index("app_id")
    survey = inventory.survey_responses
    survey = survey[survey["phase"].fillna("before") == "before"]
    mean_score = survey.groupby("app_id")["score"].mean().astype(float)
    rating = apps["function_fit"].astype("Float64").fillna(
        mean_score.reindex(apps.index).astype("Float64")).fillna(3.0)
    return rating.astype(float).rename("fit_rating")


def portfolio_metrics(inventory: Inventory, as_of: dt.date,
                      counts: UsageCounts | None = None,
                      log_end: dt.date | None = None) -> pd.DataFrame:
    """Every measured input of the score, one row per app (``log_end``: see
    :func:`usage_metrics`)."""
    apps = inventory.apps.set_index("app_id")
    metrics = pd.concat([
        apps[["name"]], usage_metrics(inventory, as_of, counts, log_end),
        cost_metrics(inventory, as_of),
        incident_metrics(inventory, as_of), security_metrics(inventory), fit_ratings(inventory),
    ], axis=1)
    metrics["alternative"] = apps["alternative"]
    users = metrics["mau_recent"].where(metrics["usage_known"], metrics["seats"])
    metrics["cost_per_user"] = (metrics["monthly_cost"] / users.clip(lower=1)).where(
        metrics["seats_known"])
    return metrics


def pressures(metrics: pd.DataFrame) -> pd.DataFrame:
    """Each factor as a number between 0 (keep) and 1 (retire)."""
    idle = (metrics["days_idle"] >= IDLE_DAYS).astype("boolean").fillna(False).astype(float)
    low_share = (1 - metrics["active_share"] / FULL_USE_SHARE).clip(0, 1)
    usage = np.maximum(idle, 0.7 * low_share + 0.3 * metrics["decline"])
    cpu, w = metrics["cost_per_user"].astype(float), metrics["incident_weight"]
    return pd.DataFrame({
        "usage": usage.where(metrics["usage_known"], 0.0),  # unknown is no evidence, not idle
        "cost": (cpu / (cpu + COST_REF)).fillna(0.0),
        "performance": w / (w + 1),
        "security": metrics["finding_weight"].clip(upper=1),
        "fit": (5 - metrics["fit_rating"]) / 4,
        "alternative": metrics["alternative"].notna().astype(float),
    }, index=metrics.index).astype(float)


def contributions(pressure: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Points each factor adds to the 0–100 score (rows sum to the score)."""
    w = pd.Series(weights.model_dump())[list(FACTORS)]
    return pressure[list(FACTORS)] * (100 * w / w.sum())


def recommend(score: float, thresholds: Thresholds) -> str:
    if score >= thresholds.retire:
        return "retire"
    return "keep" if score < thresholds.keep else "review"


def time_axes(pressure: pd.Series) -> tuple[float, float]:
    """TIME's two axes, 0…1: business value (use, fit) and technical and cost health (cost,
    incidents, security)."""
    value = 1 - (pressure["usage"] + pressure["fit"]) / 2
    health = 1 - (pressure["cost"] + pressure["performance"] + pressure["security"]) / 3
    return float(value), float(health)


def time_quadrant(pressure: pd.Series) -> str:
    """Gartner's TIME: business value (use, fit) against technical and cost health."""
    value, health = time_axes(pressure)
    if value >= 0.5:
        return "invest" if health >= 0.5 else "migrate"
    return "tolerate" if health >= 0.5 else "eliminate"


# The quadrants that say what a recommendation says: retire an app that is worth little and
# unhealthy (eliminate) or whose job moves elsewhere (migrate); keep one that is healthy.
AGREES = {"retire": ("eliminate", "migrate"), "keep": ("invest", "tolerate"), "review": ()}


def quadrant_note(row: pd.Series | dict, language: Language = "zh") -> str:
    """"" when the recommendation and the TIME quadrant say the same; otherwise a sentence
    that says why they differ (the quadrant reads two axes, the score six weighted factors)
    and which one the decision follows. ``row`` is a row of :func:`score_table`."""
    recommendation, quadrant = row["recommendation"], row["quadrant"]
    if quadrant in AGREES[recommendation]:
        return ""
    value, health = time_axes(pd.Series({f: row[f"p_{f}"] for f in FACTORS}))
    points = sorted(((float(row[f"c_{f}"]), f) for f in FACTORS), reverse=True)
    top = [t(f"factor.{f}", language) if language == "zh" else t(f"factor.{f}", language).lower()
           for p, f in points[:2] if p > 0]
    return t("quadrant.review" if recommendation == "review" else "quadrant.differs",
             language, recommendation=t(f"decision.{recommendation}", language),
             score=float(row["score"]), quadrant=t(f"quadrant.{quadrant}", language),
             value=t("quadrant.value_high" if value >= 0.5 else "quadrant.value_low",
                     language),
             health=t("quadrant.health_good" if health >= 0.5 else "quadrant.health_poor",
                      language),
             factors=("、" if language == "zh" else " and ").join(top) or "—")


def score_portfolio(inventory: Inventory, weights: Weights, thresholds: Thresholds,
                    as_of: dt.date, counts: UsageCounts | None = None,
                    log_end: dt.date | None = None) -> pd.DataFrame:
    """All apps, highest retire score first, with metrics, contributions and recommendation."""
    metrics = portfolio_metrics(inventory, as_of, counts, log_end)
    return score_table(metrics, pressures(metrics), weights, thresholds)


def score_table(metrics: pd.DataFrame, pressure: pd.DataFrame, weights: Weights,
                thresholds: Thresholds) -> pd.DataFrame:
    """Scores from measured pressures: cheap, so sliders can call it on every move."""
    points = contributions(pressure, weights)
    table = metrics.join(pressure.add_prefix("p_")).join(points.add_prefix("c_"))
    table["score"] = points.sum(axis=1).round(1)
    table["recommendation"] = recommendations(table["score"], thresholds)
    table["quadrant"] = time_quadrants(pressure)
    return table.sort_values(["score", "name"], ascending=[False, True])


def recommendations(scores: pd.Series, thresholds: Thresholds) -> pd.Series:
    """:func:`recommend` for every score at once (a slider re-scores 1,000 apps per move)."""
    s = scores.to_numpy(dtype=float)
    return pd.Series(np.select([s >= thresholds.retire, s < thresholds.keep],
                               ["retire", "keep"], "review"), index=scores.index, dtype=object)


def time_quadrants(pressure: pd.DataFrame) -> pd.Series:
    """:func:`time_quadrant` for every app at once: the same two axes, the same cut at 0.5."""
    value = 1 - (pressure["usage"] + pressure["fit"]) / 2
    health = 1 - (pressure["cost"] + pressure["performance"] + pressure["security"]) / 3
    high, healthy = (value >= 0.5).to_numpy(), (health >= 0.5).to_numpy()
    return pd.Series(np.select([high & healthy, high, healthy],
                               ["invest", "migrate", "tolerate"], "eliminate"),
                     index=pressure.index, dtype=object)


def reasons(row: pd.Series, language: Language = "zh", minimum_points: float = 3.0) -> list[str]:
    """Sentences for the factors that add at least ``minimum_points`` to the score."""
    out = []
    if not row["usage_known"]:
        out.append(t("reason.usage_unknown", language))
    elif row["c_usage"] >= minimum_points:
        if row["days_idle"] >= IDLE_DAYS:
            out.append(t("reason.idle", language, days=int(row["days_idle"]),
                         end=row["log_end"]))
        else:
            out.append(t("reason.low_share", language, share=row["active_share"],
                         seats=int(row["seats"])))
        if row["decline"] >= 0.2:
            out.append(t("reason.decline", language, decline=row["decline"]))
    if row["c_cost"] >= minimum_points:
        out.append(t("reason.cost", language, cpu=row["cost_per_user"],
                     annual=row["annual_cost"]))
    if row["c_performance"] >= minimum_points:
        out.append(t("reason.performance", language, n=int(row["incidents"]),
                     severe=int(row["severe_incidents"])))
    if row["c_security"] >= minimum_points:
        worst = term("severity", row["worst_finding"], language)  # critical included
        out.append(t("reason.security", language, n=int(row["open_findings"]), worst=worst))
    if row["c_fit"] >= minimum_points:
        out.append(t("reason.fit", language, rating=row["fit_rating"]))
    if row["c_alternative"] >= minimum_points:
        out.append(t("reason.alternative", language, alternative=row["alternative"]))
    return out or [t("reason.healthy", language)]


def usage_label(row: pd.Series | dict, language: Language = "zh") -> str:
    """'usage unknown', 'idle N days' or the recent monthly active users, for tables."""
    if not row["usage_known"]:
        return t("usage.unknown", language)
    if row["days_idle"] >= IDLE_DAYS:
        return t("usage.idle", language, days=int(row["days_idle"]), end=row["log_end"])
    return t("usage.active", language, mau=row["mau_recent"])


@dataclass(frozen=True)
class Assessment:
    app_id: str
    name: str
    score: float
    recommendation: str
    quadrant: str
    contributions: dict[str, float]
    reasons: list[str]
    metrics: dict = field(repr=False)
    quadrant_note: str = ""  # why the quadrant and the recommendation differ ("" if they agree)

    def summary(self) -> dict:
        """What the ledger keeps of an assessment (plain JSON values)."""
        return {"score": self.score, "recommendation": self.recommendation,
                "quadrant": self.quadrant, "quadrant_note": self.quadrant_note,
                "contributions": {k: round(v, 2) for k, v in self.contributions.items()},
                "reasons": self.reasons}


def assess_app(portfolio: pd.DataFrame, app_id: str, language: Language = "zh") -> Assessment:

    if app_id not in portfolio.index:
        raise unknown_app(app_id, portfolio.index)
    row = portfolio.loc[app_id]
    return Assessment(
        app_id=app_id, name=row["name"], score=float(row["score"]),
        recommendation=row["recommendation"], quadrant=row["quadrant"],
        contributions={f: float(row[f"c_{f}"]) for f in FACTORS},
        reasons=reasons(row, language), metrics=row.to_dict(),
        quadrant_note=quadrant_note(row, language))


def severity_table(inventory: Inventory, app_id: str, as_of: dt.date) -> pd.DataFrame:
    """Incidents over the 12 months (count and per month) and open findings, by severity."""
    months = analysis_months(as_of)
    inc = inventory.incidents
    inc = inc[(inc["app_id"] == app_id) & (inc["date"] >= months[0].start_time)
              & (inc["date"] <= months[-1].end_time)]
    found = inventory.security_findings
    found = found[(found["app_id"] == app_id) & (found["status"].fillna("open") == "open")]
    severities = list(INCIDENT_WEIGHT)
    incidents = inc["severity"].value_counts().reindex(severities, fill_value=0)
    return pd.DataFrame({
        "incidents": incidents.astype(int),
        "incidents_per_month": (incidents / 12).round(2),
        "open_findings": found["severity"].value_counts().reindex(severities, fill_value=0)
        .astype(int),
    }).rename_axis("severity")
