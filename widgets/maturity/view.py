"""Maturity reality check view: automation reality and readiness level. Layout and wiring only."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as W

from widgets import fmt, style, ui
from widgets.maturity import model

SOURCES = (
    "Sources: readiness levels from "
    + html.escape(model.TRL_SOURCE)
    + " Jagged-frontier figures from Dell'Acqua et al., “Navigating the Jagged Technological "
    "Frontier”, Harvard Business School working paper (2023) / Organization Science (2026). "
    "The financial-report preset is the source article's anonymous case: illustrative, not "
    "traceable to a public source."
)


def _automation_html(r: model.AutomationReality) -> str:
    est, exp, con = r.estimate, r.expected, r.conservative
    conf = fmt.pct(est.confidence)
    if con.meets_target:
        head = (f"Plan on <b class=\"kit-automation-share\">{fmt.pct(con.automation_share)}"
                f"</b> automated (the estimate alone says {fmt.pct(exp.automation_share)})")
    else:
        head = ("<b class=\"kit-automation-share\">0%</b> automated: even reviewing every "
                f"item may miss the {fmt.pct(con.acceptable_error_rate, digits=1)} bar")
    rows = [
        ("Error rate assumed", fmt.pct(exp.error_rate, digits=1),
         fmt.pct(con.error_rate, digits=1)),
        ("Automated (no human review)", fmt.pct(exp.automation_share),
         fmt.pct(con.automation_share)),
        ("Residual error delivered", fmt.pct(exp.residual_error, digits=1),
         fmt.pct(con.residual_error, digits=1)),
        ("Meets the acceptable error rate", "yes" if exp.meets_target else "no",
         "yes" if con.meets_target else "no"),
        ("Tasks delivered with an error, per month", fmt.number(exp.errors_delivered),
         fmt.number(con.errors_delivered)),
        ("Hours of review and rework, per month", fmt.number(exp.hours_with_model),
         fmt.number(con.hours_with_model)),
        ("Net hours saved, per month", fmt.number(exp.hours_saved), fmt.number(con.hours_saved)),
    ]
    body = "".join(f"<tr><th scope=\"row\" style=\"text-align:left;font-weight:normal\">{a}</th>"
                   f"<td style=\"text-align:right\">{b}</td>"
                   f"<td style=\"text-align:right\"><b>{c}</b></td></tr>" for a, b, c in rows)
    return (
        '<div class="kit-result" aria-live="polite" style="line-height:1.35">'
        f'<p style="font-size:1.3em;margin:0">{head}</p>'
        f"<p style=\"margin:0.2em 0\">{est.errors_found:,} errors in {est.sample_reviewed:,} "
        f"reviewed items: {fmt.pct(est.point, digits=1)}, and up to "
        f"{fmt.pct(est.high, digits=1)} ({conf} Wilson interval "
        f"{fmt.pct(est.low, digits=1)} to {fmt.pct(est.high, digits=1)}). "
        f"Net <b class=\"kit-hours-saved\">{fmt.number(con.hours_saved)}</b> hours saved a "
        f"month against {fmt.number(con.hours_manual)} hours by hand.</p>"
        '<table style="border-collapse:collapse;margin:0.3em 0"><thead><tr><th></th>'
        '<th style="text-align:right;padding-left:12px">On the estimate</th>'
        '<th style="text-align:right;padding-left:12px">On the upper bound (plan on this)'
        f"</th></tr></thead><tbody>{body}</tbody></table>"
        f'<p style="font-size:0.85em;color:#333;margin:0.3em 0">How this is worked out: '
        f"{html.escape(model.AUTOMATION_NOTE)}</p></div>"
    )


@style.cached_chart
def _automation_chart(r: model.AutomationReality) -> str:
    exp, con = r.expected, r.conservative
    fig, ax = style.new_figure()
    for plan, colour, label in ((exp, style.HIGHLIGHT, "error rate at the estimate"),
                                (con, style.BAD, "error rate at the upper bound")):
        shares, residual = model.residual_error_curve(plan.error_rate, r.catch_rate)
        ax.plot(shares, residual, color=colour, lw=2,
                label=f"{label} ({plan.error_rate:.1%})")
        if plan.meets_target:
            ax.plot([plan.automation_share], [plan.residual_error], "o", color=colour)
    ax.axhline(exp.acceptable_error_rate, color=style.GOOD, ls="--", lw=1.5,
               label=f"acceptable ({exp.acceptable_error_rate:.1%})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(con.error_rate, exp.acceptable_error_rate) * 1.15)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}" if y >= 0.1 else f"{y:.1%}")
    ax.set_xlabel("Share automated (released without review)")
    ax.set_ylabel("Errors delivered")
    ax.legend(loc="upper left", fontsize=9)
    if not con.meets_target:
        title = f"Even full review may miss the {exp.acceptable_error_rate:.1%} bar"
    elif abs(con.automation_share - exp.automation_share) < 0.005:
        title = f"{con.automation_share:.0%} can be automated at either end of the estimate"
    else:
        title = (f"Plan on {con.automation_share:.0%} automated, not "
                 f"{exp.automation_share:.0%}: errors may run at {con.error_rate:.1%}")
    ax.set_title(title)
    alt = (f"Errors delivered rise with the share automated. At the estimated error rate of "
           f"{exp.error_rate:.1%}, {exp.automation_share:.0%} can be automated within the "
           f"acceptable {exp.acceptable_error_rate:.1%}; at the upper bound of "
           f"{con.error_rate:.1%}, "
           + (f"{con.automation_share:.0%}." if con.meets_target else
              f"no share meets it, and full review still delivers {con.residual_error:.1%}."))
    return style.figure_html(fig, alt)


def _readiness_html(a: model.ReadinessAssessment) -> str:
    rows = []
    for lvl in reversed(model.TRL_LEVELS):
        if lvl.level <= a.evidenced:
            mark, colour = "✔ evidenced", style.GOOD
        elif lvl.level in a.unsupported:
            mark, colour = "? claimed, lower level missing", style.PALETTE[1]
        else:
            mark, colour = "✘ not evidenced", style.BAD
        expected = " ◀ the plan assumes this" if lvl.level == a.expected else ""
        cell = "padding:3px 6px;border-bottom:1px solid #ddd;vertical-align:top"
        rows.append(
            f"<tr><td style=\"{cell};width:7.5em\"><b style=\"white-space:nowrap\">TRL "
            f"{lvl.level}</b><br>"
            f"<span style=\"color:#444;font-size:0.85em\">{html.escape(lvl.stage)}</span></td>"
            f"<td style=\"{cell}\">{html.escape(lvl.genai)}"
            f"<br><span style=\"color:#444;font-size:0.85em\">NASA: {html.escape(lvl.nasa)}"
            f"</span></td><td style=\"{cell};color:{colour};white-space:nowrap\">"
            f"{mark}<b>{expected}</b></td></tr>")
    nxt = a.next_level
    step = (f"<p style=\"margin:0.2em 0\">Next evidence to collect (TRL {nxt.level}): "
            f"{html.escape(nxt.question)}</p>" if nxt else "")
    return (
        '<div class="kit-result" aria-live="polite" style="line-height:1.35">'
        f"<p style=\"font-size:1.3em;margin:0\">Evidenced: <b class=\"kit-trl-evidenced\">TRL "
        f"{a.evidenced}</b> · expected: TRL {a.expected} · gap: "
        f"<b class=\"kit-trl-gap\">{a.gap}</b></p>"
        f"<p style=\"margin:0.2em 0\">{html.escape(a.verdict)}</p>{step}"
        '<table style="border-collapse:collapse;font-size:0.9em">'
        f"{''.join(rows)}</table></div>"
    )


def _note(key: str) -> str:
    return ('<p style="font-size:0.85em;color:#333;margin:2px 0 6px;line-height:1.3">'
            f"{html.escape(model.PRESETS[key].note)}</p>")


def build_app(*, preset: str = "financial-report", expected_level: int = 7,
              evidence: Sequence[bool] | None = None, **inputs: float) -> W.Widget:
    """Return the maturity reality check (not displayed).

    ``inputs`` override the preset's automation inputs (``tasks_per_month``, ``errors_found``,
    ``sample_reviewed``, ``acceptable_error_rate``, ``review_minutes``, ``catch_rate``,
    ``manual_minutes``, ``confidence``).
    """
    values = {**model.PRESETS[preset].values, "confidence": 0.95, **inputs}
    answers = list(evidence) if evidence is not None else [True] * 4 + [False] * 5
    a_fields: dict[str, ui.Field] = {
        "tasks_per_month": ui.NumberField(
            "Tasks per month", values["tasks_per_month"], min=1, max=1e9, integer=True,
            unit="tasks", name="tasks_per_month"),
        "errors_found": ui.NumberField(
            "Errors found", values["errors_found"], min=0, max=10_000_000, integer=True,
            unit="errors", name="errors_found",
            help="Errors people found when they reviewed a pilot sample of the model's work."),
        "sample_reviewed": ui.NumberField(
            "Items reviewed", values["sample_reviewed"], min=1, max=10_000_000, integer=True,
            unit="items", name="sample_reviewed"),
        "acceptable_error_rate": ui.NumberField(
            "Acceptable error rate", values["acceptable_error_rate"], min=0.001, max=0.999,
            percent=True, name="acceptable_error_rate",
            help="Share of delivered work with an error the business can live with."),
        "review_minutes": ui.NumberField(
            "Review time", values["review_minutes"], min=0, max=10_000, unit="min per item",
            name="review_minutes"),
        "catch_rate": ui.NumberField(
            "Review catch rate", values["catch_rate"], min=0, max=1, percent=True,
            name="catch_rate", help="Share of the model's errors a reviewer catches."),
        "manual_minutes": ui.NumberField(
            "Manual time", values["manual_minutes"], min=0, max=10_000, min_open=True,
            unit="min per task", name="manual_minutes",
            help="Doing one task by hand; also the cost of redoing a caught error."),
        "confidence": ui.SliderField("Confidence level", values["confidence"], min=0.80,
                                     max=0.99, step=0.01, name="confidence"),
    }
    f_preset = ui.ChoiceField("Scenario", [(p.label, k) for k, p in model.PRESETS.items()],
                              preset, name="preset")
    preset_note = W.HTML()
    t_expected = ui.SliderField("Level the plan assumes", expected_level, min=1, max=9, step=1,
                                integer=True, name="expected_level",
                                help="e.g. 7 if the plan goes live in the real workflow next.")
    t_checks = [ui.CheckField(f"TRL {lvl.level}: {lvl.short}", bool(answers[i]),
                              help=lvl.question, name=f"evidence_{lvl.level}")
                for i, lvl in enumerate(model.TRL_LEVELS)]
    state: dict = {"hold": False}

    auto_out, chart, trl_out = W.HTML(), W.HTML(), W.HTML()
    inputs_tabs = W.Tab(
        children=[W.VBox([f_preset, preset_note, *a_fields.values()]),
                  W.VBox([t_expected, W.HTML("<p style=\"margin:0.4em 0\">Tick what you have "
                                             "evidence for, in your environment:</p>"),
                          *t_checks])],
        titles=["Automation reality", "Readiness level"])
    results_tabs = W.Tab(children=[W.VBox([auto_out, chart]), trl_out],
                         titles=["Automation reality", "Readiness level"])
    # Inputs and results show the same part: opening one tab opens its partner.
    W.link((inputs_tabs, "selected_index"), (results_tabs, "selected_index"))

    def summary() -> str:
        rows = [("Scenario", model.PRESETS[f_preset.value].label),
                *((f.label, f.display_value()) for f in a_fields.values())]
        r, a = state.get("automation"), state.get("readiness")
        if r is not None:
            rows += [
                ("Error rate (estimate, upper bound)",
                 f"{fmt.pct(r.estimate.point, digits=1)}, {fmt.pct(r.estimate.high, digits=1)}"),
                ("Automated, planning on the upper bound",
                 fmt.pct(r.conservative.automation_share)),
                ("Automated, on the estimate alone", fmt.pct(r.expected.automation_share)),
                ("Residual error (upper bound)",
                 fmt.pct(r.conservative.residual_error, digits=1)),
                ("Net hours saved per month (upper bound)",
                 fmt.number(r.conservative.hours_saved)),
            ]
        if a is not None:
            rows += [("Readiness level assumed", f"TRL {a.expected}"),
                     ("Readiness level evidenced", f"TRL {a.evidenced}"), ("Gap", str(a.gap))]
        return ("# Maturity reality check\n\n" + ui.summary_table(rows) + "\n\n"
                + (a.verdict + "\n\n" if a is not None else "")
                + model.PRESETS[f_preset.value].note + "\n")

    frame = ui.AppFrame(
        "Maturity reality check",
        subtitle="How ready is GenAI for this task, and how much of it can it really automate?",
        inputs=[inputs_tabs], results=[results_tabs], summary=summary,
        summary_filename="maturity-check.md", sources=SOURCES,
        fields={**a_fields, "preset": f_preset, "expected_level": t_expected,
                **{c.name: c for c in t_checks}},
    )

    def _show_automation(r: model.AutomationReality) -> None:
        state["automation"] = r
        auto_out.value = _automation_html(r)
        chart.value = _automation_chart(r)

    def update_automation(_=None) -> None:
        if not state["hold"]:
            frame.run(lambda: _show_automation(model.simulate_automation(
                **{k: f.value for k, f in a_fields.items()})))

    def _show_readiness(a: model.ReadinessAssessment) -> None:
        state["readiness"] = a
        trl_out.value = _readiness_html(a)

    def update_readiness(_=None) -> None:
        frame.run(lambda: _show_readiness(model.assess_readiness(
            t_expected.value, [c.value for c in t_checks])))

    def load_preset(_=None) -> None:
        preset_note.value = _note(f_preset.value)
        state["hold"] = True  # one recomputation for the whole preset, not one per field
        for name, value in model.PRESETS[f_preset.value].values.items():
            a_fields[name].set(value)
        state["hold"] = False
        update_automation()

    preset_note.value = _note(preset)
    f_preset.observe(load_preset, "value")
    for f in a_fields.values():
        f.observe(update_automation, "value")
    for f in [t_expected, *t_checks]:
        f.observe(update_readiness, "value")
    update_readiness()
    update_automation()
    frame.parts = {"inputs": inputs_tabs, "results": results_tabs, "automation": auto_out,
                   "chart": chart, "readiness": trl_out, "preset_note": preset_note}
    return frame
