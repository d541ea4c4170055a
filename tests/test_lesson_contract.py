"""The parts of the lesson contract the anatomy lint does not see: every objective assessed by a
knowledge-check question, slides on every cell, and Markdown that Voilà renders as written.

Static checks on the committed notebooks (nothing runs), so they fail fast and say where.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests import notebooks
from widgets import course
from widgets import objectives as objectives_map

SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}


def _read(path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_every_objective_is_assessed_by_a_question(path):
    nb = _read(path)
    # the same parsers that generate the objectives map, so the test checks what the map sees
    objectives = objectives_map.lesson_objectives(nb)
    assert objectives, "no '## Learning objectives' section"
    assessed = [objective for _prompt, objective in objectives_map.lesson_questions(nb)]
    assert 3 <= len(assessed) <= 5, f"{len(assessed)} knowledge-check questions (want 3-5)"
    assert None not in assessed, "every quiz.Question needs objective='<objective text>'"
    unknown = [o for o in assessed if o not in objectives]
    assert not unknown, f"questions name objectives the lesson does not state: {unknown}"
    missing = [o for o in objectives if o not in assessed]
    assert not missing, f"objectives no question assesses: {missing}"


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_every_cell_carries_its_slide_type(path):
    for i, cell in enumerate(_read(path).cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        assert kind in SLIDE_TYPES, f"cell {i}: slide_type {kind!r}"
        if course.INSTRUCTOR_TAG in cell.metadata.get("tags", []):
            assert kind in ("notes", "skip"), f"cell {i}: an instructor note shown as a slide"
        elif cell.cell_type == "markdown" and re.match(r"#{1,2} ", cell.source):
            assert kind == "slide", f"cell {i}: a section heading that does not open a slide"


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_markdown_renders_as_written_in_voila(path):
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "markdown":
            continue
        # Voilà's page typesets text between two dollar signs as LaTeX, even when escaped.
        assert "$" not in cell.source, f"cell {i}: write amounts as USD/AUD/CAD, not with $"
        # The Voilà render tests read these as leaked source code.
        assert "build_app(" not in cell.source, f"cell {i}: code in prose"
        assert not re.search(r"^import ", cell.source, re.M), f"cell {i}: code in prose"
