"""Helpers to open a Voilà page in Playwright and read what it shows."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import nbformat
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

#: Text that must never reach a viewer.
ERROR_MARKERS = re.compile(
    r"Traceback \(most recent call last\)|\b[A-Z]\w*(?:Error|Exception):"
    r"|There was an error when executing cell|Kernel (?:died|error)|Something went wrong")
#: Code that must never reach a viewer (sources are stripped).
CODE_MARKERS = re.compile(r"\bbuild_app\(|^from widgets|^import |\bdef \w+\(", re.M)


def is_widget_app(path: Path) -> bool:
    """A notebook with code is a widget app (it ends in ``build_app()``); else a page."""
    return any(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells)


def ready_selector(path: Path) -> str:
    """What is visible once the page of ``path`` is usable."""
    return ".kit-app .kit-input" if is_widget_app(path) else ".jp-RenderedMarkdown h1"


def plain(markdown_line: str) -> str:
    """The text a Markdown line renders to (list markers and emphasis dropped)."""
    line = re.sub(r"^\s*(?:[-+>#]+|\d+\.)\s+", "", markdown_line)
    line = re.sub(r"[*`]", "", line)
    # underscores are emphasis only at a word's edge: `failure_surveys` keeps its own
    return re.sub(r"(?<!\w)_|_(?!\w)", "", line).strip()


def instructor_note_lines(path: Path, tag: str) -> list[str]:
    """The rendered text of every line of the cells tagged ``tag`` in notebook ``path``."""
    cells = nbformat.read(path, as_version=4).cells
    return [line for c in cells if tag in c.metadata.get("tags", [])
            for line in filter(None, map(plain, c.source.splitlines()))]


def is_loopback_url(url: str) -> bool:
    """True for URLs that stay on this machine (and for data:, blob:, about: ones)."""
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    host = (parsed.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Offsite:
    """Blocks, and records, every request that would leave loopback.

    Strict: it watches the whole browser context (every page, frame and popup, and
    WebSockets), and aborts the request, so on a machine with internet the page behaves as
    it would in a room without it, and a missing asset shows up as a console error too.
    """

    def __init__(self, page: Page):
        self.urls: list[str] = []
        page.context.route("**/*", self._route)
        page.context.on("request", self._on_request)
        page.on("websocket", lambda ws: self._on_url(ws.url))

    def _on_url(self, url: str) -> None:
        if not is_loopback_url(url) and url not in self.urls:
            self.urls.append(url)

    def _on_request(self, request) -> None:
        self._on_url(request.url)

    def _route(self, route) -> None:
        if is_loopback_url(route.request.url):
            route.continue_()
        else:
            self._on_url(route.request.url)
            route.abort("internetdisconnected")


class Console:
    """Collects browser console errors, uncaught page errors and failed responses."""

    def __init__(self, page: Page):
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text[:500]))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {str(e)[:500]}"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(
            f"HTTP {r.status} {r.url}"))


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


# ------------------------------------------------------------------------------ keyboard
#: The app input (a ``.kit-input`` box) holding the focused element, tagged with a stable id.
_FOCUSED = """() => {
  const el = document.activeElement;
  const box = el && el.closest('.kit-app .kit-input');
  if (!box) return null;
  if (!box.dataset.kitId) {
    box.dataset.kitId = String(document.querySelectorAll('[data-kit-id]').length);
  }
  // a slider's handle has no <label> of its own: its widget's description labels it
  const label = (el.labels && el.labels[0]) || box.querySelector('label');
  return {id: box.dataset.kitId, tag: el.tagName.toLowerCase(), type: el.type || '',
          role: el.getAttribute('role') || '', value: el.value ?? '',
          now: el.getAttribute('aria-valuenow'), max: el.getAttribute('aria-valuemax'),
          label: label ? label.innerText.trim() : ''};
}"""
RESULTS = ".kit-app .kit-results"
# an app may nest tools (the pilot designer's sections), so watch every results panel
_RESULTS_HTML = "s => Array.from(document.querySelectorAll(s), e => e.innerHTML).join('\\n')"


def _number_candidates(text: str) -> list[str]:
    """New entries near the current number, tried in order until the result changes."""
    try:
        x = float(re.sub(r"[,\s$%_]", "", text))
    except ValueError:
        return []
    out = []
    for y in (x * 1.1, x * 0.9, x + 1, x - 1):
        shown = f"{y:.0f}" if float(x).is_integer() and abs(y) >= 10 else f"{y:.3g}"
        if shown not in out and float(shown) != x:
            out.append(shown)
    return out


def _result_changes(page: Page, before: str, timeout: float = 10_000) -> bool:
    try:
        page.wait_for_function(f"([sel, old]) => ({_RESULTS_HTML})(sel) !== old",
                               arg=[RESULTS, before], timeout=timeout)
        return True
    except PlaywrightTimeoutError:
        return False


def _change_by_keyboard(page: Page, focused: dict) -> str | None:
    """Change the focused input with the keyboard; return how, if the result changed."""
    before = page.evaluate(f"sel => ({_RESULTS_HTML})(sel)", RESULTS)
    if focused["tag"] == "input" and focused["type"] == "text":
        for entry in _number_candidates(focused["value"]):
            page.keyboard.press("ControlOrMeta+a")
            page.keyboard.type(entry)
            page.keyboard.press("Enter")
            if _result_changes(page, before):
                return f"typed {entry} + Enter"
        return None
    if focused["role"] == "slider":
        key = "ArrowLeft" if focused["now"] == focused["max"] else "ArrowRight"
    elif focused["tag"] == "select":
        key = "ArrowDown"
    elif focused["type"] == "checkbox":
        key = "Space"
    else:
        return None
    page.keyboard.press(key)
    return key if _result_changes(page, before) else None


def typed_number(focused: dict) -> bool:
    """The focused input is a text box holding a number (so a new number can be typed)."""
    return focused["tag"] == "input" and focused["type"] == "text" and bool(
        _number_candidates(focused["value"]))


def walk_inputs(page: Page, *, change: bool = True, limit: int = 120) -> list[dict]:
    """Tab through the page from the top, as a keyboard user does.

    Returns every app input reached, in tab order. With ``change``, inputs are changed with
    the keyboard until one changes the result and, if the page has number boxes, until
    typing a number and pressing Enter in one of them changes it too (an app may start with
    a dropdown); each input that changed the result gets ``changed`` (how).
    """
    total = page.locator(".kit-app .kit-input:visible").count()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    reached: dict[str, dict] = {}
    changed = typed = not change
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if not focused or focused["id"] in reached:
            continue
        reached[focused["id"]] = focused
        if not changed or (not typed and typed_number(focused)):
            how = _change_by_keyboard(page, focused)
            if how:
                focused["changed"] = how
                changed, typed = True, typed or how.endswith("+ Enter")
        if len(reached) == total and changed and typed:
            break
    return list(reached.values())


def open_tab_by_keyboard(page: Page, within: str, title: str, limit: int = 80) -> None:
    """Open the tab ``title`` of the tab bar inside ``within`` with the keyboard only.

    Lumino's tab bar (ipywidgets ``Tab``) is one tab stop: Tab reaches it, the arrow keys
    move between its tabs and Enter opens the one with the focus.
    """
    focused_tab = """(within) => {
      const el = document.activeElement, bar = document.querySelector(within + ' [role=tablist]');
      return bar && el && el.getAttribute('role') === 'tab' && bar.contains(el)
        ? el.innerText.trim() : null;
    }"""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(focused_tab, within) is not None:
            break
    else:
        raise AssertionError(f"Tab never reaches the tab bar in {within}")
    for _ in range(page.locator(within).first.get_by_role("tab").count()):
        if page.evaluate(focused_tab, within) == title:
            break
        page.keyboard.press("ArrowRight")
    else:
        raise AssertionError(f"the arrow keys never reach the tab {title!r} in {within}")
    page.keyboard.press("Enter")
    tab = page.locator(within).first.get_by_role("tab", name=title, exact=True)
    expect(tab).to_have_attribute("aria-selected", "true")


def tab_through(page: Page, within: str, limit: int = 60) -> Iterator[dict]:
    """Press Tab until the focus leaves ``within``; yield each app input it lands on.

    The caller may use the keyboard on a yielded input before the walk goes on.
    """
    inside = "(sel) => !!document.activeElement?.closest(sel)"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if not page.evaluate(inside, within):
            return
        focused = page.evaluate(_FOCUSED)
        if focused:
            yield focused
    raise AssertionError(f"{limit} presses of Tab never left {within}")
