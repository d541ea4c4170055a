"""Retrospective and pre-mortem board: validated entries, CSV/Markdown export and import, and a
library of real failure cases (from ``case_studies``) with their sources.

A board is a tuple of ``Entry`` objects; every function returns a new board, so a failed import
or a refused entry never changes the board a person already has.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from widgets import validate as v
from widgets.traps import BY_KEY, TRAP_KEYS

__all__ = [
    "COLUMNS",
    "KINDS",
    "Case",
    "Entry",
    "add_entry",
    "case_library",
    "draft_from_case",
    "from_csv",
    "from_markdown",
    "import_board",
    "library_markdown",
    "make_entry",
    "remove_entry",
    "search_cases",
    "to_csv",
    "to_markdown",
]

KINDS: tuple[str, ...] = ("retrospective", "pre-mortem")
#: CSV columns, in order; ``kind`` may be left out of an imported file (retrospective).
COLUMNS: tuple[str, ...] = ("kind", "what_happened", "trap", "evidence", "action", "owner", "due")
MAX_ENTRIES = 200
MAX_FILE_CHARS = 1_000_000
_LIMITS = {"what_happened": 500, "evidence": 500, "action": 300, "owner": 80}
_FIRST_DAY, _LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
_MD_HEADERS = ("#", "Kind", "What happened", "Trap", "Evidence", "Action", "Owner", "Due")


@dataclass(frozen=True)
class Entry:
    """One board entry: what happened (or, in a pre-mortem, what could go wrong), which trap,
    the evidence, the action that follows, who owns it and by when."""

    kind: str
    what_happened: str
    trap: str  # a key of widgets.traps
    evidence: str
    action: str
    owner: str
    due: dt.date

    @property
    def trap_title(self) -> str:
        return BY_KEY[self.trap].title


def _trap(value: object) -> str:
    """A trap key, or a trap title (any case), as people type them in a spreadsheet."""
    if isinstance(value, str):
        wanted = value.strip().casefold()
        for key, trap in BY_KEY.items():
            if wanted in (key, trap.title.casefold()):
                return key
    titles = "; ".join(f"{k} ({t.title})" for k, t in BY_KEY.items())
    if not isinstance(value, str):
        raise v.InputTypeError("trap", f"trap must be one of {titles} "
                                       f"(got {type(value).__name__})")
    raise v.InputError("trap", f"trap must be one of {titles} (got {value.strip()[:40]!r})")


def _date(value: object) -> dt.date:
    allowed = f"between {_FIRST_DAY.isoformat()} and {_LAST_DAY.isoformat()}"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise v.InputError("due", f"due must not be empty: enter a date {allowed}, "
                                      "written YYYY-MM-DD")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise v.InputError("due", f"due must be a date written YYYY-MM-DD, e.g. 2025-09-30 "
                                      f"(got {text[:30]!r})") from None
    else:
        raise v.InputTypeError("due", f"due must be a date written YYYY-MM-DD "
                                      f"(got {type(value).__name__})")
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise v.InputError("due", f"due must be {allowed} (got {day.isoformat()})")
    return day


def make_entry(*, what_happened: str, trap: str, evidence: str, action: str, owner: str,
               due: dt.date | str, kind: str = "retrospective") -> Entry:
    """Validate one entry.

    Parameters
    ----------
    what_happened
        What happened (retrospective) or what could go wrong (pre-mortem); 1-500 characters.
    trap
        The trap it illustrates: a key of ``widgets.traps`` (maturity, value, investment, data,
        learning) or its title.
    evidence
        What shows it (a number, a document, an observation); 1-500 characters.
    action
        What the team will do about it; 1-300 characters.
    owner
        Who does it; 1-80 characters.
    due
        By when: a date, or text written YYYY-MM-DD, between 2000-01-01 and 2100-12-31.
    kind
        "retrospective" or "pre-mortem".
    """
    k = v.choice(kind, "kind", KINDS)
    texts = {name: _one_line(v.text(value, name, max_length=_LIMITS[name])) for name, value in (
        ("what_happened", what_happened), ("evidence", evidence), ("action", action),
        ("owner", owner))}
    return Entry(kind=k, trap=_trap(trap), due=_date(due), **texts)


def _one_line(text: str) -> str:
    """Line breaks (every kind str.splitlines knows) become spaces: a board cell is one line
    in every export format."""
    return re.sub(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*", " ", text)


def _board(board: object) -> tuple[Entry, ...]:
    if isinstance(board, (str, bytes)) or not isinstance(board, Sequence):
        raise v.InputTypeError("board", f"board must be a list of entries "
                                        f"(got {type(board).__name__})")
    if not all(isinstance(e, Entry) for e in board):
        raise v.InputTypeError("board", "board must hold Entry objects made by make_entry")
    return tuple(board)


def add_entry(board: Sequence[Entry], entry: Entry) -> tuple[Entry, ...]:
    """A new board with ``entry`` added at the end (at most 200 entries)."""
    b = _board(board)
    if not isinstance(entry, Entry):
        raise v.InputTypeError("entry", f"entry must be an Entry made by make_entry "
                                        f"(got {type(entry).__name__})")
    if len(b) >= MAX_ENTRIES:
        raise v.InputError("entry", f"the board holds at most {MAX_ENTRIES} entries; export "
                                    "it and start a new one")
    return (*b, entry)


def remove_entry(board: Sequence[Entry], number: int) -> tuple[Entry, ...]:
    """A new board without entry ``number`` (1 is the first entry)."""
    b = _board(board)
    if not b:
        raise v.InputError("number", "the board is empty: there is no entry to remove")
    n = v.integer(number, "number", min=1, max=len(b))
    return b[:n - 1] + b[n:]


# --------------------------------------------------------------------------- CSV
def to_csv(board: Sequence[Entry]) -> str:
    """The board as CSV with the ``COLUMNS`` header; dates written YYYY-MM-DD."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in _board(board):
        row = asdict(e)
        row["due"] = e.due.isoformat()
        writer.writerow(row)
    return out.getvalue()


def _file_text(text: object, field: str = "text") -> str:
    if not isinstance(text, str):
        raise v.InputTypeError(field, f"{field} must be the file's text (got "
                                      f"{type(text).__name__})")
    if len(text) > MAX_FILE_CHARS:
        raise v.InputError(field, f"{field} is too long: at most {MAX_FILE_CHARS:,} characters "
                                  f"(got {len(text):,})")
    body = text.lstrip("\ufeff")
    if not body.strip():
        raise v.InputError(field, f"{field} is empty: there is nothing to import")
    return body


def _row_entry(row: dict[str, str], where: str) -> Entry:
    try:
        return make_entry(**{c: row.get(c, "") for c in COLUMNS if c != "kind"},
                          kind=(row.get("kind") or "retrospective").strip().lower())
    except (v.InputError, v.InputTypeError) as err:
        raise v.InputError("text", f"{where}: {err}") from None


def from_csv(text: str) -> tuple[Entry, ...]:
    """Read a board from CSV text (as written by ``to_csv`` or a spreadsheet).

    The header must name the columns ``what_happened, trap, evidence, action, owner, due``
    (``kind`` optional), in any order and any case. Every row is checked; the first bad one
    raises an ``InputError`` that names its row (the header is row 1, as in a spreadsheet).
    """
    body = _file_text(text)
    try:
        rows = list(csv.reader(io.StringIO(body)))
    except csv.Error as err:
        raise v.InputError("text", f"The file is not valid CSV: {err}") from None
    header = [h.strip().lower() for h in rows[0]]
    required = [c for c in COLUMNS if c != "kind"]
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise v.InputError("text", "Row 1 (the header) must name the columns "
                                   f"{', '.join(COLUMNS)} (kind is optional)"
                                   + (f"; missing: {', '.join(missing)}" if missing else "")
                                   + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                                   + ("; a column appears twice" if len(set(header)) != len(header)
                                      and not missing and not unknown else ""))
    entries = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # spreadsheets leave blank rows at the end
        if len(cells) != len(header):
            raise v.InputError("text", f"Row {number} has {len(cells)} values but the header "
                                       f"has {len(header)} columns")
        entries.append(_row_entry(dict(zip(header, cells, strict=True)), f"Row {number}"))
    if len(entries) > MAX_ENTRIES:
        raise v.InputError("text", f"The file holds {len(entries)} entries; a board holds at "
                                   f"most {MAX_ENTRIES}")
    return tuple(entries)


# --------------------------------------------------------------------------- Markdown
def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def to_markdown(board: Sequence[Entry], *, title: str = "Retrospective and pre-mortem board"
                ) -> str:
    """The board as a Markdown document with one table (``from_markdown`` reads it back)."""
    b = _board(board)
    heading = v.text(title, "title", max_length=120)
    lines = [f"# {heading}", "", f"{len(b)} entr{'y' if len(b) == 1 else 'ies'}.", "",
             "| " + " | ".join(_MD_HEADERS) + " |",
             "| " + " | ".join("---" for _ in _MD_HEADERS) + " |"]
    for i, e in enumerate(b, start=1):
        cells = (str(i), e.kind, e.what_happened, e.trap_title, e.evidence, e.action, e.owner,
                 e.due.isoformat())
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [re.sub(r"\\(.)", r"\1", c).strip() for c in cells]


def from_markdown(text: str) -> tuple[Entry, ...]:
    """Read a board from a Markdown table (as written by ``to_markdown``).

    The table's header must hold the columns of ``to_markdown`` ("#" and "Kind" optional).
    A bad row raises an ``InputError`` naming its line in the file and its entry number.
    """
    body = _file_text(text)
    lines = body.splitlines()
    wanted = [h.casefold() for h in _MD_HEADERS[2:]]
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("|") and all(
        w in [c.casefold() for c in _split_row(line)] for w in wanted)), None)
    if start is None:
        raise v.InputError("text", "No board table found: the file needs a Markdown table "
                                   f"whose header names {', '.join(_MD_HEADERS[2:])}")
    header = [c.casefold() for c in _split_row(lines[start])]
    names = {"kind": "kind", "what happened": "what_happened", "trap": "trap",
             "evidence": "evidence", "action": "action", "owner": "owner", "due": "due"}
    entries = []
    number = 0
    for i in range(start + 1, len(lines)):
        line = lines[i].strip()
        if not line.startswith("|"):
            break
        cells = _split_row(line)
        if all(re.fullmatch(r":?-{3,}:?", c) for c in cells if c):
            continue
        number += 1
        if len(cells) != len(header):
            raise v.InputError("text", f"Line {i + 1} (entry {number}) has {len(cells)} cells "
                                       f"but the header has {len(header)}")
        row = {names[h]: c for h, c in zip(header, cells, strict=True) if h in names}
        entries.append(_row_entry(row, f"Line {i + 1} (entry {number})"))
    if len(entries) > MAX_ENTRIES:
        raise v.InputError("text", f"The file holds {len(entries)} entries; a board holds at "
                                   f"most {MAX_ENTRIES}")
    return tuple(entries)


def import_board(content: bytes | str, filename: str) -> tuple[Entry, ...]:
    """Read an uploaded board: ``.csv`` as CSV, ``.md``/``.markdown``/``.txt`` as Markdown.

    ``content`` is the file's bytes (UTF-8) or text. Errors name the file and the row.
    """
    name = v.text(filename, "filename", max_length=255)
    if isinstance(content, (bytes, bytearray, memoryview)):
        try:
            content = bytes(content).decode("utf-8")
        except UnicodeDecodeError as err:
            raise v.InputError("content", f"{name} is not UTF-8 text (byte {err.start} cannot "
                                          "be read); save it as CSV UTF-8 and try again") from None
    if not isinstance(content, str):
        raise v.InputTypeError("content", f"content must be the file's bytes or text "
                                          f"(got {type(content).__name__})")
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    reader = {"csv": from_csv, "md": from_markdown, "markdown": from_markdown,
              "txt": from_markdown}.get(suffix)
    if reader is None:
        raise v.InputError("filename", f"{name} must be a .csv or .md file (a board exported "
                                       "from this tool or a spreadsheet saved as CSV)")
    try:
        return reader(content)
    except v.InputError as err:
        raise v.InputError("content", f"{name}: {err}") from None


# --------------------------------------------------------------------------- case library
@dataclass(frozen=True)
class Case:
    """A real case from ``case_studies`` with its source."""

    year: int
    organisation: str
    what_happened: str
    key_figures: str
    traps: tuple[str, ...]
    lesson: str
    publisher: str
    title: str
    source_year: int
    url: str
    status: str
    caveat: str
    kind: str = ""  # failure, course correction, success or study (when the table says)
    other_sources: tuple[str, ...] = ()  # "Publisher (year): URL" for further figures

    @property
    def source(self) -> str:
        """Publisher, title and year, with the caveat of a secondary-only (C2) source."""
        text = f"{self.publisher}, '{self.title}', {self.source_year}"
        if self.status == "C2" or self.caveat:
            text += f" (caveat: {self.caveat or 'confirmed only through a secondary report'})"
        return text


_CASE_COLUMNS = ("year", "organisation", "what_happened", "key_figures", "traps", "lesson",
                 "source_publisher", "source_title", "source_year", "source_url", "status",
                 "caveat")


def case_library(cases: pd.DataFrame, trap: str = "all") -> list[Case]:
    """The cases of ``case_studies`` (newest first), or those tagged with one trap.

    Parameters
    ----------
    cases
        The ``case_studies`` dataset (``widgets.data.load("case_studies")``); its ``kind``
        and ``other_sources`` columns are used when present.
    trap
        "all", or a trap key: keeps the cases whose ``traps`` list it.
    """
    if not isinstance(cases, pd.DataFrame):
        raise v.InputTypeError("cases", f"cases must be the case_studies DataFrame "
                                        f"(got {type(cases).__name__})")
    missing = [c for c in _CASE_COLUMNS if c not in cases.columns]
    if missing:
        raise v.InputError("cases", f"cases is missing column(s) {', '.join(missing)} (see the "
                                    "case_studies schema)")
    wanted = v.choice(trap, "trap", ("all", *TRAP_KEYS))
    out = []
    for row in cases.itertuples(index=False):
        tags = tuple(t.strip() for t in str(row.traps).split(";") if t.strip())
        if wanted != "all" and wanted not in tags:
            continue
        try:
            more = getattr(row, "other_sources", None)
            out.append(Case(int(row.year), str(row.organisation), str(row.what_happened),
                            str(row.key_figures), tags, str(row.lesson),
                            str(row.source_publisher), str(row.source_title),
                            int(row.source_year), str(row.source_url), str(row.status),
                            "" if pd.isna(row.caveat) else str(row.caveat),
                            "" if pd.isna(getattr(row, "kind", None)) else str(row.kind),
                            () if more is None or pd.isna(more) else tuple(
                                x.strip() for x in str(more).split(" | ") if x.strip())))
        except (TypeError, ValueError):
            raise v.InputError("cases", f"cases has an unreadable row for "
                                        f"{str(row.organisation)[:40]!r}: year and source_year "
                                        "must be whole numbers") from None
    return sorted(out, key=lambda c: -c.year)


MAX_QUERY = 60


def search_cases(cases: Sequence[Case], query: str = "") -> list[Case]:
    """The cases whose organisation, story, figures or lesson contain ``query``.

    Parameters
    ----------
    cases
        Cases from ``case_library``.
    query
        Words to look for, case-insensitively, at most ``MAX_QUERY`` characters; every word
        must appear. Empty keeps every case.
    """
    words = v.text(query, "query", max_length=MAX_QUERY, required=False).lower().split()
    out = []
    for case in cases:
        if not isinstance(case, Case):
            raise v.InputTypeError("cases", f"cases must be Cases from case_library "
                                            f"(got {type(case).__name__})")
        haystack = " ".join((case.organisation, case.what_happened, case.key_figures,
                             case.lesson, case.kind)).lower()
        if all(w in haystack for w in words):
            out.append(case)
    return out


def library_markdown(cases: Sequence[Case], *, about: str = "all traps",
                     query: str = "") -> str:
    """A Markdown list of ``cases`` with their sources, for a download.

    ``about`` and ``query`` say how the list was chosen, so the file stands on its own.
    """
    chosen = f"Trap: {about}" + (f", matching “{query}”" if query else "")
    lines = ["# Failure-case library", "", f"{chosen}: {len(cases)} real "
             f"case{'s' if len(cases) != 1 else ''}, each with its source.", ""]
    for c in cases:
        if not isinstance(c, Case):
            raise v.InputTypeError("cases", f"cases must be Cases from case_library "
                                            f"(got {type(c).__name__})")
        lines += [f"## {_one_line(c.organisation)} ({c.year})", "",
                  _one_line(c.what_happened), "",
                  f"- Key figures: {_one_line(c.key_figures)}",
                  f"- Lesson: {_one_line(c.lesson)}",
                  f"- Source: {c.source}, {c.url}",
                  *(f"- Also: {x}" for x in c.other_sources), ""]
    return "\n".join(lines)


def draft_from_case(case: Case) -> dict[str, str]:
    """Form values for a retrospective entry drawn from a real case.

    Owner and due date are left empty: the team that learns from the case fills them in.
    """
    if not isinstance(case, Case):
        raise v.InputTypeError("case", f"case must be a Case from case_library "
                                       f"(got {type(case).__name__})")
    trap = next((t for t in case.traps if t in BY_KEY), "learning")

    def cut(text: str, field: str) -> str:
        limit = _LIMITS[field]
        return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"

    return {
        "kind": "retrospective",
        "what_happened": cut(f"{case.organisation} ({case.year}): {case.what_happened}",
                             "what_happened"),
        "trap": trap,
        "evidence": cut(f"{case.key_figures} Source: {case.source}.", "evidence"),
        "action": cut(case.lesson, "action"),
        "owner": "",
        "due": "",
    }
