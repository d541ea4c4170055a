"""Start the kit's servers: ``python -m widgets.serve lab|apps [--port N]``.

``make start`` and ``make apps`` call this. It binds to 127.0.0.1 only, picks the next free
port (and says so) when the requested one is taken, and prints the URLs to open.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import sys
from pathlib import Path

from widgets import course

#: Default ports. Tests never use these: they ask the OS for a free port.
LAB_PORT = 8888
APPS_PORT = 8866
HOST = "127.0.0.1"
START_PAGE = "START.md"

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


def _choose_port(requested: int) -> int:
    if not 1 <= requested <= 65535:
        sys.exit(f"Port {requested} is not valid: use a number between 1024 and 65535.")
    port = free_port(requested)
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


def lab_command(port: int, token: str, root: Path | None = None) -> list[str]:
    """The JupyterLab command ``make start`` runs (and writes this venv's lab overrides).

    ``root`` serves another copy of the course (the browser tests use a scratch copy, so
    JupyterLab's autosave never writes into the checkout).
    """
    _write_lab_overrides()
    root = root or course.root()
    return [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        f"--ServerApp.ip={HOST}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        f"--LabApp.default_url=/lab/tree/{START_PAGE}",
        # keep build metadata out of a learner's file browser
        "--ContentsManager.hide_globs=['__pycache__', '*.pyc', '*.egg-info', '.DS_Store', '*~']",
        # Containers and CI machines often run as root; Jupyter refuses that unless told.
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    ]


def apps_command(port: int) -> list[str]:
    root = course.root()
    # voila.json in the course root configures the server (voila reads it from the cwd).
    return [sys.executable, "-m", "voila", str(root / course.APPS), "--no-browser",
            f"--port={port}", f"--Voila.ip={HOST}", "--Voila.port_retries=0"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.serve")
    parser.add_argument("what", choices=["lab", "apps"])
    parser.add_argument("--port", type=int)
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
              f"  Apps in the same server:         {base}/voila/render/{course.APPS}/"
              f"gallery.ipynb?token={token}\n"
              f"Stop with Ctrl-C.\n", flush=True)
    else:
        port = _choose_port(args.port or APPS_PORT)
        cmd = apps_command(port)
        print(f"\nGenAI Traps apps (Voilà): http://{HOST}:{port}/\nStop with Ctrl-C.\n",
              flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
