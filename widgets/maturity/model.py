"""Maturity reality check: is GenAI ready for *this* task, and how much can it really automate?

Two parts.

**Readiness level.** NASA's technology readiness levels (TRL 1-9) as reproduced by the
National Academies Press, each paired with the evidence a GenAI use case would show at that
level: a demo is lab evidence (TRL 3-4), a pilot in the relevant environment is TRL 5-6, and
production needs TRL 7-9 evidence in *your* environment. The GenAI column is the course
authors' interpretation, not a NASA statement. A level counts as evidenced only when every
level below it is evidenced too: a live system with no measured error rate is not TRL 7.

**Automation reality.** A teaching model, in two sentences: every task goes to the model; a
share goes straight out and the rest is checked by a person, who catches a fixed share of the
errors and redoes those tasks by hand. The tool picks the largest straight-through share whose
expected error rate stays within what the business accepts, planning on the upper end of the
error rate's confidence interval, and counts the hours saved against doing every task by hand.

In symbols, with model error rate ``p``, straight-through share ``s`` and review catch rate
``c``, the share of delivered tasks with an error is ``p * (1 - c * (1 - s))``; keeping it at or
below the acceptable rate ``e`` gives ``s = 1 - (1 - e / p) / c`` (clipped to 0..1). Errors that
slip through are not costed in hours (they are the residual error), and people are assumed not
to add errors of their own.

The error rate's confidence interval is statsmodels' ``proportion_confint`` with the Wilson
method, which stays sensible for the small samples and low error counts of a pilot review
(the plain Wald interval collapses to zero width when no error is found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from widgets import validate as v

__all__ = [
    "AUTOMATION_NOTE",
    "PRESETS",
    "TRL_LEVELS",
    "AutomationPlan",
    "AutomationReality",
    "ErrorEstimate",
    "ReadinessAssessment",
    "assess_readiness",
    "automation_plan",
    "error_rate_interval",
    "residual_error_curve",
    "simulate_automation",
]

#: The automation model in two sentences, for lessons and the app to quote.
AUTOMATION_NOTE = (
    "Every task goes to the model; a share goes straight out and the rest is checked by a "
    "person, who catches a fixed share of the errors and redoes those tasks by hand. The tool "
    "picks the largest straight-through share whose expected error rate stays within what the "
    "business accepts, planning on the upper end of the error rate's confidence interval, and "
    "counts the hours saved against doing every task by hand."
)

TRL_SOURCE = ("NASA technology readiness levels, as reproduced by the National Academies Press "
              "(nap.edu, record 12554, p. 68). The GenAI evidence for each level is the course "
              "authors' interpretation, not a NASA statement.")


@dataclass(frozen=True)
class ReadinessLevel:
    """One TRL: NASA's wording, what it means for GenAI, and the question that evidences it."""

    level: int
    stage: str
    nasa: str
    genai: str
    question: str
    short: str


TRL_LEVELS: tuple[ReadinessLevel, ...] = (
    ReadinessLevel(1, "research", "Basic principles observed and reported",
                   "Published results or vendor documentation show models doing tasks like "
                   "yours.",
                   "Is there published or documented evidence that current models can do this "
                   "kind of task?",
                   "documented for tasks like yours"),
    ReadinessLevel(2, "research", "Technology concept and/or application formulated",
                   "The use case is written down: inputs, outputs, users and the work it "
                   "changes.",
                   "Is the use case written down: inputs, expected outputs, users and the work "
                   "it changes?",
                   "use case written down"),
    ReadinessLevel(3, "demo (lab)", "Analytical and experimental critical-function proof of "
                   "concept",
                   "A proof of concept gave useful outputs on a handful of your own examples.",
                   "Has a proof of concept given useful outputs on a handful of your own real "
                   "examples?",
                   "proof of concept on your examples"),
    ReadinessLevel(4, "demo (lab)", "Component/breadboard validation in a laboratory "
                   "environment",
                   "In a sandbox, the model was scored against a labelled test set of your "
                   "data, giving a measured error rate.",
                   "Was the model scored in a sandbox against a labelled test set of your own "
                   "data, giving a measured error rate?",
                   "error rate measured in a sandbox"),
    ReadinessLevel(5, "pilot in the relevant environment", "Component/breadboard validation in a "
                   "relevant environment",
                   "The parts (model, prompts, retrieval, data feeds) ran on realistic, messy "
                   "data and volumes, edge cases included.",
                   "Did the parts run on realistic, production-like data and volumes, messy "
                   "records and edge cases included?",
                   "parts run on realistic data"),
    ReadinessLevel(6, "pilot in the relevant environment", "System/subsystem model or prototype "
                   "demonstration in a relevant environment",
                   "A complete prototype was piloted with real users on real work, against a "
                   "control group, with measured KPIs.",
                   "Has a complete prototype been piloted with real users on real work, against "
                   "a control group, with measured KPIs?",
                   "piloted against a control group"),
    ReadinessLevel(7, "production, operational", "System prototype demonstration "
                   "in an operational environment",
                   "The prototype ran in the live workflow, integrated with your systems, with "
                   "guardrails, human review and monitoring.",
                   "Has the prototype run in the live workflow, integrated with your systems, "
                   "with guardrails, review and monitoring in place?",
                   "live workflow with guardrails"),
    ReadinessLevel(8, "production, operational", "Actual system completed and "
                   "\"flight qualified\" through test and demonstration",
                   "The complete system passed acceptance: an evaluation suite, security and "
                   "compliance review, a runbook and named owners.",
                   "Has the complete system passed acceptance: an evaluation suite, security "
                   "and compliance review, a runbook and named owners?",
                   "passed acceptance"),
    ReadinessLevel(9, "production, operational", "Actual system \"flight proven\" "
                   "through successful mission operations",
                   "The system has run in production for a sustained period, with monitored "
                   "KPIs on target and a change process for models and data.",
                   "Has the system run in production for a sustained period, with monitored "
                   "KPIs on target and a change process for models and data?",
                   "proven in production"),
)
N_LEVELS = len(TRL_LEVELS)


@dataclass(frozen=True)
class ReadinessAssessment:
    """Expected against evidenced readiness.

    ``evidenced`` is 0 when not even TRL 1 is evidenced. ``gap`` is expected minus evidenced
    (negative when the evidence is ahead of the expectation). ``unsupported`` lists levels
    answered "yes" above the first missing one: claims the lower levels do not back.
    """

    expected: int
    evidenced: int
    unsupported: tuple[int, ...]

    @property
    def gap(self) -> int:
        return self.expected - self.evidenced

    @property
    def next_level(self) -> ReadinessLevel | None:
        """The first level not yet evidenced (None at TRL 9)."""
        return TRL_LEVELS[self.evidenced] if self.evidenced < N_LEVELS else None

    @property
    def verdict(self) -> str:
        if self.gap > 0:
            return (f"The plan assumes TRL {self.expected} but the evidence supports TRL "
                    f"{self.evidenced}: a gap of {self.gap} level{'s' if self.gap > 1 else ''}. "
                    "Close it with evidence before scaling, not with a launch date.")
        if self.gap == 0:
            return f"The evidence supports the TRL {self.expected} the plan assumes."
        return (f"The evidence (TRL {self.evidenced}) is ahead of the plan's assumption "
                f"(TRL {self.expected}).")


def _flags(value: object, field: str, length: int) -> tuple[bool, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise v.InputTypeError(field, f"{field} must be a list of {length} yes/no answers "
                                      f"(got {type(value).__name__})")
    if len(value) != length:
        raise v.InputError(field, f"{field} must hold exactly {length} yes/no answers, one per "
                                  f"level (got {len(value)})")
    out = []
    for i, x in enumerate(value):
        if not isinstance(x, (bool, np.bool_)):
            raise v.InputTypeError(field, f"{field}[{i}] must be True or False "
                                          f"(got {type(x).__name__})")
        out.append(bool(x))
    return tuple(out)


def assess_readiness(expected_level: int, evidence: Sequence[bool]) -> ReadinessAssessment:
    """Compare the readiness level a plan assumes with the level its evidence supports.

    Parameters
    ----------
    expected_level
        The TRL the plan assumes (1-9): e.g. 7 if it plans to go live next quarter.
    evidence
        Nine yes/no answers, one per question in ``TRL_LEVELS`` (TRL 1 first).

    Returns
    -------
    ReadinessAssessment
        The evidenced level (the highest level whose question, and every question below it,
        is answered yes), the gap, and any unsupported claims.
    """
    expected = v.integer(expected_level, "expected_level", min=1, max=N_LEVELS, unit="(TRL)")
    answers = _flags(evidence, "evidence", N_LEVELS)
    evidenced = answers.index(False) if False in answers else N_LEVELS
    unsupported = tuple(i + 1 for i, yes in enumerate(answers) if yes and i > evidenced)
    return ReadinessAssessment(expected, evidenced, unsupported)


@dataclass(frozen=True)
class ErrorEstimate:
    """The model's error rate from a reviewed pilot sample, with a confidence interval."""

    errors_found: int
    sample_reviewed: int
    confidence: float
    point: float
    low: float
    high: float


def error_rate_interval(errors_found: int, sample_reviewed: int, *,
                        confidence: float = 0.95) -> ErrorEstimate:
    """Estimate the error rate from ``errors_found`` errors in ``sample_reviewed`` items.

    Parameters
    ----------
    errors_found
        Items with an error in the reviewed sample, whole number, 0 to ``sample_reviewed``.
    sample_reviewed
        Items reviewed, whole number, 1 to 10,000,000.
    confidence
        Confidence level of the Wilson interval, 0.5 to 0.999.
    """
    n = v.integer(sample_reviewed, "sample_reviewed", min=1, max=10**7, unit="items")
    k = v.integer(errors_found, "errors_found", min=0, max=10**7, unit="items")
    if k > n:
        raise v.InputError("errors_found", f"errors_found must be at most sample_reviewed "
                                           f"({n:,}); got {k:,}")
    conf = v.number(confidence, "confidence", min=0.5, max=0.999)
    low, high = proportion_confint(k, n, alpha=1 - conf, method="wilson")
    # Wilson can land a hair outside [0, 1] by rounding; a rate cannot.
    return ErrorEstimate(k, n, conf, k / n, max(0.0, float(low)), min(1.0, float(high)))


@dataclass(frozen=True)
class AutomationPlan:
    """What one assumed error rate allows.

    Shares are fractions of all tasks; hours are per month.
    """

    error_rate: float
    automation_share: float  # released without human review
    residual_error: float  # share of delivered tasks with an error
    meets_target: bool
    acceptable_error_rate: float
    hours_manual: float  # doing every task by hand
    hours_review: float
    hours_rework: float  # redoing tasks whose error a reviewer caught
    tasks_per_month: float

    @property
    def reviewed_share(self) -> float:
        return 1.0 - self.automation_share

    @property
    def hours_with_model(self) -> float:
        return self.hours_review + self.hours_rework

    @property
    def hours_saved(self) -> float:
        """Net hours saved per month (negative when reviewing costs more than doing)."""
        return self.hours_manual - self.hours_with_model

    @property
    def errors_delivered(self) -> float:
        """Tasks per month delivered with an error."""
        return self.residual_error * self.tasks_per_month


def _residual(p: float, s: float, c: float) -> float:
    return p * (1 - c * (1 - s))


def _straight_through_share(p: float, e: float, c: float) -> float:
    if p <= e:
        return 1.0
    if c == 0:
        return 0.0
    return float(min(1.0, max(0.0, 1 - (1 - e / p) / c)))


def automation_plan(error_rate: float, *, tasks_per_month: float, acceptable_error_rate: float,
                    review_minutes: float, catch_rate: float,
                    manual_minutes: float) -> AutomationPlan:
    """The largest straight-through share an error rate allows, and the hours it saves.

    Parameters
    ----------
    error_rate
        Share of the model's outputs with an error, a fraction 0 to 1.
    tasks_per_month
        Tasks per month, 1 to 1,000,000,000.
    acceptable_error_rate
        Share of delivered tasks with an error the business accepts, a fraction in (0, 1).
    review_minutes
        Minutes a person spends reviewing one model output, 0 to 10,000.
    catch_rate
        Share of errors a reviewer catches, a fraction 0 to 1.
    manual_minutes
        Minutes a person spends doing one task by hand (also the cost of redoing a task
        whose error was caught), greater than 0, at most 10,000.

    Returns
    -------
    AutomationPlan
        When even full review cannot reach the acceptable error rate, the plan reviews
        everything, ``meets_target`` is False and the residual error shows by how much it
        misses.
    """
    p = v.fraction(error_rate, "error_rate")
    n = v.number(tasks_per_month, "tasks_per_month", min=1, max=1e9, unit="tasks per month")
    e = v.number(acceptable_error_rate, "acceptable_error_rate", min=0, max=1, min_open=True,
                 max_open=True)
    r = v.number(review_minutes, "review_minutes", min=0, max=10_000, unit="minutes")
    c = v.fraction(catch_rate, "catch_rate")
    m = v.positive(manual_minutes, "manual_minutes", max=10_000, unit="minutes")
    s = _straight_through_share(p, e, c)
    residual = _residual(p, s, c)
    reviewed = n * (1 - s)
    return AutomationPlan(
        error_rate=p, automation_share=s, residual_error=residual,
        meets_target=residual <= e * (1 + 1e-9), acceptable_error_rate=e,
        hours_manual=n * m / 60, hours_review=reviewed * r / 60,
        hours_rework=reviewed * p * c * m / 60, tasks_per_month=n,
    )


def residual_error_curve(error_rate: float, catch_rate: float, *,
                         points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Residual error against the straight-through share, from 0 (review all) to 1 (none).

    Parameters
    ----------
    error_rate, catch_rate
        Fractions 0 to 1, as in ``automation_plan``.
    points
        Points on the curve, 2 to 1,000.

    Returns
    -------
    shares, residual
        Two arrays of ``points`` fractions.
    """
    p = v.fraction(error_rate, "error_rate")
    c = v.fraction(catch_rate, "catch_rate")
    k = v.integer(points, "points", min=2, max=1000)
    shares = np.linspace(0.0, 1.0, k)
    return shares, p * (1 - c * (1 - shares))


@dataclass(frozen=True)
class AutomationReality:
    """Both plans: on the point estimate of the error rate, and on its upper bound."""

    estimate: ErrorEstimate
    expected: AutomationPlan  # planned on the point estimate
    conservative: AutomationPlan  # planned on the upper confidence bound
    catch_rate: float


def simulate_automation(tasks_per_month: float, errors_found: int, sample_reviewed: int, *,
                        acceptable_error_rate: float, review_minutes: float, catch_rate: float,
                        manual_minutes: float, confidence: float = 0.95) -> AutomationReality:
    """Automation share, residual error and hours saved, on the estimate and on its upper bound.

    Parameters
    ----------
    tasks_per_month
        Tasks per month, 1 to 1,000,000,000.
    errors_found, sample_reviewed
        Errors found when people reviewed a pilot sample of the model's outputs.
    acceptable_error_rate, review_minutes, catch_rate, manual_minutes
        As in ``automation_plan``.
    confidence
        Confidence level of the error rate's interval, 0.5 to 0.999.

    Returns
    -------
    AutomationReality
        Plan on ``conservative``: a small pilot sample leaves the true error rate uncertain,
        and the upper bound is what the business may really get.
    """
    est = error_rate_interval(errors_found, sample_reviewed, confidence=confidence)
    kwargs = dict(tasks_per_month=tasks_per_month, acceptable_error_rate=acceptable_error_rate,
                  review_minutes=review_minutes, catch_rate=catch_rate,
                  manual_minutes=manual_minutes)
    expected = automation_plan(est.point, **kwargs)
    conservative = automation_plan(est.high, **kwargs)
    return AutomationReality(est, expected, conservative, v.fraction(catch_rate, "catch_rate"))


@dataclass(frozen=True)
class Preset:
    """Inputs for ``simulate_automation`` with where they come from."""

    label: str
    values: dict
    note: str


_ARTICLE = ("Illustrative: the source article (a 2025 Chinese-language blog post on five GenAI "
            "traps) describes an anonymous financial institution whose report automation "
            "reached about 80% automated content with under 3% errors after about six months "
            "of data clean-up. The case cannot be traced to a public source. The 3% bar is the "
            "article's; the volumes, minutes, pilot sample and catch rate are assumptions chosen "
            "so that the point estimate lands near 80%.")
_DELLACQUA = ("Dell'Acqua et al., \"Navigating the Jagged Technological Frontier\", Harvard "
              "Business School working paper (2023), published in Organization Science (2026): "
              "758 BCG consultants using GPT-4. ")
_BAR = ("The acceptable error rate, 15.5%, is what consultants without AI got wrong on the "
        "study's outside-the-frontier task (84.5% correct): the bar \"no worse than without "
        "AI\", applied to both tasks. ")

PRESETS: dict[str, Preset] = {
    "financial-report": Preset(
        "Financial reports (illustrative)",
        dict(tasks_per_month=400, errors_found=11, sample_reviewed=300,
             acceptable_error_rate=0.03, review_minutes=6, catch_rate=0.9, manual_minutes=45),
        _ARTICLE),
    "frontier-inside": Preset(
        "Jagged frontier: task inside",
        dict(tasks_per_month=200, errors_found=5, sample_reviewed=100,
             acceptable_error_rate=0.155, review_minutes=10, catch_rate=0.6,
             manual_minutes=60),
        _DELLACQUA + "Inside the frontier, AI users finished 12.2% more tasks, 25.1% faster, "
        "with more than 40% higher quality; the study gives no error rate, so the 5 errors in "
        "100 here are an assumption. " + _BAR + "Volumes, minutes and the catch rate are "
        "assumptions."),
    "frontier-outside": Preset(
        "Jagged frontier: task outside",
        dict(tasks_per_month=200, errors_found=35, sample_reviewed=100,
             acceptable_error_rate=0.155, review_minutes=10, catch_rate=0.6,
             manual_minutes=60),
        _DELLACQUA + "Outside the frontier, AI users were 19 percentage points less likely to "
        "be correct (60-70.6% against 84.5% without AI); 35 errors in 100 sits inside that "
        "range, and the sample of 100 is an assumption. " + _BAR + "Volumes, minutes and the "
        "catch rate are assumptions."),
}
