"""Knowledge checks: multiple-choice questions with feedback on every option.

Not graded: a lesson's knowledge check gives immediate feedback so a learner can check their
understanding. Graded work lives in ``solutions/`` (nbgrader).
"""

from __future__ import annotations

from dataclasses import dataclass

from widgets import validate as v

__all__ = ["Feedback", "Option", "Question", "answer"]


@dataclass(frozen=True)
class Option:
    """One answer option and the explanation shown when it is chosen."""

    text: str
    correct: bool
    why: str

    def __post_init__(self) -> None:
        v.text(self.text, "text", max_length=300)
        v.text(self.why, "why", max_length=1000)
        if not isinstance(self.correct, bool):
            raise v.InputTypeError("correct", "correct must be True or False")


@dataclass(frozen=True)
class Question:
    """A question with 2-6 options, exactly one of them correct."""

    prompt: str
    options: tuple[Option, ...]
    objective: str = ""  # the lesson objective it assesses (for the objectives map)

    def __post_init__(self) -> None:
        v.text(self.prompt, "prompt", max_length=600)
        opts = tuple(self.options)
        if not 2 <= len(opts) <= 6:
            raise v.InputError("options", f"options must hold 2 to 6 options (got {len(opts)})")
        if any(not isinstance(o, Option) for o in opts):
            raise v.InputTypeError("options", "options must be Option objects")
        if sum(o.correct for o in opts) != 1:
            raise v.InputError("options", "exactly one option must be correct "
                                          f"(got {sum(o.correct for o in opts)})")
        object.__setattr__(self, "options", opts)


@dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str


def answer(question: Question, choice: int) -> Feedback:
    """Feedback for choosing option number ``choice`` (0-based) of ``question``."""
    if not isinstance(question, Question):
        raise v.InputTypeError("question", "question must be a Question")
    i = v.integer(choice, "choice", min=0, max=len(question.options) - 1)
    opt = question.options[i]
    return Feedback(opt.correct, ("Correct. " if opt.correct else "Not quite. ") + opt.why)
