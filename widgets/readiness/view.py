"""Readiness diagnostic view: twenty questions in, trap scores, the estimated risk, the top three
actions with their lessons, and a one-page summary out. Layout and wiring only."""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping

import ipywidgets as W
from matplotlib.figure import Figure

from widgets import data, fmt, style, ui
from widgets.readiness import fitted, model
from widgets.traps import TRAPS

SOURCES = ("The risk model is fitted on genai_projects, a synthetic portfolio calibrated to "
           "published figures (Gartner, 2024: 48% of AI projects reach production; at least "
           "30% of GenAI projects abandoned after proof of concept). Its coefficients show how "
           "the traps combine; they are not the odds of a real project.")


@functools.lru_cache(maxsize=1)
def risk_model() -> tuple[model.RiskModel | None, str]:
    """The risk model of genai_projects, once per process (or why there is none).

    The fit stored by ``make datasets`` when it matches the CSV, else a fresh fit.
    """
    try:
        stored = fitted.load(data.file_path("genai_projects"))
        return stored or model.fit_risk_model(data.load("genai_projects")), ""
    except (data.DatasetNotFound, data.DatasetError, ValueError) as err:
        return None, str(err)


def _risk_html(answers: Mapping[str, int], m: model.RiskModel | None, problem: str) -> str:
    if m is None:
        return ('<p class="kit-risk kit-no-model">No risk estimate: the project portfolio is '
                f"unavailable ({html.escape(problem)}). The trap scores still apply.</p>")
    r = model.predict_risk(m, model.features_from_answers(answers))
    compare = "above" if r.probability > m.failure_rate else "at or below"
    return ('<div class="kit-risk" aria-live="polite" style="line-height:1.4">'
            '<p style="margin:0">Estimated risk of not reaching production</p>'
            f'<p style="font-size:1.6em;margin:0"><b class="kit-risk-value">'
            f"{fmt.pct(r.probability)}</b> <span style='font-size:0.6em'>(95% interval "
            f"{fmt.pct(r.low)} to {fmt.pct(r.high)})</span></p>"
            f'<p style="margin:0.2em 0;color:#333">{compare.capitalize()} the '
            f"{fmt.pct(m.failure_rate)} of the {fmt.number(m.n)} projects in the synthetic "
            "portfolio that did not reach production. A teaching estimate from eight of the "
            "twenty answers, not a forecast.</p></div>")


@style.cached_chart
def _scores_chart(scores: Mapping[str, float]) -> str:
    fig, title = _scores_figure(scores)
    alt = (f"{title}. Bar chart of the five trap scores: "
           + "; ".join(f"{t.title} {scores[t.key] * 100:.0f}%" for t in TRAPS) + ".")
    return style.figure_html(fig, alt)


def _scores_figure(scores: Mapping[str, float]) -> tuple[Figure, str]:
    fig, ax = style.new_figure(height=2.8)
    traps = list(reversed(TRAPS))  # first trap on top
    values = [scores[t.key] * 100 for t in traps]
    colours = [style.BAD if x < 50 else style.NEUTRAL if x < 75 else style.GOOD for x in values]
    ax.barh([t.title for t in traps], values, color=colours)
    for y, x in enumerate(values):
        ax.text(x + 1.5, y, f"{x:.0f}%", va="center", fontsize=10)
    ax.set_xlim(0, 112)  # room for the labels right of a full bar
    ax.set_xticks(range(0, 101, 25))
    ax.set_xlabel("Score (share of the points the rubric gives)")
    low = min(scores.values())
    weakest = [t.title for t in TRAPS if scores[t.key] == low]
    if low >= 0.75:
        title = "Every trap is covered at 75% or more"
    elif len(weakest) == len(TRAPS):
        title = f"All five traps score {low * 100:.0f}%: none is covered yet"
    elif len(weakest) > 1:
        title = f"Weakest: {', '.join(weakest[:-1])} and {weakest[-1]} ({low * 100:.0f}% each)"
    else:
        title = f"Weakest: {weakest[0]} ({low * 100:.0f}%)"
    style.figure_title(fig, title)
    return fig, title


def _lesson_html(lesson: str, link: bool) -> str:
    if not link:  # the apps server publishes apps/ only: a link would open a 404 page
        return f"course lesson {html.escape(lesson)}"
    return (f'<a href="../lessons/{lesson}.ipynb" style="color:#0072B2;'
            f'text-decoration:underline">{lesson}</a>')


def _actions_html(actions: list[model.Action], *, lesson_links: bool = True) -> str:
    if not actions:
        return ('<p class="kit-actions">Every question scores 2: no action stands out. Keep '
                "the evidence up to date.</p>")
    items = "".join(
        f'<li style="margin:0 0 6px">{html.escape(a.text)}'
        + (f" <i>Modelled risk {fmt.pct(a.risk_before)} → {fmt.pct(a.risk_after)}.</i>"
           if a.risk_after is not None and a.risk_before is not None else "")
        + f'<br><span style="font-size:0.9em">Trap: {html.escape(a.lesson_title)}. Lesson: '
          f"{_lesson_html(a.lesson, lesson_links)}</span></li>"
        for a in actions)
    return (f'<div class="kit-actions" style="line-height:1.4"><p style="margin:8px 0 4px">'
            "<b>Top actions</b></p>"
            f'<ol style="margin:0;padding-left:1.4em">{items}</ol></div>')


@functools.lru_cache(maxsize=1)
def _model_note() -> str:
    m, problem = risk_model()
    if m is None:
        return f"<p>The risk model could not be fitted: {html.escape(problem)}</p>"
    table = model.coefficient_table(m)
    rows = "".join(
        f"<tr><td style='padding:2px 6px'>{r.feature}</td><td style='padding:2px 6px'>"
        f"{html.escape(r.meaning)}</td><td style='padding:2px 6px'>{r.coef:+.2f}</td>"
        f"<td style='padding:2px 6px'>{r.odds_ratio:.2f} ({r.or_low:.2f} to {r.or_high:.2f})"
        "</td></tr>" for r in table.itertuples())
    mapped = "".join(
        f"<li>{html.escape(q.label)} → {q.feature}: answers 0/1/2 count as "
        f"{' / '.join(f'{x:g}' for x in q.feature_values or ())}</li>"
        for q in model.QUESTIONS if q.feature)
    return (f"<p>Logistic regression (statsmodels Logit) of <i>not scaled to production</i> on "
            f"eight trap indicators, fitted on {m.n} synthetic projects (McFadden pseudo-R² "
            f"{m.pseudo_r2:.2f}). An odds ratio above 1 means the trap raises the odds of "
            "failure.</p><table style='border-collapse:collapse;font-size:0.9em'><thead><tr>"
            "<th>Feature</th><th>One unit means</th><th>Log-odds</th>"
            f"<th>Odds ratio (95% CI)</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>How the answers map onto the features:</p><ul>{mapped}</ul>")


def build_app(*, answers: Mapping[str, int] | None = None, project: str = "This project",
              lesson_links: bool = True) -> W.Widget:
    """Return the readiness-diagnostic app (not displayed).

    ``answers`` maps question keys to 0, 1 or 2 (missing ones start at 1, "partly").
    ``lesson_links=False`` names each action's lesson without linking it, for the apps
    server, which does not publish the lessons.
    """
    start = {q.key: 1 for q in model.QUESTIONS} | dict(answers or {})
    m, problem = risk_model()
    questions = {
        q.key: ui.ChoiceField(q.label, [(f"{i} · {text}", i) for i, text in enumerate(q.rubric)],
                              start[q.key], help=q.text, name=q.key, width="100%",
                              max_width="640px")
        for q in model.QUESTIONS}
    f_project = ui.TextField("Project", project, max_length=120, name="project")
    sections: list[W.Widget] = [f_project]
    for trap in TRAPS:
        sections.append(W.HTML(f"<h4 style='margin:12px 0 2px'>{html.escape(trap.title)}</h4>"
                               f"<p style='margin:0 0 4px;color:#444'>"
                               f"{html.escape(trap.question)}</p>"))
        sections += [questions[q.key] for q in model.QUESTIONS if q.trap == trap.key]
    risk_out, chart_out, actions_out = W.HTML(), W.HTML(), W.HTML()
    note = W.Accordion([W.HTML(_model_note())], titles=("How the risk is estimated",),
                       selected_index=None)
    state: dict = {}

    frame = ui.AppFrame(
        "Readiness diagnostic",
        subtitle="Twenty questions on the five traps: where the project is exposed, how risky "
                 "that looks across a portfolio, and what to do first.",
        inputs=sections, results=[risk_out, chart_out, actions_out, note],
        summary=lambda: model.summary_markdown(state["answers"], m,
                                               project=f_project.value),
        summary_filename="readiness-summary.md", sources=SOURCES,
        fields={**questions, "project": f_project})

    def update(_=None) -> None:
        frame.run(lambda: _show({k: f.value for k, f in questions.items()}))

    def _show(answers: dict[str, int]) -> None:
        scores, actions = model.trap_scores(answers), model.top_actions(answers, m)
        risk_out.value, actions_out.value = _risk_html(answers, m, problem), _actions_html(
            actions, lesson_links=lesson_links)
        chart_out.value, state["answers"] = _scores_chart(scores), answers

    for f in frame.fields.values():
        f.observe(update, "value")
    update()
    return frame
