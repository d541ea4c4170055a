"""Boundary checks: bad values raise ValueError/TypeError naming the field and the range."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widgets import validate as v


@pytest.mark.parametrize("bad", [True, "3", None, [1], object()])
def test_number_rejects_wrong_types_with_the_field_name(bad):
    with pytest.raises(TypeError, match="volume") as err:
        v.number(bad, "volume", min=1, max=10)
    assert err.value.field == "volume"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 0, 11])
def test_number_rejects_bad_values_and_states_the_range(bad):
    with pytest.raises(ValueError, match=r"volume must be .*between 1 and 10"):
        v.number(bad, "volume", min=1, max=10)


def test_open_bounds_are_described():
    with pytest.raises(ValueError, match="greater than 0"):
        v.positive(0, "sd")
    assert v.positive(1e-9, "sd") == 1e-9


def test_integer_accepts_whole_floats_only():
    assert v.integer(3.0, "n", min=1) == 3
    with pytest.raises(ValueError, match="whole number"):
        v.integer(2.5, "n", min=1)


def test_choice_and_text():
    assert v.choice("a", "kind", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match="kind must be one of a, b"):
        v.choice("c", "kind", ["a", "b"])
    with pytest.raises(ValueError, match="owner must not be empty"):
        v.text("  ", "owner")


def test_values_checks_each_element():
    with pytest.raises(ValueError, match=r"costs\[1\]"):
        v.values([1.0, math.nan], "costs")
    with pytest.raises(ValueError, match="at least 1"):
        v.values([], "costs")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_fraction_accepts_exactly_the_unit_interval(x):
    if math.isfinite(x) and 0 <= x <= 1:
        assert v.fraction(x, "share") == x
    else:
        with pytest.raises(ValueError, match="share"):
            v.fraction(x, "share")
