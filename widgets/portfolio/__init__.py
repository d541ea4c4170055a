"""Failure explorer: outcomes of a synthetic project portfolio by trap factor, with filters."""

from widgets.portfolio.view import build_app

__all__ = ["build_app"]
