"""Generator of ``genai_projects.csv``: a synthetic portfolio of enterprise GenAI projects.

A documented causal model: each project's context (industry, use case, sponsor) sets the odds
of each trap; the traps set the odds that the project fails to reach production; among the
failures, some traps make abandonment more likely than stalling. The two intercepts are solved
so the expected outcome shares equal the centres of the calibration targets in
``widgets.calibration`` (Gartner 2024: 48% reach production; Gartner Jul 2024: at least 30%
abandoned after proof of concept). Every coefficient below is a synthetic choice of this kit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from gen_common import markdown_table, sigmoid, solve_intercept

from widgets import calibration as cal
from widgets.schemas import INDUSTRIES, SPONSORS, USE_CASES

NAME = "genai_projects"
SEED = 3001
N_PROJECTS = 1000

INDUSTRY_WEIGHTS = dict(zip(INDUSTRIES, (0.18, 0.14, 0.14, 0.12, 0.10, 0.10, 0.08, 0.14),
                            strict=True))
#: Mean data readiness (1-5) by industry, before noise.
INDUSTRY_DATA_READINESS = dict(zip(INDUSTRIES, (3.2, 2.9, 2.6, 2.4, 2.3, 3.1, 2.6, 3.4),
                                   strict=True))
USE_CASE_WEIGHTS = dict(zip(USE_CASES, (0.24, 0.22, 0.14, 0.16, 0.14, 0.10), strict=True))
#: Mean technology readiness level evidenced for the task, before noise.
USE_CASE_TRL = dict(zip(USE_CASES, (6.0, 6.0, 5.0, 7.0, 6.0, 4.0), strict=True))
#: Median budget needed for the first 12 months, USD.
USE_CASE_BUDGET = dict(zip(USE_CASES, (600_000, 800_000, 400_000, 250_000, 200_000, 500_000),
                           strict=True))
#: Median annual value of a project that reaches production, as a multiple of its budget.
USE_CASE_VALUE_MULTIPLE = dict(zip(USE_CASES, (2.0, 1.6, 1.8, 2.2, 1.5, 1.4), strict=True))
SPONSOR_WEIGHTS = dict(zip(SPONSORS, (0.35, 0.35, 0.15, 0.15), strict=True))
#: Per sponsor: P(KPI defined), P(business owner involved), TRL optimism (levels), median
#: funding ratio (planned / needed).
SPONSOR_EFFECTS = {
    "CIO/IT": (0.45, 0.45, 0.0, 0.85),
    "business unit": (0.75, 0.90, 0.0, 0.85),
    "CEO/board": (0.55, 0.60, 1.0, 0.95),
    "innovation lab": (0.30, 0.35, 0.5, 0.80),
}
TRL_NOISE, TRL_EXPECTED_BASE, TRL_EXPECTED_NOISE = 1.0, 7, 0.9
DATA_NOISE = 0.9
BUDGET_SIGMA, FUNDING_SIGMA, FUNDING_CAP = 0.5, 0.25, 1.3
P_BASELINE_GIVEN_KPI = 0.60  # a baseline needs a KPI: P(baseline | no KPI) = 0
P_PILOT, P_PILOT_KPI_BONUS = 0.45, 0.20
P_TEAM, P_TEAM_OWNER_BONUS = 0.35, 0.30

#: Log-odds of NOT reaching production, per unit of each trap feature
#: (``widgets.calibration.TRAP_FEATURES`` defines the features).
FAILURE_COEF = {
    "maturity_gap": 0.45,
    "no_kpi": 0.80,
    "no_baseline": 0.50,
    "no_business_owner": 0.60,
    "funding_gap": 2.50,
    "data_gap": 0.40,
    "no_pilot": 0.60,
    "no_cross_functional_team": 0.50,
}
#: Among projects that fail, log-odds of being abandoned rather than stalled.
ABANDON_COEF = {
    "funding_gap": 2.0,
    "no_kpi": 0.6,
    "maturity_gap": 0.3,
}
#: Thresholds that make a continuous feature count as one "trap present" for value and time.
TRAP_PRESENT = {"maturity_gap": 2, "funding_gap": 0.2, "data_gap": 3}
VALUE_PER_TRAP, VALUE_SIGMA = -0.15, 0.5  # log of the value multiple per trap present
STALLED_P_ZERO_VALUE, STALLED_VALUE_SHARE = 0.6, 0.10
#: Months to the outcome: normal(mean, sd), rounded and clipped to [low, high]; production
#: takes MONTHS_PER_TRAP longer per trap present.
MONTHS = {cal.OUTCOME_PRODUCTION: (9, 3, 3, 36), cal.OUTCOME_STALLED: (16, 5, 6, 48),
          cal.OUTCOME_ABANDONED: (8, 3, 2, 24)}
MONTHS_PER_TRAP = 0.8


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    p = np.array(list(weights.values()))
    return rng.choice(np.array(list(weights)), size=n, p=p / p.sum())


def _round_to(x: np.ndarray, step: float) -> np.ndarray:
    return np.round(x / step) * step


def n_traps_present(features: pd.DataFrame) -> np.ndarray:
    """Number of traps present in each project (binary features, and thresholds above)."""
    count = np.zeros(len(features))
    for key in cal.TRAP_FEATURES:
        threshold = TRAP_PRESENT.get(key, 1)
        count += (features[key].to_numpy() >= threshold)
    return count


def build(seed: int = SEED, n: int = N_PROJECTS) -> pd.DataFrame:
    """The portfolio, one row per project, in the column order of the schema."""
    rng = np.random.default_rng(seed)
    industry = _pick(rng, INDUSTRY_WEIGHTS, n)
    use_case = _pick(rng, USE_CASE_WEIGHTS, n)
    sponsor = _pick(rng, SPONSOR_WEIGHTS, n)
    p_kpi, p_owner, optimism, funding = (np.array([SPONSOR_EFFECTS[s][i] for s in sponsor])
                                         for i in range(4))

    trl_assessed = np.clip(np.round(np.array([USE_CASE_TRL[u] for u in use_case])
                                    + rng.normal(0, TRL_NOISE, n)), 2, 9).astype(int)
    trl_expected = np.clip(np.round(TRL_EXPECTED_BASE + optimism
                                    + rng.normal(0, TRL_EXPECTED_NOISE, n)), 3, 9).astype(int)
    kpi = rng.random(n) < p_kpi
    baseline = kpi & (rng.random(n) < P_BASELINE_GIVEN_KPI)
    owner = rng.random(n) < p_owner
    team = rng.random(n) < P_TEAM + P_TEAM_OWNER_BONUS * owner
    pilot = rng.random(n) < P_PILOT + P_PILOT_KPI_BONUS * kpi
    data_readiness = np.clip(np.round(np.array([INDUSTRY_DATA_READINESS[i] for i in industry])
                                      + rng.normal(0, DATA_NOISE, n)), 1, 5).astype(int)
    needed = _round_to(np.array([USE_CASE_BUDGET[u] for u in use_case])
                       * rng.lognormal(0, BUDGET_SIGMA, n), 1000)
    ratio = np.minimum(funding * rng.lognormal(0, FUNDING_SIGMA, n), FUNDING_CAP)
    planned = _round_to(needed * ratio, 1000)

    df = pd.DataFrame({
        "project_id": [f"P{i:04d}" for i in range(1, n + 1)],
        "industry": industry, "use_case": use_case, "sponsor": sponsor,
        "trl_expected": trl_expected, "trl_assessed": trl_assessed,
        "kpi_defined": kpi, "baseline_measured": baseline, "business_owner_involved": owner,
        "budget_planned_usd": planned, "budget_needed_usd": needed,
        "data_readiness": data_readiness, "pilot_run": pilot, "cross_functional_team": team,
    })
    x = cal.project_trap_features(df)
    fail_offset = sum(c * x[k].to_numpy() for k, c in FAILURE_COEF.items())
    a0 = solve_intercept(fail_offset, 1 - cal.target("production_share").centre)
    p_fail = sigmoid(a0 + fail_offset)
    abandon_offset = sum(c * x[k].to_numpy() for k, c in ABANDON_COEF.items())
    c0 = solve_intercept(abandon_offset, cal.target("abandoned_share").centre, weights=p_fail)
    p_abandon = sigmoid(c0 + abandon_offset)
    failed = rng.random(n) < p_fail
    abandoned = failed & (rng.random(n) < p_abandon)
    outcome = np.where(~failed, cal.OUTCOME_PRODUCTION,
                       np.where(abandoned, cal.OUTCOME_ABANDONED, cal.OUTCOME_STALLED))

    traps = n_traps_present(x)
    multiple = (np.array([USE_CASE_VALUE_MULTIPLE[u] for u in use_case])
                * np.exp(VALUE_PER_TRAP * traps) * rng.lognormal(0, VALUE_SIGMA, n))
    stalled_value = np.where(rng.random(n) < STALLED_P_ZERO_VALUE, 0.0,
                             STALLED_VALUE_SHARE * rng.lognormal(0, VALUE_SIGMA, n))
    value = needed * np.select([outcome == cal.OUTCOME_PRODUCTION,
                                outcome == cal.OUTCOME_STALLED], [multiple, stalled_value], 0.0)
    months = np.zeros(n)
    for name, (mean, sd, low, high) in MONTHS.items():
        extra = MONTHS_PER_TRAP * traps if name == cal.OUTCOME_PRODUCTION else 0.0
        months = np.where(outcome == name,
                          np.clip(np.round(rng.normal(mean + extra, sd, n)), low, high), months)
    df["months_elapsed"] = months.astype(int)
    df["outcome"] = outcome
    df["value_realised_usd"] = _round_to(value, 1000)
    df.attrs["intercepts"] = (a0, c0)  # for the datasheet
    return df


FLOAT_FORMATS = {"budget_planned_usd": ".0f", "budget_needed_usd": ".0f",
                 "value_realised_usd": ".0f"}


def _pct(p: float) -> str:
    return f"{p:.0%}"


def model_markdown(df: pd.DataFrame) -> str:
    """The causal model that built ``df`` (equations, context tables, coefficients)."""
    a0, c0 = df.attrs["intercepts"]
    present = ", ".join(
        f"`{k}` >= {TRAP_PRESENT[k]:g}" if k in TRAP_PRESENT else f"`{k}`"
        for k in cal.TRAP_FEATURES)
    prod, stalled, abandoned = (MONTHS[o] for o in (
        cal.OUTCOME_PRODUCTION, cal.OUTCOME_STALLED, cal.OUTCOME_ABANDONED))
    equations = "\n".join([
        f"- `industry`, `use_case`, `sponsor`: drawn independently with the weights below "
        f"({N_PROJECTS:,} projects, seed {SEED}).",
        f"- `trl_assessed` = clip(round(TRL of the use case + normal(0, {TRL_NOISE:g})), 2, 9).",
        f"- `trl_expected` = clip(round({TRL_EXPECTED_BASE} + sponsor optimism + "
        f"normal(0, {TRL_EXPECTED_NOISE:g})), 3, 9).",
        "- `kpi_defined` ~ Bernoulli(P(KPI) of the sponsor); "
        f"`baseline_measured` = `kpi_defined` and Bernoulli({P_BASELINE_GIVEN_KPI:g}).",
        "- `business_owner_involved` ~ Bernoulli(P(owner) of the sponsor); "
        f"`cross_functional_team` ~ Bernoulli({P_TEAM:g} + {P_TEAM_OWNER_BONUS:g} x owner); "
        f"`pilot_run` ~ Bernoulli({P_PILOT:g} + {P_PILOT_KPI_BONUS:g} x KPI).",
        f"- `data_readiness` = clip(round(mean of the industry + normal(0, {DATA_NOISE:g})), "
        "1, 5).",
        f"- `budget_needed_usd` = median of the use case x lognormal(0, {BUDGET_SIGMA:g}); "
        f"`budget_planned_usd` = needed x min(funding ratio of the sponsor x "
        f"lognormal(0, {FUNDING_SIGMA:g}), {FUNDING_CAP:g}); both rounded to US$1,000.",
        "- P(not in production) = logistic(a + sum of b x feature); "
        "P(abandoned | not in production) = logistic(c + sum of g x feature); "
        "coefficients in the last table.",
        f"- Traps present (for value and time): {present}.",
        f"- `value_realised_usd`: in production, needed x value multiple of the use case x "
        f"exp({VALUE_PER_TRAP:g} x traps present) x lognormal(0, {VALUE_SIGMA:g}); "
        f"stalled, 0 with probability {STALLED_P_ZERO_VALUE:g}, else needed x "
        f"{STALLED_VALUE_SHARE:g} x lognormal(0, {VALUE_SIGMA:g}); abandoned, 0; "
        "rounded to US$1,000.",
        f"- `months_elapsed` = clip(round(normal(mean, sd))): in production "
        f"normal({prod[0]} + {MONTHS_PER_TRAP:g} x traps present, {prod[1]}) in "
        f"[{prod[2]}, {prod[3]}]; stalled normal({stalled[0]}, {stalled[1]}) in "
        f"[{stalled[2]}, {stalled[3]}]; abandoned normal({abandoned[0]}, {abandoned[1]}) in "
        f"[{abandoned[2]}, {abandoned[3]}].",
    ])
    industries = markdown_table(
        ["industry", "weight", "mean data readiness"],
        [[i, f"{INDUSTRY_WEIGHTS[i]:.2f}", f"{INDUSTRY_DATA_READINESS[i]:.1f}"]
         for i in INDUSTRIES])
    use_cases = markdown_table(
        ["use case", "weight", "TRL evidenced (mean)", "median budget needed",
         "value multiple in production (median)"],
        [[u, f"{USE_CASE_WEIGHTS[u]:.2f}", f"{USE_CASE_TRL[u]:.0f}",
          f"US${USE_CASE_BUDGET[u]:,}", f"{USE_CASE_VALUE_MULTIPLE[u]:.1f}"]
         for u in USE_CASES])
    sponsors = markdown_table(
        ["sponsor", "weight", "P(KPI)", "P(owner)", "TRL optimism", "funding ratio (median)"],
        [[sp, f"{SPONSOR_WEIGHTS[sp]:.2f}", _pct(e[0]), _pct(e[1]), f"+{e[2]:g}", f"{e[3]:.2f}"]
         for sp, e in SPONSOR_EFFECTS.items()])
    rows = [[f"`{k}`", cal.TRAP_FEATURES[k], f"{c:+.2f}",
             f"{ABANDON_COEF[k]:+.2f}" if k in ABANDON_COEF else "0"]
            for k, c in FAILURE_COEF.items()]
    rows.append(["intercept", "solved so the expected shares equal the target centres",
                 f"{a0:+.3f}", f"{c0:+.3f}"])
    coefficients = markdown_table(
        ["feature", "definition", "b: log-odds of failing, per unit",
         "g: log-odds of abandoning if failing, per unit"], rows)
    return "\n\n".join([equations, industries, use_cases, sponsors, coefficients])
