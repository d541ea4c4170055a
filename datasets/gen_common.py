"""Shared by the generators: one way to write a dataset, so every run gives the same bytes.

Values are written with fixed formats (floats through an explicit format per column), booleans
as ``True``/``False``, missing values as empty fields, ``\\n`` line endings and the column order
of ``widgets.schemas``.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd

from widgets.schemas import SPECS


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, elementwise."""
    return 1 / (1 + np.exp(-x))


def solve_intercept(offsets: np.ndarray, share: float, weights: np.ndarray | None = None,
                    ) -> float:
    """Intercept ``a`` with ``mean(weights * sigmoid(a + offsets)) == share``, by bisection.

    Bisection (not a library optimiser) keeps the result identical on every machine.
    """
    w = np.ones_like(offsets, dtype=float) if weights is None else weights
    low, high = -30.0, 30.0
    for _ in range(200):
        mid = (low + high) / 2
        if float(np.mean(w * sigmoid(mid + offsets))) < share:
            low = mid
        else:
            high = mid
    return round((low + high) / 2, 6)


def _cell(value: object, kind: str, fmt: str | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "bool":
        return "True" if bool(value) else "False"
    if kind == "int":
        return str(int(value))
    if kind == "float":
        text = format(float(value), fmt)
        # a value rounding to zero is written "0.00", never "-0.00": equal data, equal bytes
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    return str(value)


def to_csv(df: pd.DataFrame, name: str, float_formats: dict[str, str]) -> str:
    """CSV text of ``df`` for dataset ``name``: schema column order, fixed formats, ``\\n``.

    Parameters
    ----------
    df : DataFrame
        Holds every column of the schema (extra columns are an error).
    name : str
        Dataset name in ``widgets.schemas.SPECS``.
    float_formats : dict
        Format spec for every float column, for example ``{"handle_time_min": ".2f"}``.
    """
    spec = SPECS[name]
    if sorted(df.columns) != sorted(spec.column_names):
        raise ValueError(f"{name}: columns {list(df.columns)} do not match the schema "
                         f"{spec.column_names}.")
    floats = [c.name for c in spec.columns if c.kind == "float"]
    missing = [c for c in floats if c not in float_formats]
    if missing:
        raise ValueError(f"{name}: no float format for {', '.join(missing)}.")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.column_names)
    columns = [(df[c.name].tolist(), c.kind, float_formats.get(c.name)) for c in spec.columns]
    for i in range(len(df)):
        writer.writerow([_cell(values[i], kind, fmt) for values, kind, fmt in columns])
    return buf.getvalue()


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (pipes in cells escaped)."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *map(line, rows)])
