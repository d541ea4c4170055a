"""Pilot designer: worked values, properties, bad input, and the view."""

from __future__ import annotations

import math
import re

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
