"""Number formatting for people: dollars, percentages, months, counts.

Apps and lessons format through these helpers so the same number always reads the same way.
"""

from __future__ import annotations

import math


def _finite(x: float) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def usd(x: float, *, digits: int = 0) -> str:
    """``1234567`` -> ``$1,234,567``; large values abbreviated: ``$1.2M`` when ``digits`` < 0."""
    if not _finite(x):
        return "–"
    sign = "-" if x < 0 else ""
    x = abs(x)
    if digits < 0:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if x >= size:
                return f"{sign}${x / size:,.1f}{suffix}"
        return f"{sign}${x:,.0f}"
    return f"{sign}${x:,.{digits}f}"


def pct(x: float, *, digits: int = 0, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.482`` -> ``48%``."""
    if not _finite(x):
        return "–"
    return f"{x * 100:{'+' if signed else ''}.{digits}f}%"


def number(x: float, *, digits: int = 0) -> str:
    """``1094.2`` -> ``1,094``."""
    if not _finite(x):
        return "–"
    return f"{x:,.{digits}f}"


def months(x: float) -> str:
    """``1`` -> ``1 month``; ``7.5`` -> ``7.5 months``."""
    if not _finite(x):
        return "–"
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    return f"{text} month" + ("" if x == 1 else "s")


def weeks(x: float) -> str:
    """``1`` -> ``1 week``; ``3`` -> ``3 weeks``."""
    if not _finite(x):
        return "–"
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    return f"{text} week" + ("" if x == 1 else "s")
