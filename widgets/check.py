"""Install self-check: ``python -m widgets.check`` prints what works and the fix for what not.

Options
-------
--ensure-chromium   install Debian's ``chromium`` with apt-get when no Chromium is found
                    (used by ``make test``); fails with the fix when apt-get is not usable.
--no-kernel         skip starting a kernel (faster).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

DIST = "genai-traps"
CHROMIUM_ENV = "CHROMIUM_PATH"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags for Chromium on a machine with no display and a closed network (browser tests and
#: benchmarks launch it the same way).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
    "--disable-dev-shm-usage",
]


@dataclass
class Result:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def find_chromium() -> str | None:
    """Path of a Chromium for the browser tests: ``$CHROMIUM_PATH`` or the first on PATH."""
    env = os.environ.get(CHROMIUM_ENV)
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _apt_prefix() -> list[str] | None:
    if not shutil.which("apt-get"):
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"],
                                               capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def ensure_chromium() -> int:
    """Install Debian's chromium when none is found. Returns a process exit code."""
    found = find_chromium()
    if found:
        print(f"Chromium: {found}")
        return 0
    prefix = _apt_prefix()
    if prefix is None:
        print("No Chromium found and apt-get is not usable here (needs root or passwordless "
              "sudo).\nFix: install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`) "
              f"or set {CHROMIUM_ENV}=/path/to/chromium, then run `make test` again.",
              file=sys.stderr)
        return 1
    print("No Chromium found: installing Debian's chromium package with apt-get ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        done = subprocess.run(prefix + cmd, env=env)
        if done.returncode != 0:
            print(f"`{' '.join(cmd)}` failed (exit {done.returncode}).\nFix: install Chromium by "
                  f"hand or set {CHROMIUM_ENV}.", file=sys.stderr)
            return 1
    found = find_chromium()
    print(f"Chromium: {found}" if found else "Chromium still not found after install.")
    return 0 if found else 1


def check_python() -> Result:
    ok = sys.version_info >= (3, 10)
    return Result("Python", ok, sys.version.split()[0],
                  "" if ok else "Install Python 3.10 or newer and recreate .venv (`rm -rf .venv`).")


def check_packages() -> list[Result]:
    from packaging.requirements import Requirement

    try:
        reqs = md.requires(DIST) or []
    except md.PackageNotFoundError:
        return [Result("Kit installed", False, f"{DIST} is not installed in {sys.prefix}",
                       "Run `make start` (or `.venv/bin/pip install -e .`).")]
    results = []
    for text in reqs:
        req = Requirement(text)
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            have = md.version(req.name)
        except md.PackageNotFoundError:
            results.append(Result(req.name, False, "missing",
                                  f"Run `make start` to reinstall (needs {req})."))
            continue
        ok = req.specifier.contains(have, prereleases=True)
        results.append(Result(req.name, ok, have,
                              "" if ok else f"Needs {req}; run `rm -rf .venv && make start`."))
    return results


def check_kernel() -> Result:
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
    except Exception as err:  # any failure here means "no usable kernel"
        return Result("Kernel python3", False, f"not found ({err})",
                      "Run `.venv/bin/python -m ipykernel install --sys-prefix`.")
    exe = spec.argv[0]
    if exe in ("python", "python3", "{python}"):
        exe = sys.executable
    done = subprocess.run([exe, "-c", "import ipykernel, widgets"], capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        return Result("Kernel python3", False, f"{exe} cannot import the kit",
                      "The python3 kernel points at another Python. Run `.venv/bin/python -m "
                      "ipykernel install --sys-prefix` and start Jupyter from `make start`.")
    return Result("Kernel python3", True, exe)


def check_datasets() -> list[Result]:
    from widgets import data

    out = []
    for name in data.names():
        try:
            df = data.load(name)
        except Exception as err:  # report every dataset problem, not only the first
            fix = ("Run `make datasets`." if data.spec(name).synthetic
                   else f"Restore it: `git checkout -- datasets/{name}.csv`.")
            out.append(Result(f"Dataset {name}", False, str(err).splitlines()[0], fix))
        else:
            out.append(Result(f"Dataset {name}", True, f"{len(df):,} rows"))
    return out


def check_chromium() -> Result:
    path = find_chromium()
    if not path:
        return Result("Chromium (tests only)", False, "not found",
                      "`make test` installs Debian's chromium when apt-get is usable; otherwise "
                      f"install it or set {CHROMIUM_ENV}.")
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as err:
        return Result("Chromium (tests only)", False, f"{path} does not run ({err})",
                      "Reinstall it: `apt-get install --reinstall chromium`.")
    return Result("Chromium (tests only)", True, version or path)


def run_checks(kernel: bool = True) -> list[Result]:
    results = [check_python(), *check_packages()]
    if kernel:
        results.append(check_kernel())
    results += check_datasets()
    results.append(check_chromium())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ensure-chromium", action="store_true")
    parser.add_argument("--no-kernel", action="store_true")
    args = parser.parse_args(argv)
    if args.ensure_chromium:
        return ensure_chromium()
    results = run_checks(kernel=not args.no_kernel)
    width = max(len(r.name) for r in results)
    for r in results:
        print(f"{'✓' if r.ok else '✗'} {r.name:<{width}}  {r.detail}")
        if not r.ok:
            print(f"  {'':<{width}}  fix: {r.fix}")
    # Chromium is only needed for the browser tests; it does not fail the learner's check.
    failed = [r for r in results if not r.ok and not r.name.startswith("Chromium")]
    print("\nAll checks passed." if not failed else f"\n{len(failed)} check(s) failed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
