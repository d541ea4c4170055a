"""``make slides``: the lesson is found by its number, Voilà is started on loopback with the
slides template, and the template serves reveal.js's CSS itself (no CDN)."""

from __future__ import annotations

import json
import re

import pytest

from widgets import course, serve, slides

TEMPLATE_DIR = serve.JUPYTER_DATA / "voila" / "templates" / slides.TEMPLATE


def test_a_lesson_is_found_by_its_number_or_name():
    lessons = course.lessons()
    assert slides.find_lesson("00") == lessons[0]
    assert slides.find_lesson(lessons[-1].stem) == lessons[-1]
    assert slides.find_lesson(f"{course.LESSONS}/{lessons[1].name}") == lessons[1]


@pytest.mark.parametrize("key", ["99", "0"])
def test_an_unknown_or_ambiguous_lesson_lists_the_lessons(key):
    with pytest.raises(SystemExit) as err:
        slides.find_lesson(key)
    message = str(err.value)
    assert "make slides L=00" in message
    assert all(p.stem in message for p in course.lessons())


def test_the_command_serves_on_loopback_with_the_slides_template():
    lesson = course.lessons()[0]
    cmd = slides.command(lesson, 9123)
    assert cmd[1:3] == ["-m", "voila"] and str(lesson) in cmd
    assert "--port=9123" in cmd and f"--Voila.ip={serve.HOST}" in cmd
    assert f"--template={slides.TEMPLATE}" in cmd


def test_the_template_points_reveal_at_its_own_copy_of_the_css():
    conf = json.loads((TEMPLATE_DIR / "conf.json").read_text())
    assert conf["base_template"] == "reveal"
    prefix = conf["traitlet_configuration"]["resources"]["reveal"]["url_prefix"]
    static = f"/voila/templates/{slides.TEMPLATE}/static/"
    assert prefix.startswith(static), prefix
    local = TEMPLATE_DIR / "static" / prefix[len(static):]
    theme = conf["traitlet_configuration"]["resources"]["reveal"]["theme"]
    for css in (local / "dist" / "reveal.css", local / "dist" / "theme" / f"{theme}.css"):
        text = css.read_text()
        assert not re.search(r"@import|url\((?!data:)", text), f"{css.name} loads another file"
    # a folder named like Voilà's own static/reveal.js would shadow that script (a 404)
    assert not (TEMPLATE_DIR / "static" / "reveal.js").exists()
