"""A submission that attacks the grader: it must not read the solutions or other learners'
work, must not change the gradebook, and must leave nothing behind for the next learner.

Where the machine allows full isolation (root with namespaces, as in CI's container), the test
demands it: the runner must not quietly fall back to less. Elsewhere it demands that the runner
says plainly that kernels are not isolated.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess

import psutil
import pytest
from nbgrader.api import Gradebook

from tests.grading_support import Class, by_student, outputs_text
from widgets import course
from widgets.grading import demo
from widgets.grading.isolation import Level, kit_root
from widgets.grading.results import Code

pytestmark = pytest.mark.grading

MARK = "4242.5"  # a background `sleep` the attacker starts; nothing may outlive grading

ATTACK = '''
import glob, json, os, sqlite3, socket, subprocess
def _try(fn):
    try:
        return "DONE " + str(fn())[:80]
    except Exception as err:
        return "blocked " + type(err).__name__
_root, _victim = {root!r}, {victim!r}
_found = {{
    "read solutions": _try(lambda: open(_root + "/solutions/{a}/{nb}.ipynb").read()),
    "read kit solutions": _try(lambda: open({kit!r} + "/solutions/{a}/{nb}.ipynb").read()),
    "read gradebook": _try(lambda: open(_root + "/gradebook.db", "rb").read(16)),
    "write gradebook": _try(lambda: sqlite3.connect(_root + "/gradebook.db").execute(
        "update grade set manual_score = 0").connection.commit()),
    "append gradebook": _try(lambda: open(_root + "/gradebook.db", "ab").write(b"x")),
    "read victim": _try(lambda: open(_victim).read()),
    "write victim": _try(lambda: open(_victim, "w").write("{{}}")),
    "worker snapshots": _try(lambda: glob.glob("/tmp/gt-grade-*/gradebook-*.db")[0]),
    "network": _try(lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2)),
    "template pipe": _try(lambda: os.read(0, 64) or (_ for _ in ()).throw(EOFError())),
}}
import random, numpy
_rng = [random.random(), float(numpy.random.random())]
import statsmodels
statsmodels.PLANTED = True
open("/tmp/planted", "w").write("x")
open(os.path.expanduser("~/planted"), "w").write("x")
subprocess.Popen(["sleep", "{mark}"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    os.execvp("sleep", ["sleep", "{mark}"])
print("ATTACK=" + json.dumps(_found))
print("RNG=" + json.dumps(_rng))
'''

SNOOP = '''
import json, os, random, numpy, statsmodels
print("RNG=" + json.dumps([random.random(), float(numpy.random.random())]))
print("SNOOP=" + json.dumps({
    "planted module": hasattr(statsmodels, "PLANTED"),
    "planted tmp": os.path.exists("/tmp/planted"),
    "planted home": os.path.exists(os.path.expanduser("~/planted")),
}))
'''


def _namespaces_available() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    done = subprocess.run(["unshare", "--mount", "--pid", "--net", "--fork", "true"],
                          capture_output=True, check=False)
    return done.returncode == 0


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    k = Class(tmp_path_factory.mktemp("isolation"))
    # Readable by everyone, like a normal checkout: only the sandbox may stand in the way.
    for p in [k.root, *k.root.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    victim = k.submit("victim", k.full())
    listener = socket.create_server(("127.0.0.1", 0))
    code = ATTACK.format(root=str(k.root), victim=str(victim), a=k.assignment, nb=k.notebook,
                         kit=str(kit_root()), port=listener.getsockname()[1], mark=MARK)
    k.submit("attacker", k.with_answer(k.full(), demo.TRACK_A, code))
    k.submit("snoop", k.with_answer(k.full(), demo.TRACK_A, SNOOP))
    before = _digest(victim)
    try:
        # One worker: the snoop is graded right after the attacker, by the same worker.
        report = k.grade(**{"GradingRunner.workers": 1})
    finally:
        listener.close()
    return k, report, before


def _json(k, student, prefix):
    text = outputs_text(k.autograded(student), k.answer_id(demo.TRACK_A))
    line = next(ln for ln in text.splitlines() if ln.startswith(prefix))
    return json.loads(line[len(prefix):])


def test_the_expected_isolation_level_is_used_or_its_absence_said(attacked):
    _, report, _ = attacked
    if _namespaces_available():
        assert report.isolation.level is Level.FULL, report.isolation.summary()
    else:
        assert report.isolation.level is not Level.FULL
        assert report.isolation.reasons
        text = report.files["markdown"].read_text()
        assert report.isolation.summary() in text


NO_SANDBOX = "this machine cannot isolate kernels (not root, or no namespaces): the runner " \
    "says so in its report, which the isolation-level test checks"


def test_the_attack_fails(attacked):
    k, _, _ = attacked
    if not _namespaces_available():
        pytest.skip(NO_SANDBOX)
    found = _json(k, "attacker", "ATTACK=")
    assert all(v.startswith("blocked") for v in found.values()), found
    # Not "permission denied" but "not there": the kernel's view of the disk lacks them.
    for what in ("read solutions", "read gradebook", "read victim", "read kit solutions"):
        assert found[what] == "blocked FileNotFoundError", (what, found[what])


def test_other_learners_work_and_grades_are_unchanged(attacked):
    k, report, before = attacked
    if not _namespaces_available():
        pytest.skip(NO_SANDBOX)
    victim = k.root / "submitted" / "victim" / k.assignment / f"{k.notebook}.ipynb"
    assert _digest(victim) == before
    results = by_student(report)
    assert results["victim"].score == k.max_auto
    assert results["attacker"].score == k.max_auto  # its answers are right; only its attack fails
    with Gradebook(f"sqlite:///{k.root / 'gradebook.db'}", course.COURSE_ID) as gb:
        for student in ("victim", "attacker", "snoop"):
            sub = gb.find_submission(k.assignment, student)
            assert sub.score == k.max_auto
            assert all(g.manual_score is None for nb in sub.notebooks for g in nb.grades)


def test_nothing_carries_over_to_the_next_learner(attacked):
    k, report, _ = attacked
    seen = _json(k, "snoop", "SNOOP=")
    assert not any(seen.values()), seen
    assert by_student(report)["snoop"].code is Code.GRADED
    # Kernels forked from one template still draw their own random numbers.
    first, second = _json(k, "attacker", "RNG="), _json(k, "snoop", "RNG=")
    assert first[0] != second[0] and first[1] != second[1]


def test_no_process_outlives_the_grading(attacked):
    if not _namespaces_available():
        pytest.skip(NO_SANDBOX)
    left = [p.pid for p in psutil.process_iter(["cmdline"])
            if MARK in " ".join(p.info["cmdline"] or [])]
    assert left == []
