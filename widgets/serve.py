"""Start the kit's servers: ``python -m widgets.serve lab|apps [--port N]``.

``make start`` and ``make apps`` call this. It binds to 127.0.0.1 only, picks the next free
port (and says so) when the requested one is taken, and prints the URLs to open.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from widgets import course

#: Where Voilà serves a notebook of its folder, after the server's base URL (in Voilà alone
#: and in JupyterLab's Voilà extension alike).
RENDER_PATH = "/voila/render/"

#: Default ports. Tests never use these: they ask the OS for a free port.
LAB_PORT = 8888
APPS_PORT = 8866
HOST = "127.0.0.1"
START_PAGE = "START.md"

#: The kit's Jupyter data folder: it holds the Voilà template ``TEMPLATE`` (voila.json names
#: it). Both servers find it through ``JUPYTER_PATH`` (see ``server_env``), so a fresh clone
#: needs no install step and edits to the template apply at the next server start.
JUPYTER_DATA = Path(__file__).resolve().parent / "share" / "jupyter"
TEMPLATE = "genai-traps"

# JupyterLab opens Markdown in the editor by default; the course start page and docs read
# better rendered. Written into this environment's settings overrides, not the user's.
_LAB_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}},
}


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None, host: str = HOST, tries: int = 50) -> int:
    """``preferred`` if free, else the next free port above it, else one the OS picks."""
    if preferred:
        for port in range(preferred, min(preferred + tries, 65536)):
            if port_is_free(port, host):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _choose_port(requested: int, host: str = HOST) -> int:
    if not 1 <= requested <= 65535:
        sys.exit(f"Port {requested} is not valid: use a number between 1024 and 65535.")
    port = free_port(requested, host)
    if port != requested:
        print(f"Port {requested} is in use (another server is running there). "
              f"Using the free port {port} instead; to choose one, run e.g. "
              f"`make start PORT={port + 1}`.")
    return port


def _write_lab_overrides() -> None:
    settings = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    target = settings / "overrides.json"
    current = json.loads(target.read_text()) if target.is_file() else {}
    current.update(_LAB_OVERRIDES)
    target.write_text(json.dumps(current, indent=2))


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the servers run in: ``base`` (default ``os.environ``) with the kit's
    Jupyter data folder first on ``JUPYTER_PATH``, so Voilà finds the kit's template."""
    env = dict(os.environ if base is None else base)
    rest = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep)
            if p and Path(p) != JUPYTER_DATA]
    env["JUPYTER_PATH"] = os.pathsep.join([str(JUPYTER_DATA), *rest])
    return env


def lab_command(port: int, token: str, root: Path | None = None) -> list[str]:
    """The JupyterLab command ``make start`` runs (and writes this venv's lab overrides).

    ``root`` serves another copy of the course (the browser tests use a scratch copy, so
    JupyterLab's autosave never writes into the checkout).
    """
    _write_lab_overrides()
    root = root or course.root()
    # Voilà's pages in this server read voila.json's VoilaConfiguration but not its
    # VoilaExecutor section; on a busy hub a cell's output can trail its reply as in a room.
    executor = json.loads(course.path("voila.json").read_text())["VoilaExecutor"]
    return [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        f"--ServerApp.ip={HOST}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        f"--LabApp.default_url=/lab/tree/{START_PAGE}",
        # keep build metadata out of a learner's file browser
        "--ContentsManager.hide_globs=['__pycache__', '*.pyc', '*.egg-info', '.DS_Store', '*~']",
        # Voilà pages in this server would load MathJax 2 from cdnjs (the default when these
        # settings are unset); unset, they use the MathJax 3 bundled with Voilà, as `make apps`
        # does. JupyterLab bundles its own MathJax and ignores them.
        "--ServerApp.tornado_settings={'mathjax_url': None, 'mathjax_config': None}",
        *(f"--VoilaExecutor.{name}={value}" for name, value in executor.items()),
        # Containers and CI machines often run as root; Jupyter refuses that unless told.
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    ]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def apps_command(port: int, host: str = HOST, token: str | None = None) -> list[str]:
    """The Voilà command ``make apps`` runs.

    On loopback no token is needed (only this machine can connect). Any other address
    requires ``token``: an open port would hand a kernel (memory, CPU) to anyone who finds it.
    """
    if not is_loopback(host) and not token:
        raise ValueError(f"Serving the apps on {host} needs a token (see docs/serving.md).")
    root = course.root()
    # voila.json in the course root configures the server (voila reads it from the cwd).
    return [sys.executable, "-m", "voila", str(root / course.APPS), "--no-browser",
            f"--port={port}", f"--Voila.ip={host}", "--Voila.port_retries=0",
            *([f"--Voila.token={token}"] if token else [])]


class VoilaServer:
    """Voilà on a free port of 127.0.0.1, for the browser tests and the benchmarks.

    Use it as a context manager (``with VoilaServer(...) as server:``): entering waits until
    it answers, leaving stops it.

    It runs from the course root, so the committed voila.json configures it exactly as
    ``make apps``, and in ``server_env()``, so it finds the kit's template. ``extra`` adds
    command-line settings (they override voila.json).
    """

    def __init__(self, target: Path, *, log: Path, extra: Sequence[str] = (),
                 env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = log
        self._log = open(log, "w")
        cmd = [sys.executable, "-m", "voila", str(target), "--no-browser",
               f"--port={self.port}", f"--Voila.ip={HOST}", "--Voila.port_retries=0", *extra]
        self.proc = subprocess.Popen(
            cmd, cwd=course.root(), stdout=self._log, stderr=subprocess.STDOUT,
            env=server_env({**(env if env is not None else os.environ),
                            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}))

    def wait(self, timeout: float = 90) -> VoilaServer:
        """Return once the server answers; raise with the end of its log if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voilà exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"Voilà did not answer within {timeout}s:\n"
                           f"{self.log_path.read_text()[-3000:]}")

    def url(self, notebook: str) -> str:
        return f"{self.base}{RENDER_PATH}{notebook}"

    def __enter__(self) -> VoilaServer:
        """Wait until the server answers; stop it if it never does."""
        try:
            return self.wait()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.serve")
    parser.add_argument("what", choices=["lab", "apps"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--host", default=HOST,
                        help="apps only: the address to listen on; any address other than "
                             "loopback gets a token (VOILA_TOKEN, or a random one)")
    args = parser.parse_args(argv)
    root = course.root()
    os.chdir(root)
    if args.what == "lab":
        port = _choose_port(args.port or LAB_PORT)
        token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
        cmd = lab_command(port, token)
        base = f"http://{HOST}:{port}"
        print(f"\nGenAI Traps kit\n"
              f"  JupyterLab (course start page): {base}/lab/tree/{START_PAGE}?token={token}\n"
              f"  Apps in the same server:         {base}{RENDER_PATH}{course.APPS}/"
              f"gallery.ipynb?token={token}\n"
              f"Stop with Ctrl-C.\n", flush=True)
    else:
        host = args.host
        token = None
        if not is_loopback(host):
            token = os.environ.get("VOILA_TOKEN") or secrets.token_urlsafe(18)
        port = _choose_port(args.port or APPS_PORT, host)
        cmd = apps_command(port, host, token)
        query = f"?token={token}" if token else ""
        print(f"\nGenAI Traps apps (Voilà): http://{host}:{port}{RENDER_PATH}gallery.ipynb"
              f"{query}\n", flush=True)
        if token:
            print("Anyone who has this link can open the apps (each view starts a kernel).\n"
                  "Share it only in the room; the traffic is not encrypted: see "
                  "docs/serving.md for a proxy with TLS.\n", flush=True)
        print("Stop with Ctrl-C.\n", flush=True)
    os.execve(cmd[0], cmd, server_env())
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
