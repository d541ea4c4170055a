"""Budget planner: worked values, properties, bad input, and the view."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import data, fmt
from widgets.budget import build_app, model


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value))


def _simple(**changes):
    """A plan with only what a test sets: no costs and no value unless given."""
    base = dict(model="GPT-4o", users=10, requests_per_month=0, tokens_in=0, tokens_out=0,
                hours_saved_per_user_month=0, value_per_hour=0, horizon_months=12,
                annual_discount_rate=0.0, initial_dip=0.0)
    return model.budget_inputs(**{**base, **changes})


# --- prices and inference -------------------------------------------------------------------

def test_price_sheet_matches_the_dataset_and_carries_its_source():
    sheet = model.price_sheet()
    df = data.load("llm_prices")
    assert [p.model for p in sheet] == list(df["model"])
    gpt4o = model.model_price("GPT-4o")
    assert (gpt4o.input_usd_per_mtok, gpt4o.output_usd_per_mtok) == (2.5, 10.0)
    assert gpt4o.cached_price == 1.25 and gpt4o.discount == 0.0
    assert gpt4o.as_of == "2025-03-01" and "OpenAI" in gpt4o.source
    assert "as of 2025-03-01" in gpt4o.citation
    flash = model.model_price("Gemini 1.5 Flash")
    assert flash.status == "C2" and "Caveat" in flash.citation
    assert flash.cached_price == flash.input_usd_per_mtok  # none listed: full input price


def test_fact_sheet_worked_example_gpt4o_about_490_dollars_a_month():
    # facts.md: 1,000 requests/day x (4,500 in + 500 out) on GPT-4o = $16.25/day, ~$490/month
    cost = model.inference_cost_per_month(30_000, 4_500, 500, 2.5, 10.0, cached_input_price=1.25)
    assert cost == pytest.approx(30 * 16.25)


def test_caching_and_batch_discounts_by_hand():
    cost = model.inference_cost_per_month(1_000_000, 3_000, 400, 3.0, 15.0,
                                          cached_input_price=0.3, cached_share=0.6,
                                          batch_discount=0.5, batch_share=0.1)
    per_request = (3_000 * (0.4 * 3.0 + 0.6 * 0.3) + 400 * 15.0) / 1e6
    assert cost == pytest.approx(1_000_000 * per_request * (1 - 0.1 * 0.5))


def test_unknown_model_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="model must be one of") as err:
        model.model_price("GPT-7")
    assert err.value.field == "model"


# --- NPV, payback, ramp -----------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 120), rate=st.floats(0, 1))
def test_npv_of_an_all_zero_cash_flow_is_zero(n, rate):
    assert model.npv([0.0] * n, rate) == 0


def test_npv_by_hand():
    flows = [-1000.0, 300.0, 400.0, 500.0]
    monthly = 1.08 ** (1 / 12) - 1
    expected = sum(cf / (1 + monthly) ** t for t, cf in enumerate(flows))
    assert model.npv(flows, 0.08) == pytest.approx(expected)
    assert model.npv(flows, 0.0) == pytest.approx(200.0)


@settings(max_examples=60, deadline=None)
@given(flows=st.lists(st.floats(0, 1e6), min_size=2, max_size=40), r1=st.floats(0, 0.5),
       extra=st.floats(0.001, 0.5))
def test_a_higher_rate_never_raises_the_npv_of_inflows(flows, r1, extra):
    assert model.npv(flows, r1 + extra) <= model.npv(flows, r1) + 1e-6


@pytest.mark.parametrize(("flows", "month"), [
    ([-100, 50, 50], 2), ([-100, 50, 40], None), ([0, 0, 0], 0), ([10, 5], 0),
    ([-10, 20, -20, 30], 3),  # back under water in month 2: paid back for good in month 3
])
def test_payback_month(flows, month):
    assert model.payback_month([float(x) for x in flows]) == month


def test_adoption_ramp_is_half_the_peak_at_the_half_time_and_dips_first():
    ramp = model.adoption_ramp(24, max_adoption=0.8, months_to_half_adoption=6,
                               initial_dip=0.1)
    assert ramp[5] == pytest.approx(0.4 - 0.1 * 0.5)  # month 6: A = peak / 2
    assert ramp[0] < 0  # the J-curve: value below zero at first
    k = math.log(81) / 6
    a1 = 0.8 / (1 + math.exp(-k * (1 - 6)))
    assert ramp[0] == pytest.approx(a1 - 0.1 * (1 - a1 / 0.8))
    assert ramp[-1] == pytest.approx(0.8, abs=0.01)


@settings(max_examples=60, deadline=None)
@given(peak=st.floats(0.05, 1), half=st.floats(0.5, 30), dip=st.floats(0, 1))
def test_ramp_rises_and_stays_within_bounds(peak, half, dip):
    ramp = model.adoption_ramp(60, max_adoption=peak, months_to_half_adoption=half,
                               initial_dip=dip)
    assert np.all(np.diff(ramp) >= -1e-12)
    assert np.all(ramp <= peak + 1e-12) and np.all(ramp >= -dip - 1e-12)


# --- the plan ---------------------------------------------------------------------------------

def test_plan_worked_by_hand():
    inputs = _simple(fte=2, loaded_cost_per_fte=120_000, platform_one_off=50_000,
                     platform_monthly=1_000, requests_per_month=30_000, tokens_in=4_500,
                     tokens_out=500, monthly_growth=0.1, annual_discount_rate=0.0)
    r = model.plan_budget(inputs)
    assert r.costs["platform"][0] == 50_000 and r.costs["platform"][1] == 1_000
    assert r.costs["people"][1] == pytest.approx(20_000) and r.costs["people"][0] == 0
    assert r.costs["inference"][1] == pytest.approx(487.5)
    assert r.costs["inference"][3] == pytest.approx(487.5 * 1.1 ** 2)
    inference = sum(487.5 * 1.1 ** (t - 1) for t in range(1, 13))
    total = 50_000 + 12 * 1_000 + 12 * 20_000 + inference
    assert r.total_cost == pytest.approx(total)
    assert r.npv == pytest.approx(-total) and r.roi == pytest.approx(-1)
    assert r.payback_month is None and r.one_off_cost == 50_000


def test_value_ramp_and_payback_by_hand():
    inputs = _simple(users=100, hours_saved_per_user_month=10, value_per_hour=50,
                     max_adoption=1.0, months_to_half_adoption=3, platform_one_off=100_000,
                     horizon_months=24, annual_discount_rate=0.1)
    r = model.plan_budget(inputs)
    ramp = model.adoption_ramp(24, max_adoption=1.0, months_to_half_adoption=3)
    value = 100 * 10 * 50 * ramp
    assert r.value[1:] == pytest.approx(value)
    cash = np.concatenate([[-100_000], value])
    assert r.npv == pytest.approx(model.npv(list(cash), 0.1))
    assert r.payback_month == model.payback_month(list(cash))
    assert r.roi == pytest.approx((value.sum() - 100_000) / 100_000)


def test_a_plan_that_costs_nothing_has_no_roi():
    r = model.plan_budget(_simple())
    assert math.isnan(r.roi) and r.npv == 0 and r.payback_month == 0


def test_bad_plan_inputs_name_the_field():
    with pytest.raises(ValueError) as err:
        _simple(max_adoption=0)
    assert err.value.field == "max_adoption"
    with pytest.raises(ValueError, match=r"monthly_growth must be between -0\.2 and 0\.5"):
        _simple(monthly_growth=0.9)
    with pytest.raises(TypeError, match="inputs must be a plan built with budget_inputs"):
        model.plan_budget({"users": 3})


def test_replace_revalidates():
    inputs = _simple()
    assert inputs.replace(users=20).users == 20
    with pytest.raises(ValueError, match="users"):
        inputs.replace(users=0)


# --- mix, sensitivity, Monte Carlo, under-investment ------------------------------------------

def test_budget_mix_against_10_20_70():
    r = model.plan_budget(_simple(change_one_off=70, risk_one_off=0, platform_one_off=20,
                                  evaluation_one_off=10))
    mix = model.budget_mix(r)
    assert mix.shares == pytest.approx({"algorithms": 0.1, "technology and data": 0.2,
                                        "people and processes": 0.7})
    assert "close to" in mix.message
    thin = model.budget_mix(model.plan_budget(_simple(platform_one_off=90, change_one_off=10)))
    assert thin.people_and_processes == pytest.approx(0.1) and "under-funded" in thin.message


def test_tornado_moves_each_driver_and_sorts_by_width():
    inputs = model.budget_inputs(**model.PRESETS["customer-service"].values)
    bars = model.tornado(inputs, swing=0.25)
    assert [b.width for b in bars] == sorted((b.width for b in bars), reverse=True)
    base = model.plan_budget(inputs).npv
    assert all(b.base == pytest.approx(base) for b in bars)
    fte = next(b for b in bars if b.driver == "Team (FTE)")
    people = model.plan_budget(inputs).line_total("people")
    monthly = 1.08 ** (1 / 12) - 1
    discounted_people = sum(people / 36 / (1 + monthly) ** t for t in range(1, 37))
    assert fte.npv_low - base == pytest.approx(0.25 * discounted_people)
    assert fte.npv_high - base == pytest.approx(-0.25 * discounted_people)
    peak = next(b for b in bars if b.driver == "Peak adoption")
    capped = model.plan_budget(inputs.replace(max_adoption=1.0)).npv  # 0.8 x 1.25 = 1.0
    assert peak.npv_high == pytest.approx(capped)


def test_monte_carlo_is_seeded_and_collapses_to_the_plan_without_uncertainty():
    inputs = model.budget_inputs(**model.PRESETS["customer-service"].values)
    a = model.monte_carlo(inputs, seed=4)
    b = model.monte_carlo(inputs, seed=4)
    assert np.array_equal(a.npv, b.npv) and a.n_sims == 2000
    assert 0 < a.p_roi_positive < 1
    assert a.p_roi_positive == pytest.approx(np.mean(a.roi > 0))
    flat = model.monte_carlo(inputs, value_spread=0, cost_spread=0, ramp_spread=0, n_sims=100)
    assert flat.npv == pytest.approx(np.full(100, model.plan_budget(inputs).npv))
    assert flat.p_roi_positive == 1.0


def test_wider_value_uncertainty_spreads_the_npv():
    inputs = model.budget_inputs(**model.PRESETS["customer-service"].values)
    narrow = model.monte_carlo(inputs, value_spread=0.1, seed=2)
    wide = model.monte_carlo(inputs, value_spread=0.8, seed=2)
    assert np.std(wide.npv) > np.std(narrow.npv)


def test_underinvestment_by_hand():
    inputs = _simple(users=100, hours_saved_per_user_month=10, value_per_hour=50,
                     max_adoption=0.8, months_to_half_adoption=4, data_one_off=40_000,
                     data_monthly=1_000, change_one_off=20_000, change_monthly=500,
                     horizon_months=24)
    u = model.underinvestment(inputs, data_cut=0.5, change_cut=0.4)
    assert u.cost_saved == pytest.approx(0.5 * (40_000 + 24 * 1_000) + 0.4 * (20_000 + 24 * 500))
    ramp = model.adoption_ramp(24, max_adoption=0.8 * (1 - 0.5 * 0.4),
                               months_to_half_adoption=4 * 1.4)
    expected_value = 100 * 10 * 50 * (1 - 0.5 * 0.5) * ramp
    assert u.cut.value[1:] == pytest.approx(expected_value)
    assert u.value_lost > u.cost_saved and u.npv_change < 0
    none = model.underinvestment(inputs, data_cut=0, change_cut=0)
    assert none.cost_saved == 0 and none.value_lost == pytest.approx(0)
    assert "teaching model" in model.UNDERINVESTMENT_NOTE


# --- presets and references -------------------------------------------------------------------

def test_presets_are_priced_from_the_sheet_and_gartner_bands_carry_their_caveat():
    sheet = {p.model for p in model.price_sheet()}
    assert set(model.PRESETS) == {"customer-service", "rag", "coding"}
    for preset in model.PRESETS.values():
        assert preset.values["model"] in sheet
        assert "illustrative assumption" in preset.note
        model.budget_inputs(**preset.values)
    coding = model.REFERENCE_BANDS["coding"]
    assert (coding.upfront_low, coding.upfront_high) == (100_000, 200_000)
    assert (coding.per_user_year_low, coding.per_user_year_high) == (280, 550)
    assert model.REFERENCE_BANDS["rag"].per_user_year_high == 11_000
    assert all("re-check" in b.caveat for b in model.REFERENCE_BANDS.values())


# --- the view ---------------------------------------------------------------------------------

def _summary(app) -> str:
    return base64.b64decode(app.download.value.split("base64,")[1].split('"')[0]).decode()


def test_view_builds_with_defaults_and_shows_the_headline():
    app = build_app()
    text = _text(app.results.children[0].value)
    expected = model.plan_budget(model.budget_inputs(**model.PRESETS["customer-service"].values))
    assert f"payback in month {expected.payback_month}" in text
    assert "Claude 3.5 Haiku: $0.80 input / $4.00 output" in text and "2025-08-01" in text
    assert "ROI is above zero in" in text and "10-20-70" in text
    assert 'alt="Monthly cash flow' in app.charts.panels[0].value
    assert app.charts.panels[3].value == ""  # drawn only when opened


def test_view_recomputes_on_change_and_keeps_the_result_on_bad_input():
    app = build_app()
    head = app.results.children[0]
    before = _text(head.value)
    app.fields["hours_saved_per_user_month"].control.value = "20"
    after = _text(head.value)
    assert after != before
    inputs = model.budget_inputs(**{**model.PRESETS["customer-service"].values,
                                    "hours_saved_per_user_month": 20})
    assert f"NPV {fmt.usd(model.plan_budget(inputs).npv, digits=-1)}" in after
    app.fields["users"].control.value = "none"
    assert "Enter a number between 1 and 10,000,000" in app.fields["users"].error
    assert _text(head.value) == after
    app.fields["max_adoption"].control.value = "0"  # below the field's 1%
    assert "Peak adoption must be between 1% and 100%" in app.fields["max_adoption"].error
    assert _text(head.value) == after


def test_view_model_choice_and_presets():
    app = build_app()
    app.fields["model"].control.value = "GPT-4o mini"
    assert "GPT-4o mini: $0.15 input / $0.60 output" in app.results.children[0].value
    app.fields["preset"].control.value = "rag"
    assert app.fields["users"].value == 1000 and app.fields["model"].value == "GPT-4o"
    text = _text(app.results.children[0].value)
    assert "Reference range: Gartner (2024): RAG document search" in text
    assert "Caveat:" in text


def test_view_tabs_render_on_demand_and_the_download_has_the_cash_flow():
    app = build_app()
    for i, marker in [(1, "kit-cost-lines"), (2, "Tornado chart"), (3, "kit-mc-p-roi"),
                      (4, "kit-value-lost")]:
        app.charts.selected_index = i
        assert marker in app.charts.panels[i].value
    summary = _summary(app)
    assert "| P(ROI > 0) |" in summary and "month,value_usd,cost_usd,cash_flow_usd" in summary
    assert summary.count("\n0,") == 1 and "\n36," in summary
