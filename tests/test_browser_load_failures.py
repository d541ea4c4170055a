"""What a viewer sees when a page cannot finish loading (the kit's Voilà template).

Voilà with tracebacks hidden tells the viewer to rerun the server with other flags, and a
kernel that dies before it answers leaves the page loading for ever (voila#1311). The kit's
template replaces the first with one plain sentence and watches for the second. Each case is
a real notebook served with the committed voila.json: a kernel that dies, a cell that raises,
and a cell that runs past the executor's timeout, which is silent long enough to trip the
watchdog first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import ERROR_MARKERS
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser

#: The executor's per-cell timeout on this server, seconds; the watchdog fires well before it.
CELL_TIMEOUT_S = 15
#: The watchdog's threshold in these tests, seconds (90 on a real page).
STALL_S = 2
#: Voilà's instructions for whoever runs the server, which a viewer must never get.
SERVER_INSTRUCTIONS = re.compile(r"Please run Voil|exception occurred at the server|--show_"
                                 r"tracebacks|interrupt_on_timeout")
STOPPED = "This app stopped while it was loading. Reload the page to start it again."
TOO_LONG = "This app took too long to load, so the server stopped it."
NOTEBOOKS = {
    "dies.ipynb": ["print('before')", "import os\nos._exit(1)", "print('after')"],
    "raises.ipynb": ["print('before')", "raise ValueError('secret detail')"],
    "silent.ipynb": ["print('before')", "import time\ntime.sleep(600)"],
}


@pytest.fixture(scope="module")
def failing(tmp_path_factory) -> Iterator[VoilaServer]:
    """Voilà serving notebooks that fail, without preheating (the path of voila#1311)."""
    folder = tmp_path_factory.mktemp("failing")
    for name, sources in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, folder / name)
    with VoilaServer(folder, extra=["--VoilaConfiguration.preheat_kernel=False",
                                    f"--VoilaExecutor.timeout={CELL_TIMEOUT_S}"],
                     log=tmp_path_factory.mktemp("voila") / "failing.log") as server:
        yield server


def _open(page: Page, server: VoilaServer, name: str) -> None:
    page.add_init_script(f"window.kitStallSeconds = {STALL_S}")
    page.goto(server.url(name), wait_until="commit")


def _shows_only_the_plain_message(page: Page, message: str, artifacts: Path, name: str) -> None:
    failure = page.locator(".kit-load-failure")
    expect(failure).to_have_count(1, timeout=60_000)
    expect(failure).to_contain_text(message)
    expect(failure).to_have_attribute("role", "alert")
    expect(page.locator("#loading")).to_have_count(0)  # the page finished; no spinner
    text = page.inner_text("body")
    assert not SERVER_INSTRUCTIONS.search(text), text
    assert not ERROR_MARKERS.search(text), text
    assert "secret detail" not in text
    page.screenshot(path=str(artifacts / f"load-failure-{name}.png"))


@pytest.mark.parametrize("name", ["dies.ipynb", "raises.ipynb"])
def test_a_failed_load_says_what_to_do_once_in_plain_words(page: Page, failing, artifacts, name):
    _open(page, failing, name)
    _shows_only_the_plain_message(page, STOPPED, artifacts, name)


def test_a_silent_page_says_to_reload_then_shows_the_timeout_in_plain_words(
        page: Page, failing, artifacts):
    _open(page, failing, "silent.ipynb")
    loading = page.locator("#loading_text")
    expect(loading).to_contain_text("no answer from the server for over 2 seconds",
                                    timeout=(CELL_TIMEOUT_S - 5) * 1000)
    expect(loading).to_have_attribute("role", "alert")
    # the executor's timeout ends the page; its own words are replaced too
    _shows_only_the_plain_message(page, TOO_LONG, artifacts, "silent.ipynb")


def test_a_page_that_loads_never_shows_the_stall_message(page: Page, voila_apps):
    page.add_init_script(f"window.kitStallSeconds = {STALL_S}")
    page.goto(voila_apps.url("pilot-designer.ipynb"))
    expect(page.locator(".kit-app .kit-input").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(STALL_S * 1000 + 1500)  # past the threshold, with the app idle
    assert "no answer from the server" not in page.inner_text("body")
