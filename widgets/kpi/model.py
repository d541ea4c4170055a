"""KPI builder: a business goal, the driver KPIs that move it, and the GenAI lever.

Two halves:

* **Customer-service KPIs from ticket data** (``support_pilot`` or any frame with its columns).
  The formulas are written out in each function's docstring, because exercise 02 has learners
  reproduce them with pandas (Track B) and read them from this tool (Track A):

  ==========================  ==============================================================
  KPI                         formula (over the tickets of one group)
  ==========================  ==============================================================
  handle time                 mean of ``handle_time_min`` (minutes per ticket)
  first-contact resolution    mean of ``resolved_first_contact`` (share of tickets)
  CSAT top-box                count of ``csat == 5`` / count of answered surveys (share)
  escalation rate             mean of ``escalated`` (share of tickets)
  resolutions per hour        count of ``resolved_first_contact`` /
                              (sum of ``handle_time_min`` / 60)  (per agent hour)
  ==========================  ==============================================================

  Shares are fractions (0.72 means 72%) everywhere in this module. The formulas themselves are
  the kit's one definition in ``widgets.calibration`` (the datasets are calibrated with them);
  these functions add the boundary checks and the grouping.

* **KPI specifications and SMART checks.** A ``KPI`` holds name, definition, unit, direction,
  baseline, target, owner, measurement window and data source. ``smart_checks`` explains every
  failure in plain words; targets are compared with the published figures in ``REFERENCES``
  (all from the kit's fact sheet, with their sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from widgets import calibration
from widgets import validate as v

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "KPI",
    "METRICS",
    "REFERENCES",
    "KPITree",
    "Metric",
    "Reference",
    "SmartCheck",
    "baseline_from_data",
    "compute_metric",
    "csat_top_box",
    "escalation_rate",
    "first_contact_resolution",
    "handle_time_min",
    "kpis_by",
    "make_kpi",
    "make_tree",
    "plausibility",
    "resolutions_per_hour",
    "smart_checks",
    "tree_markdown",
]

HIGHER, LOWER = "higher is better", "lower is better"
DIRECTIONS: tuple[str, ...] = (HIGHER, LOWER)
#: What a KPI measures. Cost and efficiency KPIs need a quality or risk guardrail beside them.
KINDS: tuple[str, ...] = ("efficiency", "cost", "quality", "risk", "revenue")
_COST_SIDE = {"efficiency", "cost"}
_GUARDRAIL = {"quality", "risk"}
GROUPINGS: tuple[str, ...] = ("overall", "arm", "week", "arm and week")
ARMS: tuple[str, ...] = ("control", "assisted")


# --------------------------------------------------------------------------- sources
#: Published figures the checks cite. Every one is in the kit's fact sheet (shared/facts.md).
BRYNJOLFSSON = ("Brynjolfsson, Li & Raymond, 'Generative AI at Work', NBER Working Paper 31161, "
                "2023: +14% issues resolved per hour on average, +34% for novice agents, about "
                "0 for the most experienced")
SQM_FCR = ("SQM Group, 'Call Center Best Practices' and its 2022 FCR benchmark release: average "
           "about 67-70%, world-class 80% or more, reached by only about 5% of centres")
SQM_CSAT = ("SQM Group, 'Call Center Best Practices' (undated web page): world-class CSAT is 85% "
            "or more 'very satisfied' (top-box)")
KLARNA = ("Klarna's AI assistant handled two-thirds of its customer-service chats in its first "
          "month (Klarna, Feb 2024, via American Banker); in May 2025 the CEO told Bloomberg "
          "that cost had been 'a too predominant evaluation factor' and the result was 'lower "
          "quality', and Klarna hired human agents again (Entrepreneur, 'Klarna CEO reverses "
          "course by hiring more humans, not AI', 2025)")
CBA = ("Commonwealth Bank of Australia cut 45 call-centre roles in 2025 on a claimed drop in "
       "call volume that the data did not show, then called it an error and reversed it (via "
       "blog.teqrix.com, 'CBA reverses decision to replace human roles with AI', 2025)")


@dataclass(frozen=True)
class Reference:
    """A published figure a target is compared with.

    ``kind`` is "relative" (the target's relative improvement over the baseline is compared
    with ``typical`` and ``maximum``, as fractions) or "level" (the target itself is compared
    with ``maximum`` for higher-is-better KPIs).
    """

    kind: str
    maximum: float
    typical: float | None
    source: str
    note: str = ""


@dataclass(frozen=True)
class Metric:
    """A customer-service KPI the kit knows: its defaults and whether data can compute it."""

    key: str
    name: str
    definition: str
    unit: str
    direction: str
    kind: str
    share: bool  # a fraction 0-1, shown as a percentage


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("handle_time", "Average handle time",
           "Mean of handle_time_min over tickets (talk or typing + hold + after-contact work)",
           "minutes per ticket", LOWER, "efficiency", False),
    Metric("fcr", "First-contact resolution",
           "Tickets resolved on first contact / all tickets", "share of tickets", HIGHER,
           "quality", True),
    Metric("csat_top_box", "CSAT top-box",
           "Surveys scoring 5 (very satisfied) / answered surveys", "share of answered surveys",
           HIGHER, "quality", True),
    Metric("escalation_rate", "Escalation rate",
           "Tickets escalated to a supervisor or second line / all tickets", "share of tickets",
           LOWER, "risk", True),
    Metric("resolutions_per_hour", "Resolutions per agent hour",
           "Tickets resolved on first contact / (sum of handle_time_min / 60)",
           "resolutions per agent hour", HIGHER, "efficiency", False),
)}

#: Published figures per metric key. Derived bounds say how they were derived.
REFERENCES: dict[str, Reference] = {
    "resolutions_per_hour": Reference("relative", 0.34, 0.14, BRYNJOLFSSON),
    # 1 - 1/1.34 and 1 - 1/1.14: the same study's gains expressed as time per resolution.
    "handle_time": Reference(
        "relative", 1 - 1 / 1.34, 1 - 1 / 1.14, BRYNJOLFSSON,
        note="25% less time per resolution is the same gain as +34% resolutions per hour: "
             "1 - 1/1.34, arithmetic on the published figure"),
    "fcr": Reference("level", 0.80, None, SQM_FCR),
    "csat_top_box": Reference("level", 0.85, None, SQM_CSAT),
}


# --------------------------------------------------------------------------- ticket data
_TICKET_COLUMNS = {
    "handle_time_min": "number", "resolved_first_contact": "flag", "csat": "score",
    "escalated": "flag", "arm": "label", "week": "week", "channel": "label",
}


def _tickets(tickets: object, needs: Sequence[str], field: str = "tickets") -> pd.DataFrame:
    """Check the columns a KPI needs; raise InputError naming the column and the rule."""
    if not isinstance(tickets, pd.DataFrame):
        raise v.InputTypeError(field, f"{field} must be a pandas DataFrame with the "
                                      f"support_pilot columns (got {type(tickets).__name__})")
    if len(tickets) == 0:
        raise v.InputError(field, f"{field} must hold at least one ticket (got 0 rows)")
    missing = [c for c in needs if c not in tickets.columns]
    if missing:
        raise v.InputError(field, f"{field} is missing column(s) {', '.join(missing)} "
                                  "(see the support_pilot schema)")
    for col in needs:
        s = tickets[col]
        rule = _TICKET_COLUMNS[col]
        if rule == "label":
            ok = s.notna().all()
        elif rule == "flag":
            ok = s.notna().all() and s.isin([True, False]).all()
        else:
            numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            x = pd.to_numeric(s, errors="coerce") if numeric else None
            if x is None:
                ok = False
            elif rule == "number":
                ok = bool(np.isfinite(x.to_numpy(dtype=float, na_value=np.nan)).all()
                          and (x > 0).all())
            elif rule == "week":
                ok = bool(x.notna().all() and (x >= 1).all())
            else:  # score: 1-5 or missing (no answer)
                ok = bool(x.dropna().between(1, 5).all())
        if not ok:
            what = {"label": "no missing values", "flag": "True/False values only",
                    "number": "finite numbers greater than 0",
                    "week": "week numbers of 1 or more",
                    "score": "scores from 1 to 5 (empty where not answered)"}[rule]
            raise v.InputError(field, f"{field} column {col} must hold {what}")
    return tickets


def handle_time_min(tickets: pd.DataFrame) -> float:
    """Average handle time: the mean of ``handle_time_min`` over all tickets.

    Parameters
    ----------
    tickets
        Ticket rows with ``handle_time_min`` (minutes, > 0) and ``channel``.

    Returns
    -------
    float
        Minutes per ticket.
    """
    t = _tickets(tickets, ["handle_time_min", "channel"])
    return calibration.mean_handle_time(t)


def first_contact_resolution(tickets: pd.DataFrame) -> float:
    """First-contact resolution: tickets resolved on first contact / all tickets.

    Parameters
    ----------
    tickets
        Ticket rows with a boolean ``resolved_first_contact`` column.

    Returns
    -------
    float
        Share of tickets, 0 to 1.
    """
    return calibration.first_contact_resolution(_tickets(tickets, ["resolved_first_contact"]))


def csat_top_box(tickets: pd.DataFrame) -> float:
    """CSAT top-box: surveys scoring 5 / surveys answered (unanswered ``csat`` is left out).

    Parameters
    ----------
    tickets
        Ticket rows with a ``csat`` column (1-5, empty when the customer did not answer).

    Returns
    -------
    float
        Share of answered surveys, 0 to 1.

    Raises
    ------
    InputError
        If no survey was answered (the share is undefined).
    """
    t = _tickets(tickets, ["csat"])
    if t["csat"].notna().sum() == 0:
        raise v.InputError("tickets", "tickets has no answered survey (csat is empty in every "
                                      "row), so CSAT top-box is undefined")
    return calibration.csat_top_box(t)


def escalation_rate(tickets: pd.DataFrame) -> float:
    """Escalation rate: tickets escalated / all tickets.

    Parameters
    ----------
    tickets
        Ticket rows with a boolean ``escalated`` column.

    Returns
    -------
    float
        Share of tickets, 0 to 1.
    """
    return calibration.escalation_rate(_tickets(tickets, ["escalated"]))


def resolutions_per_hour(tickets: pd.DataFrame) -> float:
    """Resolutions per agent hour: resolved on first contact / (sum of handle_time_min / 60).

    This is the productivity measure of Brynjolfsson, Li & Raymond (issues resolved per hour),
    computed over the group's tickets: a ratio of sums, not a mean of per-agent ratios.

    Parameters
    ----------
    tickets
        Ticket rows with ``resolved_first_contact`` (bool) and ``handle_time_min`` (minutes).

    Returns
    -------
    float
        Resolutions per agent hour of handling.
    """
    return calibration.resolutions_per_hour(
        _tickets(tickets, ["resolved_first_contact", "handle_time_min"]))


_FUNCS = {
    "handle_time": handle_time_min, "fcr": first_contact_resolution,
    "csat_top_box": csat_top_box, "escalation_rate": escalation_rate,
    "resolutions_per_hour": resolutions_per_hour,
}


def compute_metric(tickets: pd.DataFrame, metric: str) -> float:
    """One KPI (a key of ``METRICS``) over ``tickets``; shares are fractions 0-1."""
    key = v.choice(metric, "metric", METRICS)
    return _FUNCS[key](tickets)


def kpis_by(tickets: pd.DataFrame, by: str = "arm") -> pd.DataFrame:
    """All five KPIs per group: "overall", by "arm", by "week" or by "arm and week".

    Parameters
    ----------
    tickets
        Ticket rows with the support_pilot columns ``arm``, ``week``, ``channel``,
        ``handle_time_min``, ``resolved_first_contact``, ``csat`` and ``escalated``.
    by
        The grouping.

    Returns
    -------
    pandas.DataFrame
        One row per group (groups with no tickets are left out) with the group columns, then
        ``tickets`` (count), ``surveys`` (answered surveys), ``handle_time`` (minutes),
        ``fcr``, ``csat_top_box`` (NaN when no survey was answered in the group),
        ``escalation_rate`` (shares 0-1) and ``resolutions_per_hour``. The same formulas as
        the single-KPI functions of this module.
    """
    grouping = v.choice(by, "by", GROUPINGS)
    t = _tickets(tickets, list(_TICKET_COLUMNS))
    keys = {"overall": [], "arm": ["arm"], "week": ["week"],
            "arm and week": ["arm", "week"]}[grouping]
    groups = t.groupby(keys, observed=True, sort=True) if keys else [((), t)]
    rows = []
    for key, g in groups:
        names = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, names, strict=True)), "tickets": len(g),
                     "surveys": int(g["csat"].notna().sum()),
                     # the kit's one definition of each KPI (widgets.calibration)
                     "handle_time": calibration.mean_handle_time(g),
                     "fcr": calibration.first_contact_resolution(g),
                     "csat_top_box": calibration.csat_top_box(g),
                     "escalation_rate": calibration.escalation_rate(g),
                     "resolutions_per_hour": calibration.resolutions_per_hour(g)})
    return pd.DataFrame(rows, columns=[*keys, "tickets", "surveys", *METRICS])


def baseline_from_data(tickets: pd.DataFrame, metric: str, *, arm: str = "control") -> float:
    """The baseline of ``metric`` measured on the tickets of one arm ("all" for every ticket).

    The control arm is the baseline of a pilot: what happens without the GenAI lever over the
    same weeks. Shares are fractions 0-1.
    """
    key = v.choice(metric, "metric", METRICS)
    which = v.choice(arm, "arm", (*ARMS, "all"))
    t = _tickets(tickets, ["arm"])
    rows = t if which == "all" else t[t["arm"] == which]
    if len(rows) == 0:
        raise v.InputError("arm", f"arm {which!r} has no tickets in this data")
    return _FUNCS[key](rows)


# --------------------------------------------------------------------------- specifications
@dataclass(frozen=True)
class KPI:
    """One KPI specification. Build it with ``make_kpi`` (which validates every field).

    ``baseline`` and ``target`` are in the KPI's unit (shares as fractions 0-1); ``None`` means
    not set, which ``smart_checks`` reports. ``window_weeks`` is the measurement window.
    """

    name: str
    definition: str = ""
    unit: str = ""
    direction: str = HIGHER
    kind: str = "quality"
    baseline: float | None = None
    target: float | None = None
    owner: str = ""
    window_weeks: int | None = None
    data_source: str = ""
    metric: str = "custom"  # a key of METRICS, or "custom"

    @property
    def share(self) -> bool:
        """True when values are fractions shown as percentages."""
        return self.metric in METRICS and METRICS[self.metric].share


@dataclass(frozen=True)
class KPITree:
    """A business goal, the driver KPIs that move it, and the GenAI lever that moves them."""

    goal: str
    drivers: tuple[KPI, ...]
    lever: str


def _optional_number(value: object, field: str) -> float | None:
    if value is None:
        return None
    return v.number(value, field, min=-1e12, max=1e12)


def make_kpi(name: str, *, definition: str = "", unit: str = "", direction: str = HIGHER,
             kind: str = "quality", baseline: float | None = None,
             target: float | None = None, owner: str = "", window_weeks: int | None = None,
             data_source: str = "", metric: str = "custom") -> KPI:
    """Validate one KPI specification.

    Parameters
    ----------
    name
        What the KPI is called; required, at most 80 characters.
    definition
        Formula or definition in words (empty is allowed and fails the "specific" check).
    unit
        Unit of baseline and target, e.g. "minutes per ticket" (empty fails "measurable").
    direction
        "higher is better" or "lower is better".
    kind
        What it measures: efficiency, cost, quality, risk or revenue. Cost and efficiency KPIs
        need a quality or risk KPI beside them.
    baseline, target
        Value today and value to reach, in ``unit`` (shares as fractions 0-1 for the share
        metrics); ``None`` when not set. Finite, between -1e12 and 1e12.
    owner
        The business owner accountable for the KPI.
    window_weeks
        Measurement window in weeks, 1 to 520, or ``None`` when not set.
    data_source
        Where the numbers come from (system, table, survey).
    metric
        A key of ``METRICS`` when the KPI is one the kit can compute, else "custom"; share
        metrics need baseline and target between 0 and 1.
    """
    kpi = KPI(
        name=v.text(name, "name", max_length=80),
        definition=v.text(definition, "definition", max_length=300, required=False),
        unit=v.text(unit, "unit", max_length=60, required=False),
        direction=v.choice(direction, "direction", DIRECTIONS),
        kind=v.choice(kind, "kind", KINDS),
        baseline=_optional_number(baseline, "baseline"),
        target=_optional_number(target, "target"),
        owner=v.text(owner, "owner", max_length=80, required=False),
        window_weeks=(None if window_weeks is None
                      else v.integer(window_weeks, "window_weeks", min=1, max=520,
                                     unit="weeks")),
        data_source=v.text(data_source, "data_source", max_length=200, required=False),
        metric=v.choice(metric, "metric", (*METRICS, "custom")),
    )
    if kpi.share:
        for field in ("baseline", "target"):
            value = getattr(kpi, field)
            if value is not None:
                v.fraction(value, field)
    return kpi


def make_tree(goal: str, drivers: Sequence[KPI], lever: str) -> KPITree:
    """Validate a KPI tree: a goal, one to six driver KPIs with distinct names, a lever.

    Parameters
    ----------
    goal
        The business goal in words; required, at most 200 characters.
    drivers
        The driver KPIs (``KPI`` objects from ``make_kpi``), 1 to 6.
    lever
        The GenAI lever, e.g. "AI-suggested replies for agents"; required.
    """
    g = v.text(goal, "goal", max_length=200)
    lv = v.text(lever, "lever", max_length=200)
    if isinstance(drivers, (str, bytes)) or not isinstance(drivers, Sequence):
        raise v.InputTypeError("drivers", f"drivers must be a list of KPI objects "
                                          f"(got {type(drivers).__name__})")
    if not 1 <= len(drivers) <= 6:
        raise v.InputError("drivers", f"drivers must hold between 1 and 6 KPIs "
                                      f"(got {len(drivers)})")
    if not all(isinstance(k, KPI) for k in drivers):
        raise v.InputTypeError("drivers", "drivers must be KPI objects made by make_kpi")
    names = [k.name.casefold() for k in drivers]
    if len(set(names)) != len(names):
        raise v.InputError("drivers", "each driver KPI needs its own name (two are called "
                                      "the same)")
    return KPITree(g, tuple(drivers), lv)


# --------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class SmartCheck:
    """One SMART check: which KPI (or "KPI tree"), which criterion, pass or fail, and why."""

    kpi: str
    criterion: str  # Specific, Measurable, Achievable, Relevant, Time-bound
    passed: bool
    message: str


def _show(value: float, share: bool, unit: str) -> str:
    if share:
        return f"{value * 100:.1f}%"
    return f"{value:,.3g} {unit}".strip()


def plausibility(metric: str, baseline: float, target: float, *,
                 direction: str | None = None) -> SmartCheck:
    """Is the target on the right side of the baseline and within the published figures?

    Parameters
    ----------
    metric
        A key of ``METRICS`` (its direction and reference are used) or "custom".
    baseline, target
        In the metric's unit (shares as fractions 0-1); baseline non-zero for relative checks.
    direction
        Needed for "custom" metrics; for known metrics it defaults to the metric's own.

    Returns
    -------
    SmartCheck
        Criterion "Achievable"; the message names the published figure a target exceeds.
    """
    key = v.choice(metric, "metric", (*METRICS, "custom"))
    base = v.number(baseline, "baseline", min=-1e12, max=1e12)
    tgt = v.number(target, "target", min=-1e12, max=1e12)
    if direction is None:
        if key == "custom":
            raise v.InputError("direction", "direction must be one of "
                                            f"{', '.join(DIRECTIONS)} for a custom metric")
        way = METRICS[key].direction
    else:
        way = v.choice(direction, "direction", DIRECTIONS)
    share = key in METRICS and METRICS[key].share
    unit = METRICS[key].unit if key in METRICS else ""
    name = METRICS[key].name if key in METRICS else "this KPI"
    shown_b, shown_t = _show(base, share, unit), _show(tgt, share, unit)

    def result(passed: bool, text: str) -> SmartCheck:
        return SmartCheck(name, "Achievable", passed, text)

    better = tgt > base if way == HIGHER else tgt < base
    if tgt == base:
        return result(False, f"Not achievable as written: the target ({shown_t}) equals the "
                             "baseline, so the project asks for no change at all.")
    if not better:
        return result(False, f"Wrong direction: {way}, but the target ({shown_t}) is worse "
                             f"than the baseline ({shown_b}).")
    ref = REFERENCES.get(key)
    if ref is None:
        return result(True, f"The target improves on the baseline ({shown_b} to {shown_t}). "
                            "The kit has no published figure for this KPI: say where the "
                            "size of the target comes from (a pilot, a benchmark).")
    if ref.kind == "level":
        if base >= ref.maximum:
            return result(True, f"The baseline ({shown_b}) is already world-class "
                                f"({ref.maximum * 100:.0f}% or more; {ref.source}); keep the "
                                "target modest.")
        if tgt > ref.maximum:
            return result(False, f"Implausible: the target ({shown_t}) is above the "
                                 f"world-class level of {ref.maximum * 100:.0f}% ({ref.source}).")
        return result(True, f"The target ({shown_t}) is within the published range "
                            f"(world-class is {ref.maximum * 100:.0f}% or more; {ref.source}).")
    if base == 0:
        return result(False, "A relative improvement cannot be judged from a baseline of 0; "
                             "measure the baseline first.")
    change = (tgt - base) / abs(base) if way == HIGHER else (base - tgt) / abs(base)
    said = f"{change * 100:.0f}% {'better' if way == HIGHER else 'lower'}"
    note = f" ({ref.note})" if ref.note else ""
    if change > ref.maximum:
        return result(False, f"Implausible: the target is {said} than the baseline, more than "
                             f"the largest published effect, {ref.maximum * 100:.0f}%{note}. "
                             f"Source: {ref.source}.")
    if ref.typical is not None and change > ref.typical:
        return result(True, f"Ambitious: the target is {said} than the baseline, above the "
                            f"average published effect ({ref.typical * 100:.0f}%) but within "
                            f"the largest ({ref.maximum * 100:.0f}%){note}. Source: "
                            f"{ref.source}.")
    return result(True, f"The target is {said} than the baseline, within the published "
                        f"effects{note}. Source: {ref.source}.")


def _kpi_checks(k: KPI) -> list[SmartCheck]:
    out: list[SmartCheck] = []

    def add(criterion: str, passed: bool, message: str) -> None:
        out.append(SmartCheck(k.name, criterion, passed, message))

    if len(k.definition.split()) >= 3:
        add("Specific", True, "Defined by a formula or rule.")
    else:
        add("Specific", False, "Not specific: no definition or formula, so two teams would "
                               "compute it differently and argue about the result.")
    missing = [label for label, value in (("unit", k.unit), ("data source", k.data_source))
               if not value]
    if k.baseline is None:
        add("Measurable", False, "Not measurable: no baseline, so nobody can tell whether the "
                                 f"GenAI lever moved it. A real case: {CBA}.")
    elif k.target is None:
        add("Measurable", False, "Not measurable: no target, so there is no line between "
                                 "success and failure.")
    elif missing:
        add("Measurable", False, f"Not measurable yet: no {' and no '.join(missing)}, so the "
                                 "number cannot be reproduced.")
    else:
        add("Measurable", True, f"Baseline {_show(k.baseline, k.share, k.unit)}, target "
                                f"{_show(k.target, k.share, k.unit)}, from {k.data_source}.")
    if k.baseline is not None and k.target is not None:
        check = plausibility(k.metric, k.baseline, k.target, direction=k.direction)
        add("Achievable", check.passed, check.message)
    else:
        add("Achievable", False, "Cannot judge whether the target is achievable without both "
                                 "a baseline and a target.")
    if k.owner:
        add("Relevant", True, f"Owned by {k.owner}.")
    else:
        add("Relevant", False, "No owner: nobody in the business is accountable for moving "
                               "it, so it will not shape decisions.")
    if k.window_weeks is None:
        add("Time-bound", False, "Not time-bound: no measurement window, so the result can be "
                                 "read whenever it looks good.")
    else:
        add("Time-bound", True, f"Measured over {k.window_weeks} week"
                                f"{'s' if k.window_weeks != 1 else ''}.")
    return out


def smart_checks(tree: KPITree) -> list[SmartCheck]:
    """SMART checks of every driver KPI, then of the tree as a whole.

    Per KPI: specific (a definition of three words or more), measurable (baseline, target,
    unit and data source), achievable (``plausibility``), relevant (a business owner),
    time-bound (a measurement window). For the tree: a cost or efficiency KPI needs a quality
    or risk guardrail beside it (the Klarna lesson).

    Returns
    -------
    list of SmartCheck
        Every check, passed or failed, in a stable order.
    """
    if not isinstance(tree, KPITree):
        raise v.InputTypeError("tree", f"tree must be a KPITree made by make_tree "
                                       f"(got {type(tree).__name__})")
    out = [c for k in tree.drivers for c in _kpi_checks(k)]
    kinds = {k.kind for k in tree.drivers}
    if kinds & _COST_SIDE and not kinds & _GUARDRAIL:
        cost = ", ".join(k.name for k in tree.drivers if k.kind in _COST_SIDE)
        out.append(SmartCheck("KPI tree", "Relevant", False,
                              f"Cost or speed with no quality guardrail: {cost} can improve "
                              "while customers are served worse. Add a quality or risk KPI "
                              f"(CSAT, first-contact resolution, escalations). {KLARNA}."))
    else:
        out.append(SmartCheck("KPI tree", "Relevant", True,
                              "Efficiency and cost KPIs have a quality or risk guardrail."
                              if kinds & _COST_SIDE else "No cost-only KPI set."))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def tree_markdown(tree: KPITree, checks: Sequence[SmartCheck] | None = None) -> str:
    """The KPI tree and its checks as Markdown (for the downloadable summary)."""
    if not isinstance(tree, KPITree):
        raise v.InputTypeError("tree", f"tree must be a KPITree made by make_tree "
                                       f"(got {type(tree).__name__})")
    if checks is None:
        checks = smart_checks(tree)
    elif isinstance(checks, (str, bytes)) or not isinstance(checks, Sequence) or not all(
            isinstance(c, SmartCheck) for c in checks):
        raise v.InputTypeError("checks", "checks must be a list of SmartCheck objects")
    lines = [f"# KPI tree: {_cell(tree.goal)}", "", f"**Business goal:** {_cell(tree.goal)}", "",
             "**Driver KPIs:**", ""]
    lines += ["| KPI | Definition | Unit | Direction | Kind | Baseline | Target | Owner | "
              "Window | Data source |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for k in tree.drivers:
        b = "not measured" if k.baseline is None else _show(k.baseline, k.share, "")
        t = "not set" if k.target is None else _show(k.target, k.share, "")
        w = "not set" if k.window_weeks is None else f"{k.window_weeks} weeks"
        lines.append("| " + " | ".join(_cell(x) for x in (
            k.name, k.definition or "-", k.unit or "-", k.direction, k.kind, b, t,
            k.owner or "-", w, k.data_source or "-")) + " |")
    lines += ["", f"**GenAI lever:** {_cell(tree.lever)}", "", "## SMART checks", "",
              "| KPI | Criterion | Result | Why |", "| --- | --- | --- | --- |"]
    lines += [f"| {_cell(c.kpi)} | {c.criterion} | {'pass' if c.passed else 'FAIL'} | "
              f"{_cell(c.message)} |" for c in checks]
    return "\n".join(lines) + "\n"
