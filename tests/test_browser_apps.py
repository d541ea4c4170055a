"""The apps in a real browser: headless Chromium clicks and reads what the page shows."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import assert_clean, open_app, set_text
from widgets import course

pytestmark = pytest.mark.browser


def _screenshot(page: Page, artifacts, name: str) -> None:
    shots = artifacts / "screenshots"
    shots.mkdir(exist_ok=True)
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("KIT_UPDATE_DOCS_IMG"):  # `make screenshots` refreshes the README images
        shutil.copy(path, course.path(course.DOCS, "img", f"{name}.png"))


def _number(page: Page, selector: str) -> int:
    return int(re.sub(r"[^\d]", "", page.locator(selector).first.inner_text()))


def test_pilot_designer_responds_validates_and_downloads(page: Page, voila_apps, artifacts):
    open_app(page, voila_apps.url("pilot-designer.ipynb"))
    assert_clean(page)
    assert _number(page, ".kit-n-per-arm") == 1094

    set_text(page, "Target rate", "85")
    expect(page.locator(".kit-n-per-arm")).not_to_have_text("1,094")
    assert _number(page, ".kit-n-per-arm") == 250

    set_text(page, "Contacts per week", "lots")
    message = page.locator(".kit-field-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Enter a number between 1 and 10,000,000")
    assert _number(page, ".kit-n-per-arm") == 250  # the last good result stays

    with page.expect_download() as info:
        page.get_by_text("Download summary").click()
    saved = artifacts / "pilot-plan.md"
    info.value.save_as(saved)
    assert "Contacts per arm | 250" in saved.read_text()
    _screenshot(page, artifacts, "pilot-designer")

    page.get_by_role("tab", name="Small-pilot risk").click()
    expect(page.locator(".kit-sim-power")).to_have_text("31%")  # drawn when the tab opens
    page.get_by_text("After the pilot: evaluate a rate KPI and decide").click()
    expect(page.locator(".kit-verdict")).to_have_text("EXTEND")
    set_text(page, "Escalations may rise by", "3")
    expect(page.locator(".kit-verdict")).to_have_text("GO")
    assert_clean(page)
