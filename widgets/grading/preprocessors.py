"""nbgrader preprocessors the runner plugs into nbgrader's own ``Autograde`` pipeline.

The runner keeps nbgrader's steps and order; it swaps in subclasses that *record* what they
repair (so the report can say "test cell restored") and closes a few gaps:

- :class:`RestoreCells` puts each known cell's nbgrader flags (grade, solution, points) back
  from the gradebook before nbgrader's own checks run, drops nbgrader metadata with unknown
  ids, and removes the ``skip-execution`` tag from graded cells (nbclient would otherwise skip
  a failing test cell, which nbgrader then scores as passed).
- :class:`RecordingOverwriteCells` also restores *deleted* locked cells that nbgrader does not
  add back (setup cells), and notes deleted answer cells.
- :class:`SafeExecute` runs a notebook cell by cell in a sandboxed kernel and never raises for
  what a submission does: a cell that times out and cannot be interrupted, a kernel that dies or
  hits the memory limit, or a flood of output each become an :class:`~.results.Issue`, and the
  cells that could not run get an error output (so their tests score zero, never full marks).
- :class:`Replay` is the parent's only sanitising step: it brings in the notebook a worker
  sanitised and executed, and nbgrader's remaining autograde steps (``SaveAutoGrades`` among
  them) grade exactly what ran, in the one process that writes the gradebook.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    Execute,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets import Integer, Unicode

from widgets.grading.results import Code, Issue

#: Tags nbclient acts on that a learner must not be able to put on a graded cell.
RISKY_TAGS = ("skip-execution",)
#: Exception names that mean the kernel ran out of memory.
MEMORY_ERRORS = ("MemoryError",)


def issues_of(resources: dict) -> list[Issue]:
    """The list the runner's preprocessors record issues into (created on first use)."""
    return resources.setdefault("genai_traps", {}).setdefault("issues", [])


def label(cell: NotebookNode, index: int) -> str:
    """How the report names a cell: its grade_id, or its 1-based position."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id or f"cell {index + 1}"


class RestoreCells(NbGraderPreprocessor):
    """Make every cell's nbgrader flags match the gradebook, recording each change."""

    def _definitions(self, info: dict) -> tuple[set, dict, set, set]:
        # A worker grades many submissions against one unchanging snapshot: look up once.
        key = (info["db_url"], info["assignment"], info["notebook"])
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            with Gradebook(info["db_url"]) as gb:
                source_nb = gb.find_notebook(info["notebook"], info["assignment"])
                cache[key] = ({c.name for c in source_nb.source_cells},
                              {c.name: c.max_score for c in source_nb.grade_cells},
                              {c.name for c in source_nb.solution_cells},
                              {c.name: c.max_score for c in source_nb.task_cells})
        return cache[key]

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        issues = issues_of(resources)
        known, graded, solution, task = self._definitions(resources["nbgrader"])
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if grade_id not in known:
                if isinstance(meta, dict) and not any(meta.get(k) for k in
                                                      ("grade", "solution", "locked", "task")):
                    del cell.metadata["nbgrader"]  # harmless leftovers, nothing to report
                    continue
                issues.append(Issue(Code.TAMPERED, grade_id or f"cell {index + 1}",
                                    "nbgrader metadata with an id the assignment does not have "
                                    "(removed)"))
                del cell.metadata["nbgrader"]
                continue
            expected = {"grade": grade_id in graded, "solution": grade_id in solution,
                        "task": grade_id in task}
            changed = [k for k, v in expected.items() if bool(meta.get(k, False)) != v]
            for key in changed:
                meta[key] = expected[key]
            # Tests and manually graded tasks carry points; nothing else does.
            points = graded.get(grade_id, task.get(grade_id))
            if points is None:
                if "points" in meta:
                    changed.append("points")
                    del meta["points"]
            else:
                try:
                    same = float(meta.get("points")) == float(points)
                except (TypeError, ValueError):
                    same = False
                if not same:
                    changed.append("points")
                    meta["points"] = float(points)
            if changed:
                issues.append(Issue(Code.TAMPERED, grade_id, f"{', '.join(changed)} changed"))
            meta.setdefault("schema_version", 3)
            tags = cell.metadata.get("tags")
            if isinstance(tags, list) and (utils.is_grade(cell) or utils.is_locked(cell)):
                risky = [t for t in tags if t in RISKY_TAGS]
                if risky:
                    cell.metadata["tags"] = [t for t in tags if t not in RISKY_TAGS]
                    issues.append(Issue(Code.TAMPERED, grade_id, f"tag {risky[0]!r} removed"))
        return nb, resources


class RecordingDeduplicateIds(DeduplicateIds):
    """nbgrader's DeduplicateIds, noting each duplicated grade_id (a split or copied cell)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self._issues = issues_of(resources)
        nb, resources = super().preprocess(nb, resources)
        # DeduplicateIds leaves ``nbgrader: {}`` behind, which OverwriteCells'
        # add_missing_task_cells cannot read (KeyError 'grade_id'): drop it instead.
        for cell in nb.cells:
            if cell.metadata.get("nbgrader") == {}:
                del cell.metadata["nbgrader"]
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        dup = grade_id is not None and grade_id in self.grade_ids and (
            utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell))
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if dup:
            self._issues.append(Issue(Code.DUPLICATE_ID, grade_id,
                                      "several cells had this id; the last one is graded"))
        return cell, resources


class RecordingOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, recording each repair, and restoring deleted locked cells.

    A test cell with hidden tests never matches its gradebook checksum (the learner got it
    without them), so nbgrader "restores" it every time; a cell counts as *edited* only when
    it differs from the released version too (``release_directory``).
    """

    release_directory = Unicode("", help="Folder holding <assignment>/<notebook>.ipynb as "
                                "released to learners").tag(config=True)

    def _released(self, assignment: str, notebook: str) -> dict[str, str]:
        path = Path(self.release_directory) / assignment / f"{notebook}.ipynb"
        if not self.release_directory or not path.is_file():
            return {}
        cache = self.__dict__.setdefault("_release_cache", {})
        if path not in cache:
            nb = nbformat.read(path, as_version=4)
            cache[path] = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
                           if "grade_id" in c.metadata.get("nbgrader", {})}
        return cache[path]

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self._issues = issues_of(resources)
        info = resources["nbgrader"]
        self._release = self._released(info["assignment"], info["notebook"])
        nb, resources = super().preprocess(nb, resources)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source_nb = gb.find_notebook(info["notebook"], info["assignment"])
            nb = self._add_missing_locked_cells(nb, source_nb.source_cells)
            present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
            graded = {c.name for c in source_nb.grade_cells}
            for cell in source_nb.solution_cells:
                if cell.name not in present and cell.name not in graded:
                    self._issues.append(Issue(Code.ANSWER_DELETED, cell.name,
                                              "the answer cell is missing; its tests run "
                                              "without it"))
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        source, kind = cell.source, cell.cell_type
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if grade_id and kind == cell.cell_type and source != cell.source:
            released = self._release.get(grade_id)
            if released is None or source.rstrip() != released.rstrip():
                self._issues.append(Issue(Code.RESTORED, grade_id,
                                          "edited; the original was restored"))
        return cell, resources

    def report_change(self, name, attr, old, new):
        super().report_change(name, attr, old, new)
        if attr == "checksum":
            return  # decided in preprocess_cell, against the released version
        if attr == "cell_type":
            self._issues.append(Issue(Code.RESTORED, name,
                                      f"changed to {new}; restored as a {old} cell"))
        else:
            self._issues.append(Issue(Code.TAMPERED, name, f"{attr} changed"))

    def add_missing_grade_cells(self, nb, resources):
        before = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        nb, resources = super().add_missing_grade_cells(nb, resources)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id and grade_id not in before:
                self._issues.append(Issue(Code.RESTORED, grade_id, "deleted; restored"))
        return nb, resources

    def _add_missing_locked_cells(self, nb, source_cells) -> NotebookNode:
        """Put back locked cells nbgrader leaves out (not graded: setup code, instructions).

        A deleted setup cell would otherwise make every later test fail for a reason that has
        nothing to do with the learner's answers.
        """
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        for pos, source in enumerate(source_cells):
            if not source.locked or source.name in ids:
                continue
            cell = nbformat.v4.new_markdown_cell(source.source) if source.cell_type == \
                "markdown" else nbformat.v4.new_code_cell(source.source)
            cell.metadata = NotebookNode({
                "deletable": False, "editable": False,
                "nbgrader": {"grade": False, "solution": False, "locked": True,
                             "grade_id": source.name, "schema_version": 3,
                             "checksum": source.checksum, "cell_type": source.cell_type}})
            # Insert after the nearest earlier source cell still present.
            at = 0
            for prev in reversed(source_cells[:pos]):
                if prev.name in ids:
                    at = ids.index(prev.name) + 1
                    break
            nb.cells.insert(at, cell)
            ids.insert(at, source.name)
            self._issues.append(Issue(Code.RESTORED, source.name, "deleted; restored"))
        return nb


def sanitize_preprocessors() -> list[type]:
    """nbgrader's sanitising steps in nbgrader's order, with the recording subclasses."""
    return [ClearOutput, RestoreCells, RecordingDeduplicateIds, OverwriteKernelspec,
            RecordingOverwriteCells, CheckCellMetadata]


class Replay(NbGraderPreprocessor):
    """The parent's sanitising step: take the notebook a worker sanitised and executed.

    The worker ran nbgrader's own sanitising steps (:func:`sanitize_preprocessors`) against a
    snapshot of this gradebook and then executed the result, so running them again here would
    only repeat the same work in the one process that writes the gradebook.
    """

    executed_directory = Unicode(help="Folder holding <student>/<notebook>.ipynb as executed "
                                 "by a grading worker").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        path = Path(self.executed_directory) / info["student"] / f"{info['notebook']}.ipynb"
        return nbformat.read(path, as_version=4), resources


def autograde_preprocessors() -> list[type]:
    """nbgrader's autograde steps in nbgrader's order, without ``Execute`` (the worker ran
    the notebook; :class:`Replay` brought its outputs in)."""
    from nbgrader.converters import Autograde

    return [step for step in Autograde.class_traits()["autograde_preprocessors"].default()
            if step is not Execute]


def _text_size(value) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_text_size(v) for v in value)
    return 8


def _clip(value, limit: int):
    """``value`` with every string cut to ``limit`` characters (for kept error/result outputs)."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "\n... [cut by the grader]"
    if isinstance(value, dict):
        return {k: _clip(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_clip(v, limit) for v in value[-200:]]
    return value


def error_output(ename: str, evalue: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=[f"{ename}: {evalue}"])


class SafeExecute(Execute):
    """nbgrader's ``Execute`` driven cell by cell, so nothing a submission does stops the run.

    Call :meth:`run` with a started (sandboxed) kernel manager; it returns the executed notebook
    and records issues in ``resources``. It never raises for the submission's behaviour; it
    raises only if the kernel cannot be reached at all (a grader problem).
    """

    max_output_bytes = Integer(
        2_000_000, help="Characters of stream and display output kept per notebook; the rest "
        "is dropped and the cell noted as truncated (errors and results are always kept, "
        "clipped)").tag(config=True)
    clip_chars = Integer(20_000, help="Longest string kept in an error or result output").tag(
        config=True)

    def __init__(self, **kw):
        super().__init__(**kw)
        # A tag the learner cannot guess: nbclient skips cells carrying it.
        self.skip_cells_with_tag = f"never-{secrets.token_hex(8)}"

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = cell
        return await super()._async_handle_timeout(timeout, cell)

    def process_message(self, msg, cell, cell_index):
        kind = msg["msg_type"]
        content = msg.get("content", {})
        if kind in ("error", "execute_result"):
            msg["content"] = _clip(content, self.clip_chars)
        elif kind in ("stream", "display_data", "update_display_data") or kind.startswith(
                "comm_"):
            size = _text_size(content)
            if self._out_chars + size > self.max_output_bytes:
                if cell_index not in self._truncated:
                    self._truncated.add(cell_index)
                    issues_of(self.resources).append(Issue(
                        Code.OUTPUT_TRUNCATED, label(cell, cell_index),
                        f"more than {self.max_output_bytes:,} characters of output"))
                    if cell.cell_type == "code":
                        cell.outputs.append(nbformat.v4.new_output(
                            "stream", name="stderr",
                            text="\n[output truncated by the grader]\n"))
                return None
            self._out_chars += size
        return super().process_message(msg, cell, cell_index)

    def _stop_all(self, cells, start: int, why: str) -> None:
        for cell in cells[start:]:
            if cell.cell_type == "code":
                cell.outputs = [error_output("NotRun", why)]
                cell.execution_count = None

    async def run(self, nb: NotebookNode, resources: dict, km, *,
                  memory_exceeded=lambda: False) -> tuple[NotebookNode, dict]:
        """Execute ``nb`` in the kernel of ``km`` (started by the caller, shut down here)."""
        # As nbconvert's ExecutePreprocessor.preprocess does: reset the client for this notebook.
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self.resources = resources
        self._out_chars, self._truncated, self._timed_out = 0, set(), None
        issues = issues_of(resources)
        try:
            await self.async_start_new_kernel_client()
            info = await self.async_wait_for_reply(self.kc.kernel_info())
            if info:
                nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(nb.cells):
                self._timed_out = None
                where = label(cell, index)
                try:
                    await self.async_execute_cell(cell, index, store_history=True)
                except DeadKernelError:
                    if memory_exceeded():
                        code, why = Code.MEMORY, "the kernel used more memory than allowed"
                    else:
                        code, why = Code.KERNEL_DIED, "the kernel died"
                    issues.append(Issue(code, where, f"{why}; later cells were not run"))
                    cell.outputs.append(error_output("KernelDied", f"{why} in this cell"))
                    self._stop_all(nb.cells, index + 1, f"{why} in {where}")
                    break
                except CellTimeoutError:
                    # The interrupt did not stop the cell (it catches KeyboardInterrupt, or
                    # is stuck in C code): the kernel is killed and nothing else can run.
                    issues.append(Issue(Code.TIMED_OUT, where,
                                        f"still running {self.timeout} s in and ignored the "
                                        "interrupt; the kernel was stopped, later cells were "
                                        "not run"))
                    cell.outputs.append(error_output("CellTimeoutError",
                                                     f"no result after {self.timeout} s"))
                    self._stop_all(nb.cells, index + 1, f"the kernel was stopped in {where}")
                    break
                if self._timed_out is cell:
                    issues.append(Issue(Code.TIMED_OUT, where,
                                        f"interrupted after {self.timeout} s"))
                self._note_errors(cell, where, issues)
        finally:
            await self._shutdown()
        self.set_widgets_metadata()
        return nb, resources

    def _note_errors(self, cell, where: str, issues: list[Issue]) -> None:
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            if out.get("ename") in MEMORY_ERRORS:
                issues.append(Issue(Code.MEMORY, where, "MemoryError: the memory limit was hit"))
            elif utils.is_solution(cell) or not cell.metadata.get("nbgrader"):
                if out.get("ename") not in ("CellTimeoutError", "KeyboardInterrupt"):
                    issues.append(Issue(Code.CELL_ERROR, where, str(out.get("ename"))))
            return

    async def _shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
        finally:
            self.kc = None
            try:
                await asyncio.wait_for(self.km.shutdown_kernel(now=True), 15)
            except Exception:  # the worker kills the process tree anyway
                self.log.warning("kernel shutdown failed", exc_info=True)

