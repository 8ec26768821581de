"""Tests: unit/notifier/domain/policy."""
