"""The course root and the one loader: found from anywhere, and clear when something is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from widgets import course, data
from widgets.schemas import SPECS


@pytest.fixture
def fake_course(tmp_path, monkeypatch) -> Path:
    """A course root holding a copy of llm_prices, selected through the environment variable."""
    (tmp_path / "datasets").mkdir()
    shutil.copy(course.path("datasets", "llm_prices.csv"), tmp_path / "datasets")
    monkeypatch.setenv(course.ROOT_ENV, str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("where", ["lessons", "solutions/05-design-a-pilot",
                                   "exercises/05-design-a-pilot",
                                   "autograded/some-student/05-design-a-pilot"])
def test_loader_works_from_every_course_folder(where, monkeypatch, tmp_path):
    monkeypatch.delenv(course.ROOT_ENV, raising=False)
    folder = tmp_path / where  # same depth as in the course; nothing relative is used
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    df = data.load("llm_prices")
    assert course.root() == Path(__file__).resolve().parent.parent
    assert len(df) >= 10


def test_root_found_by_walking_up_from_a_nested_folder(tmp_path, monkeypatch):
    nested = tmp_path / "autograded" / "s1" / "05-design-a-pilot"
    nested.mkdir(parents=True)
    (tmp_path / "datasets").mkdir()
    monkeypatch.delenv(course.ROOT_ENV, raising=False)
    monkeypatch.chdir(nested)
    candidates = course.root_candidates()
    assert tmp_path.resolve() in candidates
    # the package location comes first, the working folder and its parents after it
    assert candidates.index(Path(course.__file__).resolve().parent.parent) < candidates.index(
        tmp_path.resolve())


def test_environment_variable_overrides_the_root(fake_course):
    assert course.root() == fake_course.resolve()
    assert len(data.load("llm_prices")) >= 10


def test_environment_variable_pointing_nowhere_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv(course.ROOT_ENV, str(tmp_path / "nope"))
    with pytest.raises(course.CourseRootNotFound, match=course.ROOT_ENV):
        course.root()


def test_loader_applies_dtypes():
    df = data.load("llm_prices")
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_datetime64_any_dtype(df["as_of"])
    assert df["input_usd_per_mtok"].dtype == float
    assert df["source_year"].dtype == "int64"


def test_load_returns_an_independent_copy():
    first = data.load("llm_prices")
    first.loc[0, "input_usd_per_mtok"] = -1
    assert data.load("llm_prices").loc[0, "input_usd_per_mtok"] >= 0


def test_unknown_dataset_lists_the_known_names():
    with pytest.raises(data.UnknownDataset) as err:
        data.load("nonexistent")
    for name in SPECS:
        assert name in str(err.value)


def test_missing_dataset_names_it_and_the_folders_searched(fake_course):
    with pytest.raises(data.DatasetNotFound) as err:
        data.load("support_pilot")
    message = str(err.value)
    assert "support_pilot" in message
    assert str(fake_course / "datasets") in message
    assert "make datasets" in message


def _corrupt(fake_course: Path, transform) -> Path:
    file = fake_course / "datasets" / "llm_prices.csv"
    lines = file.read_text().splitlines(keepends=True)
    file.write_text("".join(transform(lines)))
    return file


def test_truncated_csv_names_the_file_and_line(fake_course):
    # cut the last line in half, as an interrupted download or copy would
    file = _corrupt(fake_course, lambda ls: ls[:-1] + [ls[-1][: len(ls[-1]) // 3]])
    with pytest.raises(data.DatasetError) as err:
        data.load("llm_prices")
    n_lines = len(file.read_text().splitlines())
    assert str(file) in str(err.value)
    assert f"line {n_lines}" in str(err.value)


def test_extra_field_names_the_file_and_line(fake_course):
    file = _corrupt(fake_course, lambda ls: ls[:3] + [ls[3].rstrip("\n") + ",oops,more\n"]
                    + ls[4:])
    with pytest.raises(data.DatasetError) as err:
        data.load("llm_prices")
    assert str(file) in str(err.value)
    assert "line 4" in str(err.value)


def test_bad_value_names_line_column_and_value(fake_course):
    _corrupt(fake_course, lambda ls: ls[:5] + [ls[5].replace("0.50", "cheap", 1)] + ls[6:])
    with pytest.raises(data.DatasetError, match=r"line 6, column 'input_usd_per_mtok'.*'cheap'"):
        data.load("llm_prices")


def test_wrong_header_is_reported(fake_course):
    _corrupt(fake_course, lambda ls: [ls[0].replace("model", "name")] + ls[1:])
    with pytest.raises(data.DatasetError, match=r"line 1.*missing columns: model"):
        data.load("llm_prices")


def test_empty_file_is_reported(fake_course):
    _corrupt(fake_course, lambda ls: [])
    with pytest.raises(data.DatasetError, match="line 1"):
        data.load("llm_prices")
