"""Pilot designer view: fields in, plan out. Layout and wiring only."""

from __future__ import annotations

import ipywidgets as W

from widgets import fmt, ui
from widgets.pilot import model


def _plan_html(plan: model.PilotPlan) -> str:
    return (
        '<div class="kit-result" aria-live="polite">'
        f'<p style="font-size:1.4em;margin:0"><b class="kit-n-per-arm">{fmt.number(plan.n_per_arm)}'
        "</b> contacts per arm</p>"
        f"<p style=\"margin:0.2em 0\">{fmt.number(plan.n_total)} in total, "
        f"<b class=\"kit-weeks\">{fmt.weeks(plan.weeks)}</b> at "
        f"{fmt.number(plan.weekly_contacts)} contacts a week.</p>"
        f"<p style=\"margin:0.2em 0;color:#333\">Detects a change of {plan.mde_points:+.1f} "
        f"percentage points ({fmt.pct(plan.p_baseline, digits=1)} → "
        f"{fmt.pct(plan.p_target, digits=1)}) with {fmt.pct(plan.power)} power at a two-sided "
        f"alpha of {plan.alpha:g}.</p></div>"
    )


def build_app(*, p_baseline: float = 0.75, p_target: float = 0.80, weekly_contacts: float = 600,
              alpha: float = 0.05, power: float = 0.80) -> W.Widget:
    """Return the pilot-designer app (not displayed)."""
    f_base = ui.NumberField("Baseline rate", p_baseline, min=0.001, max=0.999, percent=True,
                            name="p_baseline",
                            help="The KPI today, e.g. CSAT top-box or first-contact resolution.")
    f_target = ui.NumberField("Target rate", p_target, min=0.001, max=0.999, percent=True,
                              name="p_target",
                              help="The smallest improvement worth acting on.")
    f_traffic = ui.NumberField("Contacts per week", weekly_contacts, min=1, max=10_000_000,
                               integer=True, unit="contacts", name="weekly_contacts",
                               help="Eligible contacts (or survey answers) per week.")
    f_alpha = ui.SliderField("Significance (alpha)", alpha, min=0.01, max=0.10, step=0.01,
                             name="alpha")
    f_power = ui.SliderField("Power", power, min=0.5, max=0.95, step=0.05, name="power")
    fields = [f_base, f_target, f_traffic, f_alpha, f_power]
    result = W.HTML()
    state: dict[str, model.PilotPlan] = {}

    def summary() -> str:
        plan = state["plan"]
        return "# Pilot plan\n\n" + ui.summary_table([
            ("Baseline rate", fmt.pct(plan.p_baseline, digits=1)),
            ("Target rate", fmt.pct(plan.p_target, digits=1)),
            ("Alpha (two-sided)", f"{plan.alpha:g}"),
            ("Power", fmt.pct(plan.power)),
            ("Contacts per arm", fmt.number(plan.n_per_arm)),
            ("Contacts per week", fmt.number(plan.weekly_contacts)),
            ("Duration", fmt.weeks(plan.weeks)),
        ]) + "\n"

    frame = ui.AppFrame(
        "Pilot designer",
        subtitle="How many contacts and weeks a pilot needs before its result means anything.",
        inputs=fields, results=[result], summary=summary,
        summary_filename="pilot-plan.md",
    )

    def update(_=None) -> None:
        frame.run(lambda: _show(model.plan_for_proportion(
            f_base.value, f_target.value, f_traffic.value, alpha=f_alpha.value,
            power=f_power.value)))

    def _show(plan: model.PilotPlan) -> None:
        state["plan"] = plan
        result.value = _plan_html(plan)

    for f in fields:
        f.observe(update, "value")
    update()
    return frame
