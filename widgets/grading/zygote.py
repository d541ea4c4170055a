"""A pre-loaded template for grading kernels: fork a fresh kernel instead of starting Python.

Starting a kernel costs Python's start-up, ipykernel's imports and then the notebook's own
imports (pandas, statsmodels...), about a second of CPU per learner, which is most of the
grading time on a small machine. The template (one per worker) imports ipykernel and the
modules the assignment's *instructor* code imports, once; for each learner it forks a child
that goes through the same sandbox set-up as a normal kernel (namespaces, limits, unprivileged
user, :func:`widgets.grading.sandbox.run`) and then starts the kernel in that process.

Each learner still gets a new process that nobody used before: the template never runs
learner code, and the child is a copy of the template taken before any learner code ran. A
kernel is never reused. What differs from a cold start: modules the instructor's code imports
are already imported, and NumPy's global random state is re-seeded from the OS in the child
(Python's ``random`` re-seeds itself on fork).

Protocol (one JSON object per line): the worker writes ``{"spec", "argv", "log"}`` to the
template's stdin; it answers ``{"pid": <pid>}`` or ``{"error": "..."}`` on stdout. ``spec`` is
the sandbox spec or the path of its file; ``log`` may be null (the template's stderr). The
first line the template writes says it is ready: ``{"ready": <seconds>, "failed": [...],
"branches": {<name>: <pid>}}``.

Warm-up: an entry ``"module:function"`` in a pre-load list also calls that function once
(see :func:`preload`), so caches it fills are shared by every fork, like the modules.

Branches: a template may also be given branches, each a list of further modules and a pair of
pipes. Once the template has imported its own modules it forks one child per branch, which
imports the branch's modules and then serves requests on that branch's pipes, in the same
protocol. A branch shares the template's pages, so kernels that need a large library (scipy)
fork from a branch, and kernels that do not fork from the template without it.

:mod:`widgets.forked_kernels` uses the same template for Voilà's viewer kernels, with a spec
that asks for no namespaces, limits or user change.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import setproctitle

from widgets.grading import sandbox


def _in_process_kernel(spec: dict, cmd: list[str]) -> None:
    """Run ipykernel here, as ``cmd`` (``python -m ipykernel_launcher -f ...``) would."""
    # A fork shows the template's command line; show the kernel's, with its connection file,
    # so ps, the culling test and the benchmarks know which kernel this is. (Before the
    # environment changes: setproctitle finds the room for the title next to it.)
    setproctitle.setproctitle(" ".join(cmd))
    os.environ.clear()
    os.environ.update(spec["env"])
    args = cmd[cmd.index("ipykernel_launcher") + 1:] if "ipykernel_launcher" in cmd else cmd[1:]
    sys.argv = ["ipykernel_launcher", *args]
    # As ipykernel_launcher does: keep the working folder off sys.path while loading;
    # IPython puts it back for the learner's code.
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    # As in a fresh Python: Ctrl-C raises KeyboardInterrupt (the template ignores it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a cold kernel would draw fresh entropy too
    from ipykernel import kernelapp

    # What kernelapp.launch_new_instance() does, with the set-up below between its two steps.
    app = kernelapp.IPKernelApp.instance()
    app.initialize()
    _hook_preloaded_modules(app.shell)
    if spec.get("trim_interval"):
        _trim_freed_memory_every(spec["trim_interval"])
    app.start()


def _trim_freed_memory_every(seconds: float) -> None:
    """Hand the memory this process has freed back to the system every ``seconds``.

    glibc's malloc keeps freed memory for reuse, scattered between live objects where it cannot
    shrink the heap. An app kernel that redraws its charts on every change grew by about
    20 MiB over 30 changes this way, and kept it for as long as the page stayed open.
    ``malloc_trim(0)`` releases every whole free page. It runs in a thread of its own, and ctypes
    lets go of the GIL during the call, so the kernel is never held up.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library Python itself is linked with
    except (OSError, AttributeError):
        return  # not glibc (musl): its malloc has no such call

    def loop() -> None:
        while True:
            time.sleep(seconds)
            trim(0)

    threading.Thread(target=loop, name="malloc-trim", daemon=True).start()


def _hook_preloaded_modules(shell) -> None:
    """Do for this kernel what pre-loaded modules do when they are first imported in one.

    The template imported them with no kernel running, so they skipped it, and importing them
    again in the kernel does nothing. ipywidgets registers its comm targets: without the
    control target, a Voilà page asks for the state of every widget in a message of its own.
    matplotlib's inline backend, when it is the backend, shows the figures a cell leaves open.
    """
    ipywidgets = sys.modules.get("ipywidgets")
    if ipywidgets is not None:
        ipywidgets.load_ipython_extension(shell)
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None:
        inline._enable_matplotlib_integration()




def _spawn(request: dict, live: set[int]) -> int:
    spec = request["spec"]
    if not isinstance(spec, dict):  # a path to the spec file the grading worker wrote
        with open(spec) as f:
            spec = json.load(f)
    # Without a log the kernel writes where the template writes its errors (a Voilà server's log).
    log = (os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
           if request.get("log") else os.dup(2))
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()  # its own process group: interrupts and kills reach it alone
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)  # never the template's request pipe
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.closerange(3, 65536)  # nothing of the template's (its pipes) reaches the kernel
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            sandbox.run(spec, request["argv"], start=_in_process_kernel)
        except SystemExit as done:
            os._exit(done.code if isinstance(done.code, int) else 0)
        except BaseException as err:
            with contextlib.suppress(Exception):
                print(f"zygote: could not start the kernel: {err}", file=sys.stderr, flush=True)
        os._exit(73)
    os.close(log)
    live.add(pid)
    return pid


def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` (ignoring ones that fail); return the ones that failed.

    An entry ``"module:function"`` also calls ``module.function()`` once, to warm the caches
    it fills (a Voilà app built at its defaults draws and caches its default charts and loads
    its data). Widgets a call makes are closed afterwards, so no kernel inherits one.
    """
    failed = []
    # What every kernel's start-up imports anyway (ipykernel loads its debugger, debugpy);
    # none of these starts a thread, so forking stays safe.
    base = ["ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
            "ipykernel.debugger", "IPython", "debugpy", "sqlite3", "psutil"]
    called = False
    for name in [*base, *modules]:
        module, _, function = name.partition(":")
        if module.split(".")[0] in sys.modules and sys.modules[module.split(".")[0]] is None:
            continue  # blocked on purpose (see serve)
        try:
            loaded = importlib.import_module(module)
            if function:
                called = True
                getattr(loaded, function)()
        except Exception:
            failed.append(name)
    if called and "ipywidgets" in sys.modules:
        # Outside a kernel a widget announces itself to nobody, but it stays registered, and a
        # page asking its kernel for every widget's state would be sent these too.
        sys.modules["ipywidgets"].Widget.close_all()
    return failed


def start(modules: list[str], *, home: Path, log: Path) -> subprocess.Popen:
    """Start a template process that pre-loads ``modules`` (its handle is
    :class:`widgets.grading.kernels.Zygote`). Light on imports: workers call it first, so the
    template loads while the worker itself is still importing."""
    from widgets.grading.isolation import kernel_env

    home.mkdir(mode=0o700, exist_ok=True)
    with open(log, "ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "widgets.grading.zygote", json.dumps(modules)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=home,
            env=kernel_env(home=home, tmp=str(home), user=None), text=True, bufsize=1)


def serve(modules: list[str], branches: dict[str, dict] | None = None,
          blocked: list[str] | None = None) -> None:
    """Pre-load ``modules``, fork the ``branches``, then fork a kernel per request until stdin
    closes. ``branches`` maps a name to ``{"preload": [...], "fds": [requests, replies]}``,
    the ends of two pipes this process inherited. Packages in ``blocked`` cannot be imported
    here or in any kernel (ipykernel then runs without its debugger, for instance)."""
    for name in blocked or []:
        sys.modules[name] = None  # what Python's import system reads as "not available"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    started = time.monotonic()
    failed = _preload_and_freeze(modules)
    pids = {name: _fork_branch(name, branch, branches, started)
            for name, branch in (branches or {}).items()}
    for branch in (branches or {}).values():
        for fd in branch["fds"]:
            os.close(fd)  # the branch's now: its server sees the end of them when it ends
    _answer(sys.stdin, sys.stdout, {"ready": round(time.monotonic() - started, 3),
                                    "failed": failed, "branches": pids}, set(pids.values()))


def _preload_and_freeze(modules: list[str]) -> list[str]:
    failed = preload(modules)
    # Move what the imports made out of the collector's reach: a kernel's garbage collections
    # would otherwise write to every object's header and copy the template's pages into
    # each kernel one by one.
    gc.collect()
    gc.freeze()
    return failed


def _fork_branch(name: str, branch: dict, branches: dict, started: float) -> int:
    """Fork the template for branch ``name``: it imports the branch's modules on top of this
    template's, then answers requests on the branch's pipes. Return its process id."""
    pid = os.fork()
    if pid:
        return pid
    try:
        setproctitle.setproctitle(f"{setproctitle.getproctitle()} --branch {name}")
        sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)  # ends with its template
        requests, replies = branch["fds"]
        for other in branches.values():
            for fd in other["fds"]:
                if fd not in (requests, replies):
                    # Another branch's reply pipe held open here would hide that branch's
                    # end from its server.
                    os.close(fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)  # the template's own request and reply pipes are not the branch's
        os.dup2(devnull, 1)
        os.close(devnull)
        failed = _preload_and_freeze(branch.get("preload", []))
        with open(requests) as inp, open(replies, "w", buffering=1) as out:
            _answer(inp, out, {"ready": round(time.monotonic() - started, 3),
                               "failed": failed, "branches": {}}, set())
    except BaseException as err:
        with contextlib.suppress(Exception):
            print(f"zygote: branch {name} stopped: {err}", file=sys.stderr, flush=True)
    os._exit(0)


def _answer(inp, out, ready: dict, live: set[int]) -> None:
    """Say ``ready`` on ``out``, then fork a kernel for each request read from ``inp`` until
    it closes. ``live`` holds the children that are not strays (the branches)."""
    # Orphans of kernels without namespaces land here and are killed below.
    sandbox.prctl(sandbox.PR_SET_CHILD_SUBREAPER, 1)
    exited: set[int] = set()

    def collect(signum, frame):
        # Now, not at the next request: a Voila server can go an hour between kernels, and
        # every supervisor that ended meanwhile would stay in ps as <defunct>.
        exited.update(sandbox.reap_children())

    signal.signal(signal.SIGCHLD, collect)
    out.write(json.dumps({**ready, "threads": threading.active_count()}) + "\n")
    out.flush()
    for line in inp:
        exited.update(sandbox.reap_children())
        while exited:  # pop, not clear: the handler may add to it at any moment
            live.discard(exited.pop())
        for stray in set(sandbox._children(os.getpid())) - live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(stray, signal.SIGKILL)
        try:
            reply = {"pid": _spawn(json.loads(line), live)}
        except Exception as err:
            reply = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    # argv: the modules (JSON list), then optionally serve's other arguments (JSON object).
    serve(json.loads(sys.argv[1]) if len(sys.argv) > 1 else [],
          **(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}))
    # Nothing to flush or save: skip tearing down the many pre-loaded modules.
    os._exit(0)
