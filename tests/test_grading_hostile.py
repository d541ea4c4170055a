"""Broken and hostile submissions: each gets its status and its score, and the batch completes.

All of them are graded in ONE batch (6 s per cell, 1 GiB per kernel), next to a correct
submission whose full marks prove the others did not disturb it.
"""

from __future__ import annotations

import nbformat
import pytest

from tests.grading_support import Class, by_student, outputs_text
from widgets.grading import demo
from widgets.grading.results import Code

pytestmark = pytest.mark.grading

A, B = demo.TRACK_A, demo.TRACK_B

# Each is added at the end of the first Track B answer cell, after the learner's answer.
LOOP = "while True:\n    pass\n"
STUBBORN = """import time
while True:
    try:
        while True:
            time.sleep(0.01)
    except KeyboardInterrupt:
        pass
"""
DIE = "import os\nos._exit(1)\n"
# Fills memory in a function, so the memory is freed again after the MemoryError.
BOMB = """
def _bomb():
    hog = []
    while True:
        hog.append(bytearray(b"x" * (64 * 2**20)))
_bomb()
"""
# Each process stays under the address-space cap; together they pass the memory cap.
FORK_BOMB = """
import os, signal, time
for _ in range(3):
    if os.fork() == 0:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        block = b"x" * (450 * 2**20)
        time.sleep(60)
        os._exit(0)
time.sleep(60)
"""
FLOOD = "print('x' * 3_000_000)\nfor i in range(30_000):\n    print(i)\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    k = Class(tmp_path_factory.mktemp("hostile"))
    full = k.full
    cases = {
        "solution": full(),
        "infinite-loop": k.with_answer(full(), B, LOOP),
        "ignores-interrupt": k.with_answer(full(), B, STUBBORN),
        "kernel-death": k.with_answer(full(), B, DIE),
        "memory-bomb": k.with_answer(full(), B, BOMB),
        "fork-bomb": k.with_answer(full(), B, FORK_BOMB),
        "huge-output": k.with_answer(full(), A, FLOOD),
        "deleted-test": demo.delete_test(full()),
        "edited-test": k.only(A),
        "changed-metadata": demo.inflate_points(full()),
        "split-cell": demo.split_answer(full()),
        "test-to-markdown": demo.test_to_markdown(full()),
        "syntax-error": demo.syntax_error(full(), A),
        "deleted-answer": full(),
        "truncated": nbformat.writes(full())[:2000],
        "empty": b"",
    }
    # A learner who did Track A only "fixes" a Track B test so that it passes.
    edited = next(c for c in cases["edited-test"].cells
                  if demo.is_test(c) and demo.grade_id(c).startswith(B))
    edited.source = '"""Track B: looks fine to me."""\nassert True'
    # A learner who deletes every Track A answer cell.
    deleted = cases["deleted-answer"]
    deleted.cells = [c for c in deleted.cells
                     if not (demo.is_answer(c) and demo.grade_id(c).startswith(A))]
    for student, nb in cases.items():
        k.submit(student, nb)
    report = k.grade(**{"Execute.timeout": 6})
    return k, report, by_student(report)


def test_the_batch_completes_and_the_runner_reports_success(batch):
    _, report, results = batch
    assert len(results) == 16
    assert report.exit_code == 0, [r.status for r in report.results]


def test_a_correct_submission_in_a_hostile_batch_gets_full_marks(batch):
    k, _, results = batch
    r = results["solution"]
    assert (r.code, r.score, r.max_score) == (Code.GRADED, k.max_auto, k.max_total)


def _expect(batch, student, code, score, cell=None):
    k, _, results = batch
    r = results[student]
    assert r.code is code, (student, r.status, r.notes)
    assert r.score == score, (student, r.score, r.notes)
    assert r.max_score == k.max_total
    if cell is not None:
        assert cell in r.status, r.status


def test_infinite_loop_is_interrupted_and_grading_goes_on(batch):
    k = batch[0]
    # The interrupt stops the loop after the answer was defined: every test still runs.
    _expect(batch, "infinite-loop", Code.TIMED_OUT, k.max_auto, k.answer_id(B))
    assert "NotRun" not in str(k.autograded("infinite-loop").cells[-1].get("outputs"))


def test_loop_that_catches_interrupts_is_stopped_and_later_cells_do_not_count(batch):
    k = batch[0]
    where = k.answer_id(B)
    _expect(batch, "ignores-interrupt", Code.TIMED_OUT, k.points_before(where), where)
    assert "ignored the interrupt" in batch[2]["ignores-interrupt"].notes
    assert "NotRun" in str(k.autograded("ignores-interrupt").cells[-1].get("outputs"))


def test_kernel_death_keeps_earlier_results_and_zeroes_the_rest(batch):
    k = batch[0]
    where = k.answer_id(B)
    _expect(batch, "kernel-death", Code.KERNEL_DIED, k.points_before(where), where)


def test_memory_bomb_is_stopped_and_reported(batch):
    k = batch[0]
    # The MemoryError is raised in the learner's cell; the kernel survives and the tests run.
    _expect(batch, "memory-bomb", Code.MEMORY, k.max_auto, k.answer_id(B))


def test_memory_spread_over_processes_is_stopped_by_the_watchdog(batch):
    k = batch[0]
    where = k.answer_id(B)
    _expect(batch, "fork-bomb", Code.MEMORY, k.points_before(where), where)


def test_huge_output_is_truncated_and_graded(batch):
    k = batch[0]
    _expect(batch, "huge-output", Code.OUTPUT_TRUNCATED, k.max_auto, k.answer_id(A))
    kept = outputs_text(k.autograded("huge-output"), k.answer_id(A))
    assert len(kept) < 3_000_000
    assert "truncated" in kept


def test_deleted_test_cell_is_restored_and_run(batch):
    k = batch[0]
    _expect(batch, "deleted-test", Code.RESTORED, k.max_auto, k.test_ids()[0])


def test_edited_test_cell_is_restored_so_the_missing_answer_fails(batch):
    k = batch[0]
    _expect(batch, "edited-test", Code.RESTORED, k.points(A), k.test_ids(B)[0])


def test_changed_points_are_put_back(batch):
    k = batch[0]
    _expect(batch, "changed-metadata", Code.TAMPERED, k.max_auto, k.test_ids()[0])


def test_split_answer_cell_with_a_duplicated_grade_id_is_graded(batch):
    k = batch[0]
    _expect(batch, "split-cell", Code.DUPLICATE_ID, k.max_auto, k.answer_id(A))


def test_test_cell_changed_to_markdown_is_restored_as_code(batch):
    k = batch[0]
    _expect(batch, "test-to-markdown", Code.RESTORED, k.max_auto, k.test_ids()[0])


def test_syntax_error_loses_only_that_track(batch):
    k = batch[0]
    _expect(batch, "syntax-error", Code.GRADED, k.points(B))
    assert "SyntaxError" in batch[2]["syntax-error"].notes


def test_deleted_answer_cells_are_reported_and_their_tests_fail(batch):
    k = batch[0]
    _expect(batch, "deleted-answer", Code.ANSWER_DELETED, k.points(B), k.answer_id(A))


@pytest.mark.parametrize("student", ["truncated", "empty"])
def test_unreadable_files_score_zero_without_running(batch, student):
    _expect(batch, student, Code.UNREADABLE, 0.0)
    k = batch[0]
    assert not (k.root / "autograded" / student / k.assignment).exists()
