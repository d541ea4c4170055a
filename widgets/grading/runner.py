"""The grading runner: parallel, isolated autograding on top of nbgrader, that never hangs.

How a run goes (``docs/grading.md`` has the instructor's view):

1. **Intake.** Submissions come from ``submitted/<student>/<assignment>/`` (optionally filled
   from a folder or zip first, see :mod:`widgets.grading.intake`). Each notebook is checked
   before anything runs: an empty, cut-off, oversized or non-notebook file is reported as
   "unreadable notebook" and scores zero.
2. **Gradebook.** The assignment is (re)registered in the one gradebook from ``solutions/`` with
   nbgrader's ``generate_assignment`` (its release goes to a scratch folder, not ``exercises/``).
3. **Workers.** A pool of worker processes (default: one per core) sanitises and executes
   submissions with nbgrader's own preprocessors, each notebook in a fresh sandboxed kernel
   (:mod:`widgets.grading.worker`). Workers read private snapshots of the gradebook and never
   write it.
4. **Single writer.** As each submission finishes, this process runs nbgrader's ``Autograde``
   converter for it, with the sanitising steps replaced by :class:`~.preprocessors.Replay`
   (which brings in the notebook the worker sanitised and ran) and without ``Execute``;
   nbgrader's ``SaveAutoGrades`` then saves the grades. Only this process writes the gradebook,
   so parallel grading cannot corrupt it.
5. **Never hangs, never aborts.** Cells time out and are interrupted (or their kernel is
   killed); each submission also has an overall time budget after which its worker is killed
   and replaced; a crashed worker is replaced and its submission retried once. Whatever
   happens, every submission gets a status and the batch completes.
6. **After grading.** Reports (CSV, Markdown, HTML with charts), nbgrader's CSV grade export
   and nbgrader feedback (:mod:`widgets.grading.report`).

The exit code says whether the *runner* worked: 0 when every submission got a definite result,
1 when the runner itself failed (or could not grade some submission for a reason of its own:
status "grader error"). Learners' scores never change the exit code.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

import nbformat
import psutil
from nbformat.warnings import MissingIDFieldWarning
from traitlets import Bool, Enum, Integer, Unicode
from traitlets.config import Configurable

from widgets import course
from widgets.grading import intake, isolation, nbgrader_setup, sandbox
from widgets.grading.preprocessors import Replay, autograde_preprocessors
from widgets.grading.results import CellScore, Code, Issue, SubmissionResult
from widgets.grading.worker import Setup


class GradingRunner(Configurable):
    """Settings of the grading runner (``c.GradingRunner.<name>`` in ``nbgrader_config.py``).

    The per-cell timeout is nbgrader's own ``c.Execute.timeout``.
    """

    workers = Integer(0, help="Worker processes; 0 means one per CPU core").tag(config=True)
    memory_mb = Integer(2048, help="Memory cap per grading kernel (MiB of address space, and "
                        "of resident memory over all its processes)").tag(config=True)
    scratch_mb = Integer(256, help="Size of each kernel's scratch folder (full isolation)").tag(
        config=True)
    tmp_mb = Integer(256, help="Size of each kernel's private /tmp (full isolation)").tag(
        config=True)
    max_notebook_mb = Integer(20, help="Larger notebook files are not read (unreadable)").tag(
        config=True)
    max_message_mb = Integer(64, help="Largest single message accepted from a kernel").tag(
        config=True)
    isolation = Enum(["auto", "full", "user", "none"], "auto",
                     help="Isolation level: auto picks the strongest that works here").tag(
        config=True)
    user_prefix = Unicode("genai-grader", help="Name prefix of the grading users").tag(
        config=True)
    feedback = Bool(True, help="Generate nbgrader feedback after grading").tag(config=True)
    preload = Bool(True, help="Fork each kernel from a template that has already imported "
                   "ipykernel and the modules the assignment's own code imports (each learner "
                   "still gets a fresh process); False starts a new Python per kernel").tag(
        config=True)
    submission_budget = Integer(0, help="Seconds a whole submission may take before its worker "
                                "is replaced; 0 computes it from the cells and the timeout").tag(
        config=True)


class RunnerError(RuntimeError):
    """The runner cannot grade at all (no such assignment, gradebook unusable...)."""


@dataclass
class Job:
    id: int
    student: str
    assignment: str
    notebooks: list[tuple[str, str]]  # (notebook name, staged path)
    files: list[str]
    code_cells: int
    issues: list[Issue] = field(default_factory=list)  # found before execution (intake)
    attempts: int = 0

    def message(self) -> dict:
        return {"id": self.id, "student": self.student, "assignment": self.assignment,
                "notebooks": [list(n) for n in self.notebooks], "files": self.files}


@dataclass
class RunReport:
    """What a grading run produced."""

    assignment: str
    results: list[SubmissionResult]
    isolation: isolation.Isolation
    seconds: float
    workers: int
    messages: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    runner_ok: bool = True
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if not self.runner_ok or any(r.code is Code.GRADER_ERROR for r in self.results):
            return 1
        return 0

    def counts(self) -> Counter:
        return Counter(r.code.value for r in self.results)


def check_notebook(path: Path, max_bytes: int) -> str | None:
    """Why ``path`` cannot be graded (unreadable), or None when it is a readable notebook."""
    if path.is_symlink() or not path.is_file():
        return f"{path.name} is not a regular file"
    size = path.stat().st_size
    if size == 0:
        return f"{path.name} is an empty file"
    if size > max_bytes:
        return f"{path.name} is {size / 2**20:.0f} MB (limit {max_bytes / 2**20:.0f} MB)"
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:
        kind = "cut off or not JSON" if "JSON" in type(err).__name__ or "JSON" in str(err) \
            else type(err).__name__
        return f"{path.name} is not a valid notebook ({kind})"
    if not isinstance(nb.get("cells"), list):
        return f"{path.name} has no cells"
    return None


class WorkerHandle:
    """The runner's end of one worker process (:mod:`widgets.grading.workerproc`)."""

    def __init__(self, run_dir: Path, index: int, preload: list[str] | None):
        self.index = index
        self.preload = preload
        self.setup: Setup | None = None
        ours, theirs = socket.socketpair()
        log = open(Path(run_dir) / "logs" / f"worker-{index}.out", "ab")
        # Own session: a Ctrl-C in the terminal reaches the runner, which stops the workers.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "widgets.grading.workerproc", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True)
        log.close()
        theirs.close()
        self.conn = Connection(ours.detach())
        # First message: start the kernel template now, while everything else gets ready.
        self.send({"preload": preload, "run_dir": str(run_dir), "index": index})
        self.assigned: deque[int] = deque()
        self.running: int | None = None
        self.started = time.monotonic()
        self.deadline = float("inf")
        self.kernels: list[int] = []

    def configure(self, setup: Setup) -> None:
        self.setup = setup
        self.send(asdict(setup))

    def send(self, msg) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(msg)

    def kill(self) -> None:
        if self.proc.returncode is not None and self.conn.closed:
            return
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        # Kernel launchers die with their worker (parent-death signal); make sure of it, but
        # only for a process that is still one of ours (a pid can be reused).
        for pid in self.kernels:
            with contextlib.suppress(OSError, psutil.Error):
                if "widgets.grading" in " ".join(psutil.Process(pid).cmdline()):
                    os.killpg(pid, signal.SIGKILL)
        self.conn.close()

    def stop(self) -> None:
        if self.conn.closed:
            return
        if self.proc.poll() is None:
            self.send(("stop",))
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


def preload_modules(source_dir: Path) -> list[str]:
    """Modules the instructor's notebooks import (each imported name too, when a module).

    These are what a kernel template imports once; only the assignment's source is read, never
    a submission, so no learner decides what the template runs.
    """
    found: dict[str, None] = {}
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse("\n".join(ln for ln in cell.source.splitlines()
                                           if not ln.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(dict.fromkeys(a.name for a in node.names))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found[node.module] = None
                    found.update(dict.fromkeys(f"{node.module}.{a.name}" for a in node.names
                                               if a.name != "*"))
    return list(found)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Runner:
    """One grading run of one assignment over a course root."""

    def __init__(self, assignment: str, *, root: Path | None = None,
                 overrides: dict | None = None, students: list[str] | None = None,
                 progress: bool = True, say: Callable[[str], None] = print,
                 keep_run_dir: bool = False):
        self.root = Path(root or course.root()).resolve()
        self.assignment = assignment
        self.overrides = dict(overrides or {})
        self.students = students
        self.progress = progress
        self.say = say
        self.keep_run_dir = keep_run_dir
        self.cfg = nbgrader_setup.load_config(self.root, **self.overrides)
        self.settings = GradingRunner(config=self.cfg)
        self.timeout = int(self.cfg.Execute.get("timeout", 30) or 30)
        self.notebook_names = intake.notebook_names(assignment, self.root)
        if not self.notebook_names:
            have = ", ".join(p.name for p in sorted((self.root / course.SOLUTIONS).glob("*"))
                             if p.is_dir()) or "none"
            raise RunnerError(f"No assignment {assignment!r} in {self.root / course.SOLUTIONS} "
                              f"(assignments: {have})")
        self.workers = self.settings.workers or _cpu_count()
        self.run_dir: Path | None = None
        self.messages: list[str] = []
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(self, step: str):
        """Add the seconds spent in the block to ``timings[step]`` (the benchmark shows them)."""
        t = time.monotonic()
        try:
            yield
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.monotonic() - t

    # ------------------------------------------------------------------ helpers
    def note(self, text: str) -> None:
        self.messages.append(text)
        self.say(text)

    def _api(self, **extra):
        # The runner never uses nbgrader's exchange; pointing it at the run folder keeps
        # nbgrader from complaining that the system-wide one is missing.
        exchange = {"Exchange.root": str(self.run_dir / "exchange")} if self.run_dir else {}
        return nbgrader_setup.api(self.root, **exchange, **self.overrides, **extra)

    def register_assignment(self) -> None:
        """Put the assignment's notebooks and source cells into the one gradebook."""
        api = self._api(**{"CourseDirectory.release_directory": str(self.run_dir / "release")})
        result = api.generate_assignment(self.assignment, force=True, create=True)
        if not result.get("success"):
            raise RunnerError(f"nbgrader could not register {self.assignment} in the gradebook:"
                              f"\n{result.get('error') or result.get('log')}")

    def _make_run_dir(self) -> Path:
        run = Path(tempfile.mkdtemp(prefix="gt-grade-"))
        # Traversable (not listable) by the grading users: each reaches only its own folder.
        run.chmod(0o711)
        for sub in ("staging", "executed", "specs", "logs", "newroot"):
            (run / sub).mkdir(mode=0o700)
        (run / "jobs").mkdir(mode=0o711)
        return run

    # ------------------------------------------------------------------ staging
    def stage(self, subs: list[intake.Submission]) -> tuple[list[Job], list[SubmissionResult]]:
        """Check every notebook, copy the readable ones to the staging area, make jobs."""
        jobs, done = [], []
        max_bytes = self.settings.max_notebook_mb * 2**20
        source_dir = self.root / course.SOLUTIONS / self.assignment
        source_files = [str(p) for p in source_dir.iterdir()
                        if p.is_file() and p.suffix != ".ipynb"] if source_dir.is_dir() else []
        for sub in subs:
            issues: list[Issue] = []
            stage_dir = self.run_dir / "staging" / sub.student / self.assignment
            stage_dir.mkdir(parents=True)
            with contextlib.suppress(OSError):
                shutil.copyfile(sub.folder / "timestamp.txt", stage_dir / "timestamp.txt")
            files = list(sub.notebooks)
            if len(self.notebook_names) == 1 and len(files) == 1 and \
                    files[0].stem != self.notebook_names[0]:
                issues.append(Issue(Code.NOTE, "", f"graded {files[0].name} as "
                                    f"{self.notebook_names[0]}.ipynb"))
                renamed = {self.notebook_names[0]: files[0]}
            else:
                renamed = {p.stem: p for p in files}
            notebooks, code_cells = [], 0
            for name in self.notebook_names:
                path = renamed.get(name)
                if path is None:
                    issues.append(Issue(Code.UNREADABLE, "", f"{name}.ipynb was not submitted"))
                    continue
                why = check_notebook(path, max_bytes)
                if why:
                    issues.append(Issue(Code.UNREADABLE, "", why))
                    continue
                staged = stage_dir / f"{name}.ipynb"
                shutil.copyfile(path, staged)
                nb = nbformat.read(staged, as_version=4)
                code_cells += sum(c.get("cell_type") == "code" for c in nb.cells)
                notebooks.append((name, str(staged)))
            extra = [str(p) for p in sub.folder.iterdir()
                     if p.is_file() and not p.is_symlink() and p.suffix != ".ipynb"
                     and p.name != "timestamp.txt" and p.stat().st_size <= max_bytes]
            if notebooks:
                jobs.append(Job(len(jobs), sub.student, self.assignment, notebooks,
                                extra + source_files, code_cells, issues))
            else:
                done.append(SubmissionResult(sub.student, self.assignment, issues=issues))
        return jobs, done

    # ------------------------------------------------------------------ writing
    def _writer_api(self):
        return self._api(**{
            "CourseDirectory.submitted_directory": str(self.run_dir / "staging"),
            "Autograde.sanitize_preprocessors": [Replay],
            "Autograde.autograde_preprocessors": autograde_preprocessors(),
            "Replay.executed_directory": str(self.run_dir / "executed"),
        })

    def write(self, api, job: Job, outcome: dict) -> SubmissionResult:
        """Record one finished submission in the gradebook (nbgrader does the writing)."""
        started = time.monotonic()
        issues = job.issues + [Issue.from_dict(d) for d in outcome.get("issues", [])]
        stage_dir = self.run_dir / "staging" / job.student / self.assignment
        for name in outcome.get("zero", []):
            (stage_dir / f"{name}.ipynb").unlink(missing_ok=True)
        if outcome.get("executed"):
            result = api.autograde(self.assignment, job.student, force=True, create=True)
            if not result.get("success"):
                err = (result.get("error") or result.get("log") or "").strip().splitlines()
                issues.append(Issue(Code.GRADER_ERROR, "", "nbgrader could not record the "
                                    f"grades: {err[-1] if err else 'unknown error'}"))
        else:
            self.record_zero(job.student)
        return SubmissionResult(job.student, self.assignment, issues=issues,
                                seconds=outcome.get("seconds", 0.0)
                                + time.monotonic() - started)

    def record_zero(self, student: str) -> None:
        """Score a submission with no gradable notebook zero, as nbgrader does for a missing
        notebook, and remove any earlier autograded copy (it would feed stale feedback)."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", course.COURSE_ID) as gb:
            gb.update_or_create_student(student)
            sub = gb.update_or_create_submission(self.assignment, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()
        shutil.rmtree(self.root / "autograded" / student / self.assignment, ignore_errors=True)

    def read_scores(self, results: list[SubmissionResult]) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", course.COURSE_ID) as gb:
            for r in results:
                try:
                    sub = gb.find_submission(self.assignment, r.student)
                except MissingEntry:
                    continue
                r.score, r.max_score = float(sub.score), float(sub.max_score)
                r.needs_manual_grade = bool(sub.needs_manual_grade)
                r.cells = [CellScore(g.name, g.notebook.name,
                                     None if g.score is None else float(g.score),
                                     float(g.max_score), g.cell.cell_type == "code"
                                     and g.auto_score is not None and g.manual_score is None)
                           for nb in sub.notebooks for g in nb.grades]

    # ------------------------------------------------------------------ the pool
    def _budget(self, job: Job) -> float:
        if self.settings.submission_budget:
            return float(self.settings.submission_budget)
        # Every cell may time out, plus the grace nbclient allows after an interrupt, plus
        # kernel start-up; restored cells may add a few.
        per_cell = self.timeout + 10
        return 120 + len(job.notebooks) * 60 + (job.code_cells + 5) * per_cell

    def run_pool(self, jobs: list[Job], handles: list[WorkerHandle], on_done) -> None:
        """Feed ``jobs`` to the workers; call ``on_done(job, outcome)`` for each.

        Each worker holds at most two jobs (the next one's kernel starts while one runs). A
        worker that crashes or overruns a submission's time budget is killed and replaced.
        """
        queue: deque[Job] = deque(jobs)
        by_id = {j.id: j for j in jobs}
        finished: set[int] = set()

        def settle(job: Job, issue: Issue, started: float) -> None:
            finished.add(job.id)
            on_done(job, {"issues": [issue.to_dict()], "executed": [],
                          "zero": [n for n, _ in job.notebooks],
                          "seconds": time.monotonic() - started})

        def replace(h: WorkerHandle, issue: Issue) -> WorkerHandle:
            h.kill()
            for job_id in list(h.assigned)[::-1]:
                job = by_id[job_id]
                if job_id == h.running:
                    job.attempts += 1
                    if issue.code is Code.TIMED_OUT or job.attempts >= 2:
                        settle(job, issue, h.started)
                        continue
                queue.appendleft(job)
            fresh = WorkerHandle(Path(h.setup.run_dir), h.index, h.preload)
            fresh.configure(h.setup)
            return fresh

        while len(finished) < len(jobs):
            # Every worker gets one job before any gets a second; the second one's kernel
            # starts while the first runs.
            for depth in (1, 2):
                for h in handles:
                    if len(h.assigned) < depth and queue:
                        job = queue.popleft()
                        h.send(("job", job.message()))
                        h.assigned.append(job.id)
            ready = wait([h.conn for h in handles], timeout=0.5)
            for i, h in enumerate(handles):
                crashed = None
                if h.conn in ready:
                    try:
                        while h.conn.poll():
                            msg = h.conn.recv()
                            if msg[0] == "kernel":
                                h.kernels.append(msg[2])
                            elif msg[0] == "started":
                                h.running, h.started = msg[1], time.monotonic()
                                h.deadline = h.started + self._budget(by_id[msg[1]])
                            elif msg[0] == "done":
                                h.assigned.remove(msg[1])
                                h.running, h.deadline = None, float("inf")
                                finished.add(msg[1])
                                on_done(by_id[msg[1]], msg[2])
                    except (EOFError, OSError):
                        crashed = "the grading worker stopped unexpectedly"
                if crashed is None and h.proc.poll() is not None:
                    crashed = f"the grading worker crashed (exit code {h.proc.returncode})"
                if crashed is not None:
                    handles[i] = replace(h, Issue(Code.GRADER_ERROR, "", crashed))
                elif time.monotonic() > h.deadline:
                    job = by_id[h.running]
                    handles[i] = replace(h, Issue(
                        Code.TIMED_OUT, "", f"the submission took longer than its "
                        f"{self._budget(job):.0f} s budget; its kernel was stopped"))

    # ------------------------------------------------------------------ cleanup
    def _cleanup(self) -> None:
        if self.run_dir is None:
            return
        prefix = str(self.run_dir) + "/"
        with contextlib.suppress(OSError), open("/proc/mounts") as f:
            mounts = [line.split()[1] for line in f]
        for point in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
            with contextlib.suppress(OSError):
                sandbox.umount(point)
        if not self.keep_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    # ------------------------------------------------------------------ main
    def run(self) -> RunReport:
        started = time.monotonic()
        old_umask = os.umask(0o077)  # the gradebook, autograded/ and reports stay private
        self.run_dir = self._make_run_dir()
        try:
            with warnings.catch_warnings():
                # nbgrader's gradebook API trips this SQLAlchemy 2 warning on every new
                # submission; it is noise to an instructor.
                warnings.filterwarnings("ignore", message=".*not in session.*")
                # Learners' notebooks saved by older Jupyter have no cell ids; that is fine.
                warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
                return self._run(started)
        finally:
            os.umask(old_umask)
            self._cleanup()

    def _run(self, started: float) -> RunReport:
        with self.timed("imports"):
            from widgets.grading import report as reporting

        subs = intake.submissions(self.assignment, root=self.root, students=self.students)
        if not subs:
            raise RunnerError(f"No submissions of {self.assignment} in "
                              f"{self.root / intake.SUBMITTED} (expected "
                              f"submitted/<student>/{self.assignment}/*.ipynb)")
        # Workers import nbgrader and friends while the gradebook and the sandbox get ready.
        preload = preload_modules(self.root / course.SOLUTIONS / self.assignment) \
            if self.settings.preload else None
        workers = [WorkerHandle(self.run_dir, i, preload)
                   for i in range(min(self.workers, len(subs)))]
        try:
            with self.timed("register"):
                self.register_assignment()
            with self.timed("probe"):
                iso = isolation.probe(self.run_dir, slots=2 * self.workers,
                                      course_roots=[self.root],
                                      requested=self.settings.isolation,
                                      user_prefix=self.settings.user_prefix)
            if iso.level is not isolation.Level.NONE:
                isolation.make_private(self.root)
            self.note(iso.summary())
            for w in iso.warnings:
                self.note(f"WARNING: {w}")
            with self.timed("stage"):
                jobs, results = self.stage(subs)
                for r in results:  # nothing gradable: zero, without starting a kernel
                    self.record_zero(r.student)
                for handle in workers:
                    handle.configure(self._setup(handle.index, iso))
            bar = self._progress_bar(len(subs), len(results))
            api = self._writer_api()

            def on_done(job: Job, outcome: dict) -> None:
                for step, seconds in outcome.get("phases", {}).items():
                    key = f"workers: {step}"
                    self.timings[key] = self.timings.get(key, 0.0) + seconds
                with self.timed("write"):
                    result = self.write(api, job, outcome)
                results.append(result)
                if bar is not None:
                    bar.update(1)
                    if result.code is not Code.GRADED:
                        bar.write(f"  {result.student}: {result.status}")

            try:
                with self.timed("pool"):
                    self.run_pool(jobs, workers, on_done)
            finally:
                if bar is not None:
                    bar.close()
        except BaseException:
            # Interrupted (Ctrl-C) or failed: no waiting for workers to finish politely.
            for handle in workers:
                handle.kill()
            raise
        finally:
            with self.timed("stop"):
                for handle in workers:
                    handle.stop()
        results.sort(key=lambda r: r.student)
        with self.timed("scores"):
            self.read_scores(results)
        report = RunReport(self.assignment, results, iso, time.monotonic() - started,
                           len(workers), self.messages)
        with self.timed("reports"):
            report.files = reporting.write_all(report, self.root, self._api(),
                                               feedback=self.settings.feedback, say=self.note,
                                               timed=self.timed)
        report.seconds = time.monotonic() - started
        report.timings = {k: round(v, 3) for k, v in self.timings.items()}
        report.timings["total"] = round(report.seconds, 3)
        timing_file = reporting.report_dir(self.root, self.assignment) / "timings.json"
        timing_file.write_text(json.dumps(report.timings, indent=1))
        report.files["timings"] = timing_file
        return report

    def _exchange_root(self) -> str:
        """nbgrader's exchange (other learners' handed-in files), hidden from kernels too."""
        from nbgrader.exchange.default.exchange import Exchange

        configured = self.cfg.Exchange.get("root") if "Exchange" in self.cfg else None
        return str(configured or Exchange.class_traits()["root"].default())

    def _setup(self, index: int, iso: isolation.Isolation) -> Setup:
        snapshot = self.run_dir / f"gradebook-{index}.db"
        if not snapshot.exists():
            shutil.copyfile(self.root / "gradebook.db", snapshot)
        return Setup(
            index=index, root=str(self.root), run_dir=str(self.run_dir),
            db_url=f"sqlite:///{snapshot}", overrides=self.overrides,
            isolation=iso.to_dict(), memory_bytes=self.settings.memory_mb * 2**20,
            tmp_mb=self.settings.tmp_mb, scratch_mb=self.settings.scratch_mb,
            max_message_bytes=self.settings.max_message_mb * 2**20, slots_per_worker=2,
            secrets=[*isolation.secret_paths(self.root, isolation.kit_root()),
                     self._exchange_root()])

    def _progress_bar(self, total: int, done: int):
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=total, initial=done, desc=f"grading {self.assignment}",
                    unit="submission", file=sys.stderr, dynamic_ncols=True)


def grade(assignment: str, **kwargs) -> RunReport:
    """Grade every submission of ``assignment`` (see :class:`Runner` for the options)."""
    return Runner(assignment, **kwargs).run()
