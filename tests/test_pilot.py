"""Pilot designer: worked values, properties, bad input, and the view."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.pilot import build_app, model


def test_csat_75_to_80_needs_about_1094_per_arm():
    # Independent worked value (pooled-variance normal formula, fact sheet section D).
    z_a, z_b = 1.959964, 0.841621
    p0, p1 = 0.75, 0.80
    pbar = (p0 + p1) / 2
    n = ((z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1)))
         / (p1 - p0)) ** 2
    assert math.ceil(n) == 1094
    assert model.sample_size_proportions(0.75, 0.80) == 1094


@pytest.mark.parametrize(("p0", "p1", "expected"), [(0.70, 0.75, 1251), (0.30, 0.35, 1377),
                                                    (0.05, 0.03, 1506)])
def test_fact_sheet_worked_examples(p0, p1, expected):
    assert abs(model.sample_size_proportions(p0, p1) - expected) <= 2


def test_handle_time_worked_examples():
    # n = 2 (z_a + z_b)^2 sd^2 / delta^2 = 565.1 for sd 6, delta 1; the t-test adds ~1
    assert model.sample_size_means(-1, 6) in (566, 567)
    assert abs(model.sample_size_means(-0.5, 6) - 2261) <= 3


@settings(max_examples=40, deadline=None)
@given(p0=st.floats(0.05, 0.9), lift=st.floats(0.01, 0.09),
       power=st.floats(0.6, 0.9))
def test_more_power_and_smaller_effects_need_more_samples(p0, lift, power):
    n = model.sample_size_proportions(p0, p0 + lift, power=power)
    assert model.sample_size_proportions(p0, p0 + lift, power=power + 0.05) >= n
    assert model.sample_size_proportions(p0, p0 + lift / 2, power=power) >= n


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 100_000), traffic=st.floats(1, 1e6), extra=st.floats(0, 1e6))
def test_more_traffic_never_lengthens_a_pilot(n, traffic, extra):
    assert (model.pilot_duration_weeks(n, traffic + extra)
            <= model.pilot_duration_weeks(n, traffic))


def test_duration_uses_the_slowest_arm():
    assert model.pilot_duration_weeks(1094, 600) == 4  # 300 per arm per week
    assert model.pilot_duration_weeks(1094, 600, share_assisted=0.25) == 8  # 150 in control


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"p_baseline": 0, "p_target": 0.8}, "p_baseline"),
    ({"p_baseline": 0.75, "p_target": 0.75}, "p_target"),
    ({"p_baseline": 0.75, "p_target": 1.2}, "p_target"),
    ({"p_baseline": 0.75, "p_target": 0.8, "alpha": 0.5}, "alpha"),
    ({"p_baseline": 0.75, "p_target": 0.8, "power": float("nan")}, "power"),
    ({"p_baseline": "75%", "p_target": 0.8}, "p_baseline"),
])
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises((ValueError, TypeError), match=field) as err:
        model.sample_size_proportions(**kwargs)
    assert err.value.field == field


def test_view_recomputes_when_inputs_change():
    app = build_app()
    result = app.results.children[0]
    assert "1,094" in result.value and "4 weeks" in result.value
    app.fields["p_target"].control.value = "85"
    assert "1,094" not in result.value
    assert f"{model.sample_size_proportions(0.75, 0.85):,}" in result.value
    app.fields["weekly_contacts"].control.value = "60"
    text = re.sub(r"<[^>]+>", "", result.value)
    n = model.sample_size_proportions(0.75, 0.85)
    assert f"{math.ceil(n / 30)} weeks at 60 contacts a week" in text


def test_view_shows_bad_input_beside_the_field_and_keeps_the_result():
    app = build_app()
    result = app.results.children[0]
    before = result.value
    app.fields["weekly_contacts"].control.value = "-5"
    assert "Contacts per week must be between 1" in app.fields["weekly_contacts"].error
    app.fields["p_target"].control.value = "75"  # same as the baseline: the model refuses
    assert result.value == before
    assert "p_target must differ" in app.fields["p_target"].message.value
    assert "⬇ Download summary" in app.download.value


# --- unequal allocation --------------------------------------------------------------------

def _n_assisted_by_hand(p0, p1, ratio, z_a=1.959964, z_b=0.841621):
    """Normal-approximation size of the assisted arm when control = ratio x assisted."""
    pbar = (p1 + ratio * p0) / (1 + ratio)
    null = math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
    alt = math.sqrt(p1 * (1 - p1) + p0 * (1 - p0) / ratio)
    return ((z_a * null + z_b * alt) / (p1 - p0)) ** 2


def test_uneven_split_sizes_both_arms_and_waits_for_both():
    plan = model.plan_for_proportion(0.75, 0.80, 600, share_assisted=0.25)
    by_hand = _n_assisted_by_hand(0.75, 0.80, ratio=3)
    assert abs(plan.n_assisted - by_hand) <= 1
    assert plan.n_control == math.ceil(round(plan.n_assisted * 3, 6)) or abs(
        plan.n_control - 3 * by_hand) <= 3
    # an uneven design needs more contacts in total than the even one (2 x 1,094)
    assert plan.n_total > 2 * 1094
    assisted_per_week, control_per_week = 600 * 0.25, 600 * 0.75
    assert plan.weeks == max(math.ceil(plan.n_assisted / assisted_per_week),
                             math.ceil(plan.n_control / control_per_week)) == 5


def test_even_split_plan_matches_the_equal_arm_size():
    plan = model.plan_for_proportion(0.75, 0.80, 600)
    assert plan.n_assisted == plan.n_control == plan.n_per_arm == 1094
    assert plan.weeks == 4


def test_share_in_pilot_stretches_the_duration():
    assert model.plan_for_proportion(0.75, 0.80, 600, share_in_pilot=0.5).weeks == 8


@settings(max_examples=40, deadline=None)
@given(traffic=st.floats(10, 1e5), extra=st.floats(0, 1e5), split=st.floats(0.1, 0.9))
def test_more_traffic_never_lengthens_a_planned_pilot(traffic, extra, split):
    slow = model.plan_for_proportion(0.7, 0.75, traffic, share_assisted=split)
    fast = model.plan_for_proportion(0.7, 0.75, traffic + extra, share_assisted=split)
    assert fast.weeks <= slow.weeks


# --- power curves -------------------------------------------------------------------------

def _power_by_hand(p0, p1, n, z_a=1.959964):
    """Power of the pooled two-sided z-test (both tails), normal approximation."""
    pbar = (p0 + p1) / 2
    se0 = math.sqrt(2 * pbar * (1 - pbar) / n)
    se1 = math.sqrt((p0 * (1 - p0) + p1 * (1 - p1)) / n)

    def phi(z):
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    d = abs(p1 - p0)
    return phi((d - z_a * se0) / se1) + phi((-d - z_a * se0) / se1)


def test_power_curve_matches_the_normal_formula_and_the_plan():
    curve = model.power_curve_proportions(0.75, 0.80, n_max=3000, points=300)
    for n in (100, 300, 1094, 2500):
        i = int(np.argmin(np.abs(curve.n_per_arm - n)))
        assert curve.power[i] == pytest.approx(_power_by_hand(0.75, 0.80, curve.n_per_arm[i]),
                                               abs=0.002)
    assert curve.power_at(1094) == pytest.approx(0.80, abs=0.002)
    assert curve.power_at(300) == pytest.approx(0.31, abs=0.01)


def test_power_curve_for_means_reaches_80_percent_at_the_sample_size():
    n = model.sample_size_means(-1, 6)
    curve = model.power_curve_means(-1, 6, n_max=2 * n, points=400)
    assert curve.power_at(n) == pytest.approx(0.80, abs=0.005)
    assert curve.effect == -1


@settings(max_examples=30, deadline=None)
@given(p0=st.floats(0.05, 0.9), lift=st.floats(0.01, 0.09))
def test_power_never_falls_with_more_contacts(p0, lift):
    curve = model.power_curve_proportions(p0, p0 + lift, n_max=5000)
    assert np.all(np.diff(curve.power) >= -1e-12)
    assert np.all((curve.power >= 0) & (curve.power <= 1))


# --- Monte Carlo of a small pilot ---------------------------------------------------------

def test_simulated_power_agrees_with_the_formula():
    sim = model.simulate_pilot(0.75, 0.05, 300, n_sims=20_000, seed=1)
    assert sim.power == pytest.approx(_power_by_hand(0.75, 0.80, 300), abs=0.015)
    assert sim.false_loss == pytest.approx(1 - sim.power)
    assert sim.estimates.mean() == pytest.approx(0.05, abs=0.002)


def test_small_pilots_exaggerate_significant_estimates_and_large_ones_do_not():
    small = model.simulate_pilot(0.75, 0.05, 300, seed=3)
    large = model.simulate_pilot(0.75, 0.05, 5000, seed=3)
    assert small.exaggeration > 1.5
    assert large.exaggeration == pytest.approx(1.0, abs=0.05)


def test_with_no_effect_false_wins_happen_at_the_alpha_rate():
    sim = model.simulate_pilot(0.75, 0.0, 300, alpha=0.05, n_sims=40_000, seed=5)
    assert sim.false_win == pytest.approx(0.05, abs=0.006)
    assert math.isnan(sim.power) and math.isnan(sim.exaggeration) and sim.false_loss == 0


def test_tiny_pilots_sometimes_point_the_wrong_way():
    sim = model.simulate_pilot(0.75, 0.02, 100, n_sims=20_000, seed=9)
    assert 0 < sim.false_win < 0.02


def test_simulation_is_reproducible_with_its_seed():
    a = model.simulate_pilot(0.6, 0.03, 400, seed=11)
    b = model.simulate_pilot(0.6, 0.03, 400, seed=11)
    c = model.simulate_pilot(0.6, 0.03, 400, seed=12)
    assert np.array_equal(a.estimates, b.estimates)
    assert not np.array_equal(a.estimates, c.estimates)


def test_simulation_refuses_an_impossible_assisted_rate():
    with pytest.raises(ValueError, match="true_effect") as err:
        model.simulate_pilot(0.98, 0.05, 300)
    assert err.value.field == "true_effect"


# --- evaluating a finished pilot ----------------------------------------------------------

def _wilson(x, n, z=1.959964):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_difference_in_proportions_uses_newcombes_interval_and_the_pooled_test():
    c = model.compare_proportions(770, 1100, 825, 1100)
    p0, p1 = 0.70, 0.75
    l0, u0 = _wilson(770, 1100)
    l1, u1 = _wilson(825, 1100)
    d = p1 - p0
    assert c.difference == pytest.approx(0.05)
    assert c.ci_low == pytest.approx(d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), abs=1e-6)
    assert c.ci_high == pytest.approx(d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2), abs=1e-6)
    pbar = (770 + 825) / 2200
    z = d / math.sqrt(pbar * (1 - pbar) * 2 / 1100)
    assert c.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-6)
    assert c.significant


def test_difference_in_means_matches_welch_on_raw_data():
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    rng = np.random.default_rng(0)

    def sample(mean, sd, n):
        x = rng.normal(size=n)
        return mean + sd * (x - x.mean()) / x.std(ddof=1)  # exactly this mean and sd

    control, assisted = sample(8.0, 6.0, 400), sample(7.2, 5.0, 300)
    c = model.compare_means(8.0, 6.0, 400, 7.2, 5.0, 300)
    cm = CompareMeans(DescrStatsW(assisted), DescrStatsW(control))
    low, high = cm.tconfint_diff(alpha=0.05, usevar="unequal")
    _, p_value, df = cm.ttest_ind(usevar="unequal")
    assert c.difference == pytest.approx(-0.8)
    assert (c.ci_low, c.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert c.p_value == pytest.approx(p_value) and c.df == pytest.approx(df)


def test_more_successes_than_contacts_is_refused_beside_the_right_field():
    with pytest.raises(ValueError, match="successes_assisted must be at most") as err:
        model.compare_proportions(10, 100, 101, 100)
    assert err.value.field == "successes_assisted"


# --- go / no-go -----------------------------------------------------------------------------

def _rail(change, low, high, limit=0.02, harmful="increase"):
    return model.guardrail("Escalation rate", change, low, high, max_harm=limit,
                           harmful=harmful)


@pytest.mark.parametrize(("primary", "rails", "verdict"), [
    ((0.05, 0.013, 0.087), [_rail(0.0, -0.01, 0.01)], "go"),
    ((0.05, 0.013, 0.087), [_rail(0.03, 0.025, 0.035)], "no-go"),  # guardrail breached
    ((0.005, -0.004, 0.014), [_rail(0.0, -0.01, 0.01)], "no-go"),  # 3 pp ruled out
    ((0.03, -0.01, 0.07), [_rail(0.0, -0.01, 0.01)], "extend"),  # too small to tell
    ((0.05, 0.013, 0.087), [_rail(0.004, -0.019, 0.027)], "extend"),  # guardrail unclear
    ((0.02, 0.005, 0.035), [], "extend"),  # positive but below the worthwhile lift
])
def test_go_no_go_rule(primary, rails, verdict):
    lift, low, high = primary
    decision = model.go_no_go(lift, low, high, min_lift=0.03, guardrails=rails)
    assert decision.verdict == verdict
    assert len(decision.reasons) == 1 + len(rails)


def test_a_falling_csat_guardrail_counts_as_harm():
    rail = _rail(-0.03, -0.05, -0.01, limit=0.02, harmful="decrease")
    assert rail.status == "breach"
    assert _rail(0.01, -0.01, 0.03, limit=0.02, harmful="decrease").status == "pass"
    decision = model.go_no_go(0.05, 0.02, 0.08, min_lift=0.03, guardrails=[rail])
    assert decision.verdict == "no-go"
    assert "Guardrail Escalation rate is breached" in decision.reasons[1]


def test_go_no_go_refuses_an_interval_that_excludes_its_estimate():
    with pytest.raises(ValueError, match="ci_low must be at most lift") as err:
        model.go_no_go(0.01, 0.02, 0.05, min_lift=0.03)
    assert err.value.field == "ci_low"
    with pytest.raises(TypeError, match="guardrails"):
        model.go_no_go(0.05, 0.02, 0.08, min_lift=0.03, guardrails=[{"name": "x"}])


def test_review_combines_evaluation_guardrail_and_decision():
    r = model.review_rate_pilot(770, 1100, 825, 1100, 88, 92, min_lift=0.03,
                                max_escalation_rise=0.02)
    assert r.primary.difference == pytest.approx(0.05)
    assert r.escalation.difference == pytest.approx(4 / 1100)
    assert r.guardrail.status == "unclear" and r.decision.verdict == "extend"
    wider = model.review_rate_pilot(770, 1100, 825, 1100, 88, 92, min_lift=0.03,
                                    max_escalation_rise=0.03)
    assert wider.decision.verdict == "go"
    with pytest.raises(ValueError) as err:
        model.review_rate_pilot(770, 1100, 825, 1100, 88, 2000, min_lift=0.03,
                                max_escalation_rise=0.02)
    assert err.value.field == "escalations_assisted"


# --- the view, beyond the plan ------------------------------------------------------------

def _text(html_value: str) -> str:
    return re.sub(r"<[^>]+>", "", html_value)


def test_view_allocation_is_an_input_and_changes_the_plan():
    app = build_app()
    app.fields["share_assisted"].control.value = "25"
    text = _text(app.results.children[0].value)
    plan = model.plan_for_proportion(0.75, 0.80, 600, share_assisted=0.25)
    assert f"{plan.n_assisted:,} assisted + {plan.n_control:,} control" in text
    assert "5 weeks" in text


def test_view_power_curve_and_small_pilot_tabs_follow_the_inputs():
    app = build_app()
    charts = app.charts
    assert "reaching 80% at 1,094 and only 31% at 300" in charts.panels[0].value
    assert 'alt="Power curve' in charts.panels[0].value
    assert charts.panels[1].value == ""  # not drawn until opened
    charts.selected_index = 1
    assert "Pilots that find the real effect (power): <b class=\"kit-sim-power\">31%" in (
        charts.panels[1].value)
    app.fields["true_effect"].control.value = "0"
    false_win = re.search(r'kit-false-win">([\d.]+)%', charts.panels[1].value).group(1)
    assert 4 <= float(false_win) <= 6
    app.fields["n_per_arm"].control.value = "5"  # below the field's range: message, no change
    assert "Small pilot size must be between 10" in app.fields["n_per_arm"].error
    assert f'kit-false-win">{false_win}%' in charts.panels[1].value


def test_view_review_decides_shows_errors_beside_the_field_and_keeps_the_result():
    app = build_app()
    out = app.review.results.children[0]
    assert 'kit-verdict' in out.value and "EXTEND" in out.value
    app.review.fields["max_escalation_rise"].control.value = "3"
    assert "GO<" in out.value
    before = out.value
    app.review.fields["escalations_assisted"].control.value = "5000"  # more than contacts
    assert out.value == before
    assert "escalations_assisted must be at most contacts_assisted" in (
        app.review.fields["escalations_assisted"].message.value)
    summary = base64.b64decode(app.download.value.split("base64,")[1].split('"')[0]).decode()
    assert "| Decision | go |" in summary


def test_view_means_calculator():
    app = build_app()
    out = app.means.results.children[0]
    assert "-0.8" in _text(out.value)
    app.means.fields["mean_assisted"].control.value = "8"
    assert "+0" in _text(out.value) and "includes zero" in out.value


def test_extreme_inputs_are_refused_not_overflowed():
    with pytest.raises(ValueError) as err:
        model.pilot_duration_weeks(1094, 600, share_in_pilot=1e-308)
    assert err.value.field == "share_in_pilot"
    with pytest.raises(ValueError, match="at most 5 standard deviations") as err:
        model.sample_size_means(60, 6)
    assert err.value.field == "delta"
    assert model.sample_size_means(30, 6) >= 2
