"""Self-check for learners: is every answer filled in, and in the right form?

It never reveals a grade or a hidden test; it catches the mistakes that cost marks for no
reason (an answer left as ``None``, a percentage typed as 80 instead of 0.8, a function that
crashes, a KPI specification with a field left empty).

Answers are looked up by name in the notebook (``answer("x")``, ``call("f", ...)``), so a
deleted or broken answer cell shows up as a line of the table instead of a ``NameError``.
"""

from __future__ import annotations

import html
import inspect
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Failed:
    """What ``call`` and ``answer`` return when the learner's function raised or a name is
    missing."""

    error: BaseException


def _caller_namespace() -> dict[str, Any]:
    # Two frames up: the notebook cell that called ``answer`` or ``call``.
    frame = inspect.currentframe()
    try:
        return frame.f_back.f_back.f_globals  # type: ignore[union-attr]
    finally:
        del frame


def _lookup(name: str, namespace: Mapping[str, Any]) -> Any:
    if name in namespace:
        return namespace[name]
    return Failed(NameError(f"{name} is not defined: run its answer cell (or restore it)"))


def answer(name: str) -> Any:
    """The learner's value called ``name`` in the notebook, or ``Failed`` when it is undefined."""
    return _lookup(name, _caller_namespace())


def call(fn: Callable[..., Any] | str, *args: Any, **kwargs: Any) -> Any:
    """Call a learner's function (or the function called ``fn`` in the notebook), returning
    ``Failed`` instead of raising."""
    if isinstance(fn, str):
        fn = _lookup(fn, _caller_namespace())
        if isinstance(fn, Failed):
            return fn
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # a learner's bug is reported, not raised
        return Failed(err)


def _options(text: str) -> list[str]:
    return [o.strip().strip("\"'") for o in re.split(r",|\bor\b", text) if o.strip()]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _verdict(value: Any, expect: str) -> tuple[bool, str]:
    if isinstance(value, Failed):
        return False, f"raised {type(value.error).__name__}: {value.error}"
    if value is None or value is ...:
        return False, "not filled in yet"
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if expect.startswith("a whole number"):
        ok = real and float(value).is_integer()
        return ok, "ok" if ok else f"expected {expect}, got {value!r}"
    if expect.startswith("a fraction"):
        ok = real and 0 <= value <= 1
        return ok, "ok" if ok else f"expected {expect} (0.8 means 80%), got {value!r}"
    if expect.startswith("a number"):
        return real, "ok" if real else f"expected {expect}, got {type(value).__name__}"
    if expect.startswith("text"):
        ok = isinstance(value, str) and bool(value.strip())
        return ok, "ok" if ok else "expected some text"
    if expect.startswith("one of "):
        allowed = _options(expect[len("one of "):])
        ok = isinstance(value, str) and value.strip().lower() in [a.lower() for a in allowed]
        return ok, "ok" if ok else f"expected {expect}, got {value!r}"
    if expect.startswith("a list"):
        ok = isinstance(value, (list, tuple, set)) and len(value) > 0
        return ok, "ok" if ok else f"expected {expect}, got {type(value).__name__}"
    keys = re.match(r"a dict with (?:the )?keys? (.+)", expect)
    if keys:
        if not isinstance(value, Mapping):
            return False, f"expected a dict, got {type(value).__name__}"
        missing = [k for k in _options(keys.group(1).replace(" and ", ", "))
                   if _empty(value.get(k))]
        return not missing, "ok" if not missing else f"still empty: {', '.join(missing)}"
    return True, "ok"


def report(items: Mapping[str, tuple[Any, str]]):
    """Show a table: each answer, what it should be, and whether it is ready to hand in.

    ``items`` maps a label to ``(value, expectation)``; expectations start with "a whole
    number", "a fraction", "a number", "text", "one of a, b or c", "a list" or "a dict with
    keys a, b and c" (each key must be filled in); anything else only has to be filled in.
    """
    from IPython.display import HTML

    rows, ready = [], 0
    for label, (value, expect) in items.items():
        ok, why = _verdict(value, expect)
        ready += ok
        rows.append(f"<tr><td>{'✔' if ok else '✘'}</td><td>{html.escape(label)}</td>"
                    f"<td>{html.escape(expect)}</td><td>{html.escape(why)}</td></tr>")
    head = (f"<p><b>{ready} of {len(items)} answers ready.</b> "
            + ("Hand in when you are happy with them." if ready == len(items)
               else "Fill in the ones marked ✘ (or skip a track you are not doing).") + "</p>")
    return HTML(head + "<table><tr><th></th><th>Answer</th><th>Expected</th><th>Status</th>"
                "</tr>" + "".join(rows) + "</table>")
