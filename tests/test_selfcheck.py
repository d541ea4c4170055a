"""The learner's self-check: it reports the form of each answer and never raises."""

from __future__ import annotations

import pytest

from widgets.grading import selfcheck
from widgets.grading.selfcheck import Failed, _verdict


@pytest.mark.parametrize(("value", "expect", "ok"), [
    (None, "a fraction", False),
    (0.8, "a fraction", True),
    (80, "a fraction", False),
    (True, "a number", False),
    (3.0, "a whole number of weeks", True),
    (3.5, "a whole number of weeks", False),
    ("go", "one of go, no-go or extend", True),
    (" Extend ", "one of go, no-go or extend", True),
    ("maybe", "one of go, no-go or extend", False),
    (["data"], "a list of cost lines", True),
    ([], "a list of cost lines", False),
    ("data", "a list of cost lines", False),
    ({"unit": "min", "owner": "Head of service"}, "a dict with keys unit and owner", True),
    ({"unit": "min", "owner": " "}, "a dict with keys unit and owner", False),
    ({"unit": "min"}, "a dict with keys unit, owner", False),
    ("text", "a dict with keys unit", False),
    ("", "text", False),
])
def test_verdicts(value, expect, ok):
    assert _verdict(value, expect)[0] is ok


def test_a_missing_dict_field_is_named():
    ok, why = _verdict({"unit": "min", "owner": None}, "a dict with keys unit and owner")
    assert not ok and why == "still empty: owner"


def test_answer_and_call_look_names_up_in_the_callers_namespace():
    namespace = {"selfcheck": selfcheck}
    exec("share = 0.4\ndef double(x):\n    return 2 * x\n"
         "got = selfcheck.answer('share'), selfcheck.call('double', 3)\n"
         "missing = selfcheck.answer('nothing'), selfcheck.call('absent', 1)\n", namespace)
    assert namespace["got"] == (0.4, 6)
    for value in namespace["missing"]:
        assert isinstance(value, Failed) and isinstance(value.error, NameError)
        assert "answer cell" in str(value.error)


def test_a_crashing_function_is_reported_not_raised():
    result = selfcheck.call(lambda: 1 / 0)
    assert isinstance(result, Failed)
    ok, why = _verdict(result, "a number")
    assert not ok and why.startswith("raised ZeroDivisionError")


def test_report_counts_ready_answers():
    page = selfcheck.report({"a": (0.5, "a fraction"), "b": (None, "a number")}).data
    assert "1 of 2 answers ready" in page and page.count("<td>✘</td>") == 1
