"""Boundary checks shared by every model function.

Model functions call these on their inputs. A bad value raises ``InputError`` (a ``ValueError``)
or ``InputTypeError`` (a ``TypeError``) whose message names the field and the allowed range, and
whose ``field`` attribute lets a view show the message beside the right input.
No ipywidgets here: models stay pure.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "InputError", "InputTypeError", "choice", "format_number", "fraction", "integer", "number",
    "positive", "text", "values",
]


class InputError(ValueError):
    """A value outside what the model accepts. ``field`` is the parameter name."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class InputTypeError(TypeError):
    """A value of the wrong type. ``field`` is the parameter name."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def format_number(x: float | None) -> str:
    """``10000000`` -> ``10,000,000``; ``0.125`` -> ``0.125``: no scientific notation."""
    if x is None:
        return ""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool,
                unit: str) -> str:
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        if lo_open or hi_open:
            left = "greater than" if lo_open else "at least"
            right = "less than" if hi_open else "at most"
            return f"{left} {format_number(lo)} and {right} {format_number(hi)}{u}"
        return f"between {format_number(lo)} and {format_number(hi)}{u}"
    if lo is not None:
        return f"{'greater than' if lo_open else 'at least'} {format_number(lo)}{u}"
    if hi is not None:
        return f"{'less than' if hi_open else 'at most'} {format_number(hi)}{u}"
    return "a finite number"


def number(value: object, field: str, *, min: float | None = None, max: float | None = None,
           min_open: bool = False, max_open: bool = False, unit: str = "") -> float:
    """Return ``value`` as a float after checking type, finiteness and range.

    ``min_open``/``max_open`` make the bound exclusive. Booleans and strings are rejected:
    a ``True`` passed as a price is a bug, not 1 dollar.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(
            field, f"{field} must be a number {_range_text(min, max, min_open, max_open, unit)}"
                   f" (got {type(value).__name__} {value!r:.40})"
        )
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise InputError(field, f"{field} must be a finite number "
                                f"{_range_text(min, max, min_open, max_open, unit)} (got {x})")
    too_low = min is not None and (x <= min if min_open else x < min)
    too_high = max is not None and (x >= max if max_open else x > max)
    if too_low or too_high:
        raise InputError(field, f"{field} must be {_range_text(min, max, min_open, max_open, unit)}"
                                f" (got {format_number(x)})")
    return x


def integer(value: object, field: str, *, min: int | None = None, max: int | None = None,
            unit: str = "") -> int:
    """Return ``value`` as an int; floats are accepted only when whole (``3.0``)."""
    x = number(value, field, min=min, max=max, unit=unit)
    if not x.is_integer():
        allowed = _range_text(min, max, False, False, unit)
        raise InputError(field, f"{field} must be a whole number {allowed} "
                                f"(got {format_number(x)})")
    return int(x)


def positive(value: object, field: str, *, max: float | None = None, unit: str = "") -> float:
    """A number strictly greater than zero."""
    return number(value, field, min=0, min_open=True, max=max, unit=unit)


def fraction(value: object, field: str, *, open_low: bool = False,
             open_high: bool = False) -> float:
    """A share between 0 and 1 (for example 0.8 for 80%)."""
    return number(value, field, min=0, max=1, min_open=open_low, max_open=open_high,
                  unit="(a fraction; 0.8 means 80%)")


def choice(value: object, field: str, options: Iterable[str]) -> str:
    """One of ``options``."""
    opts = list(options)
    if not isinstance(value, str):
        raise InputTypeError(field, f"{field} must be one of {', '.join(opts)} "
                                    f"(got {type(value).__name__})")
    if value not in opts:
        raise InputError(field, f"{field} must be one of {', '.join(opts)} (got {value!r})")
    return value


def text(value: object, field: str, *, max_length: int = 500, required: bool = True) -> str:
    """A string, stripped; empty is rejected when ``required``."""
    if not isinstance(value, str):
        raise InputTypeError(field, f"{field} must be text (got {type(value).__name__})")
    s = value.strip()
    if required and not s:
        raise InputError(field, f"{field} must not be empty")
    if len(s) > max_length:
        raise InputError(field, f"{field} must be at most {max_length} characters "
                                f"(got {len(s)})")
    return s


def values(seq: object, field: str, *, min: float | None = None, max: float | None = None,
           min_length: int = 1) -> np.ndarray:
    """A non-empty sequence of finite numbers within range, as a float array."""
    if isinstance(seq, (str, bytes)) or not isinstance(seq, (Sequence, np.ndarray)):
        raise InputTypeError(field, f"{field} must be a list of numbers "
                                    f"(got {type(seq).__name__})")
    if len(seq) < min_length:
        raise InputError(field, f"{field} must hold at least {min_length} value(s) "
                                f"(got {len(seq)})")
    out = np.empty(len(seq), dtype=float)
    for i, v in enumerate(seq):
        out[i] = number(v, f"{field}[{i}]", min=min, max=max)
    return out
