"""Every lesson renders in Voilà (for a facilitator projecting it) with no code and no error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import Console, Offsite, assert_clean, instructor_note_lines, open_app
from widgets import course

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lesson", course.lessons(), ids=lambda p: p.stem)
def test_lesson_renders_in_voila_without_code_errors_or_instructor_notes(
        page: Page, voila_course, lesson):
    offsite, console = Offsite(page), Console(page)
    open_app(page, voila_course.url(f"{course.LESSONS}/{lesson.name}"),
             ready=".jp-RenderedMarkdown h1")
    # the last section is rendered only once every cell above it has run
    expect(page.locator("h2", has_text="Sources")).to_be_visible(timeout=120_000)
    assert_clean(page)
    text = page.locator("body").inner_text()
    assert not [line for line in instructor_note_lines(lesson, course.INSTRUCTOR_TAG)
                if line in text], "an instructor note is shown to viewers"
    assert offsite.urls == [], f"requests left loopback: {offsite.urls}"
    assert console.errors == [], f"browser console errors: {console.errors}"
