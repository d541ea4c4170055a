"""Readiness diagnostic: twenty questions on the five traps, trap scores, a failure risk from a
logistic regression fitted on the project portfolio, and the top three actions.

The risk model
--------------
``fit_risk_model`` fits a logistic regression (statsmodels ``Logit``, maximum likelihood) of

    failed = 1 if outcome != "scaled to production" else 0

on eight trap indicators derived from the ``genai_projects`` columns (``trap_features``). Each
indicator is coded so that larger means worse, so a positive coefficient means the trap raises
the odds of failure; ``exp(coefficient)`` is the odds ratio for one unit more of it:

========================  ==================================================  ===============
feature                   derived from genai_projects                         unit
========================  ==================================================  ===============
maturity_gap              max(0, trl_expected - trl_assessed)                 TRL levels, 0-8
no_kpi                    1 - kpi_defined                                     0 or 1
no_baseline               1 - baseline_measured                               0 or 1
no_business_owner         1 - business_owner_involved                         0 or 1
funding_gap               max(0, 1 - budget_planned_usd / budget_needed_usd)  fraction 0-1
data_gap                  5 - data_readiness                                  levels 0-4
no_pilot                  1 - pilot_run                                       0 or 1
no_cross_functional_team  1 - cross_functional_team                           0 or 1
========================  ==================================================  ===============

The features are the kit's one definition, ``widgets.calibration.project_trap_features``: the
same indicators the portfolio's generator used, so the lesson can set the fitted coefficients
beside the generating ones in the datasheet.

Eight of the twenty questions map onto these features (``Question.feature`` and
``Question.feature_values``: the value each answer 0/1/2 stands for, the midpoint of the band the
rubric describes). The other twelve count in the trap scores and the actions but not in the
risk, because the portfolio has no column for them. The portfolio is synthetic, so the risk is
a teaching estimate: it shows how the traps combine, not the odds of a real project.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from widgets import calibration
from widgets import validate as v
from widgets.traps import BY_KEY, TRAP_KEYS

__all__ = [
    "FEATURES",
    "QUESTIONS",
    "Action",
    "Question",
    "Risk",
    "RiskModel",
    "coefficient_table",
    "features_from_answers",
    "fit_risk_model",
    "predict_risk",
    "summary_markdown",
    "top_actions",
    "trap_features",
    "trap_scores",
]

#: The model's features, in order, with what one unit means.
FEATURES: dict[str, str] = {
    "maturity_gap": "readiness levels the sponsor's expectation is above the evidence",
    "no_kpi": "no business KPI written down before the build",
    "no_baseline": "the KPI's baseline not measured before the pilot",
    "no_business_owner": "no named business owner in the design",
    "funding_gap": "share of the needed first-year budget that is not funded",
    "data_gap": "data-readiness levels below 'AI-ready' (5)",
    "no_pilot": "no bounded pilot with a control group before scaling",
    "no_cross_functional_team": "IT, business and data people not in one team",
}
SCALED = calibration.OUTCOME_PRODUCTION
MAX_POINTS = 2


@dataclass(frozen=True)
class Question:
    """One question: its trap, a short label, the question, what 0/1/2 mean, and the action
    when it scores below 2. ``feature``/``feature_values`` map the answer onto the risk model."""

    key: str
    trap: str
    label: str
    text: str
    rubric: tuple[str, str, str]
    action: str
    feature: str | None = None
    feature_values: tuple[float, float, float] | None = None


QUESTIONS: tuple[Question, ...] = (
    # ------------------------------------------------------------------ maturity
    Question("evidence", "maturity", "Evidence it works",
             "What evidence shows the technology works for this task?",
             ("A vendor demo or a lab test", "A pilot in a setting like ours",
              "In production on a comparable task"),
             "Run the task on real cases in your own environment before promising results."),
    Question("expectation_gap", "maturity", "Expectation vs evidence",
             "How far is what sponsors expect from what the evidence shows?",
             ("They expect production, the evidence is a demo (3+ levels)",
              "One or two readiness levels apart", "Expectations match the evidence"),
             "Write down the readiness level the evidence supports and reset expectations to it.",
             "maturity_gap", (3.0, 1.5, 0.0)),
    Question("error_rate", "maturity", "Error rate known",
             "Do you know the model's error rate on this task and the rate the business accepts?",
             ("Neither is known", "One of the two is known",
              "Both, measured on real cases"),
             "Measure the error rate on a sample of real cases and agree the acceptable rate."),
    Question("frontier", "maturity", "Inside the frontier",
             "Has the task been tested as inside what the model does well?",
             ("Not tested", "Some subtasks tested",
              "Tested; tasks outside stay with people"),
             "Split the task and test each part: keep the parts the model fails with people."),
    # ------------------------------------------------------------------ value
    Question("kpi", "value", "Business KPI",
             "Is there a business KPI the project must move?",
             ("No KPI written down", "Named, without formula or target",
              "Formula, target and window written before the build"),
             "Write the KPI tree: goal, driver KPIs with formula and target, then the lever.",
             "no_kpi", (1.0, 0.5, 0.0)),
    Question("baseline", "value", "Baseline measured",
             "Was the KPI's baseline measured before the pilot?",
             ("No", "Estimated, or from someone else's data",
              "Measured on our own data"),
             "Measure the baseline on your own data before the pilot starts.",
             "no_baseline", (1.0, 0.5, 0.0)),
    Question("business_owner", "value", "Business owner",
             "Does a named business owner take part in design and decisions?",
             ("No: IT or a lab leads alone", "Consulted now and then",
              "Named, in the team, accountable for the KPI"),
             "Name a business owner who is accountable for the KPI and sits in the team.",
             "no_business_owner", (1.0, 0.5, 0.0)),
    Question("guardrail", "value", "Quality guardrail",
             "Does every cost or speed KPI have a quality guardrail beside it?",
             ("No quality measure", "Quality watched informally",
              "A quality KPI with a threshold that stops the rollout"),
             "Add a quality KPI (CSAT, resolution, errors) with a stop threshold."),
    # ------------------------------------------------------------------ investment
    Question("budget", "investment", "Budget funded",
             "How much of the full first-year cost is funded?",
             ("Under half: mostly licences and the model", "Half to 90%",
              "90% or more, data, evaluation and change included"),
             "Budget every cost line (data, evaluation, change, risk), not only the model.",
             "funding_gap", (0.6, 0.3, 0.05)),
    Question("people", "investment", "People assigned",
             "Are data, engineering and business people assigned for the project's duration?",
             ("Part-time volunteers", "Some roles filled", "All roles staffed"),
             "Staff the data, engineering and business roles for the whole project."),
    Question("change", "investment", "Change and training",
             "Are change management and training funded?",
             ("No", "Partly", "Yes, with adoption targets"),
             "Fund training and change management, with adoption targets."),
    Question("horizon", "investment", "Time to value",
             "Does the plan allow value to build up over time rather than in one quarter?",
             ("Payback expected within a quarter", "Within a year",
              "Stage-gated over two to three years"),
             "Set stage gates with reviews instead of a one-quarter payback."),
    # ------------------------------------------------------------------ data
    Question("data_readiness", "data", "Data readiness",
             "How ready is the data the project needs?",
             ("Not available, or not profiled", "Profiled, with known gaps",
              "Cleaned and governed, or AI-ready"),
             "Profile the data and fund a clean-up before building on it.",
             "data_gap", (3.5, 2.0, 0.5)),
    Question("access", "data", "Access approved",
             "Is access to the data approved (privacy, security, licences)?",
             ("Not asked yet", "Requested", "Approved and documented"),
             "Get data access approved (privacy, security, licences) before the build."),
    Question("representative", "data", "Representative data",
             "Does the data represent the cases the system will meet?",
             ("Unknown", "Checked, with known skews",
              "Checked, skews corrected"),
             "Check the data for skews against the cases the system will meet."),
    Question("data_owner", "data", "Data owner",
             "Is there a data owner and a process to fix data issues?",
             ("No", "An owner, no process", "An owner and a process"),
             "Name a data owner and a process to fix data issues."),
    # ------------------------------------------------------------------ learning loop
    Question("pilot", "learning", "Controlled pilot",
             "Will a bounded pilot with a control group run before scaling?",
             ("No: straight to rollout", "A pilot without a control group",
              "A bounded pilot with a control group, sized in advance"),
             "Run a bounded pilot with a control group, sized before it starts.",
             "no_pilot", (1.0, 0.5, 0.0)),
    Question("team", "learning", "One team",
             "Do IT, business and data people work as one team?",
             ("Separate teams with hand-offs", "Joint steering only", "One team"),
             "Put IT, business and data people in one team with one backlog.",
             "no_cross_functional_team", (1.0, 0.5, 0.0)),
    Question("go_no_go", "learning", "Go/no-go rule",
             "Are go/no-go criteria written before the pilot starts?",
             ("No", "Informally", "Written, with guardrail metrics"),
             "Write go/no-go criteria and guardrails before the pilot starts."),
    Question("retrospective", "learning", "Retrospective",
             "Will the team run a retrospective and share what it learns?",
             ("No", "Within the team only", "Shared in a failure-case library"),
             "Hold a retrospective (or a pre-mortem now) and share it in a case library."),
)
BY_QUESTION: dict[str, Question] = {q.key: q for q in QUESTIONS}


# --------------------------------------------------------------------------- answers
def _answers(answers: object) -> dict[str, int]:
    if not isinstance(answers, Mapping):
        raise v.InputTypeError("answers", f"answers must map each question key to 0, 1 or 2 "
                                          f"(got {type(answers).__name__})")
    unknown = [k for k in answers if k not in BY_QUESTION]
    if unknown:
        raise v.InputError("answers", f"answers has unknown question(s) "
                                      f"{', '.join(map(str, unknown[:3]))}; the questions are "
                                      f"{', '.join(BY_QUESTION)}")
    out = {}
    for q in QUESTIONS:
        if q.key not in answers:
            raise v.InputError(q.key, f"{q.key} is not answered: choose 0, 1 or 2")
        out[q.key] = v.integer(answers[q.key], q.key, min=0, max=MAX_POINTS)
    return out


def trap_scores(answers: Mapping[str, int]) -> dict[str, float]:
    """Each trap's score: points / maximum points over its questions, from 0 (trap wide open)
    to 1 (covered). Keys follow ``widgets.traps`` order.

    Parameters
    ----------
    answers
        Every question key of ``QUESTIONS`` mapped to 0, 1 or 2 (see each rubric).
    """
    a = _answers(answers)
    out = {}
    for trap in TRAP_KEYS:
        keys = [q.key for q in QUESTIONS if q.trap == trap]
        out[trap] = sum(a[k] for k in keys) / (MAX_POINTS * len(keys))
    return out


def features_from_answers(answers: Mapping[str, int]) -> dict[str, float]:
    """The risk model's features for a questionnaire (see the module docstring)."""
    a = _answers(answers)
    return {q.feature: q.feature_values[a[q.key]] for q in QUESTIONS
            if q.feature is not None and q.feature_values is not None}


# --------------------------------------------------------------------------- the risk model
_PROJECT_COLUMNS = ("trl_expected", "trl_assessed", "kpi_defined", "baseline_measured",
                    "business_owner_involved", "budget_planned_usd", "budget_needed_usd",
                    "data_readiness", "pilot_run", "cross_functional_team", "outcome")


def _projects(projects: object, field: str = "projects") -> pd.DataFrame:
    if not isinstance(projects, pd.DataFrame):
        raise v.InputTypeError(field, f"{field} must be the genai_projects DataFrame "
                                      f"(got {type(projects).__name__})")
    missing = [c for c in _PROJECT_COLUMNS if c not in projects.columns]
    if missing:
        raise v.InputError(field, f"{field} is missing column(s) {', '.join(missing)} (see the "
                                  "genai_projects schema)")
    if len(projects) == 0:
        raise v.InputError(field, f"{field} must hold at least one project (got 0 rows)")
    for col in ("kpi_defined", "baseline_measured", "business_owner_involved", "pilot_run",
                "cross_functional_team"):
        s = projects[col]
        if s.isna().any() or not s.isin([True, False]).all():
            raise v.InputError(field, f"{field} column {col} must hold True/False values only")
    ranges = {"trl_expected": (1, 9), "trl_assessed": (1, 9), "data_readiness": (1, 5),
              "budget_planned_usd": (0, math.inf), "budget_needed_usd": (0, math.inf)}
    for col, (lo, hi) in ranges.items():
        s = projects[col]
        ok = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        x = s.to_numpy(dtype=float, na_value=np.nan) if ok else None
        if x is None or not np.isfinite(x).all() or (x < lo).any() or (x > hi).any():
            raise v.InputError(field, f"{field} column {col} must hold finite numbers from "
                                      f"{lo} to {hi}")
    if projects["outcome"].isna().any():
        raise v.InputError(field, f"{field} column outcome must have no missing values")
    return projects


def trap_features(projects: pd.DataFrame) -> pd.DataFrame:
    """The eight trap indicators of every project (columns in ``FEATURES`` order).

    Parameters
    ----------
    projects
        Rows with the ``genai_projects`` columns (see the module docstring for each formula).
        A project whose needed budget is 0 has no shortfall.

    Returns
    -------
    pandas.DataFrame
        One row per project, same index, float columns named as in ``FEATURES``.
    """
    return calibration.project_trap_features(_projects(projects))[list(FEATURES)]


@dataclass(frozen=True)
class RiskModel:
    """A fitted logistic regression of failure on the trap features.

    ``coef`` holds the intercept ("const") and one log-odds coefficient per feature;
    ``cov`` is their covariance matrix (same order: const, then ``FEATURES``).
    """

    coef: dict[str, float]
    std_err: dict[str, float]
    p_value: dict[str, float]
    cov: tuple[tuple[float, ...], ...]
    n: int
    failure_rate: float  # observed share of projects not scaled to production
    pseudo_r2: float  # McFadden's

    @property
    def names(self) -> tuple[str, ...]:
        return ("const", *FEATURES)


def fit_risk_model(projects: pd.DataFrame) -> RiskModel:
    """Fit the failure-risk logistic regression (statsmodels ``Logit``) on ``projects``.

    Parameters
    ----------
    projects
        The ``genai_projects`` dataset (or rows with its columns); at least 50 projects with
        both outcomes present.

    Raises
    ------
    InputError
        If the data cannot support the fit: too few projects, one outcome only, or a trap
        indicator that perfectly separates the outcomes (the fit would not converge).
    """
    x = trap_features(projects)
    y = (projects["outcome"].astype(str) != SCALED).astype(float).to_numpy()
    if len(y) < 50:
        raise v.InputError("projects", f"projects must hold at least 50 projects to fit the "
                                       f"risk model (got {len(y)})")
    if y.min() == y.max():
        raise v.InputError("projects", "projects must include both projects that reached "
                                       "production and projects that did not")
    # Imported here, not at the top: statsmodels brings scipy (about 60 MiB), and the
    # readiness app predicts from the fit stored by `make datasets` without ever fitting.
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    design = np.column_stack([np.ones(len(x)), x.to_numpy(dtype=float)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = Logit(y, design).fit(disp=0, maxiter=200)
        except np.linalg.LinAlgError:
            raise v.InputError("projects", "projects do not vary enough to fit the risk model "
                                           "(a trap indicator is constant or duplicated)") from None
    trouble = [w for w in caught
               if issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning))]
    if trouble or not result.mle_retvals.get("converged", False):
        raise v.InputError("projects", "the risk model did not converge on these projects "
                                       "(a trap indicator may separate the outcomes perfectly)")
    names = ("const", *FEATURES)
    cov = np.asarray(result.cov_params(), dtype=float)
    return RiskModel(
        coef=dict(zip(names, map(float, result.params), strict=True)),
        std_err=dict(zip(names, map(float, result.bse), strict=True)),
        p_value=dict(zip(names, map(float, result.pvalues), strict=True)),
        cov=tuple(tuple(map(float, row)) for row in cov),
        n=len(y), failure_rate=float(y.mean()), pseudo_r2=float(result.prsquared),
    )


@dataclass(frozen=True)
class Risk:
    """A predicted probability of failure with a 95% confidence interval (delta method)."""

    probability: float
    low: float
    high: float


def _risk_model(risk_model: object) -> RiskModel:
    if not isinstance(risk_model, RiskModel):
        raise v.InputTypeError("risk_model", f"risk_model must be a RiskModel from "
                                             f"fit_risk_model (got {type(risk_model).__name__})")
    return risk_model


def predict_risk(risk_model: RiskModel, features: Mapping[str, float]) -> Risk:
    """Probability that a project with these trap features does not reach production.

    ``p = 1 / (1 + exp(-(const + sum(coef_i * feature_i))))``; the 95% interval is computed
    on the log-odds scale from the coefficients' covariance, then transformed.

    Parameters
    ----------
    risk_model
        From ``fit_risk_model``.
    features
        Every name of ``FEATURES`` mapped to a finite value in its range (0-8 for
        maturity_gap, 0-1 for funding_gap and the 0/1 indicators, 0-4 for data_gap).
    """
    m = _risk_model(risk_model)
    if not isinstance(features, Mapping):
        raise v.InputTypeError("features", f"features must map each feature name to a number "
                                           f"(got {type(features).__name__})")
    limits = {"maturity_gap": 8.0, "data_gap": 4.0}
    unknown = [k for k in features if k not in FEATURES]
    if unknown:
        raise v.InputError("features", f"features has unknown name(s) "
                                       f"{', '.join(map(str, unknown[:3]))}")
    row = [1.0]
    for name in FEATURES:
        if name not in features:
            raise v.InputError(name, f"{name} is missing from features")
        row.append(v.number(features[name], name, min=0, max=limits.get(name, 1.0)))
    x = np.array(row)
    beta = np.array([m.coef[n] for n in m.names])
    eta = float(x @ beta)
    se = float(np.sqrt(max(x @ np.array(m.cov) @ x, 0.0)))

    def logistic(z: float) -> float:
        return float(1 / (1 + np.exp(-z)))

    return Risk(logistic(eta), logistic(eta - 1.959964 * se), logistic(eta + 1.959964 * se))


def coefficient_table(risk_model: RiskModel) -> pd.DataFrame:
    """The fitted coefficients for reading: feature, meaning, log-odds coefficient, standard
    error, odds ratio with its 95% interval, and p-value (intercept first)."""
    m = _risk_model(risk_model)
    rows = []
    for name in m.names:
        b, se = m.coef[name], m.std_err[name]
        rows.append({
            "feature": name,
            "meaning": FEATURES.get(name, "log-odds of failure with no trap indicator"),
            "coef": b, "std_err": se, "odds_ratio": math.exp(b),
            "or_low": math.exp(b - 1.959964 * se), "or_high": math.exp(b + 1.959964 * se),
            "p_value": m.p_value[name],
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- actions
@dataclass(frozen=True)
class Action:
    """A recommended action: where it comes from, what to do, which lesson teaches it, and
    (for questions the risk model uses) the modelled risk before and after fixing it."""

    trap: str
    question: str
    text: str
    lesson: str
    lesson_title: str
    risk_before: float | None = None
    risk_after: float | None = None


def top_actions(answers: Mapping[str, int], risk_model: RiskModel | None = None, *,
                n: int = 3) -> list[Action]:
    """The ``n`` most urgent actions: from the weakest traps first, one per trap while traps
    remain, the lowest-scoring question of each (ties: the larger modelled risk reduction,
    then question order). Questions already at 2 give no action.

    Parameters
    ----------
    answers
        The questionnaire (see ``trap_scores``).
    risk_model
        Optional; adds the modelled risk before and after each action that maps onto it.
    n
        How many actions, 1 to 10.
    """
    a = _answers(answers)
    count = v.integer(n, "n", min=1, max=10)
    m = None if risk_model is None else _risk_model(risk_model)
    scores = trap_scores(a)
    base_features = features_from_answers(a)
    before = predict_risk(m, base_features).probability if m else None

    def after(q: Question) -> float | None:
        if m is None or q.feature is None or q.feature_values is None:
            return None
        fixed = {**base_features, q.feature: q.feature_values[MAX_POINTS]}
        return predict_risk(m, fixed).probability

    candidates = []
    for i, q in enumerate(QUESTIONS):
        if a[q.key] >= MAX_POINTS:
            continue
        gain = 0.0 if (r := after(q)) is None or before is None else before - r
        candidates.append((scores[q.trap], a[q.key], -gain, i, q, r))
    candidates.sort(key=lambda c: c[:4])
    chosen, used_traps = [], set()
    for c in candidates:  # one per trap first, weakest trap first
        if c[4].trap not in used_traps and len(chosen) < count:
            chosen.append(c)
            used_traps.add(c[4].trap)
    for c in candidates:  # then fill from what is left
        if len(chosen) >= count:
            break
        if c not in chosen:
            chosen.append(c)
    chosen.sort(key=lambda c: c[:4])
    return [Action(q.trap, q.key, q.action, BY_KEY[q.trap].lesson, BY_KEY[q.trap].title,
                   before if r is not None else None, r) for *_, q, r in chosen]


def summary_markdown(answers: Mapping[str, int], risk_model: RiskModel | None = None, *,
                     project: str = "This project") -> str:
    """A one-page Markdown summary: trap scores, risk, top three actions and every answer."""
    a = _answers(answers)
    name = v.text(project, "project", max_length=120).replace("|", "/")
    m = None if risk_model is None else _risk_model(risk_model)
    scores = trap_scores(a)
    lines = [f"# Readiness diagnostic: {name}", ""]
    if m is not None:
        r = predict_risk(m, features_from_answers(a))
        lines += [f"**Estimated risk of not reaching production:** {r.probability * 100:.0f}% "
                  f"(95% interval {r.low * 100:.0f}-{r.high * 100:.0f}%), against "
                  f"{m.failure_rate * 100:.0f}% across the {m.n} projects of the synthetic "
                  "portfolio the model was fitted on. A teaching estimate, not a forecast.", ""]
    lines += ["## Trap scores", "", "| Trap | Score |", "| --- | --- |"]
    lines += [f"| {BY_KEY[t].title} | {s * 100:.0f}% |" for t, s in scores.items()]
    lines += ["", "## Top actions", ""]
    actions = top_actions(a, m)
    if not actions:
        lines.append("Every question scores 2: keep the evidence up to date.")
    for i, act in enumerate(actions, start=1):
        effect = (f" (modelled risk {act.risk_before * 100:.0f}% → {act.risk_after * 100:.0f}%)"
                  if act.risk_after is not None and act.risk_before is not None else "")
        lines.append(f"{i}. {act.text}{effect} Lesson: {act.lesson_title} "
                     f"(`lessons/{act.lesson}.ipynb`).")
    lines += ["", "## Answers", "", "| Trap | Question | Answer |", "| --- | --- | --- |"]
    lines += [f"| {BY_KEY[q.trap].title} | {q.text} | {a[q.key]}: {q.rubric[a[q.key]]} |"
              for q in QUESTIONS]
    return "\n".join(lines) + "\n"
