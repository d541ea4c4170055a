"""The one loader: every notebook, tool and test reads datasets through ``load(name)``.

It finds the course root (see ``widgets.course``), applies the dtypes declared in
``widgets.schemas`` and checks every value, so a damaged file fails with the file, line and
column named instead of a confusing error three cells later.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pandas as pd

from widgets import course
from widgets.schemas import SPECS, Column, DatasetSpec

__all__ = ["DatasetError", "DatasetNotFound", "UnknownDataset", "describe", "load", "names",
           "read_file"]

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class UnknownDataset(KeyError):
    """The name is not one of the kit's datasets."""

    def __str__(self) -> str:  # KeyError would otherwise print the repr
        return str(self.args[0])


class DatasetNotFound(FileNotFoundError):
    """A known dataset's file is missing."""


class DatasetError(ValueError):
    """A dataset file exists but is damaged: the message names the file, line and column."""


def names() -> list[str]:
    """Names of the kit's datasets, for ``load``."""
    return sorted(SPECS)


def spec(name: str) -> DatasetSpec:
    """The schema of dataset ``name``; raises ``UnknownDataset`` listing the known names."""
    if not isinstance(name, str) or name not in SPECS:
        raise UnknownDataset(
            f"Unknown dataset {name!r}. Known datasets: {', '.join(names())}."
        )
    return SPECS[name]


def file_path(name: str) -> Path:
    """Path of the CSV behind dataset ``name``.

    Raises
    ------
    DatasetNotFound
        Naming the dataset, the folders searched and the fix.
    """
    s = spec(name)
    try:
        root = course.root()
    except course.CourseRootNotFound as err:
        raise DatasetNotFound(f"Dataset {name!r} not found: {err}") from None
    file = root / course.DATASETS / s.filename
    if not file.is_file():
        searched = ", ".join(str(p / course.DATASETS) for p in course.root_candidates())
        fix = "run `make datasets` to regenerate it" if s.synthetic else "restore it with git"
        raise DatasetNotFound(
            f"Dataset {name!r} not found: {file} does not exist (folders searched: {searched}). "
            f"Fix: {fix}."
        )
    return file


def load(name: str) -> pd.DataFrame:
    """Load dataset ``name`` as a DataFrame with the documented dtypes.

    Categoricals, dates, booleans (nullable where documented) and integers are applied from
    ``widgets.schemas``. The result is a fresh copy: changing it never changes what the next
    caller gets.

    Raises
    ------
    UnknownDataset
        If ``name`` is not a dataset of the kit; the message lists the known names.
    DatasetNotFound
        If the file is missing.
    DatasetError
        If the file is damaged (bad CSV, wrong header, a value of the wrong type or range,
        a missing value where none is allowed); the message names the file and line.
    """
    file = file_path(name)
    stat = file.stat()
    return _load_cached(name, str(file), stat.st_mtime_ns, stat.st_size).copy()


def read_file(name: str, file: str | Path) -> pd.DataFrame:
    """Read ``file`` (anywhere) as dataset ``name``, with the checks and dtypes of ``load``.

    For the generators and tests that check a freshly written file before it replaces the
    course's copy; lessons and tools use ``load``.

    Raises
    ------
    UnknownDataset, DatasetError
        As ``load``; a missing file raises ``DatasetNotFound``.
    """
    spec(name)
    path = Path(file)
    if not path.is_file():
        raise DatasetNotFound(f"Dataset {name!r} not found: {path} does not exist.")
    return _parse(name, str(path))


def describe(name: str) -> str:
    """Return the datasheet of dataset ``name`` (its section of ``datasets/README.md``)."""
    s = spec(name)
    readme = course.path(course.DATASETS, "README.md")
    if not readme.is_file():
        raise DatasetNotFound(f"No datasheets: {readme} does not exist.")
    text = readme.read_text(encoding="utf-8")
    match = re.search(
        rf"^## `?{re.escape(s.name)}(?:\.csv)?`?.*?(?=^## |\Z)", text, flags=re.M | re.S
    )
    if not match:
        raise DatasetError(f"{readme} has no datasheet section '## {s.name}'.")
    return match.group(0).strip()


@functools.lru_cache(maxsize=16)
def _load_cached(name: str, file: str, mtime_ns: int, size: int) -> pd.DataFrame:
    return _parse(name, file)


def _parse(name: str, file: str) -> pd.DataFrame:
    s = SPECS[name]
    raw = _read_strings(Path(file), s)
    out = pd.DataFrame(index=raw.index)
    for col in s.columns:
        out[col.name] = _convert(raw[col.name], col, file)
    if len(out) < s.min_rows:
        raise DatasetError(
            f"{file}: {len(out)} rows, expected at least {s.min_rows}. "
            "The file looks truncated; regenerate or restore it."
        )
    return out


def _read_strings(file: Path, s: DatasetSpec) -> pd.DataFrame:
    with file.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            short = None
            # pandas pads a short line (for example a truncated last line) with missing
            # values instead of failing; count the fields so a cut line is named.
            if header == s.column_names:
                for fields in reader:
                    if fields and len(fields) != len(header):
                        short = (reader.line_num, len(fields))
                        break
        except (UnicodeDecodeError, csv.Error) as err:
            raise DatasetError(f"{file}: cannot be parsed as CSV ({err}).") from None
    if short:
        raise DatasetError(
            f"{file}, line {short[0]}: {short[1]} fields, expected {len(s.columns)}. "
            "The line is cut short or has extra fields: the file may be truncated or edited."
        )
    if header != s.column_names:
        missing = [c for c in s.column_names if c not in (header or [])]
        extra = [c for c in (header or []) if c not in s.column_names]
        raise DatasetError(
            f"{file}, line 1: the header does not match the {s.name} schema"
            + (f"; missing columns: {', '.join(missing)}" if missing else "")
            + (f"; unexpected columns: {', '.join(extra)}" if extra else "")
            + ("; columns are out of order" if not missing and not extra else "")
            + "."
        )
    try:
        df = pd.read_csv(
            file, dtype=str, keep_default_na=False, na_values=[""], on_bad_lines="error",
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as err:
        raise DatasetError(f"{file}: cannot be parsed as CSV ({_line_hint(err)}).") from None
    return df


def _line_hint(err: Exception) -> str:
    text = str(err).strip().splitlines()[-1]
    found = re.search(r"line (\d+)|row (\d+)", text)
    if found:
        return f"line {found.group(1) or found.group(2)}: {text}"
    return text


def _bad(file: str, series: pd.Series, mask: pd.Series, col: Column, what: str) -> DatasetError:
    first = mask[mask].index[0]
    line = int(first) + 2  # one for the header, one because lines count from 1
    value = series.loc[first]
    shown = "an empty value" if pd.isna(value) else f"{value!r}"
    return DatasetError(
        f"{file}, line {line}, column '{col.name}': {shown} is {what}. "
        f"({int(mask.sum())} bad value(s) in this column; the file may be truncated or edited.)"
    )


def _convert(raw: pd.Series, col: Column, file: str) -> pd.Series:
    missing = raw.isna()
    if missing.any() and not col.nullable:
        raise _bad(file, raw, missing, col, "not allowed (this column has no missing values)")
    present = raw[~missing]
    if col.kind == "str":
        return raw
    if col.kind == "category":
        bad = ~present.isin(col.categories or ())
        if bad.any():
            raise _bad(file, raw, bad.reindex(raw.index, fill_value=False), col,
                       f"not one of {', '.join(col.categories or ())}")
        return raw.astype(pd.CategoricalDtype(list(col.categories or ()), ordered=col.ordered))
    if col.kind == "bool":
        lowered = present.str.strip().str.lower()
        bad = ~lowered.isin(_TRUE | _FALSE)
        if bad.any():
            raise _bad(file, raw, bad.reindex(raw.index, fill_value=False), col,
                       "not a boolean (True/False)")
        values = lowered.isin(_TRUE).reindex(raw.index, fill_value=False).astype(bool)
        if not col.nullable:
            return values
        return values.astype("boolean").mask(missing)
    if col.kind == "date":
        parsed = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        bad = parsed.isna() & ~missing
        if bad.any():
            raise _bad(file, raw, bad, col, "not an ISO date (YYYY-MM-DD)")
        return parsed
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() & ~missing
    if col.kind == "int":
        bad |= ~missing & (numbers % 1 != 0)
    if bad.any():
        raise _bad(file, raw, bad, col, f"not a{'n integer' if col.kind == 'int' else ' number'}")
    low = (numbers < col.min) if col.min is not None else pd.Series(False, index=raw.index)
    high = (numbers > col.max) if col.max is not None else pd.Series(False, index=raw.index)
    out_of_range = (low | high).fillna(False).astype(bool)
    if out_of_range.any():
        raise _bad(file, raw, out_of_range, col,
                   f"outside the allowed range {col.min} to {col.max} {col.unit}".rstrip())
    if col.kind == "int":
        return numbers.astype("Int64" if col.nullable else "int64")
    return numbers.astype(float)
