import datetime as dt

import pandas as pd

from widgets.retro import model as retro

_ENTRY = retro.make_entry(what_happened="The bot quoted a refund rule that did not exist",
                          trap="maturity", evidence="Tribunal decision", action="Add an eval set",
                          owner="Product owner", due="2025-09-30")
_BOARD = (_ENTRY,)
CASES = pd.DataFrame({
    "year": [2024], "organisation": ["Org A"], "what_happened": ["A bot gave wrong advice."],
    "key_figures": ["One ruling."], "traps": ["maturity;learning"], "lesson": ["Test first."],
    "source_publisher": ["Publisher"], "source_title": ["Title"], "source_year": [2024],
    "source_url": ["https://example.org/a"], "status": ["C"], "caveat": [None],
})

EXAMPLES = {
    "make_entry": {"what_happened": "Pilot had no control group", "trap": "learning",
                   "evidence": "Pilot plan", "action": "Randomise agents", "owner": "PMO",
                   "due": dt.date(2025, 10, 1), "kind": "pre-mortem"},
    "add_entry": {"board": _BOARD, "entry": _ENTRY},
    "remove_entry": {"board": _BOARD, "number": 1},
    "to_csv": {"board": _BOARD},
    "from_csv": {"text": retro.to_csv(_BOARD)},
    "to_markdown": {"board": _BOARD, "title": "Board"},
    "from_markdown": {"text": retro.to_markdown(_BOARD)},
    "import_board": {"content": retro.to_csv(_BOARD).encode(), "filename": "board.csv"},
    "case_library": {"cases": CASES, "trap": "maturity"},
    "draft_from_case": {"case": retro.case_library(CASES)[0]},
    "search_cases": {"cases": retro.case_library(CASES), "query": "bot"},
    "library_markdown": {"cases": retro.case_library(CASES), "about": "All traps",
                         "query": "bot"},
}
