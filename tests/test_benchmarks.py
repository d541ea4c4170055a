"""The benchmark scripts stay runnable: their pure parts are tested here (not their timings).

``make bench`` is run rarely and on a quiet machine; these tests make sure that, when it is,
the floor it compares against and the sizing it writes are computed as documented.
"""

from __future__ import annotations

import contextlib
import copy
import http.server
import importlib
import json
import sys
import threading
import time

import nbformat
import pytest
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
from playwright.sync_api import Error as PlaywrightError

from widgets import course

sys.path.insert(0, str(course.path(course.BENCHMARKS)))
common = importlib.import_module("_common")
bench_concurrency = importlib.import_module("bench_concurrency")
bench_course = importlib.import_module("bench_course")
bench_views = importlib.import_module("bench_views")
sizing = importlib.import_module("sizing")

MACHINE = {"cpu": "Test CPU", "logical_cores": 8, "memory_gib": 32.0, "os": "Linux",
           "python": "3.11", "load_average_at_start": [0.1, 0.1, 0.1],
           "versions": {"voila": "0.5.13"}}
FIGURES = {
    "voila": {
        "machine": MACHINE, "measured_at": "2026-01-01 00:00:00 UTC",
        "kernel_memory_mib": {"gallery.ipynb": {"rss_median": 50, "peak_max": 50},
                              "pilot-designer.ipynb": {"rss_median": 150, "peak_max": 160},
                              "minimal-slider.ipynb": {"rss_median": 50, "peak_max": 50}},
        "server_rss_mib": {"start": 80, "after_cold": 95, "after_preheated": 100},
        "preheated_idle_kernels_rss_mib": {"pool": [50, 150, 50]},
        "time_to_interactive": {"pilot-designer.ipynb": {
            "cold": {"median": 2.5}, "preheated": {"median": 1.5},
            "ratio_cold": 1.1, "ratio_preheated": 1.0}},
        "latency_ms": {"pilot-designer.ipynb": {"median": 50, "p95": 60}},
    },
    "concurrency": {"machine": MACHINE, "viewers": 30, "rendered": 30,
                    "load_s": {"median": 5, "p90": 8, "max": 9},
                    "memory_mib": {"before": 300, "peak": 3000, "after_culling": 320},
                    "cpu_s_per_view": 1.0},
    "course": {"machine": MACHINE, "total_s": 20, "total_floor_s": 16, "ratio": 1.25,
               "total_cpu_s": 6, "total_floor_cpu_s": 5, "cpu_ratio": 1.2,
               "jupyterlab": {"idle_mib": 120, "with_lesson_open_mib": 140},
               "notebooks": {
                   "lessons/00-x.ipynb": {"full": {"kernel_peak_mib": 200, "kernel_cpu_s": 2.0}},
                   "apps/pilot-designer.ipynb": {"full": {"kernel_peak_mib": 160,
                                                          "kernel_cpu_s": 1.0}}}},
}


def test_floor_keeps_only_the_imports_in_order():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("import nothing"),
                nbformat.v4.new_code_cell("%matplotlib inline\nimport pandas as pd\nx = 1"),
                nbformat.v4.new_code_cell("from widgets import pilot\npilot.build_app()")]
    floor = bench_course.floor_of(nb)
    assert [c.source for c in floor.cells] == ["import pandas as pd\nfrom widgets import pilot"]
    assert bench_course.floor_of(nbformat.v4.new_notebook()).cells[0].source == "pass"


def test_quantiles_and_summary():
    values = [float(v) for v in range(1, 101)]
    assert common.pct(values, 0.5) == pytest.approx(50.5, abs=0.5)
    assert common.pct(values, 0.95) == pytest.approx(95, abs=1)
    s = common.summary([3.0, 1.0, 2.0])
    assert (s["min"], s["median"], s["max"], s["n"]) == (1.0, 2.0, 3.0, 3)


def test_sizing_applies_the_tljh_rule_to_the_measured_peaks():
    learner = sizing.learners(FIGURES["course"])
    # JupyterLab with a lesson + two kernels at the heaviest non-app notebook's peak
    assert learner["per_user_mib"] == 140 + sizing.KERNELS_PER_LEARNER * 200
    executive = sizing.executives(FIGURES["voila"], FIGURES["concurrency"])
    assert executive["per_user_mib"] == 50 + sizing.APP_KERNELS_PER_EXECUTIVE * 160
    assert executive["pool_mib"] == 200  # the baseline's kernel is not part of make apps' pool

    text = sizing.render(FIGURES["voila"], FIGURES["concurrency"], FIGURES["course"])
    rows = [line for line in text.splitlines() if line.startswith("| 10 |")
            or line.startswith("| 30 |") or line.startswith("| 100 |")]
    assert len(rows) == 3
    mib_10 = 10 * learner["per_user_mib"] * (1 + sizing.HEADROOM) + sizing.HUB_OVERHEAD_MIB
    assert f"| 10 | {sizing._gib(mib_10):g} GiB |" in text
    assert "Test CPU, 8 logical cores, 32.0 GiB" in text


def test_forked_kernels_are_sized_by_their_own_memory_and_the_template_once():
    forked = copy.deepcopy(FIGURES["voila"])
    forked["kernel_memory_mib"]["pilot-designer.ipynb"].update(uss_median=40, uss_after_use=55)
    forked["kernel_memory_mib"]["gallery.ipynb"].update(uss_median=10)
    forked["kernel_memory_mib"]["minimal-slider.ipynb"].update(uss_median=8)
    forked["preheated_idle_kernels_rss_mib"]["pool_uss"] = [8, 40, 10]
    forked["changes"] = 30
    forked["template_mib"] = {"rss": 150, "uss": 30, "branches_uss": {"a": 20, "b": 10},
                              "supervisors": 4, "supervisors_uss": 8}
    executive = sizing.executives(forked, FIGURES["concurrency"])
    # a viewer adds what its kernels hold alone, after use, plus a 2 MiB supervisor each
    assert executive["app_mib"] == 55 + 2
    assert executive["per_user_mib"] == 12 + sizing.APP_KERNELS_PER_EXECUTIVE * 57
    assert executive["pool_mib"] == 40 + 10 + 2 * 2
    assert executive["template_mib"] == 150 + 20 + 10  # the template's pages once, and branches'
    unforked = sizing.executives(FIGURES["voila"], FIGURES["concurrency"])
    assert executive["per_user_mib"] < unforked["per_user_mib"]
    text = sizing.render(forked, FIGURES["concurrency"], FIGURES["course"])
    assert "the kernel template with its branches (180 MiB)" in text
    assert "own 40 MiB (55 MiB after 30 changes)" in text


def test_more_memory_per_user_means_a_bigger_server():
    heavier = copy.deepcopy(FIGURES["course"])
    heavier["notebooks"]["lessons/00-x.ipynb"]["full"]["kernel_peak_mib"] = 2000
    light = sizing.table(sizing.learners(FIGURES["course"]),
                         sizing.executives(FIGURES["voila"], FIGURES["concurrency"]))
    heavy = sizing.table(sizing.learners(heavier),
                         sizing.executives(FIGURES["voila"], FIGURES["concurrency"]))
    assert light[-1] != heavy[-1]


def test_committed_sizing_doc_is_generated_and_says_where_it_was_measured():
    text = course.path(course.DOCS, "sizing.md").read_text()
    assert "Generated by benchmarks/sizing.py" in text
    assert "## Where this was measured" in text
    for n in sizing.PARTICIPANTS:
        assert f"| {n} |" in text


@pytest.mark.parametrize("name", bench_views.tools())
def test_view_benchmark_can_drive_every_tool(name, monkeypatch):
    """A tool that composes others (the failure explorer) once broke ``make bench`` midway."""
    monkeypatch.setattr(bench_views, "REPEATS", 2)
    times = bench_views.tool(name)
    assert len(times) == 2 and all(t >= 0 for t in times)


# --------------------------------------------------------------- the Voila latency harness
class _TricklingPage(http.server.BaseHTTPRequestHandler):
    """A page that starts and never ends: one byte every 50 ms, for up to 20 s. Counts the
    bytes it got out before the reader hung up, and says when it stopped."""

    BYTES = 400
    sent = 0
    stopped = threading.Event()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            with contextlib.suppress(OSError):  # the benchmark hangs up, as it should
                for _ in range(self.BYTES):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    type(self).sent += 1
                    time.sleep(0.05)
        finally:
            self.stopped.set()

    def log_message(self, *args):
        pass


def test_a_page_that_never_completes_is_reported_not_waited_for():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TricklingPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/gallery.ipynb"
        _name, _seconds, problem = bench_concurrency.view(url, "gallery.ipynb", deadline_s=1.0)
        assert _TricklingPage.stopped.wait(30)
    finally:
        server.shutdown()
    assert problem == "request failed: page not complete within 1 s"
    # the benchmark hung up on the page instead of reading it to its end
    assert _TricklingPage.sent < _TricklingPage.BYTES


def test_number_field_entry_always_differs_from_what_it_shows():
    assert common.other_number("1,000") == "1100"
    assert common.other_number("50%") == "55"
    assert common.other_number("$2.5") == "2.75"
    assert common.other_number("0") == "1"  # 10% more than nothing is nothing: no change
    assert common.other_number("Claims triage") is None


def test_slider_and_dropdown_move_away_from_the_end_they_are_at():
    # the page-load timing moved the readiness dropdown to its last option; a second
    # ArrowDown from there changed nothing and the first timed change was lost
    assert common.arrow_keys("select", 1, 2) == ("ArrowDown", "ArrowUp")
    assert common.arrow_keys("select", 2, 2) == ("ArrowUp", "ArrowDown")
    assert common.arrow_keys("slider", 5, 100) == ("ArrowRight", "ArrowLeft")
    assert common.arrow_keys("slider", 100, 100) == ("ArrowLeft", "ArrowRight")


def _frame(channel: str, msg_type: str, msg_id: str, parent_id: str = "",
           content: dict | None = None) -> list[int]:
    """A kernel message as Jupyter Server puts it on the websocket (protocol v1)."""
    pack = lambda d: json.dumps(d).encode()  # noqa: E731
    msg = {"header": {"msg_id": msg_id, "msg_type": msg_type},
           "parent_header": {"msg_id": parent_id} if parent_id else {},
           "metadata": {}, "content": content or {}}
    return list(serialize_msg_to_ws_v1(msg, channel, pack=pack))


_PAGE = ('<div class="kit-app"><input class="kit-input" value="5">'
         '<div class="kit-results"><b>5</b></div></div>')
#: Replays, in the page, what the kernel does after the key: the page sends a request; at
#: ``shownMs`` the result changes (its text, or only its style); at ``idleMs`` the kernel says
#: it is done. Returns when each happened, from the key press.
_REPLAY = """async ([request, idle, shownMs, idleMs, text]) => {
  const k = window.__kitKernel, b = document.querySelector('.kit-results b');
  const at = (ms, act) => new Promise(r => setTimeout(() => { act(); r(performance.now()); }, ms));
  k.onSend(new Uint8Array(request).buffer);
  const [shown, done] = await Promise.all([
    at(shownMs, () => { if (text) { b.textContent = text; } else { b.style.color = 'red'; } }),
    at(idleMs, () => k.onFrame(new Uint8Array(idle).buffer))]);
  return {shown: shown - window.__kitPressed, idle: done - window.__kitPressed};
}"""


@pytest.fixture
def harness_page(page):
    page.set_content(_PAGE)
    page.add_script_tag(content=common.KERNEL_WATCH)
    return page


def _timed_change(page, *, text: str, shown_ms: int = 30, idle_ms: int = 30, send=True):
    """Time one replayed change with the benchmark's harness; return its figures and when
    the replayed events happened."""
    page.evaluate(common._ARM, common.RESULTS)
    page.locator(".kit-input").press("Enter")
    events = None
    if send:
        events = page.evaluate(_REPLAY, [_frame("shell", "comm_msg", "req-1"),
                                         _frame("iopub", "status", "st-1", "req-1",
                                                {"execution_state": "idle"}),
                                         shown_ms, idle_ms, text])
    timed = page.evaluate(f"() => Promise.race([({common._READ})(), "
                          f"({common._TIMEOUT})(2000)])")
    return timed, events


@pytest.mark.browser
def test_harness_reads_the_kernel_protocol_jupyter_server_writes(harness_page):
    read = harness_page.evaluate(
        "b => window.__kitKernel.parse(new Uint8Array(b).buffer)",
        _frame("iopub", "status", "st-1", "req-1", {"execution_state": "idle"}))
    assert read == {"channel": "iopub", "header": {"msg_id": "st-1", "msg_type": "status"},
                    "parent": {"msg_id": "req-1"}, "content": {"execution_state": "idle"}}


@pytest.mark.browser
@pytest.mark.parametrize(("shown_ms", "idle_ms"), [(30, 250), (250, 30)],
                         ids=["kernel-busy-after-the-result", "result-drawn-after-the-answer"])
def test_a_change_is_timed_until_the_kernel_has_answered_and_the_result_is_drawn(
        harness_page, shown_ms, idle_ms):
    # compared with when the replayed events happened, not with fixed times: a loaded
    # machine delays them, and this checks the harness's bookkeeping, not the speed
    t, events = _timed_change(harness_page, text="6", shown_ms=shown_ms, idle_ms=idle_ms)
    assert t["shown"] == pytest.approx(events["shown"], abs=5)
    assert t["first"] == t["shown"]  # one change, which was the text's
    assert t["done"] == pytest.approx(max(events["shown"], events["idle"]), abs=5)


#: Replays an app's answer to a key: the headline number changes at 30 ms, the chart (no
#: text, only its picture) at 200 ms, and the kernel says it is done at 220 ms.
_REPLAY_NUMBER_THEN_CHART = """async ([request, idle]) => {
  const k = window.__kitKernel, b = document.querySelector('.kit-results b');
  const at = (ms, act) => new Promise(r => setTimeout(() => { act(); r(performance.now()); }, ms));
  k.onSend(new Uint8Array(request).buffer);
  const [number, chart] = await Promise.all([
    at(30, () => { b.textContent = '6'; }),
    at(200, () => { b.style.color = 'red'; }),
    at(220, () => k.onFrame(new Uint8Array(idle).buffer))]);
  return {number: number - window.__kitPressed, chart: chart - window.__kitPressed};
}"""


@pytest.mark.browser
def test_the_first_response_is_when_the_results_text_changed_not_the_last_redraw(
        harness_page):
    harness_page.evaluate(common._ARM, common.RESULTS)
    harness_page.locator(".kit-input").press("Enter")
    events = harness_page.evaluate(_REPLAY_NUMBER_THEN_CHART, [
        _frame("shell", "comm_msg", "req-1"),
        _frame("iopub", "status", "st-1", "req-1", {"execution_state": "idle"})])
    t = harness_page.evaluate(f"() => ({common._READ})()")
    assert t["first"] == pytest.approx(events["number"], abs=5)
    assert t["shown"] == pytest.approx(events["chart"], abs=5)
    assert t["first"] < t["shown"] <= t["done"]


@pytest.mark.browser
def test_a_change_that_does_not_change_the_results_text_is_not_timed(harness_page):
    with pytest.raises(PlaywrightError, match="the text of the results did not change"):
        _timed_change(harness_page, text="")  # restyled only: nothing new to read
    with pytest.raises(PlaywrightError, match="the key sent nothing to the kernel"):
        _timed_change(harness_page, text="6", send=False)
