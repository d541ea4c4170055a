"""The datasets: reproducible bytes, schemas, calibration targets, sources and datasheets."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from widgets import calibration as cal
from widgets import course, data
from widgets.schemas import SPECS
from widgets.traps import TRAP_KEYS

DATASETS = course.path(course.DATASETS)
SYNTHETIC = [s.name for s in SPECS.values() if s.synthetic]
REAL = [s.name for s in SPECS.values() if not s.synthetic]


def _generate(*args: str, script: Path = DATASETS / "generate.py"):
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=300)


# ------------------------------------------------------------------------- reproducibility
@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A fresh run of the generator, written into a temporary folder."""
    out = tmp_path_factory.mktemp("fresh")
    done = _generate("--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("filename", [f"{n}.csv" for n in SYNTHETIC]
                         + ["README.md", "genai_projects.risk_model.json"])
def test_regeneration_gives_the_committed_bytes(fresh, filename):
    new, committed = (fresh / filename).read_bytes(), (DATASETS / filename).read_bytes()
    assert new == committed, f"datasets/{filename} differs from a fresh run: run make datasets"


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_files_use_unix_line_endings_and_no_negative_zero(name):
    raw = (DATASETS / f"{name}.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    assert not re.search(rb"(^|,)-0(\.0+)?(,|$)", raw, flags=re.M)


def test_check_mode_reports_a_stale_file(tmp_path):
    copy = tmp_path / "datasets"
    shutil.copytree(DATASETS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert _generate("--check", script=copy / "generate.py").returncode == 0
    stale = copy / "report_automation.csv"
    stale.write_text(stale.read_text().replace("steady state", "cleaning", 1))
    done = _generate("--check", script=copy / "generate.py")
    assert done.returncode == 1
    assert "report_automation.csv differs" in done.stdout
    assert stale.read_text().count("steady state") < (DATASETS / stale.name).read_text().count(
        "steady state"), "--check must not rewrite files"


# ------------------------------------------------------------------------------- schemas
@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {name: data.load(name) for name in SPECS}


def _expected_dtype(col) -> str:
    if col.kind == "int":
        return "Int64" if col.nullable else "int64"
    if col.kind == "bool":
        return "boolean" if col.nullable else "bool"
    return {"float": "float64", "date": "datetime64", "str": "str", "category": "category"}[
        col.kind]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_schema_holds(frames, name):
    df, spec = frames[name], SPECS[name]
    assert list(df.columns) == spec.column_names
    assert len(df) >= spec.min_rows
    for col in spec.columns:
        series = df[col.name]
        expected = _expected_dtype(col)
        if expected == "category":
            assert isinstance(series.dtype, pd.CategoricalDtype), col.name
            assert list(series.cat.categories) == list(col.categories), col.name
            assert series.cat.ordered == col.ordered, col.name
        elif expected == "datetime64":
            assert pd.api.types.is_datetime64_any_dtype(series), col.name
        elif expected == "str":
            assert pd.api.types.is_string_dtype(series), col.name
        else:
            assert str(series.dtype) == expected, (col.name, series.dtype)
        if not col.nullable:
            assert series.notna().all(), f"{name}.{col.name} has missing values"
        if col.kind == "str":
            assert (series.dropna().str.strip() != "").all(), f"{name}.{col.name} has blanks"
        if col.min is not None:
            assert (series.dropna() >= col.min).all(), col.name
        if col.max is not None:
            assert (series.dropna() <= col.max).all(), col.name


def test_read_file_applies_the_checks_of_load(tmp_path):
    bad = tmp_path / "report_automation.csv"
    lines = (DATASETS / bad.name).read_text().splitlines(keepends=True)
    bad.write_text("".join(lines[:4] + [lines[4].replace(",0.", ",1.7", 1)] + lines[5:]))
    with pytest.raises(data.DatasetError, match=rf"{re.escape(str(bad))}, line 5"):
        data.read_file("report_automation", bad)
    good = data.read_file("report_automation", DATASETS / bad.name)
    pd.testing.assert_frame_equal(good, data.load("report_automation"))


# --------------------------------------------------------------------------- calibration
@pytest.mark.parametrize("target", cal.TARGETS, ids=lambda t: t.key)
def test_calibration_target_holds(frames, target):
    value = cal.achieved(target, frames[target.dataset])
    assert target.holds(value), (
        f"{target.key} = {value:.4f}, outside {target.low} to {target.high} ({target.source})")


def test_every_synthetic_dataset_has_targets_and_centres_sit_inside_their_tolerance():
    assert {t.dataset for t in cal.TARGETS} == set(SYNTHETIC)
    for t in cal.TARGETS:
        assert t.source.strip()
        if t.centre is not None:
            assert t.holds(t.centre), t.key


def test_logistic_regression_recovers_the_sign_of_every_trap(frames):
    import statsmodels.api as sm

    df = frames["genai_projects"]
    x = sm.add_constant(cal.project_trap_features(df))
    y = (df["outcome"] != cal.OUTCOME_PRODUCTION).astype(float)
    fit = sm.Logit(y, x).fit(disp=0)
    for feature in cal.TRAP_FEATURES:
        assert fit.params[feature] > 0, feature
        assert fit.pvalues[feature] < 0.01, (feature, fit.pvalues[feature])


def test_projects_are_internally_consistent(frames):
    df = frames["genai_projects"]
    assert df["project_id"].is_unique
    assert not (df["baseline_measured"] & ~df["kpi_defined"]).any(), "a baseline needs a KPI"
    value = df.groupby("outcome", observed=True)["value_realised_usd"]
    assert value.max()[cal.OUTCOME_ABANDONED] == 0
    assert value.min()[cal.OUTCOME_PRODUCTION] > 0
    assert value.median()[cal.OUTCOME_STALLED] < value.median()[cal.OUTCOME_PRODUCTION]
    # more traps, less value: a trap-free project realises more than a trap-laden one
    production = df[df["outcome"] == cal.OUTCOME_PRODUCTION]
    traps = cal.project_trap_features(production)[["no_kpi", "no_pilot", "no_business_owner"]]
    multiple = production["value_realised_usd"] / production["budget_needed_usd"]
    assert multiple[traps.sum(axis=1) == 0].median() > multiple[traps.sum(axis=1) == 3].median()


def test_pilot_randomises_whole_agents_balanced_by_tenure_band(frames):
    df = frames["support_pilot"]
    agents = df.groupby("agent_id").agg(arms=("arm", "nunique"),
                                        tenures=("agent_tenure_months", "nunique"),
                                        arm=("arm", "first"),
                                        tenure=("agent_tenure_months", "first"))
    assert 100 <= len(agents) <= 150
    assert (agents["arms"] == 1).all() and (agents["tenures"] == 1).all()
    per_band = pd.crosstab(cal.tenure_band(agents["tenure"]), agents["arm"])
    assert (per_band["assisted"] == per_band["control"]).all()
    assert df["ticket_id"].is_unique
    assert sorted(df["week"].unique()) == list(range(1, 9))


def test_pilot_fields_are_consistent(frames):
    df = frames["support_pilot"]
    control = df["arm"] == "control"
    assert df.loc[control, "ai_suggestion_accepted"].isna().all()
    assert df.loc[~control, "ai_suggestion_accepted"].notna().all()
    assert not (df["escalated"] & df["resolved_first_contact"]).any()


def test_the_lift_shrinks_with_tenure(frames):
    lifts = [cal.rph_lift(frames["support_pilot"], b.name) for b in cal.TENURE_BANDS]
    assert lifts == sorted(lifts, reverse=True), lifts


def test_report_log_moves_through_the_stages_in_order(frames):
    df = frames["report_automation"]
    assert list(df["month"]) == list(range(1, len(df) + 1))
    assert df["data_cleaning_stage"].is_monotonic_increasing
    assert df["analyst_hours"].iloc[-1] < df["analyst_hours"].iloc[0]


# ------------------------------------------------------------------- metric definitions
def _tickets(**overrides) -> pd.DataFrame:
    base = {
        "arm": ["control", "control", "assisted", "assisted"],
        "agent_tenure_months": [1, 1, 1, 40],
        "handle_time_min": [30.0, 30.0, 20.0, 40.0],
        "resolved_first_contact": [True, False, True, True],
        "csat": pd.array([5, pd.NA, 4, 5], dtype="Int64"),
        "escalated": [False, True, False, False],
        "channel": ["chat", "phone", "chat", "chat"],
    }
    return pd.DataFrame({**base, **overrides})


def test_resolutions_per_hour_is_resolved_tickets_per_handle_hour():
    df = _tickets()
    assert cal.resolutions_per_hour(df) == pytest.approx(3 / 2)  # 3 resolved in 120 min
    assert cal.rph_lift(df) == pytest.approx(1.0)  # control 1 per hour, assisted 2 per hour
    assert cal.rph_lift(df, "novice") == pytest.approx(2.0)  # assisted novice: 1 in 20 min
    assert np.isnan(cal.rph_lift(df, "most experienced"))  # no control agent in that band
    assert np.isnan(cal.resolutions_per_hour(df.iloc[:0]))


def test_survey_metrics_leave_unanswered_surveys_out():
    df = _tickets()
    assert cal.csat_top_box(df) == pytest.approx(2 / 3)
    assert cal.survey_response_rate(df) == pytest.approx(3 / 4)
    assert cal.escalation_rate(df) == pytest.approx(1 / 4)
    assert cal.first_contact_resolution(df) == pytest.approx(3 / 4)
    assert cal.mean_handle_time(df, "chat") == pytest.approx(30.0)


def test_tenure_bands_have_the_documented_edges():
    bands = cal.tenure_band(pd.Series([0, 2, 3, 11, 12, 35, 36, 240]))
    assert list(bands) == ["novice", "novice", "developing", "developing", "experienced",
                           "experienced", "most experienced", "most experienced"]
    with pytest.raises(ValueError, match="at least 0"):
        cal.tenure_band(pd.Series([-1]))


def test_trap_features_on_a_worked_project():
    project = pd.DataFrame([{
        "trl_expected": 8, "trl_assessed": 5, "kpi_defined": True, "baseline_measured": False,
        "business_owner_involved": True, "budget_planned_usd": 300_000.0,
        "budget_needed_usd": 400_000.0, "data_readiness": 2, "pilot_run": False,
        "cross_functional_team": True,
    }])
    features = cal.project_trap_features(project).iloc[0].to_dict()
    assert features == {"maturity_gap": 3.0, "no_kpi": 0.0, "no_baseline": 1.0,
                        "no_business_owner": 0.0, "funding_gap": 0.25, "data_gap": 3.0,
                        "no_pilot": 1.0, "no_cross_functional_team": 0.0}


def test_metrics_name_the_missing_columns():
    with pytest.raises(ValueError, match="handle_time_min"):
        cal.resolutions_per_hour(pd.DataFrame({"resolved_first_contact": [True]}))
    with pytest.raises(ValueError, match="band must be one of"):
        cal.rph_lift(_tickets(), "veteran")
    with pytest.raises(TypeError):
        cal.outcome_share([1, 2], "abandoned")
    with pytest.raises(KeyError, match="Known targets"):
        cal.target("nope")


# ------------------------------------------------------------------------- real tables
@pytest.mark.parametrize("name", REAL)
def test_every_real_row_has_a_source_a_year_and_its_caveat(frames, name):
    df = frames[name]
    url = "source_url"
    year = "source_year" if "source_year" in df else "year"
    assert df[url].str.match(r"https?://\S+$").all(), df.loc[~df[url].str.match(r"https?://")]
    assert df[year].between(1990, 2030).all()
    publisher = "source_publisher" if "source_publisher" in df else "publisher"
    assert (df[publisher].str.strip() != "").all()
    c2 = df["status"] == "C2"
    assert df.loc[c2, "caveat"].fillna("").str.strip().ne("").all(), "C2 rows need a caveat"


def test_case_studies_cover_enough_organisations_and_every_trap_twice(frames):
    df = frames["case_studies"]
    assert df["organisation"].nunique() >= 12
    tags = [t for cell in df["traps"] for t in cell.split(";")]
    assert set(tags) <= set(TRAP_KEYS), set(tags) - set(TRAP_KEYS)
    counts = Counter(tags)
    assert all(counts[k] >= 2 for k in TRAP_KEYS), counts
    assert all(len(set(cell.split(";"))) == len(cell.split(";")) for cell in df["traps"])
    others = df["other_sources"].dropna()
    assert others.str.contains("http").all()


def test_failure_surveys_hold_the_figures_the_lessons_need(frames):
    df = frames["failure_surveys"]
    rows = {(p, v) for p, v in zip(df["publisher"], df["value"], strict=True)}
    for publisher, value in [("Gartner", 48), ("Gartner", 30), ("Gartner", 54),
                             ("RAND Corporation", 80), ("MIT Media Lab, Project NANDA", 95),
                             ("S&P Global Market Intelligence", 42),
                             ("S&P Global Market Intelligence", 46)]:
        assert (publisher, value) in rows, (publisher, value)
    for publisher in ("IDC", "McKinsey", "Boston Consulting Group", "Deloitte"):
        assert df["publisher"].str.startswith(publisher).any(), publisher
    g48 = df[(df["publisher"] == "Gartner") & (df["value"] == 48)].iloc[0]
    assert g48["status"] == "C2"
    rand = df[df["publisher"] == "RAND Corporation"].iloc[0]
    assert rand["evidence"] == "cited estimate" and "not RAND's own" in rand["caveat"]
    nanda = df[df["value"] == 95].iloc[0]
    assert "Preliminary" in nanda["caveat"]


def test_rejected_claims_never_enter_a_real_table():
    text = "\n".join((DATASETS / f"{n}.csv").read_text() for n in REAL)
    for claim in ("2,400", "2400", "19.7", "47%", "+47", "70% of AI projects"):
        assert claim not in text, claim


# --------------------------------------------------------------------------- datasheets
@pytest.mark.parametrize("name", sorted(SPECS))
def test_datasheet_documents_every_column_with_its_unit(name):
    sheet = data.describe(name)
    assert sheet.startswith(f"## {name}")
    for heading in ("Motivation", "Synthetic or real", "Columns", "Licence",
                    "Known limitations"):
        assert f"### {heading}" in sheet, heading
    for col in SPECS[name].columns:
        row = re.search(rf"^\| `{col.name}` \|(.*)$", sheet, flags=re.M)
        assert row, f"{col.name} missing from the datasheet of {name}"
        assert f"| {col.unit or '-'} |" in row.group(0)
    assert ("**Synthetic" in sheet) == SPECS[name].synthetic


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_datasheets_state_model_and_targets(name):
    sheet = data.describe(name)
    for heading in ("Generating model", "Calibration targets"):
        assert f"### {heading}" in sheet
    for t in cal.TARGETS:
        if t.dataset == name:
            assert f"`{t.key}`" in sheet
    assert "OUT OF RANGE" not in sheet


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def course_copy(tmp_path, monkeypatch) -> Path:
    """A course root holding copies of every dataset, selected through the environment."""
    (tmp_path / "datasets").mkdir()
    for name in SPECS:
        shutil.copy(DATASETS / f"{name}.csv", tmp_path / "datasets")
    monkeypatch.setenv(course.ROOT_ENV, str(tmp_path))
    return tmp_path / "datasets"


def test_a_line_cut_before_its_last_nullable_field_is_named(course_copy):
    # The cut leaves every non-nullable field in place: only the field count gives it away.
    file = course_copy / "support_pilot.csv"
    lines = file.read_text().splitlines(keepends=True)
    last = next(i for i in range(len(lines) - 1, 0, -1) if ",assisted," in lines[i])
    lines = lines[:last + 1]
    lines[last] = lines[last].rstrip("\n").rsplit(",", 1)[0] + "\n"
    file.write_text("".join(lines))
    with pytest.raises(data.DatasetError) as err:
        data.load("support_pilot")
    assert f"{file}, line {last + 1}:" in str(err.value)
    assert "10 fields, expected 11" in str(err.value)


def test_a_file_cut_at_a_line_boundary_is_called_truncated(course_copy):
    file = course_copy / "genai_projects.csv"
    file.write_text("".join(file.read_text().splitlines(keepends=True)[:301]))
    with pytest.raises(data.DatasetError, match=r"300 rows, expected at least 600.*truncated"):
        data.load("genai_projects")


def test_a_bad_category_names_file_line_column_and_the_allowed_values(course_copy):
    file = course_copy / "case_studies.csv"
    text = file.read_text()
    file.write_text(text.replace(",course correction,", ",U-turn,", 1))
    line = text[:text.index(",course correction,")].count("\n") + 1
    with pytest.raises(data.DatasetError,
                       match=rf"line {line}, column 'kind': 'U-turn' is not one of failure"):
        data.load("case_studies")
