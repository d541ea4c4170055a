"""Voilà viewer kernels forked from a pre-loaded template, for ``make apps``.

Every page view gets a kernel of its own. A kernel started the usual way is a new Python that
imports ipykernel, pandas, matplotlib and, for three apps, scipy and statsmodels: about a
second of CPU and 130-190 MiB of memory per viewer, nearly all of it the same modules loaded
again. Here one template process (:mod:`widgets.grading.zygote`, the grading runner's) imports
the modules listed in ``preload`` once, and each kernel is a ``fork`` of it. The kernel's
memory pages stay shared with the template until the kernel writes to them, so a viewer costs
what its own app state needs rather than a copy of the libraries, and a kernel is ready as
soon as it is forked.

Branches: a kernel's resident memory (RSS) counts every template page it can reach, used or
not. So the libraries only some notebooks need (scipy and statsmodels, about 40 MiB) are
imported by a branch: a second template forked from the first once it has its modules, which
then imports the branch's. A notebook listed in a branch gets its kernels from there; the
others fork from the template and hold none of the branch's pages. ``branches`` in voila.json
lists them. Which notebook a kernel is for comes from :func:`widgets.voila_pool.notebook_of`.

No kernel here has ipykernel's debugger (``blocked``): Voilà relays only comm, kernel-info and
shutdown messages from a page, so no debug request can reach it, and debugpy costs every kernel
about 7 MiB.

Warm-up: a branch's ``preload`` may also name functions (``"widgets.budget:build_app"``) that the
branch calls once before it serves: each app is built at its defaults, outside any kernel, and
its widgets are closed. What the build cached stays: the datasets it loaded and the charts it
drew (``widgets.style.cached_chart``). A viewer's kernel then builds its app at the defaults
without drawing a chart or parsing a dataset, and shares those caches instead of holding copies.

Each kernel is still a new process that ran nothing of any viewer's before its own: the template
runs only the kit's code named in voila.json, never a notebook, and kernels are never reused.
The kernel gets the environment and working folder Voilà asked for, and a supervisor process
that removes whatever the kernel started when it exits (the grading sandbox with no namespaces,
limits or user change).

If the template cannot be used (it failed to start or died, the kernel spec names another
Python, or the platform cannot fork), the kernel starts the usual way and the reason is logged.
If a branch has ended, its notebooks' kernels fork from the template and import the rest
themselves.

voila.json selects it with ``PreheatSafeKernelManager.kernel_manager_class``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import threading

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from traitlets import Dict, Float, List, TraitError, Unicode, default, validate

from widgets.grading.kernels import (
    ForkedProcess,
    Zygote,
    ZygoteError,
    adopt_forked_kernel,
    socket_transport,
)
from widgets.voila_pool import notebook_of

#: The backend ipykernel would choose; set before the template imports matplotlib, so forked
#: kernels draw the way a new kernel would.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


@dataclasses.dataclass(frozen=True)
class Setup:
    """What the template imports (``preload``), its branches (``{name: {"notebooks": [...],
    "preload": [...]}}``) and the packages no kernel may import (``blocked``)."""

    preload: list[str]
    branches: dict[str, dict]
    blocked: list[str]


class Template:
    """The server's kernel template and its branches: started on first use, and replaced,
    branches included, if the template itself dies."""

    def __init__(self):
        self._lock = threading.Lock()
        self._zygotes: dict[str | None, Zygote] = {}  # None: the template; names: its branches
        self._said: set[str] = set()  # news the server log has had about these processes

    def spawn(self, setup: Setup, spec: dict, argv: list[str], branch: str | None = None) -> int:
        """Fork a kernel running ``argv`` with ``spec``'s env and cwd from ``branch`` (None:
        the template itself); return its process id. ``setup`` is what to start if the
        template is not running.

        Blocks (the first call waits for the template to import its modules): call it from a
        thread. Raises :class:`ZygoteError` when the template cannot serve.
        """
        with self._lock:
            template = self._zygotes.get(None)
            if template is None or template.proc.poll() is not None:
                self._close()
                self._zygotes = _start(setup)
                template = self._zygotes[None]
            zygote = self._zygotes.get(branch, template)
            if zygote.proc.poll() is not None:
                zygote = template  # a branch that ended: its kernels import the rest themselves
            try:
                return zygote.spawn(spec, argv, None)
            except ZygoteError:
                if zygote is template:
                    self._close()
                else:
                    self._zygotes.pop(branch).close()
                raise

    def news(self) -> list[str]:
        """What the server log should say about the running template and its branches: the
        modules one could not import (its kernels import them themselves) and the branches
        that ended. Each is said once, not once per kernel."""
        with self._lock:
            news = []
            for name, zygote in self._zygotes.items():
                where = "The kernel template" if name is None else f"Kernel template branch {name}"
                if zygote.ready and zygote.ready.get("failed"):
                    news.append(f"{where} could not pre-load {', '.join(zygote.ready['failed'])}")
                if name is not None and zygote.proc.poll() is not None:
                    news.append(f"{where} has ended; its kernels are forked from the template "
                                "and import the branch's modules themselves")
            news = [line for line in news if line not in self._said]
            self._said.update(news)
            return news

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        # Branches first: each ends when its requests end, and the template then reaps it.
        for name in sorted(self._zygotes, key=lambda name: name is None):
            self._zygotes[name].close()
        self._zygotes = {}
        self._said = set()


def _start(setup: Setup) -> dict[str | None, Zygote]:
    """Start the template ``setup`` describes; return the handles of it (key None) and of
    each branch, once the template has imported its modules."""
    env = {**os.environ, "MPLBACKEND": os.environ.get("MPLBACKEND") or INLINE_BACKEND}
    ours: dict[str, tuple[int, int]] = {}  # branch -> (its requests to write, replies to read)
    theirs: dict[str, dict] = {}
    for name, branch in setup.branches.items():
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        ours[name] = (requests_write, replies_read)
        theirs[name] = {"preload": list(branch["preload"]),
                        "fds": [requests_read, replies_write]}
    passed = [fd for branch in theirs.values() for fd in branch["fds"]]
    try:
        # stderr is inherited: the template's and its kernels' messages go to the server's log.
        proc = subprocess.Popen(
            [sys.executable, "-m", "widgets.grading.zygote", json.dumps(setup.preload),
             json.dumps({"branches": theirs, "blocked": setup.blocked})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1,
            pass_fds=passed)
    except OSError:
        for fds in ours.values():
            for fd in fds:
                os.close(fd)
        raise
    finally:
        for fd in passed:
            os.close(fd)
    zygotes: dict[str | None, Zygote] = {None: Zygote(proc)}
    try:
        pids = zygotes[None].wait_ready().get("branches", {})
    except ZygoteError:
        pids = {}
    for name, (requests, replies) in ours.items():
        handle = ForkedProcess(pids.get(name, -1))  # the template's child, not the server's
        handle.stdin = open(requests, "w", buffering=1)
        handle.stdout = open(replies)
        zygotes[name] = Zygote(handle)
    return zygotes


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
    """``ServerKernelManager`` whose kernels are forked from the pre-loaded template, or from
    the template's branch for their notebook."""

    preload = List(
        Unicode(), config=True,
        help="Modules the kernel template imports once, for every forked kernel to share. An "
             "entry 'module:function' also calls that function once (a warm-up).")
    branches = Dict(
        value_trait=Dict(), config=True,
        help="Branches of the template for notebooks that need more modules: {name: "
             "{'notebooks': [paths relative to Voila's folder], 'preload': [modules, or "
             "'module:function' warm-ups]}}. A "
             "branch is forked from the template once it has imported its modules, so a "
             "kernel of another notebook holds none of the branch's libraries.")
    blocked = List(
        Unicode(), ["debugpy"], config=True,
        help="Packages the template and its kernels cannot import. By default debugpy, which "
             "ipykernel imports for its debugger (about 7 MiB in every kernel): Voila relays "
             "only comm, kernel-info and shutdown messages from a page, so a viewer's kernel "
             "never receives a debug request.")
    trim_interval = Float(
        10.0, config=True,
        help="Seconds between a kernel's hand-backs of the memory it has freed to the system "
             "(0: never). Without them a viewer's kernel keeps what each redraw freed for as "
             "long as the page is open.")

    @default("transport")
    def _transport_default(self) -> str:
        if not self.connection_file:
            return "tcp"
        # jupyter_client names the sockets after the connection file
        return socket_transport(os.path.splitext(self.connection_file)[0] + "-ipc")

    @validate("branches")
    def _valid_branches(self, proposal):
        for name, branch in proposal["value"].items():
            for key in ("notebooks", "preload"):
                if not (isinstance(branch.get(key), list)
                        and all(isinstance(item, str) for item in branch[key])):
                    raise TraitError(f"ForkedKernelManager.branches[{name!r}][{key!r}] must be "
                                     f"a list of strings (got {branch.get(key)!r})")
        return proposal["value"]

    def branch_for(self, env: dict) -> str | None:
        """The branch whose notebooks include the one this kernel is for (None: the template)."""
        notebook = notebook_of(env)
        for name, branch in self.branches.items():
            if notebook in branch["notebooks"]:
                return name
        return None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if forkable(kernel_cmd):
            env = dict(kw.get("env") or os.environ)
            spec = {"env": env, "cwd": str(kw.get("cwd") or os.getcwd()),
                    "trim_interval": self.trim_interval}
            try:
                setup = Setup(list(self.preload), dict(self.branches), list(self.blocked))
                pid = await asyncio.to_thread(TEMPLATE.spawn, setup, spec, kernel_cmd,
                                              self.branch_for(env))
            except ZygoteError as err:
                self.log.warning("Kernel template unavailable (%s); starting a new Python", err)
            else:
                for line in TEMPLATE.news():
                    self.log.warning(line)
                adopt_forked_kernel(self, pid)
                return
        await super()._async_launch_kernel(kernel_cmd, **kw)
