"""Grading kernels: started through the sandbox launcher, watched, and killed with everything
they started.

:class:`SandboxKernelManager` is jupyter_client's ``AsyncKernelManager`` with three changes:
the kernel command is prefixed with the sandbox launcher, kernel clients refuse any single
message larger than ``max_message_bytes`` (so one runaway ``print`` cannot swell the grader),
and killing the kernel also kills every process it started, even ones that left its process
group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import time

import psutil
import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

#: Longest path a Unix socket may have: 104 bytes on macOS, 108 on Linux.
SOCKET_PATH_MAX = 104


def socket_transport(stem: str) -> str:
    """"ipc" if a kernel can use Unix sockets named ``<stem>-<n>`` here, else "tcp".

    A TCP kernel's ports are chosen by binding port 0 and letting go, and the kernel binds them
    a moment later. When many kernels start at once, another process can take one of them in
    between and the kernel dies with "Address already in use" (``make bench`` met it when 30
    viewers opened the apps at once: Voila then left that viewer's page loading for ever).
    Socket files cannot collide: each is named after its own kernel.
    """
    if not hasattr(socket, "AF_UNIX"):
        return "tcp"
    return "ipc" if len(os.fsencode(f"{stem}-99")) < SOCKET_PATH_MAX else "tcp"


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside the sandbox described by a spec file."""

    launcher_cmd = List(Unicode(), help="Sandbox launcher command, ending with the spec path")
    max_message_bytes = Integer(64 * 2**20, help="Largest message accepted from the kernel")
    #: A pre-loaded template to fork the kernel from (None: start a new Python).
    zygote = None
    #: Where the forked kernel's output goes.
    kernel_log = ""

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return [*self.launcher_cmd, "--", *cmd] if self.launcher_cmd else cmd

    def client(self, **kwargs):
        context = zmq.asyncio.Context()
        # A larger message makes zmq drop it (and reconnect) instead of buffering it.
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        self._client_contexts = [*getattr(self, "_client_contexts", []), context]
        return super().client(context=context, **kwargs)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.zygote is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        # kernel_cmd is [launcher..., spec, "--", kernel argv...]: the template needs the last two.
        split = kernel_cmd.index("--")
        pid = self.zygote.spawn(kernel_cmd[split - 1], kernel_cmd[split + 1:], self.kernel_log)
        adopt_forked_kernel(self, pid)

    @property
    def launcher_pid(self) -> int | None:
        proc = getattr(self.provisioner, "process", None) if self.provisioner else None
        return proc.pid if proc is not None else None

    def processes(self) -> list[psutil.Process]:
        """The launcher and every process below it (the kernel and what it started)."""
        pid = self.launcher_pid
        if pid is None:
            return []
        try:
            top = psutil.Process(pid)
            return [top, *top.children(recursive=True)]
        except psutil.Error:
            return []

    def memory_bytes(self) -> int:
        """Memory of the whole kernel tree, in bytes (proportional set size where Linux has
        it, so pages forked processes share are counted once, not once per process)."""
        return sum(_pss(p) for p in self.processes())

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        procs = self.processes()
        await super()._async_kill_kernel(restart=restart)
        kill_all(procs)

    async def close_contexts(self) -> None:
        for context in getattr(self, "_client_contexts", []):
            context.destroy(linger=0)
        self._client_contexts = []


def _pss(proc: psutil.Process) -> int:
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def kill_all(procs: list[psutil.Process]) -> None:
    """SIGKILL every process in ``procs`` that is still alive (ignoring ones already gone)."""
    for p in procs:
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            p.send_signal(signal.SIGKILL)


class MemoryWatch:
    """Kill a kernel whose process tree uses more memory than ``limit_bytes``.

    The address-space limit stops one process; this catches a submission that spreads its
    memory over several processes.
    """

    def __init__(self, km: SandboxKernelManager, limit_bytes: int, interval: float = 0.25):
        self.km, self.limit, self.interval = km, limit_bytes, interval
        self.exceeded = False
        self.peak = 0
        self._task: asyncio.Task | None = None

    async def _watch(self) -> None:
        while True:
            try:
                used = self.km.memory_bytes()
            except Exception:  # a process vanished mid-read: measure again next time
                used = 0
            self.peak = max(self.peak, used)
            if used > self.limit:
                self.exceeded = True
                kill_all(self.km.processes())
                return
            await asyncio.sleep(self.interval)

    def start(self) -> MemoryWatch:
        self._task = asyncio.ensure_future(self._watch())
        return self

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def adopt_forked_kernel(km, pid: int) -> None:
    """Make kernel manager ``km`` manage the kernel a template forked as process ``pid`` (its
    own process group), as its provisioner would have managed a kernel it started itself."""
    prov = km.provisioner
    prov.process = ForkedProcess(pid)
    prov.pid = prov.pgid = pid
    km._reconcile_connection_info(prov.connection_info)


class ForkedProcess:
    """Enough of ``subprocess.Popen`` for jupyter_client, for a kernel the template forked.

    The template, not this process, is its parent (and reaps it), so liveness comes from
    ``/proc``; the start time guards against a reused process id.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._created = psutil.Process(pid).create_time()
        except psutil.Error:
            self._created = None
            self.returncode = -1

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                p = psutil.Process(self.pid)
                if p.create_time() != self._created or p.status() == psutil.STATUS_ZOMBIE:
                    self.returncode = -1
            except psutil.Error:
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ZygoteError(RuntimeError):
    """The kernel template is not available (it did not start or it died)."""


class Zygote:
    """The worker's handle on its kernel template (:mod:`widgets.grading.zygote`)."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.ready: dict | None = None

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise ZygoteError(f"the kernel template exited (code {self.proc.poll()})")
        return json.loads(line)

    def wait_ready(self) -> dict:
        """Wait until the template has imported its modules; return what it said then."""
        if self.ready is None:
            self.ready = self._reply()
        return self.ready

    def spawn(self, spec: str | dict, argv: list[str], log: str | None) -> int:
        """Fork a sandboxed kernel; return its process id (``spec``: the sandbox spec or its
        file; ``log``: the kernel's output file, None for the template's stderr)."""
        if self.proc.poll() is not None:
            raise ZygoteError(f"the kernel template exited (code {self.proc.returncode})")
        self.wait_ready()
        try:
            self.proc.stdin.write(json.dumps({"spec": spec, "argv": argv, "log": log}) + "\n")
            self.proc.stdin.flush()
        except OSError as err:
            raise ZygoteError(f"the kernel template is gone: {err}") from None
        reply = self._reply()
        if "error" in reply:
            raise ZygoteError(reply["error"])
        return int(reply["pid"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError, AttributeError):
            self.proc.stdout.close()
