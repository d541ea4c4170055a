"""nbgrader configuration for the GenAI Traps kit.

Paths are computed from this file's location, so nbgrader works the same from any folder.
``solutions/`` is the nbgrader source (the only place answers live); ``exercises/`` is the
student release generated from it by ``make exercises``.
"""

from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when it loads this file)

root = Path(__file__).resolve().parent

c.CourseDirectory.root = str(root)
c.CourseDirectory.course_id = "genai-traps"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
# Never copy notebooks' checkpoints, caches or an answer key into a release or a submission.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store", "*.key", "*.bak",
]

# Seconds each cell may run during validate/autograde before the kernel is interrupted.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# A learner who deletes a graded or test cell gets it back (marked as missing), so the cell
# is graded rather than silently skipped.
c.OverwriteCells.add_missing_cells = True
# Cap what a submission can print into the autograded notebook and the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# Stubs do not raise: a manager doing only Track A can still run every cell. Answer cells start
# from `name = None` and function stubs keep their docstring, so a blank stays valid Python
# (tests/test_nbgrader_pipeline.py compiles every released cell).
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The kit's grading runner (make grade; docs/grading.md lists every setting): worker processes
# (0: one per CPU core) and the memory cap of each grading kernel in MiB.
c.GradingRunner.workers = 0
c.GradingRunner.memory_mb = 2048
