"""The five traps the kit teaches, described once.

Keys are used in datasets (``case_studies.traps``), in the readiness diagnostic and in the
lessons, so a trap is always called the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trap:
    key: str
    title: str
    question: str
    lesson: str  # lesson notebook stem that teaches it


TRAPS: tuple[Trap, ...] = (
    Trap("maturity", "Misjudged technology maturity",
         "Is the technology proven for this task, in this environment?",
         "01-misjudged-maturity"),
    Trap("value", "No link to business value",
         "Which business KPI moves, from what baseline, and who owns it?",
         "02-no-link-to-value"),
    Trap("investment", "Under-investment",
         "Are data, people, change and time funded, not just the model?",
         "03-under-investment"),
    Trap("data", "Data that is not ready",
         "Is the data available, clean, governed and representative?",
         "04-data-not-ready"),
    Trap("learning", "No learning loop",
         "Is there a bounded pilot, a go/no-go rule and a retrospective?",
         "05-pilots-and-learning"),
)

TRAP_KEYS: tuple[str, ...] = tuple(t.key for t in TRAPS)
BY_KEY: dict[str, Trap] = {t.key: t for t in TRAPS}
