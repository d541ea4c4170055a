"""The instructor guide's agendas add up and use each lesson's own minutes; the instructor docs
cover every lesson and link only to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests import notebooks
from widgets import course, objectives

DOCS = course.path(course.DOCS)
GUIDE = DOCS / "instructor-guide.md"
HEADER = "| Start | Minutes | Teaching | Exercise | Activity | Material |"
#: The Voilà apps the briefing may name (some are built on other branches).
APPS = {"gallery", "readiness-diagnostic", "budget-planner", "pilot-designer",
        "failure-explorer", "maturity-check"}
LESSON_REF = re.compile(rf"{course.LESSONS}/(\d\d-[a-z0-9-]+)\.ipynb")
APP_REF = re.compile(rf"{course.APPS}/([a-z0-9-]+)\.ipynb")
EXERCISE_REF = re.compile(rf"{course.EXERCISES}/(\d\d-[a-z0-9-]+)/")


def _formats(text: str) -> dict[str, tuple[int, list[dict]]]:
    """``{heading: (stated total, rows)}`` for every ``## Format`` section of the guide."""
    found = {}
    for section in re.split(r"^(?=## )", text, flags=re.M):
        if not section.startswith("## Format"):
            continue
        heading = section.splitlines()[0]
        total = re.search(r"^\*\*Total:\*\* (\d+) min$", section, re.M)
        assert total, f"{heading}: no '**Total:** N min' line"
        assert HEADER in section, f"{heading}: no agenda table with the header {HEADER}"
        rows = []
        body = section.split(HEADER, 1)[1].splitlines()[2:]
        for line in body:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            start, minutes, teaching, exercise, activity, material = cells
            rows.append(dict(start=start, minutes=int(minutes), teaching=int(teaching),
                             exercise=int(exercise), activity=activity, material=material))
        found[heading] = (int(total.group(1)), rows)
    return found


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


@pytest.fixture(scope="module")
def formats():
    found = _formats(GUIDE.read_text(encoding="utf-8"))
    assert len(found) == 3, f"three formats expected, found {list(found)}"
    return found


@pytest.fixture(scope="module")
def lesson_minutes() -> dict[str, tuple[int, int]]:
    found = {}
    for path in notebooks.lessons():
        minutes = objectives.lesson_minutes(nbformat.read(path, as_version=4))
        assert minutes, f"{notebooks.rel(path)} states no '**Time:** T min teaching + E min ...'"
        found[path.stem] = minutes
    return found


def test_each_agenda_adds_up_to_its_total_with_consecutive_start_times(formats):
    for heading, (total, rows) in formats.items():
        assert rows, f"{heading}: empty agenda"
        clock = 0
        for row in rows:
            assert row["start"] == _clock(clock), f"{heading}: {row['activity']!r} starts at " \
                f"{row['start']}, but the rows above end at {_clock(clock)}"
            clock += row["minutes"]
        assert clock == total, f"{heading}: the rows add up to {clock} min, not {total}"


def test_each_row_splits_its_minutes_into_teaching_and_exercise(formats):
    for heading, (_, rows) in formats.items():
        for row in rows:
            if re.match(r"(Break|Lunch)\b", row["activity"]):
                assert row["teaching"] == row["exercise"] == 0, f"{heading}: {row}"
            else:
                assert row["teaching"] + row["exercise"] == row["minutes"], f"{heading}: {row}"


def test_lesson_rows_use_exactly_the_lessons_stated_minutes(formats, lesson_minutes):
    runs = 0
    for heading, (_, rows) in formats.items():
        for row in rows:
            named = set(LESSON_REF.findall(row["material"]))
            assert len(named) <= 1, f"{heading}: one lesson per row ({row['activity']!r})"
            for stem in named:
                assert stem in lesson_minutes, f"{heading}: no lesson file {stem}.ipynb"
                teaching, exercise = lesson_minutes[stem]
                assert (row["teaching"], row["exercise"]) == (teaching, exercise), (
                    f"{heading}: {stem} runs {row['teaching']}+{row['exercise']} min in the "
                    f"agenda, but the lesson states {teaching} + {exercise}")
                runs += 1
    assert runs >= len(lesson_minutes), "the agendas run fewer lessons than exist"


def test_the_briefing_uses_only_apps_and_the_full_day_everything(formats, lesson_minutes):
    briefing, half_day, full_day = (rows for _, rows in formats.values())
    briefing_text = " ".join(r["material"] for r in briefing)
    assert not LESSON_REF.search(briefing_text), "the executive briefing uses apps only"
    named_apps = set(APP_REF.findall(" ".join(r["material"] for rows in (briefing, half_day,
                                                                          full_day)
                                              for r in rows)))
    assert named_apps <= APPS, f"unknown apps: {named_apps - APPS}"
    assert APPS <= set(APP_REF.findall(briefing_text)), "the briefing walks through every app"
    full_text = " ".join(r["material"] for r in full_day)
    assert set(LESSON_REF.findall(full_text)) == set(lesson_minutes), "full day: every lesson"
    assert set(EXERCISE_REF.findall(full_text)) == set(course.assignments()), \
        "full day: every graded exercise"


def _local_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    return [link for link in links if "://" not in link and not link.startswith("mailto:")]


@pytest.mark.parametrize("doc", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_docs_link_only_to_files_that_exist(doc):
    broken = [link for link in _local_links(doc) if not (doc.parent / link).exists()]
    assert not broken, f"{doc.name} links to missing files: {broken}"


def test_the_docs_index_lists_every_page():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    missing = [page for page in sorted(pages) if f"({page})" not in index]
    assert not missing, f"docs/README.md does not link to {missing}"


@pytest.mark.parametrize("path", notebooks.lessons(), ids=notebooks.rel)
def test_every_lesson_has_facilitation_notes(path):
    text = (DOCS / "facilitation-notes.md").read_text(encoding="utf-8")
    section = re.search(rf"^## {path.name[:2]} · .*?(?=^## |\Z)", text, re.M | re.S)
    assert section, f"facilitation-notes.md has no '## {path.name[:2]} · ...' section"
    body = section.group(0)
    assert f"../{course.LESSONS}/{path.name}" in body, "the section links its lesson"
    for part in ("Questions to ask", "Common misconceptions", "When time runs short"):
        assert f"**{part}**" in body, f"lesson {path.name[:2]}: no '{part}' part"


def test_every_role_card_carries_prompts():
    text = (DOCS / "role-cards.md").read_text(encoding="utf-8")
    cards = re.split(r"^(?=## )", text, flags=re.M)[1:]
    names = [card.splitlines()[0] for card in cards if card.startswith("## Card")]
    assert len(names) == 4, names
    for role in ("CIO", "Business owner", "Data scientist", "Finance"):
        card = next((c for c in cards if c.startswith("## Card") and role in c.splitlines()[0]),
                    None)
        assert card, f"no card for {role}"
        prompts = re.findall(r"^- ", card.split("**Prompts", 1)[-1], re.M)
        assert len(prompts) >= 3, f"{role}: fewer than three prompts"
