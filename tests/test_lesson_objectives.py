"""Every lesson objective is assessed by its knowledge check, under its exact wording.

The objectives map in the instructor kit is generated from the ``objective=`` of each
``quiz.Question``; a question whose objective drifts from the lesson's wording, or an objective
no question names, would leave a hole in that map.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from tests import notebooks


def _objectives(nb) -> list[str]:
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    block = re.search(r"^## Learning objectives\n(.*?)(?=^## )", text, re.M | re.S)
    assert block, "no '## Learning objectives' section"
    items = re.findall(r"^\s*(?:\d+\.|-)\s+(.+)$", block.group(1), re.M)
    return [re.sub(r"\*\*(.+?)\*\*", r"\1", item).strip() for item in items]


def _assessed(nb) -> list[str]:
    """The ``objective=`` strings of every ``quiz.Question(...)`` in the code cells."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "Question"):
                kw = {k.arg: k.value for k in node.keywords}
                objective = kw.get("objective")
                assert isinstance(objective, ast.Constant) and objective.value, (
                    f"a question has no literal objective= (line {node.lineno} of its cell)")
                found.append(objective.value)
    return found


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_every_objective_is_assessed_under_its_exact_wording(path):
    nb = nbformat.read(path, as_version=4)
    objectives, assessed = _objectives(nb), _assessed(nb)
    assert 3 <= len(assessed) <= 5, f"{len(assessed)} knowledge-check questions (want 3-5)"
    unknown = [a for a in assessed if a not in objectives]
    assert not unknown, f"objective= not among the lesson's objectives: {unknown}"
    missing = [o for o in objectives if o not in assessed]
    assert not missing, f"objectives no question assesses: {missing}"
