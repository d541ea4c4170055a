import numpy as np
import pandas as pd

from tests.model_examples.readiness import portfolio
from widgets.schemas import INDUSTRIES, SPONSORS, USE_CASES


def full_portfolio(n: int = 400, seed: int = 11) -> pd.DataFrame:
    """A synthetic frame with every genai_projects column the explorer reads."""
    rng = np.random.default_rng(seed)
    df = portfolio(n, seed)
    df["industry"] = pd.Categorical(rng.choice(INDUSTRIES, n), categories=INDUSTRIES)
    df["use_case"] = pd.Categorical(rng.choice(USE_CASES, n), categories=USE_CASES)
    df["sponsor"] = pd.Categorical(rng.choice(SPONSORS, n), categories=SPONSORS)
    df["months_elapsed"] = rng.integers(1, 37, n)
    stalled = (df["outcome"] != "scaled to production") & (rng.random(n) < 0.4)
    df.loc[stalled, "outcome"] = "stalled in pilot"
    df["value_realised_usd"] = np.where(df["outcome"] == "scaled to production",
                                        rng.uniform(5e4, 2e6, n), 0.0)
    return df


PROJECTS = full_portfolio()

EXAMPLES = {
    "filter_projects": {"projects": PROJECTS, "industries": ["retail", "telecom"],
                        "use_cases": [], "sponsors": ["CIO/IT"]},
    "factor_levels": {"projects": PROJECTS, "factor": "funding_gap"},
    "outcome_by_factor": {"projects": PROJECTS, "factor": "maturity_gap"},
    "group_mask": {"projects": PROJECTS, "group": "data_ready"},
    "compare_groups": {"projects": PROJECTS, "group_a": "no_pilot", "group_b": "pilot"},
    "calibration_notes": {"projects": PROJECTS},
}
