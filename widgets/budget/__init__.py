"""Budget planner: total cost, value over time, NPV, payback, ROI and their uncertainty."""

from widgets.budget.view import build_app

__all__ = ["build_app"]
