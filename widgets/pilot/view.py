"""Pilot designer view: plan, power curve, small-pilot risk, and the verdict on a finished pilot.

Layout and wiring only; every number comes from ``widgets.pilot.model``.
"""

from __future__ import annotations

import html
import math
import re

import ipywidgets as W
import numpy as np

from widgets import fmt, style, ui
from widgets.pilot import model

_EXAMPLE_NOTE = ("The numbers filled in below are a synthetic example; replace them with your "
                 "pilot's counts.")


def _plan_html(plan: model.PilotPlan) -> str:
    if plan.even_split:
        arms = (f'<b class="kit-n-per-arm">{fmt.number(plan.n_per_arm)}</b> contacts per arm')
    else:
        arms = (f'<b class="kit-n-per-arm">{fmt.number(plan.n_assisted)}</b> assisted + '
                f"<b>{fmt.number(plan.n_control)}</b> control contacts")
    in_pilot = ("" if plan.share_in_pilot == 1 else
                f" with {fmt.pct(plan.share_in_pilot)} of them in the pilot")
    return (
        '<div class="kit-result" aria-live="polite" style="line-height:1.35">'
        f'<p style="font-size:1.4em;margin:0">{arms}</p>'
        f"<p style=\"margin:0.2em 0\">{fmt.number(plan.n_total)} in total, "
        f"<b class=\"kit-weeks\">{fmt.weeks(plan.weeks)}</b> at "
        f"{fmt.number(plan.weekly_contacts)} contacts a week{in_pilot}, "
        f"{fmt.pct(plan.share_assisted)} of the pilot assisted.</p>"
        f"<p style=\"margin:0.2em 0;color:#333\">Detects a change of {plan.mde_points:+.1f} "
        f"percentage points ({fmt.pct(plan.p_baseline, digits=1)} → "
        f"{fmt.pct(plan.p_target, digits=1)}) with {fmt.pct(plan.power)} power at a two-sided "
        f"alpha of {plan.alpha:g}.</p></div>"
    )


@style.cached_chart
def _power_chart(plan: model.PilotPlan, curve: model.PowerCurve, small_n: int) -> str:
    small_power = curve.power_at(small_n)
    fig, ax = style.new_figure()
    ax.plot(curve.n_per_arm, curve.power, color=style.HIGHLIGHT, lw=2)
    ax.axhline(plan.power, color=style.NEUTRAL, ls="--", lw=1)
    ax.plot([plan.n_assisted], [curve.power_at(plan.n_assisted)], "o", color=style.GOOD,
            label=f"plan: {plan.n_assisted:,}")
    ax.plot([small_n], [small_power], "s", color=style.BAD, label=f"alternative: {small_n:,}")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    ax.set_xlabel("Contacts per arm" if plan.even_split else "Contacts in the assisted arm")
    ax.set_ylabel("Power")
    ax.legend(loc="lower right")
    title = (f"{plan.n_assisted:,} contacts give {plan.power:.0%} power; "
             f"{small_n:,} give {small_power:.0%}")
    ax.set_title(title)
    alt = (f"Power curve for a change from {plan.p_baseline:.1%} to {plan.p_target:.1%}: "
           f"power rises with contacts per arm, reaching {plan.power:.0%} at "
           f"{plan.n_assisted:,} and only {small_power:.0%} at {small_n:,}.")
    return style.figure_html(fig, alt)


def _simulation_html(sim: model.PilotSimulation) -> str:
    effect = sim.true_effect * 100
    if sim.true_effect == 0:
        title = (f"With no real effect, {sim.false_win:.0%} of {sim.n_per_arm:,}-per-arm "
                 "pilots still look significant")
        facts = [f"Pilots that look significant although nothing changed (false wins): "
                 f"<b class=\"kit-false-win\">{fmt.pct(sim.false_win, digits=1)}</b>"]
    else:
        exaggeration = ("no significant pilots" if math.isnan(sim.exaggeration)
                        else f"{sim.exaggeration:.1f}×")
        title = (f"At {sim.n_per_arm:,} per arm, {sim.power:.0%} of pilots find the "
                 f"{effect:+.1f} pp effect; winners overstate it {exaggeration}")
        facts = [
            f"Pilots that find the real effect (power): <b class=\"kit-sim-power\">"
            f"{fmt.pct(sim.power)}</b>",
            f"Pilots that miss it (false losses): <b>{fmt.pct(sim.false_loss)}</b>",
            f"Pilots significant in the wrong direction (false wins): "
            f"<b class=\"kit-false-win\">{fmt.pct(sim.false_win, digits=1)}</b>",
            f"Significant estimates overstate the true effect by <b>{exaggeration}</b> on "
            "average (exaggeration)",
        ]
    fig, ax = style.new_figure()
    pp = sim.estimates * 100
    # Estimates sit on a lattice (steps of 1/n); bins that hold a whole number of lattice
    # points avoid a saw-tooth that is only an artefact of binning.
    step = 100 / sim.n_per_arm
    width = step * max(1, math.ceil((pp.max() - pp.min()) / step / 40))
    bins = np.arange(pp.min() - step / 2, pp.max() + width, width)
    ax.hist([pp[sim.significant], pp[~sim.significant]], bins=bins, stacked=True,
            color=[style.BAD, style.NEUTRAL], label=["significant", "not significant"])
    ax.axvline(effect, color="#000000", ls="--", lw=1.5, label=f"true effect {effect:+.1f} pp")
    ax.set_xlabel("Estimated effect (percentage points)")
    ax.set_ylabel(f"Pilots (of {sim.n_sims:,})")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(title, fontsize=11)
    alt = (f"Histogram of the effect estimated by {sim.n_sims:,} simulated pilots with "
           f"{sim.n_per_arm:,} contacts per arm and a true effect of {effect:+.1f} points. "
           + " ".join(_plain(facts)))
    items = "".join(f"<li>{f}</li>" for f in facts)
    return (f'<ul style="margin:0.3em 0">{items}</ul>'
            f'<p style="margin:0;color:#333;font-size:0.9em">{sim.n_sims:,} simulated pilots '
            f"(seeded), baseline {sim.p_baseline:.1%}, two-sided alpha {sim.alpha:g}.</p>"
            + style.figure_html(fig, alt))


def _plain(items: list[str]) -> list[str]:
    return [re.sub(r"<[^>]+>", "", s) + "." for s in items]


def _review_html(review: model.PilotReview) -> str:
    colour = {"go": style.GOOD, "no-go": style.BAD, "extend": style.PALETTE[1]}
    d = review.decision
    p, e = review.primary, review.escalation
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in d.reasons)
    return (
        '<div class="kit-result" aria-live="polite" style="line-height:1.35">'
        f'<p style="font-size:1.3em;margin:0">Decision: <b class="kit-verdict" '
        f'style="color:{colour[d.verdict]}">{d.verdict.upper()}</b></p>'
        f"<p style=\"margin:0.2em 0\">Primary KPI {fmt.pct(p.p_control, digits=1)} → "
        f"{fmt.pct(p.p_assisted, digits=1)}: <b class=\"kit-lift\">"
        f"{p.difference * 100:+.1f} pp</b> ({fmt.pct(1 - p.alpha)} interval "
        f"{p.ci_low * 100:+.1f} to {p.ci_high * 100:+.1f} pp, p = {p.p_value:.3g}).</p>"
        f"<p style=\"margin:0.2em 0\">Escalation rate {fmt.pct(e.p_control, digits=1)} → "
        f"{fmt.pct(e.p_assisted, digits=1)}: {e.difference * 100:+.1f} pp (interval "
        f"{e.ci_low * 100:+.1f} to {e.ci_high * 100:+.1f} pp).</p>"
        f'<ul style="margin:0.3em 0">{reasons}</ul></div>'
    )


def _means_html(c: model.MeansComparison) -> str:
    verdict = ("The interval excludes zero: the arms differ." if c.significant else
               "The interval includes zero: no difference shown.")
    return (
        '<div class="kit-result" aria-live="polite" style="line-height:1.35">'
        f"<p style=\"font-size:1.2em;margin:0\">Difference (assisted − control): "
        f"<b class=\"kit-mean-diff\">{c.difference:+,.3g}</b></p>"
        f"<p style=\"margin:0.2em 0\">{fmt.pct(1 - c.alpha)} interval {c.ci_low:+,.3g} to "
        f"{c.ci_high:+,.3g} (Welch's t, {c.df:,.0f} degrees of freedom), p = "
        f"{c.p_value:.3g}. {verdict}</p></div>"
    )


def _heading(text: str) -> W.HTML:
    return W.HTML(f'<h4 style="margin:0.6em 0 0.2em">{html.escape(text)}</h4>')


def build_app(*, p_baseline: float = 0.75, p_target: float = 0.80, weekly_contacts: float = 600,
              alpha: float = 0.05, power: float = 0.80, share_in_pilot: float = 1.0,
              share_assisted: float = 0.5, small_pilot_per_arm: int = 300,
              true_effect: float | None = None) -> W.Widget:
    """Return the pilot-designer app (not displayed).

    ``true_effect`` (for the small-pilot simulation) defaults to ``p_target - p_baseline``.
    """
    effect = round(p_target - p_baseline, 6) if true_effect is None else true_effect
    f_base = ui.NumberField("Baseline rate", p_baseline, min=0.001, max=0.999, percent=True,
                            name="p_baseline",
                            help="The KPI today, e.g. CSAT top-box or first-contact resolution.")
    f_target = ui.NumberField("Target rate", p_target, min=0.001, max=0.999, percent=True,
                              name="p_target",
                              help="The smallest improvement worth acting on.")
    f_traffic = ui.NumberField("Contacts per week", weekly_contacts, min=1, max=10_000_000,
                               integer=True, unit="contacts", name="weekly_contacts",
                               help="Eligible contacts (or survey answers) per week.")
    f_share = ui.NumberField("Traffic in the pilot", share_in_pilot, min=0.01, max=1,
                             percent=True, name="share_in_pilot",
                             help="Share of eligible contacts routed into the pilot.")
    f_split = ui.NumberField("Assisted share", share_assisted, min=0.05, max=0.95, percent=True,
                             name="share_assisted",
                             help="Share of pilot contacts given the assistant (50% is the "
                                  "fastest design).")
    f_alpha = ui.SliderField("Significance (alpha)", alpha, min=0.01, max=0.10, step=0.01,
                             name="alpha")
    f_power = ui.SliderField("Power", power, min=0.5, max=0.95, step=0.05, name="power")
    f_small = ui.NumberField("Small pilot size", small_pilot_per_arm, min=10, max=10_000_000,
                             integer=True, unit="per arm", name="n_per_arm",
                             help="A pilot you might be tempted to run instead.")
    f_effect = ui.NumberField("True effect", effect, min=-0.5, max=0.5, percent=True,
                              unit="pp", name="true_effect",
                              help="What the assistant really does; try 0 to see false wins.")
    plan_fields = [f_base, f_target, f_traffic, f_share, f_split, f_alpha, f_power]
    sim_fields = [f_small, f_effect]
    state: dict = {}

    result = W.HTML()
    charts = ui.ChartTabs([
        ("Power curve", lambda: _power_chart(state["plan"], state["curve"], f_small.value)),
        ("Small-pilot risk", lambda: _simulation_html(state["sim"])),
    ])

    # After the pilot: evaluate a rate KPI with a guardrail and decide; compare a mean KPI.
    r_fields = {
        "contacts_control": ui.NumberField("Control contacts", 1100, min=1, max=10**9,
                                           integer=True, name="contacts_control"),
        "successes_control": ui.NumberField("Control successes", 770, min=0, max=10**9,
                                            integer=True, name="successes_control",
                                            help="Contacts that met the KPI, e.g. resolved "
                                                 "on first contact."),
        "contacts_assisted": ui.NumberField("Assisted contacts", 1100, min=1, max=10**9,
                                            integer=True, name="contacts_assisted"),
        "successes_assisted": ui.NumberField("Assisted successes", 825, min=0, max=10**9,
                                             integer=True, name="successes_assisted"),
        "min_lift": ui.NumberField("Smallest worthwhile lift", 0.03, min=0.001, max=1,
                                   percent=True, unit="pp", name="min_lift"),
        "escalations_control": ui.NumberField("Control escalations", 88, min=0, max=10**9,
                                              integer=True, name="escalations_control"),
        "escalations_assisted": ui.NumberField("Assisted escalations", 92, min=0, max=10**9,
                                               integer=True, name="escalations_assisted"),
        "max_escalation_rise": ui.NumberField("Escalations may rise by", 0.02, min=0, max=1,
                                              percent=True, unit="pp at most",
                                              name="max_escalation_rise"),
    }
    review_out = W.HTML()
    review = ui.AppFrame("Evaluate and decide", subtitle=_EXAMPLE_NOTE,
                         inputs=list(r_fields.values()), results=[review_out])
    m_fields = {
        "mean_control": ui.NumberField("Control mean", 8.0, min=-1e9, max=1e9,
                                       name="mean_control", help="E.g. handle time, minutes."),
        "sd_control": ui.NumberField("Control std. deviation", 6.0, min=0, max=1e9,
                                     min_open=True, name="sd_control"),
        "n_control": ui.NumberField("Control contacts", 1100, min=2, max=10**9, integer=True,
                                    name="n_control"),
        "mean_assisted": ui.NumberField("Assisted mean", 7.2, min=-1e9, max=1e9,
                                        name="mean_assisted"),
        "sd_assisted": ui.NumberField("Assisted std. deviation", 5.5, min=0, max=1e9,
                                      min_open=True, name="sd_assisted"),
        "n_assisted": ui.NumberField("Assisted contacts", 1100, min=2, max=10**9, integer=True,
                                     name="n_assisted"),
    }
    means_out = W.HTML()
    means = ui.AppFrame("Compare a mean KPI", subtitle=_EXAMPLE_NOTE,
                        inputs=list(m_fields.values()), results=[means_out])
    after = W.Accordion(children=[review, means],
                        titles=["After the pilot: evaluate a rate KPI and decide",
                                "After the pilot: compare a mean KPI (e.g. handle time)"])

    def summary() -> str:
        plan, sim = state["plan"], state["sim"]
        rows = [
            ("Baseline rate", fmt.pct(plan.p_baseline, digits=1)),
            ("Target rate", fmt.pct(plan.p_target, digits=1)),
            ("Alpha (two-sided)", f"{plan.alpha:g}"),
            ("Power", fmt.pct(plan.power)),
            ("Contacts per arm", fmt.number(plan.n_per_arm) if plan.even_split else
             f"{plan.n_assisted:,} assisted, {plan.n_control:,} control"),
            ("Contacts per week", fmt.number(plan.weekly_contacts)),
            ("Traffic in the pilot", fmt.pct(plan.share_in_pilot)),
            ("Assisted share", fmt.pct(plan.share_assisted)),
            ("Duration", fmt.weeks(plan.weeks)),
            (f"Small pilot ({sim.n_per_arm:,} per arm): power", fmt.pct(sim.power)),
            ("Small pilot: false wins", fmt.pct(sim.false_win, digits=1)),
        ]
        if "review" in state:
            r = state["review"]
            rows += [("Pilot result: primary lift",
                      f"{r.primary.difference * 100:+.1f} pp ({r.primary.ci_low * 100:+.1f} to "
                      f"{r.primary.ci_high * 100:+.1f})"),
                     ("Decision", r.decision.verdict)]
        text = "# Pilot plan\n\n" + ui.summary_table(rows) + "\n"
        if "review" in state:
            text += "\n## Reasons\n\n" + "".join(f"- {r}\n" for r in state["review"].decision
                                                 .reasons)
        return text

    frame = ui.AppFrame(
        "Pilot designer",
        subtitle="How many contacts and weeks a pilot needs before its result means anything, "
                 "what a smaller pilot risks, and how to decide when it ends.",
        inputs=[_heading("The plan"), *plan_fields, _heading("What if the pilot is smaller?"),
                *sim_fields],
        results=[result, charts, after], summary=summary, summary_filename="pilot-plan.md",
    )
    frame.review, frame.means, frame.charts = review, means, charts

    def design() -> None:
        plan = model.plan_for_proportion(
            f_base.value, f_target.value, f_traffic.value, alpha=f_alpha.value,
            power=f_power.value, share_in_pilot=f_share.value, share_assisted=f_split.value)
        sim = model.simulate_pilot(f_base.value, f_effect.value, f_small.value,
                                   alpha=f_alpha.value)
        n_max = max(int(plan.n_assisted * 2.5), int(f_small.value * 1.5), 20)
        curve = model.power_curve_proportions(f_base.value, f_target.value, n_max=n_max,
                                              alpha=f_alpha.value, share_assisted=f_split.value)
        state.update(plan=plan, sim=sim, curve=curve)
        result.value = _plan_html(plan)
        charts.refresh()

    def decide(_=None) -> None:
        if review.run(lambda: _show_review(model.review_rate_pilot(
                **{k: f.value for k, f in r_fields.items()}, alpha=f_alpha.value))):
            frame.refresh_download()

    def _show_review(r: model.PilotReview) -> None:
        state["review"] = r
        review_out.value = _review_html(r)

    def compare(_=None) -> None:
        means.run(lambda: setattr(means_out, "value", _means_html(model.compare_means(
            **{k: f.value for k, f in m_fields.items()}, alpha=f_alpha.value))))

    for f in [*plan_fields, *sim_fields]:
        f.observe(lambda _: frame.run(design), "value")
    for f in [*r_fields.values(), f_alpha]:
        f.observe(decide, "value")
    for f in [*m_fields.values(), f_alpha]:
        f.observe(compare, "value")
    frame.run(design)
    decide()
    compare()
    return frame
