"""make start's server in a browser: lesson 00 opens in JupyterLab and its tool responds."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import set_text
from widgets import course, serve

pytestmark = pytest.mark.browser

LESSON = "lessons/00-why-genai-projects-fail.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port, token = serve.free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("lab-home")  # a first-run user: no workspace, no settings
    log = home / "lab.log"
    env = {**os.environ, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    with open(log, "w") as out:
        proc = subprocess.Popen(serve.lab_command(port, token), cwd=course.root(), stdout=out,
                                stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    pytest.fail(f"JupyterLab exited:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield base, token
        proc.terminate()
        proc.wait(timeout=30)


def test_start_page_and_lesson_00_tool_responds(page: Page, lab):
    base, token = lab
    page.goto(f"{base}/lab/tree/START.md?token={token}")
    # START.md opens rendered (Markdown Preview), not as source text
    expect(page.locator(".jp-RenderedMarkdown h1", has_text="course start page")).to_be_visible(
        timeout=60_000)

    # When the machine is slow, JupyterLab may ask which kernel to start (its default
    # already chosen): a learner presses Select, and so does the test, whenever it appears.
    page.add_locator_handler(
        page.locator(".jp-Dialog", has_text="Select Kernel"),
        lambda dialog: dialog.get_by_role("button", name="Select", exact=True).click())
    page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
    expect(page.locator(".jp-Notebook")).to_be_visible(timeout=60_000)
    # "Run All" before the kernel is up is silently dropped on a busy machine: wait for it.
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    expect(idle).to_be_visible(timeout=120_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    result = page.locator(".kit-n-per-arm").first
    expect(result).to_have_text("1,094", timeout=180_000)
    expect(page.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    set_text(page, "Target rate", "85")
    expect(result).to_have_text("250", timeout=30_000)
