"""Readiness diagnostic: trap scores, a failure risk fitted on the portfolio, and top actions."""

from widgets.readiness.view import build_app

__all__ = ["build_app"]
