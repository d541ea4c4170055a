"""Which notebooks the tests look at (from the one course layout)."""

from __future__ import annotations

from pathlib import Path

from widgets import course

ROOT = course.root()


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def lessons() -> list[Path]:
    return course.lessons()


def solutions() -> list[Path]:
    return sorted(ROOT.glob(f"{course.SOLUTIONS}/*/*.ipynb"))


def releases() -> list[Path]:
    return sorted(ROOT.glob(f"{course.EXERCISES}/*/*.ipynb"))


def apps() -> list[Path]:
    return course.app_notebooks()


def executable() -> list[Path]:
    """Every notebook that must run top to bottom headless."""
    return lessons() + solutions() + apps()


def committed() -> list[Path]:
    return executable() + releases()
