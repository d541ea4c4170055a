"""Voilà apps in a real browser: time to interactive, interaction latency and kernel memory.

Every notebook in apps/ is measured against a one-slider Voilà notebook
(benchmarks/fixtures/minimal-slider.ipynb) served by the same server in the same run, so the
ratio says what the kit adds over the least Voilà can do.

- Time to interactive: from navigation until the page is drawn (the first input is visible
  and the results have stopped changing), plus the time the first change made to that input
  takes until its result is drawn (for a Markdown page: until its title is visible), all on
  the page's own clock. Two figures: until the change is wholly drawn (charts included), and
  until the app first responds to it, the moment the text of its results changes (the apps
  send their headline numbers before they draw a chart, which takes most of a change's time
  and which the baseline has none of). The benchmark's own waits (the 400 ms of quiet that
  tell the results are still, the focus and typing before the key) are not counted: counted,
  they add the same second or so to the baseline and to every app, and make the ratio look
  closer to 1 than it is. Visibility is timed in the page, frame by frame: Playwright's
  waits poll with pauses of up to 500 ms, which scattered the baseline's samples over half a
  second. Measured on a server without preheated kernels (cold: the kernel starts and runs
  the notebook while the viewer waits) and on one configured like ``make apps`` (preheated).
  Target: <= 1.15x the baseline, for time to interactive as issue 6 defines it (navigation
  until the first widget is visible and responds): the first-response figure. The wholly-drawn
  figure is stricter and printed beside it. Two ratios: of the medians, and paired, the median
  of each round's ratio to the baseline loaded in that round. Pages are loaded in rounds (each
  notebook once per round), so a load that comes and goes on a shared machine slows the
  baseline and the apps of the same round alike; the paired ratio cancels it, where the ratio
  of the medians can pair an app's slow round with the baseline's quiet one.
  A preheated pool refills ``fill_delay`` seconds after a viewer takes its kernel
  (voila.json), so every preheated page is opened once the pool is full again.
- Interaction latency: from the key that commits a change (Enter, or an arrow on a slider)
  until the kernel has answered every message the key sent and the results, whose text must
  have changed, have finished redrawing (their last change before 400 ms of quiet). Also
  reported: until the results finished redrawing alone, which is shorter when the kernel goes
  on to redraw something that comes out the same. Target: median <= 250 ms. The changes go
  back and forth between two values, and the apps keep the charts they drew
  (``widgets.style.cached_chart``), so the target figure is measured on a server with that
  cache off: every change is drawn, as when a person tries a value for the first time. The
  latency as served, where a value put back is not drawn again, is printed too.
- Memory: resident memory (RSS) of each viewer's kernel once the page is interactive (target
  <= 160 MiB), and the memory it holds alone (USS): kernels are forked from the kit's
  template (widgets/forked_kernels.py) and share its pages, so USS is what one more viewer
  costs; also USS after the latency run's 30 changes, every one drawn. And the Voilà server
  and the template, which are paid once.

Usage: python benchmarks/bench_voila.py [--runs 10] [--changes 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
from dataclasses import dataclass

import psutil
from _common import (
    BASELINE,
    ChangeTime,
    change_and_time,
    chromium,
    first_input_change,
    is_app,
    kernel_of,
    kernels,
    machine,
    paired_ratio,
    pct,
    peak_rss_mib,
    print_machine,
    results_settled_at,
    rss_mib,
    save,
    served_notebooks,
    summary,
    uss_mib,
    visible_at,
    wait_until_settled,
    watch_kernel,
)
from playwright.sync_api import Error as PlaywrightError

from widgets.style import CHARTS_KEPT_ENV

VIEWPORT = {"width": 1280, "height": 800}
# Culling closed pages quickly keeps the number of kernels, and so the load, steady between runs.
FAST_CULL = ["--MappingKernelManager.cull_idle_timeout=10",
             "--MappingKernelManager.cull_interval=2"]
COLD = ["--VoilaConfiguration.preheat_kernel=False", *FAST_CULL]
PREHEATED = FAST_CULL  # pool size and everything else from voila.json


@dataclass(frozen=True)
class Interactive:
    """Seconds on the page's own clock, from navigation, until the first change was wholly
    drawn (done) and until the app first responded to it (responded)."""

    done: float
    responded: float


def open_until_interactive(browser, url: str, name: str):
    """Open ``url`` in a fresh browser context; return (Interactive, context, page)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    watch_kernel(page)
    page.goto(url, wait_until="commit", timeout=60_000)
    if not is_app(name):
        visible = visible_at(page, ".jp-RenderedMarkdown h1")
        return Interactive(visible, visible), context, page
    visible = visible_at(page, ".kit-app .kit-input")
    # The page is drawn when the input is visible and the results have stopped changing; the
    # quiet wait that tells so, and the harness's own steps before the key, are not the page's.
    drawn = max(visible, results_settled_at(page) or visible)
    change = change_and_time(page, first_input_change(page), 0, timeout=300)
    return (Interactive(drawn + change.done / 1000, drawn + change.first / 1000),
            context, page)


def measure_tti(browser, server, names, runs: int, *, preheated: bool) -> dict:
    times: dict[str, list[float]] = {n: [] for n in names}
    responded: dict[str, list[float]] = {n: [] for n in names}
    memory: dict[str, list[dict]] = {n: [] for n in names}
    for _ in range(runs):
        for name in names:  # interleaved, so load changes hit every notebook alike
            if preheated:
                wait_until_settled(server, len(names), refill=True)
            before = {k.pid for k in kernels(server.proc.pid)}
            seconds, context, _page = open_until_interactive(browser, server.url(name), name)
            times[name].append(seconds.done)
            responded[name].append(seconds.responded)
            if not preheated:  # the new kernel is this viewer's
                for k in kernels(server.proc.pid):
                    if k.pid not in before:
                        memory[name].append({"rss_mib": rss_mib(k), "uss_mib": uss_mib(k),
                                             "peak_mib": peak_rss_mib(k)})
            context.close()
    return {"times_s": times, "responded_s": responded, "kernel_memory": memory}


def measure_latency(browser, server, names, changes: int,
                    used: dict[str, dict]) -> dict[str, list[ChangeTime]]:
    """Time ``changes`` changes per app; put each app kernel's memory after them in ``used``."""
    out = {}
    for name in [n for n in names if is_app(n)]:
        wait_until_settled(server, len(names), refill=True)
        _s, context, page = open_until_interactive(browser, server.url(name), name)
        # planned from where the change timing the page load left the input
        how = first_input_change(page)
        out[name] = []
        for step in range(changes):
            try:
                out[name].append(change_and_time(page, how, step))
            except PlaywrightError as error:
                # one lost change must not cost the other apps' figures: say it, go on
                print(f"{name}: change {step + 1} ({how[0]}) was not measured: {error}")
                break
        kernel = kernel_of(page, server.proc.pid)
        if kernel is not None:
            used[name] = {"rss_mib": rss_mib(kernel), "uss_mib": uss_mib(kernel)}
        context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    # Ten rounds: with five, the preheated ratios moved by 0.1 from one run to the next (stop 17).
    parser.add_argument("--runs", type=int, default=10, help="page loads per notebook and mode")
    parser.add_argument("--changes", type=int, default=30, help="changes timed per app")
    args = parser.parse_args()
    info = machine()
    print_machine(info)
    figures: dict = {"machine": info, "runs": args.runs, "changes": args.changes}

    with chromium() as browser:
        with served_notebooks(extra=COLD) as (server, names):
            server_start = rss_mib_of(server)
            cold = measure_tti(browser, server, names, args.runs, preheated=False)
            figures["server_rss_mib"] = {"start": server_start, "after_cold": rss_mib_of(server)}
        with served_notebooks(extra=PREHEATED) as (server, names):
            wait_until_settled(server, len(names))
            pool = kernels(server.proc.pid)
            figures["preheated_idle_kernels_rss_mib"] = {
                "pool": [rss_mib(k) for k in pool], "pool_uss": [uss_mib(k) for k in pool]}
            warm = measure_tti(browser, server, names, args.runs, preheated=True)
            served = measure_latency(browser, server, names, args.changes, {})
            figures["server_rss_mib"]["after_preheated"] = rss_mib_of(server)
            figures["template_mib"] = template_memory(server)
        # Memory after use from the run that draws every change: the most a kernel's redraws
        # leave behind (the cache itself holds at most CHARTS_KEPT drawings per chart).
        no_cache = {**os.environ, CHARTS_KEPT_ENV: "0"}
        used: dict[str, dict] = {}
        with served_notebooks(extra=PREHEATED, env=no_cache) as (server, names):
            latency = measure_latency(browser, server, names, args.changes, used)
        figures["kernel_memory_after_use_mib"] = used

    figures["time_to_interactive"] = _print_tti(
        cold["times_s"], warm["times_s"], args.runs,
        "until the first change is wholly drawn, charts included",
        "stricter than the target's definition, printed beside it")
    figures["time_to_first_response"] = _print_tti(
        cold["responded_s"], warm["responded_s"], args.runs,
        "until the app first responds to the change (its results' text changes)",
        "the target's definition: the first widget visible and responding; target <= 1.15x")

    print(f"\nInteraction latency, ms from the committing key until the kernel has answered "
          f"and the new result is drawn ({args.changes} changes, every one drawn: chart cache "
          "off; target median <= 250 ms); 'shown': until the results alone finished "
          "redrawing; 'first response': until their text first changed")
    figures["latency_ms"], figures["latency_shown_ms"] = _print_latency(latency, args.changes)
    print(f"\nThe same as served: the {args.changes} changes go back and forth between two "
          "values, and a value put back is not drawn again")
    figures["latency_served_ms"], _ = _print_latency(served, args.changes)

    print("\nMemory of one viewer's kernel once interactive, MiB (target <= 160 MiB RSS); "
          "its own (USS), and its own after the latency run's changes, every one drawn")
    figures["kernel_memory_mib"] = {}
    for name, samples in cold["kernel_memory"].items():
        if not samples:
            continue
        rss = statistics.median(s["rss_mib"] for s in samples)
        own = statistics.median(s["uss_mib"] for s in samples)
        peak = max(s["peak_mib"] for s in samples)
        after = used.get(name, {}).get("uss_mib")
        figures["kernel_memory_mib"][name] = {"rss_median": rss, "uss_median": own,
                                              "peak_max": peak, "uss_after_use": after}
        print(f"{name:<26} RSS {rss:6.0f}   own {own:6.0f}   peak RSS {peak:6.0f}"
              + (f"   own after use {after:6.0f}" if after is not None else ""))
    tpl = figures["template_mib"]
    branches = ", ".join(f"{name} own {uss:.0f}"
                         for name, uss in tpl.get("branches_uss", {}).items())
    print(f"\nKernel template (paid once): RSS {tpl['rss']:.0f}, own {tpl['uss']:.0f}; "
          f"branches: {branches or 'none'}; "
          f"{tpl['supervisors']} kernel supervisors, {tpl['supervisors_uss']:.0f} MiB own in all")
    pool = figures["preheated_idle_kernels_rss_mib"]["pool"]
    srv = figures["server_rss_mib"]
    print(f"\nVoilà server RSS, MiB: {srv['start']:.0f} at start, {srv['after_cold']:.0f} after "
          f"the cold runs, {srv['after_preheated']:.0f} after the preheated runs")
    print(f"preheated pool: {len(pool)} kernels holding {sum(pool):.0f} MiB while idle")
    save("voila", figures)


def _print_tti(cold: dict[str, list[float]], warm: dict[str, list[float]], runs: int,
               until: str, target: str) -> dict:
    """Print and return each notebook's time to interactive, cold and preheated, and its ratios
    to the baseline's: of the medians, and paired (the median of each round's ratio to the
    baseline loaded in the same round, which cancels a load that changes between rounds)."""
    base_cold, base_warm = statistics.median(cold[BASELINE]), statistics.median(warm[BASELINE])
    print(f"\nTime to interactive, {until}; seconds: median of {runs} [min-max]; "
          f"ratio to the one-slider baseline ({target}): of the medians, and paired")
    print(f"{'notebook':<26}{'cold':>20}{'preheated':>20}{'ratio cold':>12}{'ratio warm':>12}"
          f"{'paired cold':>13}{'paired warm':>13}")
    per_app = {}
    for name in cold:
        c, w = cold[name], warm[name]
        row = per_app[name] = {"cold": summary(c), "preheated": summary(w),
                               "samples_cold": c, "samples_preheated": w,
                               "ratio_cold": statistics.median(c) / base_cold,
                               "ratio_preheated": statistics.median(w) / base_warm,
                               "ratio_cold_paired": paired_ratio(c, cold[BASELINE]),
                               "ratio_preheated_paired": paired_ratio(w, warm[BASELINE])}
        label = name if is_app(name) else f"{name} (page: visible)"
        print(f"{label:<26}{_span(c):>20}{_span(w):>20}"
              f"{row['ratio_cold']:>11.2f}x{row['ratio_preheated']:>11.2f}x"
              f"{row['ratio_cold_paired']:>12.2f}x{row['ratio_preheated_paired']:>12.2f}x")
    return per_app


def _print_latency(latency: dict[str, list[ChangeTime]], changes: int) -> tuple[dict, dict]:
    """Print each app's latency; return the summaries until done and until shown."""
    done, shown_all = {}, {}
    for name, times in latency.items():
        if not times:
            print(f"{name:<26} no change measured (see above)")
            continue
        ms, shown = [t.done for t in times], [t.shown for t in times]
        first = [t.first for t in times]
        done[name], shown_all[name] = summary(ms), summary(shown)
        print(f"{name:<26} median {statistics.median(ms):7.0f}   p95 {pct(ms, 0.95):7.0f}   "
              f"max {max(ms):7.0f}   shown: median {statistics.median(shown):7.0f}   "
              f"first response: median {statistics.median(first):5.0f}"
              + (f"   ({len(ms)} of {changes} changes)" if len(ms) < changes else ""))
    return done, shown_all


def template_memory(server) -> dict:
    """RSS and own memory of the kernel template, the own memory of each of its branches, and
    the own memory of the small supervisor process each forked kernel has (zeros when kernels
    are not forked)."""
    tree = psutil.Process(server.proc.pid).children(recursive=True)
    kernel_pids = {k.pid for k in kernels(server.proc.pid)}
    forks = []
    for proc in tree:
        try:
            cmdline = " ".join(proc.cmdline())
            if proc.pid not in kernel_pids and "widgets.grading.zygote" in cmdline:
                forks.append((proc, proc.parent().pid, cmdline))
        except psutil.Error:
            continue
    template = next((p for p, parent, _ in forks if parent == server.proc.pid), None)
    # A branch is the template's child with a title of its own; a supervisor shows the title
    # of the template or branch it was forked from, under that one.
    branches = {cmdline.rsplit("--branch ", 1)[1]: proc for proc, parent, cmdline in forks
                if template and parent == template.pid and "--branch " in cmdline}
    supervisors = [p for p, _, _ in forks if p is not template and p not in branches.values()]
    return {"rss": rss_mib(template) if template else 0.0,
            "uss": uss_mib(template) if template else 0.0,
            "branches_uss": {name: uss_mib(p) for name, p in sorted(branches.items())},
            "supervisors": len(supervisors),
            "supervisors_uss": sum(uss_mib(p) for p in supervisors)}


def rss_mib_of(server) -> float:
    return rss_mib(psutil.Process(server.proc.pid))


def _span(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} [{min(values):.2f}-{max(values):.2f}]"


if __name__ == "__main__":
    main()
