"""A room opens the apps at once: 30 simulated viewers on loopback, then culling frees the memory.

Each simulated viewer is one page request, spread over the notebooks in apps/: it is the
request that makes Voilà start (or hand out) a kernel and run the notebook, which is what
the server pays for; drawing the page happens in each viewer's own browser. The server is
configured by voila.json (preheated pool, the kit's kernel manager), except for a short cull
timeout so the benchmark can show the memory coming back.

Prints whether every page rendered, the load-time distribution, the memory before, at the
peak and after culling, and the CPU time per view. Memory is the sum of proportional set sizes
over the server's process tree: kernels forked from the kit's template share its pages, and
summing their RSS would count those pages once per kernel.

Usage: python benchmarks/bench_concurrency.py [--viewers 30] [--cull 20]
"""

from __future__ import annotations

import argparse
import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html import unescape

import psutil
from _common import (
    CODE_MARKERS,
    ERROR_MARKERS,
    Sampler,
    cpu_seconds,
    is_app,
    kernels,
    machine,
    print_machine,
    save,
    served_notebooks,
    summary,
    tree_memory_mib,
    wait_until_settled,
)


def rendered(html: str, name: str) -> str:
    """'' when the page rendered as a viewer should see it, else what is wrong."""
    if is_app(name) and "application/vnd.jupyter.widget-view+json" not in html:
        return "no widget in the page"
    if not is_app(name) and "<h1" not in html:
        return "no title in the page"
    text = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<script.*?</script>", " ", html)))
    for markers in (ERROR_MARKERS, CODE_MARKERS):
        found = markers.search(text)
        if found:
            return f"shows {found.group(0)!r}"
    return ""


#: A page not complete this many seconds after its request counts as not rendered.
PAGE_DEADLINE_S = 300.0


def view(url: str, name: str, deadline_s: float = PAGE_DEADLINE_S) -> tuple[str, float, str]:
    """Request one page; return (name, seconds, '' or what is wrong with it).

    Read in pieces against a deadline for the whole page: Voilà streams a page as its cells
    run, and one whose kernel died while rendering stayed open, unfinished, for over 20
    minutes (the socket timeout alone did not end it).
    """
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            body = bytearray()
            while chunk := response.read1(1 << 16):
                body += chunk
                if time.perf_counter() - start > deadline_s:
                    raise TimeoutError(f"page not complete within {deadline_s:.0f} s")
        problem = rendered(body.decode("utf-8"), name)
    except OSError as err:  # TimeoutError included
        problem = f"request failed: {err}"
    return name, time.perf_counter() - start, problem


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=30)
    parser.add_argument("--cull", type=int, default=20, help="cull timeout for this run, s")
    args = parser.parse_args()
    info = machine()
    print_machine(info)
    interval = 5
    extra = [f"--MappingKernelManager.cull_idle_timeout={args.cull}",
             f"--MappingKernelManager.cull_interval={interval}"]
    with served_notebooks(extra=extra, with_baseline=False) as (server, names):
        settle = wait_until_settled(server, len(names))
        pool = {k.pid for k in kernels(server.proc.pid)}
        before_mib = tree_memory_mib(server.proc.pid)
        server_proc = psutil.Process(server.proc.pid)
        server_cpu = cpu_seconds(server_proc)
        print(f"\nserver ready with {len(pool)} preheated kernels ({settle:.0f} s to fill): "
              f"{before_mib:.0f} MiB")

        targets = [names[i % len(names)] for i in range(args.viewers)]
        with Sampler(server.proc.pid) as sampler, ThreadPoolExecutor(args.viewers) as pool_ex:
            start = time.perf_counter()
            results = list(pool_ex.map(lambda n: view(server.url(n), n), targets))
            burst_s = time.perf_counter() - start
        page_kernels = [k for k in kernels(server.proc.pid) if k.pid not in pool]
        cpu_total = sum(cpu_seconds(k) for k in page_kernels)
        cpu_total += cpu_seconds(server_proc) - server_cpu
        after_mib = tree_memory_mib(server.proc.pid)

        times = [t for _n, t, _p in results]
        problems = [(n, p) for n, _t, p in results if p]
        print(f"{args.viewers} viewers at once: {args.viewers - len(problems)} pages rendered, "
              f"{len(problems)} did not; all answered within {burst_s:.1f} s")
        for name, problem in problems[:10]:
            print(f"  {name}: {problem}")
        s = summary(times)
        print(f"page load, s: min {s['min']:.1f}  median {s['median']:.1f}  p90 {s['p90']:.1f}  "
              f"max {s['max']:.1f}")
        by_app = {}
        for name in names:
            ts = [t for n, t, _p in results if n == name]
            by_app[name] = summary(ts)
            print(f"  {name:<26} median {by_app[name]['median']:.1f}  max {max(ts):.1f}")
        print(f"memory (server, kernel template and kernels; PSS), MiB: {before_mib:.0f} before, "
              f"{sampler.peak_mib:.0f} at the peak, {after_mib:.0f} with the {len(page_kernels)} "
              f"page kernels still held")
        per_view = (after_mib - before_mib) / args.viewers
        print(f"memory per view: {per_view:.0f} MiB; CPU per view: "
              f"{cpu_total / args.viewers:.1f} s")

        print(f"\nViewers gone (no page connected); culling after {args.cull} s idle, "
              f"checked every {interval} s ...")
        released = time.perf_counter()
        deadline = released + args.cull + 10 * interval + 120
        while time.perf_counter() < deadline:
            if len(kernels(server.proc.pid)) <= len(pool):  # only the (refilled) pools left
                break
            time.sleep(1)
        freed_s = time.perf_counter() - released
        culled_mib = tree_memory_mib(server.proc.pid)
        left = len(kernels(server.proc.pid))
        print(f"after {freed_s:.0f} s: {left} kernels left (the pool), {culled_mib:.0f} MiB "
              f"({after_mib - culled_mib:.0f} MiB returned)")

    save("concurrency", {
        "machine": info, "viewers": args.viewers, "cull_timeout_s": args.cull,
        "cull_interval_s": interval, "notebooks": names,
        "rendered": args.viewers - len(problems), "problems": problems,
        "load_s": s, "load_s_by_notebook": by_app, "burst_s": burst_s,
        "memory_mib": {"before": before_mib, "peak": sampler.peak_mib,
                       "after_burst": after_mib, "after_culling": culled_mib},
        "memory_per_view_mib": per_view, "cpu_s_per_view": cpu_total / args.viewers,
        "kernels_after_culling": left, "culling_took_s": freed_s,
    })


if __name__ == "__main__":
    main()
