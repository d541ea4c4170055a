"""Knowledge checks: every option gives feedback; the data is validated."""

from __future__ import annotations

import pytest

from widgets import quiz
from widgets.quiz import model


def _question() -> quiz.Question:
    return quiz.Question("2 + 2?", (quiz.Option("4", True, "Arithmetic."),
                                     quiz.Option("5", False, "Off by one.")))


def test_each_choice_shows_its_explanation():
    app = quiz.build_app([_question()])
    card = app.children[1]
    radios, feedback = card.children[1], card.children[2]
    assert feedback.value == ""
    radios.value = 1
    assert "Not quite. Off by one." in feedback.value
    radios.value = 0
    assert "Correct. Arithmetic." in feedback.value


def test_a_question_needs_exactly_one_correct_option():
    with pytest.raises(ValueError, match="exactly one option must be correct"):
        quiz.Question("?", (quiz.Option("a", True, "x"), quiz.Option("b", True, "y")))


def test_answer_rejects_an_out_of_range_choice():
    with pytest.raises(ValueError, match="choice"):
        model.answer(_question(), 2)
