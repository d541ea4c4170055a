"""Retrospective and pre-mortem board view: an entry form, the board, CSV/Markdown export and
import, and the library of real failure cases with their sources. Layout and wiring only."""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

import ipywidgets as W
import pandas as pd

from widgets import data, ui
from widgets import validate as v
from widgets.retro import model
from widgets.traps import BY_KEY, TRAPS

TRAP_OPTIONS = [(t.title, t.key) for t in TRAPS]
FILTER_OPTIONS = [("All traps", "all"), *TRAP_OPTIONS]
_FILTER_LABEL = {key: label for label, key in FILTER_OPTIONS}
ADD, REPLACE = "add", "replace"
WHAT_LABEL = {"retrospective": "What happened", "pre-mortem": "What could go wrong"}
_CELL = "padding:3px 6px;vertical-align:top;border-top:1px solid #ddd"
LINK = "color:#0072B2;text-decoration:underline"  # Voila's page style hides plain links


@functools.lru_cache(maxsize=1)
def _cases() -> tuple[pd.DataFrame | None, str]:
    """The case_studies table, read once per process (or why it could not be)."""
    try:
        return data.load("case_studies"), ""
    except (data.DatasetNotFound, data.DatasetError) as err:
        return None, str(err)


def _board_html(board: Sequence[model.Entry]) -> str:
    if not board:
        return ('<p class="kit-board-empty" aria-live="polite">The board is empty: add an '
                "entry, copy one from a real case below, or import a board.</p>")
    counts = ", ".join(f"{sum(e.trap == t.key for e in board)} {t.key}" for t in TRAPS
                       if any(e.trap == t.key for e in board))
    rows = "".join(
        f"<tr><td style='{_CELL}'>{i}</td><td style='{_CELL}'>{e.kind}</td>"
        + "".join(f"<td style='{_CELL}'>{html.escape(x)}</td>" for x in (
            e.what_happened, e.trap_title, e.evidence, e.action, e.owner))
        + f"<td style='{_CELL};white-space:nowrap'>{e.due.isoformat()}</td></tr>"
        for i, e in enumerate(board, start=1))
    return (f'<div class="kit-board" aria-live="polite" style="line-height:1.4">'
            '<p style="margin:4px 0">'
            f'<b class="kit-board-count">{len(board)}</b> entr{"y" if len(board) == 1 else "ies"}'
            f" ({counts}).</p>"
            '<table style="border-collapse:collapse;font-size:0.9em"><thead><tr>'
            "<th>#</th><th>Kind</th><th>What happened</th><th>Trap</th><th>Evidence</th>"
            f"<th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>{rows}</tbody>"
            "</table></div>")


def _source_link(text: str) -> str:
    """'Publisher (year): URL' as a link labelled with the publisher."""
    label, sep, url = text.partition(": http")
    if not sep:
        return html.escape(text)
    return (f'<a href="{html.escape("http" + url, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer" style="{LINK}">{html.escape(label)}</a>')


def _library_html(cases: list[model.Case], problem: str) -> str:
    if problem:
        return ('<p class="kit-no-cases">The case library is unavailable: '
                f"{html.escape(problem)}</p>")
    if not cases:
        return '<p class="kit-no-cases">No case in the library is tagged with this trap.</p>'
    # What happened and the source stay in view; figures and the lesson open on request.
    items = "".join(
        '<li style="margin:0 0 8px">'
        f"<b>{html.escape(c.organisation)} ({c.year})</b>"
        + (f" · <i>{html.escape(c.kind)}</i>" if c.kind else "") + " · "
        f"{html.escape(', '.join(BY_KEY[t].title for t in c.traps if t in BY_KEY))}<br>"
        f"{html.escape(c.what_happened)}<br>"
        f'<span style="font-size:0.9em">Source: <a href="{html.escape(c.url, quote=True)}" '
        f'target="_blank" rel="noopener noreferrer" style="{LINK}">{html.escape(c.source)}</a>'
        + (f"; also {'; '.join(_source_link(x) for x in c.other_sources)}"
           if c.other_sources else "") + "</span>"
        f'<details style="font-size:0.9em"><summary>Key figures and lesson</summary>'
        f"<i>Key figures:</i> {html.escape(c.key_figures)}<br>"
        f"<i>Lesson:</i> {html.escape(c.lesson)}</details></li>"
        for c in cases)
    return (f'<div class="kit-library" style="line-height:1.4"><p style="margin:4px 0">'
            f'<b>{len(cases)}</b> real '
            f'case{"s" if len(cases) != 1 else ""}, each with its source.</p>'
            f'<ul style="margin:0;padding-left:1.2em">{items}</ul></div>')


def build_app(*, board: Sequence[model.Entry] = (), kind: str = "retrospective",
              library_trap: str = "all") -> W.Widget:
    """Return the retrospective and pre-mortem board (not displayed)."""
    cases_df, problem = _cases()
    f_filter = ui.ChoiceField("Cases about", FILTER_OPTIONS, library_trap, name="library_trap")
    f_kind = ui.ChoiceField("Board", model.KINDS, kind, name="kind",
                            help="A retrospective looks back; a pre-mortem imagines the "
                                 "project has failed and asks why.")
    f_what = ui.TextField("What happened", required=False, max_length=500,
                          name="what_happened",
                          help="In a pre-mortem: what could go wrong.")
    f_trap = ui.ChoiceField("Trap", TRAP_OPTIONS, TRAPS[0].key, name="trap")
    f_evidence = ui.TextField("Evidence", required=False, max_length=500, name="evidence",
                              help="A number, a document or an observation that shows it.")
    f_action = ui.TextField("Action", required=False, max_length=300, name="action")
    f_owner = ui.TextField("Owner", required=False, max_length=80, name="owner")
    f_due = ui.TextField("Due date", required=False, max_length=10, name="due",
                         placeholder="YYYY-MM-DD")
    form = [f_kind, f_what, f_trap, f_evidence, f_action, f_owner, f_due]
    add_button = W.Button(description="Add to the board", button_style="primary",
                          icon="plus")
    f_remove = ui.NumberField("Entry to remove", 1, min=1, max=model.MAX_ENTRIES, integer=True,
                              name="number")
    remove_button = W.Button(description="Remove entry", icon="trash")
    upload = W.FileUpload(accept=".csv,.md,.markdown,.txt", multiple=False,
                          description="Import board")
    f_mode = ui.ChoiceField("On import", [("Add to the board", ADD),
                                          ("Replace the board", REPLACE)], ADD, name="mode")
    case_choice = ui.ChoiceField("Case", [("(none)", -1)], -1, name="case")
    copy_button = W.Button(description="Copy into the form", icon="copy")
    board_out, csv_out, library_out = W.HTML(), W.HTML(), W.HTML()
    import_out = W.HTML()
    state: dict = {"board": tuple(board), "cases": []}

    frame = ui.AppFrame(
        "Retrospective and pre-mortem board",
        subtitle="Write down what happened (or could happen), which trap it is, the evidence, "
                 "and who does what by when.",
        inputs=[*form, add_button, W.HTML("<h4 style='margin:12px 0 4px'>Edit, export, "
                                          "import</h4>"), f_remove, remove_button, csv_out,
                upload, f_mode, import_out,
                W.HTML("<h4 style='margin:12px 0 4px'>Failure-case library</h4>"), f_filter,
                case_choice, copy_button],
        results=[board_out, W.HTML("<h4 style='margin:12px 0 4px'>Real cases</h4>"),
                 library_out],
        summary=lambda: model.to_markdown(state["board"]), summary_filename="board.md",
        fields={f.name: f for f in (f_filter, *form, f_remove, f_mode, case_choice)},
        sources="The case library comes from the kit's case_studies table; every case links "
                "to its source.")

    def show_board(new_board: Sequence[model.Entry]) -> None:
        state["board"] = tuple(new_board)
        board_out.value = _board_html(state["board"])
        csv_out.value = ui.download_link(model.to_csv(state["board"]), "board.csv",
                                         mime="text/csv", label="Download CSV")

    def show_library(trap: str) -> None:
        state["cases"] = [] if cases_df is None else model.case_library(cases_df, trap)
        library_out.value = _library_html(state["cases"], problem)
        case_choice.control.options = [("(none)", -1)] + [
            (f"{c.organisation} ({c.year})", i) for i, c in enumerate(state["cases"])]

    def entry() -> model.Entry:
        # Raw text, not the fields' last valid values: the board must get what is on screen.
        return model.make_entry(**{f.name: f.control.value for f in form})

    def add(_=None) -> None:
        if frame.run(lambda: show_board(model.add_entry(state["board"], entry()))):
            for f in (f_what, f_evidence, f_action):
                f.set("")

    def remove(_=None) -> None:
        frame.run(lambda: show_board(model.remove_entry(state["board"], f_remove.value)))

    def imported(change: dict) -> None:
        if change["new"]:
            file, import_out.value = change["new"][0], ""
            frame.run(lambda: _merge(model.import_board(file["content"], file["name"]),
                                     file["name"]))
            upload.value = ()  # so the same file can be imported again after fixing it

    def _merge(entries: tuple[model.Entry, ...], name: str) -> None:
        base = () if f_mode.value == REPLACE else state["board"]
        if len(base) + len(entries) > model.MAX_ENTRIES:
            raise v.InputError("mode", f"Adding {len(entries)} entries would exceed "
                                       f"{model.MAX_ENTRIES}; choose 'Replace the board'.")
        show_board(base + entries)
        import_out.value = (f'<p class="kit-imported" role="status">Imported {len(entries)} '
                            f"entr{'y' if len(entries) == 1 else 'ies'} from "
                            f"{html.escape(name)}.</p>")

    def copy_case(_=None) -> None:
        # Owner, due date and board kind stay as typed: the team decides those.
        if case_choice.value is not None and case_choice.value >= 0:
            draft = model.draft_from_case(state["cases"][case_choice.value])
            for f in (f_what, f_trap, f_evidence, f_action):
                f.set(draft[f.name])

    # The same column, asked the way each board asks it.
    f_kind.observe(lambda ch: setattr(f_what.control, "description", WHAT_LABEL[ch["new"]]),
                   "value")
    f_what.control.description = WHAT_LABEL[f_kind.value]
    add_button.on_click(add)
    remove_button.on_click(remove)
    copy_button.on_click(copy_case)
    upload.observe(imported, "value")
    f_filter.observe(lambda ch: frame.run(lambda: show_library(ch["new"])), "value")
    show_board(state["board"])
    frame.run(lambda: show_library(f_filter.value))
    # Named parts, for tests and for apps that lay the board out differently.
    frame.parts = {"add": add_button, "remove": remove_button, "copy": copy_button,
                   "upload": upload, "board": board_out, "csv": csv_out,
                   "imported": import_out, "library": library_out}
    return frame


def build_library(*, trap: str = "all", query: str = "") -> W.Widget:
    """Return the failure-case library on its own (not displayed): a trap filter, a search,
    every matching real case with its source, and the list as a download."""
    cases_df, problem = _cases()
    f_trap = ui.ChoiceField("Cases about", FILTER_OPTIONS, trap, name="library_trap")
    f_query = ui.TextField("Search", query, required=False,
                           max_length=model.MAX_QUERY, name="query",
                           placeholder="e.g. chatbot, refund, 2024",
                           help="Words to find in a case; press Enter. Empty shows every case.")
    library_out = W.HTML()
    state: dict = {"cases": []}
    frame = ui.AppFrame(
        "Failure-case library",
        subtitle="Real, named cases: what happened, which trap it shows, and where it is "
                 "reported.",
        inputs=[f_trap, f_query], results=[library_out],
        summary=lambda: model.library_markdown(
            state["cases"], about=_FILTER_LABEL[f_trap.value], query=f_query.value),
        summary_filename="failure-cases.md", summary_label="Download the case list",
        sources="Every case comes from the kit's case_studies table and links to its source; a "
                "source confirmed only through a secondary report carries its caveat.",
        fields={f.name: f for f in (f_trap, f_query)})

    def show(_=None) -> None:
        found = [] if cases_df is None else model.search_cases(
            model.case_library(cases_df, f_trap.value), f_query.value)
        state["cases"] = found
        library_out.value = (_library_html(found, problem) if found or problem else
                             '<p class="kit-no-cases" aria-live="polite">No case matches '
                             "this search and filter: try fewer words or all traps.</p>")

    for f in (f_trap, f_query):
        f.observe(lambda _: frame.run(show), "value")
    frame.run(show)
    frame.parts = {"library": library_out}
    return frame
