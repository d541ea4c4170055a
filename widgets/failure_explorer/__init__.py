"""Failure explorer app: the portfolio explorer above the library of real cases.

Composition only: the numbers come from ``widgets.portfolio`` and the cases from
``widgets.retro``; this package only puts the two on one page for an executive.
"""

from __future__ import annotations

import ipywidgets as W

from widgets.portfolio.view import build_app as _portfolio
from widgets.retro.view import build_library

__all__ = ["build_app"]


def build_app(*, library_trap: str = "all", query: str = "", **portfolio: str) -> W.Widget:
    """Return the failure explorer (not displayed).

    ``portfolio`` holds the portfolio explorer's defaults (``industry``, ``use_case``,
    ``sponsor``, ``factor``, ``group_a``, ``group_b``); ``library_trap`` and ``query`` start
    the case library.
    """
    explorer = _portfolio(**portfolio)
    library = build_library(trap=library_trap, query=query)
    app = W.VBox([explorer, library], layout=W.Layout(width="100%", max_width="1200px"))
    app.explorer, app.library = explorer, library
    return app
