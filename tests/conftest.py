"""Shared fixtures: the course root, a Voilà server on a free port, and system Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from widgets import course
from widgets.check import find_chromium
from widgets.serve import free_port

ROOT = course.root()
ARTIFACTS = ROOT / "test-results"

#: Flags for Chromium on a machine with no display and a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


# ---------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if not path:
        # A browser test that silently skips would hide a broken app: fail with the fix.
        pytest.fail("No Chromium found for the browser tests. `make test` installs Debian's "
                    "chromium when apt-get is usable; otherwise install it or set "
                    "CHROMIUM_PATH.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    """pytest-playwright hook: launch the system Chromium, headless, offline-friendly."""
    return {**browser_type_launch_args, "executable_path": chromium_path, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800},
            "accept_downloads": True}


class VoilaServer:
    """A Voilà server started for the tests, on a free port of 127.0.0.1."""

    def __init__(self, target: Path, *, extra: list[str] | None = None, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "w")
        # Run from the course root so the committed voila.json configures the server.
        cmd = [sys.executable, "-m", "voila", str(target), "--no-browser",
               f"--port={self.port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
               *(extra or [])]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})

    def wait(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voilà exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"Voilà did not answer within {timeout}s:\n"
                           f"{self.log_path.read_text()[-3000:]}")

    def url(self, notebook: str) -> str:
        return f"{self.base}/voila/render/{notebook}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="session")
def voila_apps(tmp_path_factory) -> Iterator[VoilaServer]:
    """Voilà serving ``apps/`` exactly as ``make apps`` does (same voila.json)."""
    server = VoilaServer(ROOT / course.APPS, log=tmp_path_factory.mktemp("voila") / "apps.log")
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def voila_course(tmp_path_factory) -> Iterator[VoilaServer]:
    """Voilà serving the whole course folder, to render lessons."""
    server = VoilaServer(ROOT, log=tmp_path_factory.mktemp("voila") / "course.log")
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
