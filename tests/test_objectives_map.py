"""The objectives map: every objective of every lesson is in it and is assessed, the graded-items
table fits the solutions, and the committed page is what the generator writes today."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from tests import notebooks
from widgets import course, objectives


@pytest.fixture(scope="module")
def lessons():
    return objectives.build()


@pytest.fixture(scope="module")
def committed() -> str:
    path = objectives.map_path()
    assert path.is_file(), "docs/objectives-map.md is missing: run `make docs`"
    return path.read_text(encoding="utf-8")


def test_the_map_covers_every_lesson_file(lessons):
    assert [lesson.path for lesson in lessons] == notebooks.lessons()


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_every_objective_is_in_the_map_and_assessed(path, lessons, committed):
    lesson = next(lesson for lesson in lessons if lesson.path == path)
    assert 3 <= len(lesson.objectives) <= 5, "a lesson states 3-5 objectives"
    for o in lesson.objectives:
        row = f"| {lesson.number}.{o.number} | {o.text} |"
        assert row in committed, f"objective {lesson.number}.{o.number} is not in the map: {o.text}"
        assert o.assessed, (f"objective {lesson.number}.{o.number} has no question "
                            f"(objective=) and no graded item (GRADED_ITEMS): {o.text}")


def test_the_committed_map_is_up_to_date(lessons, committed):
    assert committed == objectives.render(lessons), "docs/objectives-map.md is stale: `make docs`"


def test_every_graded_cell_is_mapped_and_every_assignment_assesses_something(lessons):
    mapped = {(g.assignment, g.grade_id) for lesson in lessons for o in lesson.objectives
              for g in o.graded}
    cells = {(g.assignment, g.grade_id) for g in objectives.graded_cells()}
    assert cells, "no graded cells found in solutions/"
    assert mapped == cells
    assert {a for a, _ in cells} == set(course.assignments())


def test_written_answers_count_as_graded_by_hand(lessons):
    manual = {g.grade_id for lesson in lessons for o in lesson.objectives for g in o.graded
              if g.manual}
    assert "written_decision_memo" in manual
    assert not any(name.endswith("_test") for name in manual)


def test_a_stale_table_entry_or_reworded_objective_fails_loudly():
    table = dict(objectives.GRADED_ITEMS)
    key = next(iter(table))
    table[("99-nowhere", "ghost_test")] = table[key]
    table[key] = (("01", "An objective nobody wrote."),)
    with pytest.raises(objectives.MapError) as err:
        objectives.build(table=table)
    assert "99-nowhere/ghost_test" in str(err.value)
    assert "An objective nobody wrote." in str(err.value)
    del table[("99-nowhere", "ghost_test")]
    table.pop(key)
    with pytest.raises(objectives.MapError, match="not mapped to an objective"):
        objectives.build(table=table)


def test_an_unassessed_objective_is_reported(tmp_path):
    """A lesson whose question quotes an objective that is not in its list leaves one unassessed."""
    (tmp_path / course.LESSONS).mkdir()
    (tmp_path / course.SOLUTIONS).mkdir()
    source = notebooks.lessons()[0]
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("objective=", "objective_unused=")
    nbformat.write(nb, tmp_path / course.LESSONS / source.name)
    lessons = objectives.build(root=tmp_path, table={})
    missing = objectives.unassessed(lessons)
    assert len(missing) == len(lessons[0].objectives) >= 3
    assert "Unassessed objectives: none." not in objectives.render(lessons)


def test_check_mode_fails_on_a_stale_map(tmp_path, monkeypatch, capsys):
    root = tmp_path / "course"
    for folder in (course.LESSONS, course.SOLUTIONS):
        shutil.copytree(course.path(folder), root / folder)
    (root / course.DATASETS).mkdir()  # what marks a course root
    (root / course.DOCS).mkdir()
    monkeypatch.setenv(course.ROOT_ENV, str(root))
    assert objectives.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert objectives.main([]) == 0
    assert objectives.main(["--check"]) == 0
