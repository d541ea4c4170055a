"""Helpers to open a Voilà page in Playwright and read what it shows."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

#: Text that must never reach a viewer.
ERROR_MARKERS = re.compile(
    r"Traceback \(most recent call last\)|\b[A-Z]\w*(?:Error|Exception):"
    r"|There was an error when executing cell|Kernel (?:died|error)|Something went wrong")
#: Code that must never reach a viewer (sources are stripped).
CODE_MARKERS = re.compile(r"\bbuild_app\(|^from widgets|^import |\bdef \w+\(", re.M)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class Offsite:
    """Records every request that leaves loopback."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.hostname not in LOCAL_HOSTS:
            self.urls.append(request.url)


def open_app(page: Page, url: str, *, ready: str = ".kit-app", timeout: float = 90_000) -> None:
    """Go to ``url`` and wait until ``ready`` is visible; retry once on a first-load race."""
    for attempt in (1, 2):
        page.goto(url, wait_until="domcontentloaded", timeout=timeout)
        try:
            expect(page.locator(ready).first).to_be_visible(timeout=timeout)
            return
        except AssertionError:
            if attempt == 2:
                raise
            page.wait_for_timeout(1000)


def page_text(page: Page) -> str:
    return page.locator("body").inner_text()


def assert_clean(page: Page) -> None:
    """No error text, no traceback and no notebook source on the page."""
    text = page_text(page)
    err = ERROR_MARKERS.search(text)
    assert not err, f"error text on the page: {text[max(0, err.start() - 200):err.end() + 200]}"
    code = CODE_MARKERS.search(text)
    assert not code, f"code on the page: {text[max(0, code.start() - 100):code.end() + 100]}"


def set_text(page: Page, label: str, value: str) -> None:
    """Type ``value`` into the text input labelled ``label`` and commit it (Enter)."""
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
