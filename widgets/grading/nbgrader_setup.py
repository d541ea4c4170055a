"""One way to get an nbgrader API for the course (or for a scratch copy of it).

The committed ``nbgrader_config.py`` is the single source of nbgrader settings; this module
loads it and, for scratch copies, re-points the course root and gradebook.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from widgets import course

CONFIG_FILE = "nbgrader_config.py"


def load_config(root: Path | None = None, **overrides: object) -> Config:
    """The course's nbgrader config; ``root`` re-points the course root and gradebook.

    ``overrides`` are ``"Section.trait"`` keys with values, e.g.
    ``{"Execute.timeout": 10}`` passed as ``**{"Execute.timeout": 10}``.
    """
    source = course.root()
    cfg = PyFileConfigLoader(CONFIG_FILE, path=str(source)).load_config()
    if root is not None:
        root = Path(root).resolve()
        cfg.CourseDirectory.root = str(root)
        cfg.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    for key, value in overrides.items():
        section, trait = key.split(".", 1)
        setattr(cfg[section], trait, value)
    return cfg


def ensure_tools_on_path() -> None:
    """Put this Python's ``bin/`` first on PATH.

    nbgrader runs the ``alembic`` command to open a gradebook; when the venv is used without
    being activated (``.venv/bin/python -m ...``), that command would not be found.
    """
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p != bindir]])


def api(root: Path | None = None, *, quiet: bool = True, **overrides: object):
    """An ``NbGraderAPI`` for the course, or for a scratch course at ``root``."""
    ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    cfg = load_config(root, **overrides)
    coursedir = CourseDirectory(config=cfg)
    grader = NbGraderAPI(coursedir=coursedir, config=cfg)
    if quiet:
        grader.log.setLevel(logging.WARNING)
    return grader


def scratch_course(dest: Path, assignments: list[str] | None = None) -> Path:
    """Make a scratch course at ``dest`` holding copies of the sources of ``assignments``.

    Generating or grading there never touches the instructor's gradebook or release.
    """
    dest = Path(dest)
    src = course.path(course.SOLUTIONS)
    for a in assignments or course.assignments():
        shutil.copytree(src / a, dest / course.SOLUTIONS / a, dirs_exist_ok=True)
    return dest
