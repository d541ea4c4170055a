"""Voilà viewer kernels forked from the pre-loaded template (widgets/forked_kernels.py).

These start real kernels through the multi-kernel manager voila.json configures, run code in
them and read back what each kernel reports about itself.
"""

from __future__ import annotations

import asyncio
import glob
import importlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest
from traitlets.config import Config

from widgets import course
from widgets.forked_kernels import TEMPLATE, ForkedKernelManager, Setup, forkable
from widgets.grading.kernels import socket_transport
from widgets.voila_pool import NOTEBOOK_ENV, PreheatSafeKernelManager

#: The template for these tests pre-loads pandas (a kernel started the usual way has not), and,
#: as voila.json's does, ipywidgets and matplotlib's inline backend.
PRELOAD = ["pandas", "ipywidgets", "matplotlib_inline.backend_inline"]
#: Its one branch pre-loads a module nothing else imports, for one notebook.
BRANCHES = {"extra": {"notebooks": ["sub/extra.ipynb"], "preload": ["wave"]}}

PROBE = ("import json, os, sys; print(json.dumps({'preloaded': 'pandas' in sys.modules, "
         "'branch': 'wave' in sys.modules, 'cwd': os.getcwd(), 'pid': os.getpid(), "
         "'probe': os.environ.get('KIT_PROBE')}))")


@pytest.fixture
def manager(tmp_path):
    TEMPLATE.close()  # a template that pre-loads exactly PRELOAD, whatever ran before
    config = Config(json.loads(course.path("voila.json").read_text()))
    config.ForkedKernelManager.preload = PRELOAD
    config.ForkedKernelManager.branches = BRANCHES
    config.ForkedKernelManager.trim_interval = 1.0
    (tmp_path / "connections").mkdir()
    yield PreheatSafeKernelManager(config=config, root_dir=str(tmp_path),
                                   connection_dir=str(tmp_path / "connections"))
    TEMPLATE.close()


async def _execute(km, code: str, timeout: float = 60,
                   shown: list | None = None) -> tuple[str, str | None]:
    """Execute ``code``; return (stdout, error name or None). Appends to ``shown`` the MIME
    types of every output displayed."""
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=timeout)
        out, error = [], []

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                error.append(msg["content"]["ename"])
            elif msg["msg_type"] == "display_data" and shown is not None:
                shown.extend(msg["content"]["data"])

        await kc.execute_interactive(code, output_hook=hook, timeout=timeout)
        return "".join(out), (error[0] if error else None)
    finally:
        kc.stop_channels()


async def _probe(km) -> dict:
    out, error = await _execute(km, PROBE)
    assert error is None
    return json.loads(out)


def _run(coroutine):
    """Run ``coroutine`` on its own event loop, in a thread: a Playwright test earlier in
    this worker may have left a loop running in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _gone(pid: int, within: float = 20) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_a_kernel_is_forked_from_the_template_in_the_folder_and_environment_voila_asks(
        manager, tmp_path):
    async def scenario():
        kernel_id = await manager.start_kernel(path=str(tmp_path),
                                               env={**os.environ, "KIT_PROBE": "seen"})
        km = manager.get_kernel(kernel_id)
        try:
            return await _probe(km), km.provisioner.pid
        finally:
            await manager.shutdown_all()

    seen, supervisor_pid = _run(scenario())
    assert seen["preloaded"] is True  # imported by the template, not by this kernel
    assert seen["probe"] == "seen"
    assert seen["cwd"] == str(tmp_path)
    assert _gone(seen["pid"]) and _gone(supervisor_pid)


def test_kernels_use_unix_sockets_where_their_paths_fit():
    assert socket_transport("/tmp/voila_ab12cd34/kernel-" + "0" * 36 + "-ipc") == "ipc"
    # a Unix socket path is at most 104 bytes on macOS: a longer one must not kill the kernel
    assert socket_transport("/tmp/" + "x" * 100) == "tcp"
    assert ForkedKernelManager().transport == "tcp"  # no connection file to name them after


def test_a_viewer_kernel_talks_over_unix_sockets_so_no_other_process_can_take_its_ports(
        tmp_path):
    # as short as Voila's own connection folder; pytest's tmp_path is too long for a socket
    connections = Path(tempfile.mkdtemp(prefix="kit-"))
    config = Config(json.loads(course.path("voila.json").read_text()))
    config.ForkedKernelManager.preload = PRELOAD
    manager = PreheatSafeKernelManager(config=config, root_dir=str(tmp_path),
                                       connection_dir=str(connections))

    async def scenario():
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path)))
        try:
            written = json.loads(Path(km.connection_file).read_text())
            seen = await _probe(km)  # the kernel has bound its sockets once it answers
            return written, glob.glob(f"{written['ip']}-*"), seen
        finally:
            await manager.shutdown_all()

    try:
        written, sockets, seen = _run(scenario())
    finally:
        TEMPLATE.close()
        shutil.rmtree(connections, ignore_errors=True)
    assert written["transport"] == "ipc"
    assert written["ip"].startswith(str(connections))
    assert len(sockets) == 5  # shell, iopub, stdin, control, heartbeat: all files
    assert seen["preloaded"] is True  # and the forked kernel answered over them


def test_a_forked_kernel_shows_its_own_command_line_under_its_supervisor(manager, tmp_path):
    async def scenario():
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path)))
        try:
            seen = await _probe(km)
            kernel = psutil.Process(seen["pid"])
            return (" ".join(kernel.cmdline()), kernel.parent().pid, km.provisioner.pid,
                    " ".join(kernel.parent().parent().cmdline()))
        finally:
            await manager.shutdown_all()

    cmdline, parent, supervisor, grandparent = _run(scenario())
    # ps, the culling test and the benchmarks find a kernel by its connection file.
    assert re.search(r"ipykernel_launcher -f \S+kernel-[0-9a-f-]+\.json", cmdline)
    assert parent == supervisor
    assert "widgets.grading.zygote" in grandparent


def test_a_forked_kernel_is_set_up_by_libraries_the_template_imported_before_it_existed(
        manager, tmp_path):
    """ipywidgets and matplotlib-inline hook themselves into the kernel they are first imported
    in; the template imported them with no kernel running."""
    async def scenario():
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path)))
        try:
            targets, error = await _execute(
                km, "import comm, ipywidgets, json; "
                    "print(json.dumps(sorted(comm.get_comm_manager().targets)))")
            assert error is None
            shown = []
            _out, error = await _execute(
                km, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nNone", shown=shown)
            assert error is None
            return json.loads(targets), shown
        finally:
            await manager.shutdown_all()

    targets, shown = _run(scenario())
    # Without the control target, Voilà's page asks for every widget's state one by one.
    assert {"jupyter.widget", "jupyter.widget.control"} <= set(targets)
    assert "image/png" in shown  # a figure left at the end of a cell is shown, as usual


def test_a_forked_kernel_hands_freed_memory_back_while_it_waits(manager, tmp_path):
    # 200 MB in 4 kB pieces, every hundredth kept: the freed pieces lie between live ones,
    # where malloc cannot shrink the heap and keeps them for reuse.
    fill = ("import os, psutil\n"
            "pieces = [bytearray(4000) for _ in range(50_000)]\n"
            "kept = pieces[::100]\n"
            "del pieces\n"
            "print(psutil.Process().memory_full_info().uss)")
    own = "import psutil; print(psutil.Process().memory_full_info().uss)"

    async def scenario():
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path)))
        try:
            filled, error = await _execute(km, fill)
            assert error is None
            await asyncio.sleep(3)  # three trim intervals
            later, error = await _execute(km, own)
            assert error is None
            return int(filled), int(later)
        finally:
            await manager.shutdown_all()

    filled, later = _run(scenario())
    assert filled - later > 150 * 2**20, (filled, later)


def test_a_forked_kernel_can_be_interrupted(manager, tmp_path):
    async def scenario():
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path)))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            msg_id = kc.execute("import time; time.sleep(60)")
            await asyncio.sleep(1.0)
            started = time.monotonic()
            await manager.interrupt_kernel(km.kernel_id)
            while True:
                reply = await kc.get_shell_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"], time.monotonic() - started
        finally:
            kc.stop_channels()
            await manager.shutdown_all()

    content, waited = _run(scenario())
    assert content["status"] == "error" and content["ename"] == "KeyboardInterrupt"
    assert waited < 30


def test_a_dead_template_is_replaced_and_the_next_viewer_still_gets_a_kernel(manager, tmp_path):
    async def scenario():
        first = await _probe(manager.get_kernel(await manager.start_kernel(path=str(tmp_path))))
        template = psutil.Process(first["pid"]).parent().parent()
        template.send_signal(signal.SIGKILL)
        await asyncio.to_thread(template.wait, 10)
        try:
            second = await _probe(
                manager.get_kernel(await manager.start_kernel(path=str(tmp_path))))
            return template.pid, second, psutil.Process(second["pid"]).parent().parent().pid
        finally:
            await manager.shutdown_all()

    old_template, second, new_template = _run(scenario())
    assert second["preloaded"] is True  # forked again, from a new template
    assert new_template != old_template


@pytest.mark.parametrize("entry", ["no_such_module_anywhere", "wave:no_such_function"])
def test_a_module_or_warm_up_the_template_cannot_load_is_reported_once(tmp_path, entry):
    TEMPLATE.close()
    try:
        spec = {"env": dict(os.environ), "cwd": str(tmp_path)}
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k.json")]
        setup = Setup(["pandas", entry], {}, ["debugpy"])
        pid = TEMPLATE.spawn(setup, spec, argv)  # the template serves all the same
        psutil.Process(pid).kill()
        # debugpy is blocked on purpose, so it is not news
        assert TEMPLATE.news() == [f"The kernel template could not pre-load {entry}"]
        assert TEMPLATE.news() == []  # said once per template, not once per kernel
    finally:
        TEMPLATE.close()


def test_the_template_collects_an_ended_kernel_at_once_not_at_the_next_launch(tmp_path):
    TEMPLATE.close()
    try:
        spec = {"env": dict(os.environ), "cwd": str(tmp_path)}
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k.json")]
        supervisor = psutil.Process(TEMPLATE.spawn(Setup(PRELOAD, {}, []), spec, argv))
        supervisor.kill()
        deadline = time.monotonic() + 20
        while supervisor.is_running() and time.monotonic() < deadline:  # False once collected
            time.sleep(0.1)
        assert not supervisor.is_running(), "left <defunct> in ps until the next kernel"
    finally:
        TEMPLATE.close()


def test_only_ipython_kernels_on_the_servers_own_python_are_forked():
    assert forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not forkable(["/usr/bin/env", "python3", "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not forkable([sys.executable, "-m", "some_other_kernel", "-f", "k.json"])
    assert not forkable([])


def test_every_app_is_preloaded_by_the_template_or_its_branch_voila_json_configures():
    config = json.loads(course.path("voila.json").read_text())
    assert config["PreheatSafeKernelManager"]["kernel_manager_class"] == \
        "widgets.forked_kernels.ForkedKernelManager"
    forked = config["ForkedKernelManager"]
    for notebook in sorted(course.path(course.APPS).glob("*.ipynb")):
        branches = [b for b in forked["branches"].values() if notebook.name in b["notebooks"]]
        assert len(branches) <= 1, f"{notebook.name} is in more than one branch"
        preload = {*forked["preload"], *(branches[0]["preload"] if branches else [])}
        for cell in nbformat.read(notebook, as_version=4).cells:
            for module in re.findall(r"^from (widgets\.\w+) import", cell.source, re.M):
                assert module in preload, f"{notebook.name} imports {module}, not pre-loaded"


def _warm_ups() -> list[str]:
    forked = json.loads(course.path("voila.json").read_text())["ForkedKernelManager"]
    entries = [*forked["preload"], *(e for b in forked["branches"].values() for e in b["preload"])]
    return [e for e in entries if ":" in e]


def test_voila_json_warms_every_widget_app_in_its_branch():
    config = json.loads(course.path("voila.json").read_text())["ForkedKernelManager"]
    for branch in config["branches"].values():
        for notebook in branch["notebooks"]:
            source = "".join(c.source for c in nbformat.read(
                course.path(course.APPS, notebook), as_version=4).cells)
            module = re.search(r"^from (widgets\.\w+) import build_app", source, re.M).group(1)
            assert f"{module}:build_app" in branch["preload"], notebook


@pytest.mark.parametrize("entry", _warm_ups())
def test_after_its_warm_up_an_app_builds_without_drawing_a_chart(entry, monkeypatch):
    """What a forked kernel gains from the template's warm-up: its default charts are cached,
    so building the app draws none. Fails if a chart's arguments differ between two builds."""
    from widgets import style

    module, _, function = entry.partition(":")
    build = getattr(importlib.import_module(module), function)
    build()
    drawn = []
    draw = style.figure_html
    monkeypatch.setattr(style, "figure_html", lambda *a, **k: drawn.append(1) or draw(*a, **k))
    build()
    assert drawn == []


def test_a_kernel_forked_from_a_warmed_branch_draws_no_chart_and_inherits_no_widget(tmp_path):
    """voila.json's own set-up: the planning branch built the budget planner before forking."""
    TEMPLATE.close()
    config = Config(json.loads(course.path("voila.json").read_text()))
    (tmp_path / "connections").mkdir()
    manager = PreheatSafeKernelManager(config=config, root_dir=str(tmp_path),
                                       connection_dir=str(tmp_path / "connections"))
    code = ("import json, ipywidgets.widgets.widget as w\n"
            "from widgets import style\n"
            "inherited, drawn, draw = len(w._instances), [], style.figure_html\n"
            "style.figure_html = lambda *a, **k: drawn.append(1) or draw(*a, **k)\n"
            "from widgets.budget import build_app\n"
            "app = build_app()\n"
            "print(json.dumps({'inherited': inherited, 'drawn': len(drawn)}))")

    async def scenario():
        env = {**os.environ, NOTEBOOK_ENV: "budget-planner.ipynb"}
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path), env=env))
        out, error = await _execute(km, code)
        await manager.shutdown_all()
        return out, error

    try:
        out, error = _run(scenario())
    finally:
        TEMPLATE.close()
    assert error is None
    assert json.loads(out) == {"inherited": 0, "drawn": 0}


def test_a_notebooks_kernel_is_forked_from_its_branch_and_no_other_kernel_is(manager, tmp_path):
    """A pooled kernel names its notebook in KIT_NOTEBOOK; one started for a waiting viewer
    has its page's address in SCRIPT_NAME (here under a server prefix, with a space)."""
    # The template kills any child it does not know between requests: a branch kernel after
    # one from the template shows that the branch is not taken for one.
    kernels = {"pooled": {NOTEBOOK_ENV: "sub/extra.ipynb"},
               "other notebook": {NOTEBOOK_ENV: "sub/other.ipynb"},
               "viewer": {"SCRIPT_NAME": "/prefix/voila/render/sub/extra.ipynb"},
               "other page": {"SCRIPT_NAME": "/voila/render/extra%20copy.ipynb"},
               "unknown": {}}

    async def scenario():
        seen = {}
        for what, env in kernels.items():
            km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path),
                                                               env={**os.environ, **env}))
            probe = await _probe(km)
            template = psutil.Process(probe["pid"]).parent().parent()
            seen[what] = (probe["preloaded"], probe["branch"], " ".join(template.cmdline()))
        await manager.shutdown_all()
        return seen

    seen = _run(scenario())
    for what in ("pooled", "viewer"):
        assert seen[what][:2] == (True, True), what
        assert seen[what][2].endswith("--branch extra"), what
    for what in ("other notebook", "other page", "unknown"):
        assert seen[what][:2] == (True, False), what
        assert "--branch" not in seen[what][2], what


def test_a_branch_that_ended_leaves_its_notebooks_kernels_to_the_template(manager, tmp_path,
                                                                          caplog):
    env = {**os.environ, NOTEBOOK_ENV: "sub/extra.ipynb"}

    async def scenario():
        first = await _probe(manager.get_kernel(
            await manager.start_kernel(path=str(tmp_path), env=env)))
        branch = psutil.Process(first["pid"]).parent().parent()
        branch.send_signal(signal.SIGKILL)
        assert _gone(branch.pid)
        second = await _probe(manager.get_kernel(
            await manager.start_kernel(path=str(tmp_path), env=env)))
        await manager.shutdown_all()
        return second

    second = _run(scenario())
    assert second["preloaded"] is True and second["branch"] is False  # forked, from the template
    assert "Kernel template branch extra has ended" in caplog.text


def test_a_viewer_kernel_has_no_debugger_for_voila_never_relays_a_debug_request(manager,
                                                                                tmp_path):
    async def scenario():
        km = manager.get_kernel(await manager.start_kernel(path=str(tmp_path)))
        kc = km.client()
        kc.start_channels()
        try:
            info = await kc.kernel_info(reply=True, timeout=60)
        finally:
            kc.stop_channels()
        _out, error = await _execute(km, "import debugpy")
        await manager.shutdown_all()
        return info["content"], error

    info, error = _run(scenario())
    assert info["status"] == "ok" and "debugger" not in info["supported_features"]
    assert error == "ModuleNotFoundError"


def test_voilas_pool_tells_each_kernel_its_notebook():
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    class Pool(PreheatSafeKernelManager):
        async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
            return kwargs["env"]

    env = _run(Pool._initialize(None, "sub/a.ipynb", None, env={"A": "1"}))
    assert env == {"A": "1", NOTEBOOK_ENV: "sub/a.ipynb"}
    # Voilà's own pool class, built on this one, is wrapped the same way: if a Voilà release
    # renames the method, this fails rather than every pooled kernel losing its branch.
    voila_pool = voila_kernel_manager_factory(PreheatSafeKernelManager, True, 1)
    assert voila_pool._initialize.__wrapped__.__code__.co_varnames[1] == "notebook_path"
