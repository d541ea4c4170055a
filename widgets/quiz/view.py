"""Knowledge-check view: one card per question, feedback as soon as an option is chosen."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as W

from widgets import style
from widgets.quiz import model


def _card(number: int, q: model.Question) -> W.Widget:
    prompt = W.HTML(f'<p style="margin:0.4em 0"><b>{number}. {html.escape(q.prompt)}</b></p>')
    choices = W.RadioButtons(options=[(o.text, i) for i, o in enumerate(q.options)], value=None,
                             layout=W.Layout(width="auto"))
    feedback = W.HTML("")
    feedback.add_class("kit-quiz-feedback")

    def show(change: dict) -> None:
        if change["new"] is None:
            return
        fb = model.answer(q, change["new"])
        colour = style.GOOD if fb.correct else style.BAD
        mark = "✔" if fb.correct else "✘"
        feedback.value = (f'<div role="status" style="border-left:4px solid {colour};'
                          f'padding:4px 8px;margin:4px 0">{mark} {html.escape(fb.text)}</div>')

    choices.observe(show, "value")
    card = W.VBox([prompt, choices, feedback], layout=W.Layout(margin="0 0 12px"))
    card.add_class("kit-quiz-question")
    return card


def build_app(questions: Sequence[model.Question], *,
              title: str = "Knowledge check") -> W.Widget:
    """Return a knowledge check for ``questions`` (not displayed)."""
    qs = list(questions)
    if not 1 <= len(qs) <= 10:
        raise model.v.InputError("questions", "a knowledge check holds 1 to 10 questions")
    header = W.HTML(f"<h3>{html.escape(title)}</h3><p>Choose an answer to see why it is right "
                    "or wrong. Nothing here is graded.</p>")
    box = W.VBox([header, *(_card(i + 1, q) for i, q in enumerate(qs))])
    box.add_class("kit-quiz")
    return box
