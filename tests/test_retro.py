"""Retro board: entry validation, CSV/Markdown round trips, imports that fail by row, the case
library, and the view (type, click, read)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import data
from widgets.retro import model, view
from widgets.traps import TRAP_KEYS


def entry(**kw) -> model.Entry:
    args = {"what_happened": "Pilot ran without a control group", "trap": "learning",
            "evidence": "Pilot plan v2", "action": "Randomise agents into two arms",
            "owner": "PMO lead", "due": "2025-10-01"}
    return model.make_entry(**{**args, **kw})


def case_frame() -> pd.DataFrame:
    """Three made-up cases (test fixtures, not facts) in the case_studies layout."""
    return pd.DataFrame({
        "year": [2023, 2025, 2024],
        "organisation": ["Org A", "Org B", "Org C"],
        "what_happened": ["A bot gave wrong advice.", "Budget cut before results.",
                          "Training data was skewed."],
        "key_figures": ["One ruling.", "Two quarters.", "Ten years of data."],
        "traps": ["maturity;learning", "investment", "data; value"],
        "lesson": ["Test in the real setting first.", "Fund the full cost.",
                   "Profile the data before modelling."],
        "source_publisher": ["Pub A", "Pub B", "Pub C"],
        "source_title": ["Title A", "Title B", "Title C"],
        "source_year": [2023, 2025, 2024],
        "source_url": ["https://example.org/a", "https://example.org/b", "https://example.org/c"],
        "status": ["C", "C2", "C"],
        "caveat": [None, "Reported by one outlet only", None],
        "kind": ["failure", "course correction", "study"],
        "other_sources": [None, "Pub D (2025): https://example.org/d | Pub E: https://example.org/e",
                          None],
    })


# ------------------------------------------------------------------ entries
def test_an_entry_is_validated_and_normalised():
    e = entry(trap="Data that is not ready", what_happened="  line one\nline two  ",
              due=dt.date(2025, 1, 31))
    assert e.trap == "data" and e.trap_title == "Data that is not ready"
    assert e.what_happened == "line one line two" and e.kind == "retrospective"
    assert e.due == dt.date(2025, 1, 31)


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"what_happened": "  "}, "what_happened", "must not be empty"),
    ({"owner": ""}, "owner", "must not be empty"),
    ({"action": "x" * 301}, "action", "at most 300"),
    ({"trap": "hype"}, "trap", "maturity"),
    ({"due": "31/12/2025"}, "due", "YYYY-MM-DD"),
    ({"due": "2025-02-30"}, "due", "YYYY-MM-DD"),
    ({"due": "1999-12-31"}, "due", "between 2000-01-01"),
    ({"due": 20251231}, "due", "YYYY-MM-DD"),
    ({"kind": "post-mortem"}, "kind", "pre-mortem"),
])
def test_bad_entries_name_the_field_and_the_rule(kwargs, field, message):
    with pytest.raises((ValueError, TypeError), match=message) as err:
        entry(**kwargs)
    assert err.value.field == field


def test_add_and_remove_return_new_boards():
    board = model.add_entry((), entry())
    board2 = model.add_entry(board, entry(owner="Ana"))
    assert len(board) == 1 and len(board2) == 2
    assert model.remove_entry(board2, 1) == (board2[1],)
    with pytest.raises(ValueError, match="between 1 and 2") as err:
        model.remove_entry(board2, 3)
    assert err.value.field == "number"
    with pytest.raises(ValueError, match="empty"):
        model.remove_entry((), 1)


# ------------------------------------------------------------------ export and import
def test_csv_export_is_the_documented_layout():
    text = model.to_csv([entry(evidence='Plan "v2", page 3')])
    assert text.splitlines() == [
        "kind,what_happened,trap,evidence,action,owner,due",
        'retrospective,Pilot ran without a control group,learning,"Plan ""v2"", page 3",'
        "Randomise agents into two arms,PMO lead,2025-10-01"]


def test_markdown_export_is_a_readable_table():
    md = model.to_markdown([entry(action="Split | randomise")])
    assert md.startswith("# Retrospective and pre-mortem board\n\n1 entry.")
    assert "| 1 | retrospective | Pilot ran without a control group | No learning loop |" in md
    assert "Split \\| randomise" in md


printable = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda s: s.strip())


@settings(max_examples=80, deadline=None)
@given(what=printable, evidence=printable, owner=printable.map(lambda s: s[:80]),
       trap=st.sampled_from(TRAP_KEYS), kind=st.sampled_from(model.KINDS),
       due=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_boards_survive_a_round_trip_through_csv_and_markdown(what, evidence, owner, trap,
                                                              kind, due):
    board = (entry(what_happened=what, evidence=evidence, owner=owner, trap=trap, kind=kind,
                   due=due), entry())
    assert model.from_csv(model.to_csv(board)) == board
    assert model.from_markdown(model.to_markdown(board)) == board


def test_a_spreadsheet_csv_with_other_column_order_and_titles_imports():
    text = ("\ufeffOwner,Due,Trap,What_happened,Evidence,Action\r\n"
            "Ana,2025-11-30,Under-investment,No budget for data work,Budget sheet,Fund it\r\n"
            ",,,,,\r\n")
    (e,) = model.from_csv(text)
    assert (e.owner, e.trap, e.due, e.kind) == ("Ana", "investment", dt.date(2025, 11, 30),
                                                "retrospective")


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("what_happened,trap\nx,data\n", "Row 1 (the header) must name the columns"),
    ("what_happened,trap,evidence,action,owner,due,notes\n", "unknown: notes"),
    (model.to_csv([entry()]) + "post-mortem,x,data,e,a,o,2025-01-01\n",
     "Row 3: kind must be one of"),
    (model.to_csv([entry()]) + "retrospective,x,data,e,a,o,tomorrow\n",
     "Row 3: due must be a date written YYYY-MM-DD"),
    (model.to_csv([entry()]) + "retrospective,x,data\n", "Row 3 has 3 values"),
    (model.to_csv([entry()]) + "retrospective,,data,e,a,o,2025-01-01\n",
     "Row 3: what_happened must not be empty"),
])
def test_a_bad_csv_names_the_row(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        model.from_csv(text)


def test_a_bad_markdown_row_names_its_line_and_entry():
    md = model.to_markdown([entry(), entry(owner="Ana")]).replace("| Ana |", "|  |")
    with pytest.raises(ValueError, match=r"Line 8 \(entry 2\): owner must not be empty"):
        model.from_markdown(md)
    with pytest.raises(ValueError, match="No board table found"):
        model.from_markdown("# Notes\n\nnothing here\n")


def test_import_picks_the_reader_from_the_file_name():
    board = (entry(),)
    assert model.import_board(model.to_csv(board).encode(), "b.CSV") == board
    assert model.import_board(model.to_markdown(board), "b.md") == board
    with pytest.raises(ValueError, match=r"\.csv or \.md"):
        model.import_board(b"x", "board.xlsx")
    with pytest.raises(ValueError, match="not UTF-8"):
        model.import_board(b"\xff\xfe\x00bad", "board.csv")
    with pytest.raises(ValueError, match=r"^board\.csv: Row 2"):
        model.import_board(b"what_happened,trap,evidence,action,owner,due\nx,t,e,a,o,d\n",
                           "board.csv")


# ------------------------------------------------------------------ case library
def test_case_library_keeps_sources_and_sorts_newest_first():
    cases = model.case_library(case_frame())
    assert [c.organisation for c in cases] == ["Org B", "Org C", "Org A"]
    assert cases[1].traps == ("data", "value")
    assert cases[2].source == "Pub A, 'Title A', 2023"
    assert cases[0].source == "Pub B, 'Title B', 2025 (caveat: Reported by one outlet only)"
    assert cases[0].kind == "course correction"
    assert cases[0].other_sources == ("Pub D (2025): https://example.org/d",
                                      "Pub E: https://example.org/e")
    older = model.case_library(case_frame().drop(columns=["kind", "other_sources"]))
    assert older[0].kind == "" and older[0].other_sources == ()


@settings(max_examples=30, deadline=None)
@given(trap=st.sampled_from(("all", *TRAP_KEYS)))
def test_the_library_filter_never_returns_a_case_outside_the_filter(trap):
    cases = model.case_library(case_frame(), trap)
    assert all(trap == "all" or trap in c.traps for c in cases)
    expected = sum(trap == "all" or trap in [t.strip() for t in tags.split(";")]
                   for tags in case_frame()["traps"])
    assert len(cases) == expected


def test_a_draft_from_a_case_cites_it_and_leaves_owner_and_date_to_the_team():
    draft = model.draft_from_case(model.case_library(case_frame(), "investment")[0])
    assert draft["what_happened"] == "Org B (2025): Budget cut before results."
    assert draft["trap"] == "investment" and draft["action"] == "Fund the full cost."
    assert "Source: Pub B, 'Title B', 2025" in draft["evidence"]
    assert draft["owner"] == "" and draft["due"] == ""


def test_case_library_refuses_a_frame_without_the_schema():
    with pytest.raises(ValueError, match="missing column"):
        model.case_library(case_frame().drop(columns="source_url"))


# ------------------------------------------------------------------ the view
@pytest.fixture
def cases(monkeypatch):
    monkeypatch.setattr(view, "_cases", lambda: (case_frame(), ""))


def text(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def fill(app, **values) -> None:
    for name, value in values.items():
        app.fields[name].control.value = value


def upload(app, name: str, content: bytes) -> None:
    app.parts["upload"].value = ({"name": name, "type": "", "size": len(content),
                                  "content": memoryview(content),
                                  "last_modified": dt.datetime(2025, 1, 1)},)


def decoded(link_html: str) -> str:
    return base64.b64decode(re.search(r"base64,([^\"]+)", link_html).group(1)).decode()


GOOD = {"what_happened": "Bot quoted a rule that did not exist", "trap": "maturity",
        "evidence": "Tribunal decision", "action": "Add an evaluation set",
        "owner": "Product owner", "due": "2025-12-01"}


def test_adding_an_entry_shows_it_and_exports_it(cases):
    app = view.build_app()
    assert "The board is empty" in app.parts["board"].value
    fill(app, **GOOD)
    app.parts["add"].click()
    board = text(app.parts["board"].value)
    assert "1 entry (1 maturity)" in board and "Bot quoted a rule" in board
    assert app.fields["what_happened"].control.value == ""  # cleared for the next entry
    assert app.fields["owner"].control.value == "Product owner"  # kept: often the same
    assert "Bot quoted a rule" in decoded(app.parts["csv"].value)
    assert "| Bot quoted a rule that did not exist |" in decoded(app.download.value)


def test_a_pre_mortem_asks_what_could_go_wrong(cases):
    app = view.build_app(kind="pre-mortem")
    assert app.fields["what_happened"].control.description == "What could go wrong"
    app.fields["kind"].control.value = "retrospective"
    assert app.fields["what_happened"].control.description == "What happened"
    fill(app, **GOOD, kind="pre-mortem")
    app.parts["add"].click()
    assert "1 pre-mortem Bot quoted a rule" in text(app.parts["board"].value)


def test_a_bad_entry_is_explained_beside_the_field_and_nothing_typed_is_lost(cases):
    app = view.build_app()
    fill(app, **{**GOOD, "due": "next week"})
    app.parts["add"].click()
    assert "due must be a date written YYYY-MM-DD" in app.fields["due"].message.value
    assert "The board is empty" in app.parts["board"].value
    assert app.fields["what_happened"].control.value == GOOD["what_happened"]
    assert app.fields["due"].control.value == "next week"
    fill(app, due="2025-12-01", owner="")
    app.parts["add"].click()
    assert "owner must not be empty" in app.fields["owner"].message.value
    assert "kit-field-error" not in app.fields["due"].message.value
    fill(app, owner="Ana")
    app.parts["add"].click()
    assert "1 entry" in text(app.parts["board"].value)
    assert "kit-field-error" not in app.fields["owner"].message.value


def test_removing_an_entry_that_does_not_exist_keeps_the_board(cases):
    app = view.build_app(board=[entry(), entry(owner="Ana")])
    before = app.parts["board"].value
    fill(app, number="3")
    app.parts["remove"].click()
    assert "number must be between 1 and 2" in app.fields["number"].message.value
    assert app.parts["board"].value == before
    fill(app, number="1")
    app.parts["remove"].click()
    assert "1 entry" in text(app.parts["board"].value) and "Ana" in app.parts["board"].value


def test_a_bad_import_names_the_row_and_keeps_the_board(cases):
    app = view.build_app(board=[entry()])
    before = app.parts["board"].value
    bad = model.to_csv([entry(), entry()]).replace("2025-10-01", "soon", 1).encode()
    upload(app, "team.csv", bad)
    assert "team.csv: Row 2: due must be a date" in app.status.value
    assert app.parts["board"].value == before
    assert app.parts["upload"].value == ()  # ready for the fixed file
    upload(app, "team.xlsx", b"PK\x03\x04")
    assert ".csv or .md" in app.status.value and app.parts["board"].value == before


def test_a_good_import_adds_or_replaces(cases):
    app = view.build_app(board=[entry()])
    upload(app, "other.md", model.to_markdown([entry(owner="Ana"), entry(owner="Bo")]).encode())
    assert app.status.value == ""
    assert "3 entries" in text(app.parts["board"].value)
    assert "Imported 2 entries from other.md" in app.parts["imported"].value
    app.fields["mode"].control.value = view.REPLACE
    upload(app, "one.csv", model.to_csv([entry(owner="Cy")]).encode())
    board = text(app.parts["board"].value)
    assert "1 entry" in board and "Cy" in board and "Ana" not in board


def test_the_case_library_filters_and_copies_a_case_with_its_source(cases):
    app = view.build_app()
    library = app.parts["library"]
    assert "3 real cases" in text(library.value)
    assert 'href="https://example.org/b"' in library.value
    assert "caveat: Reported by one outlet only" in library.value
    assert ('<a href="https://example.org/d" target="_blank" rel="noopener noreferrer" '
            f'style="{view.LINK}">'
            "Pub D (2025)</a>") in library.value
    assert "<i>course correction</i>" in library.value
    app.fields["library_trap"].control.value = "data"
    assert "1 real case," in text(library.value) and "Org C" in library.value
    assert "Org A" not in library.value
    fill(app, owner="Ana")
    app.fields["case"].control.value = 0
    app.parts["copy"].click()
    assert app.fields["what_happened"].control.value.startswith("Org C (2024)")
    assert app.fields["trap"].value == "data"
    assert "Source: Pub C, 'Title C', 2024" in app.fields["evidence"].control.value
    assert app.fields["owner"].control.value == "Ana"


def test_builds_without_the_case_dataset(monkeypatch):
    monkeypatch.setattr(view, "_cases", lambda: (None, "case_studies not found"))
    app = view.build_app()
    assert "case library is unavailable" in app.parts["library"].value
    assert app.status.value == ""


def test_build_app_with_its_real_defaults():
    app = view.build_app()
    assert app.status.value == "" and "The board is empty" in app.parts["board"].value
    cases = data.load("case_studies")
    assert f"{len(cases)} real cases" in text(app.parts["library"].value)
    # every case shows its own source link
    assert all(f'href="{html.escape(url, quote=True)}"' in app.parts["library"].value
               for url in cases["source_url"])


# ------------------------------------------------------- the library on its own (apps)
def test_search_keeps_cases_holding_every_word_in_any_case():
    cases = model.case_library(case_frame())
    assert [c.organisation for c in model.search_cases(cases, "BUDGET")] == ["Org B"]
    assert [c.organisation for c in model.search_cases(cases, "bot  advice")] == ["Org A"]
    assert model.search_cases(cases, "bot budget") == []
    assert model.search_cases(cases, "  ") == cases
    with pytest.raises(ValueError, match="at most 60 characters"):
        model.search_cases(cases, "x" * 61)


def test_library_markdown_lists_each_case_with_its_source_and_caveat():
    text_md = model.library_markdown(model.case_library(case_frame(), "investment"),
                                     about="Under-investment", query="budget")
    assert "Trap: Under-investment, matching “budget”: 1 real case" in text_md
    assert "## Org B (2025)" in text_md
    assert ("- Source: Pub B, 'Title B', 2025 (caveat: Reported by one outlet only), "
            "https://example.org/b") in text_md
    assert "- Also: Pub D (2025): https://example.org/d" in text_md
    assert "Org A" not in text_md


def test_the_library_app_filters_searches_explains_a_bad_search_and_downloads(cases):
    lib = view.build_library()
    out = lib.parts["library"]
    assert "3 real cases" in text(out.value)
    fill(lib, query="skewed")
    assert "1 real case," in text(out.value) and "Org C" in out.value
    fill(lib, library_trap="investment")
    assert "No case matches" in out.value
    fill(lib, query="x" * 61)
    assert "Search must be at most 60 characters (61 entered)" in lib.fields[
        "query"].message.value
    assert "No case matches" in out.value  # the last good result stays
    fill(lib, query="")
    assert "1 real case," in text(out.value) and "Org B" in out.value
    assert "Download the case list" in lib.download.value
    saved = decoded(lib.download.value)
    assert "Trap: Under-investment: 1 real case" in saved and "## Org B (2025)" in saved


def test_the_failure_explorer_app_puts_the_portfolio_above_the_real_cases():
    from widgets.failure_explorer import build_app

    app = build_app(factor="pilot_run", library_trap="data")
    assert app.children == (app.explorer, app.library)
    assert app.explorer.fields["factor"].value == "pilot_run"
    assert app.explorer.status.value == "" and app.library.status.value == ""
    cases = data.load("case_studies")
    data_cases = cases[cases["traps"].str.contains("data")]
    assert f"{len(data_cases)} real case" in text(app.library.parts["library"].value)
