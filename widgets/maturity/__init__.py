"""Maturity reality check: readiness level against evidence, and what automation really gives."""

from widgets.maturity.view import build_app

__all__ = ["build_app"]
