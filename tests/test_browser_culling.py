"""Kernels under ``make apps``: what a page view holds, and what frees it.

Measured here rather than assumed: a preheated kernel that waited in the pool longer than the
cull timeout still serves the viewer who takes it (widgets.voila_pool), closing the tab does
not shut the kernel down, and the idle culler does. The server uses the committed voila.json
with a short cull timeout, so the test takes seconds instead of minutes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import open_app, set_text
from widgets import course
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser

CULL_AFTER_S, CHECK_EVERY_S = 8, 1
APP = "pilot-designer.ipynb"


@pytest.fixture(scope="module")
def short_cull(tmp_path_factory) -> Iterator[VoilaServer]:
    with VoilaServer(course.path(course.APPS),
                     extra=[f"--MappingKernelManager.cull_idle_timeout={CULL_AFTER_S}",
                            f"--MappingKernelManager.cull_interval={CHECK_EVERY_S}"],
                     log=tmp_path_factory.mktemp("voila") / "cull.log") as server:
        yield server


def _kernels(server: VoilaServer) -> dict[str, psutil.Process]:
    """Kernel id -> process, from the connection file on each kernel's command line."""
    found = {}
    for child in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            for arg in child.cmdline():
                if arg.endswith(".json") and "kernel-" in arg:
                    found[arg.rsplit("kernel-", 1)[1][:-len(".json")]] = child
        except psutil.Error:
            continue
    return found


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout:.0f} s")


def test_a_page_keeps_its_kernel_after_the_tab_closes_until_the_culler_frees_it(
        page: Page, short_cull):
    pools = len(course.app_notebooks())  # one preheated kernel per notebook in apps/
    _wait(lambda: len(_kernels(short_cull)) >= pools, 180, "the pools did not fill")
    # The pooled kernels now look idle for longer than the cull timeout.
    time.sleep(CULL_AFTER_S + 3 * CHECK_EVERY_S)

    open_app(page, short_cull.url(APP))
    kernel_id = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    set_text(page, "Target rate", "85")  # the kernel answers: the page is alive
    expect(page.locator(".kit-n-per-arm")).to_have_text("250", timeout=30_000)
    kernel = _kernels(short_cull)[kernel_id]

    page.close(run_before_unload=True)  # as a viewer closing the tab
    time.sleep(2 * CHECK_EVERY_S)
    assert kernel.is_running(), "closing the tab shut the kernel down (Voilà now does it?)"

    _wait(lambda: not kernel.is_running(), CULL_AFTER_S + 60, "the culler did not free it")
    # the pools are untouched: one ready kernel per notebook remains
    _wait(lambda: len(_kernels(short_cull)) == pools, 60, "the pools were not refilled")
