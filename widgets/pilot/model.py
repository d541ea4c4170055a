"""Pilot designer: size a controlled GenAI pilot, see what a small one risks, and judge the result.

Library choices, and why:

* Sample sizes, power and confidence intervals come from statsmodels, the field's standard:

  - proportions (first-contact resolution, CSAT top-box, escalation rate):
    ``samplesize_proportions_2indep_onetail`` and ``power_proportions_2indep`` with a
    two-sided alternative; they use the pooled variance under the null and the unpooled
    variance under the alternative (the textbook formula; CSAT 75% -> 80% at alpha 0.05,
    power 0.8 gives 1,094 per arm);
  - means (handle time): ``TTestIndPower`` on the standardised effect delta / sd;
  - a finished pilot: ``confint_proportions_2indep`` (Newcombe's hybrid score interval, which
    keeps its coverage for rates near 0% or 100%, unlike the plain Wald interval) and
    ``test_proportions_2indep`` (the pooled score test, the same test the sample size assumes);
    means use Welch's t interval, with the t distribution from scipy.

* The Monte Carlo of an underpowered pilot is plain vectorised numpy: one call draws every
  simulated pilot at once, so 20,000 pilots take a few milliseconds and a view can refresh it on
  every change. The test inside it is the same pooled z-test as above.

Rates are fractions throughout (0.75 for 75%); a change in a rate is a difference of fractions
(0.05 for +5 percentage points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np
from scipy import stats
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
    test_proportions_2indep,
)

from widgets import validate as v

__all__ = [
    "Guardrail",
    "MeansComparison",
    "PilotDecision",
    "PilotPlan",
    "PilotReview",
    "PilotSimulation",
    "PowerCurve",
    "ProportionComparison",
    "compare_means",
    "compare_proportions",
    "go_no_go",
    "guardrail",
    "pilot_duration_weeks",
    "plan_for_proportion",
    "power_curve_means",
    "power_curve_proportions",
    "review_rate_pilot",
    "sample_size_means",
    "sample_size_proportions",
    "simulate_pilot",
]

Verdict = Literal["go", "no-go", "extend"]
MAX_SIMULATIONS = 200_000


def _alpha_power(alpha: float, power: float) -> tuple[float, float]:
    a = v.number(alpha, "alpha", min=0.001, max=0.2)
    p = v.number(power, "power", min=0.5, max=0.99)
    return a, p


def _alpha(alpha: float) -> float:
    return v.number(alpha, "alpha", min=0.001, max=0.2)


def _rate(value: float, name: str) -> float:
    return v.number(value, name, min=0, max=1, min_open=True, max_open=True)


def _split(share_assisted: float) -> float:
    return v.number(share_assisted, "share_assisted", min=0.05, max=0.95)


def sample_size_proportions(p_baseline: float, p_target: float, *, alpha: float = 0.05,
                            power: float = 0.8) -> int:
    """Contacts needed per arm to detect a change in a rate (two-sided test, equal arms).

    Parameters
    ----------
    p_baseline
        Rate in the control arm, as a fraction (0.75 for 75%); strictly between 0 and 1.
    p_target
        Rate the assisted arm must reach to matter (the minimum detectable effect is
        ``p_target - p_baseline``); strictly between 0 and 1 and different from the baseline.
    alpha
        Two-sided significance level, 0.001 to 0.2.
    power
        Probability of detecting the effect if it is real, 0.5 to 0.99.

    Returns
    -------
    int
        Contacts per arm (rounded up).
    """
    p0 = _rate(p_baseline, "p_baseline")
    p1 = _rate(p_target, "p_target")
    a, pw = _alpha_power(alpha, power)
    _check_effect(p0, p1)
    n = samplesize_proportions_2indep_onetail(p1 - p0, p0, pw, ratio=1, alpha=a,
                                              alternative="two-sided")
    return math.ceil(n)


def _check_effect(p0: float, p1: float) -> None:
    if abs(p1 - p0) < 1e-4:
        raise v.InputError("p_target", "p_target must differ from p_baseline by at least "
                                       "0.0001 (one hundredth of a percentage point)")


def sample_size_means(delta: float, sd: float, *, alpha: float = 0.05,
                      power: float = 0.8) -> int:
    """Contacts needed per arm to detect a change ``delta`` in a mean (two-sided t-test).

    Parameters
    ----------
    delta
        Smallest change worth detecting, in the metric's unit (e.g. -1 minute of handle
        time); between 0.001 and 5 standard deviations away from zero.
    sd
        Standard deviation of the metric per contact, same unit; greater than 0.
    alpha, power
        As in ``sample_size_proportions``.
    """
    d = v.number(delta, "delta", min=-1e6, max=1e6)
    s = v.positive(sd, "sd", max=1e6)
    a, pw = _alpha_power(alpha, power)
    _check_standardised(d, s)
    n = TTestIndPower().solve_power(effect_size=abs(d) / s, alpha=a, power=pw, ratio=1.0,
                                    alternative="two-sided")
    return math.ceil(n)


def _check_standardised(delta: float, sd: float) -> None:
    if abs(delta) / sd < 1e-3:
        raise v.InputError("delta", "delta must be at least 0.001 standard deviations away "
                                    "from zero")
    if abs(delta) / sd > 5:  # statsmodels' solver and power fail (NaN) beyond this
        raise v.InputError("delta", "delta must be at most 5 standard deviations (sd) from "
                                    "zero; an effect that large needs no pilot to be seen")


def pilot_duration_weeks(n_per_arm: int, weekly_contacts: float, *,
                         share_in_pilot: float = 1.0, share_assisted: float = 0.5) -> int:
    """Whole weeks until both arms reach ``n_per_arm`` contacts.

    Parameters
    ----------
    n_per_arm
        Contacts each arm needs, at least 1.
    weekly_contacts
        Eligible contacts per week (for a survey metric: survey responses per week), 0.01 to
        1,000,000,000.
    share_in_pilot
        Share of eligible contacts routed into the pilot, 0.001 to 1.
    share_assisted
        Share of pilot contacts in the assisted arm, 0.001 to 0.999.
    """
    n = v.integer(n_per_arm, "n_per_arm", min=1, max=10**9)
    traffic, share = _traffic(weekly_contacts, share_in_pilot)
    split = v.number(share_assisted, "share_assisted", min=0.001, max=0.999)
    slowest_arm = traffic * share * min(split, 1 - split)
    return _weeks(n, slowest_arm)


def _traffic(weekly_contacts: float, share_in_pilot: float) -> tuple[float, float]:
    # Floors keep the weeks finite: a share of 1e-300 would make the duration overflow.
    traffic = v.number(weekly_contacts, "weekly_contacts", min=0.01, max=1e9,
                       unit="contacts per week")
    share = v.number(share_in_pilot, "share_in_pilot", min=0.001, max=1)
    return traffic, share


def _weeks(n: float, per_week: float) -> int:
    # The epsilon keeps 1094 / 273.5 = 4.0000000001 (float noise) at 4 weeks, not 5.
    return max(1, math.ceil(n / per_week - 1e-9))


@dataclass(frozen=True)
class PilotPlan:
    """A sized pilot for a rate KPI.

    ``n_assisted`` and ``n_control`` are contacts per arm; with an even split they are equal.
    ``weeks`` is the whole number of weeks until both arms have their contacts.
    """

    p_baseline: float
    p_target: float
    alpha: float
    power: float
    n_assisted: int
    n_control: int
    weekly_contacts: float
    weeks: int
    share_in_pilot: float = 1.0
    share_assisted: float = 0.5

    @property
    def n_per_arm(self) -> int:
        """Contacts in the larger arm (both arms, with an even split)."""
        return max(self.n_assisted, self.n_control)

    @property
    def even_split(self) -> bool:
        return self.n_assisted == self.n_control

    @property
    def n_total(self) -> int:
        return self.n_assisted + self.n_control

    @property
    def mde_points(self) -> float:
        """Minimum detectable effect in percentage points."""
        return (self.p_target - self.p_baseline) * 100


def plan_for_proportion(p_baseline: float, p_target: float, weekly_contacts: float, *,
                        alpha: float = 0.05, power: float = 0.8, share_in_pilot: float = 1.0,
                        share_assisted: float = 0.5) -> PilotPlan:
    """Size a pilot on a rate KPI and say how many weeks it needs.

    Parameters
    ----------
    p_baseline, p_target, alpha, power
        As in ``sample_size_proportions``.
    weekly_contacts
        Eligible contacts (or survey answers) per week, 0.01 to 1,000,000,000.
    share_in_pilot
        Share of eligible contacts routed into the pilot, 0.001 to 1.
    share_assisted
        Share of pilot contacts given the assistant, 0.05 to 0.95. An uneven split needs more
        contacts in total than an even one for the same power, but can limit exposure to an
        unproven assistant; statsmodels sizes both arms for the chosen ratio.

    Returns
    -------
    PilotPlan
        Contacts per arm and the whole weeks until both arms have them.
    """
    p0 = _rate(p_baseline, "p_baseline")
    p1 = _rate(p_target, "p_target")
    a, pw = _alpha_power(alpha, power)
    _check_effect(p0, p1)
    traffic, share = _traffic(weekly_contacts, share_in_pilot)
    split = _split(share_assisted)
    ratio = (1 - split) / split  # statsmodels: nobs2 (control) = ratio * nobs1 (assisted)
    n1 = samplesize_proportions_2indep_onetail(p1 - p0, p0, pw, ratio=ratio, alpha=a,
                                               alternative="two-sided")
    # Rounding to 1e-6 first keeps an even split exactly even (1093.9999 and 1094.0000001).
    n_assisted = math.ceil(round(n1, 6))
    n_control = math.ceil(round(n1 * ratio, 6))
    weeks = max(_weeks(n_assisted, traffic * share * split),
                _weeks(n_control, traffic * share * (1 - split)))
    return PilotPlan(p0, p1, a, pw, n_assisted, n_control, traffic, weeks, share, split)


@dataclass(frozen=True)
class PowerCurve:
    """Power against contacts per arm (assisted arm; control scales with the split)."""

    n_per_arm: np.ndarray
    power: np.ndarray
    alpha: float
    effect: float  # in the metric's unit: a difference of fractions for rates

    def power_at(self, n: float) -> float:
        """Power at ``n`` contacts per arm, interpolated on the curve."""
        return float(np.interp(n, self.n_per_arm, self.power))


def _grid(n_max: int, points: int) -> np.ndarray:
    return np.unique(np.linspace(2, n_max, points).round().astype(int))


def power_curve_proportions(p_baseline: float, p_target: float, *, n_max: int,
                            alpha: float = 0.05, share_assisted: float = 0.5,
                            points: int = 60) -> PowerCurve:
    """Power of the two-sided test on a rate, for pilots from 2 to ``n_max`` contacts per arm.

    Parameters
    ----------
    p_baseline, p_target
        Control rate and the rate the assisted arm truly reaches, fractions in (0, 1).
    n_max
        Largest number of contacts in the assisted arm on the curve, 10 to 10,000,000.
    alpha
        Two-sided significance level, 0.001 to 0.2.
    share_assisted
        Share of pilot contacts given the assistant, 0.05 to 0.95.
    points
        Number of points on the curve, 10 to 400.
    """
    p0 = _rate(p_baseline, "p_baseline")
    p1 = _rate(p_target, "p_target")
    _check_effect(p0, p1)
    n_max = v.integer(n_max, "n_max", min=10, max=10**7)
    a = _alpha(alpha)
    split = _split(share_assisted)
    points = v.integer(points, "points", min=10, max=400)
    n = _grid(n_max, points)
    power = power_proportions_2indep(p1 - p0, p0, n, ratio=(1 - split) / split, alpha=a,
                                     alternative="two-sided", return_results=False)
    return PowerCurve(n, np.asarray(power, dtype=float), a, p1 - p0)


def power_curve_means(delta: float, sd: float, *, n_max: int, alpha: float = 0.05,
                      points: int = 60) -> PowerCurve:
    """Power of the two-sided t-test on a mean, for 2 to ``n_max`` contacts per arm.

    Parameters
    ----------
    delta
        True change in the mean, in the metric's unit (e.g. -1 minute); between 0.001 and 5
        standard deviations away from zero.
    sd
        Standard deviation per contact, same unit; greater than 0.
    n_max, alpha, points
        As in ``power_curve_proportions`` (equal arms).
    """
    d = v.number(delta, "delta", min=-1e6, max=1e6)
    s = v.positive(sd, "sd", max=1e6)
    _check_standardised(d, s)
    n_max = v.integer(n_max, "n_max", min=10, max=10**7)
    a = _alpha(alpha)
    points = v.integer(points, "points", min=10, max=400)
    n = _grid(n_max, points)
    power = TTestIndPower().power(effect_size=abs(d) / s, nobs1=n, alpha=a, ratio=1.0,
                                  alternative="two-sided")
    return PowerCurve(n, np.asarray(power, dtype=float), a, d)


@dataclass(frozen=True)
class PilotSimulation:
    """What many pilots of one size would show, for one true effect on a rate.

    All probabilities are shares of the simulated pilots. "Significant" means the two-sided
    pooled z-test rejects "no difference" at ``alpha``.
    """

    p_baseline: float
    true_effect: float
    n_per_arm: int
    alpha: float
    estimates: np.ndarray = field(repr=False)  # estimated effect of each pilot (fractions)
    significant: np.ndarray = field(repr=False)  # bool per pilot

    @property
    def n_sims(self) -> int:
        return int(self.estimates.size)

    @property
    def power(self) -> float:
        """Share of pilots that find the real effect: significant, in its direction."""
        if self.true_effect == 0:
            return float("nan")
        right = np.sign(self.estimates) == np.sign(self.true_effect)
        return float(np.mean(self.significant & right))

    @property
    def false_win(self) -> float:
        """Share of pilots that report a false finding.

        With no true effect: any significant result. With a true effect: a significant result
        in the wrong direction (a sign error).
        """
        if self.true_effect == 0:
            return float(np.mean(self.significant))
        wrong = np.sign(self.estimates) == -np.sign(self.true_effect)
        return float(np.mean(self.significant & wrong))

    @property
    def false_loss(self) -> float:
        """Share of pilots that miss a real effect (not significant in its direction)."""
        if self.true_effect == 0:
            return 0.0
        return 1.0 - self.power

    @property
    def exaggeration(self) -> float:
        """Average size of a significant estimate divided by the true effect (1 = unbiased).

        Small pilots only reach significance when chance inflates the estimate, so the
        "winners" overstate the effect. NaN when the true effect is 0 or nothing is significant.
        """
        if self.true_effect == 0 or not self.significant.any():
            return float("nan")
        return float(np.mean(np.abs(self.estimates[self.significant]))
                     / abs(self.true_effect))


def simulate_pilot(p_baseline: float, true_effect: float, n_per_arm: int, *,
                   alpha: float = 0.05, n_sims: int = 20_000, seed: int = 2025) -> PilotSimulation:
    """Run ``n_sims`` pilots of ``n_per_arm`` contacts per arm at once (vectorised, seeded).

    Each pilot draws the successes of each arm from a binomial distribution, estimates the
    effect as the difference of the two observed rates, and applies the two-sided pooled
    z-test (the test the sample-size formula assumes).

    Parameters
    ----------
    p_baseline
        True rate in the control arm, a fraction in (0, 1).
    true_effect
        True change in the rate with the assistant (0.05 for +5 percentage points); the
        assisted rate ``p_baseline + true_effect`` must stay strictly between 0 and 1.
        Use 0 to see how often a useless assistant "wins".
    n_per_arm
        Contacts in each arm, 10 to 10,000,000.
    alpha
        Two-sided significance level, 0.001 to 0.2.
    n_sims
        Number of simulated pilots, 100 to 200,000.
    seed
        Seed of the random generator, 0 to 2**32 - 1; the same seed gives the same pilots.
    """
    p0 = _rate(p_baseline, "p_baseline")
    effect = v.number(true_effect, "true_effect", min=-1, max=1)
    if not 0 < p0 + effect < 1:
        raise v.InputError("true_effect", "true_effect must keep the assisted rate "
                                          f"(p_baseline + true_effect = {p0 + effect:.4g}) "
                                          "strictly between 0 and 1")
    n = v.integer(n_per_arm, "n_per_arm", min=10, max=10**7)
    a = _alpha(alpha)
    sims = v.integer(n_sims, "n_sims", min=100, max=MAX_SIMULATIONS)
    seed = v.integer(seed, "seed", min=0, max=2**32 - 1)
    rng = np.random.default_rng(seed)
    control = rng.binomial(n, p0, size=sims)
    assisted = rng.binomial(n, p0 + effect, size=sims)
    estimates = (assisted - control) / n
    pooled = (assisted + control) / (2 * n)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    z_crit = NormalDist().inv_cdf(1 - a / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        # se is 0 only when both arms are all successes or all failures: no evidence at all.
        significant = np.where(se > 0, np.abs(estimates) > z_crit * se, False)
    return PilotSimulation(p0, effect, n, a, estimates, significant)


@dataclass(frozen=True)
class ProportionComparison:
    """A finished pilot's rate KPI: assisted minus control, with its confidence interval."""

    p_control: float
    p_assisted: float
    n_control: int
    n_assisted: int
    difference: float  # assisted - control, a difference of fractions
    ci_low: float
    ci_high: float
    p_value: float
    alpha: float

    @property
    def significant(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def _count_pair(successes: int, contacts: int, s_name: str, n_name: str) -> tuple[int, int]:
    n = v.integer(contacts, n_name, min=1, max=10**9)
    x = v.integer(successes, s_name, min=0, max=10**9)
    if x > n:
        raise v.InputError(s_name, f"{s_name} must be at most {n_name} ({n:,}); got {x:,}")
    return x, n


def compare_proportions(successes_control: int, contacts_control: int,
                        successes_assisted: int, contacts_assisted: int, *,
                        alpha: float = 0.05) -> ProportionComparison:
    """Difference in a rate between the arms of a finished pilot, with a confidence interval.

    Parameters
    ----------
    successes_control, contacts_control
        Contacts in the control arm that met the KPI (e.g. resolved on first contact), and
        all contacts in that arm; whole numbers, successes at most contacts, contacts >= 1.
    successes_assisted, contacts_assisted
        The same for the assisted arm.
    alpha
        1 minus the confidence level, 0.001 to 0.2 (0.05 gives a 95% interval).

    Returns
    -------
    ProportionComparison
        The difference assisted - control (a difference of fractions: 0.05 is +5 points),
        Newcombe's hybrid score interval (``confint_proportions_2indep``, method "newcomb")
        and the p-value of the pooled score test (``test_proportions_2indep``, method "score").
    """
    x0, n0 = _count_pair(successes_control, contacts_control, "successes_control",
                         "contacts_control")
    x1, n1 = _count_pair(successes_assisted, contacts_assisted, "successes_assisted",
                         "contacts_assisted")
    a = _alpha(alpha)
    low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff",
                                           alpha=a)
    if x0 + x1 in (0, n0 + n1):  # no variation at all: the score test is undefined
        p_value = 1.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):  # it also reports a ratio: 1/0
            test = test_proportions_2indep(x1, n1, x0, n0, method="score", compare="diff",
                                           correction=False)
        p_value = float(test.pvalue)
    return ProportionComparison(x0 / n0, x1 / n1, n0, n1, x1 / n1 - x0 / n0, float(low),
                                float(high), p_value, a)


@dataclass(frozen=True)
class MeansComparison:
    """A finished pilot's mean KPI: assisted minus control, with Welch's t interval."""

    mean_control: float
    mean_assisted: float
    difference: float  # assisted - control, in the metric's unit
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    alpha: float

    @property
    def significant(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def compare_means(mean_control: float, sd_control: float, n_control: int,
                  mean_assisted: float, sd_assisted: float, n_assisted: int, *,
                  alpha: float = 0.05) -> MeansComparison:
    """Difference in a mean (e.g. handle time) between the arms, from summary statistics.

    Welch's t interval: it does not assume the arms have the same spread.
    ``se = sqrt(sd_c**2 / n_c + sd_a**2 / n_a)``, degrees of freedom by Welch-Satterthwaite,
    interval ``difference +/- t(1 - alpha/2, df) * se``.

    Parameters
    ----------
    mean_control, mean_assisted
        Average of the metric in each arm, in its unit (e.g. minutes).
    sd_control, sd_assisted
        Standard deviation per contact in each arm, same unit, 0.000000001 to 1,000,000,000.
    n_control, n_assisted
        Contacts in each arm, whole numbers, at least 2.
    alpha
        1 minus the confidence level, 0.001 to 0.2.
    """
    m0 = v.number(mean_control, "mean_control", min=-1e9, max=1e9)
    s0 = v.number(sd_control, "sd_control", min=1e-9, max=1e9)
    n0 = v.integer(n_control, "n_control", min=2, max=10**9)
    m1 = v.number(mean_assisted, "mean_assisted", min=-1e9, max=1e9)
    s1 = v.number(sd_assisted, "sd_assisted", min=1e-9, max=1e9)
    n1 = v.integer(n_assisted, "n_assisted", min=2, max=10**9)
    a = _alpha(alpha)
    var0, var1 = s0**2 / n0, s1**2 / n1
    se = math.sqrt(var0 + var1)
    df = (var0 + var1) ** 2 / (var0**2 / (n0 - 1) + var1**2 / (n1 - 1))
    diff = m1 - m0
    half = float(stats.t.ppf(1 - a / 2, df)) * se
    p_value = float(stats.ttest_ind_from_stats(m1, s1, n1, m0, s0, n0, equal_var=False).pvalue)
    return MeansComparison(m0, m1, diff, diff - half, diff + half, p_value, float(df), a)


@dataclass(frozen=True)
class Guardrail:
    """A metric that must not get worse by more than ``max_harm`` (build with ``guardrail``).

    ``change``, ``ci_low`` and ``ci_high`` are assisted minus control in the metric's unit;
    ``harmful`` says which direction hurts ("increase" for escalation rate, "decrease" for CSAT).
    """

    name: str
    change: float
    ci_low: float
    ci_high: float
    max_harm: float
    harmful: Literal["increase", "decrease"]

    @property
    def worst_case(self) -> float:
        """The most harmful end of the interval, as a harm (positive = worse)."""
        return self.ci_high if self.harmful == "increase" else -self.ci_low

    @property
    def harm(self) -> float:
        """The estimated harm (positive = worse)."""
        return self.change if self.harmful == "increase" else -self.change

    @property
    def status(self) -> Literal["pass", "breach", "unclear"]:
        """pass: even the worst case is within the limit; breach: the estimate is beyond it."""
        if self.worst_case <= self.max_harm:
            return "pass"
        if self.harm > self.max_harm:
            return "breach"
        return "unclear"


def _interval(estimate: object, low: object, high: object, names: tuple[str, str, str],
              limit: float = 1e9) -> tuple[float, float, float]:
    e = v.number(estimate, names[0], min=-limit, max=limit)
    lo = v.number(low, names[1], min=-limit, max=limit)
    hi = v.number(high, names[2], min=-limit, max=limit)
    if lo > e:
        raise v.InputError(names[1], f"{names[1]} must be at most {names[0]} "
                                     f"({v.format_number(e)}); got {v.format_number(lo)}")
    if hi < e:
        raise v.InputError(names[2], f"{names[2]} must be at least {names[0]} "
                                     f"({v.format_number(e)}); got {v.format_number(hi)}")
    return e, lo, hi


def guardrail(name: str, change: float, ci_low: float, ci_high: float, *, max_harm: float,
              harmful: str = "increase") -> Guardrail:
    """A guardrail result: a metric's change with its interval, and the harm it may not exceed.

    Parameters
    ----------
    name
        The metric, e.g. "Escalation rate" (1 to 80 characters).
    change, ci_low, ci_high
        Assisted minus control, with its confidence interval, in the metric's unit (a
        difference of fractions for a rate); ``ci_low <= change <= ci_high``.
    max_harm
        The largest worsening the business tolerates, same unit, at least 0 (0.01 for
        "must not rise by more than 1 percentage point").
    harmful
        "increase" if a rise is bad (escalation rate), "decrease" if a fall is bad (CSAT).
    """
    label = v.text(name, "name", max_length=80)
    c, lo, hi = _interval(change, ci_low, ci_high, ("change", "ci_low", "ci_high"))
    limit = v.number(max_harm, "max_harm", min=0, max=1e9)
    direction = v.choice(harmful, "harmful", ("increase", "decrease"))
    return Guardrail(label, c, lo, hi, limit, direction)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PilotDecision:
    """go / no-go / extend, with one reason per criterion, in plain words."""

    verdict: Verdict
    reasons: tuple[str, ...]


def _pp(x: float) -> str:
    return f"{x * 100:+.1f} pp"


def go_no_go(lift: float, ci_low: float, ci_high: float, *, min_lift: float,
             guardrails: Sequence[Guardrail] = (), unit: str = "pp") -> PilotDecision:
    """Decide on a finished pilot from its primary KPI and its guardrails.

    The rule, criterion by criterion:

    * primary KPI (higher is better; for a lower-is-better KPI such as handle time pass the
      reduction as a positive lift):

      - it *wins* when the whole interval is above 0 and the estimate reaches ``min_lift``;
      - it *fails* when even the top of the interval is below ``min_lift`` (the worthwhile
        lift is ruled out);
      - otherwise it is *unclear*: the pilot was too small to tell;

    * each guardrail *passes* when even its worst case stays within its limit, is *breached*
      when the estimate itself is beyond the limit, and is *unclear* otherwise.

    Verdict: **no-go** if the primary KPI fails or any guardrail is breached; **go** if the
    primary KPI wins and every guardrail passes; **extend** (collect more data) otherwise.

    Parameters
    ----------
    lift, ci_low, ci_high
        Assisted minus control on the primary KPI, with its confidence interval
        (``ci_low <= lift <= ci_high``). For a rate: a difference of fractions (0.03 = +3 pp).
    min_lift
        The smallest lift worth rolling out, same unit, greater than 0.
    guardrails
        Results built with ``guardrail``.
    unit
        "pp" to word the reasons in percentage points (rates), or "" for raw numbers.
    """
    e, lo, hi = _interval(lift, ci_low, ci_high, ("lift", "ci_low", "ci_high"))
    m = v.positive(min_lift, "min_lift", max=1e9)
    unit = v.choice(unit, "unit", ("pp", ""))
    if isinstance(guardrails, (str, bytes)) or not isinstance(guardrails, Sequence):
        raise v.InputTypeError("guardrails", "guardrails must be a list of guardrail(...) "
                                             f"results (got {type(guardrails).__name__})")
    for i, g in enumerate(guardrails):
        if not isinstance(g, Guardrail):
            raise v.InputTypeError("guardrails", f"guardrails[{i}] must be built with "
                                                 f"guardrail(...) (got {type(g).__name__})")

    def show(x: float, sign: bool = True) -> str:
        if unit == "pp":
            return _pp(x) if sign else f"{x * 100:.1f} pp"
        return f"{x:+,.4g}" if sign else f"{x:,.4g}"

    interval = f"{show(e)} (interval {show(lo)} to {show(hi)})"
    reasons: list[str] = []
    if lo > 0 and e >= m:
        primary = "win"
        reasons.append(f"Primary KPI: {interval} is above zero and reaches the "
                       f"{show(m, sign=False)} worth rolling out.")
    elif hi < m:
        primary = "fail"
        reasons.append(f"Primary KPI: {interval}; even the top of the interval is below the "
                       f"{show(m, sign=False)} worth rolling out.")
    else:
        primary = "unclear"
        reasons.append(f"Primary KPI: {interval} neither shows the {show(m, sign=False)} worth "
                       "rolling out nor rules it out: the pilot is too small to tell.")
    statuses = []
    for g in guardrails:
        statuses.append(g.status)
        change = f"{show(g.change)} (interval {show(g.ci_low)} to {show(g.ci_high)})"
        limit = (f"{'rise' if g.harmful == 'increase' else 'fall'} by at most "
                 f"{show(g.max_harm, sign=False)}")
        word = {"pass": "passes", "breach": "is breached", "unclear": "is unclear"}[g.status]
        reasons.append(f"Guardrail {g.name} {word}: {change}; it may {limit}.")
    if primary == "fail" or "breach" in statuses:
        verdict: Verdict = "no-go"
    elif primary == "win" and all(s == "pass" for s in statuses):
        verdict = "go"
    else:
        verdict = "extend"
    return PilotDecision(verdict, tuple(reasons))


@dataclass(frozen=True)
class PilotReview:
    """A finished rate pilot: the primary comparison, the guardrail, and the decision."""

    primary: ProportionComparison
    escalation: ProportionComparison
    guardrail: Guardrail
    decision: PilotDecision


def review_rate_pilot(successes_control: int, contacts_control: int, successes_assisted: int,
                      contacts_assisted: int, escalations_control: int,
                      escalations_assisted: int, *, min_lift: float,
                      max_escalation_rise: float, alpha: float = 0.05) -> PilotReview:
    """Evaluate a finished pilot on a rate KPI with an escalation-rate guardrail, and decide.

    Parameters
    ----------
    successes_control, contacts_control, successes_assisted, contacts_assisted
        As in ``compare_proportions``: the primary KPI (higher is better).
    escalations_control, escalations_assisted
        Contacts escalated in each arm (at most that arm's contacts).
    min_lift
        The smallest lift in the primary rate worth rolling out, a fraction in (0, 1].
    max_escalation_rise
        How far the escalation rate may rise, a fraction in [0, 1] (0.01 = 1 point).
    alpha
        1 minus the confidence level of both intervals, 0.001 to 0.2.
    """
    primary = compare_proportions(successes_control, contacts_control, successes_assisted,
                                  contacts_assisted, alpha=alpha)
    esc0, _ = _count_pair(escalations_control, primary.n_control, "escalations_control",
                          "contacts_control")
    esc1, _ = _count_pair(escalations_assisted, primary.n_assisted, "escalations_assisted",
                          "contacts_assisted")
    lift = v.number(min_lift, "min_lift", min=0, max=1, min_open=True)
    rise = v.number(max_escalation_rise, "max_escalation_rise", min=0, max=1)
    escalation = compare_proportions(esc0, primary.n_control, esc1, primary.n_assisted,
                                     alpha=alpha)
    rail = guardrail("escalation rate", escalation.difference, escalation.ci_low,
                     escalation.ci_high, max_harm=rise, harmful="increase")
    decision = go_no_go(primary.difference, primary.ci_low, primary.ci_high, min_lift=lift,
                        guardrails=[rail])
    return PilotReview(primary, escalation, rail, decision)
