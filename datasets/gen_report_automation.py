"""Generator of ``report_automation.csv``: the source article's ILLUSTRATIVE report case.

The article tells of a financial institution whose report-generation project stalled on poor
data; a data-cleaning team, a modular rollout and close work with analysts brought it to about
80% automated content with errors under 3% after about six months. The case is anonymous and
not traceable to a named source, so this log is an illustration built from smooth curves with
a little seeded noise: every number below is a synthetic choice of this kit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from gen_common import markdown_table

NAME = "report_automation"
SEED = 3003
MONTHS = 12

#: Stage of the data clean-up by month: two months of building on raw data, then six months
#: of clean-up (profiling, cleaning, a modular rollout), then steady state.
STAGES = {1: "none", 2: "none", 3: "profiling", 4: "cleaning", 5: "cleaning", 6: "cleaning",
          7: "modular rollout", 8: "modular rollout"}
STEADY = "steady state"
CLEANUP_START = 3

STALL_SHARE = (0.10, 0.12, 0.12)  # share automated in months 1-3, on dirty data
STALL_ERRORS = (0.22, 0.25, 0.20)
FINAL_SHARE, RAMP_MIDPOINT, RAMP_WIDTH = 0.81, 6.0, 1.0  # logistic ramp of the share
FLOOR_ERRORS, ERROR_DROP, ERROR_DECAY = 0.02, 0.20, 1.6  # errors fall exponentially
MANUAL_HOURS = 320.0  # analyst hours a fully manual month takes
REVIEW_SHARE, ERROR_COST = 0.15, 3.0  # review of automated content; cost of each error
STALL_OVERHEAD, CLEANUP_SUPPORT = 40.0, 30.0  # extra analyst hours in the stall / clean-up
SHARE_NOISE, ERROR_NOISE = 0.008, 0.04  # sd of additive / log-multiplicative noise


def build(seed: int = SEED) -> pd.DataFrame:
    """The monthly log, one row per month, in the column order of the schema."""
    rng = np.random.default_rng(seed)
    month = np.arange(1, MONTHS + 1)
    ramp = STALL_SHARE[-1] + (FINAL_SHARE - STALL_SHARE[-1]) / (
        1 + np.exp(-(month - RAMP_MIDPOINT) / RAMP_WIDTH))
    share = np.where(month <= len(STALL_SHARE),
                     np.array(STALL_SHARE + (0,) * (MONTHS - len(STALL_SHARE))), ramp)
    share = np.clip(share + rng.normal(0, SHARE_NOISE, MONTHS), 0, 1)
    decay = FLOOR_ERRORS + ERROR_DROP * np.exp(-(month - CLEANUP_START) / ERROR_DECAY)
    errors = np.where(month <= len(STALL_ERRORS),
                      np.array(STALL_ERRORS + (0,) * (MONTHS - len(STALL_ERRORS))), decay)
    errors = np.clip(errors * rng.lognormal(0, ERROR_NOISE, MONTHS), 0, 1)
    share, errors = np.round(share, 3), np.round(errors, 3)
    hours = MANUAL_HOURS * ((1 - share) + share * (REVIEW_SHARE + ERROR_COST * errors))
    hours += np.where(month < CLEANUP_START, STALL_OVERHEAD, 0.0)
    hours += np.where((month >= CLEANUP_START) & (month <= max(STAGES)), CLEANUP_SUPPORT, 0.0)
    return pd.DataFrame({
        "month": month,
        "data_cleaning_stage": [STAGES.get(m, STEADY) for m in month],
        "share_automated": share,
        "error_rate": errors,
        "analyst_hours": np.round(hours, 0),
    })


FLOAT_FORMATS = {"share_automated": ".3f", "error_rate": ".3f", "analyst_hours": ".0f"}


def model_markdown(df: pd.DataFrame) -> str:
    """The curves behind the log, for the datasheet (``df`` unused)."""
    stages: dict[str, list[int]] = {}
    for m in range(1, MONTHS + 1):
        stages.setdefault(STAGES.get(m, STEADY), []).append(m)
    timeline = "; ".join(f"`{stage}` in month{'s' if len(ms) > 1 else ''} "
                         f"{ms[0]}{f'-{ms[-1]}' if len(ms) > 1 else ''}"
                         for stage, ms in stages.items())
    return f"Stages ({MONTHS} months, seed {SEED}): {timeline}.\n\n" + markdown_table(
        ["quantity", "months 1-3 (the stall)", "months 4-12"], [
        ["share automated", ", ".join(f"{s:.2f}" for s in STALL_SHARE),
         f"{STALL_SHARE[-1]:.2f} + ({FINAL_SHARE:.2f} - {STALL_SHARE[-1]:.2f}) / "
         f"(1 + exp(-(month - {RAMP_MIDPOINT:g}) / {RAMP_WIDTH:g}))"],
        ["error rate", ", ".join(f"{e:.2f}" for e in STALL_ERRORS),
         f"{FLOOR_ERRORS:.2f} + {ERROR_DROP:.2f} exp(-(month - {CLEANUP_START}) / "
         f"{ERROR_DECAY:g})"],
        ["analyst hours", f"{MANUAL_HOURS:g} x ((1 - share) + share x ({REVIEW_SHARE:g} + "
         f"{ERROR_COST:g} x error rate)); + {STALL_OVERHEAD:g} h of firefighting in months "
         f"1-{CLEANUP_START - 1}",
         f"same formula; + {CLEANUP_SUPPORT:g} h helping the cleaning team in months "
         f"{CLEANUP_START}-{max(STAGES)}"],
        ["noise (every month)",
         f"share: + normal(0, {SHARE_NOISE:g}); error rate: x log-normal(0, {ERROR_NOISE:g})",
         "same"],
    ])
