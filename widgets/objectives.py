"""The objectives map: every lesson objective, and what assesses it.

``python -m widgets.objectives`` (``make docs``) writes ``docs/objectives-map.md`` from

- each lesson's ``## Learning objectives`` and its knowledge-check questions, matched through
  each ``quiz.Question``'s ``objective=`` text (the lesson contract makes it the objective's
  exact text), and
- the graded items of ``solutions/`` (nbgrader cells that carry points), matched through
  ``GRADED_ITEMS`` below: the one place where graded items meet objectives.

``--check`` writes nothing and exits with 1 when the committed map is out of date.
The lesson's time line (``course.TIME_PATTERN``) is parsed here too, for the instructor guide's
agenda test.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from widgets import course

MAP_FILE = "objectives-map.md"

# Graded items -> the objectives they assess, as (lesson number, exact objective text).
# Keys are (assignment, grade_id) of nbgrader cells that carry points: automatic test cells and
# hand-graded written answers. Every such cell in solutions/ must appear here, and every
# objective named here must be stated by its lesson (tests/test_objectives_map.py checks both),
# so a renamed cell or a reworded objective fails loudly instead of dropping out of the map.
_O00_COMPARE = ("00", "Compare groups of projects in the failure explorer and tell a real "
                      "difference from noise.")
_O01_PLACE = ("01", "Place a GenAI use case on the technology readiness scale, using evidence "
                    "from your own environment.")
_O01_ESTIMATE = ("01", "Estimate how much work a measured error rate lets you automate, and how "
                       "more pilot evidence changes that.")
_O02_BASELINE = ("02", "Measure a KPI's baseline and its normal week-to-week variation before a "
                       "pilot starts.")
_O02_GUARDRAIL = ("02", "Explain why a cost or speed KPI needs a quality guardrail, using the "
                        "Klarna case.")
_O02_SMART = ("02", "Check a KPI against the SMART criteria with the KPI builder.")
_O03_LINES = ("03", "List the cost lines of a GenAI use case beyond the model's inference bill.")
_O03_JCURVE = ("03", "Explain why value arrives later than cost, using the productivity J-curve.")
_O03_CUTS = ("03", "Predict what cutting the data and change budgets does to value, NPV and "
                   "payback.")
_O05_SIZE = ("05", "Size a pilot on a rate KPI and explain why a small pilot overstates the "
                   "effect it finds.")
_O05_RULE = ("05", "Apply a go/no-go rule, written before the pilot, to a finished pilot.")
_O05_RETRO = ("05", "Run a retrospective or a pre-mortem that names the trap, the evidence, the "
                    "action and its owner.")
_O06_DIAGNOSE = ("06", "Apply the readiness diagnostic to a project scenario and name its "
                       "weakest traps.")
_O06_MEMO = ("06", "Write a go/no-go memo that states the decision, the evidence, the conditions "
                   "and what would reverse it.")

GRADED_ITEMS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    # 01 assess maturity: the report-automation case of lesson 04, judged for readiness.
    ("01-assess-maturity", "track_a_error_rate_upper_test"): (_O01_ESTIMATE,),
    ("01-assess-maturity", "track_a_automation_share_test"): (_O01_ESTIMATE,),
    ("01-assess-maturity", "track_a_residual_error_test"): (_O01_ESTIMATE,),
    ("01-assess-maturity", "track_a_portfolio_test"): (_O00_COMPARE,),
    ("01-assess-maturity", "track_b_error_upper_bound_test"): (_O01_ESTIMATE,),
    ("01-assess-maturity", "track_b_straight_through_share_test"): (_O01_ESTIMATE,),
    ("01-assess-maturity", "track_b_delivered_error_rate_test"): (_O01_ESTIMATE,),
    ("01-assess-maturity", "track_b_production_share_by_gap_test"): (_O00_COMPARE,),
    ("01-assess-maturity", "written_readiness_level"): (_O01_PLACE, _O01_ESTIMATE),
    # 02 define KPIs
    ("02-define-kpis", "track_a_baselines_test"): (_O02_BASELINE,),
    ("02-define-kpis", "track_a_specs_complete_test"): (_O02_SMART,),
    ("02-define-kpis", "track_a_specs_baselines_test"): (_O02_BASELINE,),
    ("02-define-kpis", "track_a_specs_targets_test"): (_O02_SMART,),
    ("02-define-kpis", "track_b_control_baselines_test"): (_O02_BASELINE,),
    ("02-define-kpis", "track_b_specs_complete_test"): (_O02_SMART,),
    ("02-define-kpis", "track_b_specs_baselines_test"): (_O02_BASELINE,),
    ("02-define-kpis", "track_b_specs_targets_test"): (_O02_SMART,),
    ("02-define-kpis", "written_cost_only_kpi"): (_O02_GUARDRAIL,),
    # 03 size a budget
    ("03-size-a-budget", "track_a_inference_month_1_test"): (_O03_LINES,),
    ("03-size-a-budget", "track_a_total_cost_3y_test"): (_O03_LINES,),
    ("03-size-a-budget", "track_a_npv_3y_test"): (_O03_JCURVE,),
    ("03-size-a-budget", "track_a_payback_month_test"): (_O03_JCURVE,),
    ("03-size-a-budget", "track_a_underfunded_lines_test"): (_O03_LINES,),
    ("03-size-a-budget", "track_b_inference_cost_test"): (_O03_LINES,),
    ("03-size-a-budget", "track_b_npv_test"): (_O03_JCURVE,),
    ("03-size-a-budget", "track_b_payback_test"): (_O03_JCURVE,),
    ("03-size-a-budget", "track_b_plan_test"): (_O03_LINES, _O03_JCURVE),
    ("03-size-a-budget", "track_b_underfunded_test"): (_O03_LINES,),
    ("03-size-a-budget", "written_contingency"): (_O03_CUTS,),
    # 05 design a pilot
    ("05-design-a-pilot", "track_a_contacts_per_arm_test"): (_O05_SIZE,),
    ("05-design-a-pilot", "track_a_pilot_weeks_test"): (_O05_SIZE,),
    ("05-design-a-pilot", "track_a_criteria_test"): (_O05_RULE,),
    ("05-design-a-pilot", "track_a_lift_test"): (_O05_RULE,),
    ("05-design-a-pilot", "track_a_decision_test"): (_O05_RULE,),
    ("05-design-a-pilot", "track_b_contacts_needed_test"): (_O05_SIZE,),
    ("05-design-a-pilot", "track_b_weeks_needed_test"): (_O05_SIZE,),
    ("05-design-a-pilot", "track_b_pilot_effect_test"): (_O05_RULE,),
    ("05-design-a-pilot", "track_b_decision_test"): (_O05_RULE,),
    ("05-design-a-pilot", "written_memo"): (_O05_RULE,),
    # 06 capstone
    ("06-capstone", "track_a_readiness_test"): (_O06_DIAGNOSE,),
    ("06-capstone", "track_a_rph_lift_test"): (_O06_MEMO,),
    ("06-capstone", "track_a_portfolio_test"): (_O00_COMPARE,),
    ("06-capstone", "track_b_failure_risk_test"): (_O06_DIAGNOSE,),
    ("06-capstone", "track_b_rph_lift_test"): (_O06_MEMO,),
    ("06-capstone", "track_b_production_share_test"): (_O00_COMPARE,),
    ("06-capstone", "written_decision_memo"): (_O06_MEMO,),
    ("06-capstone", "written_premortem"): (_O05_RETRO,),
}


class MapError(ValueError):
    """The lessons, the solutions and ``GRADED_ITEMS`` do not fit together."""


@dataclass(frozen=True)
class GradedItem:
    assignment: str
    grade_id: str
    points: float
    manual: bool  # a written answer graded by hand


@dataclass
class Objective:
    number: int
    text: str
    questions: list[str] = field(default_factory=list)
    graded: list[GradedItem] = field(default_factory=list)

    @property
    def assessed(self) -> bool:
        return bool(self.questions or self.graded)


@dataclass
class Lesson:
    number: str
    title: str
    path: Path
    objectives: list[Objective]
    teaching_min: int | None
    exercise_min: int | None


# ---------------------------------------------------------------------------- lessons
def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _plain(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text).strip()


def lesson_objectives(nb) -> list[str]:
    """The objectives under ``## Learning objectives``, bold markers dropped."""
    block = re.search(r"^## Learning objectives\n(.*?)(?=^## |\Z)", _markdown(nb), re.M | re.S)
    if not block:
        return []
    return [_plain(item) for item in re.findall(r"^\s*(?:\d+\.|-)\s+(.+)$", block.group(1), re.M)]


def lesson_minutes(nb) -> tuple[int, int] | None:
    """``(teaching, exercises)`` minutes from the lesson's ``**Time:**`` line, or None."""
    found = re.search(course.TIME_PATTERN, _markdown(nb))
    return (int(found.group(1)), int(found.group(2))) if found else None


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def lesson_questions(nb) -> list[tuple[str, str | None]]:
    """``(prompt, objective)`` of every ``quiz.Question(...)`` in the lesson's code cells."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
                    and getattr(node.func, "attr", getattr(node.func, "id", None)) == "Question"):
                continue
            given = {k.arg: k.value for k in node.keywords}
            prompt = _string(node.args[0] if node.args else given.get("prompt")) or "(computed)"
            found.append((prompt, _string(given.get("objective"))))
    return found


def read_lesson(path: Path) -> Lesson:
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source.splitlines()[0] if nb.cells else ""
    title = re.sub(r"^#\s*\d\d\s*·\s*", "", first).strip() or path.stem
    minutes = lesson_minutes(nb)
    objectives = [Objective(i, text) for i, text in enumerate(lesson_objectives(nb), 1)]
    by_text = {o.text: o for o in objectives}
    for prompt, objective in lesson_questions(nb):
        if objective in by_text:
            by_text[objective].questions.append(prompt)
    return Lesson(path.name[:2], title, path, objectives,
                  minutes[0] if minutes else None, minutes[1] if minutes else None)


# ---------------------------------------------------------------------------- solutions
def graded_cells(root: Path | None = None) -> list[GradedItem]:
    """Every nbgrader cell in ``solutions/`` that carries points, in notebook order."""
    root = root or course.root()
    items = []
    for nb_path in sorted((root / course.SOLUTIONS).glob("[0-9][0-9]-*/*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("points") and (meta.get("grade") or meta.get("task")):
                items.append(GradedItem(nb_path.parent.name, meta["grade_id"],
                                        float(meta["points"]), bool(meta.get("task"))))
    return items


# ---------------------------------------------------------------------------- the map
def build(root: Path | None = None,
          table: dict[tuple[str, str], tuple[tuple[str, str], ...]] | None = None
          ) -> list[Lesson]:
    """Lessons with their objectives, each with the questions and graded items assessing it.

    Raises
    ------
    MapError
        If a graded cell in ``solutions/`` is missing from ``table`` (default
        ``GRADED_ITEMS``), if ``table`` names a cell that does not exist or an objective its
        lesson does not state. The message says what to change.
    """
    root = root or course.root()
    table = GRADED_ITEMS if table is None else table
    lessons = [read_lesson(p) for p in sorted((root / course.LESSONS).glob("[0-9][0-9]-*.ipynb"))]
    objectives = {(lesson.number, o.text): o for lesson in lessons for o in lesson.objectives}
    cells = {(item.assignment, item.grade_id): item for item in graded_cells(root)}
    problems = []
    for key in cells.keys() - table.keys():
        problems.append(f"graded item {key[0]}/{key[1]} is not mapped to an objective: add it "
                        f"to GRADED_ITEMS in widgets/objectives.py")
    for key in table.keys() - cells.keys():
        problems.append(f"GRADED_ITEMS names {key[0]}/{key[1]}, which is not a graded cell in "
                        f"{course.SOLUTIONS}/: remove or rename it")
    for key, targets in table.items():
        for target in targets:
            if target not in objectives:
                problems.append(f"GRADED_ITEMS maps {key[0]}/{key[1]} to an objective lesson "
                                f"{target[0]} does not state: {target[1]!r}")
            elif key in cells:
                objectives[target].graded.append(cells[key])
    if problems:
        raise MapError("\n".join(sorted(problems)))
    return lessons


def unassessed(lessons: list[Lesson]) -> list[str]:
    """``"NN.k text"`` for every objective that no question and no graded item assesses."""
    return [f"{lesson.number}.{o.number} {o.text}" for lesson in lessons
            for o in lesson.objectives if not o.assessed]


def _cell(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text.replace("|", "\\|")


def _points(value: float) -> str:
    return f"{value:g} pt" + ("" if value == 1 else "s")


def render(lessons: list[Lesson]) -> str:
    """The Markdown of ``docs/objectives-map.md``."""
    out = [
        "# Objectives map",
        "",
        "<!-- Generated by `make docs` (python -m widgets.objectives); do not edit by hand. -->",
        "",
        "Every learning objective of every lesson, with what assesses it: the lesson's "
        "knowledge-check questions (ungraded, immediate feedback) and the graded items of the "
        "exercises (nbgrader cells that carry points).",
        "Questions are matched through their `objective=` text; graded items through the table "
        "`GRADED_ITEMS` in `widgets/objectives.py`.",
        "`make docs` regenerates this page; `tests/test_objectives_map.py` fails when an "
        "objective is unassessed or this page is out of date.",
        "",
        "| Lesson | Objectives | Assessed by a question | Also by a graded item |",
        "| --- | --- | --- | --- |",
    ]
    for lesson in lessons:
        n = len(lesson.objectives)
        by_q = sum(bool(o.questions) for o in lesson.objectives)
        by_g = sum(bool(o.graded) for o in lesson.objectives)
        out.append(f"| [{lesson.number} · {lesson.title}](#{_anchor(lesson)}) | {n} | "
                   f"{by_q} of {n} | {by_g} of {n} |")
    missing = unassessed(lessons)
    out += ["", "Unassessed objectives: " + ("; ".join(missing) if missing else "none") + "."]
    for lesson in lessons:
        link = f"../{course.LESSONS}/{lesson.path.name}"
        out += ["", f"## {lesson.number} · {lesson.title}", "",
                f"[`{course.LESSONS}/{lesson.path.name}`]({link})", "",
                "| # | Objective | Knowledge-check questions | Graded items |",
                "| --- | --- | --- | --- |"]
        for o in lesson.objectives:
            questions = "<br>".join(f"Q: {_cell(q)}" for q in o.questions) or "none"
            graded = "<br>".join(
                f"`{g.assignment}` `{g.grade_id}` ({_points(g.points)}"
                f"{', by hand' if g.manual else ''})" for g in o.graded) or "none"
            out.append(f"| {lesson.number}.{o.number} | {_cell(o.text, 300)} | {questions} | "
                       f"{graded} |")
    return "\n".join(out) + "\n"


def _anchor(lesson: Lesson) -> str:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    heading = f"{lesson.number} · {lesson.title}".lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def map_path(root: Path | None = None) -> Path:
    return (root or course.root()) / course.DOCS / MAP_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.objectives",
                                     description="Write docs/objectives-map.md.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed map is out of date")
    args = parser.parse_args(argv)
    try:
        lessons = build()
    except MapError as err:
        print(f"The objectives map cannot be built:\n{err}", file=sys.stderr)
        return 1
    text, target = render(lessons), map_path()
    missing = unassessed(lessons)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target} is out of date: run `make docs`.", file=sys.stderr)
            return 1
    else:
        target.write_text(text, encoding="utf-8")
        print(f"Wrote {target}: {sum(len(lesson.objectives) for lesson in lessons)} objectives "
              f"in {len(lessons)} lessons.")
    if missing:
        print("Objectives no question or graded item assesses:\n  " + "\n  ".join(missing),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
