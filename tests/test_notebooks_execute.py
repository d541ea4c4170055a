"""Every lesson, solution and app runs top to bottom headless, with no error and no warning."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests import notebooks

pytestmark = pytest.mark.notebook


@pytest.mark.parametrize("path", notebooks.executable(), ids=notebooks.rel)
def test_notebook_executes(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors, warnings = [], []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                errors.append(f"cell {i}: {out.ename}: {out.evalue}")
            if out.output_type == "stream" and out.name == "stderr":
                warnings.append(f"cell {i}: {out.text[:300]}")
    assert not errors, errors
    # A learner must not see library warnings: they read as errors to a non-programmer.
    assert not warnings, warnings
