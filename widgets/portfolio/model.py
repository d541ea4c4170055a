"""Failure explorer: filter the project portfolio, see how outcomes vary with each trap factor,
and compare two groups side by side.

Works on ``genai_projects`` (a synthetic portfolio) or any frame with its columns; the trap
factors are the kit's one definition, ``widgets.calibration.project_trap_features``. Shares come
with 95% Wilson intervals (statsmodels ``proportion_confint``), and the difference between two
groups with a Newcombe interval (``confint_proportions_2indep``): filtered groups get small,
and a chart must not make noise look like a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from widgets import calibration
from widgets import validate as v
from widgets.readiness.model import trap_features
from widgets.schemas import INDUSTRIES, OUTCOMES, SPONSORS, USE_CASES

__all__ = [
    "FACTORS",
    "GROUPS",
    "Comparison",
    "Factor",
    "calibration_notes",
    "compare_groups",
    "factor_levels",
    "filter_projects",
    "group_mask",
    "outcome_by_factor",
]

SCALED, STALLED, ABANDONED = OUTCOMES


@dataclass(frozen=True)
class Factor:
    """A trap factor: its label and its levels, from the trap present to the trap absent."""

    key: str
    label: str
    trap: str
    levels: tuple[str, ...]


FACTORS: dict[str, Factor] = {f.key: f for f in (
    Factor("kpi_defined", "Business KPI defined", "value", ("Without a KPI", "With a KPI")),
    Factor("baseline_measured", "Baseline measured", "value",
           ("No baseline", "Baseline measured")),
    Factor("business_owner_involved", "Business owner involved", "value",
           ("No business owner", "Business owner involved")),
    Factor("maturity_gap", "Maturity gap (expected minus evidenced TRL)", "maturity",
           ("3+ levels", "2 levels", "1 level", "No gap")),
    Factor("funding_gap", "Budget funded (share of the need)", "investment",
           ("Under 50%", "50-70%", "70-90%", "90% or more")),
    Factor("data_readiness", "Data readiness", "data",
           ("1 not available", "2 unprofiled", "3 known gaps", "4 cleaned, governed",
            "5 AI-ready")),
    Factor("pilot_run", "Controlled pilot before scaling", "learning",
           ("No pilot", "Pilot with a control group")),
    Factor("cross_functional_team", "Cross-functional team", "learning",
           ("Separate teams", "One cross-functional team")),
)}

#: Named groups for the comparison: key -> (label, factor, levels it keeps).
GROUPS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "all": ("All projects in the filter", None, ()),
    "pilot": ("Ran a controlled pilot", "pilot_run", ("Pilot with a control group",)),
    "no_pilot": ("No controlled pilot", "pilot_run", ("No pilot",)),
    "kpi": ("KPI defined", "kpi_defined", ("With a KPI",)),
    "no_kpi": ("No KPI", "kpi_defined", ("Without a KPI",)),
    "baseline": ("Baseline measured", "baseline_measured", ("Baseline measured",)),
    "no_baseline": ("No baseline", "baseline_measured", ("No baseline",)),
    "owner": ("Business owner involved", "business_owner_involved",
              ("Business owner involved",)),
    "no_owner": ("No business owner", "business_owner_involved", ("No business owner",)),
    "team": ("Cross-functional team", "cross_functional_team",
             ("One cross-functional team",)),
    "no_team": ("Separate teams", "cross_functional_team", ("Separate teams",)),
    "no_gap": ("No maturity gap", "maturity_gap", ("No gap",)),
    "gap": ("Maturity gap of 2+ levels", "maturity_gap", ("3+ levels", "2 levels")),
    "funded": ("Funded 90% or more", "funding_gap", ("90% or more",)),
    "underfunded": ("Funded under 70%", "funding_gap", ("Under 50%", "50-70%")),
    "data_ready": ("Data readiness 4-5", "data_readiness",
                   ("4 cleaned, governed", "5 AI-ready")),
    "data_not_ready": ("Data readiness 1-2", "data_readiness",
                       ("1 not available", "2 unprofiled")),
}

_PORTFOLIO_COLUMNS = ("industry", "use_case", "sponsor", "months_elapsed",
                      "value_realised_usd")


def _projects(projects: object) -> pd.DataFrame:
    if not isinstance(projects, pd.DataFrame):
        raise v.InputTypeError("projects", f"projects must be the genai_projects DataFrame "
                                           f"(got {type(projects).__name__})")
    missing = [c for c in _PORTFOLIO_COLUMNS if c not in projects.columns]
    if missing:
        raise v.InputError("projects", f"projects is missing column(s) {', '.join(missing)} "
                                       "(see the genai_projects schema)")
    trap_features(projects)  # checks the trap columns and the outcome
    for col in ("months_elapsed", "value_realised_usd"):
        s = projects[col]
        ok = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if not ok or not np.isfinite(s.to_numpy(dtype=float, na_value=np.nan)).all() or (
                s < 0).any():
            raise v.InputError("projects", f"projects column {col} must hold finite numbers "
                                           "of 0 or more")
    bad = ~projects["outcome"].astype(str).isin(OUTCOMES)
    if bad.any():
        raise v.InputError("projects", f"projects column outcome must hold only "
                                       f"{', '.join(OUTCOMES)}")
    return projects


def _choices(values: object, field: str, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, (Sequence, set, frozenset)):
        raise v.InputTypeError(field, f"{field} must be a list of {field} names "
                                      f"(got {type(values).__name__})")
    return tuple(v.choice(x, field, allowed) for x in values)


def filter_projects(projects: pd.DataFrame, *, industries: Sequence[str] = (),
                    use_cases: Sequence[str] = (), sponsors: Sequence[str] = ()
                    ) -> pd.DataFrame:
    """The projects matching every filter; an empty filter keeps everything.

    Parameters
    ----------
    projects
        The ``genai_projects`` dataset.
    industries, use_cases, sponsors
        Names to keep (from ``widgets.schemas``: ``INDUSTRIES``, ``USE_CASES``,
        ``SPONSORS``); empty means all.
    """
    p = _projects(projects)
    keep = pd.Series(True, index=p.index)
    for column, values, field, allowed in (
            ("industry", industries, "industries", INDUSTRIES),
            ("use_case", use_cases, "use_cases", USE_CASES),
            ("sponsor", sponsors, "sponsors", SPONSORS)):
        chosen = _choices(values, field, allowed)
        if chosen:
            keep &= p[column].astype(str).isin(chosen)
    return p[keep]


def _levels(p: pd.DataFrame, factor: str) -> pd.Series:
    f = FACTORS[factor]
    feats = trap_features(p)
    if factor == "maturity_gap":
        code = np.clip(3 - feats["maturity_gap"].to_numpy(), 0, 3)
    elif factor == "funding_gap":
        funded = 1 - feats["funding_gap"].to_numpy()
        code = np.select([funded < 0.5, funded < 0.7, funded < 0.9], [0, 1, 2], 3)
    elif factor == "data_readiness":
        code = p["data_readiness"].to_numpy(dtype=float) - 1
    else:
        code = p[factor].astype(bool).to_numpy().astype(int)
    return pd.Series(pd.Categorical.from_codes(code.astype(int), list(f.levels), ordered=True),
                     index=p.index, name=factor)


def factor_levels(projects: pd.DataFrame, factor: str) -> pd.Series:
    """Each project's level of ``factor`` (an ordered categorical, trap present first).

    Bands: maturity gap = max(0, trl_expected - trl_assessed), 3 or more grouped; budget
    funded = budget_planned_usd / budget_needed_usd, bands at 50%, 70% and 90%.
    """
    key = v.choice(factor, "factor", FACTORS)
    return _levels(_projects(projects), key)


def outcome_by_factor(projects: pd.DataFrame, factor: str) -> pd.DataFrame:
    """Outcome shares at each level of a trap factor.

    Returns
    -------
    pandas.DataFrame
        One row per level (trap present first; levels with no project have n = 0 and NaN
        shares): ``level``, ``n``, ``scaled``, ``stalled``, ``abandoned`` (shares 0-1 that sum
        to 1), and ``scaled_low``/``scaled_high``, the 95% Wilson interval of ``scaled``.
    """
    key = v.choice(factor, "factor", FACTORS)
    p = _projects(projects)
    levels = _levels(p, key)
    outcome = p["outcome"].astype(str)
    rows = []
    for level in FACTORS[key].levels:
        o = outcome[levels == level]
        n = len(o)
        counts = {name: int((o == value).sum()) for name, value in
                  (("scaled", SCALED), ("stalled", STALLED), ("abandoned", ABANDONED))}
        share = counts["scaled"] / n if n else np.nan
        lo, hi = proportion_confint(counts["scaled"], n, method="wilson") if n else (np.nan,
                                                                                    np.nan)
        rows.append({"level": level, "n": n,
                     **{k: (c / n if n else np.nan) for k, c in counts.items()},
                     # rounding can put a bound a hair past the share (0 of n gives 3e-17)
                     "scaled_low": min(float(lo), share), "scaled_high": max(float(hi), share)})
    return pd.DataFrame(rows)


def group_mask(projects: pd.DataFrame, group: str) -> pd.Series:
    """Which projects belong to a named group (a key of ``GROUPS``)."""
    key = v.choice(group, "group", GROUPS)
    p = _projects(projects)
    _, factor, keep = GROUPS[key]
    if factor is None:
        return pd.Series(True, index=p.index)
    return _levels(p, factor).isin(keep)


@dataclass(frozen=True)
class Comparison:
    """Two groups side by side, and the difference in the share reaching production."""

    table: pd.DataFrame  # one row per measure; columns "A: <label>" and "B: <label>"
    n_a: int
    n_b: int
    diff: float  # share scaled in B minus share scaled in A
    diff_low: float
    diff_high: float


def compare_groups(projects: pd.DataFrame, group_a: str, group_b: str) -> Comparison:
    """Compare two named groups of the (already filtered) portfolio.

    Measures: projects; shares scaled to production, stalled and abandoned; median months to
    the recorded outcome; median annual value realised among projects that scaled (USD);
    median budget funded (planned / needed); shares with a KPI and with a controlled pilot.
    The difference in the share scaled (B minus A) has a 95% Newcombe (Wilson-score) interval.

    Raises
    ------
    InputError
        Naming ``group_a`` or ``group_b`` when that group has no project in the filter.
    """
    a_key = v.choice(group_a, "group_a", GROUPS)
    b_key = v.choice(group_b, "group_b", GROUPS)
    p = _projects(projects)
    feats = trap_features(p)
    columns = {}
    counts = {}
    for field, key in (("group_a", a_key), ("group_b", b_key)):
        rows = p[group_mask(p, key)]
        if len(rows) == 0:
            raise v.InputError(field, f"{field}: no project in the current filter is in "
                                      f"'{GROUPS[key][0]}'; widen the filter or pick another "
                                      "group")
        outcome = rows["outcome"].astype(str)
        scaled = rows[outcome == SCALED]
        counts[field] = (int((outcome == SCALED).sum()), len(rows))
        funded = 1 - feats.loc[rows.index, "funding_gap"]
        columns[f"{field[-1].upper()}: {GROUPS[key][0]}"] = {
            "Projects": float(len(rows)),
            "Reached production": float((outcome == SCALED).mean()),
            "Stalled in pilot": float((outcome == STALLED).mean()),
            "Abandoned": float((outcome == ABANDONED).mean()),
            "Median months to outcome": float(rows["months_elapsed"].median()),
            "Median annual value if scaled (USD)": (
                float(scaled["value_realised_usd"].median()) if len(scaled) else np.nan),
            "Median budget funded": float(funded.median()),
            "KPI defined": float(rows["kpi_defined"].astype(bool).mean()),
            "Controlled pilot": float(rows["pilot_run"].astype(bool).mean()),
        }
    (sa, na), (sb, nb) = counts["group_a"], counts["group_b"]
    lo, hi = confint_proportions_2indep(sb, nb, sa, na, method="newcomb", compare="diff")
    return Comparison(pd.DataFrame(columns), na, nb, sb / nb - sa / na, float(lo), float(hi))


def calibration_notes(projects: pd.DataFrame) -> list[str]:
    """What the synthetic portfolio was calibrated to, and what ``projects`` shows.

    One line per ``genai_projects`` target of ``widgets.calibration`` (the table the datasheet's
    "Calibration targets" section is generated from): the measure, its value in ``projects``,
    the accepted range and the source with its status tag.
    """
    p = _projects(projects)
    out = []
    for t in calibration.TARGETS:
        if t.dataset != "genai_projects":
            continue
        value = calibration.achieved(t, p)
        out.append(f"{t.what}: {value * 100:.0f}% here (target {t.low * 100:.0f}% to "
                   f"{t.high * 100:.0f}%). Source: {t.source}.")
    return out
