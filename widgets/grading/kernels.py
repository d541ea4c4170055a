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
import signal

import psutil
import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside the sandbox described by a spec file."""

    launcher_cmd = List(Unicode(), help="Sandbox launcher command, ending with the spec path")
    max_message_bytes = Integer(64 * 2**20, help="Largest message accepted from the kernel")

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return [*self.launcher_cmd, "--", *cmd] if self.launcher_cmd else cmd

    def client(self, **kwargs):
        context = zmq.asyncio.Context()
        # A larger message makes zmq drop it (and reconnect) instead of buffering it.
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        self._client_contexts = [*getattr(self, "_client_contexts", []), context]
        return super().client(context=context, **kwargs)

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
        """Resident memory of the whole kernel tree, in bytes."""
        total = 0
        for p in self.processes():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        procs = self.processes()
        await super()._async_kill_kernel(restart=restart)
        kill_all(procs)

    async def close_contexts(self) -> None:
        for context in getattr(self, "_client_contexts", []):
            context.destroy(linger=0)
        self._client_contexts = []


def kill_all(procs: list[psutil.Process]) -> None:
    """SIGKILL every process in ``procs`` that is still alive (ignoring ones already gone)."""
    for p in procs:
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            p.send_signal(signal.SIGKILL)


class MemoryWatch:
    """Kill a kernel whose process tree uses more resident memory than ``limit_bytes``.

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
            used = self.km.memory_bytes()
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
