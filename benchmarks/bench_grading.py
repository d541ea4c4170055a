"""Grading speed: the kit's runner against plain ``nbgrader autograde`` and the execution floor.

One run, the same 30 synthetic submissions (``make demo-class``'s class), three ways:

- **floor**: simply execute each readable notebook once with nbclient, serially (kernel start
  plus the notebook's own work, no grading at all);
- **nbgrader**: ``nbgrader autograde <assignment>`` through its normal CLI (all students,
  serial), in a fresh copy of the course;
- **runner**: ``python -m widgets.grading <assignment> --no-feedback`` through its CLI, in
  another fresh copy (parallel workers, sandboxed kernels, reports).

Targets (issue 5): runner at least 2.5x faster than nbgrader autograde, and at most 1.3x the
floor. Prints per-submission seconds, the ratios and where the runner's time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _common import QUIET_KERNEL
from nbclient import NotebookClient

from widgets import course
from widgets.grading import demo, intake, nbgrader_setup, runner


def build_class(base: Path, assignment: str) -> Path:
    root = demo.prepare(base / "class", assignment)
    intake.collect(demo.write_class(root, assignment), assignment, root=root)
    return root


def fresh_copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("autograded", "feedback",
                                                              "reports"))
    return dest


def floor(root: Path, assignment: str, timeout: int) -> tuple[float, int]:
    """Execute every readable submitted notebook once, serially; (seconds, notebooks run)."""
    env_before = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as under nbgrader: widget cells skip work
    ran = 0
    start = time.perf_counter()
    try:
        for sub in intake.submissions(assignment, root=root):
            for path in sub.notebooks:
                if runner.check_notebook(path, 20 * 2**20):
                    continue
                nb = nbformat.read(path, as_version=4)
                with tempfile.TemporaryDirectory() as cwd:
                    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                   extra_arguments=QUIET_KERNEL,
                                   resources={"metadata": {"path": cwd}}).execute()
                ran += 1
    finally:
        if env_before is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = env_before
    return time.perf_counter() - start, ran


def nbgrader_cli(root: Path, assignment: str) -> tuple[float, int]:
    nbgrader_setup.ensure_tools_on_path()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment],
                          cwd=root, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done.returncode


def runner_cli(root: Path, assignment: str, workers: int | None) -> tuple[float, int, dict]:
    cmd = [sys.executable, "-m", "widgets.grading", assignment, "--root", str(root),
           "--no-feedback", "--no-progress"]
    if workers:
        cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    timings = {}
    timing_file = root / "reports" / assignment / "timings.json"
    if timing_file.exists():
        timings = json.loads(timing_file.read_text())
    if done.returncode:
        print(done.stdout[-2000:], done.stderr[-2000:])
    return seconds, done.returncode, timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default=course.assignments()[0])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the three measurements, interleaved, and report medians "
                             "(a shared machine is noisy)")
    args = parser.parse_args(argv)
    a = args.assignment
    cfg = nbgrader_setup.load_config()
    timeout = int(cfg.Execute.timeout)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        print(f"Building the class for {a} ...")
        source = build_class(base, a)
        n = len(intake.submissions(a, root=source))
        print(f"{n} submissions, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at start")
        rounds: list[dict] = []
        for r in range(args.rounds):
            t_floor, ran = floor(source, a, timeout)
            t_nbg, rc_nbg = nbgrader_cli(fresh_copy(source, base / f"nbgrader-{r}"), a)
            t_run, rc_run, timings = runner_cli(fresh_copy(source, base / f"runner-{r}"), a,
                                                args.workers)
            rounds.append({"floor": t_floor, "nbgrader": t_nbg, "runner": t_run,
                           "timings": timings})
            print(f"round {r + 1}: floor {t_floor:.1f} s, nbgrader {t_nbg:.1f} s "
                  f"(exit {rc_nbg}), runner {t_run:.1f} s (exit {rc_run}); load "
                  f"{os.getloadavg()[0]:.1f}")
        med = {k: statistics.median(x[k] for x in rounds) for k in ("floor", "nbgrader",
                                                                    "runner")}
        print(f"\n{'median':10}{'total s':>9}{'s/submission':>14}")
        for name in ("floor", "nbgrader", "runner"):
            print(f"{name:10}{med[name]:9.1f}{med[name] / n:14.2f}")
        print(f"\n(floor executed {ran} readable notebooks of {n})")
        print(f"nbgrader / runner = {med['nbgrader'] / med['runner']:.2f}x faster   "
              "(target >= 2.5x)")
        print(f"runner / floor    = {med['runner'] / med['floor']:.2f}x        "
              "(target <= 1.3x)")
        timings = rounds[len(rounds) // 2]["timings"]
        if timings:
            print("\nWhere the runner's time goes (s; 'workers:' lines add up both workers):")
            for k, v in timings.items():
                print(f"  {k:32}{v:7.1f}")
        print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine "
              "slows every figure)")


if __name__ == "__main__":
    main()
