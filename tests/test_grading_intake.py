"""Intake: which learner a file belongs to, from a folder or a zip, without trusting names."""

from __future__ import annotations

import zipfile

import nbformat
import pytest

from widgets.grading import intake

A = "05-design-a-pilot"


@pytest.fixture
def course(tmp_path):
    """A course whose assignment has one notebook, design-a-pilot."""
    root = tmp_path / "course"
    (root / "solutions" / A).mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), root / "solutions" / A / "design-a-pilot.ipynb")
    return root


def _nb(text: str = "") -> str:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)]))


def _submitted(root) -> dict[str, str]:
    return {p.parent.parent.name: p.read_text()
            for p in sorted((root / "submitted").glob(f"*/{A}/*.ipynb"))}


def test_flat_names_and_folders_map_to_students(course, tmp_path):
    src = tmp_path / "download"
    (src / "bo").mkdir(parents=True)
    (src / "ana.silva_design-a-pilot.ipynb").write_text(_nb("ana"))
    (src / "bo" / "my work.ipynb").write_text(_nb("bo"))
    (src / "cy@example.org_design-a-pilot (1).ipynb").write_text(_nb("cy"))
    report = intake.collect(src, A, root=course)
    got = _submitted(course)
    assert set(got) == {"ana.silva", "bo", "cy@example.org"}
    assert '"ana"' in got["ana.silva"] and '"bo"' in got["bo"]
    assert all(p.name == "design-a-pilot.ipynb"
               for p in (course / "submitted").glob(f"*/{A}/*"))
    assert len(report.copied) == 3 and not report.skipped


def test_files_that_name_no_student_are_skipped_with_a_reason(course, tmp_path):
    src = tmp_path / "download"
    src.mkdir()
    (src / "design-a-pilot.ipynb").write_text(_nb())
    (src / "-rf_design-a-pilot.ipynb").write_text(_nb())
    (src / ".hidden_x.ipynb").write_text(_nb())
    report = intake.collect(src, A, root=course)
    assert _submitted(course) == {}
    reasons = " ".join(why for _, why in report.skipped)
    assert "cannot tell whose notebook" in reasons


def test_a_zip_cannot_write_outside_submitted(course, tmp_path):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../evil_design-a-pilot.ipynb", _nb("evil"))
        zf.writestr("/abs_design-a-pilot.ipynb", _nb("abs"))
        zf.writestr("dee_design-a-pilot.ipynb", _nb("dee"))
        zf.writestr("__MACOSX/._dee_design-a-pilot.ipynb", b"junk")
    report = intake.collect(archive, A, root=course)
    assert set(_submitted(course)) == {"dee"}
    assert not list(tmp_path.glob("evil*")) and not list(course.parent.glob("evil*"))
    assert any("unsafe path" in why for _, why in report.skipped)


def test_newest_of_two_files_wins_and_intake_says_so(course, tmp_path):
    import os

    src = tmp_path / "download"
    src.mkdir()
    old, new = src / "ed_design-a-pilot.ipynb", src / "ed_design-a-pilot-v2.ipynb"
    old.write_text(_nb("old"))
    new.write_text(_nb("new"))
    os.utime(old, (1, 1))
    report = intake.collect(src, A, root=course)
    assert '"new"' in _submitted(course)["ed"]
    assert any("kept" in note for note in report.notes)


def test_pattern_overrides_the_file_name_rule(course, tmp_path):
    src = tmp_path / "download"
    src.mkdir()
    (src / "assignsubmission_file_12345_fay.ipynb").write_text(_nb())
    intake.collect(src, A, root=course, pattern=r".*_(?P<student>[a-z]+)\.ipynb")
    assert set(_submitted(course)) == {"fay"}
    with pytest.raises(intake.IntakeError, match="student"):
        intake.collect(src, A, root=course, pattern=r".*\.ipynb")


def test_missing_source_is_a_clear_error(course, tmp_path):
    with pytest.raises(intake.IntakeError, match=r"neither a folder nor a \.zip"):
        intake.collect(tmp_path / "nope", A, root=course)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(intake.IntakeError):
        intake.collect(bad, A, root=course)


def test_submissions_lists_the_nbgrader_layout(course):
    for student in ("gus", "hal"):
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / "design-a-pilot.ipynb").write_text(_nb())
    (course / "submitted" / "ivy" / "other-assignment").mkdir(parents=True)
    subs = intake.submissions(A, root=course)
    assert [s.student for s in subs] == ["gus", "hal"]
    assert [s.student for s in intake.submissions(A, root=course, students=["hal"])] == ["hal"]
