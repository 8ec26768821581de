"""Tests: unit/notifier/adapters."""
