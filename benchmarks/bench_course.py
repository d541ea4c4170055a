"""The whole course, run as a learner runs it: every notebook against its own floor.

For every lesson, solution and app (the notebooks the tests execute), this runs the notebook
top to bottom in a fresh kernel, and runs its floor: a notebook holding only its import
statements, so kernel start, imports and shutdown. What the kit adds is the difference.
Target: the total is at most 1.5x the total floor.

It also records what a learner costs in JupyterLab, for docs/sizing.md: the peak memory and
CPU time of each notebook's kernel, and the memory of a JupyterLab server with a lesson open.

Usage: python benchmarks/bench_course.py [--runs 3]
"""

from __future__ import annotations

import argparse
import ast
import os
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
from _common import (
    QUIET_KERNEL,
    chromium,
    cpu_seconds,
    machine,
    peak_rss_mib,
    print_machine,
    rss_mib,
    save,
)
from nbclient import NotebookClient

from tests import notebooks
from widgets import course, serve


def floor_of(nb) -> nbformat.NotebookNode:
    """A notebook with only the top-level imports of ``nb``, in order."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                           for ln in cell.source.splitlines())
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines += [ast.get_source_segment(source, node) for node in tree.body
                  if isinstance(node, (ast.Import, ast.ImportFrom))]
    floor = nbformat.v4.new_notebook(metadata=nb.metadata)
    floor.cells = [nbformat.v4.new_code_cell("\n".join(lines) or "pass")]
    return floor


class KernelWatch:
    """Follows the kernels this process starts: peak memory and CPU time of each."""

    def __init__(self):
        self.peak_mib = 0.0
        self.cpu_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for child in psutil.Process().children(recursive=True):
                try:
                    if "ipykernel_launcher" not in " ".join(child.cmdline()):
                        continue
                except psutil.Error:
                    continue
                self.peak_mib = max(self.peak_mib, peak_rss_mib(child))
                self.cpu_s = max(self.cpu_s, cpu_seconds(child))
            self._stop.wait(0.1)

    def __enter__(self) -> KernelWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run(nb, folder: Path) -> dict:
    """Execute a copy of ``nb`` in ``folder``; wall time, kernel peak memory and CPU."""
    nb = nbformat.from_dict(nb)
    with KernelWatch() as watch:
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", extra_arguments=QUIET_KERNEL,
                       resources={"metadata": {"path": str(folder)}}).execute()
        seconds = time.perf_counter() - start
    return {"s": seconds, "kernel_peak_mib": watch.peak_mib, "kernel_cpu_s": watch.cpu_s}


def lab_server_memory() -> dict:
    """RSS of a JupyterLab server (make start) with lesson 00 open in Chromium."""
    port, token = serve.free_port(), secrets.token_hex(16)
    home = Path(tempfile.mkdtemp(prefix="kit-bench-lab-"))
    env = serve.server_env({**os.environ, "HOME": str(home),
                            "JUPYTER_RUNTIME_DIR": str(home / "runtime")})
    with open(home / "lab.log", "w") as log:
        proc = subprocess.Popen(serve.lab_command(port, token), cwd=course.root(), env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        idle = rss_mib(psutil.Process(proc.pid))
        lesson = notebooks.rel(notebooks.lessons()[0])
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/lab/tree/{lesson}?token={token}", timeout=180_000)
            page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=180_000)
            page.wait_for_timeout(3000)
            server = psutil.Process(proc.pid)
            with_lesson = rss_mib(server)
            kernel = sum(rss_mib(k) for k in server.children(recursive=True))
        return {"idle_mib": idle, "with_lesson_open_mib": with_lesson,
                "idle_kernel_mib": kernel, "lesson": lesson}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    info = machine()
    print_machine(info)
    paths = notebooks.executable()
    rows: dict[str, dict] = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        samples = {"full": [], "floor": []}
        for i in range(args.runs):
            # interleaved, and each goes first half the time: load changes and warm file
            # caches then favour neither
            order = ("floor", "full") if i % 2 == 0 else ("full", "floor")
            for kind in order:
                samples[kind].append(run(floor_of(nb) if kind == "floor" else nb, path.parent))
        rows[notebooks.rel(path)] = {
            kind: {"s": statistics.median(r["s"] for r in runs),
                   "kernel_peak_mib": max(r["kernel_peak_mib"] for r in runs),
                   "kernel_cpu_s": statistics.median(r["kernel_cpu_s"] for r in runs)}
            for kind, runs in samples.items()}

    print(f"\nEvery notebook, median of {args.runs} runs in a fresh kernel "
          "(floor: kernel start + the notebook's imports)")
    print("wall: seconds the learner waits; CPU: the kernel's CPU seconds, which other work on "
          "the machine disturbs far less")
    print(f"{'notebook':<50}{'wall s':>7}{'floor':>7}{'ratio':>7}"
          f"{'CPU s':>7}{'floor':>7}{'ratio':>7}{'peak MiB':>9}")
    for name, row in rows.items():
        full, floor = row["full"], row["floor"]
        print(f"{name:<50}{full['s']:7.1f}{floor['s']:7.1f}{full['s'] / floor['s']:6.2f}x"
              f"{full['kernel_cpu_s']:7.1f}{floor['kernel_cpu_s']:7.1f}"
              f"{full['kernel_cpu_s'] / floor['kernel_cpu_s']:6.2f}x"
              f"{full['kernel_peak_mib']:9.0f}")
    total = sum(r["full"]["s"] for r in rows.values())
    total_floor = sum(r["floor"]["s"] for r in rows.values())
    cpu = sum(r["full"]["kernel_cpu_s"] for r in rows.values())
    cpu_floor = sum(r["floor"]["kernel_cpu_s"] for r in rows.values())
    print(f"{'total':<50}{total:7.1f}{total_floor:7.1f}{total / total_floor:6.2f}x"
          f"{cpu:7.1f}{cpu_floor:7.1f}{cpu / cpu_floor:6.2f}x   (target <= 1.5x)")

    lab = lab_server_memory()
    print(f"\nJupyterLab server (make start): {lab['idle_mib']:.0f} MiB idle, "
          f"{lab['with_lesson_open_mib']:.0f} MiB with {lab['lesson']} open "
          f"(its idle kernel: {lab['idle_kernel_mib']:.0f} MiB)")
    save("course", {"machine": info, "runs": args.runs, "notebooks": rows,
                    "total_s": total, "total_floor_s": total_floor,
                    "ratio": total / total_floor, "total_cpu_s": cpu,
                    "total_floor_cpu_s": cpu_floor, "cpu_ratio": cpu / cpu_floor,
                    "jupyterlab": lab})


if __name__ == "__main__":
    main()
