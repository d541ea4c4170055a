"""nbgrader end to end: the release is generated from the solutions, nothing leaks, and the
autograder gives the solution full marks and a blank release zero."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.validator import Validator

from tests import notebooks
from widgets import course
from widgets.grading import nbgrader_setup

pytestmark = pytest.mark.grading

ASSIGNMENTS = course.assignments()


def _normalised(path: Path) -> dict:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        cell.pop("id", None)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, object]:
    """A scratch course: every assignment generated, then the solution and the blank release
    submitted by two students and autograded."""
    root = tmp_path_factory.mktemp("course")
    nbgrader_setup.scratch_course(root)
    api = nbgrader_setup.api(root)
    for a in ASSIGNMENTS:
        assert api.generate_assignment(a, force=True, create=True)["success"]
        for student, source in (("solution", root / course.SOLUTIONS / a),
                                ("blank", root / course.EXERCISES / a)):
            dest = root / "submitted" / student / a
            dest.mkdir(parents=True)
            for nb in source.glob("*.ipynb"):
                shutil.copy(nb, dest)
            result = api.autograde(a, student, force=True, create=True)
            assert result["success"], result.get("log")
    return root, api


def test_release_equals_committed_exercises(graded):
    root, _ = graded
    for a in ASSIGNMENTS:
        fresh = sorted((root / course.EXERCISES / a).rglob("*"))
        committed = sorted(course.path(course.EXERCISES, a).rglob("*"))
        assert [p.relative_to(root / course.EXERCISES) for p in fresh] == [
            p.relative_to(course.path(course.EXERCISES)) for p in committed
        ], f"{a}: the release has different files; run `make exercises`"
        for new, old in zip(fresh, committed, strict=True):
            if new.suffix == ".ipynb":
                assert _normalised(new) == _normalised(old), (
                    f"{old} is stale: run `make exercises` and commit the result")


def test_no_answer_leaks_into_the_release():
    for path in notebooks.releases():
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "BEGIN MARK SCHEME"):
            assert marker not in text, f"{path}: {marker} leaked into the release"


def _auto_scores(root: Path, assignment: str, student: str) -> tuple[float, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission(assignment, student)
        auto = [g for nb in sub.notebooks for g in nb.grades
                if g.cell.cell_type == "code" and g.auto_score is not None]
        return sum(g.auto_score for g in auto), sum(g.max_score for g in auto)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_automatic_marks(graded, assignment):
    score, max_score = _auto_scores(graded[0], assignment, "solution")
    assert max_score > 0
    assert score == max_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_scores_zero(graded, assignment):
    score, max_score = _auto_scores(graded[0], assignment, "blank")
    assert max_score > 0
    assert score == 0


@pytest.mark.parametrize("path", notebooks.solutions(), ids=notebooks.rel)
def test_every_solution_passes_its_tests(path):
    # `nbgrader validate` exits 0 even when tests fail; the Validator API tells the truth.
    results = Validator(config=nbgrader_setup.load_config()).validate(str(path))
    assert results == {}, results


@pytest.mark.parametrize("path", notebooks.releases(), ids=notebooks.rel)
def test_every_released_exercise_fails_its_tests(path):
    results = Validator(config=nbgrader_setup.load_config(), invert=True).validate(str(path))
    assert "passed" not in results, [c["source"][:80] for c in results.get("passed", [])]
    assert "changed" not in results and "type_changed" not in results, results
