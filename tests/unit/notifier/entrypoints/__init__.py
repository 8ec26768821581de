"""Tests: unit/notifier/entrypoints."""
