"""Grading: nbgrader set-up shared by the release, the grading runner and the tests."""
