"""Tests: unit/notifier/handlers."""
