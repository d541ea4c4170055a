"""Dataset loading and generation time.

Baseline: ``pandas.read_csv(file, dtype=str)`` of the same file, measured in the same run, so
the ratio shows what the loader's checks and dtypes cost. Generation is timed as a whole run of
``datasets/generate.py`` (the three synthetic datasets and the datasheet tables).
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd

from widgets import course, data

REPEATS = 5


def _median_ms(func) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cold_load(name: str) -> None:
    data._load_cached.cache_clear()  # time the parse and checks, not the cache
    data.load(name)


def main() -> None:
    print(f"python {platform.python_version()}, pandas {pd.__version__}, "
          f"median of {REPEATS} runs")
    print(f"{'dataset':<20}{'rows':>8}{'read_csv ms':>13}{'load ms':>10}{'ratio':>8}"
          f"{'cached ms':>11}")
    for name in data.names():
        file = data.file_path(name)
        base = _median_ms(lambda f=file: pd.read_csv(f, dtype=str))
        load = _median_ms(lambda n=name: cold_load(n))
        data.load(name)
        cached = _median_ms(lambda n=name: data.load(n))
        rows = len(data.load(name))
        print(f"{name:<20}{rows:>8,}{base:>13.1f}{load:>10.1f}{load / base:>8.1f}"
              f"{cached:>11.2f}")
    script = course.path(course.DATASETS, "generate.py")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(script), "--out", out], check=True,
                       capture_output=True)
        print(f"\ndatasets/generate.py (whole run, one process): "
              f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
