"""After grading: the report (CSV, Markdown, HTML with charts), nbgrader's grade export and
nbgrader's feedback.

Everything lands in ``reports/<assignment>/`` (``grades.csv``, ``grades.md``, ``report.html``,
``gradebook.csv``) and ``feedback/<student>/<assignment>/``. The HTML report is for the
facilitator's debrief: how scores spread and which items most learners missed.
"""

from __future__ import annotations

import contextlib
import csv
import html
import statistics
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from matplotlib.ticker import MaxNLocator

from widgets import style
from widgets.grading.results import Code, SubmissionResult

COLUMNS = ["student", "score", "max_score", "seconds", "status", "code", "needs_manual_grade",
           "notes"]


def report_dir(root: Path, assignment: str) -> Path:
    return Path(root) / "reports" / assignment


def write_csv(results: list[SubmissionResult], path: Path) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for r in results:
            writer.writerow(r.row())
    return path


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_markdown(report, path: Path) -> Path:
    lines = [f"# Grades: {report.assignment}", "",
             f"{len(report.results)} submissions graded in {report.seconds:.0f} s "
             f"with {report.workers} worker(s).", "", report.isolation.summary(), ""]
    lines += [f"- WARNING: {w}" for w in report.isolation.warnings]
    counts = report.counts()
    lines += ["", "| status | submissions |", "| --- | --- |"]
    lines += [f"| {code} | {n} |" for code, n in sorted(counts.items())]
    lines += ["", "| student | score | max | seconds | status | notes |",
              "| --- | ---: | ---: | ---: | --- | --- |"]
    for r in report.results:
        row = r.row()
        lines.append(f"| {_md(row['student'])} | {row['score']:g} | {row['max_score']:g} | "
                     f"{row['seconds']:.1f} | {_md(row['status'])} | {_md(row['notes'])} |")
    path.write_text("\n".join(lines) + "\n")
    return path


# ----------------------------------------------------------------------------- charts
def _graded(results: list[SubmissionResult]) -> list[SubmissionResult]:
    return [r for r in results if r.max_score > 0]


def score_chart(results: list[SubmissionResult]) -> str:
    """Histogram of scores (% of the maximum), as accessible HTML."""
    import seaborn as sns

    graded = _graded(results)
    fig, ax = style.new_figure()
    if not graded:
        ax.set_title("No submission could be scored")
        ax.set_axis_off()
        return style.figure_html(fig, "No submission could be scored.")
    shares = [100 * r.score / r.max_score for r in graded]
    median = statistics.median(shares)
    below = sum(s < 50 for s in shares)
    sns.histplot(x=shares, bins=list(range(0, 101, 10)), ax=ax, color=style.HIGHLIGHT,
                 edgecolor="white")
    ax.axvline(median, color=style.BAD, linewidth=2)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # headroom for the median's label
    ax.text(median, 0.97, f" median {median:.0f}%", color=style.BAD, ha="left", va="top",
            transform=ax.get_xaxis_transform(),
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, 100)
    ax.set_xlabel("Score (% of the maximum)")
    ax.set_ylabel("Submissions")
    ax.set_title(f"Median score {median:.0f}%: {below} of {len(shares)} below half marks")
    alt = (f"Histogram of {len(shares)} scores from 0 to 100 percent. The median is "
           f"{median:.0f} percent; {below} submissions score below half marks and "
           f"{sum(s == 100 for s in shares)} score full marks.")
    return style.figure_html(fig, alt)


def missed_items(results: list[SubmissionResult]) -> list[tuple[str, float, int]]:
    """Graded items by how often they were missed: (grade_id, share missed, submissions)."""
    seen: dict[str, list[bool]] = {}
    for r in _graded(results):
        for cell in r.cells:
            if cell.max_score > 0 and cell.score is not None:
                seen.setdefault(cell.grade_id, []).append(cell.score < cell.max_score)
    rows = [(gid, sum(m) / len(m), len(m)) for gid, m in seen.items()]
    return sorted(rows, key=lambda t: (-t[1], t[0]))


def missed_chart(results: list[SubmissionResult], top: int = 12) -> str:
    """Horizontal bars: the share of learners who lost points on each item."""
    import seaborn as sns

    rows = missed_items(results)[:top]
    fig, ax = style.new_figure(width=7.5, height=max(2.4, 0.45 * len(rows) + 1.2))
    if not rows:
        ax.set_title("No graded items yet")
        ax.set_axis_off()
        return style.figure_html(fig, "No graded items yet.")
    names = [r[0] for r in rows]
    shares = [100 * r[1] for r in rows]
    colours = [style.BAD if s >= 50 else style.NEUTRAL for s in shares]
    sns.barplot(x=shares, y=names, hue=names, palette=colours, legend=False, ax=ax, orient="h")
    ax.set_xlim(0, 100)
    ax.set_xlabel("Learners who lost points (%)")
    ax.set_ylabel("")
    style.figure_title(fig, f"Most missed: {names[0]} ({shares[0]:.0f}% lost points)")
    alt = "Share of learners who lost points, by item: " + "; ".join(
        f"{n} {s:.0f} percent" for n, s in zip(names, shares, strict=True)) + "."
    return style.figure_html(fig, alt)


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right}.warn{color:#D55E00}.ok{color:#009E73}
"""


def write_html(report, path: Path) -> Path:
    results = report.results
    graded = _graded(results)
    mean = statistics.mean(100 * r.score / r.max_score for r in graded) if graded else 0.0
    esc = html.escape
    counts = report.counts()
    status_rows = "".join(f"<tr><td>{esc(code)}</td><td class=n>{n}</td></tr>"
                          for code, n in sorted(counts.items()))
    rows = "".join(
        f"<tr><td>{esc(r.student)}</td><td class=n>{r.score:g}</td><td class=n>"
        f"{r.max_score:g}</td><td class=n>{r.seconds:.1f}</td>"
        f"<td class={'ok' if r.code is Code.GRADED else 'warn'}>{esc(r.status)}</td>"
        f"<td>{esc(r.notes)}</td></tr>" for r in results)
    warnings = "".join(f"<li class=warn>{esc(w)}</li>" for w in report.isolation.warnings)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Grade report: {esc(report.assignment)}</title><style>{_CSS}</style></head><body>
<h1>Grade report: {esc(report.assignment)}</h1>
<p>{len(results)} submissions, {len(graded)} scored; mean score {mean:.0f}%.
Graded in {report.seconds:.0f} s with {report.workers} worker(s) on
{datetime.now().strftime('%Y-%m-%d %H:%M')}.</p>
<p>{esc(report.isolation.summary())}</p><ul>{warnings}</ul>
<h2>How scores spread</h2>{score_chart(results)}
<h2>What learners missed</h2>
<p>Use this for the debrief: start with the items most learners lost points on.</p>
{missed_chart(results)}
<h2>Statuses</h2><table><tr><th>status</th><th>submissions</th></tr>{status_rows}</table>
<h2>Submissions</h2>
<table><tr><th>student</th><th>score</th><th>max</th><th>seconds</th><th>status</th>
<th>notes</th></tr>{rows}</table>
</body></html>
"""
    path.write_text(page)
    return path


def export_gradebook(root: Path, assignment: str, path: Path) -> Path:
    """nbgrader's own CSV grade export (``nbgrader export``) for ``assignment``."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    from widgets import course

    plugin = CsvExportPlugin(to=str(path), assignment=[assignment])
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}", course.COURSE_ID) as gb:
        plugin.export(gb)
    return path


def generate_feedback(api, assignment: str, students: list[str]) -> list[str]:
    """nbgrader feedback for each student; returns the students it failed for."""
    failed = []
    for student in students:
        result = api.generate_feedback(assignment, student, force=True)
        if not result.get("success"):
            failed.append(student)
    return failed


def write_all(report, root: Path, api, *, feedback: bool = True,
              say: Callable[[str], None] = print, timed=None) -> dict[str, Path]:
    """Write every report file and the feedback; return the files written by kind."""
    timed = timed or (lambda step: contextlib.nullcontext())
    out = report_dir(root, report.assignment)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "csv": write_csv(report.results, out / "grades.csv"),
        "markdown": write_markdown(report, out / "grades.md"),
        "html": write_html(report, out / "report.html"),
        "export": export_gradebook(root, report.assignment, out / "gradebook.csv"),
    }
    if feedback:
        graded = [r.student for r in report.results
                  if (Path(root) / "autograded" / r.student / report.assignment).is_dir()]
        with timed("feedback"):
            failed = generate_feedback(api, report.assignment, graded)
        if failed:
            say(f"WARNING: nbgrader could not generate feedback for {', '.join(failed)}")
        files["feedback"] = Path(root) / "feedback"
    return files
