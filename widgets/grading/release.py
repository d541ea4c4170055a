"""Generate the student release ``exercises/`` from ``solutions/`` (``make exercises``).

nbgrader's ``generate_assignment`` runs in a scratch course, so the instructor's gradebook
is untouched, and the result replaces ``exercises/<assignment>/``. Nothing but notebooks
may sit in ``solutions/<assignment>/``: nbgrader copies every other file into the release.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from widgets import course
from widgets.grading import nbgrader_setup


class ReleaseError(RuntimeError):
    """The release could not be generated; the message says why."""


def check_sources(assignment: str) -> None:
    """Refuse a source folder holding anything but notebooks (it would leak into the release)."""
    folder = course.path(course.SOLUTIONS, assignment)
    stray = [p.relative_to(folder) for p in folder.rglob("*")
             if p.is_file() and p.suffix != ".ipynb" and ".ipynb_checkpoints" not in p.parts]
    if stray:
        raise ReleaseError(
            f"{folder} holds files other than notebooks: {', '.join(map(str, stray))}. nbgrader "
            "copies them into the student release; move them out of solutions/."
        )


def generate(assignments: list[str] | None = None, *, out: Path | None = None) -> list[Path]:
    """Generate releases of ``assignments`` (all by default) into ``out`` (``exercises/``).

    Returns the release folders written.
    """
    names = assignments or course.assignments()
    out = Path(out) if out is not None else course.path(course.EXERCISES)
    written = []
    with tempfile.TemporaryDirectory(prefix="genai-traps-release-") as tmp:
        scratch = nbgrader_setup.scratch_course(Path(tmp), names)
        grader = nbgrader_setup.api(scratch)
        for a in names:
            check_sources(a)
            result = grader.generate_assignment(a, force=True, create=True)
            if not result.get("success"):
                raise ReleaseError(f"nbgrader could not generate {a}:\n{result.get('error')}\n"
                                   f"{result.get('log', '')}")
            target = out / a
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(scratch / course.EXERCISES / a, target)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.grading.release",
                                     description=__doc__)
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args(argv)
    try:
        for path in generate(args.assignments or None):
            print(f"released {path.relative_to(course.root())}")
    except ReleaseError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
