"""Pilot designer: sample size, duration and go/no-go for a controlled GenAI pilot."""

from widgets.pilot.view import build_app

__all__ = ["build_app"]
