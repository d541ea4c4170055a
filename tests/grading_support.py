"""Build scratch courses and submissions for the grading tests.

Submissions are built from the assignment's solution and release the way the demo class is
(:mod:`widgets.grading.demo`), so they follow the kit's conventions and stay valid when the
assignment's content changes. Expected scores are computed from the points of the
``track_a_*`` and ``track_b_*`` test cells, never hard-coded.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from widgets import course
from widgets.grading import demo, runner

#: Short limits so the hostile cases are quick: 4 s per cell, 1 GiB per kernel.
FAST = {"Execute.timeout": 4, "GradingRunner.memory_mb": 1024, "GradingRunner.feedback": False}


def assignment() -> str:
    """The first assignment with both tracks (the runner is generic; the tests need both)."""
    for a in course.assignments():
        ids = [demo.grade_id(c) for p in course.path(course.SOLUTIONS, a).glob("*.ipynb")
               for c in nbformat.read(p, 4).cells]
        if any(i.startswith(demo.TRACK_A) for i in ids) and any(
                i.startswith(demo.TRACK_B) for i in ids):
            return a
    raise AssertionError("no assignment has both a Track A and a Track B")


class Class:
    """A scratch course for one assignment, with its release, ready for submissions."""

    def __init__(self, base: Path, name: str | None = None):
        self.assignment = name or assignment()
        self.root = demo.prepare(Path(base) / "course", self.assignment)
        self.notebook = demo.intake.notebook_names(self.assignment, self.root)[0]
        self.solution = nbformat.read(
            self.root / course.SOLUTIONS / self.assignment / f"{self.notebook}.ipynb", 4)
        self.release = nbformat.read(
            self.root / course.EXERCISES / self.assignment / f"{self.notebook}.ipynb", 4)

    # ------------------------------------------------------------------ notebooks
    def full(self) -> NotebookNode:
        return demo.fill(self.release, self.solution)

    def only(self, prefix: str) -> NotebookNode:
        return demo.fill(self.release, self.solution, (prefix,))

    def blank(self) -> NotebookNode:
        return copy.deepcopy(self.release)

    def points(self, prefix: str) -> float:
        """Points of the tests of one track (``track_a_``/``track_b_``)."""
        return sum(float(c.metadata["nbgrader"]["points"]) for c in self.solution.cells
                   if demo.is_test(c) and demo.grade_id(c).startswith(prefix))

    @property
    def max_auto(self) -> float:
        """Points of all autograded tests (what a perfect submission scores before manual
        grading)."""
        return sum(float(c.metadata["nbgrader"]["points"]) for c in self.solution.cells
                   if demo.is_test(c))

    @property
    def max_total(self) -> float:
        """Points of every graded cell and task, written answers included (nbgrader's max)."""
        return sum(float(c.metadata["nbgrader"]["points"]) for c in self.solution.cells
                   if c.metadata.get("nbgrader", {}).get("grade")
                   or c.metadata.get("nbgrader", {}).get("task"))

    def points_before(self, grade_id: str) -> float:
        """Points of the tests placed before cell ``grade_id`` (they ran before it)."""
        total = 0.0
        for c in self.solution.cells:
            if demo.grade_id(c) == grade_id:
                return total
            if demo.is_test(c):
                total += float(c.metadata["nbgrader"]["points"])
        raise KeyError(grade_id)

    def with_answer(self, nb: NotebookNode, prefix: str, code: str) -> NotebookNode:
        """Add ``code`` at the end of the first ``prefix`` answer cell (after the answer)."""
        cell = next(c for c in nb.cells if demo.is_answer(c)
                    and demo.grade_id(c).startswith(prefix) and c.cell_type == "code")
        cell.source = cell.source + "\n" + code
        return nb

    def answer_id(self, prefix: str) -> str:
        return next(demo.grade_id(c) for c in self.solution.cells if demo.is_answer(c)
                    and demo.grade_id(c).startswith(prefix) and c.cell_type == "code")

    def test_ids(self, prefix: str = "") -> list[str]:
        return [demo.grade_id(c) for c in self.solution.cells
                if demo.is_test(c) and demo.grade_id(c).startswith(prefix)]

    # ------------------------------------------------------------------ submitting
    def submit(self, student: str, nb: NotebookNode | bytes | str) -> Path:
        folder = self.root / "submitted" / student / self.assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.notebook}.ipynb"
        if isinstance(nb, bytes):
            path.write_bytes(nb)
        elif isinstance(nb, str):
            path.write_text(nb)
        else:
            nbformat.write(nb, path)
        return path

    def grade(self, **overrides) -> runner.RunReport:
        return runner.grade(self.assignment, root=self.root, overrides={**FAST, **overrides},
                            progress=False, say=lambda text: None)

    def autograded(self, student: str) -> NotebookNode:
        return nbformat.read(self.root / "autograded" / student / self.assignment /
                             f"{self.notebook}.ipynb", 4)


def by_student(report: runner.RunReport) -> dict:
    return {r.student: r for r in report.results}


def outputs_text(nb: NotebookNode, grade_id: str) -> str:
    cell = next(c for c in nb.cells if demo.grade_id(c) == grade_id)
    return "".join(o.get("text", "") for o in cell.get("outputs", []))
