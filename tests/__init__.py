"""Dunwell test suite."""
