"""The risk model as fitted by ``make datasets``, stored beside the portfolio it was fitted on.

Fitting needs statsmodels, and statsmodels needs scipy: about 60 MiB in every kernel that
imports them. The readiness app only predicts, so ``make datasets`` fits once
(``fit_risk_model``, the one fitting code) and writes the result to
``datasets/genai_projects.risk_model.json``. The file records the SHA-256 of the CSV it was
fitted on; ``load`` returns ``None`` when the CSV has changed since, so an edited or
regenerated portfolio is always refitted, never predicted from a stale fit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from widgets.readiness.model import FEATURES, RiskModel, fit_risk_model

__all__ = ["SIGNIFICANT_DIGITS", "fit_file", "load", "store"]

#: Digits kept per stored number. Enough for any figure the kit shows, and few enough that the
#: last bits of the fit (which vary with the BLAS a machine has) never change the file.
SIGNIFICANT_DIGITS = 10


def fit_file(projects_csv: Path) -> Path:
    """Where the fit of ``projects_csv`` is stored: beside it, ``<name>.risk_model.json``."""
    return projects_csv.with_name(f"{projects_csv.stem}.risk_model.json")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _round(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def store(projects_csv: Path, projects: pd.DataFrame, out: Path | None = None) -> Path:
    """Fit the risk model on ``projects`` (read from ``projects_csv``) and write it as JSON.

    ``out`` defaults to ``fit_file(projects_csv)``. Returns the path written.
    """
    m = fit_risk_model(projects)
    doc = {
        "about": "Logit fit of genai_projects by widgets.readiness.model.fit_risk_model; "
                 "written by `make datasets`, do not edit.",
        "data_sha256": _sha256(projects_csv),
        "coef": {k: _round(x) for k, x in m.coef.items()},
        "std_err": {k: _round(x) for k, x in m.std_err.items()},
        "p_value": {k: _round(x) for k, x in m.p_value.items()},
        "cov": [[_round(x) for x in row] for row in m.cov],
        "n": m.n,
        "failure_rate": _round(m.failure_rate),
        "pseudo_r2": _round(m.pseudo_r2),
    }
    path = out or fit_file(projects_csv)
    path.write_bytes((json.dumps(doc, indent=1) + "\n").encode("utf-8"))
    return path


def load(projects_csv: Path) -> RiskModel | None:
    """The stored fit of ``projects_csv``, or ``None`` if there is none for its current bytes."""
    path = fit_file(projects_csv)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["data_sha256"] != _sha256(projects_csv):
            return None
        # A fit stored before the features changed would predict from the wrong coefficients.
        names = ("const", *FEATURES)
        if tuple(doc["coef"]) != names or len(doc["cov"]) != len(names):
            return None
        return RiskModel(
            coef={k: float(x) for k, x in doc["coef"].items()},
            std_err={k: float(x) for k, x in doc["std_err"].items()},
            p_value={k: float(x) for k, x in doc["p_value"].items()},
            cov=tuple(tuple(float(x) for x in row) for row in doc["cov"]),
            n=int(doc["n"]), failure_rate=float(doc["failure_rate"]),
            pseudo_r2=float(doc["pseudo_r2"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        # A missing, unreadable or hand-edited file is no reason to stop: the caller refits.
        return None
