"""What the browser and server benchmarks share: the machine, processes, pages and results.

Benchmarks print figures and assert nothing. Each also saves its figures as JSON in
``.benchmarks/`` (not committed), from which ``sizing.py`` writes docs/sizing.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import psutil

from widgets import course
from widgets.check import CHROMIUM_ARGS, find_chromium
from widgets.serve import VoilaServer

# The browser helpers live with the tests; the benchmarks drive pages the same way.
sys.path.insert(0, str(course.root()))
from tests.voila_page import CODE_MARKERS, ERROR_MARKERS, RESULTS, is_widget_app

__all__ = ["CODE_MARKERS", "ERROR_MARKERS"]  # re-exported for the benchmarks

MIB = 2**20
RESULTS_DIR = course.path(".benchmarks")
FIXTURES = course.path(course.BENCHMARKS, "fixtures")
BASELINE = "minimal-slider.ipynb"  # the one-slider Voilà notebook every app is compared with
#: Kernel arguments for notebooks a benchmark runs itself: ipykernel warns on every start that
#: its local TCP sockets are unencrypted, which buried the figures once per notebook.
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


# ------------------------------------------------------------------------------ machine
def machine() -> dict:
    """What the figures were measured on: enough to judge and to compare them."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("voila", "jupyterlab", "ipywidgets", "ipykernel", "playwright"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    chromium = find_chromium()
    if chromium:
        out = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=30)
        versions["chromium"] = out.stdout.strip()
    return {
        "cpu": cpu or "unknown",
        "logical_cores": psutil.cpu_count(logical=True),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def print_machine(info: dict) -> None:
    print(f"machine: {info['cpu']}, {info['logical_cores']} logical cores, "
          f"{info['memory_gib']} GiB, {info['os']}, Python {info['python']}; "
          f"load average at start {info['load_average_at_start']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))


def save(name: str, figures: dict) -> Path:
    """Write ``figures`` (with the load average at the end) to .benchmarks/<name>.json."""
    RESULTS_DIR.mkdir(exist_ok=True)
    figures = {**figures, "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
               "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2))
    print(f"figures saved to {path.relative_to(course.root())}")
    return path


# ---------------------------------------------------------------------------- statistics
def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; enough for tens of samples."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def paired_ratio(times: list[float], baseline: list[float]) -> float:
    """The median over rounds of ``times[i] / baseline[i]``; both lists hold one load per round,
    in the order the rounds ran."""
    return statistics.median(t / b for t, b in zip(times, baseline, strict=True))


def summary(values: list[float]) -> dict:
    return {"n": len(values), "min": min(values), "median": statistics.median(values),
            "p90": pct(values, 0.9), "p95": pct(values, 0.95), "max": max(values)}


# ----------------------------------------------------------------------------- processes
def kernels(server_pid: int) -> list[psutil.Process]:
    """The kernel processes a server started."""
    try:
        children = psutil.Process(server_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def rss_mib(proc: psutil.Process) -> float:
    """Resident memory in MiB; 0 for a process that has gone (e.g. culled)."""
    try:
        return proc.memory_info().rss / MIB
    except psutil.Error:
        return 0.0


def uss_mib(proc: psutil.Process) -> float:
    """Memory only this process holds (unique set size), MiB: what ending it would free.
    Pages shared with others, such as a forked kernel's pages still shared with its template,
    are not in it. 0 for a process that has gone."""
    try:
        return proc.memory_full_info().uss / MIB
    except psutil.Error:
        return 0.0


def pss_mib(proc: psutil.Process) -> float:
    """Proportional set size, MiB: its own pages plus its share of pages it shares."""
    try:
        return proc.memory_full_info().pss / MIB
    except psutil.Error:
        return 0.0


def tree_memory_mib(pid: int) -> float:
    """Memory a process and all its children hold, MiB, as the sum of their proportional set
    sizes: a page shared by forked kernels counts once, not once per kernel as RSS would."""
    try:
        root = psutil.Process(pid)
        return sum(pss_mib(p) for p in [root, *root.children(recursive=True)])
    except psutil.NoSuchProcess:
        return 0.0


def kernel_of(page, server_pid: int) -> psutil.Process | None:
    """The kernel process behind a page that loaded KERNEL_WATCH (found by its kernel id)."""
    url = page.evaluate("() => window.__kitKernel && window.__kitKernel.socket") or ""
    match = re.search(r"/api/kernels/([0-9a-f-]+)/", url)
    if not match:
        return None
    for proc in kernels(server_pid):
        try:
            if f"kernel-{match.group(1)}.json" in " ".join(proc.cmdline()):
                return proc
        except psutil.Error:
            continue
    return None


def peak_rss_mib(proc: psutil.Process) -> float:
    """Peak resident memory of a live process (Linux VmHWM), else its current RSS."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return rss_mib(proc)


def cpu_seconds(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


class Sampler:
    """Samples the memory of a process tree in the background; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, tree_memory_mib(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_percent(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            total += p.cpu_percent(interval=None)
        except psutil.Error:  # culled meanwhile
            continue
    return total


def fill_delay() -> float:
    """Seconds a preheated pool waits after a viewer takes its kernel before it starts the
    replacement, as voila.json sets it (Voilà's default is 1)."""
    config = json.loads((course.root() / "voila.json").read_text())
    return float(config.get("VoilaKernelManager", {}).get("fill_delay", 1))


def wait_until_settled(server: VoilaServer, n_kernels: int, timeout: float = 300, *,
                       refill: bool = False) -> float:
    """Wait until the server has ``n_kernels`` kernels and they are idle; return seconds.

    ``refill``: a page was opened just before, so first wait for its pool's replacement
    kernel to start (the kernel count alone would not tell: the page's own kernel lives on
    until it is culled).
    """
    start = time.monotonic()
    if refill:
        time.sleep(fill_delay())
    while time.monotonic() - start < timeout:
        ks = kernels(server.proc.pid)
        if len(ks) >= n_kernels:
            _cpu_percent(ks)  # starts the measurement interval
            time.sleep(1.0)
            if _cpu_percent(ks) < 5.0:
                return time.monotonic() - start
        else:
            time.sleep(0.5)
    print(f"  (kernels did not settle within {timeout}s)")
    return time.monotonic() - start


# -------------------------------------------------------------------------------- served
@contextmanager
def served_notebooks(*, extra: list[str] = (), with_baseline: bool = True,
                     env: dict[str, str] | None = None):
    """A Voilà server, configured like ``make apps``, on a copy of apps/ plus the baseline
    (``env``: the server's environment, by default this process's).

    Yields ``(server, notebooks)``: notebook names in apps/ order, the baseline last.
    """
    folder = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    names = []
    for nb in course.app_notebooks():
        shutil.copy(nb, folder / nb.name)
        names.append(nb.name)
    if with_baseline:
        shutil.copy(FIXTURES / BASELINE, folder / BASELINE)
        names.append(BASELINE)
    RESULTS_DIR.mkdir(exist_ok=True)
    log = RESULTS_DIR / f"voila-{time.strftime('%H%M%S')}.log"  # kept, to read after a failure
    server = VoilaServer(folder, extra=list(extra), log=log, env=env)
    try:
        server.wait(timeout=180)
        yield server, names
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def is_app(name: str) -> bool:
    """True for widget apps (and the baseline), False for Markdown pages (the gallery)."""
    if name == BASELINE:
        return True
    return is_widget_app(course.path(course.APPS, name))


# ---------------------------------------------------------------------------------- pages
@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if not path:
        sys.exit("No Chromium found: run `make test` once (it installs Debian's chromium).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


#: Installed before a page loads: watches its kernel websocket, so a timed change can wait for
#: the kernel's answer to every message the key made the page send. A view may send the number
#: a person reads first and then spend most of its time on a chart that comes out the same
#: (Voila then sends nothing for it): the page looks done long before the kernel is.
KERNEL_WATCH = r"""(() => {
  const k = window.__kitKernel = {armed: false, pending: new Set(), sent: 0, lastIdle: null,
                                  onIdle: null};
  // Jupyter's kernel websocket protocols: v1 (binary: offsets, channel, header, parent
  // header, metadata, content) and the legacy JSON one
  k.parse = data => {
    try {
      if (typeof data === 'string') {
        const m = JSON.parse(data);
        return {channel: m.channel, header: m.header, parent: m.parent_header,
                content: m.content};
      }
      if (!(data instanceof ArrayBuffer)) return null;
      const view = new DataView(data);
      const n = Number(view.getBigUint64(0, true));
      if (n < 6) return null;
      const at = i => Number(view.getBigUint64(8 * (i + 1), true));
      const part = i => new TextDecoder().decode(new Uint8Array(data, at(i), at(i + 1) - at(i)));
      return {channel: part(0), header: JSON.parse(part(1)), parent: JSON.parse(part(2)),
              content: JSON.parse(part(4))};
    } catch (e) {
      return null;
    }
  };
  k.onSend = data => {
    if (!k.armed || window.__kitPressed == null) return;
    const m = k.parse(data);
    if (m && m.channel === 'shell') { k.pending.add(m.header.msg_id); k.sent += 1; }
  };
  k.onFrame = data => {
    if (!k.armed) return;
    const m = k.parse(data);
    if (m && m.channel === 'iopub' && m.header.msg_type === 'status'
        && m.content.execution_state === 'idle' && k.pending.delete(m.parent.msg_id)) {
      k.lastIdle = performance.now();
      if (k.onIdle) k.onIdle();
    }
  };
  const send = WebSocket.prototype.send, watched = new WeakSet();
  WebSocket.prototype.send = function (data) {
    if (!watched.has(this)) {
      watched.add(this);
      k.socket = this.url;
      this.addEventListener('message', e => k.onFrame(e.data));
    }
    k.onSend(data);
    return send.call(this, data);
  };
})();"""

#: Arms a timer from the next key press until the change it makes is over: the kernel has
#: answered every message the key sent, the results' text differs from before, and the results
#: have then stayed still for 400 ms (numbers and charts arrive in separate messages). Resolves
#: to the time their text first differed (first: the headline numbers, which the apps send
#: before they draw a chart), of their last change (shown) and of the later of that and the
#: kernel's last answer (done); rejects if the kernel answered and the text a person reads did
#: not change.
_ARM = """(sel) => {
  const results = document.querySelector(sel), k = window.__kitKernel;
  if (!k) throw new Error('the kernel watch is missing: add KERNEL_WATCH before the page loads');
  const html = results.innerHTML, text = results.innerText;
  Object.assign(k, {armed: true, sent: 0, lastIdle: null});
  k.pending.clear();
  window.__kitPressed = null;
  window.__kitState = () => ({sent: k.sent, pending: k.pending.size,
                              changed: results.innerText !== text});
  // textContent, not innerText, while watching: innerText makes the browser lay out the page
  // at every mutation, which would slow the very redraw being timed
  const words = results.textContent;
  window.__kitChanged = new Promise((resolve, reject) => {
    let first = null, last = null, quiet;
    const finish = () => {
      if (!k.sent || k.pending.size) return;  // the kernel's answer will call later() again
      seen.disconnect();
      Object.assign(k, {armed: false, onIdle: null});
      if (results.innerText === text) {
        reject(new Error('the kernel answered, but the text of the results did not change'));
      } else {
        resolve({first: first ?? last, shown: last, done: Math.max(last, k.lastIdle)});
      }
    };
    const later = () => { clearTimeout(quiet); quiet = setTimeout(finish, 400); };
    const seen = new MutationObserver(() => {
      if (results.innerHTML === html) return;
      last = performance.now();
      if (first === null && results.textContent !== words) first = last;
      later();
    });
    seen.observe(results, {subtree: true, childList: true, characterData: true, attributes: true});
    k.onIdle = later;
  });
  document.addEventListener('keydown', () => { window.__kitPressed ??= performance.now(); },
                            {capture: true, once: true});
}"""
_READ = """async () => {
  const t = await window.__kitChanged;
  const since = x => x - window.__kitPressed;
  return {first: since(t.first), shown: since(t.shown), done: since(t.done)};
}"""
#: Rejects after ``ms`` saying how far the change got.
_TIMEOUT = """(ms) => new Promise((_, no) => setTimeout(() => {
  const s = window.__kitState();
  no(new Error(`no result within ${ms} ms: ` + (!s.sent ? 'the key sent nothing to the kernel'
    : s.pending ? `the kernel has not answered ${s.pending} of the ${s.sent} messages sent`
    : 'the kernel answered') + (s.changed ? '; the results text changed'
                                          : '; the results text did not change')));
}, ms))"""
#: Resolves once the results have not changed for 400 ms (at most 10 s): a change redraws its
#: numbers and charts in several messages, and the next change must not be timed against those.
#: Resolves to the page's clock (ms since navigation) at their last change, or null if they did
#: not change while watched.
_SETTLE = """(sel) => new Promise(resolve => {
  const results = document.querySelector(sel);
  let quiet, last = null;
  const done = () => { seen.disconnect(); clearTimeout(cap); resolve(last); };
  const seen = new MutationObserver(() => {
    last = performance.now(); clearTimeout(quiet); quiet = setTimeout(done, 400);
  });
  seen.observe(results, {subtree: true, childList: true, characterData: true, attributes: true});
  quiet = setTimeout(done, 400);
  const cap = setTimeout(done, 10000);
})"""
#: Resolves to the page's clock (ms since navigation) at the first animation frame in which an
#: element matching the selector is visible; rejects after ``ms``. Playwright's own waits poll
#: with a back-off of up to 500 ms between checks (microsoft/playwright#32276), which made a
#: page that became visible just after a check look up to half a second slower.
_VISIBLE_AT = """([sel, ms]) => new Promise((resolve, reject) => {
  const start = performance.now();
  const frame = () => {
    const el = document.querySelector(sel);
    const box = el && el.getBoundingClientRect();
    if (box && box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden') {
      resolve(performance.now());
    } else if (performance.now() - start > ms) {
      reject(new Error(`${sel} was not visible within ${ms} ms`));
    } else {
      requestAnimationFrame(frame);
    }
  };
  frame();
})"""


def results_settled_at(page) -> float | None:
    """Wait until the page's results have stopped changing; return the page's clock, in
    seconds since navigation, at their last change (None if they did not change meanwhile)."""
    last = page.evaluate(_SETTLE, RESULTS)
    return None if last is None else last / 1000


def visible_at(page, selector: str, timeout: float = 60.0) -> float:
    """Wait until an element matching ``selector`` is visible; return the page's clock, in
    seconds since navigation, at the first frame it was (not when a poll noticed)."""
    return page.evaluate(_VISIBLE_AT, [selector, int(timeout * 1000)]) / 1000


def watch_kernel(page) -> None:
    """Make ``page`` watch its kernel websocket; call before it opens the app."""
    page.add_init_script(KERNEL_WATCH)


def other_number(value: str) -> str | None:
    """An entry for a number field showing ``value`` that differs from it (10% more, or 1 for
    zero); None if ``value`` is not a number."""
    try:
        number = float(value.replace(",", "").rstrip("%").lstrip("$"))
    except ValueError:
        return None
    if number == 0:
        return "1"
    return f"{number * 1.1:.0f}" if abs(number) >= 10 else f"{number * 1.1:.3g}"


def arrow_keys(kind: str, position: float, last: float) -> tuple[str, str]:
    """The key that moves a slider or dropdown away from ``position``, and the one back.

    Towards the end unless it is already there: a key that cannot move the input sends
    nothing (an earlier change, such as the one timing the page load, may have left it there).
    """
    forward, backward = (("ArrowRight", "ArrowLeft") if kind == "slider"
                         else ("ArrowDown", "ArrowUp"))
    return (backward, forward) if position >= last else (forward, backward)


def first_input_change(page) -> tuple[str, str, str, object]:
    """Find the app's first visible number field or slider; return how to change it back and
    forth from where it is now, and the input to focus before each change.

    A number field alternates between 10% more than its value and its value (select all,
    type, Enter); a slider moves one step and back. Inputs that are neither (a preset
    dropdown, a search box) are passed over, since apps often open with one.
    """
    boxes = page.locator(".kit-app .kit-input:visible")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        text = box.locator("input[type=text]")
        if text.count():
            value = text.input_value()
            other = other_number(value)
            if other is None:
                continue
            return ("text", other, value, text)
        slider = box.locator("[role=slider]")
        if slider.count():
            now, end = (float(slider.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
            return ("slider", *arrow_keys("slider", now, end), slider)
    # An app of dropdowns (the failure explorer, the readiness diagnostic): step the first.
    select = page.locator(".kit-app .kit-input:visible select").first
    index, count = select.evaluate("s => [s.selectedIndex, s.options.length]")
    return ("select", *arrow_keys("select", index, count - 1), select)


@dataclass(frozen=True)
class ChangeTime:
    """Milliseconds from the committing key until the text of the results first changed
    (first), until the results finished changing (shown) and until the kernel had also
    answered everything the key sent (done)."""

    first: float
    shown: float
    done: float


def change_and_time(page, how: tuple[str, str, str, object], step: int,
                    timeout: float = 30.0) -> ChangeTime:
    """Make one change from the keyboard and time it, in the page, from the key press (Enter
    for a field, the arrow for a slider or dropdown).

    The change counts only if the key sent the kernel a message, the kernel answered it, and
    the text of the results changed; otherwise this raises, saying which of these failed.
    ``page`` must watch its kernel (``watch_kernel``).
    """
    kind, there, back, target = how
    results_settled_at(page)
    # an app may redraw its fields after a change, and the page's focus goes with the old one
    target.focus()
    entry = there if step % 2 == 0 else back
    if kind == "text":
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(entry)
        page.evaluate(_ARM, RESULTS)
        page.keyboard.press("Enter")
    else:
        page.evaluate(_ARM, RESULTS)
        page.keyboard.press(entry)
    t = page.evaluate(f"() => Promise.race([({_READ})(), ({_TIMEOUT})({int(timeout * 1000)})])")
    return ChangeTime(t["first"], t["shown"], t["done"])
