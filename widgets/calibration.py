"""Calibration targets of the synthetic datasets, and the metrics that measure them.

Targets and tolerances live here and nowhere else: the generators read the centres they aim
at, ``datasets/generate.py`` writes the target tables of the datasheets from ``TARGETS``, and
the tests check every target against the committed files with ``achieved``.

The metric functions are the kit's definitions (for example of resolutions per hour), so a
lesson, a tool and a test that quote the same figure compute it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "OUTCOME_ABANDONED", "OUTCOME_PRODUCTION", "OUTCOME_STALLED", "TARGETS", "TENURE_BANDS",
    "TRAP_FEATURES", "Target", "TenureBand", "achieved", "csat_top_box", "escalation_rate",
    "first_contact_resolution", "mean_handle_time", "outcome_share", "project_trap_features",
    "resolutions_per_hour", "rph_lift", "survey_response_rate", "target", "tenure_band",
]

OUTCOME_PRODUCTION = "scaled to production"
OUTCOME_STALLED = "stalled in pilot"
OUTCOME_ABANDONED = "abandoned"


def _need(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} needs a DataFrame, got {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}.")


# ------------------------------------------------------------------------- genai_projects
#: Trap indicators derived from ``genai_projects`` columns, as the causal model uses them.
TRAP_FEATURES: dict[str, str] = {
    "maturity_gap": "max(0, trl_expected - trl_assessed), in TRL levels",
    "no_kpi": "1 when kpi_defined is False",
    "no_baseline": "1 when baseline_measured is False",
    "no_business_owner": "1 when business_owner_involved is False",
    "funding_gap": "max(0, 1 - budget_planned_usd / budget_needed_usd): share of the need "
                   "left unfunded, 0-1",
    "data_gap": "5 - data_readiness, in readiness levels (0 = AI-ready, 4 = not available)",
    "no_pilot": "1 when pilot_run is False",
    "no_cross_functional_team": "1 when cross_functional_team is False",
}


def project_trap_features(projects: pd.DataFrame) -> pd.DataFrame:
    """Trap indicators of each project, as defined in ``TRAP_FEATURES``.

    Parameters
    ----------
    projects : DataFrame
        Rows of ``genai_projects`` (at least the columns the features use).

    Returns
    -------
    DataFrame
        One float column per key of ``TRAP_FEATURES``, in that order, same index as
        ``projects``. Gaps are in TRL levels, readiness levels or a 0-1 share; the rest are
        0/1 indicators.
    """
    _need(projects, ("trl_expected", "trl_assessed", "kpi_defined", "baseline_measured",
                     "business_owner_involved", "budget_planned_usd", "budget_needed_usd",
                     "data_readiness", "pilot_run", "cross_functional_team"),
          "project_trap_features")
    p = projects
    needed = p["budget_needed_usd"].astype(float)
    ratio = p["budget_planned_usd"].astype(float) / needed.where(needed > 0)
    out = pd.DataFrame({
        "maturity_gap": (p["trl_expected"] - p["trl_assessed"]).clip(lower=0),
        "no_kpi": ~p["kpi_defined"].astype(bool),
        "no_baseline": ~p["baseline_measured"].astype(bool),
        "no_business_owner": ~p["business_owner_involved"].astype(bool),
        "funding_gap": (1 - ratio).clip(lower=0).fillna(0),
        "data_gap": 5 - p["data_readiness"],
        "no_pilot": ~p["pilot_run"].astype(bool),
        "no_cross_functional_team": ~p["cross_functional_team"].astype(bool),
    }, index=p.index)
    return out.astype(float)


def outcome_share(projects: pd.DataFrame, outcome: str) -> float:
    """Share (0-1) of projects whose ``outcome`` equals ``outcome``."""
    _need(projects, ("outcome",), "outcome_share")
    if len(projects) == 0:
        return float("nan")
    return float((projects["outcome"] == outcome).mean())


# -------------------------------------------------------------------------- support_pilot
@dataclass(frozen=True)
class TenureBand:
    """Agents whose tenure at the start of the pilot is in [low, high) months."""

    name: str
    low: int
    high: int | None  # None: no upper bound

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low}+ months"
        return f"{self.low}-{self.high - 1} months"


#: Tenure bands of ``support_pilot`` agents. "novice" and "most experienced" are the bands the
#: Brynjolfsson, Li & Raymond calibration targets refer to.
TENURE_BANDS: tuple[TenureBand, ...] = (
    TenureBand("novice", 0, 3),
    TenureBand("developing", 3, 12),
    TenureBand("experienced", 12, 36),
    TenureBand("most experienced", 36, None),
)


def tenure_band(months: pd.Series) -> pd.Series:
    """Tenure band (ordered categorical, ``TENURE_BANDS`` names) of each tenure in months."""
    values = pd.to_numeric(pd.Series(months), errors="raise").astype(float)
    if (values < 0).any():
        raise ValueError("tenure_band: tenure must be at least 0 months.")
    edges = [b.low for b in TENURE_BANDS] + [np.inf]
    return pd.cut(values, bins=edges, right=False, labels=[b.name for b in TENURE_BANDS],
                  ordered=True)


def resolutions_per_hour(tickets: pd.DataFrame) -> float:
    """Resolutions per hour: tickets resolved on first contact per hour of handle time.

    ``sum(resolved_first_contact) / (sum(handle_time_min) / 60)``, pooled over all the
    tickets given (a ratio of sums, not a mean of per-agent ratios).

    Parameters
    ----------
    tickets : DataFrame
        Rows of ``support_pilot`` with ``resolved_first_contact`` and ``handle_time_min``.

    Returns
    -------
    float
        Resolutions per hour; NaN when there is no handle time.
    """
    _need(tickets, ("resolved_first_contact", "handle_time_min"), "resolutions_per_hour")
    hours = float(tickets["handle_time_min"].sum()) / 60
    if hours <= 0:
        return float("nan")
    return float(tickets["resolved_first_contact"].astype(bool).sum()) / hours


def rph_lift(tickets: pd.DataFrame, band: str | None = None) -> float:
    """Relative lift in resolutions per hour, assisted over control: ``RPH_a / RPH_c - 1``.

    Parameters
    ----------
    tickets : DataFrame
        Rows of ``support_pilot`` (needs ``arm``, and ``agent_tenure_months`` for a band).
    band : str, optional
        A ``TENURE_BANDS`` name: only agents in that band. ``None``: all agents.

    Returns
    -------
    float
        The lift as a fraction (0.14 means +14%).
    """
    _need(tickets, ("arm", "agent_tenure_months", "resolved_first_contact", "handle_time_min"),
          "rph_lift")
    if band is not None:
        names = [b.name for b in TENURE_BANDS]
        if band not in names:
            raise ValueError(f"rph_lift: band must be one of {', '.join(names)}; got {band!r}.")
        tickets = tickets[tenure_band(tickets["agent_tenure_months"]).to_numpy() == band]
    control = resolutions_per_hour(tickets[tickets["arm"] == "control"])
    assisted = resolutions_per_hour(tickets[tickets["arm"] == "assisted"])
    return assisted / control - 1


def first_contact_resolution(tickets: pd.DataFrame) -> float:
    """Share (0-1) of tickets resolved on first contact."""
    _need(tickets, ("resolved_first_contact",), "first_contact_resolution")
    return float(tickets["resolved_first_contact"].astype(bool).mean())


def csat_top_box(tickets: pd.DataFrame) -> float:
    """CSAT top-box: share (0-1) of answered surveys that scored 5; unanswered ones excluded."""
    _need(tickets, ("csat",), "csat_top_box")
    answered = tickets["csat"].dropna()
    return float((answered == 5).mean()) if len(answered) else float("nan")


def survey_response_rate(tickets: pd.DataFrame) -> float:
    """Share (0-1) of tickets with a CSAT answer."""
    _need(tickets, ("csat",), "survey_response_rate")
    return float(tickets["csat"].notna().mean())


def escalation_rate(tickets: pd.DataFrame) -> float:
    """Share (0-1) of tickets escalated to a supervisor or second line."""
    _need(tickets, ("escalated",), "escalation_rate")
    return float(tickets["escalated"].astype(bool).mean())


def mean_handle_time(tickets: pd.DataFrame, channel: str | None = None) -> float:
    """Mean handle time in minutes, over one channel or all."""
    _need(tickets, ("handle_time_min", "channel"), "mean_handle_time")
    if channel is not None:
        tickets = tickets[tickets["channel"] == channel]
    return float(tickets["handle_time_min"].mean())


# -------------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    """A figure a synthetic dataset must reproduce, with its tolerance and its source.

    ``low`` and ``high`` bound the accepted value (``high`` excluded when
    ``high_exclusive``); ``centre`` is what the generator aims at, where it aims.
    ``unit`` is ``share`` (0-1), ``lift`` (relative change, 0.14 = +14%), ``points``
    (a difference of two shares) or ``minutes``.
    """

    key: str
    dataset: str
    what: str
    low: float
    high: float
    unit: str
    source: str
    measure: Callable[[pd.DataFrame], float]
    centre: float | None = None
    high_exclusive: bool = False

    def holds(self, value: float) -> bool:
        """True when ``value`` is within the tolerance."""
        if not np.isfinite(value):
            return False
        upper = value < self.high if self.high_exclusive else value <= self.high
        return bool(self.low <= value and upper)


def _arm(df: pd.DataFrame, arm: str) -> pd.DataFrame:
    return df[df["arm"] == arm]


def _month_rows(df: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    return df[(df["month"] >= first) & (df["month"] <= last)]


_GARTNER_48 = ("Gartner survey (2024), quoted in Informatica content; via "
               "sipoch.com [C2: secondary source only]")
_GARTNER_30 = ("Gartner press release, Data & Analytics Summit Sydney (Jul 2024); via THE "
               "Journal, 'Gartner: 30% of Gen AI Projects Will Be Abandoned' (2024) [C]")
_BLR = ("Brynjolfsson, Li & Raymond, 'Generative AI at Work', NBER Working Paper 31161 "
        "(2023) [C]")
_SQM_FCR = ("SQM Group, 'Call Center Best Practices' (undated web page): FCR benchmark average "
            "67-70% [C]")
_VENDOR_AHT = ("Vendor contact-centre benchmark guides (undated web pages, e.g. "
               "chatableapps.com): phone ~6-9 min, chat ~10-15 min [C, low: vendor estimates]")
_SYNTH = "Synthetic choice of this kit (no published figure)"
_SIZE_SYNTH = "the size is a synthetic choice of this kit"
_ILLUSTRATIVE = ("The source article's illustrative case (not traceable to a named source; "
                 "six months of clean-up, about 80% automated, errors under 3%)")

#: Every calibration target, in datasheet order.
TARGETS: tuple[Target, ...] = (
    Target("production_share", "genai_projects",
           "Share of projects scaled to production", 0.45, 0.51, "share", _GARTNER_48,
           lambda df: outcome_share(df, OUTCOME_PRODUCTION), centre=0.48),
    Target("abandoned_share", "genai_projects",
           "Share of projects abandoned", 0.30, 0.36, "share",
           _GARTNER_30 + "; 'at least 30%', so the kit aims a little above it",
           lambda df: outcome_share(df, OUTCOME_ABANDONED), centre=0.33),
    Target("stalled_share", "genai_projects",
           "Share of projects stalled in pilot (the rest)", 0.13, 0.25, "share", _SYNTH,
           lambda df: outcome_share(df, OUTCOME_STALLED)),
    Target("rph_lift_all", "support_pilot",
           "Resolutions per hour, assisted vs control, all agents", 0.11, 0.17, "lift",
           _BLR + ": +14% on average", lambda df: rph_lift(df), centre=0.14),
    Target("rph_lift_novice", "support_pilot",
           "Resolutions per hour, assisted vs control, novice agents (tenure 0-2 months)",
           0.28, 0.40, "lift", _BLR + ": about +34% for novice and low-skilled agents",
           lambda df: rph_lift(df, "novice"), centre=0.34),
    Target("rph_lift_most_experienced", "support_pilot",
           "Resolutions per hour, assisted vs control, most experienced agents (36+ months)",
           -0.05, 0.05, "lift", _BLR + ": about 0 for the most experienced and skilled agents",
           lambda df: rph_lift(df, "most experienced"), centre=0.0),
    Target("fcr_control", "support_pilot",
           "First-contact resolution, control arm", 0.67, 0.70, "share", _SQM_FCR,
           lambda df: first_contact_resolution(_arm(df, "control")), centre=0.685),
    Target("csat_top_box_control", "support_pilot",
           "CSAT top-box (share of 5s among answered surveys), control arm", 0.72, 0.78, "share",
           "Kit's worked example (75% to 80%); below the world-class level of 85% 'very "
           "satisfied' in SQM Group, 'Call Center Best Practices' (undated web page) [C]",
           lambda df: csat_top_box(_arm(df, "control")), centre=0.75),
    Target("csat_top_box_gain", "support_pilot",
           "CSAT top-box, assisted minus control", 0.01, 0.06, "points",
           _BLR + " reports better customer sentiment (the direction); " + _SIZE_SYNTH,
           lambda df: csat_top_box(_arm(df, "assisted")) - csat_top_box(_arm(df, "control"))),
    Target("escalation_change", "support_pilot",
           "Escalation rate, assisted vs control", -0.35, -0.05, "lift",
           _BLR + " reports fewer manager escalations (the direction); " + _SIZE_SYNTH,
           lambda df: escalation_rate(_arm(df, "assisted")) / escalation_rate(_arm(df, "control"))
           - 1),
    Target("survey_response_rate", "support_pilot",
           "Survey response rate (share of tickets with a CSAT answer)", 0.25, 0.30, "share",
           _SYNTH, survey_response_rate, centre=0.275),
    Target("aht_phone_control", "support_pilot",
           "Mean handle time of phone tickets, control arm", 6.0, 9.0, "minutes", _VENDOR_AHT,
           lambda df: mean_handle_time(_arm(df, "control"), "phone")),
    Target("aht_chat_control", "support_pilot",
           "Mean handle time of chat tickets, control arm", 10.0, 15.0, "minutes", _VENDOR_AHT,
           lambda df: mean_handle_time(_arm(df, "control"), "chat")),
    Target("report_stall", "report_automation",
           "Highest share automated in months 1-3 (the stall on dirty data)", 0.0, 0.15,
           "share", _ILLUSTRATIVE,
           lambda df: float(_month_rows(df, 1, 3)["share_automated"].max())),
    Target("report_automated", "report_automation",
           "Lowest share automated in months 9-12 (six months after the clean-up began in month 3)",
           0.75, 0.85, "share", _ILLUSTRATIVE,
           lambda df: float(_month_rows(df, 9, 12)["share_automated"].min())),
    Target("report_errors", "report_automation",
           "Highest error rate in months 9-12", 0.0, 0.03, "share", _ILLUSTRATIVE,
           lambda df: float(_month_rows(df, 9, 12)["error_rate"].max()), high_exclusive=True),
)

_BY_KEY = {t.key: t for t in TARGETS}


def target(key: str) -> Target:
    """The target called ``key``; raises ``KeyError`` listing the known keys."""
    if key not in _BY_KEY:
        raise KeyError(f"Unknown target {key!r}. Known targets: {', '.join(_BY_KEY)}.")
    return _BY_KEY[key]


def achieved(t: Target, df: pd.DataFrame) -> float:
    """The value of target ``t`` measured on ``df`` (a DataFrame of ``t.dataset``)."""
    return float(t.measure(df))
