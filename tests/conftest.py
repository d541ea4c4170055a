"""Shared fixtures: the course root, a Voilà server on a free port, and system Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from widgets import course
from widgets.check import CHROMIUM_ARGS, find_chromium
from widgets.serve import VoilaServer

ROOT = course.root()
ARTIFACTS = ROOT / "test-results"


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


@pytest.fixture(scope="session")
def voila_apps(tmp_path_factory) -> Iterator[VoilaServer]:
    """Voilà serving ``apps/`` exactly as ``make apps`` does (same voila.json)."""
    with VoilaServer(ROOT / course.APPS,
                     log=tmp_path_factory.mktemp("voila") / "apps.log") as server:
        yield server


@pytest.fixture(scope="session")
def voila_course(tmp_path_factory) -> Iterator[VoilaServer]:
    """Voilà serving the whole course folder, to render lessons.

    Preheating is off: with the course root as its folder, Voilà would start a kernel for
    every notebook below it (including those inside .venv) before serving a page.
    """
    with VoilaServer(ROOT, extra=["--VoilaConfiguration.preheat_kernel=False"],
                     log=tmp_path_factory.mktemp("voila") / "course.log") as server:
        yield server


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
