"""Cost of building each tool with its defaults: the first build in a fresh process (which also
loads its datasets and fits what it fits, once) and the builds after it, with the chart cache
off (every build draws its charts) and as served (a later build at the same defaults reuses
the charts the first drew; see ``widgets.style.cached_chart``).

Each tool is timed in its own subprocess, so one tool's caches never make another look cheap.
Baseline: building a bare ipywidgets slider and HTML pair, measured the same way.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_views import tools

from widgets.style import CHARTS_KEPT_ENV

REPEATS = 10

_PROBE = """
import importlib, json, sys, time
name = sys.argv[1]
if name == "baseline":
    import ipywidgets as W
    build = lambda: W.VBox([W.IntSlider(), W.HTML("<b>0</b>")])
else:
    build = importlib.import_module(f"widgets.{name}").build_app
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    build()
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps(times))
"""


def measure(name: str, *, cache: bool = False) -> list[float]:
    env = dict(os.environ) if cache else {**os.environ, CHARTS_KEPT_ENV: "0"}
    out = subprocess.run([sys.executable, "-c", _PROBE, name, str(REPEATS)], check=True,
                         capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"build_app() with defaults, {REPEATS} builds per fresh process (imports excluded)")
    base = measure("baseline")
    print(f"{'baseline (slider + HTML)':<28} first {base[0]:8.1f} ms  then median "
          f"{statistics.median(base[1:]):8.1f} ms")
    for name in tools():
        times, served = measure(name), measure(name, cache=True)
        print(f"{'tool ' + name:<28} first {times[0]:8.1f} ms  then median "
              f"{statistics.median(times[1:]):8.1f} ms  (as served, charts kept: "
              f"{statistics.median(served[1:]):6.1f} ms)")


if __name__ == "__main__":
    main()
