"""Every lesson objective is assessed by a knowledge-check question, and every question names a
real objective: the objectives map is generated from these ``objective=`` strings, so a typo
would silently leave an objective unassessed."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from tests import notebooks


def _objectives(nb) -> list[str]:
    """The lesson's objectives as plain text (numbering and bold markers dropped)."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    section = re.search(r"^## Learning objectives\n(.*?)(?=^## )", text, re.M | re.S).group(1)
    items = re.findall(r"^\s*(?:\d+\.|-)\s+(.+)$", section, re.M)
    return [re.sub(r"\*\*(.+?)\*\*", r"\1", item).strip() for item in items]


def _question_objectives(nb) -> list[str]:
    """The ``objective=`` of every ``Question(...)`` in the lesson's code cells."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            func = getattr(node, "func", None)
            name = getattr(func, "attr", getattr(func, "id", ""))
            if isinstance(node, ast.Call) and name == "Question":
                kw = {k.arg: k.value for k in node.keywords}
                assert "objective" in kw, f"a question has no objective=: {ast.unparse(node)[:80]}"
                found.append(ast.literal_eval(kw["objective"]))
    return found


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_every_objective_is_assessed_and_every_question_names_one(path):
    nb = nbformat.read(path, as_version=4)
    objectives, assessed = _objectives(nb), _question_objectives(nb)
    assert 3 <= len(assessed) <= 5, f"{len(assessed)} knowledge-check questions (want 3-5)"
    unknown = [o for o in assessed if o not in objectives]
    assert not unknown, f"objective= not among the lesson's objectives: {unknown}"
    missing = [o for o in objectives if o not in assessed]
    assert not missing, f"objectives no question assesses: {missing}"
