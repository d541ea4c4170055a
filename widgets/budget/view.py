"""Budget planner view: cost lines and value in, cash flow, NPV, payback, ROI and risk out.

Layout and wiring only; every number comes from ``widgets.budget.model``.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from widgets import fmt, style, ui
from widgets.budget import model

SOURCES = (
    "Sources: LLM prices from the kit's dated price sheet (each model's provider, page and date "
    "are shown above). Productivity J-curve: Brynjolfsson, Rock &amp; Syverson, “The "
    "Productivity J-Curve”, AEJ: Macroeconomics 13(1), 2021. "
    + html.escape(model.BCG_SOURCE)
    + " Gartner's cost bands: "
    + html.escape(model.REFERENCE_BANDS["rag"].caveat)
)

# Executives read this headline first: the two abbreviations it rests on, in one line each.
_GLOSSARY = ('<p class="kit-glossary" style="margin:0.3em 0;font-size:0.85em;color:#333">'
             "<b>NPV</b> (net present value): every month's value minus its cost, with later "
             "months counted for less at the discount rate; above zero, the plan earns more "
             "than it costs. <b>ROI</b> (return on investment): total value divided by total "
             "cost over the horizon, minus one. <b>Payback</b>: the month from which the "
             "running total of cash stays at or above zero.</p>")


def _money(label: str, value: float, name: str, unit: str = "USD", help: str = "") -> ui.Field:
    return ui.NumberField(label, value, min=0, max=1e10, unit=unit, name=name, help=help)


def _headline_html(a: model.BudgetAnalysis, preset: model.Preset | None) -> str:
    r, mc = a.result, a.monte_carlo
    i = r.inputs
    payback = ("no payback within the horizon" if r.payback_month is None
               else f"payback in month {r.payback_month}")
    parts = [
        '<div class="kit-result" aria-live="polite" style="line-height:1.35">',
        f'<p style="font-size:1.3em;margin:0">NPV <b class="kit-npv">{fmt.usd(r.npv, digits=-1)}'
        f'</b> over {fmt.months(i.horizon_months)}, <b class="kit-payback">{payback}</b>, ROI '
        f'<b class="kit-roi">{fmt.pct(r.roi)}</b></p>',
        f"<p style=\"margin:0.2em 0\">ROI is above zero in <b class=\"kit-p-roi\">"
        f"{fmt.pct(mc.p_roi_positive)}</b> of {mc.n_sims:,} simulated scenarios. Total cost "
        f"{fmt.usd(r.total_cost, digits=-1)} ({fmt.usd(r.one_off_cost, digits=-1)} one-off), "
        f"value {fmt.usd(r.total_value, digits=-1)}.</p>",
        f"<p style=\"margin:0.2em 0\">Inference in month 1: "
        f"{fmt.usd(r.costs['inference'][1])} "
        f"({fmt.pct(r.line_total('inference') / r.total_cost if r.total_cost else 0)} of the "
        "total cost).</p>",
        f'<p style="margin:0.2em 0;font-size:0.85em;color:#333">Priced on '
        f"{html.escape(i.price.citation)}.</p>",
        f'<p style="margin:0.2em 0">{html.escape(a.mix.message)}</p>',
    ]
    if preset is not None and preset.band is not None:
        band = model.REFERENCE_BANDS[preset.band]
        parts.append(
            f'<p style="margin:0.2em 0">Reference range: {html.escape(band.text)} This plan: '
            f"{fmt.usd(r.one_off_cost, digits=-1)} one-off and "
            f"{fmt.usd(r.run_cost_per_user_year)} per user per year. "
            f'<i style="color:#333">Caveat: {html.escape(band.caveat)}</i></p>')
    parts.append(_GLOSSARY)
    parts.append("</div>")
    return "".join(parts)


@style.cached_chart
def _cash_flow_chart(r: model.BudgetResult) -> str:
    fig, ax = style.new_figure()
    months, cash, cum = r.months, r.cash_flow / 1000, r.cumulative / 1000
    ax.bar(months, cash, color=np.where(cash >= 0, style.GOOD, style.BAD), width=0.8,
           label="cash flow in the month")
    ax.plot(months, cum, color=style.HIGHLIGHT, lw=2, label="cumulative")
    ax.axhline(0, color="#000000", lw=0.8)
    if r.payback_month is not None and r.payback_month > 0:
        ax.axvline(r.payback_month, color=style.NEUTRAL, ls="--", lw=1)
        title = f"Pays back in month {r.payback_month}; NPV {fmt.usd(r.npv, digits=-1)}"
    elif r.payback_month == 0:
        title = f"Never under water; NPV {fmt.usd(r.npv, digits=-1)}"
    else:
        title = (f"No payback within {r.inputs.horizon_months} months; NPV "
                 f"{fmt.usd(r.npv, digits=-1)}")
    ax.set_title(title)
    ax.set_xlabel("Month")
    ax.set_ylabel("USD thousands")
    ax.legend(loc="upper left", fontsize=9)
    low = int(np.argmin(r.cumulative))
    alt = (f"Monthly cash flow and its running total over {r.inputs.horizon_months} months. "
           f"The running total bottoms out at {fmt.usd(r.cumulative[low], digits=-1)} in month "
           f"{low} and ends at {fmt.usd(r.cumulative[-1], digits=-1)}; {title}.")
    return style.figure_html(fig, alt)


def _cost_table_html(a: model.BudgetAnalysis) -> str:
    r = a.result
    h = r.inputs.horizon_months
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td style=\"text-align:right\">"
        f"{fmt.usd(r.costs[k][0])}</td><td style=\"text-align:right\">"
        f"{fmt.usd(r.costs[k][1:].mean())}</td><td style=\"text-align:right\">"
        f"{fmt.usd(r.line_total(k))}</td><td style=\"text-align:right\">"
        f"{fmt.pct(r.line_total(k) / r.total_cost if r.total_cost else 0)}</td></tr>"
        for k, label in model.COST_LINES.items())
    mix = "".join(
        f"<tr><td>{html.escape(g)}</td><td style=\"text-align:right\">{fmt.pct(share)}</td>"
        f"<td style=\"text-align:right\">{fmt.pct(model.BCG_HEURISTIC[g])}</td>"
        f"<td>{html.escape(', '.join(model.COST_LINES[k] for k in model.MIX_GROUPS[g]))}</td>"
        "</tr>" for g, share in a.mix.shares.items())
    head = ('<table class="kit-cost-lines" style="border-collapse:collapse;width:100%">'
            "<thead><tr><th style=\"text-align:left\">Cost line</th><th>One-off</th>"
            f"<th>Monthly (average)</th><th>Total over {h} months</th><th>Share</th></tr></thead>")
    return (head + f"<tbody>{rows}</tbody></table>"
            '<h4 style="margin:0.8em 0 0.2em">Budget mix against BCG\'s 10-20-70</h4>'
            '<table style="border-collapse:collapse"><thead><tr><th style="text-align:left">'
            "Group</th><th>This plan</th><th>Heuristic</th><th style=\"text-align:left\">"
            f"Cost lines (the course's mapping)</th></tr></thead><tbody>{mix}</tbody></table>"
            f'<p style="margin:0.3em 0">{html.escape(a.mix.message)}</p>')


@style.cached_chart
def _tornado_chart(a: model.BudgetAnalysis, swing: float) -> str:
    bars = a.tornado[:10][::-1]
    base = a.result.npv / 1000
    fig, ax = style.new_figure(height=4.2)
    y = np.arange(len(bars))
    low = np.array([b.npv_low for b in bars]) / 1000
    high = np.array([b.npv_high for b in bars]) / 1000
    ax.barh(y, low - base, left=base, color=style.BAD, label=f"driver −{swing:.0%}")
    ax.barh(y, high - base, left=base, color=style.HIGHLIGHT, label=f"driver +{swing:.0%}")
    ax.axvline(base, color="#000000", lw=1)
    ax.set_yticks(y, [b.driver for b in bars])
    ax.set_xlabel("NPV, USD thousands")
    ax.legend(loc="lower right", fontsize=9)
    top = a.tornado[0]
    ax.set_title(f"NPV depends most on {top.driver.lower()}")
    alt = ("Tornado chart of NPV when each driver moves by " + f"{swing:.0%}: "
           + "; ".join(f"{b.driver} from {fmt.usd(b.npv_low, digits=-1)} to "
                       f"{fmt.usd(b.npv_high, digits=-1)}" for b in a.tornado[:5]) + ".")
    return style.figure_html(fig, alt)


@style.cached_chart
def _monte_carlo_chart(a: model.BudgetAnalysis) -> str:
    mc = a.monte_carlo
    fig, ax = style.new_figure()
    npv = mc.npv / 1000
    bins = np.histogram_bin_edges(npv, bins=40)
    ax.hist([npv[npv < 0], npv[npv >= 0]], bins=bins, stacked=True,
            color=[style.BAD, style.GOOD], label=["NPV below 0", "NPV at or above 0"])
    ax.axvline(a.result.npv / 1000, color="#000000", ls="--", lw=1.5, label="the plan")
    ax.set_xlabel("NPV, USD thousands")
    ax.set_ylabel(f"Scenarios (of {mc.n_sims:,})")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(f"ROI is positive in {mc.p_roi_positive:.0%} of scenarios")
    alt = (f"Histogram of NPV over {mc.n_sims:,} simulated scenarios: 10th percentile "
           f"{fmt.usd(mc.npv_percentile(10), digits=-1)}, median "
           f"{fmt.usd(mc.npv_percentile(50), digits=-1)}, 90th percentile "
           f"{fmt.usd(mc.npv_percentile(90), digits=-1)}; ROI is positive in "
           f"{mc.p_roi_positive:.0%} of them.")
    return (f'<p style="margin:0.2em 0">NPV 10th / 50th / 90th percentile: '
            f"{fmt.usd(mc.npv_percentile(10), digits=-1)} / "
            f"{fmt.usd(mc.npv_percentile(50), digits=-1)} / "
            f"{fmt.usd(mc.npv_percentile(90), digits=-1)}. P(NPV &gt; 0) "
            f"{fmt.pct(mc.p_npv_positive)}; P(ROI &gt; 0) "
            f"<b class=\"kit-mc-p-roi\">{fmt.pct(mc.p_roi_positive)}</b> (seeded).</p>"
            + style.figure_html(fig, alt))


def _underinvestment_html(a: model.BudgetAnalysis) -> str:
    u = a.underinvestment
    fig, ax = style.new_figure()
    ax.plot(u.full.months, u.full.cumulative / 1000, color=style.HIGHLIGHT, lw=2,
            label="as planned")
    ax.plot(u.cut.months, u.cut.cumulative / 1000, color=style.BAD, lw=2, ls="--",
            label=f"data −{u.data_cut:.0%}, change −{u.change_cut:.0%}")
    ax.axhline(0, color="#000000", lw=0.8)
    ax.set_xlabel("Month")
    ax.set_ylabel("Cumulative cash flow, USD thousands")
    ax.legend(loc="upper left", fontsize=9)
    title = (f"Cutting saves {fmt.usd(u.cost_saved, digits=-1)} but loses "
             f"{fmt.usd(u.value_lost, digits=-1)} of value")
    ax.set_title(title)
    alt = (f"Cumulative cash flow as planned and with the data budget cut by {u.data_cut:.0%} "
           f"and the change budget by {u.change_cut:.0%}. {title}; NPV moves by "
           f"{fmt.usd(u.npv_change, digits=-1)}.")
    return (f'<p style="margin:0.2em 0">Saving <b>{fmt.usd(u.cost_saved, digits=-1)}</b>, value '
            f'lost <b class="kit-value-lost">{fmt.usd(u.value_lost, digits=-1)}</b>, NPV change '
            f"<b>{fmt.usd(u.npv_change, digits=-1)}</b> (payback "
            f"{'none' if u.cut.payback_month is None else 'month ' + str(u.cut.payback_month)}"
            " instead of "
            f"{'none' if u.full.payback_month is None else 'month ' + str(u.full.payback_month)}"
            ").</p>" + style.figure_html(fig, alt)
            + f'<p style="font-size:0.85em;color:#333">{html.escape(model.UNDERINVESTMENT_NOTE)}'
            "</p>")


def build_app(*, preset: str = "customer-service", **inputs: float) -> W.Widget:
    """Return the budget planner (not displayed).

    ``inputs`` override the preset's values (any ``budget_inputs`` parameter).
    """
    values = {**model.PRESETS[preset].values, **inputs}
    sheet = model.price_sheet()
    f_preset = ui.ChoiceField("Use case", [(p.label, k) for k, p in model.PRESETS.items()],
                              preset, name="preset")
    preset_note = W.HTML()
    f: dict[str, ui.Field] = {
        "users": ui.NumberField("Users", values["users"], min=1, max=10_000_000, integer=True,
                                unit="people", name="users"),
        "model": ui.ChoiceField("Model", [(f"{p.model} ({p.provider}, {p.as_of})", p.model)
                                          for p in sheet], values["model"], name="model",
                                help="Prices come from the dated price sheet."),
        "horizon_months": ui.SliderField("Horizon (months)", values["horizon_months"], min=12,
                                         max=60, step=6, integer=True, name="horizon_months"),
        "annual_discount_rate": ui.NumberField("Discount rate", values["annual_discount_rate"],
                                               min=0, max=0.5, percent=True,
                                               unit="% a year", name="annual_discount_rate"),
        "requests_per_month": ui.NumberField("Requests", values["requests_per_month"], min=0,
                                             max=1e10, integer=True, unit="a month (month 1)",
                                             name="requests_per_month"),
        "monthly_growth": ui.NumberField("Request growth", values["monthly_growth"], min=-0.2,
                                         max=0.5, percent=True, unit="% a month",
                                         name="monthly_growth"),
        "tokens_in": ui.NumberField("Input tokens", values["tokens_in"], min=0, max=2e6,
                                    integer=True, unit="per request", name="tokens_in",
                                    help="Prompt plus retrieved context."),
        "tokens_out": ui.NumberField("Output tokens", values["tokens_out"], min=0, max=2e6,
                                     integer=True, unit="per request", name="tokens_out"),
        "cached_share": ui.NumberField("Cached input", values["cached_share"], min=0, max=1,
                                       percent=True, name="cached_share",
                                       help="Share of input tokens read from the prompt cache "
                                            "(no effect if the model lists no cached price)."),
        "batch_share": ui.NumberField("Batch requests", values["batch_share"], min=0, max=1,
                                      percent=True, name="batch_share",
                                      help="Share of requests sent as discounted batch jobs."),
        "platform_one_off": _money("Platform, one-off", values["platform_one_off"],
                                   "platform_one_off"),
        "platform_monthly": _money("Platform, monthly", values["platform_monthly"],
                                   "platform_monthly", "USD a month",
                                   help="Hosting, vector database, licences, integration."),
        "fte": ui.NumberField("Team", values["fte"], min=0, max=10_000, unit="FTE",
                              name="fte", help="People building and running it."),
        "loaded_cost_per_fte": _money("Loaded cost per FTE", values["loaded_cost_per_fte"],
                                      "loaded_cost_per_fte", "USD a year"),
        "data_one_off": _money("Data preparation, one-off", values["data_one_off"],
                               "data_one_off"),
        "data_monthly": _money("Data governance, monthly", values["data_monthly"],
                               "data_monthly", "USD a month"),
        "evaluation_one_off": _money("Evaluation, one-off", values["evaluation_one_off"],
                                     "evaluation_one_off"),
        "evaluation_monthly": _money("Monitoring, monthly", values["evaluation_monthly"],
                                     "evaluation_monthly", "USD a month"),
        "change_one_off": _money("Change/training, one-off", values["change_one_off"],
                                 "change_one_off"),
        "change_monthly": _money("Change/training, monthly", values["change_monthly"],
                                 "change_monthly", "USD a month"),
        "risk_one_off": _money("Risk/compliance, one-off", values["risk_one_off"],
                               "risk_one_off"),
        "risk_monthly": _money("Risk/compliance, monthly", values["risk_monthly"],
                               "risk_monthly", "USD a month"),
        "hours_saved_per_user_month": ui.NumberField(
            "Hours saved", values["hours_saved_per_user_month"], min=0, max=744,
            unit="per user a month", name="hours_saved_per_user_month",
            help="At full adoption, per person who uses it."),
        "value_per_hour": _money("Value of an hour", values["value_per_hour"], "value_per_hour",
                                 "USD", help="Loaded hourly cost of the people who save it."),
        "max_adoption": ui.NumberField("Peak adoption", values["max_adoption"], min=0.01,
                                       max=1, percent=True, name="max_adoption"),
        "months_to_half_adoption": ui.NumberField(
            "Months to half adoption", values["months_to_half_adoption"], min=0.5, max=60,
            unit="months", name="months_to_half_adoption"),
        "initial_dip": ui.NumberField("Initial dip", values["initial_dip"], min=0, max=1,
                                      percent=True, name="initial_dip",
                                      help="Value lost in month 1 while people learn (the "
                                           "J-curve)."),
    }
    risk: dict[str, ui.Field] = {
        "value_spread": ui.NumberField("Value uncertainty", 0.4, min=0, max=0.95, percent=True,
                                       unit="± %", name="value_spread",
                                       help="Hours saved and peak adoption vary this much."),
        "cost_spread": ui.NumberField("Cost uncertainty", 0.2, min=0, max=0.95, percent=True,
                                      unit="± %", name="cost_spread"),
        "ramp_spread": ui.NumberField("Ramp uncertainty", 0.5, min=0, max=0.95, percent=True,
                                      unit="± %", name="ramp_spread"),
        "swing": ui.NumberField("Tornado swing", 0.25, min=0.01, max=0.9, percent=True,
                                unit="± %", name="swing"),
        "data_cut": ui.NumberField("Cut data budget by", 0.5, min=0, max=1, percent=True,
                                   name="data_cut"),
        "change_cut": ui.NumberField("Cut change budget by", 0.5, min=0, max=1, percent=True,
                                     name="change_cut"),
    }
    groups = {
        "Use case": [f_preset, preset_note, f["model"], f["users"], f["horizon_months"],
                     f["annual_discount_rate"]],
        "Inference": [f[k] for k in ("requests_per_month", "monthly_growth", "tokens_in",
                                     "tokens_out", "cached_share", "batch_share")],
        "Costs": [f[k] for k in ("platform_one_off", "platform_monthly", "fte",
                                 "loaded_cost_per_fte", "data_one_off", "data_monthly",
                                 "evaluation_one_off", "evaluation_monthly", "change_one_off",
                                 "change_monthly", "risk_one_off", "risk_monthly")],
        "Value": [f[k] for k in ("hours_saved_per_user_month", "value_per_hour",
                                 "max_adoption", "months_to_half_adoption", "initial_dip")],
        "Risk": list(risk.values()),
    }
    inputs_tabs = W.Tab(children=[W.VBox(ws) for ws in groups.values()],
                        titles=list(groups))
    state: dict = {"hold": False}
    headline = W.HTML()
    charts = ui.ChartTabs([
        ("Cash flow", lambda: _cash_flow_chart(state["analysis"].result)),
        ("Cost lines", lambda: _cost_table_html(state["analysis"])),
        ("Sensitivity", lambda: _tornado_chart(state["analysis"], risk["swing"].value)),
        ("Uncertainty", lambda: _monte_carlo_chart(state["analysis"])),
        ("Under-investment", lambda: _underinvestment_html(state["analysis"])),
    ])

    def summary() -> str:
        a = state["analysis"]
        r, mc, u = a.result, a.monte_carlo, a.underinvestment
        rows = [("Use case", model.PRESETS[f_preset.value].label),
                ("Model and price", r.inputs.price.citation),
                *((fld.label, fld.display_value()) for fld in f.values()),
                ("NPV", fmt.usd(r.npv)), ("ROI", fmt.pct(r.roi)),
                ("Payback month", "none within the horizon" if r.payback_month is None
                 else str(r.payback_month)),
                ("P(ROI > 0)", fmt.pct(mc.p_roi_positive)),
                ("Total cost", fmt.usd(r.total_cost)), ("Total value", fmt.usd(r.total_value)),
                *((f"Cost: {label}", fmt.usd(r.line_total(k)))
                  for k, label in model.COST_LINES.items()),
                ("Under-investment: saving", fmt.usd(u.cost_saved)),
                ("Under-investment: value lost", fmt.usd(u.value_lost))]
        month_rows = "\n".join(f"{m},{r.value[m]:.2f},{r.value[m] - r.cash_flow[m]:.2f},"
                               f"{r.cash_flow[m]:.2f}" for m in r.months)
        return ("# Budget plan\n\n" + ui.summary_table(rows) + "\n\n" + a.mix.message + "\n\n"
                + model.UNDERINVESTMENT_NOTE + "\n\n## Monthly cash flow (CSV)\n\n```csv\n"
                "month,value_usd,cost_usd,cash_flow_usd\n" + month_rows + "\n```\n")

    frame = ui.AppFrame(
        "Budget planner",
        subtitle="The total cost of a GenAI use case beyond inference, when it pays back, "
                 "and how sure you can be.",
        inputs=[inputs_tabs], results=[headline, charts], summary=summary,
        summary_filename="budget-plan.md", sources=SOURCES,
        fields={**f, **risk, "preset": f_preset},
    )
    frame.charts, frame.inputs_tabs, frame.preset_note = charts, inputs_tabs, preset_note

    def _show(a: model.BudgetAnalysis) -> None:
        state["analysis"] = a
        headline.value = _headline_html(a, model.PRESETS[f_preset.value])
        charts.refresh()

    def update(_=None) -> None:
        if not state["hold"]:
            frame.run(lambda: _show(model.analyse(
                model.budget_inputs(**{k: fld.value for k, fld in f.items()}),
                **{k: fld.value for k, fld in risk.items()})))

    def _note(key: str) -> str:
        return (f'<p style="font-size:0.85em;color:#333;margin:2px 0 6px;line-height:1.3">'
                f"{html.escape(model.PRESETS[key].note)}</p>")

    def load_preset(_=None) -> None:
        preset_note.value = _note(f_preset.value)
        state["hold"] = True  # one recomputation for the whole preset, not one per field
        for name, value in model.PRESETS[f_preset.value].values.items():
            f[name].set(value)
        state["hold"] = False
        update()

    preset_note.value = _note(preset)
    f_preset.observe(load_preset, "value")
    for fld in [*f.values(), *risk.values()]:
        fld.observe(update, "value")
    update()
    return frame
