"""``make demo-class``: a synthetic class of about 30 submissions, graded end to end.

The submissions are built from an assignment's solution and release, so the demo works for any
assignment that follows the kit's conventions (``track_a_*``/``track_b_*`` answer cells,
``*_test`` test cells, ``written_*`` manually graded answers). They are synthetic: the
student ids say what each learner did (``s08-track-a-only``), so the report can be read
against the intention. Varieties: correct, Track A only, Track B only, partly wrong, blank,
an edited or deleted test cell, changed points, a test cell turned into markdown, a split
answer cell, a syntax error, a cut-off file.

The class is zipped like an LMS download (``<student>_<notebook>.ipynb``), taken in by the
runner's intake, graded, and reported in ``demo-class/reports/<assignment>/report.html``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import shutil
import sys
import tokenize
import zipfile
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from widgets import course
from widgets.grading import intake, nbgrader_setup, runner

TRACK_A, TRACK_B, WRITTEN = "track_a_", "track_b_", "written_"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
DEMO_DIR = "demo-class"


# ----------------------------------------------------------------------------- cells
def grade_id(cell: NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def is_answer(cell: NotebookNode) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def is_test(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def answer_text(solution_cell: NotebookNode) -> str:
    """What a learner who got it right types: the solution without nbgrader's markers and
    without the mark scheme (the rubric is for the grader, never in an answer)."""
    lines, in_scheme = [], False
    for ln in solution_cell.source.splitlines():
        marker = ln.strip()
        if marker == "### BEGIN MARK SCHEME":
            in_scheme = True
        elif marker == "### END MARK SCHEME":
            in_scheme = False
        elif not in_scheme and marker not in MARKERS:
            lines.append(ln)
    return "\n".join(lines).strip("\n")


def fill(release: NotebookNode, solution: NotebookNode,
         prefixes: tuple[str, ...] = (TRACK_A, TRACK_B, WRITTEN)) -> NotebookNode:
    """The release notebook with the answers whose grade_id starts with ``prefixes`` filled in
    from the solution (the others left as released)."""
    answers = {grade_id(c): c for c in solution.cells if is_answer(c)}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        gid = grade_id(cell)
        if is_answer(cell) and gid in answers and gid.startswith(prefixes):
            cell.source = answer_text(answers[gid])
    return nb


def scale_numbers(source: str, factor: float, *, which: str = "all",
                  floats_only: bool = False) -> str:
    """``source`` with its numeric literals multiplied by ``factor`` (a plausible mistake).

    ``which`` is ``"all"``, ``"first"`` or ``"last"``; integers stay integers.
    """
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type == tokenize.NUMBER and (not floats_only or "." in t.string)]
    pick = {"all": tokens, "first": tokens[:1], "last": tokens[-1:]}[which]
    lines = source.splitlines(keepends=True)
    for tok in sorted(pick, key=lambda t: t.start, reverse=True):  # splice from the end
        value = float(tok.string) * factor
        text = repr(round(value, 4)) if "." in tok.string else str(round(value))
        (row, start), (_, end) = tok.start, tok.end
        line = lines[row - 1]
        lines[row - 1] = line[:start] + text + line[end:]
    return "".join(lines)


def _edit_answers(nb: NotebookNode, prefix: str, edit: Callable[[str], str]) -> NotebookNode:
    for cell in nb.cells:
        if is_answer(cell) and grade_id(cell).startswith(prefix):
            cell.source = edit(cell.source)
    return nb


def _first(nb: NotebookNode, pred) -> int:
    return next(i for i, c in enumerate(nb.cells) if pred(c))


# ----------------------------------------------------------------------------- tampering
def edit_test(nb: NotebookNode) -> NotebookNode:
    """Replace the first test with one that always passes."""
    nb.cells[_first(nb, is_test)].source = '"""I fixed the test."""\nassert True'
    return nb


def delete_test(nb: NotebookNode) -> NotebookNode:
    del nb.cells[_first(nb, is_test)]
    return nb


def inflate_points(nb: NotebookNode) -> NotebookNode:
    nb.cells[_first(nb, is_test)].metadata["nbgrader"]["points"] = 100
    return nb


def test_to_markdown(nb: NotebookNode) -> NotebookNode:
    i = _first(nb, is_test)
    old = nb.cells[i]
    new = nbformat.v4.new_markdown_cell(old.source)
    new.metadata = old.metadata
    nb.cells[i] = new
    return nb


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def split_answer(nb: NotebookNode) -> NotebookNode:
    """Split the first answer cell in two (both keep its metadata), as Jupyter's "split cell"
    does, at the first line where both halves are still valid Python."""
    i = _first(nb, lambda c: is_answer(c) and c.cell_type == "code")
    lines = nb.cells[i].source.splitlines()
    half = next((k for k in range(1, len(lines)) if _parses("\n".join(lines[:k]))
                 and _parses("\n".join(lines[k:]))), len(lines))
    second = nbformat.v4.new_code_cell("\n".join(lines[half:]) or "# (split here)")
    second.metadata = copy.deepcopy(nb.cells[i].metadata)
    nb.cells[i].source = "\n".join(lines[:half])
    nb.cells.insert(i + 1, second)
    return nb


def syntax_error(nb: NotebookNode, prefix: str = TRACK_A) -> NotebookNode:
    return _edit_answers(nb, prefix, lambda s: s + "\nthis line = is not Python +")


# ----------------------------------------------------------------------------- the class
def variants(release: NotebookNode, solution: NotebookNode) -> dict[str, NotebookNode | bytes]:
    """About 30 synthetic submissions by student id (bytes: a damaged file)."""
    full = lambda: fill(release, solution)  # noqa: E731
    only_a = lambda: fill(release, solution, (TRACK_A,))  # noqa: E731
    only_b = lambda: fill(release, solution, (TRACK_B,))  # noqa: E731
    out: dict[str, NotebookNode | bytes] = {}
    for i in range(1, 8):
        out[f"s{i:02d}-correct"] = full()
    for i in range(8, 12):
        out[f"s{i:02d}-track-a-only"] = only_a()
    for i in range(12, 16):
        out[f"s{i:02d}-track-b-only"] = only_b()
    out["s16-sample-too-small"] = _edit_answers(full(), TRACK_A,
                                                lambda s: scale_numbers(s, 0.5))
    out["s17-sample-too-large"] = _edit_answers(full(), TRACK_A,
                                                lambda s: scale_numbers(s, 1.6, which="first"))
    out["s18-pilot-too-short"] = _edit_answers(full(), TRACK_A,
                                               lambda s: scale_numbers(s, 0.5, which="last"))
    out["s19-wrong-power"] = _edit_answers(full(), TRACK_B, lambda s: scale_numbers(
        s, 1.125, which="first", floats_only=True))
    out["s20-wrong-alpha"] = _edit_answers(only_b(), TRACK_B, lambda s: scale_numbers(
        s, 2.0, which="last", floats_only=True))
    out["s21-both-half-right"] = _edit_answers(
        _edit_answers(full(), TRACK_A, lambda s: scale_numbers(s, 0.5, which="last")),
        TRACK_B, lambda s: scale_numbers(s, 1.125, which="first", floats_only=True))
    out["s22-blank"] = copy.deepcopy(release)
    out["s23-blank"] = copy.deepcopy(release)
    out["s24-edited-test"] = edit_test(_edit_answers(full(), TRACK_A,
                                                     lambda s: scale_numbers(s, 0.5)))
    out["s25-deleted-test"] = delete_test(full())
    out["s26-points-changed"] = inflate_points(full())
    out["s27-test-to-markdown"] = test_to_markdown(only_a())
    out["s28-split-answer"] = split_answer(full())
    out["s29-syntax-error"] = syntax_error(full())
    text = nbformat.writes(full())
    out["s30-cut-off-file"] = text[: len(text) // 2].encode()
    return out


def write_class(out: Path, assignment: str, *, root: Path | None = None) -> Path:
    """Build the synthetic class as an LMS-style zip in ``out``; return the zip's path."""
    root = Path(root or course.root())
    names = intake.notebook_names(assignment, root)
    archive = out / "lms-download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            solution = nbformat.read(root / course.SOLUTIONS / assignment / f"{name}.ipynb", 4)
            release = nbformat.read(out / course.EXERCISES / assignment / f"{name}.ipynb", 4)
            for student, nb in variants(release, solution).items():
                data = nb if isinstance(nb, bytes) else nbformat.writes(nb).encode()
                zf.writestr(f"{student}_{name}.ipynb", data)
    return archive


def prepare(out: Path, assignment: str) -> Path:
    """A fresh demo course in ``out``: the assignment's source and its release, nothing else."""
    for sub in ("submitted", "autograded", "feedback", "reports", course.SOLUTIONS,
                course.EXERCISES):
        shutil.rmtree(out / sub, ignore_errors=True)
    for f in ("gradebook.db", "lms-download.zip"):
        (out / f).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    nbgrader_setup.scratch_course(out, [assignment])
    result = nbgrader_setup.api(out).generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise runner.RunnerError(f"could not release {assignment}: {result.get('error')}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.grading.demo",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default=None,
                        help="assignment id (default: the first with both tracks)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"demo course folder (default: ./{DEMO_DIR} in the kit)")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    assignment = args.assignment or course.assignments()[0]
    out = (args.out or course.path(DEMO_DIR)).resolve()
    print(f"Building a synthetic class for {assignment} in {out} ...")
    prepare(out, assignment)
    archive = write_class(out, assignment)
    taken = intake.collect(archive, assignment, root=out)
    for line in taken.lines():
        print(line)
    overrides = {"GradingRunner.workers": args.workers} if args.workers else {}
    report = runner.grade(assignment, root=out, overrides=overrides)
    counts = ", ".join(f"{n} {code}" for code, n in sorted(report.counts().items()))
    print(f"\n{len(report.results)} submissions graded in {report.seconds:.0f} s: {counts}")
    print(f"Open the debrief report: {report.files['html']}")
    print(f"Grades: {report.files['csv']} (nbgrader export: {report.files['export']})")
    print(f"Feedback for each learner: {out / 'feedback'}")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
