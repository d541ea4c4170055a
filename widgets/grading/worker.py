"""A grading worker process: sanitise and execute submissions, one kernel per notebook.

The parent sends jobs (one submission each) over a pipe; the worker answers ``started`` when it
begins a job and ``done`` with the issues it found. Workers never write the gradebook: they read
a private snapshot of it (nbgrader's sanitising steps look up the source cells there) and leave
the executed notebook in ``<run>/executed/<student>/`` for the parent, the single writer.

While one job runs, the worker already prepares the next one it has been given (sanitises it and
starts its kernel), so kernel start-up overlaps with execution. Every kernel is fresh and serves
one learner's notebook only, under its own grading user where users are available.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
from nbformat.warnings import MissingIDFieldWarning

from widgets.grading import isolation, sandbox
from widgets.grading.kernels import (
    MemoryWatch,
    SandboxKernelManager,
    Zygote,
    ZygoteError,
    kill_all,
    socket_transport,
)
from widgets.grading.preprocessors import SafeExecute, issues_of, sanitize_preprocessors
from widgets.grading.results import Code, Issue

log = logging.getLogger("widgets.grading.worker")


@dataclass
class Setup:
    """Everything a worker needs, picklable (workers are spawned)."""

    index: int
    root: str  # the course root being graded
    run_dir: str
    db_url: str  # this worker's private snapshot of the gradebook
    overrides: dict
    isolation: dict
    memory_bytes: int
    tmp_mb: int
    scratch_mb: int
    max_message_bytes: int
    slots_per_worker: int
    secrets: list


class NotebookUnusable(Exception):
    """The notebook cannot be graded (nbgrader metadata beyond repair); it scores zero."""

    def __init__(self, issue: Issue):
        super().__init__(issue.detail)
        self.issue = issue


@dataclass
class Prepared:
    """One notebook made ready to run: sanitised, with its scratch folder and started kernel."""

    name: str
    nb: nbformat.NotebookNode
    resources: dict
    km: SandboxKernelManager | None = None
    job_dir: Path | None = None
    mounted: bool = False
    log_file: object = None
    phases: dict | None = None  # seconds per step, for the benchmark's "where time goes"


class Worker:
    """Runs jobs one after the other, preparing the next while the current one executes."""

    def __init__(self, conn, setup: Setup, zygote=None):
        from widgets.grading import nbgrader_setup

        self.conn, self.setup = conn, setup
        self.iso = isolation.Isolation.from_dict(setup.isolation)
        self.run = Path(setup.run_dir)
        self.cfg = nbgrader_setup.load_config(Path(setup.root), **setup.overrides)
        self.cfg.RecordingOverwriteCells.release_directory = str(self.run / "release")
        self.sanitizers = [cls(config=self.cfg) for cls in sanitize_preprocessors()]
        self.prepared: dict[int, asyncio.Future] = {}
        self.live: list[Prepared] = []
        self.queue: asyncio.Queue = asyncio.Queue()
        self.jobs_seen = 0
        self.zygote: Zygote | None = Zygote(zygote) if zygote is not None else None

    # ------------------------------------------------------------------ messaging
    def send(self, *msg) -> None:
        self.conn.send(msg)

    def _on_message(self) -> None:
        try:
            msg = self.conn.recv()
        except (EOFError, OSError):
            self.queue.put_nowait(None)
            asyncio.get_running_loop().remove_reader(self.conn.fileno())
            return
        if msg[0] == "job":
            job = msg[1]
            job["slot"] = (self.setup.index * self.setup.slots_per_worker
                           + self.jobs_seen % self.setup.slots_per_worker)
            self.jobs_seen += 1
            if job["notebooks"]:
                self.prepared[job["id"]] = asyncio.ensure_future(self.prepare(job, 0))
            self.queue.put_nowait(job)
        elif msg[0] == "stop":
            self.queue.put_nowait(None)

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), self._on_message)
        while True:
            job = await self.queue.get()
            if job is None:
                break
            self.send("started", job["id"])
            result = await self.grade(job)
            self.send("done", job["id"], result)

    # ------------------------------------------------------------------ one job
    def _sanitise(self, job: dict, name: str, path: str) -> tuple[object, dict]:
        nb = nbformat.read(path, as_version=4)
        resources = {
            "unique_key": name,
            "metadata": {"path": ""},
            "nbgrader": {"student": job["student"], "assignment": job["assignment"],
                         "notebook": name, "db_url": self.setup.db_url},
            "genai_traps": {"issues": []},
        }
        try:
            for step in self.sanitizers:
                nb, resources = step(nb, resources)
        except Exception as err:  # nbgrader could not make sense of the cells' metadata
            raise NotebookUnusable(Issue(
                Code.UNREADABLE, "", f"{name}.ipynb: nbgrader metadata cannot be repaired "
                f"({type(err).__name__}: {err})")) from err
        return nb, resources

    def _job_dir(self, job: dict, index: int, user) -> tuple[Path, bool]:
        # The pid keeps the name unique when a replaced worker left an earlier attempt behind.
        job_dir = self.run / "jobs" / f"{job['id']}-{index}-{os.getpid()}"
        job_dir.mkdir(mode=0o700)
        mounted = False
        if self.iso.namespaces and user:
            # A size-capped tmpfs: the kernel can fill its scratch folder, not the disk.
            with contextlib.suppress(OSError):
                sandbox.mount("tmpfs", str(job_dir), "tmpfs", sandbox.MS_NOSUID | sandbox.MS_NODEV,
                              f"size={self.setup.scratch_mb}m,mode=700,uid={user[1]},"
                              f"gid={user[2]}")
                mounted = True
        for sub in ("k", "home", "work", "tmp"):
            (job_dir / sub).mkdir(mode=0o700)
        for src in job.get("files", []):
            src = Path(src)
            dest = job_dir / "work" / src.name
            if src.is_file() and not src.is_symlink():
                shutil.copyfile(src, dest)
        if user:
            for p in [job_dir, *job_dir.rglob("*")]:
                os.chown(p, user[1], user[2], follow_symlinks=False)
        return job_dir, mounted

    async def prepare(self, job: dict, index: int) -> Prepared:
        """Sanitise notebook ``index`` of ``job`` and start its kernel."""
        name, path = job["notebooks"][index]
        t0 = time.monotonic()
        nb, resources = self._sanitise(job, name, path)
        prep = Prepared(name, nb, resources, phases={"sanitise": time.monotonic() - t0})
        self.live.append(prep)
        user = self.iso.user(job["slot"]) if self.iso.level is not isolation.Level.NONE \
            else None
        t0 = time.monotonic()
        prep.job_dir, prep.mounted = self._job_dir(job, index, user)
        try:
            await self._start_kernel(job, index, nb, prep, user)
        except BaseException:
            await self.cleanup(prep)
            raise
        prep.phases["kernel start"] = time.monotonic() - t0
        return prep

    async def _start_kernel(self, job, index, nb, prep: Prepared, user) -> None:
        job_dir = prep.job_dir
        code_cells = sum(c.cell_type == "code" for c in nb.cells)
        timeout = int(self.cfg.Execute.get("timeout", 30) or 30)
        env = isolation.kernel_env(
            home=job_dir / "home", tmp="/tmp" if self.iso.namespaces else str(job_dir / "tmp"),
            user=user[0] if user else None)
        conn_file = job_dir / "k" / "kernel.json"
        limits = isolation.Limits(memory_bytes=self.setup.memory_bytes,
                                  cpu_seconds=60 + (code_cells + 2) * timeout)
        spec = isolation.spec_for(
            self.iso, slot=job["slot"], job_dir=job_dir, cwd=job_dir / "work", env=env,
            limits=limits, newroot=self.run / "newroot", tmp_mb=self.setup.tmp_mb,
            secrets=self.setup.secrets, chown=[str(conn_file)],
            extra_hidden=[str(self.run)])
        spec_file = self.run / "specs" / f"{job['id']}-{index}.json"
        spec_file.write_text(json.dumps(spec))
        kernel_name = nb.metadata.get("kernelspec", {}).get("name") or "python3"
        km = SandboxKernelManager(kernel_name=kernel_name,
                                  launcher_cmd=[*isolation.launcher(), str(spec_file)],
                                  max_message_bytes=self.setup.max_message_bytes)
        sockets = str(job_dir / "k" / "kernel")
        if self.iso.namespaces or socket_transport(sockets) == "ipc":
            # Files in the kernel's scratch folder: the sandbox has no network, and without
            # one no other process can take a port between its choice and the kernel's bind.
            km.transport = "ipc"
            km.ip = sockets
        km.connection_file = str(conn_file)
        prep.km = km  # before it starts: the stray-process sweep must know its launcher
        log_path = self.run / "logs" / f"kernel-{job['id']}-{index}.log"
        prep.log_file = open(log_path, "ab")
        if self.zygote is not None and self.zygote.proc.poll() is None:
            km.zygote, km.kernel_log = self.zygote, str(log_path)
        start = dict(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                     cwd=str(job_dir / "work"), stdout=prep.log_file, stderr=prep.log_file)
        try:
            await km.start_kernel(**start)
        except ZygoteError:
            # No template any more: start a new Python for this and every later kernel.
            log.warning("kernel template failed; starting kernels without it", exc_info=True)
            self.zygote = km.zygote = None
            await km.start_kernel(**start)
        self.send("kernel", job["id"], km.launcher_pid)

    async def cleanup(self, prep: Prepared) -> None:
        if prep.km is not None:
            procs = prep.km.processes()
            with contextlib.suppress(Exception):
                if prep.km.has_kernel:
                    await asyncio.wait_for(prep.km.shutdown_kernel(now=True), 15)
            kill_all(procs)
            with contextlib.suppress(Exception):
                await prep.km.close_contexts()
        if prep.log_file is not None:
            prep.log_file.close()
        if prep.job_dir is not None:
            if prep.mounted:
                with contextlib.suppress(OSError):
                    sandbox.umount(str(prep.job_dir))
            shutil.rmtree(prep.job_dir, ignore_errors=True)
        if prep in self.live:
            self.live.remove(prep)
        self._kill_strays()

    def _kill_strays(self) -> None:
        """Kill processes a kernel left behind that were re-parented to this worker."""
        active = {p.km.launcher_pid for p in self.live if p.km is not None}
        if self.zygote is not None:
            active.add(self.zygote.proc.pid)
        strays = [c for c in psutil.Process().children() if c.pid not in active]
        kill_all(strays)
        for child in strays:
            with contextlib.suppress(OSError):
                os.waitpid(child.pid, os.WNOHANG)

    async def grade(self, job: dict) -> dict:
        started = time.monotonic()
        issues: list[Issue] = []
        executed, zero = [], []
        error = None
        phases: dict[str, float] = {}
        for index, (name, _path) in enumerate(job["notebooks"]):
            future = self.prepared.pop(job["id"], None) if index == 0 else None
            prep = None
            try:
                t0 = time.monotonic()
                try:
                    prep = await (future if future is not None else self.prepare(job, index))
                except (NotebookUnusable, ZygoteError):
                    raise
                except Exception:
                    # A kernel that does not start is the machine's problem (an overloaded
                    # host, a full disk), not the learner's: one more try before giving up.
                    log.warning("kernel start failed for job %s; retrying", job["id"],
                                exc_info=True)
                    prep = await self.prepare(job, index)
                phases["waiting for the kernel"] = time.monotonic() - t0
                for step, seconds in prep.phases.items():
                    phases[step] = phases.get(step, 0.0) + seconds
                t0 = time.monotonic()
                watch = MemoryWatch(prep.km, self.setup.memory_bytes).start()
                try:
                    executor = SafeExecute(config=self.cfg)
                    nb, resources = await executor.run(
                        prep.nb, prep.resources, prep.km,
                        memory_exceeded=lambda w=watch: w.exceeded)
                finally:
                    watch.stop()
                out = self.run / "executed" / job["student"] / f"{name}.ipynb"
                out.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, out)
                phases["execute"] = phases.get("execute", 0.0) + time.monotonic() - t0
                issues += issues_of(resources)
                executed.append(name)
            except NotebookUnusable as err:
                issues.append(err.issue)
                zero.append(name)
            except Exception as err:  # a grader problem, never the learner's doing
                log.exception("job %s (%s) failed", job["id"], job["student"])
                detail = f"{name}.ipynb: {type(err).__name__}: {err}"
                tail = self._kernel_log_tail(job, index)
                issues.append(Issue(Code.GRADER_ERROR, "", detail + (f" [{tail}]" if tail else "")))
                error = traceback.format_exc()
                zero.append(name)
            finally:
                if prep is not None:
                    if prep.resources is not None and name not in executed:
                        issues += [i for i in issues_of(prep.resources) if i not in issues]
                    t0 = time.monotonic()
                    await self.cleanup(prep)
                    phases["clean-up"] = phases.get("clean-up", 0.0) + time.monotonic() - t0
        return {"issues": [i.to_dict() for i in issues], "executed": executed, "zero": zero,
                "seconds": time.monotonic() - started, "error": error, "phases": phases}

    def _kernel_log_tail(self, job: dict, index: int) -> str:
        path = self.run / "logs" / f"kernel-{job['id']}-{index}.log"
        with contextlib.suppress(OSError):
            lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
            return " | ".join(lines[-3:])[-400:]
        return ""


def main(conn, setup: Setup, zygote=None) -> None:
    """Serve jobs from the parent over ``conn`` until told to stop.

    ``zygote`` is the already started kernel template process (see :mod:`.workerproc`).
    """
    # Ctrl-C goes to the parent, which stops the workers itself; if the parent dies, so do we
    # (and our kernels with us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    # Orphans of a kernel (a background process it started) are re-parented here, where the
    # job clean-up finds and kills them.
    sandbox.prctl(sandbox.PR_SET_CHILD_SUBREAPER, 1)
    os.umask(0o077)
    # Learners' notebooks saved by older Jupyter have no cell ids; that is fine.
    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
    logging.basicConfig(filename=str(Path(setup.run_dir) / "logs" / f"worker-{setup.index}.log"),
                        level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    worker = Worker(conn, setup, zygote)
    try:
        asyncio.run(worker.serve())
    finally:
        if worker.zygote is not None:
            worker.zygote.close()
        conn.close()
        logging.shutdown()
