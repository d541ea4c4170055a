"""Knowledge checks with immediate feedback (ungraded)."""

from widgets.quiz.model import Option, Question
from widgets.quiz.view import build_app

__all__ = ["Option", "Question", "build_app"]
