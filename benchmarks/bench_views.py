"""View update latency: from an input change to the refreshed result, in-process.

Baseline: a bare ipywidgets slider whose observer writes one HTML value, measured in the same
run. Target (issue 4): median at most 150 ms per update for every tool at default inputs.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import platform
import statistics
import time

import ipywidgets as W

import widgets
from widgets import style
from widgets.ui import Field, NumberField

REPEATS = 30


def tools() -> list[str]:
    """Every tool package whose build_app() runs with its defaults."""
    found = []
    for m in pkgutil.iter_modules(widgets.__path__):
        if not m.ispkg:
            continue
        module = importlib.import_module(f"widgets.{m.name}")
        build = getattr(module, "build_app", None)
        if build and all(p.default is not p.empty or p.kind is p.VAR_KEYWORD
                         for p in inspect.signature(build).parameters.values()):
            found.append(m.name)
    return sorted(found)


def _time_changes(set_value, values) -> list[float]:
    out = []
    for i in range(REPEATS):
        start = time.perf_counter()
        set_value(values[i % len(values)])
        out.append((time.perf_counter() - start) * 1000)
    return out


def baseline() -> list[float]:
    slider, html = W.IntSlider(), W.HTML()
    slider.observe(lambda ch: setattr(html, "value", f"<b>{ch['new']}</b>"), "value")
    return _time_changes(lambda v: setattr(slider, "value", v), [1, 2])


def tool(name: str) -> list[float]:
    app = importlib.import_module(f"widgets.{name}").build_app()
    # An app that composes tools (the failure explorer) is timed through its first tool.
    while not hasattr(app, "fields"):
        app = next(c for c in app.children if hasattr(c, "fields") or hasattr(c, "children"))
    field = next(f for f in app.fields.values() if isinstance(f, Field))
    if isinstance(field, NumberField):
        a, b = field.value, field.value * 1.1 if field.value else 1
        values = [field._format(a), field._format(b)]
        return _time_changes(lambda v: setattr(field.control, "value", v), values)
    if isinstance(field.control, W.Dropdown):  # choices: move to another option and back
        i = field.control.index
        return _time_changes(lambda v: setattr(field.control, "index", v), [1 - min(i, 1), i])
    if isinstance(field.control, W.Checkbox):
        a = field.control.value
        return _time_changes(lambda v: setattr(field.control, "value", v), [not a, a])
    a = field.control.value
    b = field.control.min if a != field.control.min else field.control.max
    return _time_changes(lambda v: setattr(field.control, "value", v), [b, a])


def main() -> None:
    # The changes go back and forth between two values, and a chart function keeps what it
    # drew: with the cache on, all but the first two changes would cost no drawing.
    style.CHARTS_KEPT = 0
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, repeats={REPEATS}; every change drawn (chart cache off)")
    base = statistics.median(baseline())
    print(f"{'baseline (bare slider -> HTML)':<34} median {base:8.2f} ms")
    for name in tools():
        times = tool(name)
        med = statistics.median(times)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(f"{'tool ' + name:<34} median {med:8.2f} ms  p95 {p95:8.2f} ms  "
              f"ratio to baseline {med / base:8.1f}x  (target median <= 150 ms)")


if __name__ == "__main__":
    main()
