import numpy as np
import pandas as pd

from widgets.readiness import model as readiness

ANSWERS = {q.key: 1 for q in readiness.QUESTIONS}


def portfolio(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """A small synthetic portfolio with the genai_projects columns (for fitting in tests)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "trl_expected": rng.integers(3, 10, n), "trl_assessed": rng.integers(1, 10, n),
        "kpi_defined": rng.random(n) < 0.5, "baseline_measured": rng.random(n) < 0.4,
        "business_owner_involved": rng.random(n) < 0.6,
        "budget_planned_usd": rng.uniform(1e5, 1e6, n),
        "budget_needed_usd": rng.uniform(2e5, 1.2e6, n),
        "data_readiness": rng.integers(1, 6, n), "pilot_run": rng.random(n) < 0.5,
        "cross_functional_team": rng.random(n) < 0.5,
    })
    x = readiness.trap_features(df.assign(outcome="abandoned")).to_numpy()
    beta = np.array([0.3, 0.8, 0.4, 0.5, 1.2, 0.35, 0.6, 0.4])
    p = 1 / (1 + np.exp(-(-1.5 + x @ beta)))
    df["outcome"] = np.where(rng.random(n) < p, "abandoned", "scaled to production")
    return df


PROJECTS = portfolio()
MODEL = readiness.fit_risk_model(PROJECTS)

EXAMPLES = {
    "trap_scores": {"answers": ANSWERS},
    "features_from_answers": {"answers": ANSWERS},
    "trap_features": {"projects": PROJECTS},
    "fit_risk_model": {"projects": PROJECTS},
    "predict_risk": {"risk_model": MODEL,
                     "features": readiness.features_from_answers(ANSWERS)},
    "coefficient_table": {"risk_model": MODEL},
    "top_actions": {"answers": ANSWERS, "risk_model": MODEL, "n": 3},
    "summary_markdown": {"answers": ANSWERS, "risk_model": MODEL, "project": "Claims bot"},
}
