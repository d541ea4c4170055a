"""Failure explorer: outcome shares, bands and comparisons counted by hand, filter properties,
intervals checked against their textbook formulas, and the view."""

from __future__ import annotations

import base64
import html
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.model_examples.portfolio import full_portfolio
from widgets import data
from widgets.portfolio import model, view
from widgets.schemas import INDUSTRIES, SPONSORS, USE_CASES

Z = 1.959964


def wilson(x: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, from its formula."""
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def seven() -> pd.DataFrame:
    """Seven projects whose outcomes, bands and medians are counted by hand in the tests."""
    return pd.DataFrame({
        "industry": ["retail"] * 3 + ["telecom"] * 4,
        "use_case": ["customer service", "coding assistant"] * 3 + ["report generation"],
        "sponsor": ["CIO/IT", "business unit", "CIO/IT", "CEO/board", "CIO/IT",
                    "business unit", "innovation lab"],
        "trl_expected": [5, 6, 7, 8, 9, 5, 9], "trl_assessed": [5, 5, 5, 5, 5, 9, 1],
        "kpi_defined": [True, True, True, True, False, False, False],
        "baseline_measured": [True, False, True, False, True, False, True],
        "business_owner_involved": [True] * 7,
        "budget_planned_usd": [95.0, 90.0, 70.0, 50.0, 49.0, 100.0, 0.0],
        "budget_needed_usd": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 0.0],
        "data_readiness": [5, 4, 3, 2, 1, 1, 2],
        "pilot_run": [True, True, False, False, True, False, False],
        "cross_functional_team": [True, False, True, False, True, False, True],
        "months_elapsed": [10, 12, 8, 6, 20, 4, 9],
        "outcome": ["scaled to production", "scaled to production", "stalled in pilot",
                    "abandoned", "scaled to production", "abandoned", "stalled in pilot"],
        "value_realised_usd": [100.0, 300.0, 0, 0, 200.0, 0, 0],
    })


# ------------------------------------------------------------------ worked by hand
def test_outcome_shares_by_kpi_counted_by_hand():
    t = model.outcome_by_factor(seven(), "kpi_defined").set_index("level")
    assert list(t.index) == ["Without a KPI", "With a KPI"]
    assert t.loc["Without a KPI", "n"] == 3 and t.loc["With a KPI", "n"] == 4
    assert t.loc["Without a KPI", ["scaled", "stalled", "abandoned"]].tolist() == \
        pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert t.loc["With a KPI", ["scaled", "stalled", "abandoned"]].tolist() == \
        pytest.approx([0.5, 0.25, 0.25])
    lo, hi = wilson(2, 4)
    assert (t.loc["With a KPI", "scaled_low"], t.loc["With a KPI", "scaled_high"]) == \
        pytest.approx((lo, hi), abs=1e-6)


def test_bands_follow_the_documented_cut_points():
    budget = model.factor_levels(seven(), "funding_gap").astype(str).tolist()
    # funded 95%, 90%, 70%, 50%, 49%, 100%, and nothing needed counts as fully funded
    assert budget == ["90% or more", "90% or more", "70-90%", "50-70%", "Under 50%",
                      "90% or more", "90% or more"]
    gap = model.factor_levels(seven(), "maturity_gap").astype(str).tolist()
    assert gap == ["No gap", "1 level", "2 levels", "3+ levels", "3+ levels", "No gap",
                   "3+ levels"]
    t = model.outcome_by_factor(seven(), "data_readiness")
    assert t["n"].tolist() == [2, 2, 1, 1, 1]


def test_empty_levels_are_kept_with_no_share():
    t = model.outcome_by_factor(seven().head(2), "maturity_gap").set_index("level")
    assert t.loc["2 levels", "n"] == 0 and math.isnan(t.loc["2 levels", "scaled"])


def test_comparison_counted_by_hand():
    c = model.compare_groups(seven(), "no_pilot", "pilot")
    a, b = c.table.columns
    assert (a, b) == ("A: No controlled pilot", "B: Ran a controlled pilot")
    assert c.table[a].to_dict() == pytest.approx({
        "Projects": 4, "Reached production": 0.0, "Stalled in pilot": 0.5, "Abandoned": 0.5,
        "Median months to outcome": 7.0, "Median annual value if scaled (USD)": math.nan,
        "Median budget funded": 0.85, "KPI defined": 0.5, "Controlled pilot": 0.0},
        nan_ok=True)
    assert c.table[b].to_dict() == pytest.approx({
        "Projects": 3, "Reached production": 1.0, "Stalled in pilot": 0.0, "Abandoned": 0.0,
        "Median months to outcome": 12.0, "Median annual value if scaled (USD)": 200.0,
        "Median budget funded": 0.9, "KPI defined": 2 / 3, "Controlled pilot": 1.0})
    assert (c.n_a, c.n_b, c.diff) == (4, 3, pytest.approx(1.0))
    # Newcombe's hybrid score interval from the two Wilson intervals
    (l1, u1), (l2, u2) = wilson(3, 3), wilson(0, 4)
    assert c.diff_low == pytest.approx(1 - math.sqrt((1 - l1) ** 2 + u2 ** 2), abs=1e-6)
    assert c.diff_high == pytest.approx(1 + math.sqrt((u1 - 1) ** 2 + l2 ** 2), abs=1e-6)


def test_an_empty_group_names_its_side():
    retail = model.filter_projects(seven(), industries=["retail"])
    with pytest.raises(ValueError, match="group_b: no project") as err:
        model.compare_groups(retail, "all", "data_not_ready")
    assert err.value.field == "group_b"


@pytest.mark.parametrize(("column", "value"), [("months_elapsed", "soon"),
                                               ("value_realised_usd", -1.0),
                                               ("outcome", "paused")])
def test_a_damaged_portfolio_is_refused_naming_the_column(column, value):
    with pytest.raises(ValueError, match=f"projects column {column}") as err:
        model.compare_groups(seven().assign(**{column: value}), "all", "pilot")
    assert err.value.field == "projects"


def test_filters_combine():
    rows = model.filter_projects(seven(), industries=["retail", "telecom"], sponsors="CIO/IT",
                                 use_cases=["customer service"])
    assert rows.index.tolist() == [0, 2, 4]
    with pytest.raises(ValueError, match="industries must be one of") as err:
        model.filter_projects(seven(), industries=["retial"])
    assert err.value.field == "industries"


# ------------------------------------------------------------------ properties
PORTFOLIO = full_portfolio(300, seed=5)


@settings(max_examples=60, deadline=None)
@given(industries=st.lists(st.sampled_from(INDUSTRIES), max_size=3, unique=True),
       use_cases=st.lists(st.sampled_from(USE_CASES), max_size=2, unique=True),
       sponsors=st.lists(st.sampled_from(SPONSORS), max_size=2, unique=True))
def test_filters_never_return_rows_outside_the_filter(industries, use_cases, sponsors):
    rows = model.filter_projects(PORTFOLIO, industries=industries, use_cases=use_cases,
                                 sponsors=sponsors)
    keep = pd.Series(True, index=PORTFOLIO.index)
    for column, chosen in (("industry", industries), ("use_case", use_cases),
                           ("sponsor", sponsors)):
        if chosen:
            keep &= PORTFOLIO[column].isin(chosen)
    expected = PORTFOLIO[keep]
    assert rows.index.equals(expected.index)


@settings(max_examples=40, deadline=None)
@given(factor=st.sampled_from(sorted(model.FACTORS)), industry=st.sampled_from(INDUSTRIES))
def test_outcome_shares_partition_the_filtered_projects(factor, industry):
    rows = model.filter_projects(PORTFOLIO, industries=[industry])
    t = model.outcome_by_factor(rows, factor)
    assert t["n"].sum() == len(rows)
    seen = t[t["n"] > 0]
    assert (seen[["scaled", "stalled", "abandoned"]].sum(axis=1)).to_numpy() == \
        pytest.approx(np.ones(len(seen)))
    assert ((seen["scaled_low"] <= seen["scaled"]) & (seen["scaled"] <= seen["scaled_high"])
            & (seen["scaled_low"] >= 0) & (seen["scaled_high"] <= 1)).all()


@settings(max_examples=40, deadline=None)
@given(a=st.sampled_from(sorted(model.GROUPS)), b=st.sampled_from(sorted(model.GROUPS)))
def test_comparisons_stay_within_bounds(a, b):
    c = model.compare_groups(PORTFOLIO, a, b)
    shares = c.table.loc[["Reached production", "Stalled in pilot", "Abandoned"]]
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert -1 <= c.diff_low <= c.diff <= c.diff_high <= 1
    assert c.n_a == int(model.group_mask(PORTFOLIO, a).sum())


def test_calibration_notes_quote_each_target_with_its_value_and_source():
    notes = model.calibration_notes(seven())  # 3 of 7 scaled, 2 stalled, 2 abandoned
    assert len(notes) == 3
    assert notes[0].startswith("Share of projects scaled to production: 43% here (target 45% "
                               "to 51%). Source: Gartner survey (2024)")
    assert "[C2: secondary source only]" in notes[0]
    assert notes[1].startswith("Share of projects abandoned: 29% here")


# ------------------------------------------------------------------ the view
SHEET = ("## genai_projects\n\n### Calibration\n\n- Gartner (2024): 48% of AI projects reach "
         "production.\n")


@pytest.fixture
def projects(monkeypatch):
    df = full_portfolio()
    # Two holes the tests rely on: no retail coding assistant, and no energy project whose
    # data readiness is 1-2.
    df = df[~((df["industry"] == "retail") & (df["use_case"] == "coding assistant"))]
    df = df[~((df["industry"] == "energy") & (df["data_readiness"] <= 2))]
    monkeypatch.setattr(view, "_portfolio",
                        lambda: (df, SHEET, model.calibration_notes(df)))
    return df


def text(widget) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", widget.value))


def parts(app):
    banner, count, chart, compare, sheet = app.results.children
    return banner, count, chart, compare, sheet


def test_defaults_say_the_data_is_synthetic_and_show_every_part(projects):
    app = view.build_app()
    banner, count, chart, compare, sheet = parts(app)
    assert "Synthetic data." in text(banner) and "Gartner" in text(banner)
    assert "Share of projects scaled to production" in text(banner)
    assert f"{len(projects):,} of {len(projects):,} projects" in text(count)
    kpi = model.outcome_by_factor(projects, "kpi_defined").set_index("level")["scaled"]
    assert (f"{kpi['With a KPI'] * 100:.0f}% reach production at 'With a KPI' vs "
            f"{kpi['Without a KPI'] * 100:.0f}% at 'Without a KPI'") in html.unescape(chart.value)
    assert "A: No controlled pilot" in compare.value and "95% interval" in compare.value
    assert "Calibration" in sheet.children[0].value
    md = base64.b64decode(re.search(r"base64,([^\"]+)", app.download.value).group(1)).decode()
    assert "Synthetic data" in md and "## Comparison" in md


def test_filters_factor_and_groups_update_the_results(projects):
    app = view.build_app()
    _, count, chart, compare, _ = parts(app)
    app.fields["industry"].control.value = "retail"
    n = int((projects["industry"] == "retail").sum())
    assert f"{n:,} of {len(projects):,} projects" in text(count)
    app.fields["factor"].control.value = "data_readiness"
    assert "at '5 AI-ready'" in html.unescape(chart.value)
    app.fields["group_b"].control.value = "funded"
    c = model.compare_groups(projects[projects["industry"] == "retail"], "no_pilot", "funded")
    assert "B: Funded 90% or more" in compare.value
    assert f"{c.diff * 100:+.0f} points" in text(compare)


def test_a_filter_with_no_match_is_explained_and_the_result_kept(projects):
    app = view.build_app(industry="retail")
    _, count, chart, compare, _ = parts(app)
    before = (count.value, chart.value, compare.value)
    app.fields["use_case"].control.value = "coding assistant"
    assert "No project matches these filters" in app.fields["use_case"].message.value
    assert app.status.value == ""
    assert (count.value, chart.value, compare.value) == before
    app.fields["sponsor"].control.value = SPONSORS[-1]  # still no match: the message moves
    assert "No project matches these filters" in app.fields["sponsor"].message.value
    assert "kit-field-error" not in app.fields["use_case"].message.value
    app.fields["sponsor"].control.value = view.ALL
    app.fields["use_case"].control.value = "customer service"
    assert "kit-field-error" not in app.fields["use_case"].message.value
    assert count.value != before[0]
    assert "kit-field-error" not in app.fields["sponsor"].message.value


def test_an_empty_group_is_explained_beside_it_and_the_result_kept(projects):
    app = view.build_app(industry="energy")
    compare = parts(app)[3]
    before = compare.value
    app.fields["group_a"].control.value = "data_not_ready"
    assert "group_a: no project in the current filter" in app.fields["group_a"].message.value
    assert compare.value == before
    app.fields["group_a"].control.value = "data_ready"
    assert "kit-field-error" not in app.fields["group_a"].message.value
    assert "A: Data readiness 4-5" in compare.value


def test_builds_without_the_portfolio(monkeypatch):
    monkeypatch.setattr(view, "_portfolio", lambda: (None, "genai_projects not found", []))
    app = view.build_app()
    assert "portfolio is unavailable" in app.status.value
    assert "Synthetic data." in parts(app)[0].value


def test_build_app_with_its_real_defaults():
    app = view.build_app()
    banner, count, chart, _, _ = parts(app)
    projects = data.load("genai_projects")
    scaled = (projects["outcome"] == "scaled to production").mean()
    assert "Synthetic data." in banner.value and app.status.value == ""
    assert f"Share of projects scaled to production: {scaled * 100:.0f}% here" in banner.value
    assert f"{len(projects):,} of {len(projects):,} projects" in text(count)
    by_kpi = model.outcome_by_factor(projects, "kpi_defined").set_index("level")["scaled"]
    assert by_kpi["With a KPI"] > by_kpi["Without a KPI"]  # the portfolio's causal model
    assert "reach production at &#x27;With a KPI&#x27;" in chart.value
