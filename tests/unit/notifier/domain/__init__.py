"""Tests: unit/notifier/domain."""
