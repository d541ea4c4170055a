"""KPI builder: KPI formulas on hand-counted tickets, SMART checks, properties, and the view."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import calibration, data
from widgets.kpi import model, view

ARMS = pd.CategoricalDtype(["control", "assisted"])


def tickets(rows: list[tuple]) -> pd.DataFrame:
    """(week, arm, handle_time_min, resolved, csat or None, escalated) rows as support_pilot."""
    week, arm, ht, res, csat, esc = zip(*rows, strict=True)
    return pd.DataFrame({
        "week": list(week), "arm": pd.Series(arm, dtype=ARMS), "channel": "chat",
        "handle_time_min": list(ht),
        "resolved_first_contact": list(res), "csat": pd.array(list(csat), dtype="Int64"),
        "escalated": list(esc),
    })


#: Eight tickets whose KPIs are counted by hand below.
HAND = tickets([
    (1, "control", 10.0, True, 5, False),
    (1, "control", 20.0, False, 3, True),
    (1, "assisted", 6.0, True, 5, False),
    (1, "assisted", 12.0, True, None, False),
    (2, "control", 10.0, True, None, False),
    (2, "control", 20.0, True, 4, False),
    (2, "assisted", 6.0, False, 5, True),
    (2, "assisted", 12.0, True, 5, False),
])


# ------------------------------------------------------------------ formulas, worked by hand
def test_single_kpis_over_all_tickets():
    assert model.handle_time_min(HAND) == pytest.approx(96 / 8)
    assert model.first_contact_resolution(HAND) == pytest.approx(6 / 8)
    assert model.csat_top_box(HAND) == pytest.approx(4 / 6)  # two tickets have no survey
    assert model.escalation_rate(HAND) == pytest.approx(2 / 8)
    # 6 resolutions in 96 minutes of handling = 1.6 hours
    assert model.resolutions_per_hour(HAND) == pytest.approx(6 / 1.6)


def test_kpis_by_arm_match_hand_counts():
    t = model.kpis_by(HAND, "arm").set_index("arm")
    assert list(t.index) == ["control", "assisted"]
    assert t.loc["control", "tickets"] == 4 and t.loc["control", "surveys"] == 3
    assert t.loc["control", "handle_time"] == pytest.approx(15)
    assert t.loc["assisted", "handle_time"] == pytest.approx(9)
    assert t.loc["control", "fcr"] == pytest.approx(0.75)
    assert t.loc["control", "csat_top_box"] == pytest.approx(1 / 3)
    assert t.loc["assisted", "csat_top_box"] == pytest.approx(1.0)
    assert t.loc["control", "resolutions_per_hour"] == pytest.approx(3 / 1.0)
    assert t.loc["assisted", "resolutions_per_hour"] == pytest.approx(3 / 0.6)


def test_kpis_by_arm_and_week_match_hand_counts():
    t = model.kpis_by(HAND, "arm and week").set_index(["arm", "week"])
    assert t.loc[("control", 1), "resolutions_per_hour"] == pytest.approx(1 / 0.5)
    assert t.loc[("control", 2), "csat_top_box"] == pytest.approx(0.0)
    assert t.loc[("assisted", 1), "csat_top_box"] == pytest.approx(1.0)  # one answer of one
    assert t.loc[("assisted", 2), "escalation_rate"] == pytest.approx(0.5)
    assert t.loc[("assisted", 1), "resolutions_per_hour"] == pytest.approx(2 / 0.3)
    by_week = model.kpis_by(HAND, "week").set_index("week")
    assert by_week.loc[2, "fcr"] == pytest.approx(3 / 4)
    overall = model.kpis_by(HAND, "overall")
    assert len(overall) == 1 and overall.loc[0, "resolutions_per_hour"] == pytest.approx(3.75)


def test_resolutions_per_hour_is_a_ratio_of_sums_not_a_mean_of_ratios():
    by_arm = model.kpis_by(HAND, "arm")["resolutions_per_hour"]  # 3.0 and 5.0
    assert model.resolutions_per_hour(HAND) == pytest.approx(3.75) != by_arm.mean()


def test_group_with_no_survey_has_undefined_csat_and_single_kpi_refuses():
    no_survey = tickets([(1, "control", 5.0, True, None, False)])
    assert math.isnan(model.kpis_by(no_survey, "arm").loc[0, "csat_top_box"])
    with pytest.raises(ValueError, match="no answered survey"):
        model.csat_top_box(no_survey)


def test_baseline_comes_from_the_control_arm():
    assert model.baseline_from_data(HAND, "fcr") == pytest.approx(0.75)
    assert model.baseline_from_data(HAND, "handle_time", arm="assisted") == pytest.approx(9)
    assert model.baseline_from_data(HAND, "handle_time", arm="all") == pytest.approx(12)
    assert model.compute_metric(HAND, "escalation_rate") == pytest.approx(0.25)


@pytest.mark.parametrize(("frame", "message"), [
    (HAND.drop(columns="csat"), "missing column"),
    (HAND.drop(columns="channel"), "missing column"),
    (HAND.iloc[0:0], "at least one ticket"),
    (HAND.assign(handle_time_min=-1.0), "greater than 0"),
    (HAND.assign(handle_time_min=np.nan), "finite"),
    (HAND.assign(resolved_first_contact="yes"), "True/False"),
    (HAND.assign(csat=7), "1 to 5"),
])
def test_bad_ticket_frames_are_refused_with_a_reason(frame, message):
    with pytest.raises(ValueError, match=message) as err:
        model.kpis_by(frame, "arm")
    assert err.value.field == "tickets"


def test_not_a_frame_is_a_type_error():
    with pytest.raises(TypeError, match="tickets must be a pandas DataFrame"):
        model.first_contact_resolution([1, 2, 3])


def test_on_the_real_pilot_the_table_agrees_with_the_calibration_measures():
    tickets = data.load("support_pilot")
    t = model.kpis_by(tickets, "arm").set_index("arm")
    control = tickets[tickets["arm"] == "control"]
    assert t.loc["control", "fcr"] == pytest.approx(calibration.first_contact_resolution(control))
    lift = t.loc["assisted", "resolutions_per_hour"] / t.loc["control", "resolutions_per_hour"]
    assert lift - 1 == pytest.approx(calibration.rph_lift(tickets))
    assert t["tickets"].sum() == len(tickets)
    assert t["surveys"].sum() == tickets["csat"].notna().sum()
    weekly = model.kpis_by(tickets, "arm and week")
    assert weekly["tickets"].sum() == len(tickets)
    assert set(weekly["week"]) == set(tickets["week"])


# ------------------------------------------------------------------ properties
ticket_rows = st.lists(st.tuples(
    st.integers(1, 4), st.sampled_from(["control", "assisted"]),
    st.floats(0.1, 240), st.booleans(), st.one_of(st.none(), st.integers(1, 5)), st.booleans(),
), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows=ticket_rows)
def test_kpis_stay_within_their_bounds(rows):
    t = tickets(rows)
    table = model.kpis_by(t, "arm and week")
    for col in ("fcr", "escalation_rate"):
        assert table[col].between(0, 1).all()
    assert table["csat_top_box"].dropna().between(0, 1).all()
    assert (table["resolutions_per_hour"] >= 0).all()
    lo, hi = t["handle_time_min"].min(), t["handle_time_min"].max()
    assert lo - 1e-9 <= model.handle_time_min(t) <= hi + 1e-9
    # the groups partition the tickets: counts add up and shares average back to the whole
    assert table["tickets"].sum() == len(t)
    weighted = (table["fcr"] * table["tickets"]).sum() / len(t)
    assert weighted == pytest.approx(model.first_contact_resolution(t))


@settings(max_examples=80, deadline=None)
@given(metric=st.sampled_from(sorted(model.METRICS)), base=st.floats(0.05, 0.95),
       step=st.floats(0.001, 0.5))
def test_a_target_worse_than_the_baseline_never_passes(metric, base, step):
    worse = base - step if model.METRICS[metric].direction == model.HIGHER else base + step
    check = model.plausibility(metric, base, worse)
    assert not check.passed and "Wrong direction" in check.message


@settings(max_examples=60, deadline=None)
@given(base=st.floats(1, 20), extra=st.floats(0.001, 2))
def test_a_lift_beyond_the_largest_published_effect_never_passes(base, extra):
    check = model.plausibility("resolutions_per_hour", base, base * (1.34 + extra))
    assert not check.passed and "34%" in check.message and "Brynjolfsson" in check.message


# ------------------------------------------------------------------ checks, worked cases
def spec(**kw) -> model.KPI:
    args = {"name": "Resolutions per agent hour", "definition": "Resolved on first contact "
            "per handling hour", "unit": "per hour", "direction": model.HIGHER,
            "kind": "efficiency", "baseline": 5.0, "target": 5.5, "owner": "Head of service",
            "window_weeks": 8, "data_source": "ticket system", "metric": "resolutions_per_hour"}
    return model.make_kpi(**{**args, **kw})


def failures(tree: model.KPITree) -> dict[tuple[str, str], str]:
    return {(c.kpi, c.criterion): c.message for c in model.smart_checks(tree) if not c.passed}


def test_plausibility_names_the_figure_a_target_exceeds():
    check = model.plausibility("resolutions_per_hour", 5.0, 7.5)  # +50%
    assert not check.passed and "50% better" in check.message and "34%" in check.message
    ambitious = model.plausibility("resolutions_per_hour", 5.0, 6.0)  # +20%: above 14%
    assert ambitious.passed and ambitious.message.startswith("Ambitious")
    fcr = model.plausibility("fcr", 0.70, 0.85)
    assert not fcr.passed and "80%" in fcr.message and "SQM" in fcr.message
    assert model.plausibility("fcr", 0.70, 0.75).passed
    # a handle-time cut of 30% exceeds the 25.4% that +34% resolutions per hour implies
    cut = model.plausibility("handle_time", 10.0, 7.0)
    assert not cut.passed and "30% lower" in cut.message and "25%" in cut.message


def test_a_complete_kpi_with_a_guardrail_passes_every_check():
    guard = spec(name="CSAT top-box", kind="quality", metric="csat_top_box", baseline=0.6,
                 target=0.63, definition="Surveys scoring 5 / answered surveys")
    tree = model.make_tree("Serve more customers well", [spec(), guard], "AI replies")
    checks = model.smart_checks(tree)
    assert len(checks) == 2 * 5 + 1 and all(c.passed for c in checks)


def test_each_smart_failure_is_explained():
    tree = model.make_tree("Cut cost per contact", [spec(
        definition="", baseline=None, owner="", window_weeks=None)], "AI replies")
    bad = failures(tree)
    name = "Resolutions per agent hour"
    assert "Not specific" in bad[(name, "Specific")]
    assert "no baseline" in bad[(name, "Measurable")]
    assert "Commonwealth Bank" in bad[(name, "Measurable")]
    assert "without both" in bad[(name, "Achievable")]
    assert "No owner" in bad[(name, "Relevant")]
    assert "measurement window" in bad[(name, "Time-bound")]
    klarna = bad[("KPI tree", "Relevant")]
    assert "quality guardrail" in klarna and "Klarna" in klarna and "2025" in klarna


def test_missing_unit_or_source_fails_measurable():
    bad = failures(model.make_tree("g", [spec(unit="", data_source="")], "l"))
    assert "no unit and no data source" in bad[("Resolutions per agent hour", "Measurable")]


def test_share_metrics_take_fractions():
    with pytest.raises(ValueError, match="baseline") as err:
        model.make_kpi("FCR", metric="fcr", baseline=72, target=0.75)
    assert err.value.field == "baseline"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": ""}, "name"),
    ({"baseline": math.nan}, "baseline"),
    ({"target": math.inf}, "target"),
    ({"target": "7"}, "target"),
    ({"window_weeks": 0}, "window_weeks"),
    ({"window_weeks": 2.5}, "window_weeks"),
    ({"direction": "up"}, "direction"),
    ({"kind": "vanity"}, "kind"),
])
def test_bad_kpi_fields_name_the_field(kwargs, field):
    with pytest.raises((ValueError, TypeError), match=field) as err:
        spec(**kwargs)
    assert err.value.field == field


def test_tree_needs_distinct_named_drivers():
    with pytest.raises(ValueError, match="between 1 and 6"):
        model.make_tree("g", [], "l")
    with pytest.raises(ValueError, match="its own name"):
        model.make_tree("g", [spec(), spec()], "l")


def test_markdown_summary_lists_every_kpi_and_check():
    tree = model.make_tree("Serve | more", [spec(owner="")], "AI replies")
    md = model.tree_markdown(tree)
    assert md.startswith("# KPI tree: Serve / more")
    assert "| Resolutions per agent hour |" in md and "| FAIL |" in md
    assert md.count("\n| Resolutions per agent hour | ") == 1 + 5  # spec row + five checks


# ------------------------------------------------------------------ the view
@pytest.fixture
def pilot(monkeypatch):
    """The view reads the hand-counted tickets instead of the dataset."""
    by_arm, weekly = model.kpis_by(HAND, "arm"), model.kpis_by(HAND, "arm and week")
    control = by_arm.set_index("arm").loc["control"]
    monkeypatch.setattr(view, "_pilot", lambda: (by_arm, weekly, {
        k: float(control[k]) for k in model.METRICS}, ""))


def text(widget) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", widget.value))


def parts(app):
    tree, checks, chart, arms = app.results.children
    return tree, checks, chart, arms


def test_defaults_build_a_passing_tree_from_the_pilot_baselines(pilot):
    app = view.build_app()
    tree, checks, chart, arms = parts(app)
    assert "Average handle time" in text(tree) and "CSAT top-box" in text(tree)
    assert "15.00 → 13.50" in text(tree)  # baseline 15 min from the control arm, target -10%
    assert "0 of 16 SMART checks fail" in text(checks)
    assert "<img" in chart.value and "assisted -40% vs control" in chart.value
    assert "Control" in text(arms) and "33.3%" in text(arms)  # control CSAT top-box 1/3
    assert app.fields["kpi1.baseline"].control.disabled  # locked to the data baseline
    assert app.status.value == ""
    md = base64.b64decode(re.search(r"base64,([^\"]+)", app.download.value).group(1)).decode()
    assert "# KPI tree" in md and "| Average handle time |" in md and "The pilot, by arm" in md


def test_an_implausible_target_fails_and_names_the_figure(pilot):
    app = view.build_app()
    _, checks, chart, _ = parts(app)
    before_chart = chart.value
    app.fields["kpi1.target"].control.value = "5"  # 15 -> 5 minutes: a 67% cut
    assert "1 of 16 SMART checks fail" in text(checks)
    assert "67% lower" in text(checks) and "Brynjolfsson" in text(checks)
    assert chart.value != before_chart  # the target line moved


def test_dropping_the_guardrails_triggers_the_klarna_check(pilot):
    app = view.build_app()
    _, checks, _, _ = parts(app)
    app.fields["kpi2.metric"].control.value = view.NOT_USED
    assert "Klarna" not in text(checks)
    app.fields["kpi3.metric"].control.value = view.NOT_USED
    assert "Klarna" in text(checks) and "1 of 6 SMART checks fail" in text(checks)


def test_a_preset_fills_the_specification_and_the_data_baseline(pilot):
    app = view.build_app()
    app.fields["kpi3.metric"].control.value = "resolutions_per_hour"
    assert app.fields["kpi3.name"].control.value == "Resolutions per agent hour"
    assert app.fields["kpi3.baseline"].value == pytest.approx(3.0)
    assert app.fields["kpi3.target"].value == pytest.approx(3.3)
    assert app.fields["kpi3.kind"].value == "efficiency"


def test_not_measured_baseline_is_explained(pilot):
    app = view.build_app()
    _, checks, _, _ = parts(app)
    app.fields["kpi2.baseline_source"].control.value = view.NOT_MEASURED
    assert "Not measurable: no baseline" in text(checks)


def test_bad_input_shows_beside_the_field_and_keeps_the_result(pilot):
    app = view.build_app()
    tree, checks, _, _ = parts(app)
    before = (tree.value, checks.value)
    app.fields["kpi1.target"].control.value = "fast"
    assert "not a number" in app.fields["kpi1.target"].error
    app.fields["kpi2.name"].control.value = "   "
    assert "name must not be empty" in app.fields["kpi2.name"].message.value
    assert (tree.value, checks.value) == before
    app.fields["kpi2.name"].control.value = "FCR"
    assert "kit-field-error" not in app.fields["kpi2.name"].message.value
    assert "FCR" in text(tree)


def test_only_the_fields_a_kpi_uses_are_shown(pilot):
    app = view.build_app()

    def shown(name: str) -> bool:
        return app.fields[name].layout.display != "none"

    app.fields["kpi2.metric"].control.value = "fcr"  # a share: the percent fields
    assert shown("kpi2.baseline_pct") and not shown("kpi2.baseline")
    app.fields["kpi2.metric"].control.value = view.CUSTOM  # a number: the plain fields
    assert shown("kpi2.baseline") and not shown("kpi2.baseline_pct")
    assert shown("kpi2.target") and not shown("kpi2.target_pct")
    app.fields["kpi2.baseline_source"].control.value = view.NOT_MEASURED
    assert not shown("kpi2.baseline") and shown("kpi2.target")
    app.fields["kpi2.metric"].control.value = view.NOT_USED
    assert not shown("kpi2.name") and not shown("kpi2.target") and shown("kpi2.metric")
    assert shown("kpi1.name")  # the other KPIs keep theirs


def test_a_custom_kpi_cannot_take_its_baseline_from_the_pilot(pilot):
    app = view.build_app()
    tree = parts(app)[0]
    app.fields["kpi3.metric"].control.value = view.CUSTOM
    assert app.fields["kpi3.baseline_source"].value == view.BY_HAND
    before = tree.value
    app.fields["kpi3.baseline_source"].control.value = view.FROM_DATA
    assert "cannot measure a custom KPI" in app.fields["kpi3.baseline_source"].message.value
    assert tree.value == before


def test_builds_without_the_dataset(monkeypatch):
    monkeypatch.setattr(view, "_pilot", lambda: (None, None, {}, "support_pilot not found"))
    app = view.build_app()
    _, checks, chart, arms = parts(app)
    assert "No pilot data" in text(arms) and "No pilot data" in text(chart)
    assert "Not measurable: no baseline" in text(checks)


def test_build_app_with_its_real_defaults():
    app = view.build_app()
    assert app.status.value == "" and "SMART checks fail" in app.results.children[1].value
