"""Voilà viewer kernels forked from one pre-loaded template, for ``make apps``.

Every page view gets a kernel of its own. A kernel started the usual way is a new Python that
imports ipykernel, pandas, matplotlib and, for three apps, scipy and statsmodels: about a
second of CPU and 130-190 MiB of memory per viewer, nearly all of it the same modules loaded
again. Here one template process (:mod:`widgets.grading.zygote`, the grading runner's) imports
the modules listed in ``preload`` once, and each kernel is a ``fork`` of it. The kernel's
memory pages stay shared with the template until the kernel writes to them, so a viewer costs
what its own app state needs rather than a copy of the libraries, and a kernel is ready as
soon as it is forked.

Each kernel is still a new process that ran nothing before its viewer: the template never runs
a notebook, and kernels are never reused. The kernel gets the environment and working folder
Voilà asked for, and a supervisor process that removes whatever the kernel started when it
exits (the grading sandbox with no namespaces, limits or user change).

If the template cannot be used (it failed to start or died, the kernel spec names another
Python, or the platform cannot fork), the kernel starts the usual way and the reason is logged.

voila.json selects it with ``PreheatSafeKernelManager.kernel_manager_class``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from traitlets import Float, List, Unicode

from widgets.grading.kernels import Zygote, ZygoteError, adopt_forked_kernel

#: The backend ipykernel would choose; set before the template imports matplotlib, so forked
#: kernels draw the way a new kernel would.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


class Template:
    """The server's one kernel template: started on first use, replaced if it dies."""

    def __init__(self):
        self._lock = threading.Lock()
        self._zygote: Zygote | None = None
        self._failures_reported = False  # for the running template

    def spawn(self, preload: list[str], spec: dict, argv: list[str]) -> int:
        """Fork a kernel running ``argv`` with ``spec``'s env and cwd; return its process id.

        Blocks (the first call waits for the template to import ``preload``): call it from a
        thread. Raises :class:`ZygoteError` when the template cannot serve.
        """
        with self._lock:
            if self._zygote is None or self._zygote.proc.poll() is not None:
                self._zygote = Zygote(_start(preload))
                self._failures_reported = False
            try:
                return self._zygote.spawn(spec, argv, None)
            except ZygoteError:
                self._zygote = None
                raise

    def newly_failed(self) -> list[str]:
        """Modules the running template could not import (its kernels import them themselves),
        the first time they are asked for after the template started; then an empty list, so
        the server log says it once per template, not once per kernel."""
        with self._lock:
            zygote = self._zygote
            if zygote is None or zygote.ready is None or self._failures_reported:
                return []
            self._failures_reported = True
            return list(zygote.ready.get("failed", []))

    def close(self) -> None:
        with self._lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None


def _start(preload: list[str]) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": os.environ.get("MPLBACKEND") or INLINE_BACKEND}
    # stderr is inherited: the template's and its kernels' messages go to the server's log.
    return subprocess.Popen(
        [sys.executable, "-m", "widgets.grading.zygote", json.dumps(preload)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)


TEMPLATE = Template()


def forkable(argv: list[str]) -> bool:
    """True if ``argv`` starts an IPython kernel on this server's own Python (the template's)."""
    if not argv or "ipykernel_launcher" not in argv or not hasattr(os, "fork"):
        return False
    try:
        return os.path.samefile(argv[0], sys.executable)
    except OSError:
        return False


class ForkedKernelManager(ServerKernelManager):
    """``ServerKernelManager`` whose kernels are forked from the pre-loaded template."""

    preload = List(
        Unicode(), config=True,
        help="Modules the kernel template imports once, for every forked kernel to share.")
    trim_interval = Float(
        10.0, config=True,
        help="Seconds between a kernel's hand-backs of the memory it has freed to the system "
             "(0: never). Without them a viewer's kernel keeps what each redraw freed for as "
             "long as the page is open.")

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if forkable(kernel_cmd):
            spec = {"env": dict(kw.get("env") or os.environ),
                    "cwd": str(kw.get("cwd") or os.getcwd()),
                    "trim_interval": self.trim_interval}
            try:
                pid = await asyncio.to_thread(TEMPLATE.spawn, list(self.preload), spec,
                                              kernel_cmd)
            except ZygoteError as err:
                self.log.warning("Kernel template unavailable (%s); starting a new Python", err)
            else:
                missing = [m for m in TEMPLATE.newly_failed() if m in self.preload]
                if missing:
                    self.log.warning("The kernel template could not pre-load %s",
                                     ", ".join(missing))
                adopt_forked_kernel(self, pid)
                return
        await super()._async_launch_kernel(kernel_cmd, **kw)
