"""Tests: unit/audit/entrypoints."""
