"""pyproject.toml and environment.yml name the same packages with the same floors."""

from __future__ import annotations

import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from widgets import course

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"pytest-playwright": "pytest-playwright"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, SpecifierSet]:
    meta = tomllib.loads(course.path("pyproject.toml").read_text())["project"]
    reqs = [*meta["dependencies"], *meta["optional-dependencies"]["test"]]
    return {_norm(Requirement(r).name): Requirement(r).specifier for r in reqs}


def _environment() -> tuple[dict[str, SpecifierSet], list[str], str]:
    text = course.path("environment.yml").read_text()
    deps: dict[str, SpecifierSet] = {}
    pip: list[str] = []
    python = ""
    in_pip = False
    deps_block = text.split("\ndependencies:", 1)[1]
    for line in deps_block.splitlines():
        item = re.match(r"^(\s*)- (.+?)\s*(?:#.*)?$", line)
        if not item:
            continue
        indent, spec = len(item.group(1)), item.group(2)
        if spec == "pip:":
            in_pip = True
            continue
        if in_pip and indent > 2:
            pip.append(spec)
            continue
        in_pip = False
        name, version = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", spec).groups()
        if name == "python":
            python = version
        elif name != "pip":
            deps[_norm(CONDA_TO_PYPI.get(name, name))] = SpecifierSet(version.replace(" ", ""))
    return deps, pip, python


def test_same_packages_and_same_floors():
    py = _pyproject()
    env, _, _ = _environment()
    assert set(py) == set(env), (
        f"only in pyproject: {sorted(set(py) - set(env))}; "
        f"only in environment.yml: {sorted(set(env) - set(py))}")
    for name, spec in py.items():
        assert spec == env[name], f"{name}: pyproject {spec} vs environment.yml {env[name]}"


def test_environment_installs_the_kit_and_matches_python_floor():
    _, pip, python = _environment()
    assert "-e ." in pip or "." in pip
    meta = tomllib.loads(course.path("pyproject.toml").read_text())["project"]
    assert SpecifierSet(python) == SpecifierSet(meta["requires-python"])


def test_security_floors_are_kept():
    py = _pyproject()
    assert not py["voila"].contains("0.5.5") and py["voila"].contains("0.5.6")
    assert not py["nbgrader"].contains("0.9.4") and py["nbgrader"].contains("0.9.5")
    assert py["jupyterlab"].contains("4.2.0") and not py["jupyterlab"].contains("5.0.0")
