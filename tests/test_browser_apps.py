"""The apps in a real browser: headless Chromium clicks and reads what the page shows.

The generic tests run for every notebook in ``apps/``, so a new app is covered the day it is
dropped in. A notebook with code is a widget app (it ends in ``build_app()``); one with only
Markdown (the gallery) is a page, checked for what a page can do.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import (
    Console,
    Offsite,
    assert_clean,
    is_loopback_url,
    is_widget_app,
    open_app,
    open_tab_by_keyboard,
    ready_selector,
    set_text,
    tab_through,
    typed_number,
    walk_inputs,
)
from widgets import course, fmt, ui
from widgets.budget import model as budget
from widgets.budget import view as budget_view
from widgets.maturity import model as maturity

pytestmark = pytest.mark.browser

APPS = course.app_notebooks()
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}


def _screenshot(page: Page, artifacts: Path, name: str, *, docs: bool = False) -> None:
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)  # another pytest run may have cleared it
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("KIT_UPDATE_DOCS_IMG"):  # `make screenshots` refreshes docs/img
        shutil.copy(path, course.path(course.DOCS, "img", f"{name}.png"))


@pytest.fixture
def watched(page: Page):
    """The page, with off-loopback requests blocked and recorded, and console errors kept."""
    return page, Offsite(page), Console(page)


# ------------------------------------------------------------------- every app in apps/
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.stem)
def test_app_loads_offline_with_no_code_no_error_and_no_console_error(
        watched, voila_apps, artifacts, app):
    page, offsite, console = watched
    page.set_viewport_size(DESKTOP)
    open_app(page, voila_apps.url(app.name), ready=ready_selector(app))
    if is_widget_app(app):
        # inputs in a section the viewer has not opened (an accordion) may be hidden
        expect(page.locator(".kit-app .kit-input:visible").first).to_be_visible()
        expect(page.locator(".kit-app .kit-results").first).to_be_visible()
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # late requests (fonts, lazy chunks) and console messages
    assert_clean(page)
    assert offsite.urls == [], f"requests left loopback: {offsite.urls}"
    assert console.errors == [], f"browser console errors: {console.errors}"
    _screenshot(page, artifacts, app.stem, docs=True)


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.stem)
def test_app_fits_a_tablet_without_horizontal_scrolling(watched, voila_apps, artifacts, app):
    page, offsite, console = watched
    page.set_viewport_size(TABLET)
    open_app(page, voila_apps.url(app.name), ready=ready_selector(app))
    frame = ".kit-app" if is_widget_app(app) else "#rendered_cells"
    overflow = page.evaluate(
        """(sel) => {
             const frame = document.querySelector(sel);
             const right = Math.max(...Array.from(frame.querySelectorAll('*'), el => {
               const r = el.getBoundingClientRect();
               return r.width > 0 ? r.right : 0;
             }), frame.getBoundingClientRect().right);
             return {page: document.documentElement.scrollWidth, right, width: innerWidth};
           }""", frame)
    assert overflow["page"] <= TABLET["width"], f"the page scrolls sideways: {overflow}"
    assert overflow["right"] <= TABLET["width"], f"part of the app is off screen: {overflow}"
    assert_clean(page)
    assert offsite.urls == [] and console.errors == []
    _screenshot(page, artifacts, f"{app.stem}-tablet")


@pytest.mark.parametrize("app", [a for a in APPS if is_widget_app(a)], ids=lambda p: p.stem)
def test_app_is_keyboard_operable(page: Page, voila_apps, app):
    page.set_viewport_size(DESKTOP)
    open_app(page, voila_apps.url(app.name), ready=ready_selector(app))
    reached = walk_inputs(page)
    # inputs inside a closed section are out of the tab order until it is opened
    total = page.locator(".kit-app .kit-input:visible").count()
    assert len(reached) == total, f"Tab reaches {len(reached)} of the {total} inputs"
    changed = [r["changed"] for r in reached if "changed" in r]
    assert changed, f"no input changed the result from the keyboard: {reached}"
    if any(typed_number(r) for r in reached):
        assert any(c.endswith("+ Enter") for c in changed), (
            f"typing a number in a field and pressing Enter must change the result: {reached}")
    assert_clean(page)


def _links_to_apps(path: Path) -> bool:
    cells = nbformat.read(path, as_version=4).cells
    return any(re.search(r"\]\([^)]+\.ipynb\)", c.source) for c in cells
               if c.cell_type == "markdown")


@pytest.mark.parametrize("app", [a for a in APPS if not is_widget_app(a) and _links_to_apps(a)],
                         ids=lambda p: p.stem)
def test_page_links_open_by_keyboard(page: Page, voila_apps, app):
    page.set_viewport_size(DESKTOP)
    open_app(page, voila_apps.url(app.name), ready=ready_selector(app))
    target = page.locator("#rendered_cells a[href$='.ipynb']").first.get_attribute("href")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('href')") == target:
            break
    else:
        pytest.fail(f"Tab never reaches the link to {target}")
    page.keyboard.press("Enter")
    expect(page.locator(".kit-app .kit-input").first).to_be_visible(timeout=90_000)
    assert page.url.endswith(target)


def test_index_page_lists_every_app_offline(watched, voila_apps):
    """`make apps` serves an index at / : plain HTML, with its icons from the server."""
    page, offsite, console = watched
    page.goto(voila_apps.base + "/")
    for app in APPS:
        expect(page.locator(f"a[href*='/voila/render/{app.name}']")).to_be_visible()
    page.wait_for_load_state("load")
    assert offsite.urls == [] and console.errors == []


# --------------------------------------------------------------------- app-specific tests
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
    page.get_by_role("tab", name="Small-pilot risk").click()
    expect(page.locator(".kit-sim-power")).to_have_text("31%")  # drawn when the tab opens
    page.get_by_text("After the pilot: evaluate a rate KPI and decide").click()
    expect(page.locator(".kit-verdict")).to_have_text("EXTEND")
    set_text(page, "Escalations may rise by", "3")
    expect(page.locator(".kit-verdict")).to_have_text("GO")
    assert_clean(page)


def test_budget_planner_every_section_is_reached_and_changes_the_result_by_keyboard(
        page: Page, voila_apps):
    """The planner's inputs sit in five tabs, and the generic keyboard test reaches only the
    open one: here each tab is opened from the keyboard, Tab reaches every input of it in
    the view's order, and a number typed into one of them moves the figure it drives."""
    page.set_viewport_size(DESKTOP)
    open_app(page, voila_apps.url("budget-planner.ipynb"))
    tabs = budget_view.build_app().inputs_tabs
    sections = {title: [c.label for c in box.children if isinstance(c, ui.Field)]
                for title, box in zip(tabs.titles, tabs.children, strict=True)}
    assert list(sections) == ["Use case", "Inference", "Costs", "Value", "Risk"]
    values, risk = dict(budget.PRESETS["customer-service"].values), {}

    def shown() -> dict[str, str]:
        a = budget.analyse(budget.budget_inputs(**values), **risk)
        return {".kit-npv": fmt.usd(a.result.npv, digits=-1),
                ".kit-p-roi": fmt.pct(a.monte_carlo.p_roi_positive)}

    # per section: the input typed over, the entry, the model parameter it sets, the figure
    edits = {"Use case": ("Users", "250", values, "users", 250, ".kit-npv"),
             "Inference": ("Requests", "400000", values, "requests_per_month", 400_000,
                           ".kit-npv"),
             "Costs": ("Platform, one-off", "120000", values, "platform_one_off", 120_000,
                       ".kit-npv"),
             "Value": ("Hours saved", "15", values, "hours_saved_per_user_month", 15,
                       ".kit-npv"),
             # the last tab drives only the uncertainty figures
             "Risk": ("Value uncertainty", "80", risk, "value_spread", 0.8, ".kit-p-roi")}
    for title, labels in sections.items():
        label, entry, target, name, value, figure = edits[title]
        open_tab_by_keyboard(page, ".kit-app .kit-inputs", title)
        reached: dict[str, str] = {}  # a slider takes the focus twice: handle and readout
        for focused in tab_through(page, ".kit-app .kit-inputs"):
            if focused["id"] in reached:
                continue
            reached[focused["id"]] = focused["label"]
            if focused["label"] == label:
                before = shown()[figure]
                target[name] = value
                assert shown()[figure] != before, f"{label} = {entry} would not move {figure}"
                page.keyboard.press("ControlOrMeta+a")
                page.keyboard.type(entry)
                page.keyboard.press("Enter")
                expect(page.locator(figure)).to_have_text(shown()[figure])
        reached_labels = list(reached.values())
        assert reached_labels == labels, (
            f"Tab in the {title} tab reaches {reached_labels}, not {labels}")
    assert_clean(page)


def test_maturity_check_second_tab_is_reached_and_changes_the_result_by_keyboard(
        page: Page, voila_apps):
    """The generic keyboard test stays in the first of the maturity check's two tabs."""
    page.set_viewport_size(DESKTOP)
    open_app(page, voila_apps.url("maturity-check.ipynb"))
    open_tab_by_keyboard(page, ".kit-app .kit-inputs", "Readiness level")
    expected, evidence = 7, [True] * 4 + [False] * 5  # the app's starting answers
    checks = [f"TRL {lvl.level}: {lvl.short}" for lvl in maturity.TRL_LEVELS]
    gap = page.locator(".kit-trl-gap")
    reached: dict[str, str] = {}
    for focused in tab_through(page, ".kit-app .kit-inputs"):
        if focused["id"] in reached:
            continue
        reached[focused["id"]] = focused["label"]
        before = maturity.assess_readiness(expected, evidence).gap
        if focused["role"] == "slider":
            page.keyboard.press("ArrowRight")
            expected += 1
        elif focused["label"] == checks[4]:
            page.keyboard.press("Space")
            evidence[4] = True
        else:
            continue
        assert maturity.assess_readiness(expected, evidence).gap != before
        expect(gap).to_have_text(str(maturity.assess_readiness(expected, evidence).gap))
    assert list(reached.values()) == ["Level the plan assumes", *checks]
    assert (expected, evidence[4]) == (8, True), "the slider or TRL 5 was not changed"
    assert_clean(page)


# --------------------------------------------------------------- the checks can fail
def test_offsite_blocks_and_records_a_cdn_request(watched, voila_apps):
    page, offsite, console = watched
    page.goto(voila_apps.base + "/")
    page.evaluate("""() => { const l = document.createElement('link'); l.rel = 'stylesheet';
                             l.href = 'https://cdn.jsdelivr.net/npm/x/all.min.css';
                             document.head.appendChild(l); }""")
    page.wait_for_timeout(1000)
    assert offsite.urls == ["https://cdn.jsdelivr.net/npm/x/all.min.css"]
    assert console.errors, "a blocked stylesheet must show as a console error"


def test_loopback_urls():
    assert is_loopback_url("http://127.0.0.1:8866/voila/static/voila.js")
    assert is_loopback_url("ws://[::1]:9000/api/kernels/x/channels")
    assert is_loopback_url("data:font/woff2;base64,AAAA")
    assert not is_loopback_url("https://cdn.jsdelivr.net/npm/@fortawesome/all.min.css")
    assert not is_loopback_url("http://192.168.1.20:8866/")
