"""Readiness diagnostic: scores and risk worked by hand, the Logit fit checked against known
coefficients and an independent fitter, properties, and the view."""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.text import Text

from tests.model_examples.readiness import portfolio
from widgets import course, data
from widgets.readiness import fitted as stored_fit
from widgets.readiness import model, view
from widgets.traps import BY_KEY, TRAP_KEYS

KEYS = [q.key for q in model.QUESTIONS]


def answers(default: int = 1, **kw: int) -> dict[str, int]:
    return {k: default for k in KEYS} | kw


def hand_model(const: float = -1.0, var: float = 0.0, **coef: float) -> model.RiskModel:
    """A RiskModel with chosen coefficients and a diagonal covariance ``var``."""
    names = ("const", *model.FEATURES)
    values = {n: coef.get(n, 0.0) for n in model.FEATURES} | {"const": const}
    cov = tuple(tuple(var if i == j else 0.0 for j in range(len(names)))
                for i in range(len(names)))
    return model.RiskModel(coef=values, std_err={n: math.sqrt(var) for n in names},
                           p_value={n: 0.5 for n in names}, cov=cov, n=100,
                           failure_rate=0.5, pseudo_r2=0.1)


# ------------------------------------------------------------------ the questionnaire
def test_twenty_questions_four_per_trap_each_with_a_three_level_rubric():
    assert len(model.QUESTIONS) == 20 and len(set(KEYS)) == 20
    for trap in TRAP_KEYS:
        assert sum(q.trap == trap for q in model.QUESTIONS) == 4
    assert all(len(q.rubric) == 3 and all(q.rubric) for q in model.QUESTIONS)
    mapped = {q.feature for q in model.QUESTIONS if q.feature}
    assert mapped == set(model.FEATURES)  # every model feature has a question
    for q in model.QUESTIONS:
        if q.feature_values:  # a better answer never means a worse feature value
            assert list(q.feature_values) == sorted(q.feature_values, reverse=True)


def test_trap_scores_worked_by_hand():
    a = answers(0, evidence=2, expectation_gap=1, error_rate=0, frontier=1,  # 4 of 8
                kpi=2, baseline=2, business_owner=2, guardrail=2,  # 8 of 8
                pilot=1)  # learning: 1 of 8
    scores = model.trap_scores(a)
    assert scores == {"maturity": 0.5, "value": 1.0, "investment": 0.0, "data": 0.0,
                      "learning": 0.125}


def test_answers_map_onto_the_documented_feature_values():
    f = model.features_from_answers(answers(1, expectation_gap=0, budget=2, data_readiness=0))
    assert f == {"maturity_gap": 3.0, "no_kpi": 0.5, "no_baseline": 0.5,
                 "no_business_owner": 0.5, "funding_gap": 0.05, "data_gap": 3.5,
                 "no_pilot": 0.5, "no_cross_functional_team": 0.5}


@pytest.mark.parametrize(("bad", "field", "error"), [
    ({"kpi": 3}, "kpi", ValueError),
    ({"kpi": 1.5}, "kpi", ValueError),
    ({"kpi": "2"}, "kpi", TypeError),
    ({"hype": 1}, "answers", ValueError),
])
def test_bad_answers_name_the_question(bad, field, error):
    with pytest.raises(error, match=field) as err:
        model.trap_scores(answers() | bad)
    assert err.value.field == field


def test_a_missing_answer_names_the_question():
    a = answers()
    del a["pilot"]
    with pytest.raises(ValueError, match="pilot is not answered") as err:
        model.trap_scores(a)
    assert err.value.field == "pilot"


# ------------------------------------------------------------------ features and risk by hand
def test_trap_features_worked_by_hand():
    df = pd.DataFrame({
        "trl_expected": [8, 3], "trl_assessed": [4, 6], "kpi_defined": [False, True],
        "baseline_measured": [True, False], "business_owner_involved": [False, True],
        "budget_planned_usd": [250_000.0, 90_000.0], "budget_needed_usd": [1_000_000.0, 0.0],
        "data_readiness": [2, 5], "pilot_run": [False, True],
        "cross_functional_team": [True, False], "outcome": ["abandoned", "stalled in pilot"],
    })
    f = model.trap_features(df)
    assert f.iloc[0].to_dict() == {"maturity_gap": 4.0, "no_kpi": 1.0, "no_baseline": 0.0,
                                   "no_business_owner": 1.0, "funding_gap": 0.75,
                                   "data_gap": 3.0, "no_pilot": 1.0,
                                   "no_cross_functional_team": 0.0}
    # expectations below the evidence are no gap; nothing needed means no shortfall
    assert f.loc[1, "maturity_gap"] == 0.0 and f.loc[1, "funding_gap"] == 0.0


def test_predicted_risk_worked_by_hand():
    m = hand_model(const=-1.0, maturity_gap=0.5, no_kpi=0.4, data_gap=0.2)
    # all answers 0: gap 3, no KPI 1, data gap 3.5 -> eta = -1 + 1.5 + 0.4 + 0.7 = 1.6
    r = model.predict_risk(m, model.features_from_answers(answers(0)))
    assert r.probability == pytest.approx(1 / (1 + math.exp(-1.6)))
    assert r.low == r.high == pytest.approx(r.probability)  # no uncertainty given
    # with variance 0.01 on every coefficient: se^2 = 0.01 * sum of squared inputs
    x = [1.0, *model.features_from_answers(answers(0)).values()]
    se = math.sqrt(0.01 * sum(v * v for v in x))
    wide = model.predict_risk(hand_model(const=-1.0, var=0.01, maturity_gap=0.5, no_kpi=0.4,
                                         data_gap=0.2), model.features_from_answers(answers(0)))
    assert wide.low == pytest.approx(1 / (1 + math.exp(-(1.6 - 1.959964 * se))))
    assert wide.high == pytest.approx(1 / (1 + math.exp(-(1.6 + 1.959964 * se))))


# ------------------------------------------------------------------ the fit
def test_the_fit_recovers_the_coefficients_that_generated_the_data():
    m = model.fit_risk_model(portfolio(n=6000, seed=3))
    truth = {"const": -1.5, "maturity_gap": 0.3, "no_kpi": 0.8, "no_baseline": 0.4,
             "no_business_owner": 0.5, "funding_gap": 1.2, "data_gap": 0.35,
             "no_pilot": 0.6, "no_cross_functional_team": 0.4}
    for name, b in truth.items():
        assert abs(m.coef[name] - b) < 4 * m.std_err[name], name


def test_the_fit_matches_an_independent_fitter():
    projects = portfolio()
    m = model.fit_risk_model(projects)
    x = sm.add_constant(model.trap_features(projects).to_numpy())
    y = (projects["outcome"] != "scaled to production").astype(float).to_numpy()
    glm = sm.GLM(y, x, family=sm.families.Binomial()).fit()  # IRLS, not Newton on the Logit
    assert np.allclose([m.coef[n] for n in m.names], glm.params, atol=1e-5)
    assert m.failure_rate == pytest.approx(y.mean()) and m.n == len(y)
    table = model.coefficient_table(m)
    assert list(table["feature"]) == list(m.names)
    assert np.allclose(table["odds_ratio"], np.exp(glm.params), rtol=1e-4)


def test_the_fit_refuses_data_that_cannot_support_it():
    projects = portfolio()
    with pytest.raises(ValueError, match="both"):
        model.fit_risk_model(projects.assign(outcome="abandoned"))
    with pytest.raises(ValueError, match="at least 50"):
        model.fit_risk_model(projects.head(20))
    separated = projects.assign(outcome=np.where(projects["kpi_defined"],
                                                 "scaled to production", "abandoned"))
    with pytest.raises(ValueError, match="did not converge"):
        model.fit_risk_model(separated)
    with pytest.raises(ValueError, match="data_readiness must hold finite numbers from 1 to 5"):
        model.fit_risk_model(projects.assign(data_readiness=7))


def test_on_the_real_portfolio_the_fit_recovers_the_datasheet_coefficients():
    m = model.fit_risk_model(data.load("genai_projects"))
    # the generating log-odds per unit, as the datasheet's coefficient table states them
    truth = {name: float(b) for name, b in re.findall(
        r"^\| `(\w+)` \| [^|]+ \| ([+-]\d+\.\d+) \|", data.describe("genai_projects"), re.M)}
    assert set(truth) == set(model.FEATURES)
    for name, b in truth.items():
        assert m.coef[name] > 0 and m.p_value[name] < 0.01, name
        assert abs(m.coef[name] - b) < 3 * m.std_err[name], (name, m.coef[name], b)
    assert m.n == len(data.load("genai_projects")) and 0.4 < m.failure_rate < 0.6


# ------------------------------------------------------------------ properties
answer_sets = st.fixed_dictionaries({k: st.integers(0, 2) for k in KEYS})


@settings(max_examples=80, deadline=None)
@given(a=answer_sets)
def test_scores_stay_within_their_bounds(a):
    scores = model.trap_scores(a)
    assert list(scores) == list(TRAP_KEYS)
    assert all(0 <= s <= 1 for s in scores.values())
    r = model.predict_risk(hand_model(var=0.05, no_kpi=1.0, data_gap=0.5),
                           model.features_from_answers(a))
    assert 0 < r.low <= r.probability <= r.high < 1


@settings(max_examples=80, deadline=None)
@given(a=answer_sets, key=st.sampled_from(KEYS),
       coefs=st.lists(st.floats(0, 2), min_size=8, max_size=8))
def test_a_better_answer_never_lowers_a_score_or_raises_the_risk(a, key, coefs):
    if a[key] == 2:
        return
    better = {**a, key: a[key] + 1}
    m = hand_model(**dict(zip(model.FEATURES, coefs, strict=True)))
    trap = model.BY_QUESTION[key].trap
    assert model.trap_scores(better)[trap] > model.trap_scores(a)[trap]
    before = model.predict_risk(m, model.features_from_answers(a)).probability
    after = model.predict_risk(m, model.features_from_answers(better)).probability
    assert after <= before + 1e-12


@settings(max_examples=80, deadline=None)
@given(a=answer_sets, n=st.integers(1, 5))
def test_actions_only_target_open_questions_and_link_their_lesson(a, n):
    acts = model.top_actions(a, hand_model(no_pilot=0.5, no_kpi=0.5), n=n)
    open_questions = [k for k in KEYS if a[k] < 2]
    assert len(acts) == min(n, len(open_questions))
    assert all(a[x.question] < 2 for x in acts)
    assert all(x.lesson == BY_KEY[x.trap].lesson for x in acts)
    traps_open = {model.BY_QUESTION[k].trap for k in open_questions}
    assert len({x.trap for x in acts}) == min(len(acts), len(traps_open))


def test_actions_start_from_the_weakest_trap_and_show_the_modelled_gain():
    a = answers(2, data_readiness=0, access=0, kpi=1, evidence=1)
    acts = model.top_actions(a, hand_model(data_gap=0.5, no_kpi=0.5))
    # data scores 4/8; value and maturity tie at 7/8, and fixing the KPI lowers the modelled
    # risk while "evidence" does not feed the model, so the KPI comes first
    assert [x.question for x in acts] == ["data_readiness", "kpi", "evidence"]
    assert acts[0].trap == "data" and acts[0].lesson == "04-data-not-ready"
    assert acts[0].risk_after < acts[0].risk_before
    assert acts[2].risk_after is None
    assert model.top_actions(answers(2)) == []


def test_summary_is_one_page_of_markdown():
    md = model.summary_markdown(answers(1, pilot=0), hand_model(no_pilot=1.0),
                                project="Claims | bot")
    assert md.startswith("# Readiness diagnostic: Claims / bot")
    assert "**Estimated risk of not reaching production:**" in md
    assert "| No learning loop | 38% |" in md  # 3 of 8 points
    assert md.count("\n1. ") == 1 and "lessons/05-pilots-and-learning.ipynb" in md
    assert md.count("\n| ") == (2 + 5) + (2 + 20)  # each table: header, rule, rows


# ------------------------------------------------------------------ the view
@pytest.fixture
def fitted(monkeypatch):
    m = model.fit_risk_model(portfolio())
    monkeypatch.setattr(view, "risk_model", lambda: (m, ""))
    view._model_note.cache_clear()
    yield m
    view._model_note.cache_clear()


def text(widget) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", widget.value))


def risk_value(app) -> float:
    return float(re.search(r'kit-risk-value">(\d+)%', app.results.children[0].value).group(1))


def test_defaults_show_risk_scores_actions_and_the_model(fitted):
    app = view.build_app()
    risk, chart, actions, note = app.results.children
    expected = model.predict_risk(fitted, model.features_from_answers(answers()))
    assert risk_value(app) == round(expected.probability * 100)
    assert "synthetic portfolio" in text(risk)
    assert 'alt="All five traps score 50%' in chart.value
    assert text(actions).count("Lesson:") == 3 and 'href="../lessons/' in actions.value
    assert "statsmodels Logit" in note.children[0].value
    assert "funding_gap" in note.children[0].value
    assert app.status.value == ""


def test_answering_changes_the_risk_the_chart_and_the_actions(fitted):
    app = view.build_app()
    risk_before, chart_before = risk_value(app), app.results.children[1].value
    for key in ("pilot", "team", "go_no_go", "retrospective"):
        app.fields[key].control.value = 2
    assert risk_value(app) < risk_before
    assert app.results.children[1].value != chart_before
    assert "No learning loop 100%" in app.results.children[1].value
    assert "05-pilots-and-learning" not in app.results.children[2].value


def test_a_fully_ready_project_has_no_actions(fitted):
    app = view.build_app(answers=answers(2))
    assert "Every trap is covered at 75% or more" in app.results.children[1].value
    assert "no action stands out" in app.results.children[2].value


def test_summary_download_holds_the_answers_and_the_project_name(fitted):
    app = view.build_app(project="Claims assistant")
    app.fields["data_readiness"].control.value = 0
    md = base64.b64decode(re.search(r"base64,([^\"]+)", app.download.value).group(1)).decode()
    assert md.startswith("# Readiness diagnostic: Claims assistant")
    assert "| Data that is not ready | How ready is the data the project needs? | 0: " in md


def test_an_empty_project_name_is_explained_and_the_summary_kept(fitted):
    app = view.build_app(project="Claims assistant")
    before = app.download.value
    app.fields["project"].control.value = "  "
    assert "Project is required" in app.fields["project"].error
    assert app.download.value == before


def test_builds_without_the_portfolio(monkeypatch):
    monkeypatch.setattr(view, "risk_model", lambda: (None, "genai_projects not found"))
    view._model_note.cache_clear()
    app = view.build_app()
    assert "No risk estimate" in app.results.children[0].value
    assert "Lesson:" in text(app.results.children[2])
    view._model_note.cache_clear()


def test_build_app_with_its_real_defaults():
    app = view.build_app()
    assert app.status.value == "" and "<img" in app.results.children[1].value
    m, problem = view.risk_model()
    assert problem == "" and m is not None  # the real portfolio is there and fits
    expected = model.predict_risk(m, model.features_from_answers(answers()))
    assert risk_value(app) == round(expected.probability * 100)


def test_the_apps_server_version_names_lessons_without_linking_them(fitted):
    actions = view.build_app(lesson_links=False).results.children[2]
    assert text(actions).count("Lesson: course lesson ") == 3
    assert "<a " not in actions.value and "lessons/" not in actions.value


# ----------------------------------------------------------------- the fit stored by make datasets
def test_the_stored_fit_is_the_fit_of_the_committed_portfolio():
    csv = data.file_path("genai_projects")
    stored = stored_fit.load(csv)
    assert stored is not None, "datasets/genai_projects.risk_model.json is missing or stale"
    fresh = model.fit_risk_model(data.load("genai_projects"))
    assert stored.n == fresh.n and stored.names == fresh.names
    for name in fresh.names:
        assert stored.coef[name] == pytest.approx(fresh.coef[name], rel=1e-8)
        assert stored.std_err[name] == pytest.approx(fresh.std_err[name], rel=1e-8)
    np.testing.assert_allclose(stored.cov, fresh.cov, rtol=1e-8)
    assert stored.failure_rate == pytest.approx(fresh.failure_rate, rel=1e-8)


def test_a_changed_portfolio_is_refitted_not_predicted_from_the_stale_fit(tmp_path):
    csv = tmp_path / "genai_projects.csv"
    csv.write_bytes(data.file_path("genai_projects").read_bytes())
    stored_fit.store(csv, data.read_file("genai_projects", csv))
    assert stored_fit.load(csv) is not None
    edited = pd.read_csv(csv)
    edited = edited[edited.index % 2 == 0]  # half the projects: a different fit
    edited.to_csv(csv, index=False)
    assert stored_fit.load(csv) is None


def test_a_fit_stored_for_other_features_means_a_refit(tmp_path):
    csv = tmp_path / "genai_projects.csv"
    csv.write_bytes(data.file_path("genai_projects").read_bytes())
    path = stored_fit.store(csv, data.read_file("genai_projects", csv))
    doc = json.loads(path.read_text())
    doc["coef"]["no_owner"] = doc["coef"].pop("no_business_owner")  # a feature renamed since
    path.write_text(json.dumps(doc))
    assert stored_fit.load(csv) is None


@pytest.mark.parametrize("content", ["", "{not json", '{"data_sha256": 1}', "[]"])
def test_a_damaged_stored_fit_means_a_refit_not_an_error(tmp_path, content):
    csv = tmp_path / "genai_projects.csv"
    csv.write_bytes(data.file_path("genai_projects").read_bytes())
    stored_fit.fit_file(csv).write_text(content)
    assert stored_fit.load(csv) is None


def test_the_app_predicts_from_the_stored_fit_without_loading_statsmodels():
    # A fresh interpreter, because this test session has imported statsmodels already.
    code = ("import sys; from widgets.readiness import build_app; app = build_app(); "
            "assert 'kit-risk-value' in app.results.children[0].value; "
            "print(sorted(m for m in ('statsmodels', 'scipy', 'seaborn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=course.root())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("tied", [2, 3, 4])
def test_the_chart_title_stays_inside_the_figure_when_traps_tie(tied):
    scores = {t: (0.25 if i < tied else 0.9) for i, t in enumerate(TRAP_KEYS)}
    fig, title = view._scores_figure(scores)
    assert title.startswith("Weakest:") and title.count(",") == tied - 2
    fig.canvas.draw()  # lay out, as saving the PNG does
    shown, = fig.findobj(lambda a: isinstance(a, Text) and a.get_text().startswith("Weakest"))
    box, page = shown.get_window_extent(), fig.bbox  # pixels
    assert page.x0 <= box.x0 and box.x1 <= page.x1, "the title runs off the side"
    assert box.y1 <= page.y1, "the title runs off the top"
    # and the layout did not squeeze the bars to make room for the title
    assert fig.axes[0].get_position().width > 0.4
