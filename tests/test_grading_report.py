"""Statuses and report files, without running a kernel."""

from __future__ import annotations

import csv

from widgets.grading import report
from widgets.grading.isolation import Isolation, Level
from widgets.grading.results import CellScore, Code, Issue, SubmissionResult, headline
from widgets.grading.runner import RunReport


def test_the_most_serious_issue_is_the_status_and_all_are_notes():
    issues = [Issue(Code.RESTORED, "t1", "edited"), Issue(Code.TIMED_OUT, "t2", "slow"),
              Issue(Code.RESTORED, "t3", "deleted"), Issue(Code.CELL_ERROR, "a", "NameError")]
    code, text = headline(issues)
    assert code is Code.TIMED_OUT and text == "timed out in cell t2"
    r = SubmissionResult("ana", "x", issues=issues)
    assert r.status == "timed out in cell t2"
    assert r.notes.split("; ") == ["cell_restored t1: edited", "timed_out t2: slow",
                                   "cell_restored t3: deleted", "cell_error a: NameError"]
    assert headline([Issue(Code.RESTORED, "t1"), Issue(Code.RESTORED, "t3")])[1] == \
        "deleted or edited locked cell restored: t1, t3"


def test_errors_in_the_learners_own_code_do_not_change_the_status():
    assert headline([Issue(Code.CELL_ERROR, "answer", "SyntaxError")])[0] is Code.GRADED


def _results():
    def cells(a, b):
        return [CellScore("test_a", "nb", a, 2, True), CellScore("test_b", "nb", b, 4, True)]

    return [SubmissionResult("ana", "x", 6, 6, 1.0, cells=cells(2, 4)),
            SubmissionResult("bo|b", "x", 2, 6, 1.0, cells=cells(2, 0),
                             issues=[Issue(Code.RESTORED, "test_b", "a | pipe")]),
            SubmissionResult("cy", "x", 0, 6, 0.0, issues=[Issue(Code.UNREADABLE, "", "empty")],
                             cells=cells(0, 0))]


def test_missed_items_are_ranked_by_share_missed():
    assert report.missed_items(_results()) == [("test_b", 2 / 3, 3), ("test_a", 1 / 3, 3)]


def test_report_files_escape_what_learners_control(tmp_path):
    run = RunReport("x", _results(), Isolation(Level.FULL), 3.0, 2)
    md = report.write_markdown(run, tmp_path / "g.md").read_text()
    assert "bo\\|b" in md and "a \\| pipe" in md
    page = report.write_html(run, tmp_path / "r.html").read_text()
    assert "<b" not in page.replace("<body", "")  # nothing a learner typed became markup
    rows = list(csv.DictReader(open(report.write_csv(run.results, tmp_path / "g.csv"))))
    assert [r["status"] for r in rows] == ["graded",
                                           "deleted or edited locked cell restored: test_b",
                                           "unreadable notebook: empty"]


def test_charts_state_their_conclusion_in_alt_text():
    html = report.score_chart(_results())
    assert 'alt="Histogram of 3 scores' in html and "median is 33 percent" in html
    assert "test_b 67 percent" in report.missed_chart(_results())


def test_the_grading_docs_list_every_status_and_setting():
    from widgets import course
    from widgets.grading.runner import GradingRunner

    text = course.path(course.DOCS, "grading.md").read_text()
    missing = [c.value for c in Code if f"`{c.value}`" not in text]
    assert missing == [], f"docs/grading.md does not explain the statuses {missing}"
    settings = [name for name in GradingRunner.class_trait_names(config=True)
                if name not in text]
    assert settings == [], f"docs/grading.md does not explain the settings {settings}"
