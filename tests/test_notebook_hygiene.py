"""Notebooks are committed clean, follow the anatomy, and keep logic in ``widgets``."""

from __future__ import annotations

import ast
import json
import re
from collections import Counter

import nbformat
import pytest

from tests import notebooks
from widgets import course

NOTEBOOK_META = {"kernelspec", "language_info"}
CELL_META = {"nbgrader", "tags", "slideshow", "editable", "deletable", "jupyter"}
NAME = re.compile(r"^[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(cell) -> str:
    """Cell source with IPython magics and shell escapes removed, for ``ast.parse``."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in cell.source.splitlines())


@pytest.mark.parametrize("path", notebooks.committed(), ids=notebooks.rel)
def test_committed_clean(path):
    raw = json.loads(path.read_text())
    assert set(raw["metadata"]) <= NOTEBOOK_META, f"notebook metadata: {set(raw['metadata'])}"
    for i, cell in enumerate(raw["cells"]):
        assert set(cell.get("metadata", {})) <= CELL_META, (i, cell["metadata"])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {i} has outputs"
            assert cell["execution_count"] is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", notebooks.committed(), ids=notebooks.rel)
def test_code_cells_are_valid_python(path):
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type == "code":
            try:
                ast.parse(_code(cell))
            except SyntaxError as err:
                pytest.fail(f"cell {i} is not valid Python: {err}")


@pytest.mark.parametrize("path", notebooks.solutions() + notebooks.releases(),
                         ids=notebooks.rel)
def test_grade_ids_are_unique_and_descriptive(path):
    ids = [c.metadata["nbgrader"]["grade_id"] for c in _read(path).cells
           if "nbgrader" in c.metadata and "grade_id" in c.metadata["nbgrader"]]
    dupes = [k for k, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate grade_ids: {dupes}"
    for gid in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]{3,}", gid), f"grade_id {gid!r} is not snake_case"


@pytest.mark.parametrize("path", notebooks.solutions(), ids=notebooks.rel)
def test_test_cells_open_with_a_docstring_and_carry_points(path):
    for cell in _read(path).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            tree = ast.parse(_code(cell))
            assert ast.get_docstring(tree), f"{meta['grade_id']}: no docstring"
            assert meta.get("points", 0) > 0, f"{meta['grade_id']}: no points"


@pytest.mark.parametrize("path", notebooks.lessons() + notebooks.apps() + notebooks.solutions(),
                         ids=notebooks.rel)
def test_no_tool_defined_inline(path):
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_code(cell))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                assert not any(m.split(".")[0] == "ipywidgets" for m in mods), (
                    f"cell {i} imports ipywidgets: tools live in widgets/<tool>/view.py")
            assert not isinstance(node, ast.ClassDef), f"cell {i} defines a class"
            if path.parent.name in (course.LESSONS, course.APPS):
                assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)), (
                    f"cell {i} defines a function: helpers live in widgets/")


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_lesson_anatomy(path):
    assert NAME.match(path.name), f"{path.name} is not NN-kebab-slug.ipynb"
    nb = _read(path)
    md = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert md and md[0].startswith(f"# {path.name[:2]} · "), "first cell: '# NN · Title'"
    assert len(md[0].strip().splitlines()) >= 3, "title then a one-line subtitle"
    headings = [m.group(1).strip() for text in md
                for m in re.finditer(r"^## (.+)$", text, flags=re.M)]
    positions = []
    for h in course.LESSON_ANATOMY:
        assert h in headings, f"missing section '## {h}'"
        positions.append(headings.index(h))
    assert positions == sorted(positions), "sections out of order"
    setup_at, case_at = headings.index("Setup"), headings.index("Case study")
    assert case_at - setup_at >= 2, "at least one content section between Setup and Case study"
    assert headings[-1] == "Sources", "Sources comes last"


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_lesson_objectives_time_tool_and_sources(path):
    nb = _read(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    objectives = re.search(r"^## Learning objectives\n(.*?)(?=^## )", text, re.M | re.S)
    items = re.findall(r"^\s*(?:\d+\.|-)\s+\**([A-Z][a-z]+)", objectives.group(1), re.M)
    assert 3 <= len(items) <= 5, f"{len(items)} objectives (want 3-5)"
    assert re.search(course.TIME_PATTERN, text), "time line missing: " + course.TIME_PATTERN
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "build_app(" in code, "the lesson uses no tool"
    assert "quiz.build_app(" in code, "the lesson has no knowledge check"
    sources = text.split("## Sources", 1)[1]
    assert len(re.findall(r"^- ", sources, re.M)) >= 2, "cite at least two sources"
    notes = [c for c in nb.cells if course.INSTRUCTOR_TAG in c.metadata.get("tags", [])]
    assert notes, f"no instructor note (a cell tagged {course.INSTRUCTOR_TAG!r})"


@pytest.mark.parametrize("path", notebooks.apps(), ids=notebooks.rel)
def test_app_ends_in_one_build_app_expression(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code:  # a pure Markdown page (the gallery) has nothing to run
        return
    last = ast.parse(_code(code[-1])).body[-1]
    assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
    func = last.value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    assert name == "build_app", "an app notebook ends in one build_app() expression"
