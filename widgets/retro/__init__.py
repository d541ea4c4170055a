"""Retrospective and pre-mortem board, with a library of real failure cases and their sources."""

from widgets.retro.view import build_app

__all__ = ["build_app"]
