"""KPI builder: a business goal, driver KPIs with SMART checks, and the GenAI lever."""

from widgets.kpi.view import build_app

__all__ = ["build_app"]
