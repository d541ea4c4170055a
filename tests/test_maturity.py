"""Maturity reality check: worked values, properties, bad input, and the view."""

from __future__ import annotations

import base64
import math
import re
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.maturity import build_app, model


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value))


# --- readiness level -----------------------------------------------------------------------

def test_nine_levels_with_nasa_wording_and_a_question_each():
    assert [lvl.level for lvl in model.TRL_LEVELS] == list(range(1, 10))
    assert model.TRL_LEVELS[3].nasa.startswith("Component/breadboard validation in a laboratory")
    assert all(lvl.question.endswith("?") for lvl in model.TRL_LEVELS)
    assert "course authors' interpretation" in model.TRL_SOURCE


def test_evidenced_level_is_the_last_unbroken_yes():
    a = model.assess_readiness(7, [True, True, True, True, False, True, False, False, False])
    assert a.evidenced == 4 and a.gap == 3 and a.unsupported == (6,)
    assert a.next_level.level == 5
    assert "gap of 3 levels" in a.verdict


def test_no_evidence_is_level_zero_and_full_evidence_is_nine():
    assert model.assess_readiness(1, [False] * 9).evidenced == 0
    full = model.assess_readiness(6, [True] * 9)
    assert full.evidenced == 9 and full.gap == -3 and full.next_level is None
    assert "ahead of" in full.verdict


@settings(max_examples=100, deadline=None)
@given(expected=st.integers(1, 9), answers=st.lists(st.booleans(), min_size=9, max_size=9))
def test_readiness_scores_stay_within_bounds(expected, answers):
    a = model.assess_readiness(expected, answers)
    assert 0 <= a.evidenced <= 9 and -8 <= a.gap <= 9
    assert all(a.evidenced + 1 < lvl <= 9 for lvl in a.unsupported)
    # ticking one more box never lowers the evidenced level
    for i in range(9):
        more = list(answers)
        more[i] = True
        assert model.assess_readiness(expected, more).evidenced >= a.evidenced


@pytest.mark.parametrize(("evidence", "kind", "text"), [
    ([True] * 8, ValueError, "exactly 9"),
    ([1] * 9, TypeError, r"evidence\[0\] must be True or False"),
    ("yes", TypeError, "list of 9"),
])
def test_bad_evidence_is_refused(evidence, kind, text):
    with pytest.raises(kind, match=text) as err:
        model.assess_readiness(5, evidence)
    assert err.value.field == "evidence"


# --- the error-rate estimate ---------------------------------------------------------------

Z95 = NormalDist().inv_cdf(0.975)


def _wilson(k, n, z=Z95):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(11, 300), (0, 50), (35, 100), (50, 50)])
def test_error_rate_interval_is_wilsons(k, n):
    est = model.error_rate_interval(k, n)
    low, high = _wilson(k, n)
    assert est.point == pytest.approx(k / n)
    assert est.low == pytest.approx(max(0.0, low), abs=1e-9)
    assert est.high == pytest.approx(min(1.0, high), abs=1e-9)


def test_more_errors_than_items_is_refused_beside_errors_found():
    with pytest.raises(ValueError, match="errors_found must be at most sample_reviewed") as err:
        model.error_rate_interval(12, 10)
    assert err.value.field == "errors_found"


# --- the automation model ------------------------------------------------------------------

def test_automation_share_worked_by_hand():
    # p = 4%, bar 3%, catch 90%: s = 1 - (1 - 0.03/0.04) / 0.9 = 0.7222...
    plan = model.automation_plan(0.04, tasks_per_month=400, acceptable_error_rate=0.03,
                                 review_minutes=6, catch_rate=0.9, manual_minutes=45)
    s = 1 - (1 - 0.03 / 0.04) / 0.9
    assert plan.automation_share == pytest.approx(s)
    assert plan.residual_error == pytest.approx(0.03)
    reviewed = 400 * (1 - s)
    assert plan.hours_manual == pytest.approx(400 * 45 / 60)
    assert plan.hours_review == pytest.approx(reviewed * 6 / 60)
    assert plan.hours_rework == pytest.approx(reviewed * 0.04 * 0.9 * 45 / 60)
    assert plan.hours_saved == pytest.approx(300 - reviewed * (6 + 0.04 * 0.9 * 45) / 60)
    assert plan.meets_target


def test_a_model_within_the_bar_is_fully_automated():
    plan = model.automation_plan(0.02, tasks_per_month=100, acceptable_error_rate=0.03,
                                 review_minutes=6, catch_rate=0.5, manual_minutes=30)
    assert plan.automation_share == 1 and plan.hours_saved == pytest.approx(50)
    assert plan.residual_error == pytest.approx(0.02)


def test_when_even_full_review_misses_the_bar_nothing_is_automated_and_it_says_so():
    plan = model.automation_plan(0.40, tasks_per_month=100, acceptable_error_rate=0.10,
                                 review_minutes=5, catch_rate=0.5, manual_minutes=30)
    assert plan.automation_share == 0 and not plan.meets_target
    assert plan.residual_error == pytest.approx(0.20)
    no_catch = model.automation_plan(0.40, tasks_per_month=100, acceptable_error_rate=0.10,
                                     review_minutes=5, catch_rate=0.0, manual_minutes=30)
    assert no_catch.automation_share == 0 and no_catch.residual_error == pytest.approx(0.40)


def test_slow_review_can_cost_more_than_doing_the_work():
    plan = model.automation_plan(0.5, tasks_per_month=100, acceptable_error_rate=0.05,
                                 review_minutes=25, catch_rate=0.9, manual_minutes=20)
    assert plan.hours_saved < 0


@settings(max_examples=100, deadline=None)
@given(p=st.floats(0, 1), e=st.floats(0.001, 0.999), c=st.floats(0, 1),
       r=st.floats(0, 120), m=st.floats(0.1, 240))
def test_automation_outputs_stay_within_bounds(p, e, c, r, m):
    plan = model.automation_plan(p, tasks_per_month=1000, acceptable_error_rate=e,
                                 review_minutes=r, catch_rate=c, manual_minutes=m)
    assert 0 <= plan.automation_share <= 1
    assert 0 <= plan.residual_error <= p + 1e-12
    assert plan.meets_target == (plan.residual_error <= e * (1 + 1e-9))
    assert plan.hours_saved <= plan.hours_manual + 1e-9


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0.001, 0.6), extra=st.floats(0.0, 0.3), c=st.floats(0, 1))
def test_a_worse_model_never_allows_more_automation(p, extra, c):
    kw = dict(tasks_per_month=100, acceptable_error_rate=0.05, review_minutes=5, catch_rate=c,
              manual_minutes=30)
    assert (model.automation_plan(min(1.0, p + extra), **kw).automation_share
            <= model.automation_plan(p, **kw).automation_share + 1e-12)


def test_conservative_plan_uses_the_upper_bound_and_the_article_preset_lands_near_80():
    r = model.simulate_automation(**model.PRESETS["financial-report"].values)
    assert r.expected.error_rate == pytest.approx(11 / 300)
    assert r.conservative.error_rate == pytest.approx(_wilson(11, 300)[1], abs=1e-9)
    assert r.expected.automation_share == pytest.approx(0.80, abs=0.01)
    assert r.expected.residual_error <= 0.03 + 1e-9
    assert r.conservative.automation_share < r.expected.automation_share
    assert r.conservative.hours_saved < r.expected.hours_saved


def test_jagged_frontier_pair_inside_automates_outside_does_not():
    inside = model.simulate_automation(**model.PRESETS["frontier-inside"].values)
    outside = model.simulate_automation(**model.PRESETS["frontier-outside"].values)
    assert inside.conservative.automation_share == 1 and inside.conservative.meets_target
    assert outside.conservative.automation_share == 0 and not outside.conservative.meets_target
    # the preset's error rate sits inside the study's reported 60-70.6% correct
    assert 1 - 0.706 <= outside.estimate.point <= 1 - 0.60


def test_presets_cite_their_sources_and_label_illustrations():
    assert "Illustrative" in model.PRESETS["financial-report"].note
    for key in ("frontier-inside", "frontier-outside"):
        note = model.PRESETS[key].note
        assert "Dell'Acqua" in note and "Organization Science (2026)" in note
        assert "84.5%" in note and "assumption" in note
    assert "19 percentage points" in model.PRESETS["frontier-outside"].note


def test_residual_curve_is_linear_in_the_share():
    shares, residual = model.residual_error_curve(0.1, 0.8, points=5)
    assert list(shares) == [0, 0.25, 0.5, 0.75, 1]
    assert residual == pytest.approx([0.1 * (1 - 0.8 * (1 - s)) for s in shares])


# --- the view ------------------------------------------------------------------------------

def test_view_builds_with_defaults_and_shows_both_plans():
    app = build_app()
    text = _text(app.parts["automation"].value)
    assert "Plan on 41% automated (the estimate alone says 80%)" in text
    assert "11 errors in 300 reviewed items: 3.7%, and up to 6.4%" in text
    assert 'alt="Errors delivered rise' in app.parts["chart"].value
    assert "Evidenced: TRL 4" in _text(app.parts["readiness"].value)
    assert "Illustrative" in app.parts["preset_note"].value
    assert "National Academies" in app.children[-1].value


def test_view_recomputes_and_keeps_the_last_good_result_on_bad_input():
    app = build_app()
    out = app.parts["automation"]
    app.fields["sample_reviewed"].control.value = "3,000"
    app.fields["errors_found"].control.value = "110"
    assert "110 errors in 3,000 reviewed items" in _text(out.value)
    before, chart = out.value, app.parts["chart"].value
    app.fields["errors_found"].control.value = "5000"  # more errors than items: model refuses
    assert out.value == before and app.parts["chart"].value == chart
    assert "errors_found must be at most sample_reviewed" in (
        app.fields["errors_found"].message.value)
    app.fields["catch_rate"].control.value = "150"  # the field itself refuses
    assert "Review catch rate must be between 0% and 100%" in app.fields["catch_rate"].error
    assert out.value == before
    app.fields["errors_found"].control.value = "90"  # a good value clears the model's message
    assert "kit-field-error" not in app.fields["errors_found"].message.value
    assert "90 errors in 3,000" in _text(out.value)


def test_view_presets_load_every_field_at_once():
    app = build_app()
    app.fields["preset"].control.value = "frontier-outside"
    assert app.fields["errors_found"].value == 35
    assert app.fields["acceptable_error_rate"].value == pytest.approx(0.155)
    text = _text(app.parts["automation"].value)
    assert "0% automated: even reviewing every item may miss the 15.5% bar" in text
    assert "19 percentage points" in app.parts["preset_note"].value


def test_view_readiness_follows_the_ticks_and_the_download_holds_both_parts():
    app = build_app()
    app.fields["evidence_5"].control.value = True
    assert "Evidenced: TRL 5" in _text(app.parts["readiness"].value)
    app.fields["expected_level"].control.value = 3
    assert "ahead of" in app.parts["readiness"].value
    summary = base64.b64decode(app.download.value.split("base64,")[1].split('"')[0]).decode()
    assert "| Readiness level evidenced | TRL 5 |" in summary
    assert "| Automated, planning on the upper bound | 41% |" in summary


def test_input_and_result_tabs_move_together():
    app = build_app()
    app.parts["inputs"].selected_index = 1
    assert app.parts["results"].selected_index == 1
