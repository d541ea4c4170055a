"""The grading runner end to end: scores through nbgrader's gradebook, reports, feedback, the
command line, the fallbacks (no isolation, no kernel template) and the overall time budget."""

from __future__ import annotations

import csv

import pytest
from nbgrader.api import Gradebook

from tests.grading_support import Class, by_student
from widgets import course
from widgets.grading import __main__ as cli
from widgets.grading import demo, runner
from widgets.grading.results import Code

pytestmark = pytest.mark.grading

A, B = demo.TRACK_A, demo.TRACK_B


@pytest.fixture(scope="module")
def basics(tmp_path_factory):
    k = Class(tmp_path_factory.mktemp("basics"))
    k.submit("solution", k.full())
    k.submit("blank", k.blank())
    k.submit("track-a-only", k.only(A))
    k.submit("track-b-only", k.only(B))
    report = k.grade(**{"GradingRunner.feedback": True})
    return k, report, by_student(report)


def test_solution_gets_full_automatic_marks(basics):
    k, _, results = basics
    assert k.max_auto > 0
    assert (results["solution"].score, results["solution"].max_score) == (k.max_auto,
                                                                          k.max_total)


def test_blank_release_scores_zero(basics):
    _, _, results = basics
    assert results["blank"].score == 0
    assert results["blank"].code is Code.GRADED


@pytest.mark.parametrize(("student", "track"), [("track-a-only", A), ("track-b-only", B)])
def test_each_track_alone_scores_its_own_points(basics, student, track):
    k, _, results = basics
    assert k.points(track) > 0
    assert results[student].score == k.points(track)
    assert results[student].code is Code.GRADED


def test_grades_are_in_the_one_gradebook(basics):
    k, report, _ = basics
    with Gradebook(f"sqlite:///{k.root / 'gradebook.db'}", course.COURSE_ID) as gb:
        for r in report.results:
            sub = gb.find_submission(k.assignment, r.student)
            assert sub.score == r.score
            assert sub.max_score == k.max_total


def test_reports_have_one_line_per_submission(basics):
    _, report, _ = basics
    with open(report.files["csv"]) as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(by_student(report))
    assert set(rows[0]) >= {"student", "score", "max_score", "seconds", "status"}
    md = report.files["markdown"].read_text()
    assert "| track-b-only |" in md and "Isolation:" in md
    page = report.files["html"].read_text()
    assert page.count('<img src="data:image/png;base64,') == 2
    assert 'alt="Histogram of 4 scores' in page
    assert 'alt="Share of learners who lost points, by item: ' in page
    export = report.files["export"].read_text()
    assert all(s in export for s in by_student(report))


def test_feedback_is_generated_for_every_graded_learner(basics):
    k, report, _ = basics
    for r in report.results:
        page = k.root / "feedback" / r.student / k.assignment / f"{k.notebook}.html"
        assert page.is_file(), page


def test_most_missed_items_count_learners_who_lost_points(basics):
    k, report, _ = basics
    from widgets.grading.report import missed_items

    missed = {gid: share for gid, share, _ in missed_items(report.results)}
    # Two of four learners did each track: every test was missed by half of them.
    assert {missed[t] for t in k.test_ids()} == {0.5}


def test_cli_grades_and_exits_zero(basics, capsys):
    k, _, _ = basics
    code = cli.main([k.assignment, "--root", str(k.root), "--no-progress", "--no-feedback",
                     "--student", "solution", "--timeout", "20"])
    assert code == 0
    assert "1 submissions" in capsys.readouterr().out


def test_cli_says_which_assignments_exist(basics, capsys):
    k, _, _ = basics
    assert cli.main(["99-no-such-thing", "--root", str(k.root)]) == 2
    assert k.assignment in capsys.readouterr().err


def test_without_isolation_or_template_it_still_grades_and_says_so(tmp_path):
    k = Class(tmp_path)
    k.submit("solution", k.full())
    k.submit("blank", k.blank())
    # Without the template every kernel imports pandas and statsmodels itself: on a loaded
    # machine that takes longer than the fast tests' 4 s per cell.
    report = k.grade(**{"GradingRunner.isolation": "none", "GradingRunner.preload": False,
                        "Execute.timeout": 60})
    results = by_student(report)
    assert results["solution"].score == k.max_auto
    assert results["blank"].score == 0
    assert "Isolation: NONE" in report.files["markdown"].read_text()


def test_a_submission_over_its_time_budget_is_stopped_and_the_batch_completes(tmp_path):
    k = Class(tmp_path)
    k.submit("solution", k.full())
    k.submit("sleeper", k.with_answer(k.full(), A, "import time\ntime.sleep(10_000)"))
    report = k.grade(**{"Execute.timeout": 600, "GradingRunner.submission_budget": 12})
    results = by_student(report)
    assert results["sleeper"].code is Code.TIMED_OUT
    assert "budget" in results["sleeper"].notes
    assert results["sleeper"].score == 0
    assert results["solution"].score == k.max_auto
    assert report.exit_code == 0


def test_regrading_replaces_a_submission_that_became_unreadable(tmp_path):
    k = Class(tmp_path)
    k.submit("ana", k.full())
    assert by_student(k.grade())["ana"].score == k.max_auto
    k.submit("ana", b"{")
    again = by_student(k.grade())["ana"]
    assert (again.code, again.score) == (Code.UNREADABLE, 0)
    assert not (k.root / "autograded" / "ana" / k.assignment).exists()


def test_exit_code_reflects_the_runner_not_the_learners():
    from widgets.grading.isolation import Isolation, Level
    from widgets.grading.results import Issue, SubmissionResult

    iso = Isolation(Level.NONE)
    failing = SubmissionResult("x", "a", score=0, max_score=8)
    assert runner.RunReport("a", [failing], iso, 1.0, 1).exit_code == 0
    broken = SubmissionResult("y", "a", issues=[Issue(Code.GRADER_ERROR, "", "boom")])
    assert runner.RunReport("a", [failing, broken], iso, 1.0, 1).exit_code == 1


def test_preload_list_comes_from_the_instructors_imports(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import math\nfrom widgets import course\n%matplotlib inline"),
        nbformat.v4.new_code_cell("def f():\n    from statistics import mean\n    return mean"),
        nbformat.v4.new_code_cell("from . import nothing\nthis is not python"),
    ])
    nbformat.write(nb, tmp_path / "source.ipynb")
    modules = runner.preload_modules(tmp_path)
    assert modules[:3] == ["math", "widgets", "widgets.course"]
    assert "statistics" in modules and "statistics.mean" in modules
    assert not any(m.startswith(".") or "nothing" in m for m in modules)


def test_check_notebook_names_the_problem(tmp_path):
    cases = {"empty.ipynb": b"", "cut.ipynb": b'{"cells": [', "list.ipynb": b"[1, 2]"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        why = runner.check_notebook(tmp_path / name, 2**20)
        assert why and name in why, (name, why)
    big = tmp_path / "big.ipynb"
    big.write_bytes(b" " * 2048)
    assert "MB" in runner.check_notebook(big, 1024)
