"""Fuzz every public model function: bad values raise only ValueError/TypeError naming the field.

Model functions are the boundary between what a person types and the kit's arithmetic: whatever
arrives, the only exceptions allowed out are ``ValueError`` and ``TypeError``, and the message
names the parameter so a view can show it beside the right field.
"""

from __future__ import annotations

import importlib
import math
import pkgutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import widgets
from tests.model_examples import EXAMPLES

BAD_NUMBERS = [math.nan, math.inf, -math.inf, "12", None, True, [1.0], object()]
# Fixed ids: repr(object()) holds a memory address, which differs between xdist workers and
# makes them collect different tests.
BAD_IDS = ["nan", "inf", "-inf", "str", "None", "True", "list", "object"]
ANYTHING = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12), st.text(),
    st.none(), st.booleans(), st.lists(st.floats(allow_nan=True), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _model_modules() -> list[str]:
    return sorted(f"widgets.{m.name}.model" for m in pkgutil.iter_modules(widgets.__path__)
                  if m.ispkg and importlib.util.find_spec(f"widgets.{m.name}.model"))


def _public(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", [])
    return [n for n in names if callable(getattr(module, n)) and not isinstance(
        getattr(module, n), type)]


CASES = [(m, f) for m in _model_modules() for f in _public(m)]


@pytest.mark.parametrize("module_name", _model_modules())
def test_every_model_declares_its_public_functions(module_name):
    assert _public(module_name) or hasattr(importlib.import_module(module_name), "__all__"), (
        f"{module_name} has no __all__: declare its public functions")


@pytest.mark.parametrize(("module_name", "func_name"), CASES)
def test_every_public_function_has_an_example(module_name, func_name):
    assert func_name in EXAMPLES.get(module_name, {}), (
        f"add a valid example for {module_name}.{func_name} to tests/model_examples.py")


def _call(module_name: str, func_name: str, kwargs: dict):
    func = getattr(importlib.import_module(module_name), func_name)
    return func(**kwargs)


@pytest.mark.parametrize(("module_name", "func_name"), CASES)
def test_example_is_valid(module_name, func_name):
    _call(module_name, func_name, EXAMPLES[module_name][func_name])


def _numeric_params(module_name: str, func_name: str) -> list[str]:
    example = EXAMPLES[module_name][func_name]
    return [k for k, v in example.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)]


NUMERIC = [(m, f, p) for m, f in CASES if f in EXAMPLES.get(m, {})
           for p in _numeric_params(m, f)]


@pytest.mark.parametrize(("module_name", "func_name", "param"), NUMERIC)
@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=BAD_IDS)
def test_bad_numbers_are_rejected_with_the_field_name(module_name, func_name, param, bad):
    kwargs = {**EXAMPLES[module_name][func_name], param: bad}
    with pytest.raises((ValueError, TypeError)) as err:
        _call(module_name, func_name, kwargs)
    assert param in str(err.value), f"message does not name {param!r}: {err.value}"


@pytest.mark.parametrize(("module_name", "func_name"),
                         [c for c in CASES if c[1] in EXAMPLES.get(c[0], {})])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_anything_raises_only_value_or_type_errors(module_name, func_name, data):
    example = EXAMPLES[module_name][func_name]
    param = data.draw(st.sampled_from(sorted(example)))
    kwargs = {**example, param: data.draw(ANYTHING)}
    try:
        _call(module_name, func_name, kwargs)
    except (ValueError, TypeError) as err:
        assert str(err), "an error must say what is wrong"
