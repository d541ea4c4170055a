"""The graded assignments keep the kit's conventions, and each track scores on its own.

Conventions the grading runner relies on: answer cells are ``track_a_*`` / ``track_b_*``, their
tests end in ``_test``, written answers are ``written_*`` task cells with a mark scheme, points
in the headings match the test cells, and the self-check is the last cell.

The autograding check builds, for every assignment, a Track-A-only submission (the release
with the ``track_a_*`` answers of the solution typed in) and a Track-B-only one, grades them
through nbgrader's API in a scratch course, and expects exactly that track's test points.
"""

from __future__ import annotations

import ast
import copy
import io
import re
import symtable
import tokenize
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from tests import notebooks
from widgets import course
from widgets.grading import nbgrader_setup

TRACK_A, TRACK_B, WRITTEN = "track_a_", "track_b_", "written_"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
ASSIGNMENTS = course.assignments()


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _gid(cell) -> str:
    return _meta(cell).get("grade_id", "")


def _is_test(cell) -> bool:
    return cell.cell_type == "code" and bool(_meta(cell).get("grade")) and not _meta(cell).get(
        "solution")


def _is_answer(cell) -> bool:
    return bool(_meta(cell).get("solution"))


def _is_task(cell) -> bool:
    return bool(_meta(cell).get("task"))


def _points(cells, prefix: str) -> float:
    return sum(float(_meta(c)["points"]) for c in cells if _is_test(c) and _gid(c).startswith(
        prefix))


def _solution(assignment: str):
    (path,) = course.path(course.SOLUTIONS, assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


def _defined(source: str) -> set[str]:
    """Names an answer cell binds at top level (assignments and functions)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _used(source: str) -> set[str]:
    """Global names a cell reads (a helper function's own parameters and locals are not)."""
    names: set[str] = set()

    def walk(table: symtable.SymbolTable) -> None:
        top = table.get_type() == "module"
        names.update(s.get_name() for s in table.get_symbols()
                     if s.is_referenced() and (top or s.is_global()))
        for child in table.get_children():
            walk(child)

    walk(symtable.symtable(source, "<cell>", "exec"))
    return names


# ------------------------------------------------------------------------ static conventions
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_cells_follow_the_runner_conventions(assignment):
    cells = _solution(assignment).cells
    for c in cells:
        gid = _gid(c)
        if _is_test(c):
            assert gid.startswith((TRACK_A, TRACK_B)) and gid.endswith("_test"), gid
        if _is_answer(c):
            assert c.cell_type == "code" and gid.startswith((TRACK_A, TRACK_B)), gid
        if _is_task(c):
            assert gid.startswith(WRITTEN) and _meta(c).get("points", 0) > 0, gid
            assert "### BEGIN MARK SCHEME" in c.source and "### END MARK SCHEME" in c.source, gid
        if gid.startswith(WRITTEN):
            assert _is_task(c), f"{gid}: written answers are task cells holding a mark scheme"
    for prefix in (TRACK_A, TRACK_B):
        assert any(_is_answer(c) and _gid(c).startswith(prefix) for c in cells), prefix
        assert _points(cells, prefix) > 0, prefix
    assert any(_is_task(c) for c in cells), "no written answer graded by hand"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_written_task_is_followed_by_a_free_cell_for_the_answer(assignment):
    cells = _solution(assignment).cells
    for i, c in enumerate(cells):
        if _is_task(c):
            after = cells[i + 1]
            assert after.cell_type == "markdown" and "nbgrader" not in after.metadata, _gid(c)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_headings_state_the_points_of_their_tests(assignment):
    cells = _solution(assignment).cells
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for track, prefix in (("A", TRACK_A), ("B", TRACK_B)):
        found = re.findall(rf"^## Track {track}: .*\((\d+) points\)$", text, flags=re.M)
        assert found == [f"{_points(cells, prefix):g}"], (track, found)
    written = sum(float(_meta(c)["points"]) for c in cells if _is_task(c))
    found = re.findall(r"^## Written answers? \((\d+) points", text, flags=re.M)
    assert found == [f"{written:g}"], found
    intro = cells[0].source
    assert f"Track A {_points(cells, TRACK_A):g}" in intro, "the intro states each track's points"
    assert f"Track B {_points(cells, TRACK_B):g}" in intro


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_last_cell_is_the_self_check(assignment):
    last = _solution(assignment).cells[-1]
    assert last.cell_type == "code" and "selfcheck.report(" in last.source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_track_a_is_graded_before_track_b_starts(assignment):
    """A kernel that dies in a Track B cell must leave Track A's results standing."""
    cells = _solution(assignment).cells
    first_b = next(i for i, c in enumerate(cells) if _is_answer(c) and _gid(c).startswith(
        TRACK_B))
    last_a = max(i for i, c in enumerate(cells) if _is_test(c) and _gid(c).startswith(TRACK_A))
    assert last_a < first_b


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_tests_use_only_their_own_tracks_answers(assignment):
    cells = _solution(assignment).cells
    names = {p: set().union(*[_defined(c.source) for c in cells
                              if _is_answer(c) and _gid(c).startswith(p)])
             for p in (TRACK_A, TRACK_B)}
    for c in cells:
        if _is_test(c):
            own = TRACK_A if _gid(c).startswith(TRACK_A) else TRACK_B
            other = names[TRACK_B if own == TRACK_A else TRACK_A]
            assert not (_used(c.source) & other), (_gid(c), _used(c.source) & other)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_answer_stubs_run_and_name_what_to_type(assignment):
    """The release keeps what precedes the solution: ``name = None  # what to type`` lines or a
    signature with its docstring, so a learner on the other track can run every cell."""
    for c in _solution(assignment).cells:
        if not _is_answer(c):
            continue
        head = c.source.split(MARKERS[0])[0]
        body = head.rstrip() + ("\n    pass" if head.rstrip().endswith('"""') else "")
        tree = ast.parse(body + "\n")
        assert tree.body, _gid(c)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                assert ast.get_docstring(node), f"{_gid(c)}: {node.name} has no docstring"
            else:
                assert isinstance(node, ast.Assign), f"{_gid(c)}: the stub only assigns"
                values = [node.value] if not isinstance(node.value, ast.Dict) else \
                    node.value.values
                assert all(isinstance(v, ast.Constant) and v.value is None for v in values), \
                    f"{_gid(c)}: a stub starts from None"
        if not head.lstrip().startswith("def "):
            assert all("#" in line for line in head.splitlines()
                       if re.match(r"^\s*\"?\w+\"?\s*[:=]\s*None", line)), \
                f"{_gid(c)}: each None says what to type"


@pytest.mark.parametrize("path", notebooks.solutions(), ids=notebooks.rel)
def test_tools_do_nothing_heavy_while_grading(path):
    for c in nbformat.read(path, as_version=4).cells:
        if c.cell_type == "code" and "build_app(" in c.source:
            assert "None if course.grading() else" in c.source, c.source


# ------------------------------------------------------------------------ autograding
def _track_only(release, solution, prefix: str):
    """The release with the solution's answers of one track typed in, as a learner would."""
    answers = {_gid(c): c for c in solution.cells if _is_answer(c)}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        gid = _gid(cell)
        if _is_answer(cell) and gid.startswith(prefix):
            cell.source = "\n".join(line for line in answers[gid].source.splitlines()
                                    if line.strip() not in MARKERS)
    return nb


def _halve_numbers(source: str) -> str:
    """``source`` with every number literal halved: a plausible slip (a misread tool)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type == tokenize.NUMBER]
    lines = source.splitlines(keepends=True)
    for tok in sorted(tokens, key=lambda t: t.start, reverse=True):
        (row, start), (_, end) = tok.start, tok.end
        value = float(tok.string.replace("_", "")) / 2
        text = repr(value) if "." in tok.string else str(round(value))
        lines[row - 1] = lines[row - 1][:start] + text + lines[row - 1][end:]
    return "".join(lines)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_tracks(request, tmp_path_factory):
    assignment = request.param
    root = tmp_path_factory.mktemp(f"tracks-{assignment}")
    nbgrader_setup.scratch_course(root, [assignment])
    api = nbgrader_setup.api(root)
    assert api.generate_assignment(assignment, force=True, create=True)["success"]
    (release_path,) = (root / course.EXERCISES / assignment).glob("*.ipynb")
    release = nbformat.read(release_path, as_version=4)
    solution = _solution(assignment)
    halved = _track_only(release, solution, TRACK_A)
    for cell in halved.cells:
        if _is_answer(cell) and _gid(cell).startswith(TRACK_A):
            cell.source = _halve_numbers(cell.source)
    submissions = {"track-a-only": _track_only(release, solution, TRACK_A),
                   "track-b-only": _track_only(release, solution, TRACK_B),
                   "track-a-halved": halved}
    for student, nb in submissions.items():
        dest = root / "submitted" / student / assignment
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / release_path.name)
        result = api.autograde(assignment, student, force=True, create=True)
        assert result["success"], result.get("log")
    return assignment, root, solution


def _scores(root: Path, assignment: str, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission(assignment, student)
        return {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades
                if g.cell.cell_type == "code" and g.auto_score is not None}


@pytest.mark.grading
@pytest.mark.parametrize(("student", "prefix"), [("track-a-only", TRACK_A),
                                                  ("track-b-only", TRACK_B)])
def test_each_track_alone_scores_exactly_its_points(graded_tracks, student, prefix):
    assignment, root, solution = graded_tracks
    scores = _scores(root, assignment, student)
    lost = {gid: s for gid, s in scores.items() if gid.startswith(prefix)
            and s < float(_meta(next(c for c in solution.cells if _gid(c) == gid))["points"])}
    assert not lost, f"{assignment}: {student} lost points on its own track: {lost}"
    other = {gid: s for gid, s in scores.items() if not gid.startswith(prefix) and s > 0}
    assert not other, f"{assignment}: {student} scored on the other track: {other}"
    assert sum(scores.values()) == _points(solution.cells, prefix)


@pytest.mark.grading
def test_misread_numbers_lose_points(graded_tracks):
    """Tests are not satisfied by any number of the right kind: halving every number a learner
    typed in Track A loses points."""
    assignment, root, solution = graded_tracks
    scores = _scores(root, assignment, "track-a-halved")
    assert sum(scores.values()) < _points(solution.cells, TRACK_A) / 2, (assignment, scores)


def test_track_fill_matches_a_learner_typing_the_solution():
    """The Track-only builder keeps the release's stubs for the other track."""
    solution = _solution(ASSIGNMENTS[0])
    release = copy.deepcopy(solution)
    for c in release.cells:
        if _is_answer(c):
            c.source = c.source.split(MARKERS[0])[0] + "# YOUR ANSWER HERE"
    only_a = _track_only(release, solution, TRACK_A)
    for c in only_a.cells:
        if _is_answer(c):
            assert ("# YOUR ANSWER HERE" in c.source) is _gid(c).startswith(TRACK_B)
            assert MARKERS[0] not in c.source
