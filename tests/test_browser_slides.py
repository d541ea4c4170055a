"""Every lesson presents as slides (``make slides``): Voilà's reveal template renders it in Chromium
with reveal.js styled and running, no error, no code, no instructor note, and no request that
leaves this machine."""

from __future__ import annotations

from collections.abc import Iterator

import nbformat
import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import CODE_MARKERS, ERROR_MARKERS, Console, Offsite, instructor_note_lines
from widgets import course, slides
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser

LESSONS = course.lessons()


@pytest.fixture(scope="module")
def slides_server(tmp_path_factory) -> Iterator[VoilaServer]:
    """The server ``make slides`` starts, with the same settings, on a free port; it serves
    the whole lessons folder so one server presents every lesson.

    Heartbeats every second: Voilà sends them while a slow cell runs, and the slides page
    must survive them (a lesson on a busy machine takes longer than the default 10 s).
    """
    with VoilaServer(course.path(course.LESSONS),
                     extra=[*slides.VOILA_ARGS, "--VoilaConfiguration.http_keep_alive_timeout=1"],
                     log=tmp_path_factory.mktemp("voila") / "slides.log") as server:
        yield server


def _expected_slides(lesson) -> int:
    """Top-level slides reveal.js should show: one per cell of type ``slide`` that is shown."""
    kinds = [c.metadata.get("slideshow", {}).get("slide_type", "-")
             for c in nbformat.read(lesson, as_version=4).cells
             if course.INSTRUCTOR_TAG not in c.metadata.get("tags", [])]
    shown = [k for k in kinds if k not in ("skip", "notes")]
    # nbconvert opens a slide at the first shown cell, whatever its type
    return sum(k == "slide" for k in shown) + (shown[0] != "slide")


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem[:2] for p in LESSONS])
def test_lesson_slides_render_offline_without_errors(page: Page, slides_server, lesson):
    offsite, console = Offsite(page), Console(page)
    page.goto(f"{slides_server.base}/voila/render/{lesson.name}", wait_until="domcontentloaded",
              timeout=120_000)
    # Voilà shows the slides once every cell has run; reveal.js marks itself ready
    expect(page.locator("#rendered_cells")).to_be_visible(timeout=120_000)
    expect(page.locator(".reveal.ready")).to_have_count(1, timeout=30_000)

    top = page.locator(".reveal .slides > section")
    assert top.count() == _expected_slides(lesson)
    # reveal.css (served locally) positions the slides; without it they would be static
    assert top.first.evaluate("s => getComputedStyle(s).position") == "absolute"
    first = page.locator(".reveal .slides > section.present")
    expect(first.locator("h1")).to_contain_text(lesson.name[:2])

    page.keyboard.press("ArrowRight")
    expect(page.locator(".reveal .slides > section.present h2").first).to_contain_text(
        "Learning objectives", timeout=10_000)

    # the knowledge check works on its slide: an answer gets its feedback
    # one key press per slide, subslide or fragment at most: fewer than the lesson has cells
    for _ in range(len(nbformat.read(lesson, as_version=4).cells)):
        if page.locator(".reveal .slides > section.present h2",
                        has_text="Knowledge check").count():
            break
        page.keyboard.press("ArrowRight")
    else:
        pytest.fail("no slide with the knowledge check")
    # the slide on screen: a subslide, or a slide without subslides (a stack is present too)
    shown = ".reveal .slides section.present:not(.stack)"
    if not page.locator(f"{shown} .kit-quiz").count():
        page.keyboard.press("ArrowDown")  # the quiz may sit on the heading's subslide
    question = page.locator(f"{shown} .kit-quiz-question").first
    expect(question).to_be_visible(timeout=10_000)
    question.locator("input[type=radio]").first.check()
    expect(question.locator(".kit-quiz-feedback")).not_to_be_empty(timeout=10_000)

    # every slide, shown or not, is free of errors, code and instructor notes
    text = page.locator(".reveal .slides").text_content()
    err, code = ERROR_MARKERS.search(text), CODE_MARKERS.search(text)
    assert not err, f"error text in the slides: {text[max(0, err.start() - 200):err.end() + 200]}"
    assert not code, f"code in the slides: {text[max(0, code.start() - 100):code.end() + 100]}"
    notes = instructor_note_lines(lesson, course.INSTRUCTOR_TAG)
    assert notes and not [line for line in notes if line in text], "instructor notes shown"

    assert offsite.urls == [], f"requests left loopback: {offsite.urls}"
    assert console.errors == [], f"browser console errors: {console.errors}"
