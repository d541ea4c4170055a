"""Pilot designer: how many contacts a pilot needs, and how long it must run.

Sample sizes come from statsmodels' power functions, the field's standard:

* proportions (first-contact resolution, CSAT top-box, escalation rate):
  ``samplesize_proportions_2indep_onetail`` with a two-sided alternative, which uses the
  pooled variance under the null and the unpooled variance under the alternative (the
  textbook formula; CSAT 75% -> 80% at alpha 0.05, power 0.8 gives 1,094 per arm);
* means (handle time): ``TTestIndPower`` on the standardised effect delta / sd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

from widgets import validate as v

__all__ = [
    "PilotPlan",
    "pilot_duration_weeks",
    "plan_for_proportion",
    "sample_size_means",
    "sample_size_proportions",
]


def _alpha_power(alpha: float, power: float) -> tuple[float, float]:
    a = v.number(alpha, "alpha", min=0.001, max=0.2)
    p = v.number(power, "power", min=0.5, max=0.99)
    return a, p


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
    p0 = v.number(p_baseline, "p_baseline", min=0, max=1, min_open=True, max_open=True)
    p1 = v.number(p_target, "p_target", min=0, max=1, min_open=True, max_open=True)
    a, pw = _alpha_power(alpha, power)
    if abs(p1 - p0) < 1e-4:
        raise v.InputError("p_target", "p_target must differ from p_baseline by at least "
                                       "0.0001 (one hundredth of a percentage point)")
    n = samplesize_proportions_2indep_onetail(p1 - p0, p0, pw, ratio=1, alpha=a,
                                              alternative="two-sided")
    return math.ceil(n)


def sample_size_means(delta: float, sd: float, *, alpha: float = 0.05,
                      power: float = 0.8) -> int:
    """Contacts needed per arm to detect a change ``delta`` in a mean (two-sided t-test).

    Parameters
    ----------
    delta
        Smallest change worth detecting, in the metric's unit (e.g. -1 minute of handle
        time); non-zero.
    sd
        Standard deviation of the metric per contact, same unit; greater than 0.
    alpha, power
        As in ``sample_size_proportions``.
    """
    d = v.number(delta, "delta", min=-1e6, max=1e6)
    s = v.positive(sd, "sd", max=1e6)
    a, pw = _alpha_power(alpha, power)
    if abs(d) / s < 1e-3:
        raise v.InputError("delta", "delta must be at least 0.001 standard deviations away "
                                    "from zero")
    n = TTestIndPower().solve_power(effect_size=abs(d) / s, alpha=a, power=pw, ratio=1.0,
                                    alternative="two-sided")
    return math.ceil(n)


def pilot_duration_weeks(n_per_arm: int, weekly_contacts: float, *,
                         share_in_pilot: float = 1.0, share_assisted: float = 0.5) -> int:
    """Whole weeks until both arms reach ``n_per_arm`` contacts.

    Parameters
    ----------
    n_per_arm
        Contacts each arm needs, at least 1.
    weekly_contacts
        Eligible contacts per week (for a survey metric: survey responses per week), > 0.
    share_in_pilot
        Share of eligible contacts routed into the pilot, (0, 1].
    share_assisted
        Share of pilot contacts in the assisted arm, strictly between 0 and 1.
    """
    n = v.integer(n_per_arm, "n_per_arm", min=1, max=10**9)
    traffic = v.positive(weekly_contacts, "weekly_contacts", max=1e9, unit="contacts per week")
    share = v.number(share_in_pilot, "share_in_pilot", min=0, max=1, min_open=True)
    split = v.number(share_assisted, "share_assisted", min=0, max=1, min_open=True,
                     max_open=True)
    slowest_arm = traffic * share * min(split, 1 - split)
    return max(1, math.ceil(n / slowest_arm - 1e-9))


@dataclass(frozen=True)
class PilotPlan:
    """A sized pilot for a rate KPI."""

    p_baseline: float
    p_target: float
    alpha: float
    power: float
    n_per_arm: int
    weekly_contacts: float
    weeks: int

    @property
    def n_total(self) -> int:
        return 2 * self.n_per_arm

    @property
    def mde_points(self) -> float:
        """Minimum detectable effect in percentage points."""
        return (self.p_target - self.p_baseline) * 100


def plan_for_proportion(p_baseline: float, p_target: float, weekly_contacts: float, *,
                        alpha: float = 0.05, power: float = 0.8,
                        share_in_pilot: float = 1.0) -> PilotPlan:
    """Size a pilot on a rate KPI and say how many weeks it needs (equal arms)."""
    n = sample_size_proportions(p_baseline, p_target, alpha=alpha, power=power)
    weeks = pilot_duration_weeks(n, weekly_contacts, share_in_pilot=share_in_pilot)
    return PilotPlan(float(p_baseline), float(p_target), float(alpha), float(power), n,
                     float(weekly_contacts), weeks)
