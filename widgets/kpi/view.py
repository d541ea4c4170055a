"""KPI builder view: a goal, up to three driver KPIs (one tab each) and the lever in; the KPI
tree, its SMART checks, the pilot's KPIs by arm and a weekly chart out. Layout and wiring only."""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as W
import pandas as pd

from widgets import data, fmt, style, ui
from widgets import validate as v
from widgets.kpi import model

NOT_USED, CUSTOM = "not used", "custom"
METRIC_OPTIONS = [(m.name, key) for key, m in model.METRICS.items()] + [
    ("Custom KPI", CUSTOM), ("Not used", NOT_USED)]
FROM_DATA, BY_HAND, NOT_MEASURED = "data", "hand", "none"
BASELINE_SOURCES = [("Measured in support_pilot (control arm)", FROM_DATA),
                    ("Entered by hand", BY_HAND), ("Not measured yet", NOT_MEASURED)]
WINDOWS = [("Not set", 0)] + [(fmt.weeks(w), w) for w in (1, 2, 4, 8, 12, 26, 52)]
DATA_SOURCE = "support_pilot tickets (synthetic pilot data)"

DEFAULT_DRIVERS: tuple[dict[str, Any], ...] = (
    # The article's illustrative retailer defined response speed, resolution rate and feedback
    # score first; the same three KPIs, measured in the pilot data.
    {"metric": "handle_time", "change": -0.10, "owner": "Head of customer service",
     "window_weeks": 8},
    {"metric": "fcr", "change": 0.03, "owner": "Head of customer service", "window_weeks": 8},
    {"metric": "csat_top_box", "change": 0.03, "owner": "Customer experience lead",
     "window_weeks": 8},
)

SOURCES = (
    "support_pilot is synthetic, calibrated to Brynjolfsson, Li &amp; Raymond, "
    "<i>Generative AI at Work</i> (NBER, 2023) and to SQM Group's contact-centre benchmarks. "
    "Plausibility checks cite: Brynjolfsson, Li &amp; Raymond (NBER, 2023); SQM Group, "
    "<i>Call Center Best Practices</i> (2022); the Klarna reversal (Entrepreneur, 2025); the "
    "Commonwealth Bank voice-bot reversal (2025).")


@functools.lru_cache(maxsize=1)
def _pilot() -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict[str, float], str]:
    """The pilot's KPIs by arm and by arm and week, and the control-arm baselines (once)."""
    try:
        tickets = data.load("support_pilot")
    except (data.DatasetNotFound, data.DatasetError) as err:
        return None, None, {}, str(err)
    by_arm = model.kpis_by(tickets, "arm")
    weekly = model.kpis_by(tickets, "arm and week")
    control = by_arm.set_index("arm").loc["control"]
    return by_arm, weekly, {k: float(control[k]) for k in model.METRICS}, ""


class _Slot:
    """The editor of one driver KPI: a preset, its specification fields, and its baseline."""

    def __init__(self, i: int, spec: Mapping[str, Any], baselines: Mapping[str, float]):
        self.i, self.baselines = i, baselines
        p = f"kpi{i}."
        metric = spec.get("metric", CUSTOM)
        known = model.METRICS.get(metric)
        # Without pilot data there is no honest default baseline: say it is not measured.
        source = spec.get("baseline_source", FROM_DATA if known and baselines else
                          NOT_MEASURED)
        base = spec.get("baseline", baselines.get(metric, 0.0))
        target = spec.get("target", _target_from_change(known, base, spec.get("change", 0.1)))
        self.metric = ui.ChoiceField("KPI", METRIC_OPTIONS, metric, name=p + "metric")
        self.name = ui.TextField("Name", spec.get("name", known.name if known else ""),
                                 required=False, max_length=80, name=p + "name")
        self.definition = ui.TextField(
            "Definition or formula", spec.get("definition", known.definition if known else ""),
            required=False, max_length=300, name=p + "definition")
        self.unit = ui.TextField("Unit", spec.get("unit", known.unit if known else ""),
                                 required=False, max_length=60, name=p + "unit")
        self.direction = ui.ChoiceField(
            "Direction", model.DIRECTIONS,
            spec.get("direction", known.direction if known else model.HIGHER),
            name=p + "direction")
        self.kind = ui.ChoiceField("Kind", model.KINDS,
                                   spec.get("kind", known.kind if known else "quality"),
                                   name=p + "kind",
                                   help="Cost and efficiency KPIs need a quality or risk KPI "
                                        "beside them.")
        self.source = ui.ChoiceField("Baseline from", BASELINE_SOURCES, source,
                                     name=p + "baseline_source")
        self.base_pct = ui.NumberField("Baseline", _clip01(base), min=0, max=1, percent=True,
                                       name=p + "baseline_pct")
        self.base_num = ui.NumberField("Baseline", base, min=-1e9, max=1e9, name=p + "baseline")
        self.target_pct = ui.NumberField("Target", _clip01(target), min=0, max=1, percent=True,
                                         name=p + "target_pct")
        self.target_num = ui.NumberField("Target", target, min=-1e9, max=1e9,
                                         name=p + "target")
        self.owner = ui.TextField("Owner", spec.get("owner", ""), required=False, max_length=80,
                                  name=p + "owner", help="The business owner accountable for it.")
        self.window = ui.ChoiceField("Measurement window", WINDOWS,
                                     spec.get("window_weeks", 0) or 0, name=p + "window_weeks")
        self.data_source = ui.TextField(
            "Data source", spec.get("data_source", DATA_SOURCE if known else ""),
            required=False, max_length=200, name=p + "data_source")
        self.details = [self.name, self.definition, self.unit, self.direction, self.kind,
                        self.source, self.base_pct, self.base_num, self.target_pct,
                        self.target_num, self.owner, self.window, self.data_source]
        self.box = W.VBox([self.metric, *self.details])
        self.busy = False  # a preset fills several fields: recompute once, after the last
        self.on_change: Any = lambda: None
        self.metric.observe(self.apply_preset, "value")
        self.source.observe(self.fill_baseline, "value")
        for f in self.fields:
            f.observe(self._changed, "value")
        self.arrange()
        self.fill_baseline()

    @property
    def fields(self) -> list[ui.Field]:
        return [self.metric, *self.details]

    @property
    def share(self) -> bool:
        known = model.METRICS.get(self.metric.value)
        return bool(known and known.share)

    def visible_target(self) -> ui.NumberField:
        return self.target_pct if self.share else self.target_num

    def _changed(self, _=None) -> None:
        if not self.busy:
            self.on_change()

    def apply_preset(self, _=None) -> None:
        """A preset fills the specification and, with pilot data, baseline and target."""
        known = model.METRICS.get(self.metric.value)
        self.busy = True
        try:
            if known:
                for f, value in ((self.name, known.name), (self.definition, known.definition),
                                 (self.unit, known.unit), (self.direction, known.direction),
                                 (self.kind, known.kind), (self.data_source, DATA_SOURCE)):
                    f.set(value)
                if known.key in self.baselines:
                    base = self.baselines[known.key]
                    (self.base_pct if known.share else self.base_num).set(base)
                    self.visible_target().set(_target_from_change(
                        known, base, 0.03 if known.share else 0.1))
            elif self.source.value == FROM_DATA:
                self.source.set(BY_HAND)
            self.fill_baseline()
        finally:
            self.busy = False

    def fill_baseline(self, _=None) -> None:
        """The data baseline replaces the typed one, and the field is locked while it is used."""
        value = self.baselines.get(self.metric.value)
        locked = self.source.value == FROM_DATA and value is not None
        busy, self.busy = self.busy, True
        try:
            if locked:
                (self.base_pct if self.share else self.base_num).set(value)
            for f in (self.base_pct, self.base_num):
                f.control.disabled = locked
            self.arrange()
        finally:
            self.busy = busy

    def arrange(self) -> None:
        used = self.metric.value != NOT_USED
        measured = self.source.value != NOT_MEASURED
        show = {f: used for f in self.details}
        show[self.base_pct] = used and measured and self.share
        show[self.base_num] = used and measured and not self.share
        show[self.target_pct] = used and self.share
        show[self.target_num] = used and not self.share
        for f, visible in show.items():
            f.set_visible(visible)

    def spec(self) -> model.KPI | None:
        """The KPI as typed, validated by the model; errors name this tab's field."""
        if self.metric.value == NOT_USED:
            return None
        if self.source.value == FROM_DATA and self.metric.value not in self.baselines:
            raise v.InputError(self.source.name, "The pilot data cannot measure a custom KPI "
                                                 "(or is missing): enter the baseline by hand.")
        base = (self.base_pct if self.share else self.base_num).value
        try:
            return model.make_kpi(
                self.name.control.value, definition=self.definition.control.value,
                unit=self.unit.control.value, direction=self.direction.value,
                kind=self.kind.value,
                baseline=None if self.source.value == NOT_MEASURED else base,
                target=self.visible_target().value, owner=self.owner.control.value,
                window_weeks=self.window.value or None,
                data_source=self.data_source.control.value, metric=self.metric.value)
        except (v.InputError, v.InputTypeError) as err:
            raise type(err)(self._field_name(err.field), str(err)) from None

    def _field_name(self, param: str) -> str:
        by_param = {"name": self.name, "definition": self.definition, "unit": self.unit,
                    "owner": self.owner, "data_source": self.data_source,
                    "baseline": self.base_pct if self.share else self.base_num,
                    "target": self.visible_target(), "window_weeks": self.window}
        return by_param.get(param, self.metric).name


def _clip01(x: float) -> float:
    return min(max(float(x), 0.0), 1.0)


def _target_from_change(known: model.Metric | None, base: float, change: float) -> float:
    """A default target: ``change`` points for shares, a relative change for the rest."""
    if known is None:
        return base
    if known.share:
        step = abs(change) if known.direction == model.HIGHER else -abs(change)
        return round(_clip01(base + step), 3)
    step = abs(change) if known.direction == model.HIGHER else -abs(change)
    return round(base * (1 + step), 2)


def _value(x: float | None, share: bool, unit: str = "") -> str:
    if x is None or pd.isna(x):
        return "–"
    return fmt.pct(x, digits=1) if share else f"{fmt.number(float(x), digits=2)}" + (
        f" {unit}" if unit else "")


def _tree_html(tree: model.KPITree) -> str:
    chips = "".join(
        '<li style="margin:2px 0">'
        f"<b>{html.escape(k.name)}</b> ({html.escape(k.direction)}; {html.escape(k.kind)}): "
        f"{_value(k.baseline, k.share)} → {_value(k.target, k.share, k.unit)}</li>"
        for k in tree.drivers)
    return ('<div class="kit-kpi-tree" aria-label="KPI tree" style="line-height:1.4">'
            f'<p style="margin:0"><b>Business goal:</b> {html.escape(tree.goal)}</p>'
            f'<p style="margin:4px 0 0">↑ moved by the driver KPIs:</p>'
            f'<ul style="margin:0 0 0 1.2em;padding:0">{chips}</ul>'
            f'<p style="margin:0">↑ moved by the GenAI lever: <b>{html.escape(tree.lever)}</b>'
            "</p></div>")


CRITERIA = ("Specific", "Measurable", "Achievable", "Relevant", "Time-bound")
_CELL = "padding:2px 8px;vertical-align:top;text-align:left"


def _mark(check: model.SmartCheck | None) -> str:
    if check is None:
        return f"<td style='{_CELL}'></td>"
    colour, text = (style.GOOD, "✓ pass") if check.passed else (ui.ERROR_COLOUR, "✗ fail")
    return f"<td style='{_CELL};color:{colour};white-space:nowrap'>{text}</td>"


def _checks_html(checks: Sequence[model.SmartCheck]) -> str:
    """A KPI-by-criterion grid, the failures spelled out, and every reason on request."""
    failed = [c for c in checks if not c.passed]
    head = (f'<p style="margin:8px 0 4px"><b class="kit-failures">{len(failed)}</b> of '
            f"{len(checks)} SMART checks fail"
            + ("." if failed else ": every KPI is specific, measurable, achievable, relevant "
                                  "and time-bound.") + "</p>")
    by_kpi: dict[str, dict[str, model.SmartCheck]] = {}
    for c in checks:
        by_kpi.setdefault(c.kpi, {})[c.criterion] = c
    rows = "".join(f"<tr><td style='{_CELL}'>{html.escape(kpi)}</td>"
                   + "".join(_mark(found.get(k)) for k in CRITERIA) + "</tr>"
                   for kpi, found in by_kpi.items())
    grid = (f"<table style='border-collapse:collapse;font-size:0.9em'><thead><tr>"
            f"<th style='{_CELL}'>KPI</th>"
            + "".join(f"<th style='{_CELL}'>{k}</th>" for k in CRITERIA)
            + f"</tr></thead><tbody>{rows}</tbody></table>")
    problems = "".join(f"<li><b>{html.escape(c.kpi)}</b>, {c.criterion.lower()}: "
                       f"{html.escape(c.message)}</li>" for c in failed)
    reasons = "".join(f"<li>{'✓' if c.passed else '✗'} <b>{html.escape(c.kpi)}</b>, "
                      f"{c.criterion.lower()}: {html.escape(c.message)}</li>" for c in checks)
    return (f'<div class="kit-checks" aria-live="polite" style="line-height:1.4">{head}{grid}'
            + (f'<ul style="margin:6px 0;padding-left:1.2em">{problems}</ul>' if failed else "")
            + '<details style="margin:4px 0"><summary>Why each check passed or failed'
              f'</summary><ul style="margin:4px 0;padding-left:1.2em;font-size:0.9em">{reasons}'
              "</ul></details></div>")


def _arm_rows(by_arm: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    t = by_arm.set_index("arm")
    rows = []
    for key, m in model.METRICS.items():
        c, a = float(t.loc["control", key]), float(t.loc["assisted", key])
        change = (f"{(a - c) * 100:+.1f} points" if m.share else f"{(a - c) / c * 100:+.1f}%")
        rows.append((m.name, _value(c, m.share), _value(a, m.share), change))
    return rows


def _arm_html(by_arm: pd.DataFrame | None, problem: str) -> str:
    if by_arm is None:
        return (f'<p class="kit-no-data">No pilot data, so baselines must be entered by hand: '
                f"{html.escape(problem)}</p>")
    body = "".join("<tr>" + "".join(f'<td style="padding:2px 8px">{x}</td>' for x in row)
                   + "</tr>" for row in _arm_rows(by_arm))
    n = by_arm.set_index("arm")["tickets"]
    return ('<div class="kit-arms" style="line-height:1.4"><p style="margin:8px 0 4px">'
            "<b>The pilot, by arm</b> "
            f"({fmt.number(int(n.sum()))} tickets; synthetic data)</p>"
            '<table style="border-collapse:collapse;font-size:0.9em"><thead><tr>'
            "<th>KPI</th><th>Control</th><th>Assisted</th><th>Change</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


@style.cached_chart
def _chart_html(weekly: pd.DataFrame | None, by_arm: pd.DataFrame | None,
                kpi: model.KPI | None) -> str:
    if weekly is None or by_arm is None:
        return '<p class="kit-no-chart">No pilot data, so no weekly chart.</p>'
    if kpi is None or kpi.metric not in model.METRICS:
        return ('<p class="kit-no-chart">The weekly chart shows the five KPIs the pilot data '
                "measures; this tab holds a custom or unused KPI.</p>")
    m = model.METRICS[kpi.metric]
    arms = by_arm.set_index("arm")[m.key]
    c, a = float(arms["control"]), float(arms["assisted"])
    diff = f"{(a - c) * 100:+.1f} points" if m.share else f"{(a - c) / c * 100:+.0f}%"
    better = (a > c) == (m.direction == model.HIGHER)
    fig, ax = style.new_figure()
    # Fixed margins instead of constrained layout: the layout pass cost a third of every
    # redraw, and this chart's labels are short and always the same shape.
    fig.set_layout_engine("none")
    ax.set_position((0.15, 0.25, 0.82, 0.65))
    scale = 100 if m.share else 1
    for arm, colour in (("control", style.NEUTRAL), ("assisted", style.HIGHLIGHT)):
        rows = weekly[weekly["arm"] == arm]
        ax.plot(rows["week"], rows[m.key] * scale, marker="o", ms=3, color=colour, label=arm)
    if kpi.baseline is not None:
        ax.axhline(kpi.baseline * scale, color=style.BAD, ls="--", lw=1, label="baseline")
    if kpi.target is not None:
        ax.axhline(kpi.target * scale, color=style.GOOD, ls=":", lw=1.5, label="target")
    ax.set_xlabel("Pilot week")
    ylabel = (f"{m.name} (%)" if m.share else m.name if m.unit.lower() == m.name.lower()
              else f"{m.name}\n({m.unit})")
    ax.set_ylabel(ylabel, fontsize=10)
    title = f"Assisted {diff} vs control ({'better' if better else 'worse'})"
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize=9)
    title = f"{m.name}: {title.lower()}"
    alt = (f"{title}. Line chart of {m.name} by pilot week for both arms. Over the "
           f"pilot, control averages {_value(c, m.share, m.unit)} and assisted "
           f"{_value(a, m.share, m.unit)} ({diff}). Baseline {_value(kpi.baseline, m.share)}, "
           f"target {_value(kpi.target, m.share)}.")
    return style.figure_html(fig, alt, caption="Synthetic pilot data (support_pilot).")


def build_app(*, goal: str = "Resolve more customer issues per agent hour without lowering "
                             "customer satisfaction",
              lever: str = "AI-suggested replies for agents",
              drivers: Sequence[Mapping[str, Any]] = DEFAULT_DRIVERS) -> W.Widget:
    """Return the KPI-builder app (not displayed).

    ``drivers`` holds up to three KPI presets: ``metric`` (a key of ``model.METRICS``,
    "custom" or "not used"), optionally ``change`` (the default target: points for shares,
    a relative change otherwise) and any ``make_kpi`` argument.
    """
    by_arm, weekly, baselines, problem = _pilot()
    f_goal = ui.TextField("Business goal", goal, max_length=200, name="goal")
    f_lever = ui.TextField("GenAI lever", lever, max_length=200, name="lever")
    specs = list(drivers)[:3] + [{"metric": NOT_USED}] * (3 - len(list(drivers)[:3]))
    slots = [_Slot(i + 1, s, baselines) for i, s in enumerate(specs)]
    tabs = W.Tab([s.box for s in slots])
    tabs.titles = tuple(f"KPI {s.i}" for s in slots)
    tree_out, checks_out, chart_out = W.HTML(), W.HTML(), W.HTML()
    arms_out = W.HTML(_arm_html(by_arm, problem))
    state: dict[str, Any] = {}
    # Slot 1's target first: the field a benchmark (and a person) changes most.
    ordered = [slots[0].visible_target(), f_goal, f_lever, *(f for s in slots for f in s.fields)]
    fields = {f.name: f for f in ordered}

    def summary() -> str:
        text = model.tree_markdown(state["tree"], state["checks"])
        if by_arm is not None:
            text += "\n## The pilot, by arm (synthetic data)\n\n" + "\n".join(
                ["| KPI | Control | Assisted | Change |", "| --- | --- | --- | --- |"]
                + [f"| {' | '.join(r)} |" for r in _arm_rows(by_arm)]) + "\n"
        return text

    frame = ui.AppFrame(
        "KPI builder",
        subtitle="Start from the business goal, pick the KPIs that move it, then the GenAI "
                 "lever; every KPI gets a SMART check.",
        inputs=[f_goal, tabs, f_lever], results=[tree_out, checks_out, chart_out, arms_out],
        summary=summary, summary_filename="kpi-tree.md", sources=SOURCES, fields=fields)

    def update() -> None:
        frame.run(lambda: _show([s.spec() for s in slots]))

    def _show(specs: list[model.KPI | None]) -> None:
        tree = model.make_tree(f_goal.control.value, [k for k in specs if k],
                               f_lever.control.value)
        state.update(specs=specs, tree=tree, checks=model.smart_checks(tree))
        tree_out.value, checks_out.value = _tree_html(tree), _checks_html(state["checks"])
        _chart()

    def _chart(_=None) -> None:
        kpi = state["specs"][tabs.selected_index or 0] if "specs" in state else None
        if state.get("chart_key", ()) != (kpi,):  # the chart is the slow part: redraw on change
            state["chart_key"], chart_out.value = (kpi,), _chart_html(weekly, by_arm, kpi)

    for s in slots:
        s.on_change = update
    for f in (f_goal, f_lever):
        f.observe(lambda _: update(), "value")
    tabs.observe(_chart, "selected_index")
    update()
    return frame
