"""Tests: unit/notifier."""
