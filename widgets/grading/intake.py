"""Intake: find learners' notebooks and file them where nbgrader expects them.

Submissions are graded from nbgrader's layout, ``submitted/<student>/<assignment>/<notebook>``.
``--from`` accepts a folder or a ``.zip`` of learner notebooks (an LMS download, a shared
drive) and copies them into that layout first, like nbgrader's ``zip_collect``. Which learner
a file belongs to comes from where it sits or from its name:

``<student>/<notebook>.ipynb`` or ``<student>/<assignment>/<notebook>.ipynb``
    One folder per learner: the folder name is the student id.
``<student>_<anything>.ipynb``
    A flat file: the student id is the text before the first underscore
    (``ana.silva_design-a-pilot.ipynb`` -> ``ana.silva``). ``--pattern`` replaces this rule with
    a regular expression that has a ``(?P<student>...)`` group.

Student ids may hold letters, digits and ``. _ @ + -`` (nothing that could leave a folder).
When an assignment has one notebook, any notebook file of a learner is that notebook (LMS
downloads rename files); with several, the file name must end with the notebook's name.
When a learner has two files for the same notebook, the newest one wins and intake says so.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from widgets import course

#: The default file-name rule for flat files: the student id, an underscore, anything.
DEFAULT_PATTERN = r"(?P<student>[A-Za-z0-9][A-Za-z0-9.@+-]*)_.+\.ipynb"
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
SUBMITTED = "submitted"
#: Largest notebook file intake copies out of a zip (bytes); bigger ones are skipped, not read.
MAX_FILE_BYTES = 50 * 2**20
SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints"}


class IntakeError(ValueError):
    """The source cannot be read at all (missing, not a folder or zip, a damaged zip)."""


@dataclass
class Submission:
    """One learner's submission of an assignment, as found in ``submitted/``."""

    student: str
    assignment: str
    folder: Path
    notebooks: list[Path] = field(default_factory=list)


@dataclass
class IntakeReport:
    """What intake did: files copied into ``submitted/`` and files it skipped, with reasons."""

    copied: list[tuple[str, str, Path]] = field(default_factory=list)  # (student, notebook, src)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"intake: {len(self.copied)} notebook(s) from "
               f"{len({s for s, _, _ in self.copied})} learner(s)"]
        out += [f"intake: skipped {p}: {why}" for p, why in self.skipped]
        out += [f"intake: {n}" for n in self.notes]
        return out


def notebook_names(assignment: str, root: Path | None = None) -> list[str]:
    """The notebook names (without ``.ipynb``) of ``assignment`` in ``solutions/``."""
    folder = Path(root or course.root()) / course.SOLUTIONS / assignment
    return sorted(p.stem for p in folder.glob("*.ipynb"))


def _safe_extract(archive: Path, dest: Path, report: IntakeReport) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise IntakeError(f"{archive} is not a readable zip file: {err}") from None
    with zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir():
                continue
            if name.is_absolute() or ".." in name.parts or not name.name.endswith(".ipynb"):
                if name.name.endswith(".ipynb"):
                    report.skipped.append((Path(info.filename), "unsafe path in the zip"))
                continue
            if info.file_size > MAX_FILE_BYTES:
                report.skipped.append((Path(info.filename), f"larger than "
                                       f"{MAX_FILE_BYTES // 2**20} MB"))
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def _owner(rel: Path, pattern: re.Pattern) -> str | None:
    if len(rel.parts) >= 2:
        return rel.parts[0]
    match = pattern.fullmatch(rel.name)
    return match.group("student") if match else None


def _notebook_for(file: Path, names: list[str]) -> str | None:
    for name in sorted(names, key=len, reverse=True):
        if file.stem == name or file.stem.endswith(name):
            return name
    return names[0] if len(names) == 1 else None


def collect(source: Path, assignment: str, *, root: Path | None = None,
            pattern: str = DEFAULT_PATTERN) -> IntakeReport:
    """Copy the learner notebooks in ``source`` (folder or zip) into ``submitted/``.

    Raises
    ------
    IntakeError
        If ``source`` does not exist, is neither a folder nor a zip, or the zip is damaged.
    """
    root = Path(root or course.root())
    source = Path(source)
    names = notebook_names(assignment, root)
    if not names:
        raise IntakeError(f"assignment {assignment!r} has no notebooks in "
                          f"{root / course.SOLUTIONS / assignment}")
    regex = re.compile(pattern)
    if "student" not in regex.groupindex:
        raise IntakeError("--pattern needs a (?P<student>...) group")
    report = IntakeReport()
    with tempfile.TemporaryDirectory(prefix="genai-traps-intake-") as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            _safe_extract(source, Path(tmp), report)
            folder = Path(tmp)
        elif source.is_dir():
            folder = source
        else:
            raise IntakeError(f"{source} is neither a folder nor a .zip file")
        chosen: dict[tuple[str, str], Path] = {}
        for file in sorted(folder.rglob("*.ipynb")):
            rel = file.relative_to(folder)
            if any(part in SKIP_PARTS or part.startswith(".") for part in rel.parts):
                continue
            if file.is_symlink() or not file.is_file():
                report.skipped.append((rel, "not a regular file"))
                continue
            student = _owner(rel, regex)
            if student is None:
                report.skipped.append((rel, "cannot tell whose notebook this is (name it "
                                       "<student>_<notebook>.ipynb or put it in a folder "
                                       "named after the student)"))
                continue
            if not STUDENT_ID.fullmatch(student):
                report.skipped.append((rel, f"{student!r} is not a usable student id (letters, "
                                       "digits and . _ @ + - only)"))
                continue
            notebook = _notebook_for(file, names)
            if notebook is None:
                report.skipped.append((rel, f"does not end with one of the notebook names "
                                       f"{', '.join(names)}"))
                continue
            key = (student, notebook)
            if key in chosen:
                older, newer = sorted([chosen[key], file], key=lambda p: p.stat().st_mtime)
                report.notes.append(f"{student} has two files for {notebook}: kept "
                                    f"{newer.relative_to(folder)}, ignored "
                                    f"{older.relative_to(folder)}")
                chosen[key] = newer
            else:
                chosen[key] = file
        for (student, notebook), file in sorted(chosen.items()):
            dest = root / SUBMITTED / student / assignment / f"{notebook}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, dest)
            report.copied.append((student, notebook, file.relative_to(folder)))
    return report


def submissions(assignment: str, *, root: Path | None = None,
                students: list[str] | None = None) -> list[Submission]:
    """The submissions of ``assignment`` in ``submitted/<student>/<assignment>/``."""
    root = Path(root or course.root())
    base = root / SUBMITTED
    found = []
    if not base.is_dir():
        return found
    for folder in sorted(base.glob(f"*/{assignment}")):
        student = folder.parent.name
        if not folder.is_dir() or (students and student not in students):
            continue
        if not STUDENT_ID.fullmatch(student):
            continue
        notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
        found.append(Submission(student, assignment, folder, notebooks))
    return found
