"""Write docs/sizing.md from the figures the benchmarks saved in .benchmarks/.

``make bench`` runs it after the benchmarks. It applies The Littlest JupyterHub's memory
rule (The Littlest JupyterHub documentation, "Estimate Memory / CPU / Disk needed"), and the
same reasoning to cores:

    memory = concurrent users x peak memory per user + overhead
    cores  = concurrent users x cores per user + 20%

to the measured per-user peaks, for learners in JupyterLab and executives in Voilà. Every
assumption it adds is a named constant below, and is printed in the document.
"""

from __future__ import annotations

import json
import math
import sys

from _common import RESULTS_DIR, is_app

from widgets import course

OUT = course.path(course.DOCS, "sizing.md")
PARTICIPANTS = (10, 30, 100)

#: A workshop is a room working together: everyone is active at once (TLJH suggests 40-60%
#: of a class for a semester course, which does not apply to a live session).
CONCURRENCY = 1.0
#: TLJH: add 20-40% to the measured peak "for users to play around".
HEADROOM = 0.3
#: TLJH: 128 MB for the hub and its services.
HUB_OVERHEAD_MIB = 128
#: CPU for the hub and the system on top of the users' share.
CPU_OVERHEAD = 0.2
#: A learner has a lesson and an exercise notebook open, each with its kernel.
KERNELS_PER_LEARNER = 2
#: An executive holds the gallery's kernel and two apps' kernels: the app open now and the
#: one just left, which Voilà keeps until the culler frees it (docs/serving.md).
APP_KERNELS_PER_EXECUTIVE = 2
#: How long a room may wait when everyone starts at once: learners press "Run all", executives
#: open the gallery and an app. The CPU time of that burst, spread over this window, is the
#: cores each person needs at the peak.
LEARNER_BURST_S = 60
EXECUTIVE_BURST_S = 20
MIN_CORES = 2


def _load(name: str) -> dict:
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file():
        sys.exit(f"{path} is missing: run `make bench` (it runs every benchmark, then this).")
    return json.loads(path.read_text())


def _gib(mib: float) -> float:
    """MiB to GiB, rounded up to the next half GiB (what one can buy)."""
    return math.ceil(mib / 1024 * 2) / 2


def _cores(cores: float) -> int:
    return max(MIN_CORES, math.ceil(cores))


def learners(course_figures: dict) -> dict:
    runs = course_figures["notebooks"]
    lab = course_figures["jupyterlab"]
    kernel_peak = max(r["full"]["kernel_peak_mib"] for n, r in runs.items()
                      if not n.startswith(f"{course.APPS}/"))
    cpu = max(r["full"]["kernel_cpu_s"] for r in runs.values())
    per_user = lab["with_lesson_open_mib"] + KERNELS_PER_LEARNER * kernel_peak
    return {"server_mib": lab["with_lesson_open_mib"], "kernel_peak_mib": kernel_peak,
            "per_user_mib": per_user, "cpu_s": cpu,
            "cores_per_user": cpu / LEARNER_BURST_S}


def _kernel_mib(memory: dict, supervisor_mib: float) -> float:
    """What one more viewer's kernel of a notebook holds at its heaviest, MiB.

    Kernels forked from the template share its pages, so a viewer adds only the kernel's own
    memory (USS, the larger of once interactive and after use) and its supervisor's. Figures
    without USS (kernels not forked) fall back to the kernel's peak RSS.
    """
    own = [v for v in (memory.get("uss_median"), memory.get("uss_after_use")) if v]
    return max(own) + supervisor_mib if own else memory["peak_max"]


def executives(voila: dict, concurrency: dict) -> dict:
    memory = voila["kernel_memory_mib"]
    template = voila.get("template_mib", {"rss": 0.0, "supervisors": 0, "supervisors_uss": 0.0})
    supervisor = (template["supervisors_uss"] / template["supervisors"]
                  if template["supervisors"] else 0.0)
    apps = {n: m for n, m in memory.items() if n != "minimal-slider.ipynb"}
    pages = [n for n in apps if not is_app(n)]
    widget_apps = [n for n in apps if is_app(n)]
    page_mib = max((_kernel_mib(apps[n], supervisor) for n in pages), default=0.0)
    app_mib = max(_kernel_mib(apps[n], supervisor) for n in widget_apps)
    idle = voila["preheated_idle_kernels_rss_mib"]
    forked = "pool_uss" in idle and template["supervisors"]
    pool_mib = sum(idle["pool_uss"] if forked else idle["pool"])
    # the baseline notebook is in the benchmark's pool but not in make apps'
    baseline = memory.get("minimal-slider.ipynb", {})
    pool_mib -= baseline.get("uss_median" if forked else "rss_median", 0.0)
    if forked:
        pool_mib += supervisor * (len(idle["pool_uss"]) - 1)
    server_mib = voila["server_rss_mib"]["after_preheated"]
    per_user = page_mib + APP_KERNELS_PER_EXECUTIVE * app_mib
    cpu_per_view = concurrency["cpu_s_per_view"]
    return {"page_mib": page_mib, "app_mib": app_mib, "pool_mib": pool_mib,
            "server_mib": server_mib,
            # the template's pages once, and what each branch holds beyond them
            "template_mib": template["rss"] + sum(template.get("branches_uss", {}).values()),
            "per_user_mib": per_user, "cpu_s_per_view": cpu_per_view,
            "cores_per_user": 2 * cpu_per_view / EXECUTIVE_BURST_S}


def table(learner: dict, executive: dict) -> list[str]:
    rows = ["| Participants | Learners in JupyterLab: memory | cores "
            "| Executives in Voilà: memory | cores |",
            "| ---: | ---: | ---: | ---: | ---: |"]
    for n in PARTICIPANTS:
        users = math.ceil(n * CONCURRENCY)
        l_mib = users * learner["per_user_mib"] * (1 + HEADROOM) + HUB_OVERHEAD_MIB
        e_mib = (users * executive["per_user_mib"] * (1 + HEADROOM) + executive["server_mib"]
                 + executive["template_mib"] + executive["pool_mib"] + HUB_OVERHEAD_MIB)
        l_cores = users * learner["cores_per_user"] * (1 + CPU_OVERHEAD)
        e_cores = users * executive["cores_per_user"] * (1 + CPU_OVERHEAD)
        rows.append(f"| {n} | {_gib(l_mib):g} GiB | {_cores(l_cores)} "
                    f"| {_gib(e_mib):g} GiB | {_cores(e_cores)} |")
    return rows


def render(voila: dict, concurrency: dict, course_figures: dict) -> str:
    learner = learners(course_figures)
    executive = executives(voila, concurrency)
    m = voila["machine"]
    loads = sorted({tuple(f["machine"]["load_average_at_start"])
                    for f in (voila, concurrency, course_figures)})
    tti = voila["time_to_interactive"]
    lat = voila["latency_ms"]
    lines = [
        "# Sizing: memory and cores for a workshop",
        "",
        "<!-- Generated by benchmarks/sizing.py from the figures of `make bench`; "
        "do not edit by hand. -->",
        "",
        "How big a server must be to run the kit for 10, 30 or 100 participants.",
        "Learners work in JupyterLab, one server each (JupyterHub or The Littlest JupyterHub);"
        " executives open the Voilà apps from one `make apps` server.",
        "The figures are measured by `make bench`; this page is regenerated from them.",
        "",
        "## Recommendation",
        "",
        *table(learner, executive),
        "",
        "Memory is rounded up to the next half GiB and cores to a whole core, "
        f"with at least {MIN_CORES}.",
        "A mixed room needs the sum of its two columns.",
        "",
        "## How it is computed",
        "",
        "The Littlest JupyterHub's memory rule (The Littlest JupyterHub documentation, "
        "\"Estimate Memory / CPU / Disk needed\"), and the same reasoning for cores:",
        "",
        "- memory = concurrent users × peak memory per user + overhead;",
        "- cores = concurrent users × cores per user, plus 20% for the hub and the system.",
        "",
        f"- **Concurrent users:** {CONCURRENCY:.0%} of participants.",
        "  A workshop works together; the 40-60% that TLJH suggests is for a class spread "
        "over a semester.",
        f"- **Headroom:** {HEADROOM:.0%} on top of each measured peak (TLJH suggests 20-40%).",
        f"- **Overhead:** {HUB_OVERHEAD_MIB} MiB for the hub (TLJH); for executives also the "
        "Voilà server, the kernel template and the preheated kernels.",
        f"- **A learner** holds a JupyterLab server with a lesson open "
        f"({learner['server_mib']:.0f} MiB) and {KERNELS_PER_LEARNER} kernels (a lesson and an "
        f"exercise) at the heaviest notebook's peak ({learner['kernel_peak_mib']:.0f} MiB): "
        f"{learner['per_user_mib']:.0f} MiB.",
        f"- **An executive** holds the gallery's kernel ({executive['page_mib']:.0f} MiB) and "
        f"{APP_KERNELS_PER_EXECUTIVE} app kernels at the heaviest app's peak "
        f"({executive['app_mib']:.0f} MiB): the app open now and the one just left, which "
        f"Voilà keeps until the culler frees it: {executive['per_user_mib']:.0f} MiB.",
        "  Kernels are forked from one template that has imported the apps' libraries, or "
        "from one of its branches (docs/serving.md), so a kernel's figure is the memory it "
        "holds alone after use (USS) plus its supervisor process, not its RSS, which counts "
        "the pages it shares.",
        f"  The Voilà server ({executive['server_mib']:.0f} MiB), the kernel template with its "
        f"branches ({executive['template_mib']:.0f} MiB) and the preheated pool "
        f"({executive['pool_mib']:.0f} MiB) are paid once.",
        f"- **Cores** come from the CPU time of the moment everyone starts together: "
        f"a learner's heaviest \"Run all\" ({learner['cpu_s']:.1f} CPU s) within "
        f"{LEARNER_BURST_S} s, an executive's two page views "
        f"({executive['cpu_s_per_view']:.1f} CPU s each) within {EXECUTIVE_BURST_S} s.",
        "  Between those moments the kernels are idle.",
        "",
        "## Measured figures",
        "",
        "| What | Figure |",
        "| --- | --- |",
    ]
    for name, mem in voila["kernel_memory_mib"].items():
        own = ""
        if mem.get("uss_median") is not None:
            own = f", own {mem['uss_median']:.0f} MiB"
            if mem.get("uss_after_use") is not None:
                own += (f" ({mem['uss_after_use']:.0f} MiB after "
                        f"{voila.get('changes', 30)} changes)")
        lines.append(f"| Voilà kernel of `{name}` once interactive (RSS, peak RSS, own) "
                     f"| {mem['rss_median']:.0f} MiB, {mem['peak_max']:.0f} MiB{own} |")
    srv = voila["server_rss_mib"]
    lines += [
        f"| Voilà server | {srv['start']:.0f} MiB at start, "
        f"{srv['after_preheated']:.0f} MiB after the runs |",
    ]
    for name, row in tti.items():
        until = ("interactive (its first change wholly drawn)" if is_app(name)
                 else "visible (a page with no inputs)")
        lines.append(f"| Time until {until}, `{name}`, cold / preheated (median) "
                     f"| {row['cold']['median']:.2f} s / {row['preheated']['median']:.2f} s "
                     f"({row['ratio_cold']:.2f}x / {row['ratio_preheated']:.2f}x the "
                     "one-slider baseline) |")
    for name, row in voila.get("time_to_first_response", {}).items():
        if is_app(name):
            lines.append(f"| Time until the first response, `{name}`, cold / preheated (median) "
                         f"| {row['cold']['median']:.2f} s / {row['preheated']['median']:.2f} s "
                         f"({row['ratio_cold']:.2f}x / {row['ratio_preheated']:.2f}x) |")
    for name, row in lat.items():
        lines.append(f"| Interaction latency, `{name}` (median, p95) "
                     f"| {row['median']:.0f} ms, {row['p95']:.0f} ms |")
    c = concurrency
    lines += [
        f"| {c['viewers']} viewers at once: pages rendered | {c['rendered']} of {c['viewers']} |",
        f"| {c['viewers']} viewers at once: page load (median, p90, max) "
        f"| {c['load_s']['median']:.1f} s, {c['load_s']['p90']:.1f} s, "
        f"{c['load_s']['max']:.1f} s |",
        f"| {c['viewers']} viewers at once: memory before, peak, after culling "
        f"| {c['memory_mib']['before']:.0f}, {c['memory_mib']['peak']:.0f}, "
        f"{c['memory_mib']['after_culling']:.0f} MiB |",
        f"| CPU time per page view | {c['cpu_s_per_view']:.1f} s |",
        f"| JupyterLab server, idle / with a lesson open "
        f"| {course_figures['jupyterlab']['idle_mib']:.0f} MiB / "
        f"{course_figures['jupyterlab']['with_lesson_open_mib']:.0f} MiB |",
    ]
    for name, row in course_figures["notebooks"].items():
        lines.append(f"| Kernel running `{name}` (peak memory, CPU) "
                     f"| {row['full']['kernel_peak_mib']:.0f} MiB, "
                     f"{row['full']['kernel_cpu_s']:.1f} s |")
    cf = course_figures
    lines.append(f"| Whole course against the floor (kernel start + imports): wall time "
                 f"| {cf['total_s']:.0f} s against {cf['total_floor_s']:.0f} s: "
                 f"{cf['ratio']:.2f}x |")
    lines.append(f"| Whole course against the floor: kernel CPU time "
                 f"| {cf['total_cpu_s']:.1f} s against {cf['total_floor_cpu_s']:.1f} s: "
                 f"{cf['cpu_ratio']:.2f}x |")
    lines += [
        "",
        "## Where this was measured",
        "",
        f"- {m['cpu']}, {m['logical_cores']} logical cores, {m['memory_gib']} GiB, {m['os']}, "
        f"Python {m['python']}.",
        "- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"- Measured {voila['measured_at']}; load averages (1, 5, 15 min) when the benchmarks "
        "started: " + "; ".join(str(list(x)) for x in loads) + ".",
        "  A load average above the number of cores means other work shared the machine, and "
        "times (not memory) read high.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    text = render(_load("voila"), _load("concurrency"), _load("course"))
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(course.root())}")


if __name__ == "__main__":
    main()
