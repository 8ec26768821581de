"""Tests: unit/audit/handlers."""
