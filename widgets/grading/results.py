"""What the grading runner says about each submission: issues, statuses and results.

A submission can have several issues (a restored test cell *and* a timeout); its status is the
most serious one, and every issue is kept for the report's notes. The status texts are the
ones the instructor reads in ``reports/<assignment>/grades.md``; ``docs/grading.md`` lists them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Code(str, Enum):
    """Issue codes, most serious first (the first one found becomes the status)."""

    UNREADABLE = "unreadable"
    GRADER_ERROR = "grader_error"
    KERNEL_DIED = "kernel_died"
    MEMORY = "memory_limit"
    TIMED_OUT = "timed_out"
    TAMPERED = "metadata_tampered"
    RESTORED = "cell_restored"
    DUPLICATE_ID = "duplicate_id"
    ANSWER_DELETED = "answer_deleted"
    OUTPUT_TRUNCATED = "output_truncated"
    CELL_ERROR = "cell_error"  # a note only: an error in the learner's own code is graded as is
    NOTE = "note"  # a note only: for example a renamed notebook that was graded anyway
    GRADED = "graded"


#: Issue codes that never become the status: the submission is still simply "graded".
NOTES_ONLY = frozenset({Code.CELL_ERROR, Code.NOTE})

_HEADLINE = {
    Code.UNREADABLE: "unreadable notebook",
    Code.GRADER_ERROR: "grader error",
    Code.KERNEL_DIED: "kernel died in cell {cell}",
    Code.MEMORY: "memory limit exceeded in cell {cell}",
    Code.TIMED_OUT: "timed out in cell {cell}",
    Code.TAMPERED: "cell metadata tampered (restored): {cells}",
    Code.RESTORED: "deleted or edited locked cell restored: {cells}",
    Code.DUPLICATE_ID: "duplicated grade_id (split cell): {cells}",
    Code.ANSWER_DELETED: "answer cell deleted: {cells}",
    Code.OUTPUT_TRUNCATED: "output truncated in cell {cell}",
    Code.GRADED: "graded",
}


@dataclass(frozen=True)
class Issue:
    """One thing the runner noticed in a submission.

    ``cell`` is the cell's ``grade_id`` when it has one, otherwise ``"cell N"`` (1-based).
    """

    code: Code
    cell: str = ""
    detail: str = ""

    def text(self) -> str:
        where = f" {self.cell}" if self.cell else ""
        return f"{self.code.value}{where}: {self.detail}" if self.detail else \
            f"{self.code.value}{where}"

    def to_dict(self) -> dict:
        return {"code": self.code.value, "cell": self.cell, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict) -> Issue:
        return cls(Code(data["code"]), data.get("cell", ""), data.get("detail", ""))


def headline(issues: list[Issue]) -> tuple[Code, str]:
    """The status of a submission with ``issues``: its code and the sentence for the report."""
    ranked = [i for i in issues if i.code not in NOTES_ONLY]
    if not ranked:
        return Code.GRADED, _HEADLINE[Code.GRADED]
    order = list(Code)
    top = min(ranked, key=lambda i: order.index(i.code))
    same = [i for i in ranked if i.code == top.code]
    cells = ", ".join(dict.fromkeys(i.cell for i in same if i.cell)) or "?"
    text = _HEADLINE[top.code].format(cell=top.cell or "?", cells=cells)
    if top.code in (Code.UNREADABLE, Code.GRADER_ERROR) and top.detail:
        text = f"{text}: {top.detail}"
    return top.code, text


@dataclass
class CellScore:
    """The score of one graded cell (``grade_id``) in one submission."""

    grade_id: str
    notebook: str
    score: float | None
    max_score: float
    auto: bool  # True for autograded tests, False for manually graded answers


@dataclass
class SubmissionResult:
    """One line of the grading report."""

    student: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    issues: list[Issue] = field(default_factory=list)
    cells: list[CellScore] = field(default_factory=list)
    needs_manual_grade: bool = False

    @property
    def code(self) -> Code:
        return headline(self.issues)[0]

    @property
    def status(self) -> str:
        return headline(self.issues)[1]

    @property
    def notes(self) -> str:
        return "; ".join(dict.fromkeys(i.text() for i in self.issues))

    def row(self) -> dict:
        """The report row (CSV and Markdown columns, in order)."""
        return {
            "student": self.student,
            "score": round(self.score, 2),
            "max_score": round(self.max_score, 2),
            "seconds": round(self.seconds, 1),
            "status": self.status,
            "code": self.code.value,
            "needs_manual_grade": "yes" if self.needs_manual_grade else "",
            "notes": self.notes,
        }

    def to_dict(self) -> dict:
        data = asdict(self)
        data["issues"] = [i.to_dict() for i in self.issues]
        return data
