"""The generated parts of ``datasets/README.md``: column tables, calibration targets, models.

The datasheets are prose written by hand, with blocks between markers that are rewritten from
the code on every ``make datasets``, so the tables never drift from ``widgets.schemas``,
``widgets.calibration`` and the generators::

    <!-- generated: columns support_pilot -->
    ...
    <!-- end generated -->
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
from gen_common import markdown_table

from widgets import calibration as cal
from widgets import fmt
from widgets.schemas import SPECS, Column

BLOCK = re.compile(r"(<!-- generated: (\w+) (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)

_PANDAS_DTYPE = {"str": "str", "int": "int64", "float": "float64", "bool": "bool",
                 "date": "datetime64", "category": "category"}


def _dtype(col: Column) -> str:
    if col.nullable and col.kind == "int":
        return "Int64 (nullable)"
    if col.nullable and col.kind == "bool":
        return "boolean (nullable)"
    if col.kind == "category" and col.ordered:
        return "category (ordered)"
    return _PANDAS_DTYPE[col.kind]


def _number(x: float) -> str:
    # no thousands separator below 10,000, so years read as years
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 10_000 else f"{x:g}"


def _allowed(col: Column) -> str:
    if col.categories:
        return ", ".join(f"`{c}`" for c in col.categories)
    if col.kind == "bool":
        return "`True`, `False`"
    if col.min is not None and col.max is not None:
        return f"{_number(col.min)} to {_number(col.max)}"
    if col.min is not None:
        return f"at least {_number(col.min)}"
    if col.max is not None:
        return f"at most {_number(col.max)}"
    return "any"


def columns_table(name: str) -> str:
    """Markdown table of the columns of dataset ``name``, from ``widgets.schemas``."""
    rows = [[f"`{c.name}`", _dtype(c), c.unit or "-", _allowed(c), "yes" if c.nullable else "no",
             c.description] for c in SPECS[name].columns]
    return markdown_table(["column", "dtype after `load`", "unit", "allowed values",
                           "may be empty", "meaning"], rows)


def _show(value: float, unit: str) -> str:
    if unit == "share":
        return fmt.pct(value, digits=1)
    if unit == "lift":
        return fmt.pct(value, digits=1, signed=True)
    if unit == "points":
        return f"{value * 100:+.1f} pp"
    return f"{value:.1f} {unit}"


def _range(t: cal.Target) -> str:
    upper = "below" if t.high_exclusive else "to"
    if t.low == 0 and t.unit == "share":
        return f"{'below' if t.high_exclusive else 'at most'} {_show(t.high, t.unit)}"
    return f"{_show(t.low, t.unit)} {upper} {_show(t.high, t.unit)}"


def targets_table(name: str, frame: pd.DataFrame) -> str:
    """Markdown table of the calibration targets of ``name``, with the values ``frame`` has."""
    rows = []
    for t in cal.TARGETS:
        if t.dataset != name:
            continue
        value = cal.achieved(t, frame)
        rows.append([f"`{t.key}`", t.what, _range(t),
                     "-" if t.centre is None else _show(t.centre, t.unit),
                     _show(value, t.unit) + ("" if t.holds(value) else " (OUT OF RANGE)"),
                     t.source])
    return markdown_table(["target", "measured as", "accepted", "aimed at",
                           "in the committed file", "source"], rows)


def index_table(rows: dict[str, int]) -> str:
    """Markdown table of every dataset: name, synthetic or real, rows, title."""
    return markdown_table(["dataset", "kind", "rows", "what it holds"], [
        [f"[`{s.name}`](#{s.name})", "synthetic" if s.synthetic else "real, cited",
         f"{rows[s.name]:,}", s.title] for s in SPECS.values()])


def fill(text: str, render: Callable[[str, str], str]) -> str:
    """``text`` with every generated block replaced by ``render(kind, dataset)``.

    ``dataset`` is a name in ``widgets.schemas.SPECS``, or ``all`` for the index.
    """
    def replace(match: re.Match) -> str:
        kind, name = match.group(2), match.group(3)
        if name not in SPECS and name != "all":
            raise ValueError(f"README block names an unknown dataset {name!r}.")
        return f"{match.group(1)}{render(kind, name).rstrip()}\n{match.group(5)}"

    return BLOCK.sub(replace, text)


def blocks(text: str) -> list[tuple[str, str]]:
    """The (kind, dataset) of every generated block in ``text``."""
    return [(m.group(2), m.group(3)) for m in BLOCK.finditer(text)]
