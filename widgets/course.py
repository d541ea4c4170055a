"""The course layout: where everything lives, in one place.

Every other module (the data loader, the notebook tests, the grading runner, the servers)
asks this module for paths instead of building them, so the layout is described once.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable that overrides the course root (a folder holding ``datasets/``).
ROOT_ENV = "GENAI_TRAPS_ROOT"

#: nbgrader course id, also used in gradebook exports.
COURSE_ID = "genai-traps"

LESSONS = "lessons"
SOLUTIONS = "solutions"  # nbgrader source directory: the only place answers live
EXERCISES = "exercises"  # nbgrader release directory: generated, never hand-edited
DATASETS = "datasets"
APPS = "apps"
DOCS = "docs"
BENCHMARKS = "benchmarks"

#: The lesson anatomy (STYLE.md §7): level-2 headings every lesson has, in this order.
#: Content sections go between "Setup" and "Case study".
LESSON_ANATOMY = (
    "Learning objectives",
    "Prerequisites and time",
    "Setup",
    "Case study",
    "Try the tool",
    "Knowledge check",
    "Key points",
    "What's next",
    "Sources",
)

#: How a lesson states its time, in its "Prerequisites and time" section (tests parse it).
TIME_PATTERN = r"\*\*Time:\*\* (\d+) min teaching \+ (\d+) min exercises"

#: Cell tag for instructor notes; Voilà and the learner view hide cells with it.
INSTRUCTOR_TAG = "instructor-note"


class CourseRootNotFound(FileNotFoundError):
    """No folder holding the course's ``datasets/`` could be found."""


def _looks_like_root(path: Path) -> bool:
    return (path / DATASETS).is_dir()


def root_candidates() -> list[Path]:
    """Folders that may hold the course, in the order they are tried.

    1. ``$GENAI_TRAPS_ROOT`` when set;
    2. the folder above this package (an editable install or a checkout);
    3. the current folder and its parents (a notebook opened anywhere inside the course,
       including nbgrader's ``autograded/<student>/<assignment>/``).
    """
    found: list[Path] = []
    env = os.environ.get(ROOT_ENV)
    if env:
        found.append(Path(env).expanduser())
    found.append(Path(__file__).resolve().parent.parent)
    cwd = Path.cwd().resolve()
    found.extend([cwd, *cwd.parents])
    return found


def root() -> Path:
    """Return the course root folder.

    Raises
    ------
    CourseRootNotFound
        If ``$GENAI_TRAPS_ROOT`` is set but has no ``datasets/`` folder, or no candidate has one.
        The message lists the folders searched and how to fix it.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        path = Path(env).expanduser()
        if _looks_like_root(path):
            return path.resolve()
        raise CourseRootNotFound(
            f"{ROOT_ENV}={env!r} has no '{DATASETS}/' folder. "
            f"Point {ROOT_ENV} at the course folder (the one holding '{DATASETS}/') or unset it."
        )
    candidates = root_candidates()
    for path in candidates:
        if _looks_like_root(path):
            return path.resolve()
    searched = "\n  ".join(str(p) for p in candidates)
    raise CourseRootNotFound(
        f"Could not find the course folder (one holding '{DATASETS}/'). Searched:\n  {searched}\n"
        f"Fix: run from inside the course, or set {ROOT_ENV} to the course folder."
    )


def path(*parts: str) -> Path:
    """Return ``root() / parts``, for example ``path(DATASETS, "llm_prices.csv")``."""
    return root().joinpath(*parts)


def lessons() -> list[Path]:
    """Lesson notebooks in teaching order (``lessons/NN-slug.ipynb``)."""
    return sorted(path(LESSONS).glob("[0-9][0-9]-*.ipynb"))


def assignments() -> list[str]:
    """Assignment ids in teaching order (``solutions/NN-slug/``)."""
    return sorted(p.name for p in path(SOLUTIONS).glob("[0-9][0-9]-*") if p.is_dir())


def app_notebooks() -> list[Path]:
    """Voilà app notebooks (``apps/*.ipynb``)."""
    return sorted(path(APPS).glob("*.ipynb"))


def grading() -> bool:
    """True while nbgrader executes the notebook (validate or autograde).

    Widget cells check this and skip heavy work: graded answers are plain values, and
    the autograder re-runs the notebook with outputs cleared.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))
