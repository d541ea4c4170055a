"""Self-check for learners: is every answer filled in, and in the right form?

It never reveals a grade or a hidden test; it catches the mistakes that cost marks for no
reason (an answer left as ``None``, a percentage typed as 80 instead of 0.8, a function that
crashes).
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Failed:
    """What ``call`` returns when the learner's function raised."""

    error: BaseException


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a learner's function, returning ``Failed`` instead of raising."""
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # a learner's bug is reported, not raised
        return Failed(err)


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
    return True, "ok"


def report(items: Mapping[str, tuple[Any, str]]):
    """Show a table: each answer, what it should be, and whether it is ready to hand in.

    ``items`` maps a label to ``(value, expectation)``; expectations start with "a whole
    number", "a fraction", "a number" or "text".
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
