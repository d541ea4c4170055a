"""Valid example arguments for every public model function, for the fuzz tests.

Each tool adds an entry per public function of its ``model.py`` (the names in ``__all__``).
``tests/test_model_fuzz.py`` fails when a public function has no example here, so no function
escapes fuzzing. Values are keyword arguments; positional-only parameters are not used.
"""

from __future__ import annotations

from widgets.quiz import model as quiz

_q = quiz.Question("Which?", (quiz.Option("a", True, "because"), quiz.Option("b", False, "no")))

EXAMPLES: dict[str, dict[str, dict]] = {
    "widgets.pilot.model": {
        "sample_size_proportions": {"p_baseline": 0.75, "p_target": 0.80, "alpha": 0.05,
                                    "power": 0.8},
        "sample_size_means": {"delta": -1.0, "sd": 6.0, "alpha": 0.05, "power": 0.8},
        "pilot_duration_weeks": {"n_per_arm": 1094, "weekly_contacts": 600.0,
                                 "share_in_pilot": 1.0, "share_assisted": 0.5},
        "plan_for_proportion": {"p_baseline": 0.75, "p_target": 0.80, "weekly_contacts": 600.0,
                                "alpha": 0.05, "power": 0.8, "share_in_pilot": 1.0},
    },
    "widgets.quiz.model": {
        "answer": {"question": _q, "choice": 1},
    },
}
