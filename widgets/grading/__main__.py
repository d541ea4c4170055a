"""``python -m widgets.grading <assignment>`` (``make grade A=<assignment>``): grade a batch.

Exit codes: 0 the runner graded every submission (whatever the learners scored); 1 the runner
failed, or could not grade some submission for a reason of its own ("grader error");
2 a usage error (unknown assignment, unreadable --from).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from widgets.grading import intake, runner


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m widgets.grading",
        description="Autograde every submission of an assignment with nbgrader, in parallel, "
                    "each in an isolated kernel, and write reports and feedback.")
    p.add_argument("assignment", help="assignment id, e.g. 05-design-a-pilot")
    p.add_argument("--from", dest="source", type=Path,
                   help="folder or .zip of learner notebooks to copy into submitted/ first "
                        "(<student>/<notebook>.ipynb or <student>_<anything>.ipynb)")
    p.add_argument("--pattern", default=intake.DEFAULT_PATTERN,
                   help="regular expression with a (?P<student>...) group for flat file names")
    p.add_argument("--student", action="append", dest="students",
                   help="grade only this student (repeat for several)")
    p.add_argument("--root", type=Path, help="course folder (default: this kit)")
    p.add_argument("--workers", type=int, help="worker processes (default: CPU cores)")
    p.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config.py)")
    p.add_argument("--memory-mb", type=int, help="memory cap per kernel in MiB")
    p.add_argument("--isolation", choices=["auto", "full", "user", "none"],
                   help="isolation level (default auto: the strongest that works here)")
    p.add_argument("--no-feedback", action="store_true", help="skip nbgrader feedback")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--keep", action="store_true", help="keep the run's scratch folder (debug)")
    return p


def overrides_from(args: argparse.Namespace) -> dict:
    out: dict = {}
    if args.workers is not None:
        out["GradingRunner.workers"] = args.workers
    if args.timeout is not None:
        out["Execute.timeout"] = args.timeout
    if args.memory_mb is not None:
        out["GradingRunner.memory_mb"] = args.memory_mb
    if args.isolation is not None:
        out["GradingRunner.isolation"] = args.isolation
    if args.no_feedback:
        out["GradingRunner.feedback"] = False
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.source is not None:
            done = intake.collect(args.source, args.assignment, root=args.root,
                                  pattern=args.pattern)
            for line in done.lines():
                print(line)
        report = runner.grade(args.assignment, root=args.root, overrides=overrides_from(args),
                              students=args.students, progress=not args.no_progress,
                              keep_run_dir=args.keep)
    except intake.IntakeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except runner.RunnerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2 if "No assignment" in str(err) or "No submissions" in str(err) else 1
    except KeyboardInterrupt:
        print("\ninterrupted: grades recorded so far are in the gradebook; run again to finish",
              file=sys.stderr)
        return 130
    counts = ", ".join(f"{n} {code}" for code, n in sorted(report.counts().items()))
    print(f"{len(report.results)} submissions in {report.seconds:.0f} s: {counts}")
    for kind, path in report.files.items():
        print(f"  {kind:9} {path}")
    if report.exit_code:
        print("Some submissions could not be graded because of a grader problem (status "
              "'grader error'); see the notes in the report.", file=sys.stderr)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
